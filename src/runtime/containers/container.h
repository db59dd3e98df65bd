// Part `containers/` of runtime: which container an event belongs to, and what the engines say about it. It turns
// cgroup ids and paths into container ids and metadata; it never blocks the event loop on an engine.
//
// Container attribution: cgroup path -> container id, and the cgroup v2 id (inode of the cgroup directory, the
// value of bpf_get_current_cgroup_id()) -> path, name and image, read from the runtimes' state where readable.
// Layouts (FIELD-NOTES): docker `/docker/<id>`, `docker-<id>.scope`; podman `libpod-<id>.scope`,
// `/libpod_parent/libpod-<id>`; CRI-O `crio-<id>`; containerd `cri-containerd-<id>.scope`; plain runc: a cgroup
// listed in /run/runc/*/state.json, or a leaf named by a 64-hex id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace customs::runtime {

// The container id named by a cgroup path, or nullopt for a host cgroup.
std::optional<std::string> ContainerIdFromCgroupPath(std::string_view path);

struct ContainerInfo {
  std::string id;  // full id; empty = host
  std::string name;
  std::string image;
  std::filesystem::path cgroup_dir;  // absolute directory in the unified hierarchy
};

// The cgroup2 mount: /sys/fs/cgroup/unified on hybrid layouts, else /sys/fs/cgroup.
std::filesystem::path UnifiedCgroupRoot();

// Maps cgroup ids to containers. Thread-safe. Lookups of unknown ids rescan lazily (once per id).
class ContainerResolver {
 public:
  explicit ContainerResolver(std::filesystem::path cgroup_root = UnifiedCgroupRoot(),
                             std::filesystem::path runc_root = "/run/runc");
  // Walks the whole hierarchy (startup) so known cgroups are attributed without a rescan.
  void Scan();
  // The container of a cgroup id; an id not found in the hierarchy is treated as host.
  ContainerInfo Resolve(uint64_t cgroup_id);
  // Resolves through /proc/<pid>/cgroup (the "0::" line) when the cgroup id is unknown (replay, races).
  ContainerInfo ResolvePid(int64_t pid);
  // Every container cgroup currently known (for BPF maps): id -> info.
  std::map<uint64_t, ContainerInfo> Known();

 private:
  ContainerInfo FromPath(const std::filesystem::path& dir);
  void LoadRuncState();
  std::filesystem::path cgroup_root_;
  std::filesystem::path runc_root_;
  std::mutex mutex_;
  std::map<uint64_t, ContainerInfo> by_id_;
  std::map<std::string, ContainerInfo> runc_by_cgroup_;  // relative cgroup path -> info from runc state
};

}  // namespace customs::runtime
