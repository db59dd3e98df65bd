// Real end-to-end tests of `customs watch --enforce` (root + eBPF): a runc container on a root filesystem of real
// Debian binaries (mmdebstrap, cached under the build directory), the built customs binary with the default rules,
// and real misbehaviour inside the container: a shell, a connect to a forbidden loopback address, a read of
// /etc/shadow. Each test asserts the alert (rule, container id, action result) and that the container is gone.
// Everything is bounded in time and cleaned up (containers, bundles, the watch process) even on failure.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/sensor/bpf_source.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kBinary = fs::path(CUSTOMS_BINARY_DIR) / "cli" / "customs";
const fs::path kRootfs = fs::path(CUSTOMS_BINARY_DIR) / "testimages" / "runtime-rootfs";
const fs::path kMemfdHelper = fs::path(CUSTOMS_BINARY_DIR) / "src" / "runtime" / "runtime_e2e_memfd_helper";

// Starts a process; stdout+stderr go to `log`. Returns the pid or -1.
pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log) {
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

// Waits for `pid` up to `timeout`; returns the exit status, or -1 on timeout (the process is left running).
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -2;
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

// Runs a command to completion (bounded); returns its output.
std::string RunCommand(const std::vector<std::string>& argv, int* status = nullptr,
                       std::chrono::milliseconds timeout = 30s) {
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
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  return ss.str();
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whether anything is mounted at or below `path` (an interrupted mmdebstrap leaves /proc, /sys, /dev/pts mounted:
// removing such a tree would reach into the host's).
bool HasMountsUnder(const fs::path& path) {
  std::istringstream lines(ReadAll("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point.rfind(path.string(), 0) == 0) return true;
  }
  return false;
}

bool BuildRootfs(std::string* reason) {
  if (fs::exists(kRootfs / "usr" / "bin" / "nc.openbsd")) return true;
  if (access("/usr/bin/mmdebstrap", X_OK) != 0) {
    *reason = "mmdebstrap is not installed";
    return false;
  }
  fs::path tmp = kRootfs.string() + ".tmp";
  if (HasMountsUnder(tmp) || HasMountsUnder(kRootfs)) {
    *reason = "file systems are still mounted below " + tmp.string() + " (an interrupted build): unmount them";
    return false;
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::remove_all(kRootfs, ec);
  fs::create_directories(kRootfs.parent_path());
  int status = 0;
  std::string out = RunCommand(
      {"mmdebstrap", "--variant=minbase", "--include=netcat-openbsd",
       "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr", "--skip=output/dev",
       // See scripts/testimages.sh: apt-key's own gpgv lookup can fail on this machine.
       "--aptopt=APT::Key::gpgvcommand \"/usr/bin/gpgv\"", "bookworm", tmp.string(),
       // An explicit mirror: without one mmdebstrap copies the host's deb822 sources, and on a fresh
       // machine that failed with "gpgv ... required for verification" (scripts/testimages.sh does the same).
       "deb http://deb.debian.org/debian bookworm main"},
      &status, 300s);
  if (status != 0) {
    *reason = "mmdebstrap failed: " + out.substr(out.size() > 400 ? out.size() - 400 : 0);
    return false;
  }
  fs::rename(tmp, kRootfs);
  return true;
}

std::string RandomHexId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  std::string id;
  while (id.size() < 64) id += fmt::format("{:016x}", gen());
  return id.substr(0, 64);
}

class RuntimeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!customs::runtime::BpfAvailable(&reason)) GTEST_SKIP() << "eBPF unavailable: " << reason;
    if (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0) GTEST_SKIP() << "runc missing";
    ASSERT_TRUE(fs::exists(kBinary)) << kBinary;
    ASSERT_TRUE(BuildRootfs(&reason)) << reason;
    char dir_template[] = "/tmp/customs-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    id_ = RandomHexId();
  }

  void TearDown() override {
    if (watch_pid_ > 0) {
      kill(watch_pid_, SIGTERM);
      if (WaitFor(watch_pid_, 5s) == -1) {
        kill(watch_pid_, SIGKILL);
        waitpid(watch_pid_, nullptr, 0);
      }
    }
    if (!id_.empty() && !dir_.empty()) {
      RunCommand({"runc", "kill", id_, "KILL"}, nullptr, 5s);
      RunCommand({"runc", "delete", "--force", id_}, nullptr, 5s);
    }
    if (runc_pid_ > 0 && WaitFor(runc_pid_, 5s) == -1) {
      kill(runc_pid_, SIGKILL);
      waitpid(runc_pid_, nullptr, 0);
    }
    if (!overlay_.empty()) umount2(overlay_.c_str(), MNT_DETACH);
    if (!dir_.empty() && !HasMountsUnder(dir_)) fs::remove_all(dir_);
  }

  // A writable overlay root (lower: the shared root filesystem), like an image's layers plus the container's
  // writable upper layer.
  void UseOverlayRoot() {
    fs::create_directories(dir_ / "upper");
    fs::create_directories(dir_ / "work");
    fs::create_directories(dir_ / "merged");
    std::string options = "lowerdir=" + kRootfs.string() + ",upperdir=" + (dir_ / "upper").string() +
                          ",workdir=" + (dir_ / "work").string();
    ASSERT_EQ(mount("overlay", (dir_ / "merged").c_str(), "overlay", 0, options.c_str()), 0) << std::strerror(errno);
    overlay_ = dir_ / "merged";
  }

  // Starts `sleep 300` in a runc container (host network, read-only root) and waits until it runs.
  void StartContainer() {
    fs::path bundle = dir_ / "bundle";
    fs::create_directories(bundle);
    int status = 0;
    RunCommand({"runc", "spec", "--bundle", bundle.string()}, &status);
    ASSERT_EQ(status, 0);
    auto config = nlohmann::json::parse(ReadAll(bundle / "config.json"));
    if (overlay_.empty()) {
      config["root"] = {{"path", kRootfs.string()}, {"readonly", true}};
    } else {
      config["root"] = {{"path", overlay_.string()}, {"readonly", false}};
    }
    config["process"]["terminal"] = false;
    config["process"]["args"] = {"sleep", "300"};
    // The memfd helper, bind-mounted read-only (the root filesystem is shared and read-only).
    config["mounts"].push_back({{"destination", "/customs-memfd-exec"},
                                {"type", "bind"},
                                {"source", kMemfdHelper.string()},
                                {"options", {"rbind", "ro"}}});
    auto& namespaces = config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end();) {
      it = (*it)["type"] == "network" ? namespaces.erase(it) : it + 1;
    }
    std::ofstream(bundle / "config.json") << config.dump(2);
    runc_pid_ = Spawn({"runc", "run", "--bundle", bundle.string(), id_}, dir_ / "runc.log");
    ASSERT_GT(runc_pid_, 0);
    for (int i = 0; i < 500; ++i) {
      std::string state = RunCommand({"runc", "state", id_}, nullptr, 5s);
      if (state.find("\"running\"") != std::string::npos) return;
      ASSERT_EQ(WaitFor(runc_pid_, 0ms), -1) << "runc exited: " << ReadAll(dir_ / "runc.log");
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "container did not start: " << ReadAll(dir_ / "runc.log");
  }

  void StartWatch(const std::vector<std::string>& extra = {}) {
    alerts_ = dir_ / "alerts.jsonl";
    std::vector<std::string> argv = {
        kBinary.string(), "watch", "--enforce", "--output-file", alerts_.string(),
        "--duration",     "60",    "--stats",   "--record",      (dir_ / "events.jsonl").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    watch_pid_ = Spawn(argv, dir_ / "watch.log");
    ASSERT_GT(watch_pid_, 0);
    for (int i = 0; i < 1000; ++i) {
      if (ReadAll(dir_ / "watch.log").find("sensor attached") != std::string::npos) return;
      ASSERT_EQ(WaitFor(watch_pid_, 0ms), -1) << "watch exited: " << ReadAll(dir_ / "watch.log");
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "watch did not start: " << ReadAll(dir_ / "watch.log");
  }

  // Waits for an alert of `rule`; returns it (null json on timeout).
  nlohmann::json WaitForAlert(const std::string& rule, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::istringstream lines(ReadAll(alerts_));
      std::string line;
      while (std::getline(lines, line)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("rule", "") == rule) return j;
      }
      std::this_thread::sleep_for(20ms);
    }
    return nullptr;
  }

  void ExpectContainerGone() {
    // The foreground `runc run` exits when the container's init dies.
    int status = WaitFor(runc_pid_, 10s);
    EXPECT_NE(status, -1) << "container still running";
    if (status != -1) runc_pid_ = -1;
    std::string state = RunCommand({"runc", "state", id_}, nullptr, 5s);
    EXPECT_EQ(state.find("\"running\""), std::string::npos) << state;
  }

  void ExpectKilledContainer(const nlohmann::json& alert) {
    ASSERT_FALSE(alert.is_null()) << "no alert; watch log: " << ReadAll(dir_ / "watch.log")
                                  << "\nalerts: " << ReadAll(alerts_);
    EXPECT_EQ(alert["container.id"], id_.substr(0, 12));
    ASSERT_TRUE(alert["actions"].is_array());
    ASSERT_EQ(alert["actions"].size(), 1u) << alert.dump();
    EXPECT_EQ(alert["actions"][0]["action"], "kill_container");
    EXPECT_EQ(alert["actions"][0]["dry_run"], false);
    EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
    ExpectContainerGone();
  }

  fs::path dir_;
  fs::path overlay_;
  fs::path alerts_;
  std::string id_;
  pid_t runc_pid_ = -1;
  pid_t watch_pid_ = -1;
};

TEST_F(RuntimeE2eTest, ShellInContainerIsAlertedAndContainerKilled) {
  StartContainer();
  StartWatch();
  if (HasFatalFailure()) return;
  int status = 0;
  RunCommand({"runc", "exec", id_, "bash", "-c", "sleep 20"}, &status, 30s);
  nlohmann::json alert = WaitForAlert("Shell spawned in a container");
  ExpectKilledContainer(alert);
  EXPECT_EQ(alert["output_fields"]["proc.name"], "bash");
}

TEST_F(RuntimeE2eTest, ConnectToForbiddenAddressIsAlertedAndContainerKilled) {
  // The "forbidden" destination: a loopback address outside the allow list (which has 127.0.0.1 only), on a port
  // this test listens on (the container shares the host network namespace).
  int server = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.77", &addr.sin_addr);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(server, 8);
  int port = ntohs(addr.sin_port);
  StartContainer();
  StartWatch();
  if (!HasFatalFailure()) {
    RunCommand({"runc", "exec", id_, "nc", "-w", "2", "127.0.0.77", std::to_string(port)}, nullptr, 30s);
    nlohmann::json alert = WaitForAlert("Outbound connection to a destination not on the allow list");
    ExpectKilledContainer(alert);
    if (!alert.is_null()) {
      EXPECT_EQ(alert["output_fields"]["fd.name"], fmt::format("127.0.0.77:{}", port));
    }
  }
  close(server);
}

TEST_F(RuntimeE2eTest, ShadowReadIsAlertedAndContainerKilled) {
  StartContainer();
  StartWatch();
  if (HasFatalFailure()) return;
  RunCommand({"runc", "exec", id_, "cat", "/etc/shadow"}, nullptr, 30s);
  nlohmann::json alert = WaitForAlert("Sensitive file read in a container");
  ExpectKilledContainer(alert);
  if (!alert.is_null()) {
    EXPECT_EQ(alert["output_fields"]["fd.name"], "/etc/shadow");
    EXPECT_EQ(alert["output_fields"]["proc.name"], "cat");
  }
}

TEST_F(RuntimeE2eTest, DenyNetworkMakesLaterConnectsFail) {
  int server = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.78", &addr.sin_addr);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(server, 8);
  int port = ntohs(addr.sin_port);
  StartContainer();
  std::ofstream(dir_ / "deny.yaml") << fmt::format(R"(
- rule: Connect to the watched port
  condition: evt.type = connect and container.id != host and fd.sport = {}
  output: connect to %fd.name by %proc.name
  priority: WARNING
  actions: [deny_network]
)",
                                                   port);
  StartWatch({"--rules", (dir_ / "deny.yaml").string()});
  if (!HasFatalFailure()) {
    int status = 0;
    std::string first =
        RunCommand({"runc", "exec", id_, "nc", "-z", "-w", "2", "127.0.0.78", std::to_string(port)}, &status, 30s);
    EXPECT_EQ(status, 0) << "the first connect is allowed: " << first;
    nlohmann::json alert = WaitForAlert("Connect to the watched port");
    ASSERT_FALSE(alert.is_null()) << ReadAll(dir_ / "watch.log");
    EXPECT_EQ(alert["container.id"], id_.substr(0, 12));
    ASSERT_EQ(alert["actions"].size(), 1u);
    EXPECT_EQ(alert["actions"][0]["action"], "deny_network");
    EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
    std::string second = RunCommand(
        {"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.78", std::to_string(port)}, &status, 30s);
    EXPECT_NE(status, 0) << second;
    EXPECT_NE(second.find("Operation not permitted"), std::string::npos) << second;
    // The container itself keeps running: deny_network is not a kill.
    EXPECT_NE(RunCommand({"runc", "state", id_}, nullptr, 5s).find("\"running\""), std::string::npos);
  }
  close(server);
}

TEST_F(RuntimeE2eTest, MemfdExecIsKilledInTheKernelBeforeItRuns) {
  ASSERT_TRUE(fs::exists(kMemfdHelper)) << kMemfdHelper;
  StartContainer();
  StartWatch();
  if (HasFatalFailure()) return;
  int status = 0;
  // The payload would print a marker; bpf_send_signal(SIGKILL) in the exec tracepoint kills it first.
  std::string out =
      RunCommand({"runc", "exec", id_, "/customs-memfd-exec", "/usr/bin/echo", "PAYLOAD-RAN"}, &status, 30s);
  EXPECT_EQ(out.find("PAYLOAD-RAN"), std::string::npos) << out;
  EXPECT_NE(status, 0);
  nlohmann::json alert = WaitForAlert("Executable not from the container image");
  ASSERT_FALSE(alert.is_null()) << ReadAll(dir_ / "watch.log") << ReadAll(alerts_);
  EXPECT_EQ(alert["container.id"], id_.substr(0, 12));
  EXPECT_EQ(alert["output_fields"]["proc.is_exe_from_memfd"], "true");
  // fexecve is execveat(fd, "", AT_EMPTY_PATH): the sensor tells it apart from execve.
  EXPECT_NE(ReadAll(dir_ / "events.jsonl").find("\"type\":\"execveat\""), std::string::npos);
  ASSERT_EQ(alert["actions"].size(), 1u);
  EXPECT_EQ(alert["actions"][0]["action"], "kill_process");
  EXPECT_EQ(alert["actions"][0]["ok"], true);
  EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("bpf_send_signal"), std::string::npos)
      << alert.dump();
  // A normal exec in the same container still works (only the memfd exec was killed).
  out = RunCommand({"runc", "exec", id_, "/usr/bin/echo", "STILL-FINE"}, &status, 30s);
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("STILL-FINE"), std::string::npos);
}

TEST_F(RuntimeE2eTest, UpperLayerExecIsKilledInTheKernel) {
  UseOverlayRoot();
  StartContainer();
  StartWatch();
  if (HasFatalFailure()) return;
  int status = 0;
  // A binary that was not in the image: copied into the container's writable layer, then run.
  RunCommand({"runc", "exec", id_, "cp", "/usr/bin/echo", "/dropped"}, &status, 30s);
  ASSERT_EQ(status, 0);
  ASSERT_TRUE(fs::exists(dir_ / "upper" / "dropped"));
  std::string out = RunCommand({"runc", "exec", id_, "/dropped", "DROPPED-RAN"}, &status, 30s);
  EXPECT_EQ(out.find("DROPPED-RAN"), std::string::npos) << out;
  nlohmann::json alert = WaitForAlert("Executable not from the container image");
  ASSERT_FALSE(alert.is_null()) << ReadAll(dir_ / "watch.log") << ReadAll(alerts_);
  EXPECT_EQ(alert["output_fields"]["proc.is_exe_upper_layer"], "true");
  EXPECT_EQ(alert["output_fields"]["proc.exepath"], "/dropped");
  EXPECT_EQ(alert["actions"][0]["ok"], true);
  // Image binaries (lower layer) are not flagged.
  out = RunCommand({"runc", "exec", id_, "/usr/bin/echo", "IMAGE-OK"}, &status, 30s);
  EXPECT_NE(out.find("IMAGE-OK"), std::string::npos) << out;
}

TEST_F(RuntimeE2eTest, HostActivityIsNotAlerted) {
  StartContainer();
  StartWatch();
  if (HasFatalFailure()) return;
  RunCommand({"bash", "-c", "cat /etc/shadow > /dev/null"}, nullptr, 10s);
  // A container event after the host one: once its alert is in, the host event (earlier) was processed too.
  RunCommand({"runc", "exec", id_, "cat", "/etc/shadow"}, nullptr, 30s);
  nlohmann::json alert = WaitForAlert("Sensitive file read in a container");
  ASSERT_FALSE(alert.is_null());
  std::istringstream lines(ReadAll(alerts_));
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_NE(j.value("container.id", ""), "host") << line;
  }
}

}  // namespace

namespace {

// The CLI without the kernel (no root needed): rule validation and replay through the built binary.
TEST(RuntimeCliTest, RulesValidateNamesUnsupportedFalcoRules) {
  fs::path falco = fs::path(CUSTOMS_SHARED_DATA) / "falco" / "falco_rules.yaml";
  if (!fs::exists(falco)) GTEST_SKIP() << "no shared falco data";
  int status = 0;
  std::string out = RunCommand({kBinary.string(), "rules", "validate", "--quiet", falco.string()}, &status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << out;
  EXPECT_NE(out.find("14 rules loaded"), std::string::npos) << out;
  EXPECT_NE(out.find("falco_rules.yaml:1055: 'Linux Kernel Module Injection Detected': unknown field "
                     "'thread.cap_effective'"),
            std::string::npos)
      << out;
  out = RunCommand({kBinary.string(), "rules", "validate", "/nonexistent/rules.yaml"}, &status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  out = RunCommand({kBinary.string(), "rules", "list"}, &status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("Shell spawned in a container"), std::string::npos);
  EXPECT_NE(out.find("actions=alert,kill_container"), std::string::npos);
}

TEST(RuntimeCliTest, ReplayProducesDryRunAlerts) {
  char dir_template[] = "/tmp/customs-cli-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  fs::path dir = dir_template;
  std::ofstream(dir / "events.jsonl")
      << R"({"type":"execve","time_ns":1764347400000000000,"pid":7,"name":"bash","exepath":"/usr/bin/bash",)"
      << R"("container_id":"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"})"
      << "\n"
      << R"({"type":"execve","pid":8,"name":"bash","exepath":"/usr/bin/bash"})"
      << "\n";
  int status = 0;
  std::string out = RunCommand({kBinary.string(), "watch", "--replay", (dir / "events.jsonl").string()}, &status);
  fs::remove_all(dir);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  std::istringstream lines(out);
  std::string line;
  int alerts = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    ++alerts;
    EXPECT_EQ(j["rule"], "Shell spawned in a container");
    EXPECT_EQ(j["container.id"], "abcdef012345");
    EXPECT_EQ(j["actions"][0]["dry_run"], true);
    EXPECT_NE(j["actions"][0]["result"].get<std::string>().find("would kill"), std::string::npos);
  }
  EXPECT_EQ(alerts, 1) << out;  // the host bash is not a container shell
}

}  // namespace
