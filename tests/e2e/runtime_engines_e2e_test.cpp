// `customs watch --enforce` against the real container engines (root + eBPF): docker (dockerd started by the test
// with its own data root, exec root, socket, no bridge and no iptables), podman (its own storage root and API
// socket), and containerd with its CRI plugin driven like kubelet does (a Python CRI client on Debian's
// python3-grpcio, stubs generated from the CRI proto at run time) plus a `ctr run` container. Every daemon is started
// and stopped by the test, with its own directories; every watch is scoped to the test's own images or container
// ids. Base images come from the mmdebstrap root filesystem (docker import, podman import, a docker-archive for
// containerd). Traffic: loopback only (the "foreign" country address is 127.0.0.2 in a test country database).
#include <sys/stat.h>

#include <cstring>
#include <set>

#include "runtime/sensor/bpf_source.h"
#include "tests/e2e/runtime_e2e_util.h"

namespace {

using namespace customs::runtime_e2e;

bool Installed(const char* path) {
  return access(path, X_OK) == 0;
}

// A test directory under /tmp with a short name (daemons put Unix sockets in it: 108-byte limit).
fs::path MakeDir(const char* prefix) {
  std::string templ = std::string("/tmp/") + prefix + "-XXXXXX";
  std::vector<char> buffer(templ.begin(), templ.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return {};
  return fs::path(buffer.data());
}

// Waits until `check` returns true, up to `timeout`.
bool Eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return check();
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

bool SkipWithoutBpf(std::string* reason) {
  return !customs::runtime::BpfAvailable(reason);
}

// ------------------------------------------------------------------------------------------------------------------
// docker

class DockerE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string reason;
    if (SkipWithoutBpf(&reason)) {
      skip_ = "eBPF unavailable: " + reason;
      return;
    }
    if (!Installed("/usr/sbin/dockerd") || !Installed("/usr/bin/docker")) {
      skip_ = "docker.io is not installed (scripts/install-deps.sh)";
      return;
    }
    fs::path tar;
    if (!SmallRootfsTar(&tar, &reason)) {
      error_ = reason;
      return;
    }
    dir_ = MakeDir("cdk");
    std::ofstream(dir_ / "daemon.json") << "{}";
    // Its own everything, no bridge, no iptables: it must not clash with another dockerd on this machine.
    pid_ = Spawn({"/usr/sbin/dockerd", "--data-root", (dir_ / "data").string(), "--exec-root", (dir_ / "x").string(),
                  "--pidfile", (dir_ / "docker.pid").string(), "--host", "unix://" + (dir_ / "docker.sock").string(),
                  "--config-file", (dir_ / "daemon.json").string(), "--bridge", "none", "--iptables=false",
                  "--ip-forward=false", "--ip-masq=false", "--userland-proxy=false", "--log-level", "warn"},
                 dir_ / "dockerd.log");
    if (!Eventually(
            [] {
              int st = 0;
              Docker({"version"}, &st);
              return Succeeded(st);
            },
            60s)) {
      error_ = "dockerd did not start: " + ReadAll(dir_ / "dockerd.log");
      return;
    }
    prefix_ = "customs-e2e-" + RandomHex(10);
    int status = 0;
    std::string out = Docker({"import", tar.string(), prefix_ + "/postgres:16"}, &status, 300s);
    if (!Succeeded(status)) error_ = "docker import failed: " + out;
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      std::string ids = Docker({"ps", "-aq"});
      std::istringstream lines(ids);
      std::string id;
      while (std::getline(lines, id)) {
        if (!id.empty()) Docker({"rm", "-f", id});
      }
      Stop(pid_, 30s);
      pid_ = -1;
    }
    RemoveTree(dir_);
  }

  static std::string Docker(std::vector<std::string> args, int* status = nullptr,
                            std::chrono::milliseconds timeout = 60s) {
    // Debian's 20.10 CLI (a newer one on PATH may not speak to this daemon the same way).
    args.insert(args.begin(), {"/usr/bin/docker", "--host", "unix://" + (dir_ / "docker.sock").string()});
    return RunCommand(args, status, timeout);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
    dir_test_ = MakeDir("cdk-test");
    WriteScope(dir_test_ / "scope.yaml", prefix_ + "/", prefix_);
    std::ofstream(dir_test_ / "hosts") << "127.0.0.3 pool.minexmr.com\n";
  }

  void TearDown() override {
    watch_.Stop();
    RemoveTree(dir_test_);
  }

  void StartWatch(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "--default-rules",        "--docker-socket", (dir_ / "docker.sock").string(), "--docker-root",
        (dir_ / "data").string(), "--hosts-file",    (dir_test_ / "hosts").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--rules");
    args.push_back((dir_test_ / "scope.yaml").string());
    watch_.Start(dir_test_, args);
  }

  bool Running(const std::string& name) {
    return Trim(Docker({"inspect", "-f", "{{.State.Running}}", name})) == "true";
  }

  static inline std::string skip_, error_, prefix_;
  static inline fs::path dir_;
  static inline pid_t pid_ = -1;
  fs::path dir_test_;
  Watch watch_;
};

TEST_F(DockerE2eTest, ShellInTheDatabaseContainerIsKilled) {
  std::string image = prefix_ + "/postgres:16";
  int status = 0;
  std::string id = Trim(
      Docker({"run", "-d", "--name", "database", "--network", "none", "--label", "tier=data", image, "sleep", "300"},
             &status));
  ASSERT_TRUE(Succeeded(status)) << id;
  StartWatch();
  if (HasFatalFailure()) return;
  Docker({"exec", "database", "bash", "-c", "sleep 5"}, &status, 30s);
  nlohmann::json alert = watch_.WaitForRule("Shell in a database container");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["container.id"], id.substr(0, 12));
  EXPECT_EQ(alert["output_fields"]["container.name"], "database");
  EXPECT_EQ(alert["output_fields"]["container.image"], image);
  EXPECT_EQ(alert["output_fields"]["proc.name"], "bash");
  ASSERT_EQ(alert["actions"].size(), 1u);
  EXPECT_EQ(alert["actions"][0]["action"], "kill_container");
  EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
  EXPECT_TRUE(Eventually([&] { return !Running("database"); }, 10s)) << "the database container still runs";
  // What docker said about it reached the recorded events: labels and engine.
  std::string events = ReadAll(dir_test_ / "events.jsonl");
  EXPECT_NE(events.find(R"("labels":{"tier":"data"})"), std::string::npos);
  EXPECT_NE(events.find(R"("type":"docker")"), std::string::npos);
  Docker({"rm", "-f", "database"});
}

TEST_F(DockerE2eTest, RestartAlwaysInstancesAreEachKilledAgain) {
  // The container's own command is a shell: every instance docker restarts runs one, and must be killed again.
  std::string image = prefix_ + "/postgres:16";
  StartWatch();
  if (HasFatalFailure()) return;
  int status = 0;
  std::string id = Trim(Docker(
      {"run", "-d", "--name", "database", "--restart=always", "--network", "none", image, "bash", "-c", "sleep 300"},
      &status));
  ASSERT_TRUE(Succeeded(status)) << id;
  auto kills = watch_.WaitForAlerts(
      [&](const nlohmann::json& a) {
        return a.value("rule", "") == "Shell in a database container" &&
               a.value("container.id", "") == id.substr(0, 12);
      },
      3, 30s);
  Docker({"update", "--restart=no", "database"});
  ASSERT_GE(kills.size(), 3u) << watch_.Diagnostics();
  std::set<std::string> instances;
  for (const auto& alert : kills) {
    ASSERT_EQ(alert["actions"].size(), 1u);
    EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
    // Each instance is killed, none reported as "already killed".
    EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("killed with"), std::string::npos) << alert.dump();
    instances.insert(alert["actions"][0]["target"].get<std::string>());
  }
  EXPECT_EQ(instances.size(), kills.size()) << "the same instance was reported twice";
  int restarts = std::stoi("0" + Trim(Docker({"inspect", "-f", "{{.RestartCount}}", "database"})));
  EXPECT_GE(restarts, 2);
  Docker({"rm", "-f", "database"});
}

TEST_F(DockerE2eTest, FrontendWebMiningPoolAndDeniedCountryAreRefusedThenKilled) {
  // --network none: the container's own loopback. A listener in the container on the pool's address would log any
  // connection; the kernel must refuse the connect before it gets there.
  std::string image = prefix_ + "/postgres:16";
  WriteGeoip(dir_test_ / "geoip", "2130706434", "RU");  // 127.0.0.2
  std::ofstream(dir_test_ / "deny-ru.yaml") << "- list: customs_denied_countries\n  items: [RU]\n"
                                               "  override: {items: append}\n";
  StartWatch({"--geoip", (dir_test_ / "geoip").string(), "--rules", (dir_test_ / "deny-ru.yaml").string()});
  if (HasFatalFailure()) return;
  int status = 0;
  std::string id = Trim(Docker({"run", "-d", "--name", "frontend-web", "--network", "none", "--add-host",
                                "pool.minexmr.com:127.0.0.3", image, "nc", "-lknv", "127.0.0.3", "3333"},
                               &status));
  ASSERT_TRUE(Succeeded(status)) << id;
  ASSERT_TRUE(Eventually(
      [&] {
        return Docker({"logs", "frontend-web"}).find("Listening") != std::string::npos;
      },
      10s))
      << Docker({"logs", "frontend-web"});
  Docker({"exec", "frontend-web", "nc", "-z", "-w", "2", "pool.minexmr.com", "3333"}, &status, 30s);
  EXPECT_FALSE(Succeeded(status));
  nlohmann::json alert = watch_.WaitForRule("Outbound connection to a mining pool or a denied country");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["container.id"], id.substr(0, 12));
  EXPECT_EQ(alert["output_fields"]["container.name"], "frontend-web");
  EXPECT_EQ(alert["output_fields"]["fd.sip.name"], "pool.minexmr.com");
  EXPECT_EQ(alert["output_fields"]["evt.res"], "EPERM");
  ASSERT_EQ(alert["actions"].size(), 2u) << alert.dump();
  EXPECT_EQ(alert["actions"][0]["action"], "deny_network");
  EXPECT_NE(alert["actions"][0]["result"].get<std::string>().find("refused in the kernel"), std::string::npos);
  EXPECT_EQ(alert["actions"][1]["action"], "kill_container");
  EXPECT_EQ(alert["actions"][1]["ok"], true) << alert.dump();
  EXPECT_TRUE(Eventually([&] { return !Running("frontend-web"); }, 10s));
  EXPECT_EQ(Docker({"logs", "frontend-web"}).find("Connection received"), std::string::npos)
      << "a packet reached the listener: " << Docker({"logs", "frontend-web"});

  // The denied country: a second web container, its listener on 127.0.0.2.
  std::string id2 = Trim(
      Docker({"run", "-d", "--name", "frontend-web-2", "--network", "none", image, "nc", "-lknv", "127.0.0.2", "443"},
             &status));
  ASSERT_TRUE(Succeeded(status)) << id2;
  ASSERT_TRUE(Eventually(
      [&] {
        return Docker({"logs", "frontend-web-2"}).find("Listening") != std::string::npos;
      },
      10s))
      << Docker({"logs", "frontend-web-2"}) << Docker({"ps", "-a"}) << watch_.Diagnostics();
  Docker({"exec", "frontend-web-2", "nc", "-n", "-z", "-w", "2", "127.0.0.2", "443"}, &status, 30s);
  auto country = watch_.WaitForAlerts(
      [&](const nlohmann::json& a) { return a.value("container.id", "") == id2.substr(0, 12); }, 1);
  ASSERT_EQ(country.size(), 1u) << watch_.Diagnostics();
  EXPECT_EQ(country[0]["rule"], "Outbound connection to a mining pool or a denied country");
  EXPECT_EQ(country[0]["output_fields"]["fd.sip.country"], "RU");
  EXPECT_EQ(country[0]["output_fields"]["evt.res"], "EPERM");
  EXPECT_TRUE(Eventually([&] { return !Running("frontend-web-2"); }, 10s));
  EXPECT_EQ(Docker({"logs", "frontend-web-2"}).find("Connection received"), std::string::npos);
  Docker({"rm", "-f", "frontend-web", "frontend-web-2"});
}

// ------------------------------------------------------------------------------------------------------------------
// podman

class PodmanE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (SkipWithoutBpf(&reason)) GTEST_SKIP() << "eBPF unavailable: " << reason;
    if (!Installed("/usr/bin/podman")) GTEST_SKIP() << "podman is not installed (scripts/install-deps.sh)";
    fs::path tar;
    ASSERT_TRUE(SmallRootfsTar(&tar, &reason)) << reason;
    dir_ = MakeDir("cpd");
    prefix_ = "customs-e2e-" + RandomHex(10);
    int status = 0;
    std::string out = Podman({"import", tar.string(), "localhost/" + prefix_ + "/postgres:16"}, &status, 300s);
    ASSERT_TRUE(Succeeded(status)) << out;
    // Its API, for what containers.json does not hold (labels).
    std::vector<std::string> service = PodmanArgv({"system", "service", "--time=0", "unix://" + Socket()});
    service_pid_ = Spawn(service, dir_ / "service.log");
    ASSERT_TRUE(Eventually([&] { return fs::exists(Socket()); }, 30s)) << ReadAll(dir_ / "service.log");
    WriteScope(dir_ / "scope.yaml", "localhost/" + prefix_ + "/", prefix_);
    std::ofstream(dir_ / "hosts") << "127.0.0.3 pool.minexmr.com\n";
  }

  void TearDown() override {
    watch_.Stop();
    if (!dir_.empty()) {
      Podman({"rm", "-f", "--all"}, nullptr, 60s);
      Stop(service_pid_);
      Podman({"system", "reset", "-f"}, nullptr, 60s);
    }
    RemoveTree(dir_);
  }

  std::string Socket() const { return (dir_ / "podman.sock").string(); }

  std::vector<std::string> PodmanArgv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {
        "/usr/bin/podman",      "--root",   (dir_ / "root").string(), "--runroot", (dir_ / "run").string(),
        "--cgroup-manager",     "cgroupfs", "--events-backend",       "file",      "--tmpdir",
        (dir_ / "tmp").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  std::string Podman(const std::vector<std::string>& args, int* status = nullptr,
                     std::chrono::milliseconds timeout = 60s) {
    return RunCommand(PodmanArgv(args), status, timeout);
  }

  fs::path dir_;
  std::string prefix_;
  pid_t service_pid_ = -1;
  Watch watch_;
};

TEST_F(PodmanE2eTest, ShellInTheDatabaseContainerIsKilled) {
  std::string image = "localhost/" + prefix_ + "/postgres:16";
  int status = 0;
  // crun refuses this host's hybrid cgroups and root lacks CAP_SYS_RESOURCE (FIELD-NOTES): runc, lower limits.
  std::string id =
      Trim(Podman({"run", "-d", "--name", "database", "--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit",
                   "nproc=4096:4096", "--network", "none", "--label", "tier=data", image, "sleep", "300"},
                  &status));
  ASSERT_TRUE(Succeeded(status)) << id;
  fs::create_directories(dir_ / "watch");
  watch_.Start(dir_ / "watch",
               {"--default-rules", "--podman-socket", Socket(), "--podman-root", (dir_ / "root").string(),
                "--hosts-file", (dir_ / "hosts").string(), "--rules", (dir_ / "scope.yaml").string()});
  if (HasFatalFailure()) return;
  Podman({"exec", "database", "bash", "-c", "sleep 5"}, &status, 30s);
  nlohmann::json alert = watch_.WaitForRule("Shell in a database container");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["container.id"], id.substr(0, 12));
  EXPECT_EQ(alert["output_fields"]["container.name"], "database");
  EXPECT_EQ(alert["output_fields"]["container.image"], image);
  EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
  EXPECT_TRUE(Eventually(
      [&] {
        return Trim(Podman({"inspect", "-f", "{{.State.Running}}", "database"})) == "false";
      },
      10s));
  std::string events = ReadAll(dir_ / "watch" / "events.jsonl");
  EXPECT_NE(events.find(R"("labels":{"tier":"data"})"), std::string::npos) << "labels come from podman's API";
  EXPECT_NE(events.find(R"("type":"podman")"), std::string::npos);
}

// ------------------------------------------------------------------------------------------------------------------
// containerd: the CRI plugin (kubelet's path) and `ctr run`

// A docker-archive image (what `ctr images import` reads) around the root filesystem tar: a sandbox ("pause") image
// and an application image that differ in their config, sharing the one layer. Built once per build directory.
bool BuildImageArchive(fs::path* archive, std::string* reason) {
  *archive = kRootfs.string() + "-images.tar";
  if (fs::exists(*archive)) return true;
  fs::path layer;
  if (!SmallRootfsTar(&layer, reason)) return false;
  fs::path work = kRootfs.string() + "-images.tmp";
  std::error_code ec;
  fs::remove_all(work, ec);
  fs::create_directories(work);
  fs::create_hard_link(layer, work / "layer.tar", ec);
  if (ec) fs::copy_file(layer, work / "layer.tar");
  int status = 0;
  std::string sum = RunCommand({"sha256sum", (work / "layer.tar").string()}, &status, 120s);
  if (!Succeeded(status)) {
    *reason = "sha256sum failed: " + sum;
    return false;
  }
  std::string diff_id = "sha256:" + sum.substr(0, 64);
  auto config = [&](const std::string& cmd) {
    return nlohmann::json{
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config",
         {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}, {"Cmd", {"sleep", cmd}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}}}
        .dump();
  };
  std::ofstream(work / "pause.json") << config("infinity");
  std::ofstream(work / "app.json") << config("300");
  std::ofstream(work / "manifest.json")
      << nlohmann::json::array(
             {{{"Config", "pause.json"}, {"RepoTags", {"customs-e2e/pause:1"}}, {"Layers", {"layer.tar"}}},
              {{"Config", "app.json"}, {"RepoTags", {"customs-e2e/postgres:16"}}, {"Layers", {"layer.tar"}}}})
             .dump();
  std::string out = RunCommand({"tar", "-C", work.string(), "-cf", archive->string() + ".tmp", "manifest.json",
                                "pause.json", "app.json", "layer.tar"},
                               &status, 300s);
  fs::remove_all(work, ec);
  if (!Succeeded(status)) {
    *reason = "tar failed: " + out;
    return false;
  }
  fs::rename(archive->string() + ".tmp", *archive);
  return true;
}

class ContainerdE2eTest : public ::testing::Test {
 protected:
  // One containerd for the suite (starting it and importing the images is most of the time).
  static void SetUpTestSuite() {
    std::string reason;
    if (SkipWithoutBpf(&reason)) {
      skip_ = "eBPF unavailable: " + reason;
      return;
    }
    if (!Installed("/usr/bin/containerd") || !Installed("/usr/bin/ctr")) {
      skip_ = "containerd is not installed (scripts/install-deps.sh)";
      return;
    }
    int status = 0;
    RunCommand({"/usr/bin/python3", "-c", "import grpc, google.protobuf, grpc_tools"}, &status);
    if (!Succeeded(status)) {
      skip_ = "python3-grpcio, python3-protobuf and python3-grpc-tools are needed (scripts/install-deps.sh)";
      return;
    }
    fs::path archive;
    if (!BuildImageArchive(&archive, &reason)) {
      error_ = reason;
      return;
    }
    dir_ = MakeDir("cct");
    // containerd of its own; CRI with a local sandbox image and restrict_oom_score_adj (the pause container's
    // oom_score_adj needs CAP_SYS_RESOURCE, which root lacks here).
    std::ofstream(dir_ / "config.toml") << fmt::format(R"(version = 2
root = "{0}/root"
state = "{0}/state"
[grpc]
  address = "{0}/containerd.sock"
[ttrpc]
  address = "{0}/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "customs-e2e/pause:1"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{0}/cni/bin"
    conf_dir = "{0}/cni/conf"
[plugins."io.containerd.internal.v1.opt"]
  path = "{0}/opt"
)",
                                                       dir_.string());
    pid_ = Spawn({"/usr/bin/containerd", "--config", (dir_ / "config.toml").string()}, dir_ / "containerd.log");
    if (!Eventually(
            [] {
              int st = 0;
              Ctr({"version"}, &st);
              return Succeeded(st);
            },
            30s)) {
      error_ = "containerd did not start: " + ReadAll(dir_ / "containerd.log");
      return;
    }
    prefix_ = "customs-e2e-" + RandomHex(10);
    for (const char* ns : {"k8s.io", "default"}) {
      std::string out = Ctr({"-n", ns, "images", "import", archive.string()}, &status, 300s);
      if (!Succeeded(status)) {
        error_ = "ctr images import: " + out;
        return;
      }
      // Only the test's own name for the application image (the CRI plugin reports the image by one of its names).
      out =
          Ctr({"-n", ns, "images", "tag", "docker.io/customs-e2e/postgres:16", "docker.io/" + prefix_ + "/postgres:16"},
              &status);
      if (!Succeeded(status)) {
        error_ = "ctr images tag: " + out;
        return;
      }
      Ctr({"-n", ns, "images", "rm", "docker.io/customs-e2e/postgres:16"});
    }
    // Python stubs from the CRI proto (python3-grpc-tools).
    fs::path proto_dir = fs::path(CUSTOMS_SOURCE_DIR) / "tests/e2e/cri";
    fs::create_directories(dir_ / "stubs");
    std::string out = RunCommand({"/usr/bin/python3", "-m", "grpc_tools.protoc", "-I" + proto_dir.string(),
                                  "--python_out=" + (dir_ / "stubs").string(),
                                  "--grpc_python_out=" + (dir_ / "stubs").string(), (proto_dir / "api.proto").string()},
                                 &status);
    if (!Succeeded(status)) error_ = "protoc (python3-grpc-tools) failed: " + out;
  }

  static void TearDownTestSuite() {
    Stop(pid_, 30s);
    pid_ = -1;
    RemoveTree(dir_);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(error_.empty()) << error_;
    dir_test_ = MakeDir("cct-test");
    WriteScope(dir_test_ / "scope.yaml", "docker.io/" + prefix_ + "/", prefix_);
    std::ofstream(dir_test_ / "hosts") << "127.0.0.3 pool.minexmr.com\n";
    std::string socket = (dir_ / "containerd.sock").string();
    watch_.Start(dir_test_, {"--default-rules", "--containerd-state", (dir_ / "state").string(), "--cri-socket", socket,
                             "--containerd-socket", socket, "--hosts-file", (dir_test_ / "hosts").string(), "--rules",
                             (dir_test_ / "scope.yaml").string()});
  }

  void TearDown() override {
    watch_.Stop();
    if (!pod_.empty()) Cri({"remove-pod", pod_});
    if (!task_.empty()) {
      Ctr({"-n", "default", "task", "kill", "-s", "KILL", task_});
      Ctr({"-n", "default", "task", "delete", "-f", task_});
      Ctr({"-n", "default", "containers", "delete", task_});
    }
    RemoveTree(dir_test_);
  }

  static std::string Ctr(std::vector<std::string> args, int* status = nullptr,
                         std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), {"/usr/bin/ctr", "--address", (dir_ / "containerd.sock").string()});
    return RunCommand(args, status, timeout);
  }

  // The CRI client (tests/e2e/cri/cri_client.py), the calls kubelet makes.
  std::string Cri(std::vector<std::string> args, int* status = nullptr) {
    args.insert(args.begin(),
                {"/usr/bin/python3", (fs::path(CUSTOMS_SOURCE_DIR) / "tests/e2e/cri/cri_client.py").string(),
                 "--socket", (dir_ / "containerd.sock").string(), "--stubs", (dir_ / "stubs").string()});
    return Trim(RunCommand(args, status, 120s));
  }

  static inline std::string skip_, error_, prefix_;
  static inline fs::path dir_;
  static inline pid_t pid_ = -1;
  fs::path dir_test_;
  std::string pod_, task_;
  Watch watch_;
};

TEST_F(ContainerdE2eTest, CriPodShellIsAlertedWithKubernetesNamesAndKilled) {
  if (HasFatalFailure()) return;
  int status = 0;
  const std::string uid = "0b7e2c1d-6a4f-4e8b-9c3d-" + RandomHex(12);
  const std::string parent = "/kubepods/besteffort/pod" + uid;
  pod_ = Cri({"run-pod", "db-0", "prod", uid, parent, "app=postgres"}, &status);
  ASSERT_TRUE(Succeeded(status) && pod_.size() == 64) << pod_ << ReadAll(dir_ / "containerd.log");
  std::string image = "docker.io/" + prefix_ + "/postgres:16";
  std::string id = Cri({"create", pod_, "db-0", "prod", uid, parent, "postgres", image, "sleep", "300"}, &status);
  ASSERT_TRUE(Succeeded(status) && id.size() == 64) << id;
  Cri({"start", id}, &status);
  ASSERT_TRUE(Succeeded(status));
  EXPECT_EQ(Cri({"state", id}), "CONTAINER_RUNNING");
  // kubectl exec db-0 -- bash: ExecSync on the container.
  Cri({"exec", id, "10", "bash", "-c", "sleep 5"});
  nlohmann::json alert = watch_.WaitForRule("Shell in a database container");
  ASSERT_FALSE(alert.is_null()) << watch_.Diagnostics();
  EXPECT_EQ(alert["container.id"], id.substr(0, 12));
  EXPECT_EQ(alert["output_fields"]["k8s.pod.name"], "db-0");
  EXPECT_EQ(alert["output_fields"]["k8s.ns.name"], "prod");
  EXPECT_EQ(alert["output_fields"]["container.name"], "postgres");
  EXPECT_EQ(alert["output_fields"]["container.image"], image);
  EXPECT_EQ(alert["actions"][0]["ok"], true) << alert.dump();
  EXPECT_TRUE(Eventually([&] { return Cri({"state", id}) == "CONTAINER_EXITED"; }, 10s)) << Cri({"state", id});
  std::string events = ReadAll(dir_test_ / "events.jsonl");
  EXPECT_NE(events.find("\"pod_uid\":\"" + uid + "\""), std::string::npos);
  EXPECT_NE(events.find(R"("type":"containerd")"), std::string::npos);
  // Pod labels live only behind the CRI API: they came from PodSandboxStatus.
  EXPECT_NE(events.find(R"("pod_labels":{"app":"postgres"})"), std::string::npos) << events.substr(0, 3000);
  EXPECT_NE(events.find(R"("io.kubernetes.container.name":"postgres")"), std::string::npos);
}

TEST_F(ContainerdE2eTest, CtrRunContainerIsAContainerNotTheHost) {
  if (HasFatalFailure()) return;
  // `ctr run` puts the container in /<namespace>/<id>, no 64-hex id in sight.
  task_ = prefix_ + "-web";
  int status = 0;
  std::string out =
      Ctr({"-n", "default", "run", "-d", "docker.io/" + prefix_ + "/postgres:16", task_, "sleep", "300"}, &status);
  ASSERT_TRUE(Succeeded(status)) << out;
  Ctr({"-n", "default", "task", "exec", "--exec-id", "shell1", task_, "bash", "-c", "sleep 5"}, &status, 30s);
  auto alerts = watch_.WaitForAlerts(
      [&](const nlohmann::json& a) {
        return a["output_fields"].value("container.name", "") == task_ ||
               a.value("container.id", "") == task_.substr(0, 12);
      },
      1);
  ASSERT_EQ(alerts.size(), 1u) << watch_.Diagnostics();
  // containerd's containers API names the image: a postgres image, so the database rule.
  EXPECT_EQ(alerts[0]["rule"], "Shell in a database container");
  EXPECT_EQ(alerts[0]["output_fields"]["container.name"], task_);
  EXPECT_EQ(alerts[0]["output_fields"]["container.image"], "docker.io/" + prefix_ + "/postgres:16");
  EXPECT_EQ(alerts[0]["actions"][0]["ok"], true) << alerts[0].dump();
  EXPECT_TRUE(Eventually(
      [&] {
        return Ctr({"-n", "default", "task", "ls"}).find("RUNNING") == std::string::npos;
      },
      10s))
      << Ctr({"-n", "default", "task", "ls"});
}

}  // namespace
