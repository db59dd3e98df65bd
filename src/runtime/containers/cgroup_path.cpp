#include "runtime/containers/cgroup_path.h"

#include <sys/statfs.h>

#include <vector>

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

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}
bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The pod UID of a kubepods component: "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid>.slice" (systemd, where
// the UID's dashes are underscores).
std::string PodUid(std::string_view component) {
  size_t at = component.rfind("pod");
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view rest = component.substr(at + 3);
  if (EndsWith(rest, ".slice")) {
    rest.remove_suffix(6);
  }
  if (rest.size() < 8) {
    return {};
  }
  std::string uid(rest);
  for (char& c : uid) {
    if (c == '_') {
      c = '-';
    }
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-') {
      return {};
    }
  }
  return uid;
}

struct Pattern {
  std::string_view prefix;
  std::string_view suffix;
  ContainerEngine engine;
};

// Checked in order; helper scopes (conmon) are excluded before the container patterns.
constexpr Pattern kPatterns[] = {
    {"docker-", ".scope", ContainerEngine::kDocker},
    {"libpod-", ".scope", ContainerEngine::kPodman},
    {"cri-containerd-", ".scope", ContainerEngine::kCri},
    {"crio-", ".scope", ContainerEngine::kCrio},
    {"libpod-", "", ContainerEngine::kPodman},
    {"crio-", "", ContainerEngine::kCrio},
    {"cri-containerd-", "", ContainerEngine::kCri},
};

}  // namespace

std::optional<CgroupContainer> ParseContainerCgroup(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    if (slash > start) {
      parts.push_back(path.substr(start, slash - start));
    }
    start = slash + 1;
  }
  bool kubepods = false;
  std::string pod_uid;
  for (std::string_view part : parts) {
    if (StartsWith(part, "kubepods")) {
      kubepods = true;
    }
    if (kubepods && pod_uid.empty() && (StartsWith(part, "pod") || part.find("-pod") != std::string_view::npos)) {
      pod_uid = PodUid(part);
    }
  }
  auto prefix = [&](size_t i) {
    std::string out;
    for (size_t j = 0; j <= i; ++j) {
      out += '/';
      out += parts[j];
    }
    return out;
  };
  // From the leaf upwards: the innermost container wins.
  for (size_t i = parts.size(); i-- > 0;) {
    std::string_view leaf = parts[i];
    std::string_view parent = i > 0 ? parts[i - 1] : std::string_view();
    if (StartsWith(leaf, "libpod-conmon-") || StartsWith(leaf, "crio-conmon-")) {
      continue;
    }
    for (const Pattern& p : kPatterns) {
      if (leaf.size() > p.prefix.size() + p.suffix.size() && StartsWith(leaf, p.prefix) && EndsWith(leaf, p.suffix)) {
        std::string_view id = leaf.substr(p.prefix.size(), leaf.size() - p.prefix.size() - p.suffix.size());
        if (IsHex(id) && id.size() >= 12) {
          CgroupContainer out{p.engine, std::string(id), kubepods ? pod_uid : std::string(), prefix(i), {}};
          if (out.engine == ContainerEngine::kCri && !kubepods) {
            out.engine = ContainerEngine::kContainerd;
          }
          return out;
        }
      }
    }
    if (IsHex(leaf) && leaf.size() == 64) {
      ContainerEngine engine = ContainerEngine::kUnknown;
      if (parent == "docker") {
        engine = ContainerEngine::kDocker;
      } else if (kubepods) {
        engine = ContainerEngine::kCri;
      }
      return CgroupContainer{engine, std::string(leaf), kubepods ? pod_uid : std::string(), prefix(i), {}};
    }
    if ((parent == "docker" || parent == "libpod_parent") && IsHex(leaf) && leaf.size() >= 12) {
      return CgroupContainer{parent == "docker" ? ContainerEngine::kDocker : ContainerEngine::kPodman,
                             std::string(leaf),
                             {},
                             prefix(i),
                             {}};
    }
  }
  return std::nullopt;
}

std::optional<std::string> ContainerIdFromCgroupPath(std::string_view path) {
  auto parsed = ParseContainerCgroup(path);
  if (!parsed) {
    return std::nullopt;
  }
  return parsed->id;
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

}  // namespace customs::runtime
