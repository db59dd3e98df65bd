// Small filesystem helpers used by every module. All return Result; none throws.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace customs {

// Reads a whole regular file. Fails with kIo/kNotFound; refuses files over `max_size` bytes with kInvalidArgument.
[[nodiscard]] Result<std::string> ReadFile(const std::filesystem::path& path,
                                           std::size_t max_size = std::size_t{1} << 30);

// Writes `content` to `path` atomically: a temporary file in the same directory, fsync, rename. A crash leaves
// either the old file or the new one, never a partial file.
[[nodiscard]] Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content);

// A directory under $TMPDIR (or /tmp) removed with its contents on destruction.
class TempDir {
 public:
  static Result<TempDir> Create(std::string_view prefix = "customs");
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// $XDG_CACHE_HOME/customs or ~/.cache/customs.
std::filesystem::path DefaultCacheDir();

}  // namespace customs
