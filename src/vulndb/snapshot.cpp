#include "vulndb/snapshot.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "core/file_util.h"
#include "core/sha256.h"
#include "vulndb/store_builder.h"

namespace customs::vulndb {
namespace {

using nlohmann::json;

constexpr std::string_view kFilePrefix = "customs-db-";
constexpr std::string_view kFileSuffix = ".sqlite.zst";
constexpr std::size_t kChunk = 1 << 20;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<FILE, FileCloser>;

Result<Pkey> ReadKey(std::string_view pem, bool is_private) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return MakeError(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  }
  Pkey key(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                      : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  const char* kind = is_private ? "private" : "public";
  if (!key) {
    return MakeError(ErrorCode::kInvalidArgument, "not a PEM {} key", kind);
  }
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not an Ed25519 {} key (make one with `openssl genpkey -algorithm ed25519`)", kind);
  }
  return key;
}

Result<Pkey> ReadKeyFile(const std::filesystem::path& path, bool is_private) {
  auto pem = ReadFile(path, 1 << 16);
  if (!pem) {
    return tl::unexpected(pem.error());
  }
  auto key = ReadKey(*pem, is_private);
  if (!key) {
    return tl::unexpected(key.error().WithContext(path.string()));
  }
  return key;
}

std::string KeyId(EVP_PKEY* key) {
  unsigned char raw[64];
  std::size_t size = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1) {
    return {};
  }
  return Sha256::HexOf(std::string_view(reinterpret_cast<const char*>(raw), size)).substr(0, 16);
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) {
    return std::nullopt;
  }
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

// The bytes a signature covers: the object without "signature", keys sorted, no whitespace.
std::string SignedBytes(json object) {
  object.erase("signature");
  return object.dump();
}

bool IsSha256Digest(std::string_view digest) {
  if (digest.size() != 71 || !digest.starts_with("sha256:")) {
    return false;
  }
  for (char c : digest.substr(7)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) {
      return false;
    }
  }
  return true;
}

bool IsPlainSnapshotName(std::string_view name) {
  if (!name.starts_with(kFilePrefix) || !name.ends_with(kFileSuffix) || name.size() > 128) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

Result<json> ParseObject(std::string_view text) {
  if (text.size() > kMaxSnapshotMetadataSize) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata over {} bytes", kMaxSnapshotMetadataSize);
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata is not a JSON object");
  }
  return j;
}

Result<SnapshotMetadata> FromObject(const json& j) {
  SnapshotMetadata m;
  auto string_field = [&](const char* key, std::string& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return MakeError(ErrorCode::kCorrupt, "snapshot metadata: '{}' missing", key);
    }
    out = it->get<std::string>();
    return Ok();
  };
  auto int_field = [&](const char* key, std::int64_t& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      return MakeError(ErrorCode::kCorrupt, "snapshot metadata: '{}' missing or not a positive integer", key);
    }
    out = it->get<std::int64_t>();
    return Ok();
  };
  CUSTOMS_RETURN_IF_ERROR(string_field("format", m.format));
  if (m.format != kSnapshotFormat) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata: format '{}' is not {}", m.format, kSnapshotFormat);
  }
  std::int64_t schema = 0;
  CUSTOMS_RETURN_IF_ERROR(int_field("schema_version", schema));
  if (schema > 1'000'000) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata: schema_version out of range");
  }
  m.schema_version = static_cast<int>(schema);
  CUSTOMS_RETURN_IF_ERROR(string_field("built_at", m.built_at));
  CUSTOMS_RETURN_IF_ERROR(string_field("published_at", m.published_at));
  CUSTOMS_RETURN_IF_ERROR(string_field("file", m.file));
  CUSTOMS_RETURN_IF_ERROR(int_field("size", m.size));
  CUSTOMS_RETURN_IF_ERROR(string_field("digest", m.digest));
  CUSTOMS_RETURN_IF_ERROR(int_field("store_size", m.store_size));
  CUSTOMS_RETURN_IF_ERROR(string_field("store_digest", m.store_digest));
  CUSTOMS_RETURN_IF_ERROR(string_field("key_id", m.key_id));
  CUSTOMS_RETURN_IF_ERROR(string_field("signature", m.signature));
  if (!IsPlainSnapshotName(m.file)) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata: file '{}' is not a snapshot file name", m.file);
  }
  if (!IsSha256Digest(m.digest) || !IsSha256Digest(m.store_digest)) {
    return MakeError(ErrorCode::kCorrupt, "snapshot metadata: digests must be sha256:<64 hex>");
  }
  return m;
}

json ToObject(const SnapshotMetadata& m) {
  json j = json::object();
  j["format"] = m.format;
  j["schema_version"] = m.schema_version;
  j["built_at"] = m.built_at;
  j["published_at"] = m.published_at;
  j["file"] = m.file;
  j["size"] = m.size;
  j["digest"] = m.digest;
  j["store_size"] = m.store_size;
  j["store_digest"] = m.store_digest;
  j["key_id"] = m.key_id;
  if (!m.signature.empty()) {
    j["signature"] = m.signature;
  }
  return j;
}

Result<std::string> Sign(EVP_PKEY* key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "Ed25519 signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "Ed25519 signing failed");
  }
  signature.resize(size);
  return signature;
}

bool Verify(EVP_PKEY* key, std::string_view message, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

Status FsyncFile(const std::filesystem::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "opening {}: {}", path.string(), std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    return MakeError(ErrorCode::kIo, "fsync {}: {}", path.string(), std::strerror(saved));
  }
  return Ok();
}

// A temporary path beside `target` that nothing else uses; removed on destruction unless released.
class TempPath {
 public:
  explicit TempPath(const std::filesystem::path& target) {
    static std::atomic<int> counter{0};
    path_ = target.parent_path() /
            fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), counter.fetch_add(1));
  }
  ~TempPath() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Renames the temporary over `target` (then fsyncs the directory); the temporary is gone either way.
  Status RenameOver(const std::filesystem::path& target) {
    CUSTOMS_RETURN_IF_ERROR(FsyncFile(path_, false));
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      return MakeError(ErrorCode::kIo, "renaming {} over {}: {}", path_.string(), target.string(),
                       std::strerror(errno));
    }
    path_.clear();
    std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    return FsyncFile(directory, true);
  }

 private:
  std::filesystem::path path_;
};

Result<File> OpenFile(const std::filesystem::path& path, const char* mode) {
  File file(std::fopen(path.c_str(), mode));
  if (!file) {
    return MakeError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "opening {}: {}", path.string(),
                     std::strerror(errno));
  }
  return file;
}

// Compresses `in` to `out` and returns sha256 of both sides and the sizes.
struct CompressStats {
  std::string in_digest;
  std::int64_t in_size = 0;
  std::string out_digest;
  std::int64_t out_size = 0;
};
Result<CompressStats> Compress(FILE* in, FILE* out, int level) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) {
    return MakeError(ErrorCode::kInternal, "ZSTD_createCCtx failed");
  }
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);
  std::vector<char> input(kChunk), output(ZSTD_CStreamOutSize());
  Sha256 in_hash, out_hash;
  CompressStats stats;
  for (;;) {
    std::size_t n = std::fread(input.data(), 1, input.size(), in);
    if (n == 0 && std::ferror(in)) {
      return MakeError(ErrorCode::kIo, "reading the store: {}", std::strerror(errno));
    }
    bool last = n < input.size();
    in_hash.Update(input.data(), n);
    stats.in_size += static_cast<std::int64_t>(n);
    ZSTD_inBuffer source{input.data(), n, 0};
    bool finished = false;
    while (!finished) {
      ZSTD_outBuffer sink{output.data(), output.size(), 0};
      std::size_t remaining = ZSTD_compressStream2(ctx.get(), &sink, &source, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(remaining)) {
        return MakeError(ErrorCode::kInternal, "zstd: {}", ZSTD_getErrorName(remaining));
      }
      if (std::fwrite(output.data(), 1, sink.pos, out) != sink.pos) {
        return MakeError(ErrorCode::kIo, "writing the snapshot: {}", std::strerror(errno));
      }
      out_hash.Update(output.data(), sink.pos);
      stats.out_size += static_cast<std::int64_t>(sink.pos);
      finished = last ? remaining == 0 : source.pos == source.size;
    }
    if (last) {
      break;
    }
  }
  if (std::fflush(out) != 0) {
    return MakeError(ErrorCode::kIo, "writing the snapshot: {}", std::strerror(errno));
  }
  stats.in_digest = "sha256:" + in_hash.FinishHex();
  stats.out_digest = "sha256:" + out_hash.FinishHex();
  return stats;
}

// Decompresses `in` into `out`, refusing to write more than `limit` bytes (a snapshot that inflates past its declared
// size is corrupt, or hostile). Returns sha256 and size of the output.
Result<std::pair<std::string, std::int64_t>> Decompress(FILE* in, FILE* out, std::int64_t limit) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) {
    return MakeError(ErrorCode::kInternal, "ZSTD_createDCtx failed");
  }
  std::vector<char> input(ZSTD_DStreamInSize()), output(ZSTD_DStreamOutSize());
  Sha256 hash;
  std::int64_t written = 0;
  std::size_t last_result = 1;
  for (;;) {
    std::size_t n = std::fread(input.data(), 1, input.size(), in);
    if (n == 0) {
      if (std::ferror(in)) {
        return MakeError(ErrorCode::kIo, "reading the snapshot: {}", std::strerror(errno));
      }
      break;
    }
    ZSTD_inBuffer source{input.data(), n, 0};
    while (source.pos < source.size) {
      ZSTD_outBuffer sink{output.data(), output.size(), 0};
      last_result = ZSTD_decompressStream(ctx.get(), &sink, &source);
      if (ZSTD_isError(last_result)) {
        return MakeError(ErrorCode::kCorrupt, "snapshot does not decompress: {}", ZSTD_getErrorName(last_result));
      }
      written += static_cast<std::int64_t>(sink.pos);
      if (written > limit) {
        return MakeError(ErrorCode::kCorrupt, "snapshot inflates past its declared {} bytes", limit);
      }
      hash.Update(output.data(), sink.pos);
      if (std::fwrite(output.data(), 1, sink.pos, out) != sink.pos) {
        return MakeError(ErrorCode::kIo, "writing the store: {}", std::strerror(errno));
      }
    }
  }
  if (last_result != 0) {
    return MakeError(ErrorCode::kCorrupt, "snapshot is truncated (the zstd frame does not end)");
  }
  if (std::fflush(out) != 0) {
    return MakeError(ErrorCode::kIo, "writing the store: {}", std::strerror(errno));
  }
  return std::make_pair("sha256:" + hash.FinishHex(), written);
}

bool IsUrl(std::string_view from) {
  return from.find("://") != std::string_view::npos;
}

std::string JoinUrl(std::string_view base, std::string_view name) {
  std::string out(base);
  if (!out.ends_with('/')) {
    out += '/';
  }
  return out + std::string(name);
}

void EnsureCurlInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  FILE* file = nullptr;
  std::string* text = nullptr;
  std::int64_t limit = 0;
  std::int64_t bytes = 0;
};

std::size_t WriteToSink(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  sink->bytes += static_cast<std::int64_t>(n);
  if (sink->bytes > sink->limit) {
    return 0;  // aborts the transfer: more than the document may hold
  }
  if (sink->text != nullptr) {
    sink->text->append(data, n);
    return n;
  }
  return std::fwrite(data, 1, n, sink->file);
}

// Fetches `url` (http, https or file) into `sink`, at most sink.limit bytes.
Status FetchUrl(const std::string& url, Sink& sink, const SnapshotUpdateOptions& options) {
  EnsureCurlInit();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(options.timeout.count(), 30000)));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "customs");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToSink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (!options.ca_bundle.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle.c_str());
  }
  CURLcode code = curl_easy_perform(c);
  if (code == CURLE_WRITE_ERROR && sink.bytes > sink.limit) {
    return MakeError(ErrorCode::kCorrupt, "{}: larger than the {} bytes expected", url, sink.limit);
  }
  if (code != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    ErrorCode error_code =
        status == 404 || code == CURLE_FILE_COULDNT_READ_FILE ? ErrorCode::kNotFound : ErrorCode::kNetwork;
    return MakeError(error_code, "{}: {}", url, error[0] != '\0' ? error : curl_easy_strerror(code));
  }
  return Ok();
}

Result<std::string> FetchMetadata(const SnapshotUpdateOptions& options) {
  if (!IsUrl(options.from)) {
    return ReadFile(std::filesystem::path(options.from) / kSnapshotMetadataFile, kMaxSnapshotMetadataSize);
  }
  std::string text;
  Sink sink{nullptr, &text, static_cast<std::int64_t>(kMaxSnapshotMetadataSize), 0};
  CUSTOMS_RETURN_IF_ERROR(FetchUrl(JoinUrl(options.from, kSnapshotMetadataFile), sink, options));
  return text;
}

// Copies (a directory) or downloads (a URL) the snapshot file into `out`, at most `size` bytes.
Status FetchSnapshotFile(const SnapshotUpdateOptions& options, const SnapshotMetadata& m, FILE* out) {
  if (IsUrl(options.from)) {
    Sink sink{out, nullptr, m.size, 0};
    CUSTOMS_RETURN_IF_ERROR(FetchUrl(JoinUrl(options.from, m.file), sink, options));
    return std::fflush(out) == 0 ? Ok() : MakeError(ErrorCode::kIo, "writing: {}", std::strerror(errno));
  }
  CUSTOMS_ASSIGN_OR_RETURN(File in, OpenFile(std::filesystem::path(options.from) / m.file, "rb"));
  std::vector<char> buffer(kChunk);
  std::int64_t total = 0;
  for (;;) {
    std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get());
    if (n == 0) {
      break;
    }
    total += static_cast<std::int64_t>(n);
    if (total > m.size) {
      return MakeError(ErrorCode::kCorrupt, "{}: larger than the {} bytes expected", m.file, m.size);
    }
    if (std::fwrite(buffer.data(), 1, n, out) != n) {
      return MakeError(ErrorCode::kIo, "writing: {}", std::strerror(errno));
    }
  }
  if (std::ferror(in.get())) {
    return MakeError(ErrorCode::kIo, "reading {}: {}", m.file, std::strerror(errno));
  }
  return std::fflush(out) == 0 ? Ok() : MakeError(ErrorCode::kIo, "writing: {}", std::strerror(errno));
}

}  // namespace

Result<SnapshotMetadata> ParseSnapshotMetadata(std::string_view text) {
  CUSTOMS_ASSIGN_OR_RETURN(json j, ParseObject(text));
  return FromObject(j);
}

Result<SnapshotMetadata> VerifySnapshotMetadata(std::string_view text, std::string_view public_key_pem) {
  CUSTOMS_ASSIGN_OR_RETURN(Pkey key, ReadKey(public_key_pem, false));
  CUSTOMS_ASSIGN_OR_RETURN(json j, ParseObject(text));
  CUSTOMS_ASSIGN_OR_RETURN(SnapshotMetadata m, FromObject(j));
  auto signature = Unbase64(m.signature);
  if (!signature || !Verify(key.get(), SignedBytes(j), *signature)) {
    std::string ours = KeyId(key.get());
    return MakeError(ErrorCode::kPermission,
                     "the snapshot signature does not verify with key {}{}: the snapshot was altered, or signed with "
                     "another key",
                     ours, m.key_id != ours ? fmt::format(" (it names key {})", m.key_id) : std::string());
  }
  return m;
}

Result<std::string> FileDigest(const std::filesystem::path& path) {
  CUSTOMS_ASSIGN_OR_RETURN(File file, OpenFile(path, "rb"));
  Sha256 hash;
  std::vector<char> buffer(kChunk);
  for (;;) {
    std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n == 0) {
      break;
    }
    hash.Update(buffer.data(), n);
  }
  if (std::ferror(file.get())) {
    return MakeError(ErrorCode::kIo, "reading {}: {}", path.string(), std::strerror(errno));
  }
  return "sha256:" + hash.FinishHex();
}

std::optional<std::string> SnapshotTooOld(std::string_view built_at, std::chrono::seconds max_age,
                                          std::string_view what, std::string_view remedy,
                                          std::chrono::system_clock::time_point now) {
  if (max_age.count() <= 0) {
    return std::nullopt;
  }
  StoreInfo info;
  info.built_at = std::string(built_at);
  auto age = StoreAge(info, now);
  if (!age) {
    return fmt::format("{} has no readable build time ('{}'): {}", what, built_at, remedy);
  }
  if (*age <= max_age) {
    return std::nullopt;
  }
  return fmt::format("{} was built at {} ({:.1f} days ago), older than the maximum age of {:.1f} days: {}", what,
                     built_at, static_cast<double>(age->count()) / 86400.0,
                     static_cast<double>(max_age.count()) / 86400.0, remedy);
}

Result<SnapshotMetadata> PublishSnapshot(const PublishOptions& options) {
  std::filesystem::path db = options.db_path.empty() ? DefaultStorePath() : options.db_path;
  CUSTOMS_ASSIGN_OR_RETURN(Pkey key, ReadKeyFile(options.private_key, true));
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "creating {}: {}", options.out_dir.string(), ec.message());
  }

  CUSTOMS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(db, options.lock_timeout));
  CUSTOMS_ASSIGN_OR_RETURN(auto store, Store::Open(db));
  CUSTOMS_ASSIGN_OR_RETURN(StoreInfo info, store->Info());
  store.reset();

  // The compressed file is named after the store's digest, known only once it is written: compress to a temporary,
  // then rename it to its name.
  std::filesystem::path provisional = options.out_dir / fmt::format("{}pending{}", kFilePrefix, kFileSuffix);
  TempPath temp(provisional);
  CompressStats stats;
  {
    CUSTOMS_ASSIGN_OR_RETURN(File in, OpenFile(db, "rb"));
    CUSTOMS_ASSIGN_OR_RETURN(File out, OpenFile(temp.path(), "wb"));
    CUSTOMS_ASSIGN_OR_RETURN(stats, Compress(in.get(), out.get(), options.compression_level));
  }
  SnapshotMetadata m;
  m.format = std::string(kSnapshotFormat);
  m.schema_version = info.schema_version;
  m.built_at = info.built_at;
  m.published_at = NowRfc3339();
  m.file = fmt::format("{}{}{}", kFilePrefix, stats.in_digest.substr(7, 16), kFileSuffix);
  m.size = stats.out_size;
  m.digest = stats.out_digest;
  m.store_size = stats.in_size;
  m.store_digest = stats.in_digest;
  m.key_id = KeyId(key.get());
  CUSTOMS_RETURN_IF_ERROR(temp.RenameOver(options.out_dir / m.file));

  json object = ToObject(m);
  CUSTOMS_ASSIGN_OR_RETURN(std::string signature, Sign(key.get(), SignedBytes(object)));
  m.signature = Base64(signature);
  object["signature"] = m.signature;

  // Keep the file the previous latest.json names (a reader may be downloading it), remove any older one.
  std::set<std::string> keep = {m.file};
  if (auto previous = ReadFile(options.out_dir / kSnapshotMetadataFile, kMaxSnapshotMetadataSize)) {
    if (auto parsed = ParseSnapshotMetadata(*previous)) {
      keep.insert(parsed->file);
    }
  }
  CUSTOMS_RETURN_IF_ERROR(WriteFileAtomic(options.out_dir / kSnapshotMetadataFile, object.dump(2) + "\n"));
  for (const auto& entry : std::filesystem::directory_iterator(options.out_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (IsPlainSnapshotName(name) && keep.count(name) == 0) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  return m;
}

Result<SnapshotUpdateResult> UpdateFromSnapshot(const SnapshotUpdateOptions& options) {
  std::filesystem::path db = options.db_path.empty() ? DefaultStorePath() : options.db_path;
  std::string where = IsUrl(options.from) ? options.from : std::filesystem::absolute(options.from).string();
  auto key_pem = ReadFile(options.public_key, 1 << 16);
  if (!key_pem) {
    return tl::unexpected(key_pem.error().WithContext("--key"));
  }
  auto text = FetchMetadata(options);
  if (!text) {
    return tl::unexpected(text.error().WithContext("fetching the snapshot metadata"));
  }
  auto verified = VerifySnapshotMetadata(*text, *key_pem);
  if (!verified) {
    return tl::unexpected(verified.error().WithContext(where));
  }
  SnapshotUpdateResult result;
  result.metadata = std::move(*verified);
  const SnapshotMetadata& m = result.metadata;
  if (m.schema_version != kSchemaVersion) {
    return MakeError(ErrorCode::kUnsupported,
                     "{}: the snapshot has store schema {}, this customs reads schema {}: upgrade customs on this "
                     "host, or publish from a customs of the same version",
                     where, m.schema_version, kSchemaVersion);
  }
  if (auto too_old = SnapshotTooOld(
          m.built_at, options.max_age, fmt::format("the snapshot at {}", where),
          "the publisher has not refreshed it; run `customs db update` and `customs db publish` on the feed host, "
          "or pass a larger --max-db-age to accept it")) {
    return MakeError(ErrorCode::kUnsupported, "{}", *too_old);
  }

  std::error_code ec;
  std::filesystem::path directory = db.parent_path().empty() ? "." : db.parent_path();
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, "creating {}: {}", directory.string(), ec.message());
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(db, options.lock_timeout));
  if (std::filesystem::exists(db, ec)) {
    if (auto current = FileDigest(db); current && *current == m.store_digest) {
      CUSTOMS_ASSIGN_OR_RETURN(auto store, Store::Open(db));
      CUSTOMS_ASSIGN_OR_RETURN(result.store, store->Info());
      return result;
    }
  }

  TempPath download(directory / m.file);
  {
    CUSTOMS_ASSIGN_OR_RETURN(File out, OpenFile(download.path(), "wb"));
    if (auto fetched = FetchSnapshotFile(options, m, out.get()); !fetched) {
      return tl::unexpected(fetched.error().WithContext("downloading the snapshot"));
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(std::string digest, FileDigest(download.path()));
  auto size = static_cast<std::int64_t>(std::filesystem::file_size(download.path(), ec));
  if (digest != m.digest || size != m.size) {
    return MakeError(ErrorCode::kCorrupt,
                     "{}: {} is {} bytes with digest {}, the signed metadata says {} bytes with digest {}: the file "
                     "was altered or truncated",
                     where, m.file, size, digest, m.size, m.digest);
  }
  TempPath store_file(db);
  {
    CUSTOMS_ASSIGN_OR_RETURN(File in, OpenFile(download.path(), "rb"));
    CUSTOMS_ASSIGN_OR_RETURN(File out, OpenFile(store_file.path(), "wb"));
    CUSTOMS_ASSIGN_OR_RETURN(auto inflated, Decompress(in.get(), out.get(), m.store_size));
    if (inflated.first != m.store_digest || inflated.second != m.store_size) {
      return MakeError(ErrorCode::kCorrupt, "{}: the decompressed store does not match the signed store digest", where);
    }
  }
  {
    auto opened = Store::Open(store_file.path());
    if (!opened) {
      return tl::unexpected(opened.error().WithContext("the snapshot's store"));
    }
    CUSTOMS_ASSIGN_OR_RETURN(result.store, (*opened)->Info());
  }
  CUSTOMS_RETURN_IF_ERROR(store_file.RenameOver(db));
  result.store.path = db;
  result.replaced = true;
  json kept = json::parse(*text, nullptr, false);
  CUSTOMS_RETURN_IF_ERROR(WriteFileAtomic(db.string() + ".snapshot.json", kept.dump(2) + "\n"));
  return result;
}

}  // namespace customs::vulndb
