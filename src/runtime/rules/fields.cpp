#include "runtime/rules/fields.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <charconv>
#include <mutex>
#include <string>

#include "runtime/rules/network.h"

namespace customs::runtime {
namespace {

using enum FieldId;
using enum FieldType;
using enum FieldArg;

constexpr FieldSpec kFields[] = {
    {"evt.type", kEvtType, kEventType, kNone, "event type (execve, connect, openat, ...)"},
    {"evt.dir", kEvtDir, kString, kNone, "direction: always '<' (customs delivers syscall exits)"},
    {"evt.res", kEvtRes, kString, kNone, "SUCCESS or the errno name (ENOENT)"},
    {"evt.rawres", kEvtRawres, kInt, kNone, "raw syscall result"},
    {"evt.num", kEvtNum, kInt, kNone, "event sequence number"},
    {"evt.time", kEvtTime, kString, kNone, "event time"},
    {"evt.args", kEvtArgs, kString, kNone, "the event's arguments as text"},
    {"evt.is_open_read", kEvtIsOpenRead, kBool, kNone, "open for reading"},
    {"evt.is_open_write", kEvtIsOpenWrite, kBool, kNone, "open for writing"},
    {"evt.is_open_exec", kEvtIsOpenExec, kBool, kNone, "open creating an executable file"},
    {"evt.arg.flags", kEvtArgFlags, kString, kNone,
     "flags as text: open (O_WRONLY|O_CREAT), accept4/dup3, memfd_create, exec (EXE_UPPER_LAYER|EXE_FROM_MEMFD)"},
    {"evt.arg.uid", kEvtArgUid, kInt, kNone, "setuid family: the requested uid"},
    {"evt.arg.gid", kEvtArgGid, kInt, kNone, "setgid family: the requested gid"},
    {"evt.arg.request", kEvtArgRequest, kString, kNone, "ptrace request (PTRACE_ATTACH)"},
    {"evt.arg.pid", kEvtArgPid, kInt, kNone, "ptrace target pid"},
    {"evt.arg.path", kEvtArgPath, kString, kNone, "unlink/open/chmod path"},
    {"evt.arg.name", kEvtArgPath, kString, kNone, "unlink/open path (alias of evt.arg.path); memfd name"},
    {"evt.arg.filename", kEvtArgFilename, kString, kNone, "chmod/fchmodat path"},
    {"evt.arg.oldpath", kEvtArgOldpath, kString, kNone, "rename/link source"},
    {"evt.arg.newpath", kEvtArgNewpath, kString, kNone, "rename/link target"},
    {"evt.arg.target", kEvtArgTarget, kString, kNone, "symlink: what the link points to"},
    {"evt.arg.linkpath", kEvtArgLinkpath, kString, kNone, "symlink: the link created"},
    {"evt.arg.dir", kEvtArgDir, kString, kNone, "mount target"},
    {"evt.arg.dev", kEvtArgDev, kString, kNone, "mount source"},
    {"evt.arg.mode", kEvtArgMode, kInt, kNone, "chmod/open mode"},
    {"evt.arg.fd", kEvtArgFd, kInt, kNone, "the fd argument (dup's old fd, close, fchmod, sendto, ...)"},
    {"evt.arg.domain", kEvtArgDomain, kString, kNone, "socket: the address family (AF_INET, AF_PACKET, ...)"},
    {"evt.arg.type", kEvtArgSockType, kString, kNone, "socket: the socket type (SOCK_STREAM, SOCK_RAW, ...)"},
    {"evt.arg.proto", kEvtArgProto, kInt, kNone, "socket: the protocol number"},
    {"evt.arg.memfd_name", kEvtArgMemfdName, kString, kNone, "memfd_create: the name"},
    {"proc.name", kProcName, kString, kNone, "process name (comm)"},
    {"proc.exe", kProcExe, kString, kNone, "argv[0]"},
    {"proc.exepath", kProcExepath, kString, kNone, "full executable path"},
    {"proc.cmdline", kProcCmdline, kString, kNone, "name and arguments"},
    {"proc.args", kProcArgs, kString, kNone, "arguments"},
    {"proc.pid", kProcPid, kInt, kNone, "process id"},
    {"proc.ppid", kProcPpid, kInt, kNone, "parent process id"},
    {"proc.pname", kProcPname, kString, kNone, "parent name"},
    {"proc.pexe", kProcPexe, kString, kNone, "parent executable (its exepath; argv[0] not kept)"},
    {"proc.pexepath", kProcPexepath, kString, kNone, "parent executable path"},
    {"proc.pcmdline", kProcPcmdline, kString, kNone, "parent command line"},
    {"proc.aname", kProcAname, kString, kIndexOpt, "ancestor name; [0] self, [1] parent; no index: any"},
    {"proc.apid", kProcApid, kInt, kIndexOpt, "ancestor pid"},
    {"proc.aexepath", kProcAexepath, kString, kIndexOpt, "ancestor executable path"},
    {"proc.acmdline", kProcAcmdline, kString, kIndexOpt, "ancestor command line"},
    {"proc.tty", kProcTty, kInt, kNone, "controlling terminal (0 = none)"},
    {"proc.cwd", kProcCwd, kString, kNone, "working directory"},
    {"proc.duration", kProcDuration, kInt, kNone, "nanoseconds since the process started"},
    {"proc.pidns_init_start_ts", kProcPidnsInitStartTs, kInt, kNone, "start of the pid namespace's init (ns epoch)"},
    {"proc.is_exe_upper_layer", kProcIsExeUpperLayer, kBool, kNone, "executable in the overlay upper layer"},
    {"proc.is_exe_from_memfd", kProcIsExeFromMemfd, kBool, kNone, "executable is a memfd"},
    {"thread.tid", kThreadTid, kInt, kNone, "thread id"},
    {"thread.cap_effective", kThreadCapEffective, kString, kNone, "effective capabilities (CAP_SYS_ADMIN ...)"},
    {"thread.cap_permitted", kThreadCapPermitted, kString, kNone, "permitted capabilities"},
    {"thread.cap_inheritable", kThreadCapInheritable, kString, kNone, "inheritable capabilities"},
    {"user.uid", kUserUid, kInt, kNone, "user id"},
    {"user.name", kUserName, kString, kNone, "user name"},
    {"user.loginuid", kUserLoginuid, kInt, kNone, "audit login uid (-1 = none)"},
    {"user.loginname", kUserLoginname, kString, kNone, "name of the audit login uid"},
    {"group.gid", kGroupGid, kInt, kNone, "group id"},
    {"group.name", kGroupName, kString, kNone, "group name"},
    {"fd.name", kFdName, kString, kNone, "file path, or the connection (cip:cport->sip:sport)"},
    {"fd.nameraw", kFdNameraw, kString, kNone, "the path as the program passed it (before normalisation)"},
    {"fd.directory", kFdDirectory, kString, kNone, "directory of fd.name"},
    {"fd.filename", kFdFilename, kString, kNone, "file name of fd.name"},
    {"fd.typechar", kFdTypechar, kString, kNone, "f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe, ..."},
    {"fd.type", kFdType, kString, kNone, "file, directory, ipv4, ipv6, unix, pipe, ..."},
    {"fd.num", kFdNum, kInt, kNone, "fd number (-1 when the call failed)"},
    {"fd.l4proto", kFdL4proto, kString, kNone, "tcp, udp, icmp, raw"},
    {"fd.connected", kFdConnected, kBool, kNone, "the socket is connected"},
    {"fd.name_changed", kFdNameChanged, kBool, kNone, "this event changed the socket's peer (connect, sendto)"},
    {"fd.sockfamily", kFdSockfamily, kString, kNone, "ip or unix"},
    {"fd.sip", kFdSip, kIp, kNone, "server IP", Endpoint::kServer},
    {"fd.cip", kFdCip, kIp, kNone, "client IP", Endpoint::kClient},
    {"fd.rip", kFdRip, kIp, kNone, "remote IP", Endpoint::kRemote},
    {"fd.lip", kFdLip, kIp, kNone, "local IP", Endpoint::kLocal},
    {"fd.ip", kFdIp, kIp, kNone, "either IP of the connection", Endpoint::kEither},
    {"fd.sport", kFdSport, kInt, kNone, "server port", Endpoint::kServer},
    {"fd.cport", kFdCport, kInt, kNone, "client port", Endpoint::kClient},
    {"fd.rport", kFdRport, kInt, kNone, "remote port", Endpoint::kRemote},
    {"fd.lport", kFdLport, kInt, kNone, "local port", Endpoint::kLocal},
    {"fd.port", kFdPort, kInt, kNone, "either port of the connection", Endpoint::kEither},
    {"fd.snet", kFdSnet, kIp, kNone, "server network: compare with CIDRs", Endpoint::kServer},
    {"fd.cnet", kFdCnet, kIp, kNone, "client network", Endpoint::kClient},
    {"fd.rnet", kFdRnet, kIp, kNone, "remote network", Endpoint::kRemote},
    {"fd.lnet", kFdLnet, kIp, kNone, "local network", Endpoint::kLocal},
    {"fd.net", kFdNet, kIp, kNone, "either network of the connection", Endpoint::kEither},
    {"fd.sip.name", kFdSipName, kDomainName, kNone, "domain names of the server IP (names in rules, resolved)",
     Endpoint::kServer},
    {"fd.cip.name", kFdCipName, kDomainName, kNone, "domain names of the client IP", Endpoint::kClient},
    {"fd.rip.name", kFdRipName, kDomainName, kNone, "domain names of the remote IP", Endpoint::kRemote},
    {"fd.lip.name", kFdLipName, kDomainName, kNone, "domain names of the local IP", Endpoint::kLocal},
    {"fd.sip.country", kFdSipCountry, kString, kNone, "ISO 3166 country of the server IP (customs; --geoip)",
     Endpoint::kServer},
    {"fd.cip.country", kFdCipCountry, kString, kNone, "country of the client IP", Endpoint::kClient},
    {"fd.rip.country", kFdRipCountry, kString, kNone, "country of the remote IP", Endpoint::kRemote},
    {"fd.lip.country", kFdLipCountry, kString, kNone, "country of the local IP", Endpoint::kLocal},
    {"container.id", kContainerId, kString, kNone, "first 12 characters of the id, host for host"},
    {"container.full_id", kContainerFullId, kString, kNone, "full container id, host for host"},
    {"container.name", kContainerName, kString, kNone, "container name, host for host"},
    {"container.image", kContainerImage, kString, kNone, "image as the engine reports it (repository:tag)"},
    {"container.image.id", kContainerImageId, kString, kNone, "image id (sha256:...)"},
    {"container.image.repository", kContainerImageRepository, kString, kNone, "image repository"},
    {"container.image.tag", kContainerImageTag, kString, kNone, "image tag"},
    {"container.image.digest", kContainerImageDigest, kString, kNone, "image repository digest"},
    {"container.type", kContainerType, kString, kNone, "docker, podman, containerd, cri, cri-o, runc"},
    {"container.runtime", kContainerType, kString, kNone, "alias of container.type"},
    {"container.privileged", kContainerPrivileged, kBool, kNone, "the container runs privileged"},
    {"container.start_ts", kContainerStartTs, kInt, kNone, "container start (ns epoch; its init's start)"},
    {"container.duration", kContainerDuration, kInt, kNone, "nanoseconds since container.start_ts"},
    {"container.label", kContainerLabel, kString, kKeyRequired, "a container label: container.label[app]"},
    {"container.labels", kContainerLabels, kString, kKeyOpt, "k1:v1,k2:v2; with [key], that label"},
    {"k8s.ns.name", kK8sNsName, kString, kNone, "Kubernetes namespace"},
    {"k8s.pod.name", kK8sPodName, kString, kNone, "Kubernetes pod name"},
    {"k8s.pod.uid", kK8sPodUid, kString, kNone, "Kubernetes pod UID"},
    {"k8s.pod.id", kK8sPodUid, kString, kNone, "legacy alias of k8s.pod.uid"},
    {"k8s.pod.sandbox_id", kK8sPodSandboxId, kString, kNone, "pod sandbox id (12 characters)"},
    {"k8s.pod.full_sandbox_id", kK8sPodFullSandboxId, kString, kNone, "pod sandbox id"},
    {"k8s.pod.label", kK8sPodLabel, kString, kKeyRequired, "a pod label: k8s.pod.label[app]"},
    {"k8s.pod.labels", kK8sPodLabels, kString, kKeyOpt, "k1:v1,k2:v2; with [key], that label"},
};

bool IsOpen(EventType type) {
  return type == EventType::kOpen || type == EventType::kOpenat || type == EventType::kOpenat2;
}
bool IsExec(EventType type) {
  return type == EventType::kExecve || type == EventType::kExecveat;
}
bool IsSetuid(EventType type) {
  return type == EventType::kSetuid || type == EventType::kSetreuid || type == EventType::kSetresuid;
}
bool IsSetgid(EventType type) {
  return type == EventType::kSetgid || type == EventType::kSetregid || type == EventType::kSetresgid;
}
bool IsRename(EventType type) {
  return type == EventType::kRename || type == EventType::kRenameat || type == EventType::kRenameat2;
}
bool IsLink(EventType type) {
  return type == EventType::kLink || type == EventType::kLinkat;
}
bool IsSymlink(EventType type) {
  return type == EventType::kSymlink || type == EventType::kSymlinkat;
}
bool IsChmod(EventType type) {
  return type == EventType::kChmod || type == EventType::kFchmodat;
}
bool IsDup(EventType type) {
  return type == EventType::kDup || type == EventType::kDup2 || type == EventType::kDup3;
}
// Events whose result is a new fd (fd.num is the result).
bool ReturnsFd(EventType type) {
  return IsOpen(type) || type == EventType::kAccept || type == EventType::kAccept4 || type == EventType::kSocket ||
         type == EventType::kMemfdCreate;
}
// Events about an fd the sensor described from the kernel's fd table (fd_kind).
bool HasFdInfo(const Event& e) {
  return e.fd_kind != FdKind::kNone;
}
bool IsInet(const Event& e) {
  return e.family == AF_INET || e.family == AF_INET6;
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}
std::string_view Dirname(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

// The ancestor at Falco index `index` (0 = self) as a name/exepath/cmdline/pid.
const AncestorInfo* Ancestor(const Event& event, int index) {
  if (index < 1 || index > event.ancestor_count) {
    return nullptr;
  }
  return &event.ancestors[index - 1];
}

std::string_view PtraceRequestName(int64_t request) {
  switch (request) {
    case 0: return "PTRACE_TRACEME";
    case 1: return "PTRACE_PEEKTEXT";
    case 2: return "PTRACE_PEEKDATA";
    case 3: return "PTRACE_PEEKUSR";
    case 4: return "PTRACE_POKETEXT";
    case 5: return "PTRACE_POKEDATA";
    case 6: return "PTRACE_POKEUSR";
    case 7: return "PTRACE_CONT";
    case 8: return "PTRACE_KILL";
    case 9: return "PTRACE_SINGLESTEP";
    case 12: return "PTRACE_GETREGS";
    case 13: return "PTRACE_SETREGS";
    case 16: return "PTRACE_ATTACH";
    case 17: return "PTRACE_DETACH";
    case 24: return "PTRACE_SYSCALL";
    case 0x4200: return "PTRACE_SETOPTIONS";
    case 0x4206: return "PTRACE_SEIZE";
    default: return "PTRACE_UNKNOWN";
  }
}

std::string_view SocketFamilyName(int64_t domain) {
  switch (domain) {
    case 0: return "AF_UNSPEC";
    case 1: return "AF_UNIX";
    case 2: return "AF_INET";
    case 4: return "AF_IPX";
    case 5: return "AF_APPLETALK";
    case 9: return "AF_X25";
    case 10: return "AF_INET6";
    case 16: return "AF_NETLINK";
    case 17: return "AF_PACKET";
    case 29: return "AF_CAN";
    case 31: return "AF_BLUETOOTH";
    case 38: return "AF_ALG";
    case 40: return "AF_VSOCK";
    case 44: return "AF_XDP";
    default: return "AF_UNKNOWN";
  }
}

std::string_view SocketTypeName(int64_t type) {
  switch (type & 0xf) {
    case 1: return "SOCK_STREAM";
    case 2: return "SOCK_DGRAM";
    case 3: return "SOCK_RAW";
    case 4: return "SOCK_RDM";
    case 5: return "SOCK_SEQPACKET";
    case 6: return "SOCK_DCCP";
    case 10: return "SOCK_PACKET";
    default: return "SOCK_UNKNOWN";
  }
}

std::string_view L4protoName(uint8_t proto) {
  switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1:
    case 58: return "icmp";
    case 255: return "raw";
    default: return "";
  }
}

// Linux capability numbers (include/uapi/linux/capability.h) and their names.
constexpr std::string_view kCapNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

// Thread-local scratch buffers for computed text (one per kind, so two computed fields of one event can be held at
// once). Reused: no steady-state allocation.
thread_local std::string flags_scratch;
thread_local std::string caps_scratch;
thread_local std::string name_scratch;
thread_local std::string labels_scratch;

void FormatExecFlagsTo(const Event& e, std::string* out) {
  out->clear();
  if (e.exe_upper_layer) {
    *out += "EXE_UPPER_LAYER";
  }
  if (e.exe_from_memfd) {
    *out += out->empty() ? "EXE_FROM_MEMFD" : "|EXE_FROM_MEMFD";
  }
}

void FormatFlagList(uint32_t flags, std::initializer_list<std::pair<uint32_t, std::string_view>> names,
                    std::string* out) {
  out->clear();
  for (const auto& [bit, name] : names) {
    if (flags & bit) {
      if (!out->empty()) {
        *out += '|';
      }
      *out += name;
    }
  }
}

// Server/client: for accept/bind/listen the local end serves; otherwise (connect, sendto, a dup of a connected
// socket) the remote end does.
Endpoint Resolve(const Event& e, Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kServer: return e.server_is_local ? Endpoint::kLocal : Endpoint::kRemote;
    case Endpoint::kClient: return e.server_is_local ? Endpoint::kRemote : Endpoint::kLocal;
    default: return endpoint;
  }
}

std::mutex names_mutex;
std::shared_ptr<const AddressNames> address_names;
std::atomic<const GeoIpDatabase*> geoip_raw{nullptr};
std::shared_ptr<const GeoIpDatabase> geoip_owner;

void FormatEndpoint(uint8_t family, const uint8_t* addr, uint16_t port, std::string* out) {
  std::string ip = FormatIp(family, addr);
  if (family == AF_INET6) {
    *out += fmt::format("[{}]:{}", ip, port);
  } else {
    *out += fmt::format("{}:{}", ip, port);
  }
}

// Falco's fd.name of a socket: "cip:cport->sip:sport" when connected, "lip:lport" for a server socket.
bool SocketName(const Event& e, std::string* out) {
  out->clear();
  if (e.family == AF_UNIX) {
    if (e.path.empty()) {
      return false;
    }
    *out = e.path;
    return true;
  }
  if (!IsInet(e)) {
    return false;
  }
  bool has_remote = e.remote_port != 0 || e.type == EventType::kConnect || e.type == EventType::kSendto ||
                    e.type == EventType::kSendmsg;
  if (!has_remote) {
    FormatEndpoint(e.family, e.local_addr.data(), e.local_port, out);
    return true;
  }
  const uint8_t* caddr = e.server_is_local ? e.remote_addr.data() : e.local_addr.data();
  uint16_t cport = e.server_is_local ? e.remote_port : e.local_port;
  const uint8_t* saddr = e.server_is_local ? e.local_addr.data() : e.remote_addr.data();
  uint16_t sport = e.server_is_local ? e.local_port : e.remote_port;
  FormatEndpoint(e.family, caddr, cport, out);
  *out += "->";
  FormatEndpoint(e.family, saddr, sport, out);
  return true;
}

bool LabelValue(const Labels& labels, const FieldRef& ref, std::string_view* out) {
  if (ref.has_key) {
    const std::string* value = FindLabel(labels, ref.key);
    if (value == nullptr) {
      return false;
    }
    *out = *value;
    return true;
  }
  labels_scratch = JoinLabels(labels);
  *out = labels_scratch;
  return true;
}

}  // namespace

void FormatCapabilitiesTo(uint64_t caps, std::string* out) {
  out->clear();
  for (size_t bit = 0; bit < std::size(kCapNames); ++bit) {
    if (caps & (uint64_t{1} << bit)) {
      if (!out->empty()) {
        *out += ' ';
      }
      *out += kCapNames[bit];
    }
  }
}

void SetAddressNames(std::shared_ptr<const AddressNames> names) {
  std::lock_guard lock(names_mutex);
  address_names = std::move(names);
}

void SetGeoIpDatabase(std::shared_ptr<const GeoIpDatabase> database) {
  std::lock_guard lock(names_mutex);
  geoip_owner = std::move(database);
  geoip_raw.store(geoip_owner.get(), std::memory_order_release);
}

const GeoIpDatabase* ActiveGeoIpDatabase() {
  return geoip_raw.load(std::memory_order_acquire);
}

const FieldSpec* FindField(std::string_view name) {
  for (const FieldSpec& spec : kFields) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

const FieldSpec* FieldTable(size_t* count) {
  *count = std::size(kFields);
  return kFields;
}

Result<FieldRef> ResolveField(std::string_view name, bool has_arg, std::string_view arg) {
  FieldRef ref;
  ref.spec = FindField(name);
  if (ref.spec == nullptr && !has_arg) {
    // Falco's dotted label spelling: container.label.app, k8s.pod.label.app.kubernetes.io/name.
    for (std::string_view prefix : {"container.label.", "k8s.pod.label."}) {
      if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) {
        ref.spec = FindField(prefix.substr(0, prefix.size() - 1));
        ref.key = std::string(name.substr(prefix.size()));
        ref.has_key = true;
        return ref;
      }
    }
  }
  if (ref.spec == nullptr) {
    return MakeError(ErrorCode::kUnsupported, "unknown field '{}'", name);
  }
  switch (ref.spec->arg) {
    case kNone:
      if (has_arg) {
        return MakeError(ErrorCode::kUnsupported, "field '{}' takes no argument ('{}[{}]')", name, name, arg);
      }
      break;
    case kIndexOpt:
      if (has_arg) {
        int index = 0;
        auto [ptr, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), index);
        if (ec != std::errc() || ptr != arg.data() + arg.size() || index < 0 || index > kMaxAncestors) {
          return MakeError(ErrorCode::kUnsupported, "field '{}[{}]': index must be 0..{}", name, arg, kMaxAncestors);
        }
        ref.index = index;
      }
      break;
    case kKeyRequired:
    case kKeyOpt:
      if (!has_arg && ref.spec->arg == kKeyRequired) {
        return MakeError(ErrorCode::kUnsupported, "field '{}' needs a key: '{}[name]'", name, name);
      }
      if (has_arg) {
        if (arg.empty()) {
          return MakeError(ErrorCode::kUnsupported, "field '{}[]': empty key", name);
        }
        ref.key = std::string(arg);
        ref.has_key = true;
      }
      break;
  }
  return ref;
}

bool IsMultiValued(const FieldRef& ref) {
  return ref.spec->arg == kIndexOpt && ref.index < 0;
}

bool ExtractIp(const Event& e, Endpoint endpoint, uint8_t* family, const uint8_t** addr) {
  if (!IsInet(e)) {
    return false;
  }
  switch (Resolve(e, endpoint)) {
    case Endpoint::kRemote:
      // A socket event without a peer (bind, listen, socket) has no remote end.
      if (e.remote_port == 0 && !(e.type == EventType::kConnect || e.type == EventType::kSendto ||
                                  e.type == EventType::kSendmsg || e.type == EventType::kRecvfrom)) {
        return false;
      }
      *family = e.family;
      *addr = e.remote_addr.data();
      return true;
    case Endpoint::kLocal:
      *family = e.family;
      *addr = e.local_addr.data();
      return true;
    default: return false;
  }
}

bool ExtractPort(const Event& e, Endpoint endpoint, int64_t* out) {
  if (!IsInet(e)) {
    return false;
  }
  uint8_t family;
  const uint8_t* addr;
  if (!ExtractIp(e, endpoint, &family, &addr)) {
    return false;
  }
  *out = Resolve(e, endpoint) == Endpoint::kLocal ? e.local_port : e.remote_port;
  return true;
}

bool ExtractString(const Event& e, const FieldRef& ref, std::string_view* out) {
  const ContainerMetadata* c = e.container.get();
  switch (ref.spec->id) {
    case kEvtDir: *out = "<"; return true;
    case kEvtRes: *out = ResultName(e.res); return true;
    case kEvtArgFlags:
      if (IsOpen(e.type)) {
        FormatOpenFlagsTo(e.flags, &flags_scratch);
      } else if (IsExec(e.type)) {
        FormatExecFlagsTo(e, &flags_scratch);
      } else if (e.type == EventType::kAccept4 || e.type == EventType::kDup3) {
        FormatFlagList(e.flags, {{O_CLOEXEC, "O_CLOEXEC"}, {O_NONBLOCK, "O_NONBLOCK"}}, &flags_scratch);
      } else if (e.type == EventType::kMemfdCreate) {
        FormatFlagList(e.flags, {{1, "MFD_CLOEXEC"}, {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"}}, &flags_scratch);
      } else {
        return false;
      }
      *out = flags_scratch;
      return true;
    case kEvtArgRequest:
      if (e.type != EventType::kPtrace) {
        return false;
      }
      *out = PtraceRequestName(e.arg0);
      return true;
    case kEvtArgPath:
      if (e.type == EventType::kMemfdCreate) {
        *out = e.path;
        return true;
      }
      if (e.type != EventType::kUnlink && e.type != EventType::kUnlinkat && !IsOpen(e.type) && !IsChmod(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgFilename:
      if (!IsChmod(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgOldpath:
      if (!IsRename(e.type) && !IsLink(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgNewpath:
      if (!IsRename(e.type) && !IsLink(e.type)) {
        return false;
      }
      *out = e.path2;
      return true;
    case kEvtArgTarget:
      if (!IsSymlink(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgLinkpath:
      if (!IsSymlink(e.type)) {
        return false;
      }
      *out = e.path2;
      return true;
    case kEvtArgDir:
      if (e.type != EventType::kMount) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgDev:
      if (e.type != EventType::kMount) {
        return false;
      }
      *out = e.path2;
      return true;
    case kEvtArgDomain:
      if (e.type != EventType::kSocket) {
        return false;
      }
      *out = SocketFamilyName(e.arg0);
      return true;
    case kEvtArgSockType:
      if (e.type != EventType::kSocket) {
        return false;
      }
      *out = SocketTypeName(e.arg1);
      return true;
    case kEvtArgMemfdName:
      if (e.type != EventType::kMemfdCreate) {
        return false;
      }
      *out = e.path;
      return true;
    case kProcName: *out = e.name; return true;
    case kProcExe: *out = e.exe.empty() ? std::string_view(e.exepath) : std::string_view(e.exe); return true;
    case kProcExepath: *out = e.exepath; return true;
    case kProcCmdline: *out = e.cmdline; return true;
    case kProcArgs: *out = e.args; return true;
    case kProcPname:
      if (e.ancestor_count < 1) {
        return false;
      }
      *out = e.ancestors[0].name;
      return true;
    case kProcPexe:
    case kProcPexepath:
      if (e.ancestor_count < 1) {
        return false;
      }
      *out = e.ancestors[0].exepath;
      return true;
    case kProcPcmdline:
      if (e.ancestor_count < 1) {
        return false;
      }
      *out = e.ancestors[0].cmdline;
      return true;
    case kProcAname:
    case kProcAexepath:
    case kProcAcmdline: {
      if (ref.index == 0) {
        *out = ref.spec->id == kProcAname      ? std::string_view(e.name)
               : ref.spec->id == kProcAexepath ? std::string_view(e.exepath)
                                               : std::string_view(e.cmdline);
        return true;
      }
      const AncestorInfo* a = Ancestor(e, ref.index);
      if (a == nullptr) {
        return false;
      }
      *out = ref.spec->id == kProcAname      ? std::string_view(a->name)
             : ref.spec->id == kProcAexepath ? std::string_view(a->exepath)
                                             : std::string_view(a->cmdline);
      return true;
    }
    case kProcCwd:
      if (e.cwd.empty()) {
        return false;
      }
      *out = e.cwd;
      return true;
    case kThreadCapEffective:
    case kThreadCapPermitted:
    case kThreadCapInheritable:
      if (!e.caps_known) {
        return false;
      }
      FormatCapabilitiesTo(ref.spec->id == kThreadCapEffective   ? e.cap_effective
                           : ref.spec->id == kThreadCapPermitted ? e.cap_permitted
                                                                 : e.cap_inheritable,
                           &caps_scratch);
      *out = caps_scratch;
      return true;
    case kUserName:
      if (e.user_name.empty()) {
        return false;
      }
      *out = e.user_name;
      return true;
    case kUserLoginname:
      if (e.login_name.empty()) {
        return false;
      }
      *out = e.login_name;
      return true;
    case kGroupName:
      if (e.group_name.empty()) {
        return false;
      }
      *out = e.group_name;
      return true;
    case kFdName:
      if (IsOpen(e.type)) {
        *out = e.path;
        return true;
      }
      if (e.type == EventType::kMemfdCreate) {
        if (e.res < 0) {
          return false;
        }
        name_scratch = "memfd:";
        name_scratch += e.path;
        *out = name_scratch;
        return true;
      }
      if (!SocketName(e, &name_scratch)) {
        return false;
      }
      *out = name_scratch;
      return true;
    case kFdNameraw:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = e.path_raw.empty() ? std::string_view(e.path) : std::string_view(e.path_raw);
      return true;
    case kFdDirectory:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = Dirname(e.path);
      return true;
    case kFdFilename:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = Basename(e.path);
      return true;
    case kFdTypechar:
    case kFdType: {
      FdKind kind = e.fd_kind;
      if (IsOpen(e.type)) {
        kind = (e.flags & O_DIRECTORY) ? FdKind::kDirectory : FdKind::kFile;
      } else if (e.type == EventType::kMemfdCreate && e.res >= 0) {
        kind = FdKind::kMemfd;
      }
      if (kind == FdKind::kNone) {
        return false;
      }
      *out = ref.spec->id == kFdType ? FdKindName(kind) : FdKindTypechar(kind);
      return true;
    }
    case kFdL4proto: {
      std::string_view name = L4protoName(e.l4proto);
      if (name.empty()) {
        return false;
      }
      *out = name;
      return true;
    }
    case kFdSockfamily:
      if (IsInet(e)) {
        *out = "ip";
        return true;
      }
      if (e.family == AF_UNIX) {
        *out = "unix";
        return true;
      }
      return false;
    case kFdSipCountry:
    case kFdCipCountry:
    case kFdRipCountry:
    case kFdLipCountry: {
      const GeoIpDatabase* db = ActiveGeoIpDatabase();
      uint8_t family;
      const uint8_t* addr;
      if (db == nullptr || !ExtractIp(e, ref.spec->endpoint, &family, &addr)) {
        return false;
      }
      std::string_view country = db->Lookup(family, addr);
      if (country.empty()) {
        return false;
      }
      *out = country;
      return true;
    }
    case kContainerId:
      *out = e.container_id.empty() ? std::string_view("host") : std::string_view(e.container_id).substr(0, 12);
      return true;
    case kContainerFullId:
      *out = e.container_id.empty() ? std::string_view("host") : std::string_view(e.container_id);
      return true;
    case kContainerName:
      if (e.container_id.empty()) {
        *out = "host";
        return true;
      }
      if (c == nullptr || c->name.empty()) {
        return false;
      }
      *out = c->name;
      return true;
    case kContainerImage:
    case kContainerImageRepository:
    case kContainerImageTag:
    case kContainerImageDigest: {
      if (c == nullptr || c->image.empty()) {
        return false;
      }
      std::string_view value = ref.spec->id == kContainerImage             ? std::string_view(c->image)
                               : ref.spec->id == kContainerImageRepository ? c->ImageRepository()
                               : ref.spec->id == kContainerImageTag        ? c->ImageTag()
                                                                           : c->ImageDigest();
      if (value.empty() && ref.spec->id != kContainerImageTag) {
        return false;
      }
      *out = value;
      return true;
    }
    case kContainerImageId:
      if (c == nullptr || c->image_id.empty()) {
        return false;
      }
      *out = c->image_id;
      return true;
    case kContainerType:
      if (e.container_id.empty()) {
        *out = "host";
        return true;
      }
      if (c == nullptr || c->engine == ContainerEngine::kUnknown) {
        return false;
      }
      *out = ContainerEngineName(c->engine);
      return true;
    case kContainerLabel:
    case kContainerLabels:
      if (c == nullptr) {
        return false;
      }
      return LabelValue(c->labels, ref, out);
    case kK8sPodLabel:
    case kK8sPodLabels:
      if (c == nullptr || c->k8s_pod_name.empty()) {
        return false;
      }
      return LabelValue(c->k8s_pod_labels, ref, out);
    case kK8sNsName:
    case kK8sPodName:
    case kK8sPodUid:
    case kK8sPodFullSandboxId:
    case kK8sPodSandboxId: {
      if (c == nullptr) {
        return false;
      }
      std::string_view value = ref.spec->id == kK8sNsName    ? std::string_view(c->k8s_namespace)
                               : ref.spec->id == kK8sPodName ? std::string_view(c->k8s_pod_name)
                               : ref.spec->id == kK8sPodUid  ? std::string_view(c->k8s_pod_uid)
                                                             : std::string_view(c->k8s_sandbox_id);
      if (ref.spec->id == kK8sPodSandboxId) {
        value = value.substr(0, 12);
      }
      if (value.empty()) {
        return false;
      }
      *out = value;
      return true;
    }
    default: return false;  // evt.time and evt.args are text only (FieldText)
  }
}

bool ExtractInt(const Event& e, const FieldRef& ref, int64_t* out) {
  switch (ref.spec->id) {
    case kEvtRawres: *out = e.res; return true;
    case kEvtNum: *out = static_cast<int64_t>(e.num); return true;
    case kEvtArgUid:
      if (!IsSetuid(e.type)) {
        return false;
      }
      *out = e.arg0;
      return true;
    case kEvtArgGid:
      if (!IsSetgid(e.type)) {
        return false;
      }
      *out = e.arg0;
      return true;
    case kEvtArgPid:
      if (e.type != EventType::kPtrace) {
        return false;
      }
      *out = e.arg1;
      return true;
    case kEvtArgMode:
      if (!IsOpen(e.type) && !IsChmod(e.type) && e.type != EventType::kFchmod) {
        return false;
      }
      *out = e.mode;
      return true;
    case kEvtArgFd:
      if (e.fd < 0 && !IsDup(e.type)) {
        return false;
      }
      *out = e.fd;
      return true;
    case kEvtArgProto:
      if (e.type != EventType::kSocket) {
        return false;
      }
      *out = e.arg2;
      return true;
    case kProcPid: *out = e.pid; return true;
    case kProcPpid: *out = e.ppid; return true;
    case kThreadTid: *out = e.tid; return true;
    case kProcApid: {
      if (ref.index == 0) {
        *out = e.pid;
        return true;
      }
      const AncestorInfo* a = Ancestor(e, ref.index);
      if (a == nullptr) {
        return false;
      }
      *out = a->pid;
      return true;
    }
    case kProcTty: *out = e.tty; return true;
    case kProcDuration:
      if (e.proc_start_ns == 0 || e.time_ns < e.proc_start_ns) {
        return false;
      }
      *out = static_cast<int64_t>(e.time_ns - e.proc_start_ns);
      return true;
    case kProcPidnsInitStartTs:
      if (e.pidns_init_start_ns == 0) {
        return false;
      }
      *out = static_cast<int64_t>(e.pidns_init_start_ns);
      return true;
    case kContainerStartTs:
    case kContainerDuration: {
      if (e.container_id.empty()) {
        return false;
      }
      uint64_t start = e.pidns_init_start_ns;
      if (start == 0 && e.container != nullptr) {
        start = e.container->start_ns;
      }
      if (start == 0) {
        return false;
      }
      if (ref.spec->id == kContainerStartTs) {
        *out = static_cast<int64_t>(start);
        return true;
      }
      if (e.time_ns < start) {
        return false;
      }
      *out = static_cast<int64_t>(e.time_ns - start);
      return true;
    }
    case kUserUid: *out = e.uid; return true;
    case kUserLoginuid: *out = e.loginuid == UINT32_MAX ? -1 : static_cast<int64_t>(e.loginuid); return true;
    case kGroupGid: *out = e.gid; return true;
    case kFdNum:
      if (ReturnsFd(e.type)) {
        *out = e.res >= 0 ? e.res : -1;
        return true;
      }
      if (e.fd >= 0 || HasFdInfo(e)) {
        *out = e.fd;
        return true;
      }
      return false;
    case kFdSport:
    case kFdCport:
    case kFdRport:
    case kFdLport: return ExtractPort(e, ref.spec->endpoint, out);
    default: return false;
  }
}

bool ExtractBool(const Event& e, const FieldRef& ref, bool* out) {
  switch (ref.spec->id) {
    case kEvtIsOpenRead:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = (e.flags & O_ACCMODE) != O_WRONLY;
      return true;
    case kEvtIsOpenWrite:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = (e.flags & O_ACCMODE) != O_RDONLY || (e.flags & (O_CREAT | O_TRUNC)) != 0;
      return true;
    case kEvtIsOpenExec:
      if (!IsOpen(e.type)) {
        return false;
      }
      *out = (e.flags & O_CREAT) != 0 && (e.mode & 0111) != 0;
      return true;
    case kProcIsExeUpperLayer: *out = e.exe_upper_layer; return true;
    case kProcIsExeFromMemfd: *out = e.exe_from_memfd; return true;
    case kFdConnected:
      if (!HasFdInfo(e) && !IsInet(e)) {
        return false;
      }
      *out = e.fd_connected;
      return true;
    case kFdNameChanged:
      if (!HasFdInfo(e) && !IsInet(e)) {
        return false;
      }
      *out = e.fd_name_changed;
      return true;
    case kContainerPrivileged:
      if (e.container_id.empty()) {
        *out = false;
        return true;
      }
      if (e.container == nullptr || e.container->privileged < 0) {
        return false;
      }
      *out = e.container->privileged == 1;
      return true;
    default: return false;
  }
}

bool FieldIsNumeric(const FieldRef& ref) {
  return ref.spec->type == kInt;
}

namespace {

std::string EventArgsText(const Event& e) {
  switch (e.type) {
    case EventType::kSocket:
      return fmt::format("domain={}({}) type={}({}) proto={}", e.arg0, SocketFamilyName(e.arg0), e.arg1,
                         SocketTypeName(e.arg1), e.arg2);
    case EventType::kConnect:
    case EventType::kAccept:
    case EventType::kAccept4:
    case EventType::kBind:
    case EventType::kListen:
    case EventType::kSendto:
    case EventType::kSendmsg:
    case EventType::kRecvfrom: {
      std::string name;
      SocketName(e, &name);
      return fmt::format("res={} fd={} tuple={}", e.res, e.fd, name);
    }
    case EventType::kDup:
    case EventType::kDup2:
    case EventType::kDup3: return fmt::format("res={} oldfd={}", e.res, e.fd);
    default: break;
  }
  std::string out = fmt::format("res={}", e.res);
  if (!e.path.empty()) {
    out += " path=" + e.path;
  }
  if (!e.path2.empty()) {
    out += " path2=" + e.path2;
  }
  if (e.fd >= 0) {
    out += fmt::format(" fd={}", e.fd);
  }
  return out;
}

}  // namespace

std::string FieldText(const Event& e, const FieldRef& ref) {
  static constexpr std::string_view kNa = "<NA>";
  switch (ref.spec->type) {
    case kEventType: return std::string(EventTypeName(e.type));
    case kInt: {
      int64_t value = 0;
      return ExtractInt(e, ref, &value) ? std::to_string(value) : std::string(kNa);
    }
    case kBool: {
      bool value = false;
      if (!ExtractBool(e, ref, &value)) {
        return std::string(kNa);
      }
      return value ? "true" : "false";
    }
    case kIp: {
      uint8_t family = 0;
      const uint8_t* addr = nullptr;
      Endpoint endpoint = ref.spec->endpoint == Endpoint::kEither ? Endpoint::kServer : ref.spec->endpoint;
      if (!ExtractIp(e, endpoint, &family, &addr)) {
        return std::string(kNa);
      }
      return FormatIp(family, addr);
    }
    case kDomainName: {
      uint8_t family = 0;
      const uint8_t* addr = nullptr;
      if (!ExtractIp(e, ref.spec->endpoint, &family, &addr)) {
        return std::string(kNa);
      }
      std::shared_ptr<const AddressNames> names;
      {
        std::lock_guard lock(names_mutex);
        names = address_names;
      }
      std::string name = names ? names->NameOf(family, addr) : std::string();
      return name.empty() ? std::string(kNa) : name;
    }
    case kString: {
      if (ref.spec->id == kEvtTime) {
        time_t seconds = static_cast<time_t>(e.time_ns / 1000000000ULL);
        struct tm tm_value;
        gmtime_r(&seconds, &tm_value);
        return fmt::format("{:02}:{:02}:{:02}.{:09}", tm_value.tm_hour, tm_value.tm_min, tm_value.tm_sec,
                           e.time_ns % 1000000000ULL);
      }
      if (ref.spec->id == kEvtArgs) {
        return EventArgsText(e);
      }
      if (IsMultiValued(ref)) {
        std::string joined;
        AnyString(e, ref, [&](std::string_view value) {
          if (!joined.empty()) {
            joined += ',';
          }
          joined += value;
          return false;
        });
        return joined.empty() ? std::string(kNa) : joined;
      }
      std::string_view value;
      if (!ExtractString(e, ref, &value)) {
        return std::string(kNa);
      }
      return std::string(value);
    }
  }
  return std::string(kNa);
}

}  // namespace customs::runtime
