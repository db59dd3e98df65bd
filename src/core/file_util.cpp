#include "core/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace customs {

Result<std::string> ReadFile(const std::filesystem::path& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: {}", path.string(),
                     std::strerror(err));
  }
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return MakeError(ErrorCode::kIo, "{}: {}", path.string(), std::strerror(err));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_size) {
      ::close(fd);
      return MakeError(ErrorCode::kInvalidArgument, "{}: larger than {} bytes", path.string(), max_size);
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path tmp = path;
  static std::atomic<unsigned> counter{0};
  tmp += fmt::format(".tmp.{}.{}", ::getpid(), counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kIo, "{}: {}", tmp.string(), std::strerror(errno));
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return MakeError(ErrorCode::kIo, "{}: {}", tmp.string(), std::strerror(err));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kIo, "{}: {}", tmp.string(), std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kIo, "rename to {}: {}", path.string(), std::strerror(err));
  }
  // Make the rename itself durable: a crash right after must not bring back the old file.
  std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Ok();
}

Result<TempDir> TempDir::Create(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/{}-XXXXXX", base && *base ? base : "/tmp", prefix);
  if (::mkdtemp(pattern.data()) == nullptr) {
    return MakeError(ErrorCode::kIo, "mkdtemp {}: {}", pattern, std::strerror(errno));
  }
  return TempDir(std::filesystem::path(pattern));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path DefaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "customs";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "customs";
  }
  return std::filesystem::path("/tmp") / "customs-cache";
}

}  // namespace customs
