#include "runtime/watcher.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_util.h"
#include "runtime/rules/kernel_policy.h"

namespace customs::runtime {
namespace {

RuleSet DefaultRules() {
  RulesLoader loader;
  EXPECT_TRUE(loader.AddText("customs_rules.yaml", DefaultRulesText()));
  LoadReport report;
  RuleSet set = loader.Finish(&report);
  EXPECT_TRUE(report.ok());
  return set;
}

Event ContainerExec(std::string name) {
  Event e;
  e.type = EventType::kExecve;
  e.time_ns = 1764347400000000000ULL;
  e.pid = 4242;
  e.name = std::move(name);
  e.exepath = "/usr/bin/" + e.name;
  e.args = "-i";
  e.user_name = "root";
  e.container_id = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  auto metadata = std::make_shared<ContainerMetadata>();
  metadata->id = e.container_id;
  metadata->image = "docker.io/library/nginx:1.25";
  e.container = std::move(metadata);
  FinishEvent(e);
  return e;
}

TEST(WatcherTest, DryRunAlertsSayWhatWouldBeDone) {
  RuleSet rules = DefaultRules();
  FakeSource source({ContainerExec("ls"), ContainerExec("bash")});
  CollectingSink sink;
  DryRunExecutor executor;
  Watcher watcher(rules, source, sink, executor, WatchOptions{});
  std::atomic<bool> stop{false};
  ASSERT_TRUE(watcher.Run(stop));
  auto alerts = sink.Take();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "Shell spawned in a container");
  EXPECT_EQ(alerts[0].container_id, "abcdef012345");
  ASSERT_EQ(alerts[0].actions.size(), 1u);
  EXPECT_TRUE(alerts[0].actions[0].dry_run);
  EXPECT_EQ(alerts[0].actions[0].action, Action::kKillContainer);
  EXPECT_NE(alerts[0].actions[0].result.find("would kill every process of container abcdef012345"), std::string::npos);

  auto json = nlohmann::json::parse(AlertToJson(alerts[0]));
  EXPECT_EQ(json["rule"], "Shell spawned in a container");
  EXPECT_EQ(json["priority"], "Warning");
  EXPECT_EQ(json["container.id"], "abcdef012345");
  EXPECT_EQ(json["output_fields"]["proc.name"], "bash");
  EXPECT_EQ(json["output_fields"]["user.uid"], 0);
  EXPECT_EQ(json["output_fields"]["container.image.repository"], "docker.io/library/nginx");
  EXPECT_EQ(json["time"], "2025-11-28T16:30:00.000000000Z");
  EXPECT_NE(json["output"].get<std::string>().find("16:30:00.000000000: Warning Shell spawned in a container"),
            std::string::npos);
  EXPECT_TRUE(json["tags"].is_array());
  EXPECT_EQ(json["actions"][0]["dry_run"], true);
  EXPECT_EQ(watcher.stats().events, 2u);
}

TEST(WatcherTest, DropsRaiseAnAlert) {
  RuleSet rules = DefaultRules();
  FakeSource source({ContainerExec("ls")});
  source.set_dropped(17);
  CollectingSink sink;
  DryRunExecutor executor;
  Watcher watcher(rules, source, sink, executor, WatchOptions{});
  std::atomic<bool> stop{false};
  ASSERT_TRUE(watcher.Run(stop));
  auto alerts = sink.Take();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "customs sensor dropped events");
  EXPECT_NE(alerts[0].output.find("dropped=17"), std::string::npos);
}

TEST(WatcherTest, RecordThenReplayGivesTheSameAlerts) {
  auto dir = TempDir::Create("runtime-replay");
  ASSERT_TRUE(dir);
  std::string path = (dir->path() / "events.jsonl").string();
  RuleSet rules = DefaultRules();
  Event connect = ContainerExec("nc");
  connect.type = EventType::kConnect;
  ASSERT_TRUE(ParseAddress("127.0.0.77", &connect.family, &connect.remote_addr));
  connect.remote_port = 9999;
  Event shadow = ContainerExec("cat");
  shadow.type = EventType::kOpenat;
  shadow.path = "/etc/shadow";
  shadow.res = 3;
  CollectingSink first_sink;
  {
    FakeSource source({ContainerExec("bash"), connect, shadow, ContainerExec("true")});
    FILE* record = std::fopen(path.c_str(), "w");
    ASSERT_NE(record, nullptr);
    WatchOptions options;
    options.record = record;
    DryRunExecutor executor;
    Watcher watcher(rules, source, first_sink, executor, options);
    std::atomic<bool> stop{false};
    ASSERT_TRUE(watcher.Run(stop));
    std::fclose(record);
  }
  {
    std::ofstream append(path, std::ios::app);
    append << "not json\n";
  }
  DiagnosticsCollector diagnostics;
  auto replay = ReplaySource::Open(path, diagnostics);
  ASSERT_TRUE(replay);
  CollectingSink second_sink;
  DryRunExecutor executor;
  Watcher watcher(rules, **replay, second_sink, executor, WatchOptions{});
  std::atomic<bool> stop{false};
  ASSERT_TRUE(watcher.Run(stop));
  auto first = first_sink.Take();
  auto second = second_sink.Take();
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].rule, second[i].rule);
    EXPECT_EQ(first[i].output, second[i].output);
  }
  EXPECT_EQ(second[1].rule, "Outbound connection to a destination not on the allow list");
  EXPECT_NE(second[1].output.find("->127.0.0.77:9999"), std::string::npos);
  EXPECT_EQ(second[2].rule, "Sensitive file read in a container");
  auto diags = diagnostics.Take();
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].subject.find(":5"), std::string::npos);
}

// A one-shot HTTP server on loopback: answers the first request 500, later ones 200.
TEST(WebhookSinkTest, RetriesAndDelivers) {
  int server = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(server, 4);
  std::vector<std::string> bodies;
  std::thread http([&] {
    for (int i = 0; i < 2; ++i) {
      int client = accept(server, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos || request.find("}") == std::string::npos) {
        ssize_t n = read(client, buffer, sizeof(buffer));
        if (n <= 0) {
          break;
        }
        request.append(buffer, n);
      }
      bodies.push_back(request);
      const char* reply = i == 0 ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                 : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(client, reply, std::strlen(reply));
      close(client);
    }
  });
  {
    WebhookSink sink(fmt::format("http://127.0.0.1:{}/alerts", ntohs(addr.sin_port)));
    Alert alert;
    alert.rule = "r";
    alert.container_id = "host";
    sink.Write(alert);  // returns at once; delivery happens on the sink's thread
    for (int i = 0; i < 500 && sink.delivered() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(sink.delivered(), 1u);
    EXPECT_EQ(sink.failed(), 0u);
  }
  http.join();
  close(server);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[1].find("\"rule\":\"r\""), std::string::npos);
}

}  // namespace
}  // namespace customs::runtime

namespace customs::runtime {
namespace {

TEST(KernelKillPolicyTest, DefaultRulesKillMemfdAndUpperLayerExecsInKernel) {
  RuleSet rules = DefaultRules();
  const std::string id = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  KernelKillPolicy policy = ComputeKernelKillPolicy(rules, id, nullptr);
  EXPECT_TRUE(policy.memfd);
  EXPECT_TRUE(policy.upper_layer);
  EXPECT_FALSE(ComputeKernelKillPolicy(rules, "", nullptr).memfd);  // never on the host
  // Without a kill_process rule on those flags, the kernel must not kill.
  RulesLoader loader;
  ASSERT_TRUE(loader.AddText("r.yaml", R"(
- rule: memfd alert only
  condition: evt.type = execve and proc.is_exe_from_memfd = true
  output: x
  priority: INFO
- rule: kill every exec
  condition: evt.type = execve and proc.name = never-this
  output: x
  priority: INFO
  actions: [kill_process]
- rule: kill upper-layer execs in the web container
  condition: evt.type = execve and proc.is_exe_upper_layer = true and container.name = web
  output: x
  priority: INFO
  actions: [kill_process]
)"));
  LoadReport report;
  RuleSet other = loader.Finish(&report);
  ASSERT_TRUE(report.ok());
  KernelKillPolicy none = ComputeKernelKillPolicy(other, id, nullptr);
  EXPECT_FALSE(none.memfd);
  EXPECT_FALSE(none.upper_layer);
  // Per container: the scoped rule applies to "web" only.
  auto web = std::make_shared<ContainerMetadata>();
  web->id = id;
  web->name = "web";
  EXPECT_TRUE(ComputeKernelKillPolicy(other, id, web).upper_layer);
  auto db = std::make_shared<ContainerMetadata>(*web);
  db->name = "db";
  EXPECT_FALSE(ComputeKernelKillPolicy(other, id, db).upper_layer);
}

TEST(EnforcingExecutorTest, KernelKillIsReported) {
  ContainerRegistry registry(EngineConfig{}, "/nonexistent-cgroup-root");
  EnforcingExecutor executor(registry, nullptr);
  Event e = ContainerExec("payload");
  e.killed_by_sensor = true;
  ActionReport report = executor.Execute(Action::kKillProcess, e);
  EXPECT_TRUE(report.ok);
  EXPECT_FALSE(report.dry_run);
  EXPECT_NE(report.result.find("bpf_send_signal"), std::string::npos);
  // deny_network without a sensor fails with a reason rather than pretending.
  ActionReport deny = executor.Execute(Action::kDenyNetwork, e);
  EXPECT_FALSE(deny.ok);
  EXPECT_NE(deny.result.find("no BPF sensor"), std::string::npos);
}

}  // namespace
}  // namespace customs::runtime
