// The event model shared by every event source (BPF sensor, JSONL replay, fake source) and the rule engine.
// An Event is one observed syscall (or process exit), already enriched with process ancestry and container
// attribution. Sources reuse one Event object per slot so steady-state processing does not allocate: strings keep
// their capacity between events.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace customs::runtime {

// Event types the sensor can produce. Names (EventTypeName) are Falco's evt.type values.
enum class EventType : uint8_t {
  kExecve,
  kExecveat,
  kProcExit,
  kConnect,
  kOpen,
  kOpenat,
  kOpenat2,
  kSetuid,
  kSetgid,
  kSetreuid,
  kSetregid,
  kSetresuid,
  kSetresgid,
  kPtrace,
  kMount,
  kInitModule,
  kFinitModule,
  kUnlink,
  kUnlinkat,
  kRename,
  kRenameat,
  kRenameat2,
  kCount,
};
inline constexpr int kEventTypeCount = static_cast<int>(EventType::kCount);

std::string_view EventTypeName(EventType type);
std::optional<EventType> EventTypeFromName(std::string_view name);

// One ancestor of the process (index 0 = parent).
struct AncestorInfo {
  int64_t pid = 0;
  std::string name;
  std::string exepath;
  std::string cmdline;
};

inline constexpr int kMaxAncestors = 8;

struct Event {
  EventType type = EventType::kExecve;
  uint64_t time_ns = 0;  // wall clock, nanoseconds since the epoch
  uint64_t num = 0;      // sequence number assigned by the source
  int64_t res = 0;       // syscall result; negative = -errno

  // The process that made the syscall.
  int64_t pid = 0;
  int64_t tid = 0;
  int64_t ppid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t loginuid = UINT32_MAX;
  uint32_t tty = 0;
  bool exe_upper_layer = false;
  bool exe_from_memfd = false;
  bool killed_by_sensor = false;  // the sensor already sent SIGKILL in the exec tracepoint (kill_process)
  std::string name;               // comm (proc.name)
  std::string exe;                // argv[0] (proc.exe)
  std::string exepath;            // full executable path (proc.exepath)
  std::string args;               // argv[1..] joined by spaces (proc.args)
  std::string cmdline;            // name + " " + args (proc.cmdline); kept in sync by FinishEvent()
  std::string cwd;
  std::string user_name;  // resolved by the source; empty = unknown
  std::string group_name;
  int ancestor_count = 0;
  std::array<AncestorInfo, kMaxAncestors> ancestors;

  // Container attribution. container_id empty = host.
  uint64_t cgroup_id = 0;
  std::string container_id;  // full id
  std::string container_name;
  std::string container_image;  // repository[:tag]

  // File events: path (open, unlink, rename source, mount target); path2 (rename target, mount source).
  std::string path;
  std::string path2;
  uint32_t flags = 0;  // open flags (O_*), mount flags, module flags
  uint32_t mode = 0;
  int64_t fd = -1;  // fd returned by open / socket fd of connect

  // Network (connect): the remote endpoint. family 0 = none, 2 = AF_INET, 10 = AF_INET6.
  uint8_t family = 0;
  std::array<uint8_t, 16> remote_addr{};
  uint16_t remote_port = 0;

  // Generic numeric arguments: setuid/setgid target id (arg0), ptrace request (arg0) and target pid (arg1).
  int64_t arg0 = 0;
  int64_t arg1 = 0;

  // Resets every field, keeping string capacity.
  void Clear();
};

// Recomputes derived fields (cmdline) after a source filled the event.
void FinishEvent(Event& event);

// Serialises one event as a single JSON object (one JSONL line, no newline). This is the format of --record and
// --replay; see docs/runtime/events.md.
std::string EventToJson(const Event& event);

// Parses one JSONL line into `event` (which is cleared first). Errors: kCorrupt with the reason.
[[nodiscard]] Status EventFromJson(std::string_view line, Event& event);

// Formats a remote address as text ("10.0.0.1", "::1"); empty when family is 0.
std::string FormatAddress(const Event& event);
// Parses "a.b.c.d" or an IPv6 literal into family/addr. Returns false on bad input.
bool ParseAddress(std::string_view text, uint8_t* family, std::array<uint8_t, 16>* addr);

// errno name for a negative result ("ENOENT"), or "SUCCESS" for res >= 0.
std::string_view ResultName(int64_t res);

// Open flags rendered Falco-style: "O_RDONLY|O_CLOEXEC".
std::string FormatOpenFlags(uint32_t flags);
// The same into an existing string (reuses its capacity: no allocation on the hot path).
void FormatOpenFlagsTo(uint32_t flags, std::string* out);

}  // namespace customs::runtime
