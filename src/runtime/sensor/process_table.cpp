#include "runtime/sensor/process_table.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <vector>

#include "core/file_util.h"

namespace customs::runtime {
namespace {

std::string ReadSmall(const std::string& path) {
  auto text = ReadFile(path, 64 << 10);
  return text ? *text : std::string();
}

std::string ReadLink(const std::string& path) {
  char buffer[4096];
  ssize_t n = readlink(path.c_str(), buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

void ParseColonFile(const std::string& text, std::unordered_map<uint32_t, std::string>* out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string_view line(text.data() + start, end - start);
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    size_t c3 = c2 == std::string_view::npos ? c2 : line.find(':', c2 + 1);
    if (c3 != std::string_view::npos) {
      uint32_t id = 0;
      std::string_view number = line.substr(c2 + 1, c3 - c2 - 1);
      auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
      if (ec == std::errc() && !out->count(id)) {
        (*out)[id] = std::string(line.substr(0, c1));
      }
    }
    start = end + 1;
  }
}

}  // namespace

bool ProcessTable::ReadProc(int64_t pid, ProcessEntry* entry) {
  std::string base = proc_root_ + "/" + std::to_string(pid);
  std::string stat = ReadSmall(base + "/stat");
  if (stat.empty()) {
    return false;
  }
  // pid (comm) state ppid ...: comm may contain spaces and parentheses; the last ')' ends it.
  size_t open = stat.find('(');
  size_t close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return false;
  }
  entry->name = stat.substr(open + 1, close - open - 1);
  int64_t ppid = 0;
  if (close + 4 < stat.size()) {
    std::string_view rest(stat.data() + close + 4, stat.size() - close - 4);
    std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  }
  entry->ppid = ppid;
  entry->exepath = ReadLink(base + "/exe");
  std::string cmdline = ReadSmall(base + "/cmdline");
  // cmdline is NUL-separated argv; Falco's proc.cmdline is comm + args.
  std::string args;
  size_t first_nul = cmdline.find('\0');
  if (first_nul != std::string::npos && first_nul + 1 < cmdline.size()) {
    args = cmdline.substr(first_nul + 1);
    while (!args.empty() && args.back() == '\0') {
      args.pop_back();
    }
    for (char& c : args) {
      if (c == '\0') {
        c = ' ';
      }
    }
  }
  entry->cmdline = args.empty() ? entry->name : entry->name + " " + args;
  return true;
}

size_t ProcessTable::Scan() {
  ++generation_;
  DIR* dir = opendir(proc_root_.c_str());
  if (dir == nullptr) {
    return 0;
  }
  size_t count = 0;
  while (dirent* entry = readdir(dir)) {
    int64_t pid = 0;
    std::string_view name(entry->d_name);
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || ptr != name.data() + name.size()) {
      continue;
    }
    ProcessEntry process;
    if (ReadProc(pid, &process)) {
      entries_[pid] = std::move(process);
      ++count;
    }
  }
  closedir(dir);
  return count;
}

void ProcessTable::OnExec(int64_t pid, int64_t ppid, std::string_view name, std::string_view exepath,
                          std::string_view cmdline) {
  ++generation_;
  ProcessEntry& entry = entries_[pid];
  entry.ppid = ppid;
  entry.name.assign(name);
  entry.exepath.assign(exepath);
  entry.cmdline.assign(cmdline);
}

void ProcessTable::OnExit(int64_t pid) {
  ++generation_;
  entries_.erase(pid);
}

const ProcessEntry* ProcessTable::Lookup(int64_t pid) {
  auto it = entries_.find(pid);
  if (it != entries_.end()) {
    return &it->second;
  }
  if (entries_.size() > 1'000'000) {
    entries_.clear();  // bound: exits of filtered processes are not all seen
  }
  ProcessEntry entry;
  if (!ReadProc(pid, &entry)) {
    return nullptr;
  }
  ++generation_;
  return &(entries_[pid] = std::move(entry));
}

void ProcessTable::FillAncestors(Event& event) {
  // Event::Clear keeps the ancestors' strings: they are still those of the last fill.
  if (&event == filled_event_ && event.pid == filled_pid_ && event.ppid == filled_ppid_ &&
      generation_ == filled_generation_) {
    event.ancestor_count = filled_count_;
    return;
  }
  event.ancestor_count = 0;
  int64_t pid = event.ppid;
  for (int i = 0; i < kMaxAncestors && pid > 0; ++i) {
    const ProcessEntry* entry = Lookup(pid);
    if (entry == nullptr) {
      break;
    }
    AncestorInfo& a = event.ancestors[event.ancestor_count++];
    a.pid = pid;
    a.name = entry->name;
    a.exepath = entry->exepath;
    a.cmdline = entry->cmdline;
    if (entry->ppid == pid) {
      break;
    }
    pid = entry->ppid;
  }
  filled_event_ = &event;
  filled_pid_ = event.pid;
  filled_ppid_ = event.ppid;
  filled_count_ = event.ancestor_count;
  filled_generation_ = generation_;
}

UserNames::Db& UserNames::Load(const std::string& container_key, int64_t pid) {
  auto it = dbs_.find(container_key);
  if (it != dbs_.end()) {
    return it->second;
  }
  Db db;
  std::string root = container_key.empty() ? std::string() : "/proc/" + std::to_string(pid) + "/root";
  ParseColonFile(ReadSmall(root + "/etc/passwd"), &db.users);
  ParseColonFile(ReadSmall(root + "/etc/group"), &db.groups);
  if (db.users.empty() && !container_key.empty()) {
    // The process is already gone (or has no passwd): do not cache, try again with the next event.
    static thread_local Db empty;
    empty = std::move(db);
    return empty;
  }
  if (dbs_.size() > 4096) {
    dbs_.clear();
  }
  return dbs_[container_key] = std::move(db);
}

std::string_view UserNames::User(const std::string& container_key, int64_t pid, uint32_t uid) {
  Db& db = Load(container_key, pid);
  auto it = db.users.find(uid);
  return it == db.users.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view UserNames::Group(const std::string& container_key, int64_t pid, uint32_t gid) {
  Db& db = Load(container_key, pid);
  auto it = db.groups.find(gid);
  return it == db.groups.end() ? std::string_view() : std::string_view(it->second);
}

std::string NormalizePath(std::string_view path, std::string_view base) {
  // Most paths are absolute and already normal: no "//", "/./", "/../" or trailing "/".
  if (!path.empty() && path.front() == '/' && path.find("//") == std::string_view::npos &&
      path.find("/.") == std::string_view::npos && (path.size() == 1 || path.back() != '/')) {
    return std::string(path);
  }
  std::vector<std::string_view> parts;
  auto push = [&](std::string_view text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t slash = text.find('/', start);
      if (slash == std::string_view::npos) {
        slash = text.size();
      }
      std::string_view part = text.substr(start, slash - start);
      if (part == "..") {
        if (!parts.empty()) {
          parts.pop_back();
        }
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      start = slash + 1;
    }
  };
  if (path.empty() || path.front() != '/') {
    push(base);
  }
  push(path);
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? std::string("/") : out;
}

std::string ProcPathInRoot(int64_t pid, std::string_view link) {
  std::string base = "/proc/" + std::to_string(pid) + "/";
  std::string target = ReadLink(base + std::string(link));
  if (target.empty()) {
    return target;
  }
  std::string root = ReadLink(base + "root");
  if (root.empty() || root == "/") {
    return target;
  }
  if (target == root) {
    return "/";
  }
  if (target.size() > root.size() && target.compare(0, root.size(), root) == 0 && target[root.size()] == '/') {
    return target.substr(root.size());
  }
  return target;
}

}  // namespace customs::runtime
