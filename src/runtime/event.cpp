#include "runtime/event.h"

#include <arpa/inet.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace customs::runtime {
namespace {

constexpr std::string_view kEventTypeNames[] = {
    "execve",       "execveat", "procexit", "connect",   "open",      "openat",    "openat2", "setuid",
    "setgid",       "setreuid", "setregid", "setresuid", "setresgid", "ptrace",    "mount",   "init_module",
    "finit_module", "unlink",   "unlinkat", "rename",    "renameat",  "renameat2",
};
static_assert(std::size(kEventTypeNames) == kEventTypeCount);

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
  for (int i = 0; i < ancestor_count; ++i) {
    ancestors[i].pid = 0;
    ancestors[i].name.clear();
    ancestors[i].exepath.clear();
    ancestors[i].cmdline.clear();
  }
  ancestor_count = 0;
  cgroup_id = 0;
  container_id.clear();
  container_name.clear();
  container_image.clear();
  path.clear();
  path2.clear();
  flags = mode = 0;
  fd = -1;
  family = 0;
  remote_addr = {};
  remote_port = 0;
  arg0 = arg1 = 0;
}

void FinishEvent(Event& event) {
  event.cmdline.assign(event.name);
  if (!event.args.empty()) {
    event.cmdline.push_back(' ');
    event.cmdline.append(event.args);
  }
}

std::string FormatAddress(const Event& event) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (event.family == AF_INET) {
    inet_ntop(AF_INET, event.remote_addr.data(), buffer, sizeof(buffer));
  } else if (event.family == AF_INET6) {
    inet_ntop(AF_INET6, event.remote_addr.data(), buffer, sizeof(buffer));
  } else {
    return {};
  }
  return buffer;
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
    if (!event.container_name.empty()) {
      j["container_name"] = event.container_name;
    }
    if (!event.container_image.empty()) {
      j["container_image"] = event.container_image;
    }
  }
  if (!event.path.empty()) {
    j["path"] = event.path;
  }
  if (!event.path2.empty()) {
    j["path2"] = event.path2;
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
  if (event.family != 0) {
    j["addr"] = FormatAddress(event);
    j["port"] = event.remote_port;
  }
  if (event.arg0 != 0) {
    j["arg0"] = event.arg0;
  }
  if (event.arg1 != 0) {
    j["arg1"] = event.arg1;
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
        GetString(j, "group", &event.group_name) && GetNumber(j, "cgroup_id", &event.cgroup_id) &&
        GetString(j, "container_id", &event.container_id) && GetString(j, "container_name", &event.container_name) &&
        GetString(j, "container_image", &event.container_image) && GetString(j, "path", &event.path) &&
        GetString(j, "path2", &event.path2) && GetNumber(j, "flags", &event.flags) &&
        GetNumber(j, "mode", &event.mode) && GetNumber(j, "fd", &event.fd) &&
        GetNumber(j, "port", &event.remote_port) && GetNumber(j, "arg0", &event.arg0) &&
        GetNumber(j, "arg1", &event.arg1);
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
    if (auto it = j.find("addr"); it != j.end()) {
      if (!it->is_string() || !ParseAddress(it->get_ref<const std::string&>(), &event.family, &event.remote_addr)) {
        return MakeError(ErrorCode::kCorrupt, "bad \"addr\"");
      }
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
