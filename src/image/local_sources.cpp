#include "image/local_sources.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "image/blob_reader.h"
#include "image/tar_index.h"

namespace customs::image {
namespace {

using nlohmann::json;

constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";

// Blobs addressed by relative path, in a directory or inside a tar. Never reaches outside its root.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual bool Exists(std::string_view relative) const = 0;
  // Opens a member; `expected_digest` ("sha256:...") is verified by the reader when non-empty.
  [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> Open(std::string_view relative,
                                                                 std::string expected_digest) const = 0;
  virtual std::string Describe() const = 0;
  // ImageSource::LayerIdentity of a member; empty when it cannot be stated.
  virtual std::string Identity(std::string_view relative) const = 0;
};

// Device, inode, size and both times: a file rewritten or truncated since (even to the same size with its mtime
// restored) has another identity, because its ctime moved.
std::string StatIdentity(const struct stat& st) {
  return fmt::format("{}:{}:{}:{}.{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

class DirectoryStore final : public BlobStore {
 public:
  static Result<std::unique_ptr<DirectoryStore>> Create(const std::filesystem::path& root) {
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return MakeError(ErrorCode::kIo, "{}: {}", root.string(), std::strerror(errno));
    return std::unique_ptr<DirectoryStore>(new DirectoryStore(fd, root));
  }
  ~DirectoryStore() override { ::close(root_fd_); }

  bool Exists(std::string_view relative) const override {
    int fd = OpenBeneath(relative);
    if (fd < 0) return false;
    ::close(fd);
    return true;
  }

  Result<std::unique_ptr<BlobReader>> Open(std::string_view relative, std::string expected) const override {
    int fd = OpenBeneath(relative);
    if (fd < 0) {
      int err = errno;
      if (err == ENOENT) return MakeError(ErrorCode::kNotFound, "{}: missing blob {}", root_.string(), relative);
      return MakeError(ErrorCode::kCorrupt, "{}/{}: {}", root_.string(), relative, std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return MakeError(ErrorCode::kCorrupt, "{}/{}: not a regular file", root_.string(), relative);
    }
    ::close(fd);
    CUSTOMS_ASSIGN_OR_RETURN(auto file, SharedFile::Open(root_ / std::string(relative)));
    std::uint64_t size = file->size();
    return MakeRangeReader(std::move(file), 0, size, std::move(expected), std::string(relative));
  }

  std::string Describe() const override { return root_.string(); }

  std::string Identity(std::string_view relative) const override {
    int fd = OpenBeneath(relative);
    if (fd < 0) return {};
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    ::close(fd);
    return ok ? "file:" + StatIdentity(st) : std::string();
  }

 private:
  DirectoryStore(int fd, std::filesystem::path root) : root_fd_(fd), root_(std::move(root)) {}

  // openat2(RESOLVE_BENEATH): no "..", absolute symlinks or magic links can leave the layout directory.
  int OpenBeneath(std::string_view relative) const {
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    std::string path(relative);
    return static_cast<int>(::syscall(SYS_openat2, root_fd_, path.c_str(), &how, sizeof how));
  }

  int root_fd_;
  std::filesystem::path root_;
};

class TarStore final : public BlobStore {
 public:
  TarStore(TarIndex index, std::shared_ptr<SharedFile> file) : index_(std::move(index)), file_(std::move(file)) {}

  bool Exists(std::string_view relative) const override { return index_.Find(relative) != nullptr; }

  Result<std::unique_ptr<BlobReader>> Open(std::string_view relative, std::string expected) const override {
    const TarMember* member = index_.Find(relative);
    if (member == nullptr) {
      return MakeError(ErrorCode::kNotFound, "{}: missing member {}", file_->path().string(), relative);
    }
    if (member->type != '0' && member->type != '7') {
      return MakeError(ErrorCode::kCorrupt, "{}: member {} is not a regular file", file_->path().string(), relative);
    }
    return MakeRangeReader(file_, member->offset, member->size, std::move(expected), std::string(relative));
  }

  std::string Describe() const override { return file_->path().string(); }

  std::string Identity(std::string_view relative) const override {
    const TarMember* member = index_.Find(relative);
    struct stat st {};
    if (member == nullptr || ::fstat(file_->fd(), &st) != 0) return {};
    return fmt::format("tar:{}:{}+{}", StatIdentity(st), member->offset, member->size);
  }

 private:
  TarIndex index_;
  std::shared_ptr<SharedFile> file_;
};

Result<std::string> ReadSmall(const BlobStore& store, std::string_view relative, std::string digest,
                              std::size_t limit) {
  CUSTOMS_ASSIGN_OR_RETURN(auto reader, store.Open(relative, std::move(digest)));
  auto data = ReadAllVerified(*reader, limit);
  if (!data) return tl::unexpected(std::move(data).error().WithContext(relative));
  return data;
}

Result<json> ParseJson(std::string_view text, std::string_view what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return MakeError(ErrorCode::kCorrupt, "{}: not a JSON object", what);
  return doc;
}

std::string BlobPath(std::string_view hex) {
  return "blobs/sha256/" + std::string(hex);
}

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::int64_t size = -1;
  bool has_platform = false;
  Platform platform;
};

Result<Descriptor> ParseDescriptor(const json& item, std::string_view what) {
  if (!item.is_object()) return MakeError(ErrorCode::kCorrupt, "{}: descriptor is not an object", what);
  Descriptor d;
  if (auto it = item.find("mediaType"); it != item.end() && it->is_string()) d.media_type = it->get<std::string>();
  auto digest = item.find("digest");
  if (digest == item.end() || !digest->is_string()) {
    return MakeError(ErrorCode::kCorrupt, "{}: descriptor without a digest", what);
  }
  d.digest = digest->get<std::string>();
  if (auto it = item.find("size"); it != item.end() && it->is_number_integer()) d.size = it->get<std::int64_t>();
  if (auto it = item.find("platform"); it != item.end() && it->is_object()) {
    d.has_platform = true;
    d.platform.os = it->value("os", "");
    d.platform.architecture = it->value("architecture", "");
    d.platform.variant = it->value("variant", "");
  }
  return d;
}

bool PlatformMatches(const Platform& have, const Platform& want, bool strict_variant) {
  if (have.os != want.os || have.architecture != want.architecture) return false;
  if (want.variant.empty()) return true;
  if (have.variant == want.variant) return true;
  // arm64 images usually omit "v8".
  return !strict_variant && have.variant.empty() && want.architecture == "arm64" && want.variant == "v8";
}

// An OCI image (layout directory or archive) after manifest resolution.
class OciImage final : public ImageSource {
 public:
  static Result<std::unique_ptr<OciImage>> Open(std::unique_ptr<BlobStore> store, std::string name, std::string kind,
                                                const SourceOptions& options) {
    auto image = std::unique_ptr<OciImage>(new OciImage(std::move(store), std::move(name), std::move(kind)));
    CUSTOMS_RETURN_IF_ERROR(image->Resolve(options));
    return image;
  }

  std::string Name() const override { return name_; }
  std::string Kind() const override { return kind_; }
  std::string ManifestDigest() const override { return manifest_digest_; }
  const std::string& ConfigJson() const override { return config_; }
  const std::vector<LayerDescriptor>& Layers() const override { return layers_; }
  Result<std::unique_ptr<BlobReader>> OpenLayer(std::size_t index) const override {
    if (index >= layers_.size()) return MakeError(ErrorCode::kInvalidArgument, "no layer {}", index);
    CUSTOMS_ASSIGN_OR_RETURN(std::string hex, DigestHex(layers_[index].digest));
    return store_->Open(BlobPath(hex), layers_[index].digest);
  }
  std::string LayerIdentity(std::size_t index) const override {
    if (index >= layers_.size()) return {};
    auto hex = DigestHex(layers_[index].digest);
    return hex ? store_->Identity(BlobPath(*hex)) : std::string();
  }

 private:
  OciImage(std::unique_ptr<BlobStore> store, std::string name, std::string kind)
      : store_(std::move(store)), name_(std::move(name)), kind_(std::move(kind)) {}

  Status Resolve(const SourceOptions& options) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string layout_text, ReadSmall(*store_, "oci-layout", "", 1 << 16));
    CUSTOMS_ASSIGN_OR_RETURN(json layout, ParseJson(layout_text, "oci-layout"));
    if (!layout.contains("imageLayoutVersion")) {
      return MakeError(ErrorCode::kCorrupt, "{}: oci-layout has no imageLayoutVersion", store_->Describe());
    }
    CUSTOMS_ASSIGN_OR_RETURN(std::string index_text, ReadSmall(*store_, "index.json", "", options.max_manifest_size));
    CUSTOMS_ASSIGN_OR_RETURN(json index, ParseJson(index_text, "index.json"));
    CUSTOMS_ASSIGN_OR_RETURN(Descriptor chosen, ChooseFromIndex(index, options, 0));
    return LoadManifest(chosen, options);
  }

  Result<Descriptor> ChooseFromIndex(const json& index, const SourceOptions& options, int depth) {
    if (depth > 4) return MakeError(ErrorCode::kCorrupt, "{}: indexes nested too deeply", store_->Describe());
    auto manifests = index.find("manifests");
    if (manifests == index.end() || !manifests->is_array() || manifests->empty()) {
      return MakeError(ErrorCode::kCorrupt, "{}: index lists no manifests", store_->Describe());
    }
    std::vector<Descriptor> candidates;
    for (const auto& item : *manifests) {
      CUSTOMS_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(item, "index.json"));
      // Attestation manifests (BuildKit) carry platform unknown/unknown; never choose them.
      if (d.has_platform && d.platform.os == "unknown") continue;
      candidates.push_back(std::move(d));
    }
    const Descriptor* pick = nullptr;
    if (candidates.size() == 1 && (!candidates[0].has_platform || !options.platform_given)) {
      pick = &candidates[0];
    } else {
      for (bool strict : {true, false}) {
        for (const auto& d : candidates) {
          if (d.has_platform && PlatformMatches(d.platform, options.platform, strict)) {
            pick = &d;
            break;
          }
        }
        if (pick) break;
      }
      if (pick == nullptr) {
        std::string available;
        for (const auto& d : candidates) {
          if (!available.empty()) available += ", ";
          available += d.has_platform ? d.platform.ToString() : "(no platform)";
        }
        return MakeError(ErrorCode::kNotFound, "{}: no image for platform {}; available: {}", store_->Describe(),
                         options.platform.ToString(), available);
      }
    }
    Descriptor chosen = *pick;
    if (chosen.media_type == kOciIndex || chosen.media_type == kDockerList) {
      CUSTOMS_ASSIGN_OR_RETURN(std::string hex, DigestHex(chosen.digest));
      CUSTOMS_ASSIGN_OR_RETURN(std::string text,
                               ReadSmall(*store_, BlobPath(hex), chosen.digest, options.max_manifest_size));
      CUSTOMS_ASSIGN_OR_RETURN(json nested, ParseJson(text, chosen.digest));
      return ChooseFromIndex(nested, options, depth + 1);
    }
    return chosen;
  }

  Status LoadManifest(const Descriptor& descriptor, const SourceOptions& options) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string hex, DigestHex(descriptor.digest));
    CUSTOMS_ASSIGN_OR_RETURN(std::string text,
                             ReadSmall(*store_, BlobPath(hex), descriptor.digest, options.max_manifest_size));
    CUSTOMS_ASSIGN_OR_RETURN(json manifest, ParseJson(text, descriptor.digest));
    if (manifest.contains("manifests")) {
      // An index without a media type in its descriptor.
      CUSTOMS_ASSIGN_OR_RETURN(Descriptor nested, ChooseFromIndex(manifest, options, 1));
      return LoadManifest(nested, options);
    }
    manifest_digest_ = descriptor.digest;
    auto config = manifest.find("config");
    if (config == manifest.end()) return MakeError(ErrorCode::kCorrupt, "manifest {} has no config", descriptor.digest);
    CUSTOMS_ASSIGN_OR_RETURN(Descriptor config_descriptor, ParseDescriptor(*config, "manifest config"));
    CUSTOMS_ASSIGN_OR_RETURN(std::string config_hex, DigestHex(config_descriptor.digest));
    CUSTOMS_ASSIGN_OR_RETURN(config_, ReadSmall(*store_, BlobPath(config_hex), config_descriptor.digest, 64u << 20));
    auto layers = manifest.find("layers");
    if (layers == manifest.end() || !layers->is_array()) {
      return MakeError(ErrorCode::kCorrupt, "manifest {} has no layers", descriptor.digest);
    }
    for (const auto& item : *layers) {
      CUSTOMS_ASSIGN_OR_RETURN(Descriptor layer, ParseDescriptor(item, "manifest layer"));
      CUSTOMS_ASSIGN_OR_RETURN(std::string layer_hex, DigestHex(layer.digest));
      if (!store_->Exists(BlobPath(layer_hex))) {
        return MakeError(ErrorCode::kNotFound, "{}: manifest names missing layer blob {}", store_->Describe(),
                         layer.digest);
      }
      layers_.push_back({layer.digest, layer.media_type, layer.size});
    }
    return Ok();
  }

  std::unique_ptr<BlobStore> store_;
  std::string name_;
  std::string kind_;
  std::string manifest_digest_;
  std::string config_;
  std::vector<LayerDescriptor> layers_;
};

// docker save: manifest.json [{Config, RepoTags, Layers}], layers named by path.
class DockerArchiveImage final : public ImageSource {
 public:
  static Result<std::unique_ptr<DockerArchiveImage>> Open(std::unique_ptr<TarStore> store, std::string name,
                                                          Diagnostics& diagnostics) {
    auto image = std::unique_ptr<DockerArchiveImage>(new DockerArchiveImage(std::move(store), std::move(name)));
    CUSTOMS_RETURN_IF_ERROR(image->Load(diagnostics));
    return image;
  }

  std::string Name() const override { return name_; }
  std::string Kind() const override { return "docker-archive"; }
  std::string ManifestDigest() const override { return {}; }
  const std::string& ConfigJson() const override { return config_; }
  const std::vector<LayerDescriptor>& Layers() const override { return layers_; }
  bool VerifiesLayerDigests() const override { return verified_by_path_; }
  Result<std::unique_ptr<BlobReader>> OpenLayer(std::size_t index) const override {
    if (index >= layers_.size()) return MakeError(ErrorCode::kInvalidArgument, "no layer {}", index);
    return store_->Open(paths_[index], verified_by_path_ ? layers_[index].digest : std::string());
  }
  std::string LayerIdentity(std::size_t index) const override {
    return index < paths_.size() ? store_->Identity(paths_[index]) : std::string();
  }

 private:
  DockerArchiveImage(std::unique_ptr<TarStore> store, std::string name)
      : store_(std::move(store)), name_(std::move(name)) {}

  Status Load(Diagnostics& diagnostics) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadSmall(*store_, "manifest.json", "", 4u << 20));
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_array() || doc.empty() || !doc[0].is_object()) {
      return MakeError(ErrorCode::kCorrupt, "{}: manifest.json is not a non-empty array", store_->Describe());
    }
    if (doc.size() > 1) {
      diagnostics.Warn("image/docker-archive", name_,
                       fmt::format("archive holds {} images; scanning the first", doc.size()));
    }
    const json& entry = doc[0];
    auto config = entry.find("Config");
    auto layers = entry.find("Layers");
    if (config == entry.end() || !config->is_string() || layers == entry.end() || !layers->is_array()) {
      return MakeError(ErrorCode::kCorrupt, "{}: manifest.json lacks Config or Layers", store_->Describe());
    }
    std::string config_path = config->get<std::string>();
    std::string config_digest = DigestFromPath(config_path);
    CUSTOMS_ASSIGN_OR_RETURN(config_, ReadSmall(*store_, config_path, config_digest, 64u << 20));
    // Newer docker save names blobs by digest ("blobs/sha256/<hex>"): then the path is the digest to verify.
    verified_by_path_ = true;
    for (const auto& item : *layers) {
      if (!item.is_string()) return MakeError(ErrorCode::kCorrupt, "{}: layer path not a string", store_->Describe());
      std::string path = item.get<std::string>();
      if (!store_->Exists(path)) {
        return MakeError(ErrorCode::kNotFound, "{}: manifest.json names missing layer {}", store_->Describe(), path);
      }
      std::string digest = DigestFromPath(path);
      if (digest.empty()) verified_by_path_ = false;
      paths_.push_back(path);
      layers_.push_back({digest, "", -1});
    }
    if (!verified_by_path_) {
      for (auto& layer : layers_) layer.digest.clear();
    }
    return Ok();
  }

  static std::string DigestFromPath(std::string_view path) {
    constexpr std::string_view kPrefix = "blobs/sha256/";
    std::string normalized = NormalizeMemberName(path);
    if (normalized.starts_with(kPrefix)) {
      std::string digest = "sha256:" + normalized.substr(kPrefix.size());
      if (DigestHex(digest)) return digest;
    }
    return {};
  }

  std::unique_ptr<TarStore> store_;
  std::string name_;
  std::string config_;
  std::vector<std::string> paths_;
  std::vector<LayerDescriptor> layers_;
  bool verified_by_path_ = false;
};

}  // namespace

bool IsOciLayoutDirectory(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) && std::filesystem::is_regular_file(path / "oci-layout", ec);
}

Result<std::unique_ptr<ImageSource>> OpenLocalImage(const std::filesystem::path& path, const SourceOptions& options,
                                                    Diagnostics& diagnostics) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return MakeError(ErrorCode::kNotFound, "{}: no such file or directory", path.string());
  }
  if (std::filesystem::is_directory(status)) {
    if (!IsOciLayoutDirectory(path)) {
      return MakeError(ErrorCode::kUnsupported, "{}: directory without an oci-layout file", path.string());
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto store, DirectoryStore::Create(path));
    CUSTOMS_ASSIGN_OR_RETURN(auto image, OciImage::Open(std::move(store), path.string(), "oci-layout", options));
    return std::unique_ptr<ImageSource>(std::move(image));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return MakeError(ErrorCode::kUnsupported, "{}: not a regular file or directory", path.string());
  }
  auto index = TarIndex::Build(path);
  if (!index) {
    return MakeError(ErrorCode::kUnsupported, "{}: not a docker-archive, OCI layout or oci-archive ({})", path.string(),
                     index.error().message());
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto file, SharedFile::Open(path));
  bool has_manifest = index->Find("manifest.json") != nullptr;
  bool has_layout = index->Find("oci-layout") != nullptr;
  auto store = std::make_unique<TarStore>(std::move(*index), std::move(file));
  if (has_manifest) {
    CUSTOMS_ASSIGN_OR_RETURN(auto image, DockerArchiveImage::Open(std::move(store), path.string(), diagnostics));
    return std::unique_ptr<ImageSource>(std::move(image));
  }
  if (has_layout) {
    CUSTOMS_ASSIGN_OR_RETURN(auto image, OciImage::Open(std::move(store), path.string(), "oci-archive", options));
    return std::unique_ptr<ImageSource>(std::move(image));
  }
  return MakeError(ErrorCode::kUnsupported, "{}: a tar archive, but neither a docker-archive nor an oci-archive",
                   path.string());
}

}  // namespace customs::image
