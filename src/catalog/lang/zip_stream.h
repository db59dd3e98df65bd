// A push-driven (streaming) zip reader over local file headers, for archives that arrive as a stream of chunks and are
// never held in memory: jars in a layer tar, and jars nested inside them.
//
// It follows PKWARE APPNOTE.TXT 6.3.10: section 4.3.7 (local file header), 4.3.9 (data descriptor, general purpose
// bit 3), 4.5.3 (ZIP64 extended information extra field). The central directory (4.3.12) is not needed in streaming
// mode: the reader stops at the first central directory or end-of-central-directory signature.
//   - Stored entries with known sizes are passed through without a copy; deflated entries (method 8) are inflated with
//     zlib only when the consumer reads them, or when their size is unknown (bit 3) and the end must be found.
//   - A stored entry with bit 3 (no producer of jars writes one, but zip(1) does for streamed input) is ended at the
//     first data descriptor whose CRC-32 and size match the bytes seen, holding back at most 24 bytes.
//   - Bytes before the first local header (the launch script of a Spring Boot "fully executable" jar) are skipped, up
//     to ZipLimits::max_prefix_bytes.
// Errors (bad signature, truncated header, corrupt deflate data, an entry of unknown size in a method it cannot
// inflate) stop the reader: failed() and error() say why; entries already delivered stay delivered.
// Not thread-safe; one reader per stream.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace customs::catalog::lang {

struct ZipEntryInfo {
  std::string_view name;  // as stored (CP437 or UTF-8; never normalised)
  std::uint16_t method = 0;
  std::uint16_t flags = 0;
  std::uint64_t compressed_size = 0;    // 0 when unknown (bit 3)
  std::uint64_t uncompressed_size = 0;  // 0 when unknown (bit 3)
  bool sizes_known = true;
};

// The limits one reader shares with the readers of its nested archives (one budget per top-level file).
struct ZipBudget {
  std::uint64_t inflated_bytes_left = 0;  // decompressed bytes this file may still produce, all levels together
  std::uint64_t entries_left = 0;         // local headers this file may still have, all levels together
  bool exhausted = false;                 // set when either ran out
};

struct ZipLimits {
  std::uint64_t max_prefix_bytes = 1 << 20;
};

class ZipEntrySink {
 public:
  virtual ~ZipEntrySink() = default;
  // At each local header: true to receive the entry's uncompressed content through EntryData.
  virtual bool StartEntry(const ZipEntryInfo& entry) = 0;
  virtual void EntryData(std::string_view data) = 0;
  // After the entry's last byte (only for entries StartEntry accepted). `ok` is false when the entry was cut short.
  virtual void EndEntry(bool ok) = 0;
};

class ZipStreamReader {
 public:
  ZipStreamReader(ZipEntrySink* sink, ZipBudget* budget, ZipLimits limits = {});
  ~ZipStreamReader();
  ZipStreamReader(const ZipStreamReader&) = delete;
  ZipStreamReader& operator=(const ZipStreamReader&) = delete;

  // Pushes the next bytes of the archive. Ignored after the reader finished or failed.
  void Feed(std::string_view chunk);
  // The end of the stream. An entry still open is ended with ok = false and the reader fails ("truncated").
  void Finish();

  bool failed() const { return state_ == State::kFailed; }
  // True once the central directory was reached (a well-formed end).
  bool reached_central_directory() const { return state_ == State::kDone; }
  const std::string& error() const { return error_; }
  std::uint64_t entries() const { return entries_; }

 private:
  enum class State { kPrefix, kSignature, kHeader, kData, kDescriptor, kDone, kFailed };

  // Each returns the number of bytes of `in` it consumed (0 means: needs more input).
  std::size_t StepPrefix(std::string_view in);
  std::size_t StepSignature(std::string_view in);
  std::size_t StepHeader(std::string_view in);
  std::size_t StepData(std::string_view in);
  std::size_t StepDescriptor(std::string_view in);
  std::size_t StepStoredUnknownSize(std::string_view in);
  std::size_t StepInflate(std::string_view in);
  void Deliver(std::string_view data);
  void EndEntry(bool ok);
  void Fail(std::string message);

  ZipEntrySink* sink_;
  ZipBudget* budget_;
  ZipLimits limits_;
  State state_ = State::kPrefix;
  std::string error_;
  std::string pending_;  // bytes of a header or descriptor split across chunks
  std::uint64_t prefix_seen_ = 0;
  std::uint64_t entries_ = 0;

  // The current entry.
  std::string name_;
  std::uint16_t method_ = 0;
  std::uint16_t flags_ = 0;
  bool zip64_ = false;
  bool reading_ = false;  // the sink accepted it
  bool sizes_known_ = true;
  std::uint64_t remaining_ = 0;  // compressed bytes left (sizes known)
  std::uint64_t consumed_ = 0;   // compressed bytes seen (for stored entries of unknown size)
  std::uint32_t crc_ = 0;
  bool inflating_ = false;
  z_stream zs_{};
  bool zs_initialised_ = false;
  std::unique_ptr<char[]> out_buffer_;
};

}  // namespace customs::catalog::lang
