#include "image/layer_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/file_util.h"
#include "core/output.h"
#include "core/sha256.h"

namespace customs::image {
namespace {

constexpr std::string_view kMagic = "customs-layer-cache/2\n";
// An entry remembers this many verified blob identities (the same layer in several archives or layouts).
constexpr std::size_t kMaxIdentities = 16;

// The entry format: kMagic, then little-endian u32 counts and lengths, u64 sizes, and the sha256 (lowercase hex) of
// everything before it. Written and read as a stream, so an entry of a 20 MB status file costs its content once, not
// the content plus a serialised copy plus a read buffer.
class Writer {
 public:
  explicit Writer(Output& out) : out_(out) {}
  void Bytes(std::string_view s) {
    sha_.Update(s);
    out_.Write(s);
  }
  void U8(std::uint8_t v) { Bytes(std::string_view(reinterpret_cast<const char*>(&v), 1)); }
  void U32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    Bytes(std::string_view(b, 4));
  }
  void U64(std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    Bytes(std::string_view(b, 8));
  }
  void String(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    Bytes(s);
  }
  void Finish() { out_.Write(sha_.FinishHex()); }

 private:
  Output& out_;
  Sha256 sha_;
};

// Where an entry's bytes come from: a string in memory, or a file read in chunks.
class Source {
 public:
  virtual ~Source() = default;
  // Copies exactly `size` bytes to `into`; false at the end of the data or on a read error.
  virtual bool Read(char* into, std::size_t size) = 0;
};

class StringSource final : public Source {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  bool Read(char* into, std::size_t size) override {
    if (data_.size() < size) return false;
    std::memcpy(into, data_.data(), size);
    data_.remove_prefix(size);
    return true;
  }

 private:
  std::string_view data_;
};

class FdSource final : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  bool Read(char* into, std::size_t size) override {
    while (size > 0) {
      if (begin_ == end_) {
        if (size >= sizeof buffer_) return ReadDirect(into, size);  // large reads skip the buffer
        ssize_t n = ::read(fd_, buffer_, sizeof buffer_);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
      }
      std::size_t take = std::min(size, end_ - begin_);
      std::memcpy(into, buffer_ + begin_, take);
      begin_ += take;
      into += take;
      size -= take;
    }
    return true;
  }

 private:
  bool ReadDirect(char* into, std::size_t size) {
    while (size > 0) {
      ssize_t n = ::read(fd_, into, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      into += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }
  int fd_;
  char buffer_[1 << 16];
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// Reads the body (the `body_size` bytes before the checksum, magic included), hashing everything it reads.
class Reader {
 public:
  Reader(Source& source, std::uint64_t body_size) : source_(source), left_(body_size) {}
  bool Bytes(char* into, std::size_t size) {
    if (left_ < size || !source_.Read(into, size)) return false;
    sha_.Update(into, size);
    left_ -= size;
    return true;
  }
  bool U8(std::uint8_t* v) {
    char b;
    if (!Bytes(&b, 1)) return false;
    *v = static_cast<std::uint8_t>(b);
    return true;
  }
  bool U32(std::uint32_t* v) {
    unsigned char b[4];
    if (!Bytes(reinterpret_cast<char*>(b), 4)) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= static_cast<std::uint32_t>(b[i]) << (8 * i);
    return true;
  }
  bool U64(std::uint64_t* v) {
    unsigned char b[8];
    if (!Bytes(reinterpret_cast<char*>(b), 8)) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    return true;
  }
  bool String(std::string* s) {
    std::uint32_t n = 0;
    if (!U32(&n) || left_ < n) return false;
    s->resize(n);
    return Bytes(s->data(), n);
  }
  // Reads a string and drops it, in small pieces.
  bool SkipString() {
    std::uint32_t n = 0;
    if (!U32(&n) || left_ < n) return false;
    char scratch[4096];
    while (n > 0) {
      std::uint32_t take = std::min<std::uint32_t>(n, sizeof scratch);
      if (!Bytes(scratch, take)) return false;
      n -= take;
    }
    return true;
  }
  // A count that cannot exceed what the remaining bytes could hold (each item takes at least `min_bytes`).
  bool Count(std::uint32_t* n, std::size_t min_bytes) { return U32(n) && *n <= left_ / min_bytes; }
  bool empty() const { return left_ == 0; }
  // Whether the next 64 bytes of the source are the hex sha256 of everything read.
  bool ChecksumMatches() {
    char hex[64];
    return source_.Read(hex, sizeof hex) && sha_.FinishHex() == std::string_view(hex, sizeof hex);
  }

 private:
  Source& source_;
  std::uint64_t left_;
  Sha256 sha_;
};

// Parses an entry of `total_size` bytes from `source`. With `keep_content` false, file contents are read (and
// checked) but not kept: for callers that want only the identities. Nothing is returned unless the checksum at the
// end matches everything read.
Result<LayerDelta> ReadEntry(Source& source, std::uint64_t total_size, int layer, bool keep_content,
                             std::vector<std::string>* identities) {
  auto corrupt = [] { return MakeError(ErrorCode::kCorrupt, "layer cache entry is corrupt"); };
  if (total_size < kMagic.size() + 64) return corrupt();
  Reader in(source, total_size - 64);
  std::string magic(kMagic.size(), '\0');
  if (!in.Bytes(magic.data(), magic.size()) || magic != kMagic) return corrupt();
  LayerDelta delta;
  std::uint32_t n = 0;
  if (!in.Count(&n, 4)) return corrupt();
  std::vector<std::string> ids(n);
  for (auto& id : ids) {
    if (!in.String(&id)) return corrupt();
  }
  if (!in.Count(&n, 4)) return corrupt();
  delta.opaque_dirs.resize(n);
  for (auto& d : delta.opaque_dirs) {
    if (!in.String(&d)) return corrupt();
  }
  if (!in.Count(&n, 4)) return corrupt();
  delta.whiteouts.resize(n);
  for (auto& w : delta.whiteouts) {
    if (!in.String(&w)) return corrupt();
  }
  if (!in.Count(&n, 34)) return corrupt();
  delta.entries.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string path;
    FileNode node;
    std::uint8_t type = 0, has_content = 0;
    if (!in.String(&path) || !in.U8(&type) || type > static_cast<std::uint8_t>(FileType::kOther) ||
        !in.U32(&node.mode) || !in.U32(&node.uid) || !in.U32(&node.gid) || !in.U64(&node.size) ||
        !in.String(&node.link_target) || !in.U8(&has_content)) {
      return corrupt();
    }
    node.type = static_cast<FileType>(type);
    node.layer = layer;
    if (has_content && !keep_content) {
      if (!in.SkipString()) return corrupt();
    } else if (has_content) {
      std::string content;
      if (!in.String(&content)) return corrupt();
      node.content = std::make_shared<const std::string>(std::move(content));
    }
    delta.entries.emplace_back(std::move(path), std::move(node));
  }
  if (!in.Count(&n, 8)) return corrupt();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string name, record;
    if (!in.String(&name) || !in.String(&record)) return corrupt();
    delta.records.insert_or_assign(std::move(name), std::move(record));
  }
  if (!in.Count(&n, 13)) return corrupt();
  delta.diagnostics.resize(n);
  for (auto& d : delta.diagnostics) {
    std::uint8_t level = 0;
    if (!in.U8(&level) || level > static_cast<std::uint8_t>(DiagnosticLevel::kError) || !in.String(&d.source) ||
        !in.String(&d.subject) || !in.String(&d.message)) {
      return corrupt();
    }
    d.level = static_cast<DiagnosticLevel>(level);
  }
  if (!in.empty() || !in.ChecksumMatches()) return corrupt();
  if (identities != nullptr) *identities = std::move(ids);
  return delta;
}

// Reads the entry file at `path` in chunks. nullopt when there is none (or it cannot be opened).
std::optional<Result<LayerDelta>> ReadEntryFile(const std::filesystem::path& path, int layer, bool keep_content,
                                                std::vector<std::string>* identities) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (std::int64_t{1} << 31)) {
    ::close(fd);
    return Result<LayerDelta>(MakeError(ErrorCode::kCorrupt, "layer cache entry is not a regular file of sane size"));
  }
  FdSource source(fd);
  auto delta = ReadEntry(source, static_cast<std::uint64_t>(st.st_size), layer, keep_content, identities);
  ::close(fd);
  return delta;
}

}  // namespace

void SerializeLayerDelta(const LayerDelta& delta, const std::vector<std::string>& identities, Output& output) {
  Writer out(output);
  out.Bytes(kMagic);
  out.U32(static_cast<std::uint32_t>(identities.size()));
  for (const auto& identity : identities) out.String(identity);
  out.U32(static_cast<std::uint32_t>(delta.opaque_dirs.size()));
  for (const auto& d : delta.opaque_dirs) out.String(d);
  out.U32(static_cast<std::uint32_t>(delta.whiteouts.size()));
  for (const auto& w : delta.whiteouts) out.String(w);
  out.U32(static_cast<std::uint32_t>(delta.entries.size()));
  for (const auto& [path, node] : delta.entries) {
    out.String(path);
    out.U8(static_cast<std::uint8_t>(node.type));
    out.U32(node.mode);
    out.U32(node.uid);
    out.U32(node.gid);
    out.U64(node.size);
    out.String(node.link_target);
    out.U8(node.content ? 1 : 0);
    if (node.content) out.String(*node.content);
  }
  out.U32(static_cast<std::uint32_t>(delta.records.size()));
  for (const auto& [name, record] : delta.records) {
    out.String(name);
    out.String(record);
  }
  out.U32(static_cast<std::uint32_t>(delta.diagnostics.size()));
  for (const auto& d : delta.diagnostics) {
    out.U8(static_cast<std::uint8_t>(d.level));
    out.String(d.source);
    out.String(d.subject);
    out.String(d.message);
  }
  out.Finish();
}

std::string SerializeLayerDelta(const LayerDelta& delta, const std::vector<std::string>& identities) {
  StringOutput out;
  SerializeLayerDelta(delta, identities, out);
  return out.Take();
}

Result<LayerDelta> DeserializeLayerDelta(std::string_view data, int layer, std::vector<std::string>* identities) {
  StringSource source(data);
  return ReadEntry(source, data.size(), layer, /*keep_content=*/true, identities);
}

LayerCache::LayerCache(std::filesystem::path dir, std::string filter_version)
    : dir_(std::move(dir)), filter_version_(std::move(filter_version)) {}

std::filesystem::path LayerCache::PathFor(std::string_view diff_id) const {
  // The file name hashes the diff_id with the filter version, so no user-controlled text reaches the path.
  return dir_ / (Sha256::HexOf(std::string(diff_id) + "\n" + filter_version_) + ".layer");
}

std::optional<LayerDelta> LayerCache::Get(std::string_view verified_digest, std::string_view identity, int layer,
                                          std::string* problem) const {
  if (verified_digest.empty() || identity.empty()) return std::nullopt;
  std::vector<std::string> identities;
  auto read = ReadEntryFile(PathFor(verified_digest), layer, /*keep_content=*/true, &identities);
  if (!read) return std::nullopt;
  auto& delta = *read;
  if (!delta) {
    if (problem) *problem = delta.error().message();
    std::error_code ec;
    std::filesystem::remove(PathFor(verified_digest), ec);
    return std::nullopt;
  }
  // The digest is known, but the bytes in hand were never verified to be it: read them.
  if (std::find(identities.begin(), identities.end(), identity) == identities.end()) return std::nullopt;
  return std::move(*delta);
}

Status LayerCache::Put(std::string_view verified_digest, std::string_view identity, const LayerDelta& delta) const {
  if (verified_digest.empty() || identity.empty()) return Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return MakeError(ErrorCode::kIo, "{}: {}", dir_.string(), ec.message());
  std::vector<std::string> identities;
  (void)ReadEntryFile(PathFor(verified_digest), 0, /*keep_content=*/false, &identities);
  identities.erase(std::remove(identities.begin(), identities.end(), identity), identities.end());
  identities.emplace_back(identity);
  if (identities.size() > kMaxIdentities) {
    identities.erase(identities.begin(), identities.end() - static_cast<std::ptrdiff_t>(kMaxIdentities));
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto file, AtomicFileOutput::Create(PathFor(verified_digest)));
  SerializeLayerDelta(delta, identities, *file);
  return file->Commit();
}

}  // namespace customs::image
