// BlobReaders over local files, and the decompressing reader used for every layer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/sha256.h"
#include "image/source.h"

namespace customs::image {

// An open file shared by many readers (an archive holding all blobs). Closes on destruction.
class SharedFile {
 public:
  [[nodiscard]] static Result<std::shared_ptr<SharedFile>> Open(const std::filesystem::path& path);
  ~SharedFile();
  SharedFile(const SharedFile&) = delete;
  SharedFile& operator=(const SharedFile&) = delete;
  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  SharedFile(int fd, std::uint64_t size, std::filesystem::path path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  std::uint64_t size_;
  std::filesystem::path path_;
};

// Reads bytes [offset, offset + size) of a shared file. When `expected_digest` ("sha256:<hex>") is set, the read that
// reaches the end fails with kCorrupt on a mismatch. `what` names the blob in errors.
std::unique_ptr<BlobReader> MakeRangeReader(std::shared_ptr<SharedFile> file, std::uint64_t offset, std::uint64_t size,
                                            std::string expected_digest, std::string what);

// Reads a whole small blob (a manifest, an index, a config) of at most `limit` bytes, verifying its digest.
[[nodiscard]] Result<std::string> ReadAllVerified(BlobReader& reader, std::size_t limit = 16u << 20);

enum class Compression { kNone, kGzip, kZstd };
const char* CompressionName(Compression compression);

// Wraps `raw`, detects the compression from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd, else none) and yields the
// decompressed stream. If `expected_diff_id` is set, the decompressed bytes are hashed and a mismatch at the end is
// kCorrupt. Truncated or corrupt compressed data is kCorrupt.
[[nodiscard]] Result<std::unique_ptr<BlobReader>> MakeDecompressingReader(std::unique_ptr<BlobReader> raw,
                                                                          std::string expected_diff_id,
                                                                          std::string what);

// Splits "sha256:<64 hex>" and validates it. kInvalidArgument otherwise (also for other algorithms).
[[nodiscard]] Result<std::string> DigestHex(std::string_view digest);

}  // namespace customs::image
