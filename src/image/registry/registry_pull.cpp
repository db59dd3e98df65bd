#include "image/registry/registry_pull.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_util.h"

namespace customs::image::registry {
namespace {

namespace fs = std::filesystem;

std::string Hex(std::string_view digest) {
  return std::string(digest.substr(digest.find(':') + 1));
}

// A temporary sibling of `output` (same filesystem, so rename is atomic), removed unless released.
class Staging {
 public:
  static Result<Staging> Create(const fs::path& output) {
    fs::path parent = output.parent_path().empty() ? fs::path(".") : output.parent_path();
    std::string pattern = (parent / ("." + output.filename().string() + ".customs-tmp-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return MakeError(ErrorCode::kIo, "creating a temporary directory in {}: {}", parent.string(),
                       std::strerror(errno));
    }
    return Staging(fs::path(pattern));
  }
  Staging(Staging&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ~Staging() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  const fs::path& path() const { return path_; }

 private:
  explicit Staging(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

Status WriteBlobFile(const fs::path& blobs, std::string_view digest, std::string_view content) {
  return WriteFileAtomic(blobs / Hex(digest), content);
}

Status DownloadLayer(const RegistrySource& source, std::size_t index, const fs::path& blobs,
                     const PullOptions& options) {
  const LayerDescriptor& layer = source.Layers()[index];
  fs::path path = blobs / Hex(layer.digest);
  fs::path partial = path;
  partial += ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "{}: {}", partial.string(), std::strerror(errno));
  }
  auto fail = [&](Error error) -> Status {
    ::close(fd);
    ::unlink(partial.c_str());
    return tl::unexpected(std::move(error));
  };
  auto reader = source.OpenLayer(index);
  if (!reader) {
    return fail(std::move(reader).error());
  }
  std::vector<char> buffer(1 << 17);
  std::uint64_t total = 0;
  for (;;) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    if (!n) {
      return fail(std::move(n).error().WithContext(fmt::format("layer {}", index)));
    }
    if (*n == 0) {
      break;
    }
    const char* data = buffer.data();
    std::size_t left = *n;
    while (left > 0) {
      ssize_t written = ::write(fd, data, left);
      if (written < 0) {
        if (errno == EINTR) {
          continue;
        }
        return fail(Error(ErrorCode::kIo, fmt::format("{}: {}", partial.string(), std::strerror(errno))));
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
    total += *n;
    if (options.progress) {
      options.progress(index, total);
    }
  }
  if (::close(fd) != 0) {
    ::unlink(partial.c_str());
    return MakeError(ErrorCode::kIo, "{}: {}", partial.string(), std::strerror(errno));
  }
  // Only a fully verified blob gets its final name.
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "rename {}: {}", path.string(), std::strerror(errno));
  }
  return Ok();
}

// "docker.io/library/alpine:3.20" -> "alpine:3.20", as `docker save` names Docker Hub images.
std::string FamiliarName(const Reference& reference) {
  std::string name = reference.NameWithTag();
  for (std::string_view prefix : {"docker.io/library/", "docker.io/"}) {
    if (name.rfind(prefix, 0) == 0) {
      return name.substr(prefix.size());
    }
  }
  return name;
}

Status WriteTar(const fs::path& layout, const fs::path& tar_path) {
  struct archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  auto close_with = [&](Error error) -> Status {
    archive_write_free(writer);
    return tl::unexpected(std::move(error));
  };
  if (archive_write_open_filename(writer, tar_path.c_str()) != ARCHIVE_OK) {
    return close_with(Error(ErrorCode::kIo, fmt::format("{}: {}", tar_path.string(), archive_error_string(writer))));
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(layout, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    files.push_back(it->path());
  }
  if (ec) {
    return close_with(Error(ErrorCode::kIo, fmt::format("{}: {}", layout.string(), ec.message())));
  }
  std::sort(files.begin(), files.end());
  std::vector<char> buffer(1 << 17);
  for (const fs::path& file : files) {
    std::string name = fs::relative(file, layout).generic_string();
    bool directory = fs::is_directory(file);
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, directory ? 0755 : 0644);
    archive_entry_set_size(entry, directory ? 0 : static_cast<la_int64_t>(fs::file_size(file)));
    int rc = archive_write_header(writer, entry);
    archive_entry_free(entry);
    if (rc != ARCHIVE_OK) {
      return close_with(Error(ErrorCode::kIo, fmt::format("tar {}: {}", name, archive_error_string(writer))));
    }
    if (directory) {
      continue;
    }
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return close_with(Error(ErrorCode::kIo, fmt::format("{}: {}", file.string(), std::strerror(errno))));
    }
    for (;;) {
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        ::close(fd);
        return close_with(Error(ErrorCode::kIo, fmt::format("{}: {}", file.string(), std::strerror(errno))));
      }
      if (n == 0) {
        break;
      }
      if (archive_write_data(writer, buffer.data(), static_cast<std::size_t>(n)) < 0) {
        ::close(fd);
        return close_with(Error(ErrorCode::kIo, fmt::format("tar {}: {}", name, archive_error_string(writer))));
      }
    }
    ::close(fd);
  }
  if (archive_write_close(writer) != ARCHIVE_OK) {
    return close_with(Error(ErrorCode::kIo, fmt::format("{}: {}", tar_path.string(), archive_error_string(writer))));
  }
  archive_write_free(writer);
  int fd = ::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return Ok();
}

}  // namespace

Status PullImage(const RegistrySource& source, const PullOptions& options) {
  const fs::path& output = options.output;
  if (output.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no output path");
  }
  std::error_code ec;
  bool output_is_empty_dir = false;
  if (fs::exists(output, ec)) {
    if (options.format == PullFormat::kOciLayout) {
      if (!fs::is_directory(output) || !fs::is_empty(output, ec)) {
        return MakeError(ErrorCode::kInvalidArgument, "{} already exists and is not an empty directory",
                         output.string());
      }
      output_is_empty_dir = true;
    } else if (fs::is_directory(output)) {
      return MakeError(ErrorCode::kInvalidArgument, "{} is a directory; an archive output is a file", output.string());
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(Staging staging, Staging::Create(output));
  fs::path layout = options.format == PullFormat::kOciLayout ? staging.path() : staging.path() / "layout";
  fs::path blobs = layout / "blobs" / "sha256";
  fs::create_directories(blobs, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "{}: {}", blobs.string(), ec.message());
  }

  // Layers first (the slow part), concurrently; config and manifest were verified when the source opened.
  const std::size_t count = source.Layers().size();
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto worker = [&] {
    for (;;) {
      std::size_t index = next.fetch_add(1);
      if (index >= count || failed.load()) {
        return;
      }
      // Two manifest entries may share a blob; the second download is harmless (same verified bytes).
      Status status = DownloadLayer(source, index, blobs, options);
      if (!status) {
        std::lock_guard lock(error_mutex);
        if (!first_error) {
          first_error = std::move(status).error();
        }
        failed.store(true);
        return;
      }
    }
  };
  int threads = std::max(1, std::min<int>(options.concurrency, static_cast<int>(std::max<std::size_t>(count, 1))));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back(worker);
  }
  for (std::thread& thread : pool) {
    thread.join();
  }
  if (first_error) {
    return tl::unexpected(std::move(*first_error));
  }

  CUSTOMS_RETURN_IF_ERROR(WriteBlobFile(blobs, source.ConfigDigest(), source.ConfigJson()));
  CUSTOMS_RETURN_IF_ERROR(WriteBlobFile(blobs, source.ManifestDigest(), source.ManifestJson()));
  const Reference& reference = source.reference();
  nlohmann::json descriptor = {{"mediaType", source.ManifestMediaType()},
                               {"digest", source.ManifestDigest()},
                               {"size", source.ManifestJson().size()}};
  if (!reference.tag.empty()) {
    descriptor["annotations"] = {{"org.opencontainers.image.ref.name", reference.tag},
                                 {"io.containerd.image.name", reference.NameWithTag()}};
  }
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.index.v1+json"},
                          {"manifests", nlohmann::json::array({descriptor})}};
  CUSTOMS_RETURN_IF_ERROR(WriteFileAtomic(layout / "index.json", index.dump()));
  CUSTOMS_RETURN_IF_ERROR(WriteFileAtomic(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));

  if (options.format == PullFormat::kOciLayout) {
    if (output_is_empty_dir) {
      fs::remove(output, ec);
    }
    if (::rename(staging.path().c_str(), output.c_str()) != 0) {
      return MakeError(ErrorCode::kIo, "rename to {}: {}", output.string(), std::strerror(errno));
    }
    return Ok();
  }
  // docker-archive manifest.json (docker/image/tarexport): Config and Layers are paths inside the tar.
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerDescriptor& layer : source.Layers()) {
    layers.push_back("blobs/sha256/" + Hex(layer.digest));
  }
  nlohmann::json repo_tags = nlohmann::json::array();
  if (!reference.tag.empty()) {
    repo_tags.push_back(FamiliarName(reference));
  }
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", "blobs/sha256/" + Hex(source.ConfigDigest())}, {"RepoTags", repo_tags}, {"Layers", layers}}});
  CUSTOMS_RETURN_IF_ERROR(WriteFileAtomic(layout / "manifest.json", manifest.dump()));
  fs::path tar_path = staging.path() / "image.tar";
  CUSTOMS_RETURN_IF_ERROR(WriteTar(layout, tar_path));
  if (::rename(tar_path.c_str(), output.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "rename to {}: {}", output.string(), std::strerror(errno));
  }
  return Ok();
}

}  // namespace customs::image::registry
