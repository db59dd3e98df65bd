// Part `containers/` of runtime: which container an event belongs to, and what the engines say about it.
//
// ContainerRegistry maps cgroup v2 ids (bpf_get_current_cgroup_id(): the inode of the cgroup directory) to
// containers, and container ids to their metadata. Cgroups come from a walk of the unified hierarchy at start-up and
// then from the sensor's cgroup_mkdir events, so a container is known before its first process runs. Metadata is
// cached by container id and fetched, or refreshed when the container starts again, on the registry's own worker
// thread (EngineClient, which may block on an engine's socket). The event loop only reads: Lookup() and Metadata()
// take a short lock and never do I/O.
//
// Thread-safe. Entries and metadata are immutable once published (shared_ptr<const ...>).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/containers/cgroup_path.h"
#include "runtime/containers/engines.h"
#include "runtime/containers/metadata.h"

namespace customs::runtime {

struct CgroupEntry {
  uint64_t id = 0;
  std::string path;                     // relative to the unified root: "/docker/<id>"
  std::filesystem::path dir;            // absolute directory
  std::string container_id;             // empty = host
  CgroupContainer where;                // how the container was recognised (engine, pod UID, namespace)
  std::filesystem::path container_dir;  // the container's own cgroup (what kill_container empties)
  bool classifying = false;             // the path matched no layout; the worker is still checking the engines' state
};

class ContainerRegistry {
 public:
  explicit ContainerRegistry(EngineConfig config = {}, std::filesystem::path cgroup_root = UnifiedCgroupRoot());
  ~ContainerRegistry();  // stops the worker

  // Walks the unified hierarchy and records every cgroup; queues a metadata fetch for every container found.
  void Scan();
  // Starts the worker thread (metadata fetches, classification of cgroups no layout names).
  void Start();

  // The sensor saw a cgroup made (container start) or removed. `path` is relative to the unified root.
  std::shared_ptr<const CgroupEntry> OnCgroupCreated(uint64_t cgroup_id, std::string_view path);
  void OnCgroupRemoved(uint64_t cgroup_id);

  // Event loop: the entry of a cgroup id, or null when unknown (then ResolvePid).
  std::shared_ptr<const CgroupEntry> Lookup(uint64_t cgroup_id) const;
  // The cgroup of a process from /proc/<pid>/cgroup (the "0::" line), recorded as if created. Null if gone.
  std::shared_ptr<const CgroupEntry> ResolvePid(int64_t pid);

  struct MetadataState {
    std::shared_ptr<const ContainerMetadata> metadata;  // null while pending
    bool pending = false;                               // never fetched yet: the first fetch is queued or running
  };
  MetadataState Metadata(const std::string& container_id) const;

  // Container ids whose metadata was (re)published since the last call (the sensor refreshes kernel policy).
  std::vector<std::string> TakeUpdated();
  // Every known cgroup (the sensor's kernel verdict map).
  std::vector<std::shared_ptr<const CgroupEntry>> Entries() const;

  // Test helpers: wait until the worker has nothing queued (true) or the timeout passed (false); publish metadata
  // directly.
  bool WaitIdle(std::chrono::milliseconds timeout);
  void Publish(ContainerMetadata metadata);

  const std::filesystem::path& cgroup_root() const { return cgroup_root_; }
  uint64_t fetches() const;

 private:
  struct Task {
    enum class Kind { kFetch, kClassify } kind;
    std::string container_id;
    CgroupContainer where;
    uint64_t cgroup_id = 0;
    int attempt = 0;
    std::chrono::steady_clock::time_point not_before;
  };
  struct MetaEntry {
    std::shared_ptr<const ContainerMetadata> metadata;
    bool queued = false;
  };
  std::shared_ptr<const CgroupEntry> Record(uint64_t cgroup_id, std::string_view path);  // mutex_ held
  void QueueFetch(const CgroupContainer& where);                                         // mutex_ held
  void Run();
  void RunTask(const Task& task);

  EngineClient client_;
  std::filesystem::path cgroup_root_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<uint64_t, std::shared_ptr<const CgroupEntry>> cgroups_;
  std::unordered_map<std::string, MetaEntry> containers_;
  std::deque<Task> tasks_;
  size_t running_ = 0;
  uint64_t fetches_ = 0;
  std::vector<std::string> updated_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace customs::runtime
