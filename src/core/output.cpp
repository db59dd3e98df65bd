#include "core/output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace customs {
namespace {

constexpr std::size_t kBufferSize = std::size_t{64} * 1024;

// Writes all of `data` to `fd`; returns 0 or the errno of the failure.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

FdOutput::~FdOutput() {
  if (fd_ >= 0) Drain();
}

void FdOutput::Write(std::string_view text) {
  if (error_ != 0) return;
  if (buffer_.size() + text.size() > kBufferSize) Drain();
  if (text.size() >= kBufferSize) {
    error_ = WriteAll(fd_, text);
    return;
  }
  buffer_.append(text);
}

void FdOutput::Drain() {
  if (error_ == 0 && !buffer_.empty()) error_ = WriteAll(fd_, buffer_);
  buffer_.clear();
}

Status FdOutput::Finish() {
  Drain();
  if (error_ != 0) return MakeError(ErrorCode::kIo, "writing the output: {}", std::strerror(error_));
  return Ok();
}

Result<std::unique_ptr<AtomicFileOutput>> AtomicFileOutput::Create(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp.{}.{}", ::getpid(), counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kIo, "{}: {}", tmp.string(), std::strerror(errno));
  return std::unique_ptr<AtomicFileOutput>(new AtomicFileOutput(path, std::move(tmp), fd));
}

AtomicFileOutput::AtomicFileOutput(std::filesystem::path path, std::filesystem::path tmp, int fd)
    : FdOutput(fd), path_(std::move(path)), tmp_(std::move(tmp)) {}

AtomicFileOutput::~AtomicFileOutput() {
  if (fd_ >= 0) {
    buffer_.clear();  // nothing more reaches a file that will not be committed
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_) ::unlink(tmp_.c_str());
}

Status AtomicFileOutput::Commit() {
  Drain();
  if (error_ != 0) return MakeError(ErrorCode::kIo, "{}: {}", tmp_.string(), std::strerror(error_));
  int fd = std::exchange(fd_, -1);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return MakeError(ErrorCode::kIo, "{}: {}", tmp_.string(), std::strerror(errno));
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return MakeError(ErrorCode::kIo, "rename to {}: {}", path_.string(), std::strerror(errno));
  }
  committed_ = true;
  // Make the rename itself durable: a crash right after must not bring back the old file.
  std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Ok();
}

}  // namespace customs
