// Real end-to-end tests of `customs watch --enforce` (root + eBPF): runc containers on a root filesystem of real
// Debian binaries (mmdebstrap, cached under the build directory), the built customs binary, and real misbehaviour
// inside the container: a shell, a connect to a forbidden loopback address, a read of /etc/shadow, ... and Falco's
// stable rules against real activity. Each test asserts the alert (rule, container id, action result) and that the
// container is gone. Every watch is scoped to the test's own container (runtime_e2e_util.h: WriteScope), resolves
// names from a test hosts file only (no DNS), and is bounded in time; everything is cleaned up even on failure.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <set>

#include "runtime/rules/rules.h"
#include "runtime/sensor/bpf_source.h"
#include "tests/e2e/runtime_e2e_util.h"

namespace {

using namespace customs::runtime_e2e;

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
    id_ = RandomHex(64);
    // Only this test's container: its id is random, and the scope limits every rule to it.
    WriteScope(dir_ / "scope.yaml", "customs-e2e-no-image-" + id_, id_);
    std::ofstream(dir_ / "hosts") << "127.0.0.3 pool.minexmr.com\n127.0.0.5 kubernetes.default.svc.cluster.local\n";
  }

  void TearDown() override {
    watch_.Stop();
    if (!id_.empty() && !dir_.empty()) {
      RunCommand({"runc", "kill", id_, "KILL"}, nullptr, 5s);
      RunCommand({"runc", "delete", "--force", id_}, nullptr, 5s);
    }
    if (runc_pid_ > 0 && WaitFor(runc_pid_, 5s) == -1) {
      kill(runc_pid_, SIGKILL);
      waitpid(runc_pid_, nullptr, 0);
    }
    if (!overlay_.empty()) umount2(overlay_.c_str(), MNT_DETACH);
    RemoveTree(dir_);
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

  // Starts `sleep 300` in a runc container (host network, read-only root unless UseOverlayRoot) and waits until it
  // runs. `privileged`: every capability this host grants and no masked paths (what engines do for --privileged).
  // `host_pid`: no pid namespace of its own (`docker run --pid=host`).
  void StartContainer(bool privileged = false, bool host_pid = false) {
    fs::path bundle = dir_ / ("bundle-" + id_);
    fs::create_directories(bundle);
    fs::remove(bundle / "config.json");  // a container started again under the same id
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
    config["mounts"].push_back({{"destination", "/customs-triggers"},
                                {"type", "bind"},
                                {"source", kTriggersHelper.string()},
                                {"options", {"rbind", "ro"}}});
    if (privileged) {
      nlohmann::json caps = nlohmann::json::array();
      for (const char* cap : {"CAP_CHOWN",
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
                              "CAP_CHECKPOINT_RESTORE"}) {
        caps.push_back(cap);  // all but CAP_SYS_RESOURCE, which root lacks on this host
      }
      for (const char* set : {"bounding", "effective", "permitted"}) config["process"]["capabilities"][set] = caps;
      config["linux"]["maskedPaths"] = nlohmann::json::array();
      config["linux"]["readonlyPaths"] = nlohmann::json::array();
    }
    auto& namespaces = config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end();) {
      bool drop = (*it)["type"] == "network" || (host_pid && (*it)["type"] == "pid");
      it = drop ? namespaces.erase(it) : it + 1;
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

  // Starts the watch with the built-in rules (or `rules` instead), the test's scope and hosts file.
  void StartWatch(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--hosts-file", (dir_ / "hosts").string()};
    bool custom = std::find(extra.begin(), extra.end(), "--rules") != extra.end();
    if (!custom) args.push_back("--default-rules");
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--rules");
    args.push_back((dir_ / "scope.yaml").string());
    watch_.Start(dir_, args);
  }

  nlohmann::json WaitForAlert(const std::string& rule, std::chrono::milliseconds timeout = 10s) {
    return watch_.WaitForRule(rule, timeout);
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
    ASSERT_FALSE(alert.is_null()) << "no alert; " << watch_.Diagnostics();
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
  std::string id_;
  pid_t runc_pid_ = -1;
  Watch watch_;
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

TEST_F(RuntimeE2eTest, ContainerStartedAgainUnderTheSameIdIsKilledAgain) {
  // In the host's pid namespace a container's instance cannot be told by its init process; started again under the
  // same id and the same cgroup path (what an engine's restart does), the new instance's shell must be killed too,
  // never answered with "already killed".
  StartContainer(/*privileged=*/false, /*host_pid=*/true);
  StartWatch();
  if (HasFatalFailure()) return;
  auto shells = [&](size_t count) {
    return watch_.WaitForAlerts(
        [&](const nlohmann::json& a) { return a.value("rule", "") == "Shell spawned in a container"; }, count);
  };
  RunCommand({"runc", "exec", id_, "bash", "-c", "sleep 20"}, nullptr, 30s);
  auto first = shells(1);
  ASSERT_EQ(first.size(), 1u) << watch_.Diagnostics();
  ExpectKilledContainer(first[0]);
  RunCommand({"runc", "delete", "--force", id_}, nullptr, 5s);
  StartContainer(/*privileged=*/false, /*host_pid=*/true);
  if (HasFatalFailure()) return;
  RunCommand({"runc", "exec", id_, "bash", "-c", "sleep 20"}, nullptr, 30s);
  auto both = shells(2);
  ASSERT_EQ(both.size(), 2u) << watch_.Diagnostics();
  ExpectKilledContainer(both[1]);
  EXPECT_NE(both[1]["actions"][0]["result"].get<std::string>().find("killed with"), std::string::npos)
      << both[1].dump();
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
      std::string name = alert["output_fields"]["fd.name"];
      EXPECT_NE(name.find(fmt::format("->127.0.0.77:{}", port)), std::string::npos) << name;
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

// A loopback listener the test owns: how many connections it accepted (none, when the kernel refused the connect).
class Listener {
 public:
  explicit Listener(const char* address) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, address, &addr.sin_addr);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    bound_ = bound_ && listen(fd_, 16) == 0;
  }
  ~Listener() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return bound_; }
  int port() const { return port_; }
  int Accepted() {
    int n = 0;
    while (true) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return n;
      close(c);
      ++n;
    }
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  bool bound_ = false;
};

TEST_F(RuntimeE2eTest, DenyNetworkOfADestinationHappensInTheKernelBeforeTheConnect) {
  Listener listener("127.0.0.78");
  ASSERT_TRUE(listener.ok());
  StartContainer();
  std::ofstream(dir_ / "deny.yaml") << fmt::format(R"(
- rule: Connect to the watched port
  condition: evt.type = connect and e2e_scope and fd.sport = {}
  output: connect to %fd.name by %proc.name
  priority: WARNING
  actions: [deny_network]
)",
                                                   listener.port());
  WriteScope(dir_ / "scope.yaml", "customs-e2e-no-image-" + id_, id_, ScopeFor::kDefine);
  StartWatch({"--rules", (dir_ / "deny.yaml").string()});
  if (HasFatalFailure()) return;
  int status = 0;
  std::string first = RunCommand(
      {"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.78", std::to_string(listener.port())}, &status, 30s);
  EXPECT_FALSE(Succeeded(status)) << first;
  EXPECT_NE(first.find("Operation not permitted"), std::string::npos) << first;
  nlohmann::json alert = WaitForAlert("Connect to the watched port");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_NE(alert["output_fields"].value("fd.name", "").find("->127.0.0.78:"), std::string::npos) << alert.dump();
  ASSERT_EQ(alert["actions"].size(), 1u);
  EXPECT_EQ(alert["actions"][0]["action"], "deny_network");
  EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
  EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("refused in the kernel"), std::string::npos)
      << alert.dump();
  EXPECT_EQ(listener.Accepted(), 0);  // nothing reached the listener
  // Another port is not denied, and the container keeps running: deny_network is not a kill.
  Listener other("127.0.0.79");
  ASSERT_TRUE(other.ok());
  // (after the first denial every later connect of this container is denied too: that is the after-the-fact part)
  std::string second = RunCommand(
      {"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.79", std::to_string(other.port())}, &status, 30s);
  EXPECT_NE(second.find("Operation not permitted"), std::string::npos) << second;
  EXPECT_NE(RunCommand({"runc", "state", id_}, nullptr, 5s).find("\"running\""), std::string::npos);
}

TEST_F(RuntimeE2eTest, DenyNetworkOfAProcessIsAfterTheFact) {
  // proc.name is not something the kernel knows before the connect: the first connect happens, later ones fail.
  Listener listener("127.0.0.78");
  ASSERT_TRUE(listener.ok());
  StartContainer();
  std::ofstream(dir_ / "deny.yaml") << R"(
- rule: netcat connects
  condition: evt.type = connect and e2e_scope and proc.name = nc
  output: connect to %fd.name by %proc.name
  priority: WARNING
  actions: [deny_network]
)";
  WriteScope(dir_ / "scope.yaml", "customs-e2e-no-image-" + id_, id_, ScopeFor::kDefine);
  StartWatch({"--rules", (dir_ / "deny.yaml").string()});
  if (HasFatalFailure()) return;
  EXPECT_NE(watch_.Log().find("'netcat connects': deny_network: not checked in the kernel before the connect: the "
                              "condition uses proc.name"),
            std::string::npos)
      << watch_.Log();
  int status = 0;
  std::string first = RunCommand(
      {"runc", "exec", id_, "nc", "-z", "-w", "2", "127.0.0.78", std::to_string(listener.port())}, &status, 30s);
  EXPECT_TRUE(Succeeded(status)) << "the first connect is allowed: " << first;
  nlohmann::json alert = WaitForAlert("netcat connects");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
  EXPECT_EQ(listener.Accepted(), 1);
  std::string second = RunCommand(
      {"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.78", std::to_string(listener.port())}, &status, 30s);
  EXPECT_FALSE(Succeeded(status)) << second;
  EXPECT_NE(second.find("Operation not permitted"), std::string::npos) << second;
  EXPECT_EQ(listener.Accepted(), 0);
}

TEST_F(RuntimeE2eTest, MiningPoolAndDeniedCountryAreRefusedInTheKernelThenKilled) {
  // The built-in rule: pool.minexmr.com resolves (test hosts file) to 127.0.0.3; the test country database puts
  // 127.0.0.2 in RU, which a local rules file adds to the deny list. The listeners must see nothing.
  Listener pool("127.0.0.3");
  Listener russia("127.0.0.2");
  ASSERT_TRUE(pool.ok() && russia.ok());
  WriteGeoip(dir_ / "geoip", "2130706434", "RU");
  std::ofstream(dir_ / "deny-ru.yaml")
      << "- list: customs_denied_countries\n  items: [RU]\n  override: {items: append}\n";
  StartContainer();
  StartWatch({"--geoip", (dir_ / "geoip").string(), "--rules", (dir_ / "deny-ru.yaml").string(), "--default-rules"});
  if (HasFatalFailure()) return;
  int status = 0;
  // netcat, not a shell: the built-in shell rule would kill the container first.
  // (What nc prints is not checked: the kill races with it. The listener and the recorded result are the proof.)
  std::string out = RunCommand(
      {"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.3", std::to_string(pool.port())}, &status, 30s);
  EXPECT_FALSE(Succeeded(status)) << out;
  nlohmann::json alert = WaitForAlert("Outbound connection to a mining pool or a denied country");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["output_fields"]["fd.sip.name"], "pool.minexmr.com");
  EXPECT_EQ(alert["output_fields"]["evt.res"], "EPERM");
  ASSERT_EQ(alert["actions"].size(), 2u) << alert.dump();
  EXPECT_EQ(alert["actions"][0]["action"], "deny_network");
  EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("refused in the kernel"), std::string::npos);
  EXPECT_EQ(alert["actions"][1]["action"], "kill_container");
  EXPECT_EQ(alert["actions"][1]["ok"], true) << alert.dump();
  EXPECT_EQ(pool.Accepted(), 0);
  ExpectContainerGone();
  // A new container and a new watch: the denied country.
  id_ = RandomHex(64);
  WriteScope(dir_ / "scope.yaml", "customs-e2e-no-image-" + id_, id_);
  watch_.Stop();
  StartContainer();
  fs::create_directories(dir_ / "second");
  std::vector<std::string> args = {
      "--hosts-file", (dir_ / "hosts").string(),        "--geoip", (dir_ / "geoip").string(),     "--default-rules",
      "--rules",      (dir_ / "deny-ru.yaml").string(), "--rules", (dir_ / "scope.yaml").string()};
  watch_.Start(dir_ / "second", args);
  if (HasFatalFailure()) return;
  out = RunCommand({"runc", "exec", id_, "nc", "-v", "-z", "-w", "2", "127.0.0.2", std::to_string(russia.port())},
                   &status, 30s);
  EXPECT_FALSE(Succeeded(status)) << out;
  alert = WaitForAlert("Outbound connection to a mining pool or a denied country");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["output_fields"]["fd.sip.country"], "RU");
  EXPECT_EQ(alert["output_fields"]["evt.res"], "EPERM");
  EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("refused in the kernel"), std::string::npos);
  EXPECT_EQ(alert["container.id"], id_.substr(0, 12));
  EXPECT_EQ(russia.Accepted(), 0);
  ExpectContainerGone();
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
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
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
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["output_fields"]["proc.is_exe_upper_layer"], "true");
  EXPECT_EQ(alert["output_fields"]["proc.exepath"], "/dropped");
  EXPECT_EQ(alert["actions"][0]["ok"], true);
  // Image binaries (lower layer) are not flagged.
  out = RunCommand({"runc", "exec", id_, "/usr/bin/echo", "IMAGE-OK"}, &status, 30s);
  EXPECT_NE(out.find("IMAGE-OK"), std::string::npos) << out;
}

// Falco's stable rules against real activity in a (privileged, writable) runc container: every rule that can fire
// on this kernel with loopback-only traffic must fire, with the container's id. The one that cannot, and why:
//   - Linux Kernel Module Injection Detected: this kernel has no init_module/finit_module tracepoints.
// (Disallowed SSH Connection Non Standard Port: its `outbound` macro excludes 127.0.0.0/8 and RFC 1918, but not ::1;
// an "ssh" connects to [::1]:4444 in a network namespace of its own.)
TEST_F(RuntimeE2eTest, FalcoStableRulesFireOnRealActivity) {
  Listener listener("127.0.0.1");
  ASSERT_TRUE(listener.ok());
  UseOverlayRoot();
  StartContainer(/*privileged=*/true);
  WriteScope(dir_ / "scope.yaml", "customs-e2e-no-image-" + id_, id_, ScopeFor::kFalco);
  StartWatch(
      {"--rules", (fs::path(CUSTOMS_SOURCE_DIR) / "src/runtime/rules/testdata/falco/falco_rules.yaml").string()});
  if (HasFatalFailure()) return;
  auto exec = [&](std::vector<std::string> command, const std::vector<std::string>& options = {}) {
    std::vector<std::string> argv = {"runc", "exec"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(id_);
    argv.insert(argv.end(), command.begin(), command.end());
    return RunCommand(argv, nullptr, 30s);
  };
  // Scripts whose process names are those of servers (Falco's server_procs) and of sshd.
  std::ofstream(dir_ / "merged" / "tmp" / "nginx") << "#!/bin/sh\nsleep 6\nread x < /etc/shadow\nsh -c true\n";
  std::ofstream(dir_ / "merged" / "tmp" / "sshd") << "#!/bin/sh\nrunuser -u www-data -- ls / > /dev/null\n";
  fs::permissions(dir_ / "merged" / "tmp" / "nginx", fs::perms::owner_all);
  fs::permissions(dir_ / "merged" / "tmp" / "sshd", fs::perms::owner_all);
  fs::copy_file(kTriggersHelper, dir_ / "merged" / "tmp" / "ssh");
  exec({"/tmp/nginx"}, {"--detach"});  // reads /etc/shadow after 6 s, then runs a shell
  exec({"cat", "../../../../etc/shadow"}, {"--cwd", "/tmp"});
  exec({"/tmp/sshd"});
  RunCommand({"script", "-qec", "runc exec -t " + id_ + " bash -c true", "/dev/null"}, nullptr, 30s);
  exec({"bash", "-c", "echo > /dev/tcp/127.0.0.5/443"});  // kubernetes.default.svc.cluster.local (hosts file)
  exec({"nc", "-c", "-w", "1", "127.0.0.1", "1"});
  exec({"grep", "-r", "BEGIN RSA PRIVATE", "/etc/ssl"});
  exec({"bash", "-c", ": > /var/log/dpkg.log"});
  exec({"shred", "--version"});
  exec({"ln", "-s", "/etc/shadow", "/tmp/s"});
  exec({"ln", "/etc/shadow", "/tmp/h"});
  exec({"/customs-triggers", "packet-socket"});
  exec({"/tmp/ssh", "loopback6-connect", "4444"});
  exec({"bash", "-c", fmt::format("exec 3<>/dev/tcp/127.0.0.1/{}; exec 1>&3; echo hi", listener.port())});
  exec({"debugfs", "-R", "help"});
  exec({"bash", "-c", ": > /tmp/release_agent"});
  exec({"/customs-triggers", "ptrace-attach", "1"});
  exec({"/customs-triggers", "ptrace-traceme"});
  exec({"grep", "-r", "aws_secret_access_key", "/etc/ssl"});
  exec({"bash", "-c", "/dev/shm/nothing-here"});
  exec({"bash", "-c", "cp /usr/bin/true /tmp/dropped && /tmp/dropped"});
  // From a shell: Falco's rule leaves out processes whose parent is runc (runc's own memfd re-exec).
  exec({"bash", "-c", "/customs-memfd-exec /usr/bin/true; true"});
  const std::vector<std::string> expected = {
      "Directory traversal monitored file read",
      "Read sensitive file trusted after startup",
      "Read sensitive file untrusted",
      "Run shell untrusted",
      "System user interactive",
      "Terminal shell in container",
      "Contact K8S API Server From Container",
      "Netcat Remote Code Execution in Container",
      "Search Private Keys or Passwords",
      "Clear Log Activities",
      "Remove Bulk Data from Disk",
      "Create Symlink Over Sensitive Files",
      "Create Hardlink Over Sensitive Files",
      "Packet socket created in container",
      "Redirect STDOUT/STDIN to Network Connection in Container",
      "Debugfs Launched in Privileged Container",
      "Detect release_agent File Container Escapes",
      "PTRACE attached to process",
      "PTRACE anti-debug attempt",
      "Find AWS Credentials",
      "Execution from /dev/shm",
      "Drop and execute new binary in container",
      "Fileless execution via memfd_create",
      "Disallowed SSH Connection Non Standard Port",
  };
  std::string short_id = id_.substr(0, 12);
  auto ours = [&](const nlohmann::json& a) { return a.value("container.id", "") == short_id; };
  auto fired = [&] {
    std::set<std::string> rules;
    for (const auto& a : watch_.Alerts()) {
      if (ours(a)) rules.insert(a.value("rule", ""));
    }
    return rules;
  };
  auto deadline = std::chrono::steady_clock::now() + 20s;  // the nginx script waits 6 s
  while (fired().size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  std::set<std::string> got = fired();
  for (const auto& rule : expected) {
    EXPECT_TRUE(got.count(rule)) << "did not fire: " << rule;
  }
  std::printf("Falco stable rules fired on real activity: %zu of %zu expected\n", got.size(), expected.size());
  if (HasFailure()) {
    std::printf("%s\n", watch_.Diagnostics().c_str());
  }
  // The kernel is the reason for the 25th: the sensor said so when it started.
  EXPECT_NE(watch_.Log().find("no syscalls/sys_exit_finit_module tracepoint"), std::string::npos) << watch_.Log();
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
  for (const auto& j : watch_.Alerts()) {
    EXPECT_NE(j.value("container.id", ""), "host") << j.dump();
  }
}

}  // namespace

namespace {

// The CLI without the kernel (no root needed): rule validation and replay through the built binary.
const fs::path kFalcoStable = fs::path(CUSTOMS_SOURCE_DIR) / "src/runtime/rules/testdata/falco/falco_rules.yaml";

TEST(RuntimeCliTest, RulesValidateLoadsEveryFalcoStableRule) {
  int status = 0;
  std::string out = RunCommand({kBinary.string(), "rules", "validate", "--quiet", kFalcoStable.string()}, &status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("25 rules loaded (25 enabled), 0 errors"), std::string::npos) << out;
  out = RunCommand({kBinary.string(), "rules", "validate", "/nonexistent/rules.yaml"}, &status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  out = RunCommand({kBinary.string(), "rules", "list"}, &status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("Shell spawned in a container"), std::string::npos);
  EXPECT_NE(out.find("actions=alert,kill_container"), std::string::npos);
}

TEST(RuntimeCliTest, RulesExplainShowsWhatRuns) {
  int status = 0;
  std::string out = RunCommand(
      {kBinary.string(), "rules", "explain", kFalcoStable.string(), "--rule", "Create Hardlink Over Sensitive Files"},
      &status);
  EXPECT_TRUE(Succeeded(status)) << out;
  EXPECT_NE(out.find("condition: (evt.type in (link, linkat) and evt.arg.oldpath in (/etc/shadow, /etc/sudoers, "
                     "/etc/pam.conf, /etc/security/pwquality.conf))"),
            std::string::npos)
      << out;
  char dir_template[] = "/tmp/customs-cli-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  fs::path dir = dir_template;
  std::ofstream(dir / "rules.yaml") << customs::runtime::DefaultRulesText();
  std::ofstream(dir / "event.json")
      << R"({"type":"connect","res":-1,"pid":7,"name":"curl","addr":"127.0.0.3","port":3333,)"
      << R"("container_id":"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"})";
  out =
      RunCommand({kBinary.string(), "rules", "explain", (dir / "rules.yaml").string(), "--rule",
                  "Outbound connection to a mining pool or a denied country", "--event", (dir / "event.json").string()},
                 &status);
  fs::remove_all(dir);
  EXPECT_TRUE(Succeeded(status)) << out;
  EXPECT_NE(out.find("kernel: deny_network checked before the connect"), std::string::npos) << out;
  EXPECT_NE(out.find("fd.sip.name in (asia1.ethpool.org, btm.antpool.com"), std::string::npos) << out;
  // No hosts file, no resolution: the pool's name is unknown here, so the event does not match, and the explanation
  // says which part failed.
  EXPECT_NE(out.find("event: does not match"), std::string::npos) << out;
  EXPECT_NE(out.find("FALSE (fd.sip.name in (asia1.ethpool.org"), std::string::npos) << out;
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
  std::ofstream(dir / "hosts") << "127.0.0.3 pool.minexmr.com\n";  // never DNS from a test
  std::string out = RunCommand({kBinary.string(), "watch", "--replay", (dir / "events.jsonl").string(), "--hosts-file",
                                (dir / "hosts").string()},
                               &status);
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
