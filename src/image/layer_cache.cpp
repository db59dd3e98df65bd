#include "image/layer_cache.h"

#include <algorithm>
#include <cstring>

#include "core/file_util.h"
#include "core/sha256.h"

namespace customs::image {
namespace {

constexpr std::string_view kMagic = "customs-layer-cache/2\n";
// An entry remembers this many verified blob identities (the same layer in several archives or layouts).
constexpr std::size_t kMaxIdentities = 16;

void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutString(std::string& out, std::string_view s) {
  PutU32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool U8(std::uint8_t* v) {
    if (data_.size() < 1) return false;
    *v = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  bool U32(std::uint32_t* v) {
    if (data_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= static_cast<std::uint32_t>(static_cast<unsigned char>(data_[i])) << (8 * i);
    data_.remove_prefix(4);
    return true;
  }
  bool U64(std::uint64_t* v) {
    if (data_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[i])) << (8 * i);
    data_.remove_prefix(8);
    return true;
  }
  bool String(std::string* s) {
    std::uint32_t n = 0;
    if (!U32(&n) || data_.size() < n) return false;
    s->assign(data_.substr(0, n));
    data_.remove_prefix(n);
    return true;
  }
  // A count that cannot exceed what the remaining bytes could hold (each item takes at least `min_bytes`).
  bool Count(std::uint32_t* n, std::size_t min_bytes) { return U32(n) && *n <= data_.size() / min_bytes; }
  bool empty() const { return data_.empty(); }

 private:
  std::string_view data_;
};

}  // namespace

std::string SerializeLayerDelta(const LayerDelta& delta, const std::vector<std::string>& identities) {
  std::string out(kMagic);
  PutU32(out, static_cast<std::uint32_t>(identities.size()));
  for (const auto& identity : identities) PutString(out, identity);
  PutU32(out, static_cast<std::uint32_t>(delta.opaque_dirs.size()));
  for (const auto& d : delta.opaque_dirs) PutString(out, d);
  PutU32(out, static_cast<std::uint32_t>(delta.whiteouts.size()));
  for (const auto& w : delta.whiteouts) PutString(out, w);
  PutU32(out, static_cast<std::uint32_t>(delta.entries.size()));
  for (const auto& [path, node] : delta.entries) {
    PutString(out, path);
    out.push_back(static_cast<char>(node.type));
    PutU32(out, node.mode);
    PutU32(out, node.uid);
    PutU32(out, node.gid);
    PutU64(out, node.size);
    PutString(out, node.link_target);
    out.push_back(node.content ? 1 : 0);
    if (node.content) PutString(out, *node.content);
  }
  PutU32(out, static_cast<std::uint32_t>(delta.records.size()));
  for (const auto& [name, record] : delta.records) {
    PutString(out, name);
    PutString(out, record);
  }
  PutU32(out, static_cast<std::uint32_t>(delta.diagnostics.size()));
  for (const auto& d : delta.diagnostics) {
    out.push_back(static_cast<char>(d.level));
    PutString(out, d.source);
    PutString(out, d.subject);
    PutString(out, d.message);
  }
  out += Sha256::HexOf(out);
  return out;
}

Result<LayerDelta> DeserializeLayerDelta(std::string_view data, int layer, std::vector<std::string>* identities) {
  auto corrupt = [] { return MakeError(ErrorCode::kCorrupt, "layer cache entry is corrupt"); };
  if (data.size() < kMagic.size() + 64 || data.substr(0, kMagic.size()) != kMagic) return corrupt();
  std::string_view body = data.substr(0, data.size() - 64);
  if (Sha256::HexOf(body) != data.substr(data.size() - 64)) return corrupt();
  Reader in(body.substr(kMagic.size()));
  LayerDelta delta;
  std::uint32_t n = 0;
  if (!in.Count(&n, 4)) return corrupt();
  std::vector<std::string> ids(n);
  for (auto& id : ids) {
    if (!in.String(&id)) return corrupt();
  }
  if (identities != nullptr) *identities = std::move(ids);
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
    if (has_content) {
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
  if (!in.empty()) return corrupt();
  return delta;
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
  auto data = ReadFile(PathFor(verified_digest), std::size_t{1} << 31);
  if (!data) return std::nullopt;
  std::vector<std::string> identities;
  auto delta = DeserializeLayerDelta(*data, layer, &identities);
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
  if (auto old = ReadFile(PathFor(verified_digest), std::size_t{1} << 31)) {
    (void)DeserializeLayerDelta(*old, 0, &identities);
  }
  identities.erase(std::remove(identities.begin(), identities.end(), identity), identities.end());
  identities.emplace_back(identity);
  if (identities.size() > kMaxIdentities) {
    identities.erase(identities.begin(), identities.end() - static_cast<std::ptrdiff_t>(kMaxIdentities));
  }
  return WriteFileAtomic(PathFor(verified_digest), SerializeLayerDelta(delta, identities));
}

}  // namespace customs::image
