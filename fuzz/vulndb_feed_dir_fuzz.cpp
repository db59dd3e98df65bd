// Fuzz target: the feed directory walker of `db import DIR` (GitHub's advisory-database layout and the like). The
// input describes a tree: NUL-separated (path, content) pairs; a path starting with '@' makes a symbolic link whose
// target is the content. The tree is written under a private temporary directory, imported, and removed.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "vulndb/importer.h"

namespace {

// Only plain names: no "..", no absolute paths, at most 8 levels.
bool SafeRelative(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.size() > 200) return false;
  int depth = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      if (c == '\0') return false;
    }
    if (++depth > 8) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  struct Root {
    std::filesystem::path path;
    Root() {
      char pattern[] = "/tmp/customs-fuzz-feed-dir-XXXXXX";
      const char* made = mkdtemp(pattern);
      path = made != nullptr ? made : "/tmp/customs-fuzz-feed-dir";
    }
    ~Root() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Root holder;
  const std::filesystem::path& root = holder.path;
  std::error_code ec;
  std::filesystem::remove_all(root / "tree", ec);
  std::filesystem::create_directories(root / "tree", ec);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int files = 0;
  while (!input.empty() && files < 64) {
    std::size_t end_path = input.find('\0');
    if (end_path == std::string_view::npos) break;
    std::string_view path = input.substr(0, end_path);
    input.remove_prefix(end_path + 1);
    std::size_t end_content = input.find('\0');
    std::string_view content = input.substr(0, end_content);
    input = end_content == std::string_view::npos ? std::string_view() : input.substr(end_content + 1);
    const bool link = !path.empty() && path.front() == '@';
    if (link) path.remove_prefix(1);
    if (!SafeRelative(path)) continue;
    std::filesystem::path target = root / "tree" / std::string(path);
    std::filesystem::create_directories(target.parent_path(), ec);
    if (link) {
      std::filesystem::create_symlink(std::string(content), target, ec);
    } else {
      std::ofstream(target, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    ++files;
  }
  customs::NullDiagnostics diagnostics;
  (void)customs::vulndb::ReadFeedInput(root / "tree", diagnostics);
  std::filesystem::remove_all(root / "tree", ec);
  return 0;
}
