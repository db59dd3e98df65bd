// The event model shared by every event source (BPF sensor, JSONL replay, fake source) and the rule engine.
// An Event is one observed syscall (or process exit), already enriched with process ancestry and container
// attribution. Sources reuse one Event object per slot so steady-state processing does not allocate: strings keep
// their capacity between events.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "runtime/containers/metadata.h"

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
  kAccept,
  kAccept4,
  kBind,
  kListen,
  kSocket,
  kDup,
  kDup2,
  kDup3,
  kClose,
  kChmod,
  kFchmod,
  kFchmodat,
  kMemfdCreate,
  kSymlink,
  kSymlinkat,
  kLink,
  kLinkat,
  kSendto,
  kSendmsg,
  kRecvfrom,
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

// What an fd refers to (Falco's fd.type / fd.typechar).
enum class FdKind : uint8_t {
  kNone,  // no fd involved, or unknown
  kFile,
  kDirectory,
  kIpv4,
  kIpv6,
  kUnix,
  kPipe,
  kEvent,
  kSignalfd,
  kEventpoll,
  kInotify,
  kTimerfd,
  kNetlink,
  kMemfd,
  kOther,
};
std::string_view FdKindName(FdKind kind);      // "file", "ipv4", ... (Falco's fd.type)
std::string_view FdKindTypechar(FdKind kind);  // "f", "4", ... (Falco's fd.typechar)
std::optional<FdKind> FdKindFromName(std::string_view name);

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
  std::string login_name;  // the name of loginuid (user.loginname); empty = unknown
  int ancestor_count = 0;
  std::array<AncestorInfo, kMaxAncestors> ancestors;
  uint64_t proc_start_ns = 0;  // wall clock start of the process (proc.duration); 0 = unknown
  // Capabilities of the thread (kernel_cap_t bit masks; thread.cap_*). caps_known false: not captured.
  bool caps_known = false;
  uint64_t cap_effective = 0;
  uint64_t cap_permitted = 0;
  uint64_t cap_inheritable = 0;
  // The init process of the task's pid namespace (the container's init): with cgroup_id it identifies one instance
  // of a container (a restarted container keeps its id but gets a new init and cgroup).
  int64_t pidns_init_pid = 0;
  uint64_t pidns_init_start_ns = 0;  // wall clock

  // Container attribution. container_id empty = host. `container` holds the engine's metadata when known (it may
  // be null, or have from_engine false, while the engine has not answered).
  uint64_t cgroup_id = 0;
  std::string container_id;  // full id
  std::shared_ptr<const ContainerMetadata> container;

  // File events: path (fd.name: open, chmod, unlink, rename source, mount target, symlink target, link source,
  // memfd name), normalised to an absolute path where the syscall resolves it; path2 (rename/link target, symlink
  // linkpath, mount source); path_raw (fd.nameraw: the path as the program passed it).
  std::string path;
  std::string path2;
  std::string path_raw;
  uint32_t flags = 0;  // open flags (O_*), mount flags, module flags, accept4/dup3/memfd flags
  uint32_t mode = 0;   // open/chmod mode
  int64_t fd = -1;     // the fd the syscall worked on (connect, bind, listen, dup's old fd, sendto, close, fchmod)

  // What `fd` refers to (connect/accept/bind/listen/dup/sendto/socket/close: read from the kernel's fd table).
  FdKind fd_kind = FdKind::kNone;
  uint8_t l4proto = 0;           // IPPROTO_TCP 6, IPPROTO_UDP 17, IPPROTO_ICMP 1, 255 raw; 0 unknown
  bool fd_connected = false;     // the socket is connected (fd.connected)
  bool fd_name_changed = false;  // this event set the socket's peer (connect, sendto with an address)
  bool server_is_local = false;  // accept/bind/listen: the local end is the server (fd.sip/fd.sport)

  // Network endpoints. family 0 = none, 2 = AF_INET, 10 = AF_INET6, 1 = AF_UNIX (path holds the socket path).
  uint8_t family = 0;
  std::array<uint8_t, 16> remote_addr{};
  uint16_t remote_port = 0;
  std::array<uint8_t, 16> local_addr{};
  uint16_t local_port = 0;

  // Generic numeric arguments: setuid/setgid target id (arg0), ptrace request (arg0) and target pid (arg1),
  // socket domain/type/protocol (arg0/arg1/arg2), dup2/dup3 new fd (arg0).
  int64_t arg0 = 0;
  int64_t arg1 = 0;
  int64_t arg2 = 0;

  // Resets every field, keeping string capacity. Ancestors past ancestor_count (0 after Clear) keep their text and
  // must not be read.
  void Clear();
};

// Recomputes derived fields (cmdline) after a source filled the event.
void FinishEvent(Event& event);

// Serialises one event as a single JSON object (one JSONL line, no newline). This is the format of --record and
// --replay; see docs/runtime/events.md.
std::string EventToJson(const Event& event);

// Parses one JSONL line into `event` (which is cleared first). Errors: kCorrupt with the reason.
[[nodiscard]] Status EventFromJson(std::string_view line, Event& event);

// The "container" object of the JSONL format (also used by the engines' tests).
nlohmann::json ContainerMetadataToJson(const ContainerMetadata& metadata);
[[nodiscard]] Status ContainerMetadataFromJson(const nlohmann::json& j, ContainerMetadata* metadata);

// Formats the remote address as text ("10.0.0.1", "::1"); empty when family is not AF_INET/AF_INET6.
std::string FormatAddress(const Event& event);
// The same for any 4- or 16-byte address of `family`.
std::string FormatIp(uint8_t family, const uint8_t* addr);
// Parses "a.b.c.d" or an IPv6 literal into family/addr. Returns false on bad input.
bool ParseAddress(std::string_view text, uint8_t* family, std::array<uint8_t, 16>* addr);

// errno name for a negative result ("ENOENT"), or "SUCCESS" for res >= 0.
std::string_view ResultName(int64_t res);

// Open flags rendered Falco-style: "O_RDONLY|O_CLOEXEC".
std::string FormatOpenFlags(uint32_t flags);
// The same into an existing string (reuses its capacity: no allocation on the hot path).
void FormatOpenFlagsTo(uint32_t flags, std::string* out);

}  // namespace customs::runtime
