// What each container engine says about a container, and where it says it:
//   docker      GET /containers/{id}/json (+ /images/{id}/json for the repository digest) on its API socket;
//               without the API, <data-root>/containers/<id>/config.v2.json and hostconfig.json
//   podman      its API socket (the docker-compatible GET /containers/{id}/json) when given; otherwise
//               <storage>/overlay-containers/containers.json and <id>/userdata/config.json
//   containerd  the task bundle <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json; CRI containers
//               carry io.kubernetes.cri.* annotations (container and pod names, pod namespace and UID, image); the
//               pod's and the container's labels come from the CRI API (PodSandboxStatus, ContainerStatus), a
//               `ctr run` container's image and labels from containerd's containers API (containers.v1 Get)
//   CRI-O       <storage>/overlay-containers/<id>/userdata/config.json: io.kubernetes.cri-o.* annotations; the pod
//               labels are the sandbox's io.kubernetes.cri-o.Labels
//   runc        <root>/<id>/state.json (init pid and start, cgroup, bundle, OCI annotations as labels)
// The parsers are pure (fuzzed); EngineClient does the I/O and may block up to its timeout per call: only the
// registry's worker thread calls it, never the event loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/containers/cgroup_path.h"
#include "runtime/containers/metadata.h"

namespace customs::runtime {

// --- Parsers (no I/O). Errors: kCorrupt with the reason. ---

// A docker/podman-compat inspect document or docker's config.v2.json: id, name, image, image id, labels,
// privileged (HostConfig), start time.
[[nodiscard]] Status ParseDockerInspect(std::string_view json, ContainerMetadata* out);
// docker's hostconfig.json: Privileged.
[[nodiscard]] Status ParseDockerHostConfig(std::string_view json, ContainerMetadata* out);
// GET /images/{id}/json: the first RepoDigests entry's digest.
[[nodiscard]] Status ParseDockerImageInspect(std::string_view json, ContainerMetadata* out);
// containers/storage's containers.json: every container's id, name and image name.
[[nodiscard]] Result<std::vector<ContainerMetadata>> ParsePodmanContainersJson(std::string_view json);
// An OCI runtime config (config.json): annotations (ApplyAnnotations) and, from the spec, privileged (all
// capabilities including CAP_SYS_ADMIN and no masked paths: what docker, podman and CRI do for --privileged).
[[nodiscard]] Status ParseOciConfig(std::string_view json, ContainerMetadata* out);
// CRI (containerd io.kubernetes.cri.*, CRI-O io.kubernetes.cri-o.*) and podman annotations.
void ApplyAnnotations(const Labels& annotations, ContainerMetadata* out);

struct RuncState {
  std::string id;
  int64_t init_pid = 0;
  uint64_t init_start_ticks = 0;  // /proc/<pid>/stat start time (clock ticks since boot)
  std::string unified_cgroup;     // absolute path of its cgroup in the unified hierarchy
  std::string bundle;
  Labels annotations;  // the OCI annotations runc keeps as "key=value" labels
};
[[nodiscard]] Result<RuncState> ParseRuncState(std::string_view json);

// "2026-12-03T10:05:04.793066648Z" (RFC 3339, UTC or +hh:mm) -> ns since the epoch; 0 if unparsable or zero time.
uint64_t ParseRfc3339Ns(std::string_view text);

// --- Engine access. ---

struct EngineConfig {
  std::string docker_socket = "/var/run/docker.sock";
  std::filesystem::path docker_root = "/var/lib/docker";
  std::string podman_socket;  // empty: storage files only
  std::filesystem::path podman_root = "/var/lib/containers/storage";
  std::filesystem::path containerd_state = "/run/containerd";
  std::filesystem::path crio_root = "/var/lib/containers/storage";
  std::vector<std::filesystem::path> runc_roots = {"/run/runc", "/run/containerd/runc", "/run/docker/runtime-runc"};
  // CRI endpoints asked for pod and container labels (containerd serves the CRI on its main socket); the containerd
  // socket for the containers API. Unreachable ones are skipped.
  std::vector<std::string> cri_sockets = {"/run/containerd/containerd.sock", "/run/crio/crio.sock"};
  std::string containerd_socket = "/run/containerd/containerd.sock";
  std::chrono::milliseconds timeout{2000};
};

// GET http://localhost<path> over a Unix socket. Errors: kNetwork (unreachable, timeout), kNotFound (404),
// kIo (other status). The body is bounded (8 MiB).
[[nodiscard]] Result<std::string> UnixSocketGet(const std::string& socket, const std::string& path,
                                                std::chrono::milliseconds timeout);

class EngineClient {
 public:
  explicit EngineClient(EngineConfig config) : config_(std::move(config)) {}
  const EngineConfig& config() const { return config_; }

  // Everything the engines say about the container a cgroup belongs to. Never fails: what cannot be learned
  // stays empty (from_engine false when no engine knew the id).
  ContainerMetadata Fetch(const CgroupContainer& where);

  // A cgroup that matches no known layout: is it a containerd task (`ctr run`: /<namespace>/<id>) or listed in a
  // runc state directory? (Stat and small file reads; the registry's worker thread calls it.)
  std::optional<CgroupContainer> Classify(std::string_view relative_path, const std::filesystem::path& absolute_dir);

 private:
  bool FetchDocker(const std::string& id, ContainerMetadata* out);
  bool FetchPodman(const std::string& id, ContainerMetadata* out);
  bool FetchContainerd(const std::string& id, const std::string& ns, ContainerMetadata* out);
  // Labels from the CRI (pod and container) and, for a container outside Kubernetes, containerd's containers API.
  void AddCriLabels(const std::string& id, ContainerMetadata* out);
  void AddContainerdRecord(const std::string& id, const std::string& ns, ContainerMetadata* out);
  bool FetchCrio(const std::string& id, ContainerMetadata* out);
  bool FetchRunc(const std::string& id, ContainerMetadata* out);
  std::optional<RuncState> FindRuncState(const std::string& id);
  EngineConfig config_;
};

}  // namespace customs::runtime
