#include "image/layer_walker.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "image/blob_reader.h"
#include "image/pipelined_reader.h"

namespace customs::image {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// "what: message", unless the message names the layer already (the decompressing reader's digest errors do).
std::string InLayer(std::string_view what, std::string_view message) {
  if (message.starts_with(what)) return std::string(message);
  return fmt::format("{}: {}", what, message);
}

// The capture limit for `path`: the walker's own, or the filter's when that is smaller.
std::uint64_t ContentLimit(const PathFilter& filter, std::string_view path, std::uint64_t walker_limit) {
  if (!filter.max_content_size) return walker_limit;
  const std::uint64_t limit = filter.max_content_size(path);
  return limit != 0 && limit < walker_limit ? limit : walker_limit;
}

struct ReadContext {
  BlobReader* reader = nullptr;
  std::vector<char> buffer = std::vector<char>(1 << 17);
  std::optional<Error> error;
};

la_ssize_t ReadCallback(struct archive* archive, void* data, const void** block) {
  auto* context = static_cast<ReadContext*>(data);
  auto n = context->reader->Read(context->buffer.data(), context->buffer.size());
  if (!n) {
    context->error = n.error();
    archive_set_error(archive, EIO, "%s", n.error().message().c_str());
    return -1;
  }
  *block = context->buffer.data();
  return static_cast<la_ssize_t>(*n);
}

bool HasDotDot(std::string_view path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (path.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

FileType TypeOf(mode_t type) {
  switch (type) {
    case AE_IFREG: return FileType::kRegular;
    case AE_IFDIR: return FileType::kDirectory;
    case AE_IFLNK: return FileType::kSymlink;
    default: return FileType::kOther;
  }
}

// Counts compressed bytes for progress, passing reads through.
class CountingReader final : public BlobReader {
 public:
  CountingReader(std::unique_ptr<BlobReader> inner, std::atomic<std::uint64_t>* total,
                 const std::function<void(std::uint64_t)>* on_progress)
      : inner_(std::move(inner)), total_(total), on_progress_(on_progress) {}
  Result<std::size_t> Read(void* buffer, std::size_t size) override {
    auto n = inner_->Read(buffer, size);
    if (n && *n > 0) {
      std::uint64_t now = total_->fetch_add(*n) + *n;
      if (*on_progress_) (*on_progress_)(now);
    }
    return n;
  }

 private:
  std::unique_ptr<BlobReader> inner_;
  std::atomic<std::uint64_t>* total_;
  const std::function<void(std::uint64_t)>* on_progress_;
};

// Runs one layer's FileExtractor visitors and the PathFilter's content capture over each regular file, reading the
// content once. Visitor diagnostics go to a per-layer collector so they can be cached with the layer's records.
class FileDispatcher {
 public:
  FileDispatcher(const std::vector<const FileExtractor*>& extractors, int layer) : layer_(layer) {
    for (const FileExtractor* extractor : extractors) {
      visitors_.push_back({extractor, extractor->StartLayer(layer, diagnostics_)});
    }
  }

  // Reads one regular file through `read` (returns bytes read, 0 at the end, or an error). `capture` receives the
  // whole content when the PathFilter wants it (nullptr otherwise); reading stops at `max_capture` bytes for it.
  template <class ReadFn>
  Status Dispatch(std::string_view path, const FileNode& node, ReadFn&& read, std::string* capture,
                  std::uint64_t max_capture) {
    EntryHeader header{path, node.mode, node.uid, node.gid, node.size, layer_};
    active_.clear();
    peekers_.clear();
    for (auto& [extractor, visitor] : visitors_) {
      switch (visitor->Inspect(header)) {
        case Interest::kWant: active_.push_back(visitor.get()); break;
        case Interest::kPeek: peekers_.push_back(visitor.get()); break;
        case Interest::kSkip: break;
      }
    }
    if (capture == nullptr && active_.empty() && peekers_.empty()) return Ok();
    pending_.clear();
    std::uint64_t total = 0;
    auto decide = [&] {
      std::string_view head = std::string_view(pending_).substr(0, LayerVisitor::kHeadSize);
      for (LayerVisitor* visitor : peekers_) {
        if (visitor->InspectHead(header, head)) {
          visitor->Data(pending_);
          active_.push_back(visitor);
        }
      }
      peekers_.clear();
      pending_.clear();
    };
    for (;;) {
      auto n = read(buffer_, sizeof buffer_);
      if (!n) {
        for (LayerVisitor* visitor : active_) visitor->EndFile(false);
        return tl::unexpected(std::move(n).error());
      }
      if (*n == 0) break;
      std::string_view chunk(buffer_, *n);
      total += *n;
      for (LayerVisitor* visitor : active_) visitor->Data(chunk);
      if (!peekers_.empty()) {
        pending_.append(chunk);
        if (pending_.size() >= LayerVisitor::kHeadSize) decide();
      }
      if (capture != nullptr) {
        if (capture->size() + chunk.size() <= max_capture) {
          capture->append(chunk);
        } else {
          capture = nullptr;  // over the limit: the caller already declined such files; stop capturing
        }
      }
      if (capture == nullptr && active_.empty() && peekers_.empty()) return Ok();  // nobody wants the rest
    }
    if (!peekers_.empty()) decide();
    for (LayerVisitor* visitor : active_) visitor->EndFile(total >= node.size);
    return Ok();
  }

  // The records and the diagnostics of the layer.
  void Finish(LayerDelta& delta) {
    for (auto& [extractor, visitor] : visitors_) {
      std::string record = visitor->Finish();
      if (!record.empty()) delta.records.insert_or_assign(std::string(extractor->name()), std::move(record));
    }
    visitors_.clear();
    delta.diagnostics = diagnostics_.Take();
  }

 private:
  int layer_;
  DiagnosticsCollector diagnostics_;
  std::vector<std::pair<const FileExtractor*, std::unique_ptr<LayerVisitor>>> visitors_;
  std::vector<LayerVisitor*> active_;
  std::vector<LayerVisitor*> peekers_;
  std::string pending_;
  char buffer_[1 << 16];
};

Result<LayerDelta> ReadLayer(std::unique_ptr<BlobReader> stream, int layer, const PathFilter& filter,
                             const std::vector<const FileExtractor*>& extractors, Diagnostics& diagnostics,
                             std::uint64_t max_content_size, const std::string& what) {
  LayerDelta delta;
  auto dispatcher = std::make_unique<FileDispatcher>(extractors, layer);
  ReadContext context;
  context.reader = stream.get();
  struct archive* archive = archive_read_new();
  archive_read_support_format_tar(archive);
  archive_read_support_format_gnutar(archive);
  auto close = [&] { archive_read_free(archive); };
  if (archive_read_open(archive, &context, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    std::string message = context.error ? context.error->message() : archive_error_string(archive);
    close();
    return MakeError(context.error ? context.error->code() : ErrorCode::kCorrupt, "{}", InLayer(what, message));
  }
  struct archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(archive, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc == ARCHIVE_WARN) {
      diagnostics.Warn("image/layer", what, archive_error_string(archive) ? archive_error_string(archive) : "warning");
    } else if (rc != ARCHIVE_OK) {
      std::string message = context.error ? context.error->message() : archive_error_string(archive);
      ErrorCode code = context.error ? context.error->code() : ErrorCode::kCorrupt;
      close();
      return MakeError(code, "{}", InLayer(what, message));
    }
    const char* raw_name = archive_entry_pathname(entry);
    if (raw_name == nullptr) {
      diagnostics.Warn("image/layer", what, "entry with an unreadable name skipped");
      continue;
    }
    std::string raw(raw_name);  // a copy: the entry dies with the archive
    if (HasDotDot(raw)) {
      close();
      return MakeError(ErrorCode::kCorrupt, "{}: entry '{}' escapes the image root (path traversal)", what, raw);
    }
    std::string path = NormalizePath(raw);
    if (path.empty()) continue;  // the root itself
    std::size_t slash = path.find_last_of('/');
    std::string_view base = std::string_view(path).substr(slash + 1);
    if (base.starts_with(kWhiteoutPrefix)) {
      std::string dir = path.substr(0, slash);
      if (base == kOpaqueMarker) {
        delta.opaque_dirs.push_back(dir);
      } else {
        delta.whiteouts.push_back(dir + "/" + std::string(base.substr(kWhiteoutPrefix.size())));
      }
      continue;
    }
    FileNode node;
    node.layer = layer;
    node.mode = archive_entry_mode(entry) & 07777;
    node.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    node.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    la_int64_t size = archive_entry_size(entry);
    node.size = size > 0 ? static_cast<std::uint64_t>(size) : 0;
    if (const char* hardlink = archive_entry_hardlink(entry)) {
      if (HasDotDot(hardlink)) {
        std::string target(hardlink);
        close();
        return MakeError(ErrorCode::kCorrupt, "{}: hard link '{}' escapes the image root (path traversal)", what,
                         target);
      }
      node.type = FileType::kHardLink;
      node.link_target = NormalizePath(hardlink);
    } else {
      node.type = TypeOf(archive_entry_filetype(entry));
      if (node.type == FileType::kSymlink) {
        const char* target = archive_entry_symlink(entry);
        node.link_target = target ? target : "";
      }
    }
    if (node.type == FileType::kRegular) {
      bool capture = filter.wants_content && filter.wants_content(path);
      const std::uint64_t limit = ContentLimit(filter, path, max_content_size);
      if (capture && node.size > limit) {
        diagnostics.Warn("image/layer", path,
                         fmt::format("{} bytes is over the {} byte limit; content not read", node.size, limit));
        capture = false;
      }
      std::string content;
      if (capture) content.reserve(node.size);
      auto read = [&](char* buffer, std::size_t size) -> Result<std::size_t> {
        la_ssize_t n = archive_read_data(archive, buffer, size);
        if (n < 0) {
          std::string message = context.error ? context.error->message() : archive_error_string(archive);
          ErrorCode code = context.error ? context.error->code() : ErrorCode::kCorrupt;
          return MakeError(code, "{}", message);
        }
        return static_cast<std::size_t>(n);
      };
      if (auto read_ok = dispatcher->Dispatch(path, node, read, capture ? &content : nullptr, limit); !read_ok) {
        close();
        return MakeError(read_ok.error().code(), "{}: {}: {}", what, path, read_ok.error().message());
      }
      if (capture) node.content = std::make_shared<const std::string>(std::move(content));
    }
    delta.entries.emplace_back(std::move(path), std::move(node));
  }
  // Drain: the digest is verified by the read that reaches the end of the blob.
  char sink[1 << 16];
  for (;;) {
    auto n = stream->Read(sink, sizeof sink);
    if (!n) {
      close();
      return MakeError(n.error().code(), "{}", InLayer(what, n.error().message()));
    }
    if (*n == 0) break;
  }
  close();
  dispatcher->Finish(delta);
  return delta;
}

bool IsUnderOrAt(std::string_view path, std::string_view dir) {
  return path == dir || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

// Applies deltas in layer order, recording per-layer revisions of the files whose history was asked for.
class TreeBuilder {
 public:
  explicit TreeBuilder(const PathFilter& filter) : filter_(filter) {}

  void Apply(LayerDelta delta, int layer) {
    for (auto& [name, record] : delta.records) tree_.SetRecord(layer, name, std::move(record));
    for (const auto& dir : delta.opaque_dirs) {
      tree_.AddRemoval(layer, dir, true);
      tree_.RemoveChildrenOlderThan(dir, layer);
      MarkDeleted([&](std::string_view p) { return p.size() > dir.size() && IsUnderOrAt(p, dir); }, layer);
    }
    for (const auto& path : delta.whiteouts) {
      tree_.AddRemoval(layer, path, false);
      tree_.Remove(path);
      MarkDeleted([&](std::string_view p) { return IsUnderOrAt(p, path); }, layer);
    }
    for (auto& [path, node] : delta.entries) {
      if (node.type != FileType::kDirectory) {
        // A non-directory replaces a directory with its whole subtree.
        if (const FileNode* old = tree_.Find(path); old && old->type == FileType::kDirectory) tree_.Remove(path);
      }
      if (node.type == FileType::kRegular && node.content && filter_.wants_history && filter_.wants_history(path)) {
        history_[path].push_back({layer, false, node.content});
      }
      tree_.Put(std::move(path), std::move(node));
    }
  }

  FileTree Finish() {
    for (auto& [path, revisions] : history_) {
      if (FileNode* node = tree_.FindMutable(path)) node->history = std::move(revisions);
    }
    return std::move(tree_);
  }

 private:
  template <class Pred>
  void MarkDeleted(Pred pred, int layer) {
    for (auto& [path, revisions] : history_) {
      if (pred(path) && !revisions.empty() && !revisions.back().deleted) {
        revisions.push_back({layer, true, nullptr});
      }
    }
  }

  const PathFilter& filter_;
  FileTree tree_;
  std::map<std::string, std::vector<FileRevision>, std::less<>> history_;
};

}  // namespace

Result<FileTree> WalkLayers(const ImageSource& source, const ImageConfig& config, const PathFilter& filter,
                            Diagnostics& diagnostics, const WalkOptions& options) {
  const auto& layers = source.Layers();
  const std::size_t count = layers.size();
  if (!config.diff_ids.empty() && config.diff_ids.size() != count) {
    return MakeError(ErrorCode::kCorrupt, "{}: the manifest lists {} layers but the config {} diff_ids", source.Name(),
                     count, config.diff_ids.size());
  }
  std::vector<std::optional<Result<LayerDelta>>> results(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<std::uint64_t> bytes_read{0};
  auto worker = [&] {
    for (;;) {
      std::size_t index = next.fetch_add(1);
      if (index >= count || failed.load()) return;
      std::string what =
          fmt::format("layer {} ({})", index + 1, layers[index].digest.empty() ? "no digest" : layers[index].digest);
      // The cache key is the digest the bytes will be verified against; the identity proves the bytes in hand are
      // the ones verified before (layer_cache.h).
      std::string cache_key;
      if (source.VerifiesLayerDigests()) {
        cache_key = layers[index].digest;
      } else if (index < config.diff_ids.size()) {
        cache_key = config.diff_ids[index];
      }
      const std::string identity = options.cache != nullptr ? source.LayerIdentity(index) : std::string();
      if (options.cache != nullptr && !cache_key.empty()) {
        std::string problem;
        if (auto cached = options.cache->Get(cache_key, identity, static_cast<int>(index), &problem)) {
          for (const auto& d : cached->diagnostics) diagnostics.Report(d);
          results[index] = std::move(*cached);
          if (options.stats) ++options.stats->layers_from_cache;
          continue;
        }
        if (!problem.empty()) diagnostics.Warn("image/cache", cache_key, problem + "; layer read again");
      }
      auto raw = source.OpenLayer(index);
      if (!raw) {
        results[index] = tl::unexpected(raw.error().WithContext(what));
        failed = true;
        return;
      }
      std::string diff_id;
      if (!source.VerifiesLayerDigests() && index < config.diff_ids.size()) diff_id = config.diff_ids[index];
      auto counted = std::make_unique<CountingReader>(std::move(*raw), &bytes_read, &options.on_progress);
      auto stream = MakeDecompressingReader(std::move(counted), diff_id, what);
      if (!stream) {
        results[index] = tl::unexpected(stream.error());
        failed = true;
        return;
      }
      // Compressed layers inflate on a thread of their own, ahead of the tar parser.
      std::unique_ptr<BlobReader> input = std::move(*stream);
      if (options.pipeline) input = MakePipelinedReader(std::move(input));
      results[index] = ReadLayer(std::move(input), static_cast<int>(index), filter, options.extractors, diagnostics,
                                 options.max_content_size, what);
      if (!*results[index]) {
        failed = true;
        return;
      }
      for (const auto& d : (*results[index])->diagnostics) diagnostics.Report(d);
      if (options.stats) ++options.stats->layers_read;
      if (options.cache != nullptr && !cache_key.empty()) {
        if (auto stored = options.cache->Put(cache_key, identity, **results[index]); !stored) {
          diagnostics.Warn("image/cache", cache_key, stored.error().message());
        }
      }
    }
  };
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(count, 1)));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();

  TreeBuilder builder(filter);
  for (std::size_t i = 0; i < count; ++i) {
    if (!results[i]) continue;  // not started because another layer failed
    if (!*results[i]) return tl::unexpected(results[i]->error());
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (!results[i]) return MakeError(ErrorCode::kInternal, "layer {} was not read", i + 1);
    builder.Apply(std::move(**results[i]), static_cast<int>(i));
    results[i].reset();
  }
  FileTree tree = builder.Finish();
  for (std::size_t i = 0; i < count; ++i) {
    LayerInfo info;
    info.index = static_cast<int>(i);
    info.digest = layers[i].digest;
    if (i < config.diff_ids.size()) info.diff_id = config.diff_ids[i];
    if (info.digest.empty()) info.digest = info.diff_id;
    info.created_by = config.CreatedBy(i);
    tree.layers().push_back(std::move(info));
  }
  return tree;
}

Result<FileTree> WalkDirectory(const std::filesystem::path& root, const PathFilter& filter, Diagnostics& diagnostics,
                               std::uint64_t max_content_size, const std::vector<const FileExtractor*>& extractors) {
  auto dispatcher = std::make_unique<FileDispatcher>(extractors, 0);
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return MakeError(ErrorCode::kNotFound, "{}: not a directory", root.string());
  }
  FileTree tree;
  auto options = std::filesystem::directory_options::skip_permission_denied;
  std::filesystem::recursive_directory_iterator it(root, options, ec), end;
  if (ec) return MakeError(ErrorCode::kIo, "{}: {}", root.string(), ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) {
      diagnostics.Warn("image/rootfs", it->path().string(), ec.message());
      ec.clear();
      continue;
    }
    const auto& full = it->path();
    std::string path = "/" + full.lexically_relative(root).generic_string();
    if (it.depth() == 0 && (path == "/proc" || path == "/sys" || path == "/dev")) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
      diagnostics.Warn("image/rootfs", path, std::strerror(errno));
      continue;
    }
    FileNode node;
    node.mode = st.st_mode & 07777;
    node.uid = st.st_uid;
    node.gid = st.st_gid;
    node.size = static_cast<std::uint64_t>(st.st_size);
    if (S_ISREG(st.st_mode)) {
      node.type = FileType::kRegular;
    } else if (S_ISDIR(st.st_mode)) {
      node.type = FileType::kDirectory;
    } else if (S_ISLNK(st.st_mode)) {
      node.type = FileType::kSymlink;
      std::error_code link_ec;
      node.link_target = std::filesystem::read_symlink(full, link_ec).string();
    } else {
      node.type = FileType::kOther;
    }
    if (node.type == FileType::kRegular) {
      bool capture = filter.wants_content && filter.wants_content(path);
      const std::uint64_t limit = ContentLimit(filter, path, max_content_size);
      if (capture && node.size > limit) {
        diagnostics.Warn("image/rootfs", path,
                         fmt::format("{} bytes is over the {} byte limit; content not read", node.size, limit));
        capture = false;
      }
      std::string content;
      int fd = -1;
      auto read = [&](char* buffer, std::size_t size) -> Result<std::size_t> {
        if (fd < 0) {
          fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
          if (fd < 0) return MakeError(ErrorCode::kIo, "{}", std::strerror(errno));
        }
        ssize_t n;
        do {
          n = ::read(fd, buffer, size);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return MakeError(ErrorCode::kIo, "{}", std::strerror(errno));
        return static_cast<std::size_t>(n);
      };
      auto read_ok = dispatcher->Dispatch(path, node, read, capture ? &content : nullptr, limit);
      if (fd >= 0) ::close(fd);
      if (!read_ok) {
        // One unreadable file in a directory tree is damage to name, not a reason to stop.
        diagnostics.Warn("image/rootfs", path, read_ok.error().message());
      } else if (capture) {
        node.content = std::make_shared<const std::string>(std::move(content));
        if (filter.wants_history && filter.wants_history(path)) node.history.push_back({0, false, node.content});
      }
    }
    tree.Put(std::move(path), std::move(node));
  }
  LayerDelta records;
  dispatcher->Finish(records);
  for (auto& [name, record] : records.records) tree.SetRecord(0, name, std::move(record));
  for (auto& d : records.diagnostics) diagnostics.Report(std::move(d));
  LayerInfo layer;
  layer.index = 0;
  tree.layers().push_back(layer);
  return tree;
}

}  // namespace customs::image
