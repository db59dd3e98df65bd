#include "runtime/containers/container.h"

#include <sys/stat.h>
#include <sys/statfs.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_util.h"

namespace customs::runtime {
namespace {

constexpr int64_t kCgroup2Magic = 0x63677270;

bool IsHex(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string RelativeCgroupPath(const std::filesystem::path& root, const std::filesystem::path& dir) {
  std::string rel = dir.lexically_relative(root).generic_string();
  if (rel == ".") {
    return "/";
  }
  return "/" + rel;
}

}  // namespace

std::optional<std::string> ContainerIdFromCgroupPath(std::string_view path) {
  // Look at the components from the leaf upwards: the innermost container wins.
  struct Pattern {
    std::string_view prefix;
    std::string_view suffix;
  };
  static constexpr Pattern kPatterns[] = {
      {"docker-", ".scope"}, {"libpod-", ".scope"}, {"cri-containerd-", ".scope"}, {"crio-", ".scope"},
      {"libpod-", ""},       {"crio-", ""},         {"cri-containerd-", ""},
  };
  std::string_view rest = path;
  while (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  std::string_view parent_name;
  while (!rest.empty()) {
    size_t slash = rest.rfind('/');
    std::string_view leaf = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
    std::string_view parent = slash == std::string_view::npos ? std::string_view() : rest.substr(0, slash);
    size_t pslash = parent.rfind('/');
    parent_name = pslash == std::string_view::npos ? parent : parent.substr(pslash + 1);
    for (const Pattern& p : kPatterns) {
      if (leaf.size() > p.prefix.size() + p.suffix.size() && leaf.substr(0, p.prefix.size()) == p.prefix &&
          leaf.substr(leaf.size() - p.suffix.size()) == p.suffix) {
        std::string_view id = leaf.substr(p.prefix.size(), leaf.size() - p.prefix.size() - p.suffix.size());
        if (id.find(".scope") != std::string_view::npos) {
          continue;  // "crio-conmon-<id>.scope" etc.
        }
        if (IsHex(id) && id.size() >= 12) {
          return std::string(id);
        }
      }
    }
    // /docker/<id>, /kubepods/.../<id>, plain runc with a 64-hex id as its cgroup name.
    if (IsHex(leaf) && leaf.size() == 64) {
      return std::string(leaf);
    }
    if ((parent_name == "docker" || parent_name == "libpod_parent") && IsHex(leaf) && leaf.size() >= 12) {
      return std::string(leaf);
    }
    rest = parent;
  }
  return std::nullopt;
}

std::filesystem::path UnifiedCgroupRoot() {
  for (const char* candidate : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs fs;
    if (statfs(candidate, &fs) == 0 && static_cast<int64_t>(fs.f_type) == kCgroup2Magic) {
      return candidate;
    }
  }
  return "/sys/fs/cgroup/unified";
}

ContainerResolver::ContainerResolver(std::filesystem::path cgroup_root, std::filesystem::path runc_root)
    : cgroup_root_(std::move(cgroup_root)), runc_root_(std::move(runc_root)) {}

void ContainerResolver::LoadRuncState() {
  runc_by_cgroup_.clear();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runc_root_, ec)) {
    auto text = ReadFile(entry.path() / "state.json", 4 << 20);
    if (!text) {
      continue;
    }
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      continue;
    }
    ContainerInfo info;
    info.id = j.value("id", entry.path().filename().string());
    info.name = info.id;
    // runc keeps the OCI annotations in its config; podman/CRI write the image name there.
    if (auto config = j.find("config"); config != j.end() && config->is_object()) {
      if (auto labels = config->find("labels"); labels != config->end() && labels->is_array()) {
        for (const auto& label : *labels) {
          if (!label.is_string()) {
            continue;
          }
          std::string text_label = label.get<std::string>();
          for (const char* key :
               {"io.kubernetes.cri.image-name=", "org.opencontainers.image.ref.name=", "io.container.manager.image="}) {
            if (text_label.rfind(key, 0) == 0) {
              info.image = text_label.substr(std::strlen(key));
            }
          }
          if (text_label.rfind("io.kubernetes.cri.container-name=", 0) == 0) {
            info.name = text_label.substr(std::strlen("io.kubernetes.cri.container-name="));
          }
        }
      }
    }
    if (auto paths = j.find("cgroup_paths"); paths != j.end() && paths->is_object()) {
      for (const auto& [controller, value] : paths->items()) {
        if (!value.is_string()) {
          continue;
        }
        std::filesystem::path dir = value.get<std::string>();
        if (controller == "" || controller == "unified" || dir.string().rfind(cgroup_root_.string(), 0) == 0) {
          runc_by_cgroup_[RelativeCgroupPath(cgroup_root_, dir)] = info;
        }
      }
    }
  }
}

ContainerInfo ContainerResolver::FromPath(const std::filesystem::path& dir) {
  ContainerInfo info;
  info.cgroup_dir = dir;
  std::string rel = RelativeCgroupPath(cgroup_root_, dir);
  // runc state first (it has names); a runc container's sub-cgroups belong to it too.
  for (std::string prefix = rel; !prefix.empty();) {
    auto it = runc_by_cgroup_.find(prefix);
    if (it != runc_by_cgroup_.end()) {
      info.id = it->second.id;
      info.name = it->second.name;
      info.image = it->second.image;
      return info;
    }
    size_t slash = prefix.rfind('/');
    if (slash == 0 || slash == std::string::npos) {
      break;
    }
    prefix.resize(slash);
  }
  if (auto id = ContainerIdFromCgroupPath(rel)) {
    info.id = *id;
  }
  return info;
}

void ContainerResolver::Scan() {
  std::lock_guard lock(mutex_);
  LoadRuncState();
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(cgroup_root_,
                                                   std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) {
      continue;
    }
    struct stat st;
    if (stat(it->path().c_str(), &st) != 0) {
      continue;
    }
    by_id_[st.st_ino] = FromPath(it->path());
  }
  struct stat st;
  if (stat(cgroup_root_.c_str(), &st) == 0) {
    by_id_[st.st_ino] = FromPath(cgroup_root_);
  }
}

ContainerInfo ContainerResolver::Resolve(uint64_t cgroup_id) {
  {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(cgroup_id);
    if (it != by_id_.end()) {
      return it->second;
    }
  }
  Scan();
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(cgroup_id);
  if (it != by_id_.end()) {
    return it->second;
  }
  ContainerInfo host;
  by_id_[cgroup_id] = host;  // not in the hierarchy (gone already): host, and no rescan storm
  return host;
}

ContainerInfo ContainerResolver::ResolvePid(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) {
      std::filesystem::path dir = cgroup_root_ / line.substr(4);
      struct stat st;
      if (stat(dir.c_str(), &st) == 0) {
        return Resolve(st.st_ino);
      }
      std::lock_guard lock(mutex_);
      return FromPath(dir);
    }
  }
  return {};
}

std::map<uint64_t, ContainerInfo> ContainerResolver::Known() {
  std::lock_guard lock(mutex_);
  return by_id_;
}

}  // namespace customs::runtime
