// Which container a cgroup path names, from the layouts the engines use (FIELD-NOTES "Container engines"):
//   docker      /docker/<id>                         system.slice/docker-<id>.scope
//   podman      /libpod_parent/libpod-<id>           machine.slice/libpod-<id>.scope[/container]
//   CRI-O       /kubepods/.../crio-<id>              kubepods-*.slice/crio-<id>.scope
//   containerd  /kubepods/<qos>/pod<uid>/<id> (CRI)  kubepods-*.slice/cri-containerd-<id>.scope
//   runc        a leaf named by a 64-hex id
// Conmon and other helper scopes (libpod-conmon-<id>.scope, crio-conmon-<id>.scope) are not containers. The innermost
// container in the path wins. Pure functions: no I/O, safe on any input.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/containers/metadata.h"

namespace customs::runtime {

struct CgroupContainer {
  ContainerEngine engine = ContainerEngine::kUnknown;  // kCri: a kubepods path (containerd or CRI-O decides)
  std::string id;                                      // full id as in the path
  std::string pod_uid;                                 // from a kubepods path ("pod<uid>", underscores -> dashes)
  std::string container_path;  // the path up to the component that names the container (what a kill empties)
  std::string ns;              // containerd namespace (ctr run: /<ns>/<name>); set by the registry
};

std::optional<CgroupContainer> ParseContainerCgroup(std::string_view path);

// The container id named by a cgroup path, or nullopt for a host cgroup (ParseContainerCgroup's id).
std::optional<std::string> ContainerIdFromCgroupPath(std::string_view path);

// The cgroup2 mount: /sys/fs/cgroup/unified on hybrid layouts, else /sys/fs/cgroup.
std::filesystem::path UnifiedCgroupRoot();

}  // namespace customs::runtime
