// Process state for enrichment: name, executable, command line and parent of every live process, seeded from /proc
// at start-up (so processes started before the monitor are attributed) and kept current by exec/exit events.
// Also resolves user and group names (the host's /etc/passwd, or the container's through /proc/<pid>/root).
// Not thread-safe: the event loop owns it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "runtime/event.h"

namespace customs::runtime {

struct ProcessEntry {
  int64_t ppid = 0;
  std::string name;
  std::string exepath;
  std::string cmdline;
};

class ProcessTable {
 public:
  explicit ProcessTable(std::string proc_root = "/proc") : proc_root_(std::move(proc_root)) {}
  // Reads every /proc/<pid>. Returns the number of processes read.
  size_t Scan();
  void OnExec(int64_t pid, int64_t ppid, std::string_view name, std::string_view exepath, std::string_view cmdline);
  void OnExit(int64_t pid);
  // The entry for `pid`, read from /proc on a miss; nullptr if the process is gone.
  const ProcessEntry* Lookup(int64_t pid);
  // Fills event.ancestors from event.ppid upwards (at most kMaxAncestors). When `event` still holds the ancestors
  // of the same process filled by the previous call and no process started or ended since, they are reused (the
  // common case: a process making one syscall after another).
  void FillAncestors(Event& event);
  size_t size() const { return entries_.size(); }

 private:
  bool ReadProc(int64_t pid, ProcessEntry* entry);
  std::string proc_root_;
  std::unordered_map<int64_t, ProcessEntry> entries_;
  uint64_t generation_ = 0;  // bumped by every change of the table
  const Event* filled_event_ = nullptr;
  int64_t filled_pid_ = -1;
  int64_t filled_ppid_ = -1;
  int filled_count_ = 0;
  uint64_t filled_generation_ = ~uint64_t{0};
};

// uid/gid -> name, per root filesystem (host "/" or a container's /proc/<pid>/root), cached.
class UserNames {
 public:
  // Names for `uid`/`gid` in the filesystem of process `pid` (container_key "" = host). Empty when unknown.
  std::string_view User(const std::string& container_key, int64_t pid, uint32_t uid);
  std::string_view Group(const std::string& container_key, int64_t pid, uint32_t gid);

 private:
  struct Db {
    std::unordered_map<uint32_t, std::string> users, groups;
  };
  Db& Load(const std::string& container_key, int64_t pid);
  std::unordered_map<std::string, Db> dbs_;
};

// Lexically normalises a path ("/a/./b/../c" -> "/a/c"); a relative path is joined to `base` first (Falco's fd.name;
// the raw path is fd.nameraw). Symlinks are not resolved.
std::string NormalizePath(std::string_view path, std::string_view base);

// A /proc/<pid>/<link> target (cwd, fd/N) as the process sees it: readlink gives it relative to our root, so the
// process's root (/proc/<pid>/root, a container's rootfs) is stripped. Empty if unreadable.
std::string ProcPathInRoot(int64_t pid, std::string_view link);

}  // namespace customs::runtime
