#include "runtime/rules/fields.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <array>
#include <string>

namespace customs::runtime {
namespace {

using enum FieldId;
using enum FieldType;

constexpr FieldSpec kFields[] = {
    {"evt.type", kEvtType, kEventType, FieldArg::kNone, "event type (execve, connect, openat, ...)"},
    {"evt.res", kEvtRes, kString, FieldArg::kNone, "SUCCESS or the errno name (ENOENT)"},
    {"evt.rawres", kEvtRawres, kInt, FieldArg::kNone, "raw syscall result"},
    {"evt.num", kEvtNum, kInt, FieldArg::kNone, "event sequence number"},
    {"evt.time", kEvtTime, kString, FieldArg::kNone, "event time"},
    {"evt.is_open_read", kEvtIsOpenRead, kBool, FieldArg::kNone, "open for reading"},
    {"evt.is_open_write", kEvtIsOpenWrite, kBool, FieldArg::kNone, "open for writing"},
    {"evt.is_open_exec", kEvtIsOpenExec, kBool, FieldArg::kNone, "open creating an executable file"},
    {"evt.arg.flags", kEvtArgFlags, kString, FieldArg::kNone, "open flags as text (O_WRONLY|O_CREAT)"},
    {"evt.arg.uid", kEvtArgUid, kInt, FieldArg::kNone, "setuid family: the requested uid"},
    {"evt.arg.gid", kEvtArgGid, kInt, FieldArg::kNone, "setgid family: the requested gid"},
    {"evt.arg.request", kEvtArgRequest, kString, FieldArg::kNone, "ptrace request (PTRACE_ATTACH)"},
    {"evt.arg.pid", kEvtArgPid, kInt, FieldArg::kNone, "ptrace target pid"},
    {"evt.arg.path", kEvtArgPath, kString, FieldArg::kNone, "unlink path"},
    {"evt.arg.name", kEvtArgPath, kString, FieldArg::kNone, "unlink/open path (alias of evt.arg.path)"},
    {"evt.arg.oldpath", kEvtArgOldpath, kString, FieldArg::kNone, "rename source"},
    {"evt.arg.newpath", kEvtArgNewpath, kString, FieldArg::kNone, "rename target"},
    {"evt.arg.dir", kEvtArgDir, kString, FieldArg::kNone, "mount target"},
    {"evt.arg.dev", kEvtArgDev, kString, FieldArg::kNone, "mount source"},
    {"proc.name", kProcName, kString, FieldArg::kNone, "process name (comm)"},
    {"proc.exe", kProcExe, kString, FieldArg::kNone, "argv[0]"},
    {"proc.exepath", kProcExepath, kString, FieldArg::kNone, "full executable path"},
    {"proc.cmdline", kProcCmdline, kString, FieldArg::kNone, "name and arguments"},
    {"proc.args", kProcArgs, kString, FieldArg::kNone, "arguments"},
    {"proc.pid", kProcPid, kInt, FieldArg::kNone, "process id"},
    {"proc.ppid", kProcPpid, kInt, FieldArg::kNone, "parent process id"},
    {"proc.pname", kProcPname, kString, FieldArg::kNone, "parent name"},
    {"proc.pexe", kProcPexe, kString, FieldArg::kNone, "parent executable (its exepath; argv[0] not kept)"},
    {"proc.pexepath", kProcPexepath, kString, FieldArg::kNone, "parent executable path"},
    {"proc.pcmdline", kProcPcmdline, kString, FieldArg::kNone, "parent command line"},
    {"proc.aname", kProcAname, kString, FieldArg::kIndexOpt, "ancestor name; [0] self, [1] parent; no index: any"},
    {"proc.apid", kProcApid, kInt, FieldArg::kIndexOpt, "ancestor pid"},
    {"proc.aexepath", kProcAexepath, kString, FieldArg::kIndexOpt, "ancestor executable path"},
    {"proc.acmdline", kProcAcmdline, kString, FieldArg::kIndexOpt, "ancestor command line"},
    {"proc.tty", kProcTty, kInt, FieldArg::kNone, "controlling terminal (0 = none)"},
    {"proc.cwd", kProcCwd, kString, FieldArg::kNone, "working directory"},
    {"proc.is_exe_upper_layer", kProcIsExeUpperLayer, kBool, FieldArg::kNone, "executable in the overlay upper layer"},
    {"proc.is_exe_from_memfd", kProcIsExeFromMemfd, kBool, FieldArg::kNone, "executable is a memfd"},
    {"thread.tid", kThreadTid, kInt, FieldArg::kNone, "thread id"},
    {"user.uid", kUserUid, kInt, FieldArg::kNone, "user id"},
    {"user.name", kUserName, kString, FieldArg::kNone, "user name"},
    {"user.loginuid", kUserLoginuid, kInt, FieldArg::kNone, "audit login uid (-1 = none)"},
    {"group.gid", kGroupGid, kInt, FieldArg::kNone, "group id"},
    {"group.name", kGroupName, kString, FieldArg::kNone, "group name"},
    {"fd.name", kFdName, kString, FieldArg::kNone, "file path, or ip:port for connect"},
    {"fd.directory", kFdDirectory, kString, FieldArg::kNone, "directory of fd.name"},
    {"fd.filename", kFdFilename, kString, FieldArg::kNone, "file name of fd.name"},
    {"fd.typechar", kFdTypechar, kString, FieldArg::kNone, "f file, d directory, 4 ipv4, 6 ipv6"},
    {"fd.type", kFdType, kString, FieldArg::kNone, "file, directory, ipv4, ipv6"},
    {"fd.num", kFdNum, kInt, FieldArg::kNone, "fd number (-1 when the open failed)"},
    {"fd.sip", kFdSip, kIp, FieldArg::kNone, "server (remote) IP of a connect"},
    {"fd.rip", kFdRip, kIp, FieldArg::kNone, "remote IP"},
    {"fd.ip", kFdIp, kIp, FieldArg::kNone, "IP (remote endpoint of a connect)"},
    {"fd.sport", kFdSport, kInt, FieldArg::kNone, "server (remote) port"},
    {"fd.rport", kFdRport, kInt, FieldArg::kNone, "remote port"},
    {"fd.port", kFdPort, kInt, FieldArg::kNone, "port (remote endpoint of a connect)"},
    {"fd.snet", kFdSnet, kIp, FieldArg::kNone, "server network: compare with CIDRs"},
    {"fd.rnet", kFdRnet, kIp, FieldArg::kNone, "remote network: compare with CIDRs"},
    {"fd.net", kFdNet, kIp, FieldArg::kNone, "network: compare with CIDRs"},
    {"fd.sockfamily", kFdSockfamily, kString, FieldArg::kNone, "ip"},
    {"container.id", kContainerId, kString, FieldArg::kNone, "first 12 characters of the id, host for host"},
    {"container.full_id", kContainerFullId, kString, FieldArg::kNone, "full container id, host for host"},
    {"container.name", kContainerName, kString, FieldArg::kNone, "container name, host for host"},
    {"container.image", kContainerImage, kString, FieldArg::kNone, "image (repository:tag)"},
    {"container.image.repository", kContainerImageRepository, kString, FieldArg::kNone, "image repository"},
    {"container.image.tag", kContainerImageTag, kString, FieldArg::kNone, "image tag"},
};

bool IsOpen(EventType type) {
  return type == EventType::kOpen || type == EventType::kOpenat || type == EventType::kOpenat2;
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

// The image reference split as the container plugin does: repository and tag (digest ignored).
void SplitImage(std::string_view image, std::string_view* repository, std::string_view* tag) {
  size_t at = image.find('@');
  if (at != std::string_view::npos) {
    image = image.substr(0, at);
  }
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    *repository = image.substr(0, colon);
    *tag = image.substr(colon + 1);
  } else {
    *repository = image;
    *tag = "";
  }
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

// Thread-local scratch for evt.arg.flags (the only field whose text is computed). Reused, so no steady-state
// allocation.
thread_local std::string flags_scratch;

}  // namespace

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

bool IsMultiValued(const FieldRef& ref) {
  return ref.spec->arg == FieldArg::kIndexOpt && ref.index < 0;
}

bool ExtractString(const Event& e, const FieldRef& ref, std::string_view* out) {
  switch (ref.spec->id) {
    case kEvtRes: *out = ResultName(e.res); return true;
    case kEvtArgFlags:
      if (!IsOpen(e.type)) {
        return false;
      }
      FormatOpenFlagsTo(e.flags, &flags_scratch);
      *out = flags_scratch;
      return true;
    case kEvtArgRequest:
      if (e.type != EventType::kPtrace) {
        return false;
      }
      *out = PtraceRequestName(e.arg0);
      return true;
    case kEvtArgPath:
      if (e.type != EventType::kUnlink && e.type != EventType::kUnlinkat && !IsOpen(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgOldpath:
      if (!IsRename(e.type)) {
        return false;
      }
      *out = e.path;
      return true;
    case kEvtArgNewpath:
      if (!IsRename(e.type)) {
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
    case kUserName:
      if (e.user_name.empty()) {
        return false;
      }
      *out = e.user_name;
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
      return false;  // connect: built by FieldText only (needs formatting); see kFdName in FieldText
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
      if (IsOpen(e.type)) {
        *out = (e.flags & O_DIRECTORY) ? "d" : "f";
        return true;
      }
      if (e.type == EventType::kConnect && e.family != 0) {
        *out = e.family == AF_INET ? "4" : "6";
        return true;
      }
      return false;
    case kFdType:
      if (IsOpen(e.type)) {
        *out = (e.flags & O_DIRECTORY) ? "directory" : "file";
        return true;
      }
      if (e.type == EventType::kConnect && e.family != 0) {
        *out = e.family == AF_INET ? "ipv4" : "ipv6";
        return true;
      }
      return false;
    case kFdSockfamily:
      if (e.type != EventType::kConnect || e.family == 0) {
        return false;
      }
      *out = "ip";
      return true;
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
      if (e.container_name.empty()) {
        return false;
      }
      *out = e.container_name;
      return true;
    case kContainerImage:
    case kContainerImageRepository:
    case kContainerImageTag: {
      if (e.container_image.empty()) {
        return false;
      }
      std::string_view repository, tag;
      SplitImage(e.container_image, &repository, &tag);
      *out = ref.spec->id == kContainerImage             ? std::string_view(e.container_image)
             : ref.spec->id == kContainerImageRepository ? repository
                                                         : tag;
      return true;
    }
    case kEvtTime: return false;  // text only
    default: return false;
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
    case kUserUid: *out = e.uid; return true;
    case kUserLoginuid: *out = e.loginuid == UINT32_MAX ? -1 : static_cast<int64_t>(e.loginuid); return true;
    case kGroupGid: *out = e.gid; return true;
    case kFdNum:
      if (IsOpen(e.type)) {
        *out = e.res >= 0 ? e.res : -1;
        return true;
      }
      if (e.type == EventType::kConnect) {
        *out = e.fd;
        return true;
      }
      return false;
    case kFdSport:
    case kFdRport:
    case kFdPort:
      if (e.type != EventType::kConnect || e.family == 0) {
        return false;
      }
      *out = e.remote_port;
      return true;
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
    default: return false;
  }
}

bool ExtractIp(const Event& e, const FieldRef& ref, uint8_t* family, const uint8_t** addr) {
  switch (ref.spec->id) {
    case kFdSip:
    case kFdRip:
    case kFdIp:
    case kFdSnet:
    case kFdRnet:
    case kFdNet:
      if (e.type != EventType::kConnect || e.family == 0) {
        return false;
      }
      *family = e.family;
      *addr = e.remote_addr.data();
      return true;
    default: return false;
  }
}

bool FieldIsNumeric(const FieldRef& ref) {
  return ref.spec->type == kInt;
}

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
      if (!ExtractIp(e, ref, &family, &addr)) {
        return std::string(kNa);
      }
      return FormatAddress(e);
    }
    case kString: {
      if (ref.spec->id == kEvtTime) {
        time_t seconds = static_cast<time_t>(e.time_ns / 1000000000ULL);
        struct tm tm_value;
        gmtime_r(&seconds, &tm_value);
        return fmt::format("{:02}:{:02}:{:02}.{:09}", tm_value.tm_hour, tm_value.tm_min, tm_value.tm_sec,
                           e.time_ns % 1000000000ULL);
      }
      if (ref.spec->id == kFdName && e.type == EventType::kConnect && e.family != 0) {
        std::string address = FormatAddress(e);
        return e.family == AF_INET6 ? fmt::format("[{}]:{}", address, e.remote_port)
                                    : fmt::format("{}:{}", address, e.remote_port);
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
