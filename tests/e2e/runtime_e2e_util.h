// Helpers for the runtime end-to-end tests (root + eBPF + real container engines): processes with timeouts, the test
// root filesystem (Debian bookworm from mmdebstrap, cached under the build directory), a `customs watch` process and
// its alerts, and the files a watch needs in a test (a hosts file, a country database, a scope that limits every
// rule to the test's own containers so that a test never acts on another process's containers on a shared host).
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace customs::runtime_e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const fs::path kBinary = fs::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
inline const fs::path kRootfs = fs::path(CUSTOMS_BINARY_DIR) / "testimages" / "runtime-rootfs-v2";
inline const fs::path kHelpers = fs::path(CUSTOMS_BINARY_DIR) / "src" / "runtime";
inline const fs::path kMemfdHelper = kHelpers / "runtime_e2e_memfd_helper";
inline const fs::path kTriggersHelper = kHelpers / "runtime_e2e_triggers_helper";

// Starts a process; stdout+stderr go to `log`. Returns the pid or -1.
inline pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Waits for `pid` up to `timeout`; returns the wait status, or -1 on timeout (the process is left running).
inline int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -2;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(5ms);
  }
}

// SIGTERM, then SIGKILL after `grace`; only for pids this test started.
inline void Stop(pid_t pid, std::chrono::milliseconds grace = 10s) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  if (WaitFor(pid, grace) == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

inline std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a command to completion (bounded); returns stdout+stderr. *status: the wait status, -1 on timeout.
inline std::string RunCommand(const std::vector<std::string>& argv, int* status = nullptr,
                              std::chrono::milliseconds timeout = 60s) {
  char path[] = "/tmp/customs-e2e-outXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  pid_t pid = Spawn(argv, path);
  int st = pid > 0 ? WaitFor(pid, timeout) : -3;
  if (st == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  if (status) *status = st;
  std::string out = ReadAll(path);
  unlink(path);
  return out;
}

inline bool Succeeded(int status) {
  return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Whether anything is mounted at or below `path` (an interrupted run can leave mounts: removing such a tree would
// reach into what is mounted).
inline std::vector<std::string> MountsUnder(const fs::path& path) {
  std::istringstream lines(ReadAll("/proc/self/mountinfo"));
  std::string line;
  std::vector<std::string> out;
  std::string prefix = path.string();
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point == prefix || mount_point.rfind(prefix + "/", 0) == 0) out.push_back(mount_point);
  }
  return out;
}

// Unmounts what is left below `dir` (deepest first), then removes it.
inline void RemoveTree(const fs::path& dir) {
  if (dir.empty()) return;
  for (int round = 0; round < 5; ++round) {
    auto mounts = MountsUnder(dir);
    if (mounts.empty()) break;
    std::sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& m : mounts) umount2(m.c_str(), MNT_DETACH);
  }
  if (MountsUnder(dir).empty()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

inline std::string RandomHex(size_t length) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  std::string id;
  while (id.size() < length) id += fmt::format("{:016x}", gen());
  return id.substr(0, length);
}

// Holds an exclusive flock(2) on `path` while alive: the runtime suites run in parallel under `ctest -j`, and the
// first to need a cached root filesystem builds it while the other waits (without the lock the second saw the first's
// half-built tree, with its mounts, and failed).
class BuildLock {
 public:
  explicit BuildLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~BuildLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  BuildLock(const BuildLock&) = delete;
  BuildLock& operator=(const BuildLock&) = delete;

 private:
  int fd_ = -1;
};

// The test root filesystem: Debian bookworm minbase with real binaries (busybox applets would hide execs), netcat
// and e2fsprogs (debugfs). Built once per build directory.
inline bool BuildRootfs(std::string* reason) {
  BuildLock lock(kRootfs.string() + ".lock");
  if (fs::exists(kRootfs / "usr" / "bin" / "nc.openbsd") && fs::exists(kRootfs / "usr" / "sbin" / "debugfs")) {
    return true;
  }
  if (access("/usr/bin/mmdebstrap", X_OK) != 0) {
    *reason = "mmdebstrap is not installed";
    return false;
  }
  fs::path tmp = kRootfs.string() + ".tmp";
  if (!MountsUnder(tmp).empty() || !MountsUnder(kRootfs).empty()) {
    *reason = "file systems are still mounted below " + tmp.string() + " (an interrupted build): unmount them";
    return false;
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::remove_all(kRootfs, ec);
  fs::create_directories(kRootfs.parent_path());
  int status = 0;
  std::string out =
      RunCommand({"mmdebstrap", "--variant=minbase", "--include=netcat-openbsd,e2fsprogs",
                  "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr", "--skip=output/dev",
                  // See scripts/testimages.sh: apt-key's own gpgv lookup can fail on this machine.
                  "--aptopt=APT::Key::gpgvcommand \"/usr/bin/gpgv\"", "bookworm", tmp.string(),
                  // An explicit mirror: without one mmdebstrap copies the host's deb822 sources, and on a fresh machine
                  // that failed with "gpgv ... required for verification" (scripts/testimages.sh does the same).
                  "deb http://deb.debian.org/debian bookworm main"},
                 &status, 600s);
  if (!Succeeded(status)) {
    *reason = "mmdebstrap failed: " + out.substr(out.size() > 400 ? out.size() - 400 : 0);
    return false;
  }
  fs::rename(tmp, kRootfs);
  return true;
}

// A small root filesystem for the engine tests (bash, sleep, netcat and what they link against, user and group
// files), cut from the test root filesystem: importing it into docker, podman and containerd takes seconds, not a
// minute. Cached as one tar.
inline bool SmallRootfsTar(fs::path* tar, std::string* reason) {
  *tar = kRootfs.string() + "-small.tar";
  BuildLock lock(kRootfs.string() + "-small.lock");  // then BuildRootfs takes the root filesystem's own lock
  if (fs::exists(*tar)) return true;
  if (!BuildRootfs(reason)) return false;
  fs::path stage = kRootfs.string() + "-small.tmp";
  std::error_code ec;
  fs::remove_all(stage, ec);
  for (const char* dir : {"usr/bin", "usr/lib/x86_64-linux-gnu", "usr/lib64", "etc", "tmp", "proc", "sys", "dev"}) {
    fs::create_directories(stage / dir);
  }
  fs::create_directory_symlink("usr/bin", stage / "bin");
  fs::create_directory_symlink("usr/bin", stage / "sbin");
  fs::create_directory_symlink("usr/lib", stage / "lib");
  fs::create_directory_symlink("usr/lib64", stage / "lib64");
  fs::permissions(stage / "tmp", fs::perms::all | fs::perms::sticky_bit);
  // A path as the merged-/usr root has it ("/lib/x/libc.so.6" -> "usr/lib/x/libc.so.6").
  auto in_usr = [](std::string path) {
    if (path.rfind("/usr/", 0) == 0) return path.substr(1);
    return "usr" + path;
  };
  std::vector<std::pair<std::string, std::string>> files = {
      {"usr/bin/bash", "usr/bin/bash"}, {"usr/bin/sleep", "usr/bin/sleep"},        {"usr/bin/true", "usr/bin/true"},
      {"usr/bin/cat", "usr/bin/cat"},   {"usr/bin/nc.openbsd", "usr/bin/nc"},      {"etc/passwd", "etc/passwd"},
      {"etc/group", "etc/group"},       {"etc/nsswitch.conf", "etc/nsswitch.conf"}};
  for (const char* binary : {"usr/bin/bash", "usr/bin/sleep", "usr/bin/nc.openbsd", "usr/bin/cat"}) {
    int status = 0;
    std::string out = RunCommand({"ldd", (kRootfs / binary).string()}, &status, 30s);
    if (!Succeeded(status)) {
      *reason = "ldd failed: " + out;
      return false;
    }
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      size_t slash = line.find('/');
      if (slash == std::string::npos) continue;
      std::string path = line.substr(slash, line.find(' ', slash) - slash);
      files.emplace_back(in_usr(path), in_usr(path));
    }
  }
  for (const auto& [from, to] : files) {
    fs::create_directories((stage / to).parent_path());
    fs::copy_file(kRootfs / from, stage / to, fs::copy_options::overwrite_existing, ec);  // follows symlinks
    if (ec) {
      *reason = "copying " + from + ": " + ec.message();
      return false;
    }
  }
  int status = 0;
  std::string out = RunCommand({"tar", "-C", stage.string(), "-cf", tar->string() + ".tmp", "."}, &status, 60s);
  fs::remove_all(stage, ec);
  if (!Succeeded(status)) {
    *reason = "tar failed: " + out;
    return false;
  }
  fs::rename(tar->string() + ".tmp", *tar);
  return true;
}

// A `customs watch --enforce` process writing alerts and events into `dir`.
class Watch {
 public:
  ~Watch() { Stop(); }

  // Starts the watch with `args` (after "watch --enforce ..."); waits until the sensor is attached.
  void Start(const fs::path& dir, const std::vector<std::string>& args) {
    dir_ = dir;
    alerts_ = dir / "alerts.jsonl";
    log_ = dir / "watch.log";
    std::vector<std::string> argv = {
        kBinary.string(), "watch", "--enforce", "--output-file", alerts_.string(),
        "--duration",     "240",   "--stats",   "--record",      (dir / "events.jsonl").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = runtime_e2e::Spawn(argv, log_);
    ASSERT_GT(pid_, 0);
    for (int i = 0; i < 3000; ++i) {
      if (ReadAll(log_).find("sensor attached") != std::string::npos) return;
      ASSERT_EQ(WaitFor(pid_, 0ms), -1) << "watch exited: " << ReadAll(log_);
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "watch did not start: " << ReadAll(log_);
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (WaitFor(pid_, 10s) == -1) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
  }

  std::vector<nlohmann::json> Alerts() const {
    std::vector<nlohmann::json> out;
    std::istringstream lines(ReadAll(alerts_));
    std::string line;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
    return out;
  }

  // Waits until `count` alerts satisfy `pred`; returns them (fewer on timeout).
  std::vector<nlohmann::json> WaitForAlerts(const std::function<bool(const nlohmann::json&)>& pred, size_t count,
                                            std::chrono::milliseconds timeout = 15s) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<nlohmann::json> found;
    while (true) {
      found.clear();
      for (auto& a : Alerts()) {
        if (pred(a)) found.push_back(a);
      }
      if (found.size() >= count || std::chrono::steady_clock::now() >= deadline) return found;
      std::this_thread::sleep_for(20ms);
    }
  }

  nlohmann::json WaitForRule(const std::string& rule, std::chrono::milliseconds timeout = 15s) const {
    auto found = WaitForAlerts([&](const nlohmann::json& a) { return a.value("rule", "") == rule; }, 1, timeout);
    return found.empty() ? nlohmann::json() : found[0];
  }

  std::string Log() const { return ReadAll(log_); }
  std::string Diagnostics() const { return "watch log:\n" + Log() + "\nalerts:\n" + ReadAll(alerts_); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_, alerts_, log_;
  pid_t pid_ = -1;
};

// A rules file that limits a rule set to containers whose image repository starts with `image_prefix` or whose id
// starts with `id_prefix`, so that tests act only on their own containers, whatever else runs on the machine:
// kCustoms appends to the built-in rules' macro customs_container, kFalco to Falco's macro container, kDefine
// defines a macro e2e_scope for a test's own rules.
enum class ScopeFor { kCustoms, kFalco, kDefine };
inline void WriteScope(const fs::path& path, const std::string& image_prefix, const std::string& id_prefix,
                       ScopeFor mode = ScopeFor::kCustoms) {
  if (image_prefix.empty() || id_prefix.empty()) {
    ADD_FAILURE() << "an empty scope prefix would match every container";
    return;
  }
  std::string scope = fmt::format(
      "(container.image.repository startswith \"{}\" or container.full_id startswith \"{}\")", image_prefix, id_prefix);
  std::ofstream out(path);
  if (mode == ScopeFor::kDefine) {
    out << "- macro: e2e_scope\n  condition: (container.id != host and " << scope << ")\n";
    return;
  }
  out << "- macro: " << (mode == ScopeFor::kFalco ? "container" : "customs_container") << "\n  condition: and " << scope
      << "\n  override: {condition: append}\n";
}

// A country database (Tor's geoip format) that maps one loopback address to `country`: tests may only connect to
// loopback, so the "foreign" address is 127.0.0.2.
inline void WriteGeoip(const fs::path& path, const std::string& address_decimal, const std::string& country) {
  std::ofstream(path) << "# test database: " << address_decimal << " -> " << country << "\n"
                      << address_decimal << "," << address_decimal << "," << country << "\n"
                      << "16777216,16777471,AU\n";
}

}  // namespace customs::runtime_e2e
