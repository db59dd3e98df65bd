#include "catalog/ownership.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace customs::catalog {
namespace {

constexpr std::string_view kUsrMergeAliases[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

std::string_view BaseNameOf(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Canonical image paths, with a cache of resolved directories (OS file lists name the same directories many times).
class Canonicalizer {
 public:
  explicit Canonicalizer(const FileTree& tree) : tree_(tree) {}

  // `path` with every symbolic link in it resolved inside the image; components the image does not have are kept as
  // written (a file since deleted still maps to where it was).
  std::string Canonical(std::string_view raw) {
    std::string path = NormalizePath(raw);
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
      return path;
    }
    std::string out = Directory(path.substr(0, slash));
    out += path.substr(slash);
    const FileNode* node = tree_.Find(out);
    if (node != nullptr && node->type == FileType::kSymlink) {
      if (auto resolved = tree_.Resolve(out)) {
        out = std::move(*resolved);
      }
    }
    return out;
  }

 private:
  std::string Directory(const std::string& dir) {
    if (dir.empty()) {
      return dir;
    }
    if (auto it = cache_.find(dir); it != cache_.end()) {
      return it->second;
    }
    std::string out;
    std::size_t start = 1;
    bool first = true;
    while (start <= dir.size()) {
      std::size_t end = dir.find('/', start);
      if (end == std::string::npos) {
        end = dir.size();
      }
      const std::string_view component = std::string_view(dir).substr(start, end - start);
      std::string candidate = out + "/" + std::string(component);
      const FileNode* node = tree_.Find(candidate);
      if (node != nullptr && node->type == FileType::kSymlink) {
        if (auto resolved = tree_.Resolve(candidate)) {
          candidate = std::move(*resolved);
        }
      } else if (node == nullptr && first && IsUsrMergeAlias(component) &&
                 tree_.Find("/usr/" + std::string(component)) != nullptr) {
        // Neither the directory nor its merged-/usr link is in the image, but /usr/<dir> is: the alias.
        candidate = "/usr/" + std::string(component);
      }
      out = std::move(candidate);
      first = false;
      start = end + 1;
    }
    cache_.emplace(dir, out);
    return out;
  }

  static bool IsUsrMergeAlias(std::string_view component) {
    return std::find(std::begin(kUsrMergeAliases), std::end(kUsrMergeAliases), component) != std::end(kUsrMergeAliases);
  }

  const FileTree& tree_;
  std::unordered_map<std::string, std::string> cache_;
};

}  // namespace

void AssignOsOwners(const FileTree& tree, std::vector<Package>& packages, Diagnostics& /*diagnostics*/) {
  const bool any_file_list = std::any_of(packages.begin(), packages.end(), [](const Package& package) {
    return IsOsPackage(package.type) && !package.files.empty();
  });
  if (!any_file_list) {
    return;  // an application-only image (scratch, distroless without lists): nothing can own anything
  }
  Canonicalizer canonicalizer(tree);
  // Canonical evidence path -> the language packages it is evidence of.
  std::unordered_map<std::string, std::vector<std::size_t>> evidence;
  std::unordered_set<std::string> base_names;
  for (std::size_t i = 0; i < packages.size(); ++i) {
    const Package& package = packages[i];
    if (IsOsPackage(package.type) || !package.owner.empty()) {
      continue;
    }
    std::vector<std::string_view> paths(package.files.begin(), package.files.end());
    if (paths.empty() && !package.location.empty()) {
      std::string_view location = package.location;
      location = location.substr(0, location.find('!'));
      paths.push_back(location);
    }
    for (std::string_view path : paths) {
      std::string canonical = canonicalizer.Canonical(path.substr(0, path.find('!')));
      if (canonical.empty()) {
        continue;
      }
      base_names.emplace(BaseNameOf(canonical));
      evidence[std::move(canonical)].push_back(i);
    }
  }
  if (evidence.empty()) {
    return;
  }
  std::vector<std::size_t> os_packages;
  for (std::size_t i = 0; i < packages.size(); ++i) {
    if (IsOsPackage(packages[i].type)) {
      os_packages.push_back(i);
    }
  }
  std::sort(os_packages.begin(), os_packages.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(packages[a].type, packages[a].name, packages[a].arch) <
           std::tie(packages[b].type, packages[b].name, packages[b].arch);
  });
  for (std::size_t os_index : os_packages) {
    const Package& os_package = packages[os_index];
    const std::string owner = fmt::format("{}:{}", PackageTypeName(os_package.type), os_package.name);
    for (const std::string& file : os_package.files) {
      // Only files whose name some evidence uses (a package.json, a METADATA) are worth resolving; a link in the
      // file's own name (rare) is followed by Canonical for those.
      if (!base_names.contains(std::string(BaseNameOf(file)))) {
        continue;
      }
      auto it = evidence.find(canonicalizer.Canonical(file));
      if (it == evidence.end()) {
        continue;
      }
      for (std::size_t index : it->second) {
        if (packages[index].owner.empty()) {
          packages[index].owner = owner;
        }
      }
    }
  }
}

}  // namespace customs::catalog
