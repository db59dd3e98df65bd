#include "image/blob_reader.h"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace customs::image {

Result<std::shared_ptr<SharedFile>> SharedFile::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: {}", path.string(),
                     std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return MakeError(ErrorCode::kIo, "{}: {}", path.string(), std::strerror(err));
  }
  return std::shared_ptr<SharedFile>(new SharedFile(fd, static_cast<std::uint64_t>(st.st_size), path));
}

SharedFile::~SharedFile() {
  ::close(fd_);
}

Result<std::string> DigestHex(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (!digest.starts_with(kPrefix)) {
    return MakeError(ErrorCode::kUnsupported, "digest '{}': only sha256 is supported", digest);
  }
  std::string_view hex = digest.substr(kPrefix.size());
  if (hex.size() != 64) return MakeError(ErrorCode::kInvalidArgument, "digest '{}': bad length", digest);
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return MakeError(ErrorCode::kInvalidArgument, "digest '{}': not lowercase hex", digest);
    }
  }
  return std::string(hex);
}

namespace {

class RangeReader final : public BlobReader {
 public:
  RangeReader(std::shared_ptr<SharedFile> file, std::uint64_t offset, std::uint64_t size, std::string expected,
              std::string what)
      : file_(std::move(file)), offset_(offset), left_(size), expected_(std::move(expected)), what_(std::move(what)) {}

  Result<std::size_t> Read(void* buffer, std::size_t size) override {
    if (left_ == 0) return Finish();
    std::size_t want = size < left_ ? size : static_cast<std::size_t>(left_);
    ssize_t n;
    do {
      n = ::pread(file_->fd(), buffer, want, static_cast<off_t>(offset_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return MakeError(ErrorCode::kIo, "{}: {}", what_, std::strerror(errno));
    if (n == 0) return MakeError(ErrorCode::kCorrupt, "{}: file ends early (truncated)", what_);
    offset_ += static_cast<std::uint64_t>(n);
    left_ -= static_cast<std::uint64_t>(n);
    if (!expected_.empty()) hash_.Update(buffer, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }

 private:
  Result<std::size_t> Finish() {
    if (!expected_.empty() && !finished_) {
      finished_ = true;
      std::string actual = "sha256:" + hash_.FinishHex();
      if (actual != expected_) {
        return MakeError(ErrorCode::kCorrupt, "{}: digest mismatch (expected {}, got {})", what_, expected_, actual);
      }
    }
    return std::size_t{0};
  }

  std::shared_ptr<SharedFile> file_;
  std::uint64_t offset_;
  std::uint64_t left_;
  std::string expected_;
  std::string what_;
  Sha256 hash_;
  bool finished_ = false;
};

constexpr std::size_t kInputBuffer = 256 * 1024;

class DecompressingReader final : public BlobReader {
 public:
  DecompressingReader(std::unique_ptr<BlobReader> raw, Compression compression, std::vector<unsigned char> first,
                      std::string expected_diff_id, std::string what)
      : raw_(std::move(raw)),
        compression_(compression),
        input_(std::move(first)),
        expected_(std::move(expected_diff_id)),
        what_(std::move(what)) {
    input_.reserve(kInputBuffer);
    if (compression_ == Compression::kGzip) {
      isal_ = std::make_unique<inflate_state>();
      ResetGzip();
    } else if (compression_ == Compression::kZstd) {
      zstd_ = ZSTD_createDStream();
      ZSTD_initDStream(zstd_);
    }
  }
  ~DecompressingReader() override {
    if (zstd_ != nullptr) ZSTD_freeDStream(zstd_);
  }

  Result<std::size_t> Read(void* buffer, std::size_t size) override {
    if (size == 0) return std::size_t{0};
    for (;;) {
      std::size_t produced = 0;
      bool need_input = false;
      switch (compression_) {
        case Compression::kNone: {
          if (input_pos_ < input_.size()) {
            produced = std::min(size, input_.size() - input_pos_);
            std::memcpy(buffer, input_.data() + input_pos_, produced);
            input_pos_ += produced;
          } else {
            need_input = true;
          }
          break;
        }
        case Compression::kGzip: {
          CUSTOMS_ASSIGN_OR_RETURN(produced, StepGzip(buffer, size, &need_input));
          break;
        }
        case Compression::kZstd: {
          CUSTOMS_ASSIGN_OR_RETURN(produced, StepZstd(buffer, size, &need_input));
          break;
        }
      }
      if (produced > 0) {
        if (!expected_.empty()) hash_.Update(buffer, produced);
        return produced;
      }
      if (!need_input) continue;
      if (raw_eof_) return Finish();
      CUSTOMS_RETURN_IF_ERROR(Refill());
    }
  }

 private:
  void ResetGzip() {
    isal_inflate_init(isal_.get());
    isal_->crc_flag = ISAL_GZIP;
    stream_done_ = false;
  }

  Status Refill() {
    // Keep unconsumed bytes, then append fresh input.
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(input_pos_));
    input_pos_ = 0;
    std::size_t old = input_.size();
    input_.resize(kInputBuffer > old ? kInputBuffer : old + 4096);
    auto n = raw_->Read(input_.data() + old, input_.size() - old);
    if (!n) {
      input_.resize(old);
      return tl::unexpected(std::move(n).error());
    }
    input_.resize(old + *n);
    if (*n == 0) raw_eof_ = true;
    return Ok();
  }

  Result<std::size_t> StepGzip(void* buffer, std::size_t size, bool* need_input) {
    if (stream_done_) {
      // A finished member: another gzip member may follow (concatenated gzip); anything else is ignored.
      if (input_.size() - input_pos_ >= 2 && input_[input_pos_] == 0x1f && input_[input_pos_ + 1] == 0x8b) {
        ResetGzip();
      } else if (input_.size() - input_pos_ < 2 && !raw_eof_) {
        *need_input = true;
        return std::size_t{0};
      } else {
        input_pos_ = input_.size();  // trailing bytes after the last member are ignored, as gzip does
        *need_input = true;
        if (raw_eof_) {
          gzip_complete_ = true;
        }
        return std::size_t{0};
      }
    }
    isal_->next_in = input_.data() + input_pos_;
    isal_->avail_in = static_cast<std::uint32_t>(input_.size() - input_pos_);
    isal_->next_out = static_cast<std::uint8_t*>(buffer);
    isal_->avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(size, 1u << 30));
    int rc = isal_inflate(isal_.get());
    std::size_t consumed = (input_.size() - input_pos_) - isal_->avail_in;
    input_pos_ += consumed;
    std::size_t produced = std::min<std::size_t>(size, 1u << 30) - isal_->avail_out;
    if (rc < 0) return MakeError(ErrorCode::kCorrupt, "{}: corrupt gzip data (isa-l error {})", what_, rc);
    if (isal_->block_state == ISAL_BLOCK_FINISH) {
      stream_done_ = true;
      gzip_complete_ = true;
    } else {
      gzip_complete_ = false;
    }
    if (produced == 0 && !stream_done_) *need_input = input_pos_ >= input_.size() || consumed == 0;
    return produced;
  }

  Result<std::size_t> StepZstd(void* buffer, std::size_t size, bool* need_input) {
    ZSTD_inBuffer in{input_.data() + input_pos_, input_.size() - input_pos_, 0};
    ZSTD_outBuffer out{buffer, size, 0};
    if (in.size == 0) {
      *need_input = true;
      return std::size_t{0};
    }
    std::size_t rc = ZSTD_decompressStream(zstd_, &out, &in);
    input_pos_ += in.pos;
    if (ZSTD_isError(rc)) {
      return MakeError(ErrorCode::kCorrupt, "{}: corrupt zstd data ({})", what_, ZSTD_getErrorName(rc));
    }
    zstd_frame_open_ = rc != 0;
    if (out.pos == 0) *need_input = input_pos_ >= input_.size() || in.pos == 0;
    return out.pos;
  }

  Result<std::size_t> Finish() {
    if (finished_) return std::size_t{0};
    finished_ = true;
    if (compression_ == Compression::kGzip && !(gzip_complete_ || stream_done_)) {
      return MakeError(ErrorCode::kCorrupt, "{}: truncated gzip stream", what_);
    }
    if (compression_ == Compression::kZstd && zstd_frame_open_) {
      return MakeError(ErrorCode::kCorrupt, "{}: truncated zstd stream", what_);
    }
    if (!expected_.empty()) {
      std::string actual = "sha256:" + hash_.FinishHex();
      if (actual != expected_) {
        return MakeError(ErrorCode::kCorrupt, "{}: uncompressed digest mismatch (diff_id {}, got {})", what_, expected_,
                         actual);
      }
    }
    return std::size_t{0};
  }

  std::unique_ptr<BlobReader> raw_;
  Compression compression_;
  std::vector<unsigned char> input_;
  std::size_t input_pos_ = 0;
  bool raw_eof_ = false;
  bool finished_ = false;
  std::string expected_;
  std::string what_;
  Sha256 hash_;
  std::unique_ptr<inflate_state> isal_;
  bool stream_done_ = false;
  bool gzip_complete_ = false;
  ZSTD_DStream* zstd_ = nullptr;
  bool zstd_frame_open_ = false;
};

}  // namespace

std::unique_ptr<BlobReader> MakeRangeReader(std::shared_ptr<SharedFile> file, std::uint64_t offset, std::uint64_t size,
                                            std::string expected_digest, std::string what) {
  return std::make_unique<RangeReader>(std::move(file), offset, size, std::move(expected_digest), std::move(what));
}

Result<std::string> ReadAllVerified(BlobReader& reader, std::size_t limit) {
  std::string out;
  char buffer[65536];
  for (;;) {
    CUSTOMS_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer, sizeof buffer));
    if (n == 0) break;
    if (out.size() + n > limit) return MakeError(ErrorCode::kInvalidArgument, "blob larger than {} bytes", limit);
    out.append(buffer, n);
  }
  return out;
}

const char* CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

Result<std::unique_ptr<BlobReader>> MakeDecompressingReader(std::unique_ptr<BlobReader> raw,
                                                            std::string expected_diff_id, std::string what) {
  // Read up to 4 bytes of magic, then hand them to the decompressor as its first input.
  std::vector<unsigned char> first(4);
  std::size_t have = 0;
  while (have < first.size()) {
    CUSTOMS_ASSIGN_OR_RETURN(std::size_t n, raw->Read(first.data() + have, first.size() - have));
    if (n == 0) break;
    have += n;
  }
  first.resize(have);
  Compression compression = Compression::kNone;
  if (have >= 2 && first[0] == 0x1f && first[1] == 0x8b) {
    compression = Compression::kGzip;
  } else if (have >= 4 && first[0] == 0x28 && first[1] == 0xb5 && first[2] == 0x2f && first[3] == 0xfd) {
    compression = Compression::kZstd;
  }
  return std::unique_ptr<BlobReader>(std::make_unique<DecompressingReader>(
      std::move(raw), compression, std::move(first), std::move(expected_diff_id), std::move(what)));
}

}  // namespace customs::image
