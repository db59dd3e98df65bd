#include "runtime/event.h"

#include <arpa/inet.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace customs::runtime {
namespace {

constexpr std::string_view kEventTypeNames[] = {
    "execve",    "execveat", "procexit",  "connect",   "open",    "openat",   "openat2",     "setuid",       "setgid",
    "setreuid",  "setregid", "setresuid", "setresgid", "ptrace",  "mount",    "init_module", "finit_module", "unlink",
    "unlinkat",  "rename",   "renameat",  "renameat2", "accept",  "accept4",  "bind",        "listen",       "socket",
    "dup",       "dup2",     "dup3",      "close",     "chmod",   "fchmod",   "fchmodat",    "memfd_create", "symlink",
    "symlinkat", "link",     "linkat",    "sendto",    "sendmsg", "recvfrom",
};
static_assert(std::size(kEventTypeNames) == kEventTypeCount);

struct FdKindNames {
  FdKind kind;
  std::string_view name;
  std::string_view typechar;
};
// Falco's fd.type names and fd.typechar letters.
constexpr FdKindNames kFdKinds[] = {
    {FdKind::kFile, "file", "f"},       {FdKind::kDirectory, "directory", "d"}, {FdKind::kIpv4, "ipv4", "4"},
    {FdKind::kIpv6, "ipv6", "6"},       {FdKind::kUnix, "unix", "u"},           {FdKind::kPipe, "pipe", "p"},
    {FdKind::kEvent, "event", "e"},     {FdKind::kSignalfd, "signalfd", "s"},   {FdKind::kEventpoll, "eventpoll", "l"},
    {FdKind::kInotify, "inotify", "i"}, {FdKind::kTimerfd, "timerfd", "t"},     {FdKind::kNetlink, "netlink", "n"},
    {FdKind::kMemfd, "memfd", "m"},     {FdKind::kOther, "unknown", "o"},
};

}  // namespace

std::string_view EventTypeName(EventType type) {
  auto index = static_cast<size_t>(type);
  return index < std::size(kEventTypeNames) ? kEventTypeNames[index] : "unknown";
}

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (size_t i = 0; i < std::size(kEventTypeNames); ++i) {
    if (kEventTypeNames[i] == name) {
      return static_cast<EventType>(i);
    }
  }
  return std::nullopt;
}

std::string_view FdKindName(FdKind kind) {
  for (const auto& entry : kFdKinds) {
    if (entry.kind == kind) {
      return entry.name;
    }
  }
  return "";
}

std::string_view FdKindTypechar(FdKind kind) {
  for (const auto& entry : kFdKinds) {
    if (entry.kind == kind) {
      return entry.typechar;
    }
  }
  return "";
}

std::optional<FdKind> FdKindFromName(std::string_view name) {
  for (const auto& entry : kFdKinds) {
    if (entry.name == name) {
      return entry.kind;
    }
  }
  return std::nullopt;
}

void Event::Clear() {
  type = EventType::kExecve;
  time_ns = num = 0;
  res = 0;
  pid = tid = ppid = 0;
  uid = gid = 0;
  loginuid = UINT32_MAX;
  tty = 0;
  exe_upper_layer = exe_from_memfd = killed_by_sensor = false;
  name.clear();
  exe.clear();
  exepath.clear();
  args.clear();
  cmdline.clear();
  cwd.clear();
  user_name.clear();
  group_name.clear();
  login_name.clear();
  // The ancestors past ancestor_count are never read: their strings stay (ProcessTable::FillAncestors reuses them
  // for the next event of the same process).
  ancestor_count = 0;
  proc_start_ns = 0;
  caps_known = false;
  cap_effective = cap_permitted = cap_inheritable = 0;
  pidns_init_pid = 0;
  pidns_init_start_ns = 0;
  cgroup_id = 0;
  container_id.clear();
  container.reset();
  path.clear();
  path2.clear();
  path_raw.clear();
  flags = mode = 0;
  fd = -1;
  fd_kind = FdKind::kNone;
  l4proto = 0;
  fd_connected = fd_name_changed = server_is_local = false;
  family = 0;
  remote_addr = {};
  remote_port = 0;
  local_addr = {};
  local_port = 0;
  arg0 = arg1 = arg2 = 0;
}

void FinishEvent(Event& event) {
  event.cmdline.assign(event.name);
  if (!event.args.empty()) {
    event.cmdline.push_back(' ');
    event.cmdline.append(event.args);
  }
}

std::string FormatIp(uint8_t family, const uint8_t* addr) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    inet_ntop(AF_INET, addr, buffer, sizeof(buffer));
  } else if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr, buffer, sizeof(buffer));
  } else {
    return {};
  }
  return buffer;
}

std::string FormatAddress(const Event& event) {
  return FormatIp(event.family, event.remote_addr.data());
}

bool ParseAddress(std::string_view text, uint8_t* family, std::array<uint8_t, 16>* addr) {
  if (text.size() >= INET6_ADDRSTRLEN) {
    return false;
  }
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  std::array<uint8_t, 16> out{};
  if (inet_pton(AF_INET, buffer, out.data()) == 1) {
    *family = AF_INET;
    *addr = out;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, out.data()) == 1) {
    *family = AF_INET6;
    *addr = out;
    return true;
  }
  return false;
}

std::string_view ResultName(int64_t res) {
  if (res >= 0) {
    return "SUCCESS";
  }
  switch (-res) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ETXTBSY: return "ETXTBSY";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case EISCONN: return "EISCONN";
    default: return "E";  // unknown errno: still starts with E, as Falco's evt.res does
  }
}

std::string FormatOpenFlags(uint32_t flags) {
  std::string out;
  FormatOpenFlagsTo(flags, &out);
  return out;
}

void FormatOpenFlagsTo(uint32_t flags, std::string* target) {
  std::string& out = *target;
  out.clear();
  switch (flags & O_ACCMODE) {
    case O_RDONLY: out += "O_RDONLY"; break;
    case O_WRONLY: out += "O_WRONLY"; break;
    default: out += "O_RDWR"; break;
  }
  struct Flag {
    uint32_t bit;
    const char* name;
  };
  static constexpr Flag kFlags[] = {
      {O_CREAT, "O_CREAT"},
      {O_EXCL, "O_EXCL"},
      {O_NOCTTY, "O_NOCTTY"},
      {O_TRUNC, "O_TRUNC"},
      {O_APPEND, "O_APPEND"},
      {O_NONBLOCK, "O_NONBLOCK"},
      {O_DSYNC, "O_DSYNC"},
      {O_DIRECTORY, "O_DIRECTORY"},
      {O_NOFOLLOW, "O_NOFOLLOW"},
      {O_CLOEXEC, "O_CLOEXEC"},
      {O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE"},
  };
  for (const Flag& flag : kFlags) {
    if (flags & flag.bit) {
      out += '|';
      out += flag.name;
    }
  }
}

namespace {

nlohmann::json LabelsToJson(const Labels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : labels) {
    out[key] = value;
  }
  return out;
}

bool LabelsFromJson(const nlohmann::json& j, Labels* labels) {
  if (!j.is_object()) {
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) {
      return false;
    }
    labels->emplace_back(key, value.get<std::string>());
  }
  SortLabels(labels);
  return true;
}

}  // namespace

nlohmann::json ContainerMetadataToJson(const ContainerMetadata& m) {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) {
      j[key] = value;
    }
  };
  put("name", m.name);
  put("image", m.image);
  put("image_id", m.image_id);
  put("image_digest", m.image_digest);
  if (m.engine != ContainerEngine::kUnknown) {
    j["type"] = ContainerEngineName(m.engine);
  }
  if (m.privileged >= 0) {
    j["privileged"] = m.privileged == 1;
  }
  if (m.start_ns != 0) {
    j["start_ns"] = m.start_ns;
  }
  if (!m.labels.empty()) {
    j["labels"] = LabelsToJson(m.labels);
  }
  if (!m.k8s_pod_name.empty() || !m.k8s_namespace.empty()) {
    nlohmann::json k8s = nlohmann::json::object();
    k8s["ns"] = m.k8s_namespace;
    k8s["pod"] = m.k8s_pod_name;
    if (!m.k8s_pod_uid.empty()) {
      k8s["pod_uid"] = m.k8s_pod_uid;
    }
    if (!m.k8s_sandbox_id.empty()) {
      k8s["sandbox_id"] = m.k8s_sandbox_id;
    }
    if (!m.k8s_pod_labels.empty()) {
      k8s["pod_labels"] = LabelsToJson(m.k8s_pod_labels);
    }
    j["k8s"] = std::move(k8s);
  }
  j["from_engine"] = m.from_engine;
  return j;
}

Status ContainerMetadataFromJson(const nlohmann::json& j, ContainerMetadata* m) {
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "\"container\" is not an object");
  }
  auto str = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end()) {
      return true;
    }
    if (!it->is_string()) {
      return false;
    }
    *out = it->get<std::string>();
    return true;
  };
  std::string type;
  if (!str("name", &m->name) || !str("image", &m->image) || !str("image_id", &m->image_id) ||
      !str("image_digest", &m->image_digest) || !str("type", &type)) {
    return MakeError(ErrorCode::kCorrupt, "a container field has the wrong JSON type");
  }
  for (ContainerEngine engine : {ContainerEngine::kDocker, ContainerEngine::kPodman, ContainerEngine::kContainerd,
                                 ContainerEngine::kCri, ContainerEngine::kCrio, ContainerEngine::kRunc}) {
    if (type == ContainerEngineName(engine)) {
      m->engine = engine;
    }
  }
  if (auto it = j.find("privileged"); it != j.end() && it->is_boolean()) {
    m->privileged = it->get<bool>() ? 1 : 0;
  }
  if (auto it = j.find("start_ns"); it != j.end() && it->is_number_unsigned()) {
    m->start_ns = it->get<uint64_t>();
  }
  if (auto it = j.find("from_engine"); it != j.end() && it->is_boolean()) {
    m->from_engine = it->get<bool>();
  }
  if (auto it = j.find("labels"); it != j.end() && !LabelsFromJson(*it, &m->labels)) {
    return MakeError(ErrorCode::kCorrupt, "container labels must be an object of strings");
  }
  if (auto it = j.find("k8s"); it != j.end()) {
    if (!it->is_object()) {
      return MakeError(ErrorCode::kCorrupt, "\"k8s\" is not an object");
    }
    const nlohmann::json& k8s = *it;
    auto kstr = [&](const char* key, std::string* out) {
      auto found = k8s.find(key);
      if (found != k8s.end() && found->is_string()) {
        *out = found->get<std::string>();
      }
    };
    kstr("ns", &m->k8s_namespace);
    kstr("pod", &m->k8s_pod_name);
    kstr("pod_uid", &m->k8s_pod_uid);
    kstr("sandbox_id", &m->k8s_sandbox_id);
    if (auto labels = k8s.find("pod_labels"); labels != k8s.end() && !LabelsFromJson(*labels, &m->k8s_pod_labels)) {
      return MakeError(ErrorCode::kCorrupt, "pod labels must be an object of strings");
    }
  }
  return Ok();
}

std::string EventToJson(const Event& event) {
  nlohmann::json j;
  j["type"] = EventTypeName(event.type);
  j["time_ns"] = event.time_ns;
  j["res"] = event.res;
  j["pid"] = event.pid;
  j["tid"] = event.tid;
  j["ppid"] = event.ppid;
  j["uid"] = event.uid;
  j["gid"] = event.gid;
  if (event.loginuid != UINT32_MAX) {
    j["loginuid"] = event.loginuid;
  }
  if (event.tty != 0) {
    j["tty"] = event.tty;
  }
  if (event.exe_upper_layer) {
    j["exe_upper_layer"] = true;
  }
  if (event.exe_from_memfd) {
    j["exe_from_memfd"] = true;
  }
  if (event.killed_by_sensor) {
    j["killed_by_sensor"] = true;
  }
  j["name"] = event.name;
  if (!event.exe.empty()) {
    j["exe"] = event.exe;
  }
  if (!event.exepath.empty()) {
    j["exepath"] = event.exepath;
  }
  if (!event.args.empty()) {
    j["args"] = event.args;
  }
  if (!event.cwd.empty()) {
    j["cwd"] = event.cwd;
  }
  if (!event.user_name.empty()) {
    j["user"] = event.user_name;
  }
  if (!event.group_name.empty()) {
    j["group"] = event.group_name;
  }
  if (!event.login_name.empty()) {
    j["login"] = event.login_name;
  }
  if (event.proc_start_ns != 0) {
    j["proc_start_ns"] = event.proc_start_ns;
  }
  if (event.caps_known) {
    j["caps"] = {
        {"effective", event.cap_effective}, {"permitted", event.cap_permitted}, {"inheritable", event.cap_inheritable}};
  }
  if (event.pidns_init_pid != 0) {
    j["pidns_init_pid"] = event.pidns_init_pid;
    j["pidns_init_start_ns"] = event.pidns_init_start_ns;
  }
  if (event.ancestor_count > 0) {
    auto& list = j["ancestors"] = nlohmann::json::array();
    for (int i = 0; i < event.ancestor_count; ++i) {
      const AncestorInfo& a = event.ancestors[i];
      list.push_back({{"pid", a.pid}, {"name", a.name}, {"exepath", a.exepath}, {"cmdline", a.cmdline}});
    }
  }
  if (event.cgroup_id != 0) {
    j["cgroup_id"] = event.cgroup_id;
  }
  if (!event.container_id.empty()) {
    j["container_id"] = event.container_id;
    if (event.container != nullptr) {
      j["container"] = ContainerMetadataToJson(*event.container);
    }
  }
  if (!event.path.empty()) {
    j["path"] = event.path;
  }
  if (!event.path2.empty()) {
    j["path2"] = event.path2;
  }
  if (!event.path_raw.empty() && event.path_raw != event.path) {
    j["path_raw"] = event.path_raw;
  }
  if (event.flags != 0) {
    j["flags"] = event.flags;
  }
  if (event.mode != 0) {
    j["mode"] = event.mode;
  }
  if (event.fd != -1) {
    j["fd"] = event.fd;
  }
  if (event.fd_kind != FdKind::kNone) {
    j["fd_kind"] = FdKindName(event.fd_kind);
  }
  if (event.l4proto != 0) {
    j["l4proto"] = event.l4proto;
  }
  if (event.fd_connected) {
    j["connected"] = true;
  }
  if (event.fd_name_changed) {
    j["name_changed"] = true;
  }
  if (event.server_is_local) {
    j["server_local"] = true;
  }
  if (event.family == AF_UNIX) {
    j["family"] = "unix";
  } else if (event.family != 0) {
    j["addr"] = FormatAddress(event);
    j["port"] = event.remote_port;
    std::string local = FormatIp(event.family, event.local_addr.data());
    if (local != "0.0.0.0" && local != "::") {
      j["laddr"] = local;
    }
    if (event.local_port != 0) {
      j["lport"] = event.local_port;
    }
  }
  if (event.arg0 != 0) {
    j["arg0"] = event.arg0;
  }
  if (event.arg1 != 0) {
    j["arg1"] = event.arg1;
  }
  if (event.arg2 != 0) {
    j["arg2"] = event.arg2;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

template <class T>
bool GetNumber(const nlohmann::json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) {
    return true;
  }
  if (!it->is_number_integer()) {
    return false;
  }
  *out = it->get<T>();
  return true;
}

bool GetString(const nlohmann::json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) {
    return true;
  }
  if (!it->is_string()) {
    return false;
  }
  *out = it->get_ref<const std::string&>();
  return true;
}

}  // namespace

Status EventFromJson(std::string_view line, Event& event) {
  event.Clear();
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "not a JSON object");
  }
  try {
    auto type_it = j.find("type");
    if (type_it == j.end() || !type_it->is_string()) {
      return MakeError(ErrorCode::kCorrupt, "missing \"type\"");
    }
    auto type = EventTypeFromName(type_it->get_ref<const std::string&>());
    if (!type) {
      return MakeError(ErrorCode::kCorrupt, "unknown event type \"{}\"", type_it->get<std::string>());
    }
    event.type = *type;
    bool ok =
        GetNumber(j, "time_ns", &event.time_ns) && GetNumber(j, "res", &event.res) && GetNumber(j, "pid", &event.pid) &&
        GetNumber(j, "tid", &event.tid) && GetNumber(j, "ppid", &event.ppid) && GetNumber(j, "uid", &event.uid) &&
        GetNumber(j, "gid", &event.gid) && GetNumber(j, "loginuid", &event.loginuid) &&
        GetNumber(j, "tty", &event.tty) && GetString(j, "name", &event.name) && GetString(j, "exe", &event.exe) &&
        GetString(j, "exepath", &event.exepath) && GetString(j, "args", &event.args) &&
        GetString(j, "cwd", &event.cwd) && GetString(j, "user", &event.user_name) &&
        GetString(j, "group", &event.group_name) && GetString(j, "login", &event.login_name) &&
        GetNumber(j, "cgroup_id", &event.cgroup_id) && GetString(j, "container_id", &event.container_id) &&
        GetString(j, "path", &event.path) && GetString(j, "path2", &event.path2) &&
        GetString(j, "path_raw", &event.path_raw) && GetNumber(j, "flags", &event.flags) &&
        GetNumber(j, "mode", &event.mode) && GetNumber(j, "fd", &event.fd) &&
        GetNumber(j, "port", &event.remote_port) && GetNumber(j, "lport", &event.local_port) &&
        GetNumber(j, "l4proto", &event.l4proto) && GetNumber(j, "arg0", &event.arg0) &&
        GetNumber(j, "arg1", &event.arg1) && GetNumber(j, "arg2", &event.arg2) &&
        GetNumber(j, "proc_start_ns", &event.proc_start_ns) && GetNumber(j, "pidns_init_pid", &event.pidns_init_pid) &&
        GetNumber(j, "pidns_init_start_ns", &event.pidns_init_start_ns);
    if (!ok) {
      return MakeError(ErrorCode::kCorrupt, "a field has the wrong JSON type");
    }
    if (auto it = j.find("exe_upper_layer"); it != j.end()) {
      event.exe_upper_layer = it->is_boolean() && it->get<bool>();
    }
    if (auto it = j.find("exe_from_memfd"); it != j.end()) {
      event.exe_from_memfd = it->is_boolean() && it->get<bool>();
    }
    if (auto it = j.find("killed_by_sensor"); it != j.end()) {
      event.killed_by_sensor = it->is_boolean() && it->get<bool>();
    }
    for (const char* key : {"connected", "name_changed", "server_local"}) {
      auto it = j.find(key);
      bool value = it != j.end() && it->is_boolean() && it->get<bool>();
      (key[0] == 'c' ? event.fd_connected : key[0] == 'n' ? event.fd_name_changed : event.server_is_local) = value;
    }
    if (event.path_raw.empty()) {
      event.path_raw = event.path;
    }
    if (auto it = j.find("fd_kind"); it != j.end()) {
      auto kind = it->is_string() ? FdKindFromName(it->get_ref<const std::string&>()) : std::nullopt;
      if (!kind) {
        return MakeError(ErrorCode::kCorrupt, "bad \"fd_kind\"");
      }
      event.fd_kind = *kind;
    }
    if (auto it = j.find("family"); it != j.end() && it->is_string() && it->get_ref<const std::string&>() == "unix") {
      event.family = AF_UNIX;
    }
    if (auto it = j.find("addr"); it != j.end()) {
      if (!it->is_string() || !ParseAddress(it->get_ref<const std::string&>(), &event.family, &event.remote_addr)) {
        return MakeError(ErrorCode::kCorrupt, "bad \"addr\"");
      }
    }
    if (auto it = j.find("laddr"); it != j.end()) {
      uint8_t family = 0;
      if (!it->is_string() || !ParseAddress(it->get_ref<const std::string&>(), &family, &event.local_addr) ||
          (event.family != 0 && family != event.family)) {
        return MakeError(ErrorCode::kCorrupt, "bad \"laddr\"");
      }
    }
    if (auto it = j.find("caps"); it != j.end()) {
      if (!it->is_object() || !GetNumber(*it, "effective", &event.cap_effective) ||
          !GetNumber(*it, "permitted", &event.cap_permitted) ||
          !GetNumber(*it, "inheritable", &event.cap_inheritable)) {
        return MakeError(ErrorCode::kCorrupt, "bad \"caps\"");
      }
      event.caps_known = true;
    }
    if (!event.container_id.empty() &&
        (j.contains("container") || j.contains("container_name") || j.contains("container_image"))) {
      auto metadata = std::make_shared<ContainerMetadata>();
      metadata->id = event.container_id;
      if (auto it = j.find("container"); it != j.end()) {
        CUSTOMS_RETURN_IF_ERROR(ContainerMetadataFromJson(*it, metadata.get()));
      } else {
        // Recordings from before the "container" object: name and image only.
        if (!GetString(j, "container_name", &metadata->name) || !GetString(j, "container_image", &metadata->image)) {
          return MakeError(ErrorCode::kCorrupt, "a container field has the wrong JSON type");
        }
      }
      event.container = std::move(metadata);
    }
    if (auto it = j.find("ancestors"); it != j.end()) {
      if (!it->is_array()) {
        return MakeError(ErrorCode::kCorrupt, "\"ancestors\" is not an array");
      }
      for (const auto& a : *it) {
        if (event.ancestor_count >= kMaxAncestors) {
          break;
        }
        if (!a.is_object()) {
          return MakeError(ErrorCode::kCorrupt, "ancestor is not an object");
        }
        AncestorInfo& info = event.ancestors[event.ancestor_count++];
        info.pid = 0;
        info.name.clear();
        info.exepath.clear();
        info.cmdline.clear();
        if (!GetNumber(a, "pid", &info.pid) || !GetString(a, "name", &info.name) ||
            !GetString(a, "exepath", &info.exepath) || !GetString(a, "cmdline", &info.cmdline)) {
          return MakeError(ErrorCode::kCorrupt, "ancestor field has the wrong JSON type");
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kCorrupt, "{}", e.what());
  }
  FinishEvent(event);
  return Ok();
}

}  // namespace customs::runtime
