#include "runtime/rules/rules.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_util.h"
#include "runtime/rules/network.h"

namespace customs::runtime {
namespace {

const std::filesystem::path kFalcoDir = std::filesystem::path(CUSTOMS_SHARED_DATA) / "falco";

RuleSet LoadText(std::string_view text, LoadReport* report, LoadOptions options = {}) {
  RulesLoader loader(options);
  (void)loader.AddText("test.yaml", text);
  return loader.Finish(report);
}

std::set<std::string> RuleNamesInFile(const std::filesystem::path& path) {
  std::set<std::string> names;
  YAML::Node root = YAML::LoadFile(path.string());
  for (const auto& item : root) {
    if (item["rule"] && item["condition"]) {
      names.insert(item["rule"].Scalar());
    }
  }
  return names;
}

Event Exec(std::string name,
           std::string container_id = "c0ffee0000000000000000000000000000000000000000000000000000000001") {
  Event e;
  e.type = EventType::kExecve;
  e.name = std::move(name);
  e.exepath = "/bin/" + e.name;
  e.container_id = std::move(container_id);
  FinishEvent(e);
  return e;
}

std::vector<std::string> Matches(const RuleSet& set, const Event& event) {
  std::vector<std::string> names;
  set.Match(event, [&](const Rule& rule) { names.push_back(rule.name); });
  return names;
}

// Falco's stable rules, shipped as test data (testdata/falco/SOURCES.md).
const std::filesystem::path kFalcoStable =
    std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/runtime/rules/testdata/falco/falco_rules.yaml";

TEST(RulesTest, FalcoStableRulesAllLoad) {
  RulesLoader loader;
  ASSERT_TRUE(loader.AddFile(kFalcoStable));
  LoadReport report;
  RuleSet set = loader.Finish(&report);
  for (const auto& error : report.errors) {
    ADD_FAILURE() << error.ToString();
  }
  std::set<std::string> loaded;
  for (const auto& rule : set.rules()) {
    loaded.insert(rule->name);
    EXPECT_TRUE(rule->enabled) << rule->name;
    EXPECT_TRUE(rule->event_types.any()) << rule->name;
    EXPECT_TRUE(rule->uncaptured_event_types.empty()) << rule->name;
  }
  EXPECT_EQ(loaded, RuleNamesInFile(kFalcoStable));
  EXPECT_EQ(loaded.size(), 25u);
  // What is left: output fields customs does not fill (they print <NA>), never a condition field.
  for (const auto& warning : report.warnings) {
    EXPECT_NE(warning.message.find("output field"), std::string::npos) << warning.ToString();
  }
}

// One event per rule that should fire it (and near misses that should not), as the sensor would record them:
// testdata/falco_stable_triggers.jsonl. The K8S API server's name resolves through a hosts file, as in production.
TEST(RulesTest, FalcoStableRulesFireOnTheirEvents) {
  RulesLoader loader;
  ASSERT_TRUE(loader.AddFile(kFalcoStable));
  LoadReport report;
  RuleSet set = loader.Finish(&report);
  ASSERT_TRUE(report.ok());
  auto dir = TempDir::Create("runtime-hosts");
  ASSERT_TRUE(dir);
  std::ofstream(dir->path() / "hosts") << "10.96.0.1 kubernetes.default.svc.cluster.local kubernetes.default\n";
  DomainRefresher refresher(set.domain_sets(), HostsFileResolver(dir->path() / "hosts"), std::chrono::hours(1));
  EXPECT_EQ(refresher.RefreshNow(), 1u);

  std::ifstream in(std::filesystem::path(CUSTOMS_SOURCE_DIR) /
                   "src/runtime/rules/testdata/falco_stable_triggers.jsonl");
  std::string line;
  std::set<std::string> fired;
  int cases = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string rule = j["rule"];
    bool expected = j.value("matches", true);
    Event event;
    ASSERT_TRUE(EventFromJson(j["event"].dump(), event)) << line;
    event.num = static_cast<uint64_t>(cases) + 1;  // sources number events from 1 (Falco's never_true is evt.num=0)
    std::vector<std::string> matches = Matches(set, event);
    bool matched = std::find(matches.begin(), matches.end(), rule) != matches.end();
    EXPECT_EQ(matched, expected) << rule << (expected ? "" : " (near miss: " + j.value("why", "") + ")") << "\n"
                                 << line;
    if (matched) {
      fired.insert(rule);
    }
    ++cases;
  }
  EXPECT_GE(cases, 25);
  EXPECT_EQ(fired, RuleNamesInFile(kFalcoStable));
}

TEST(RulesTest, FalcoIncubatingAndSandboxRulesNoneSilentlyDropped) {
  if (!std::filesystem::exists(kFalcoDir / "falco_rules.yaml")) {
    GTEST_SKIP() << "no shared falco data";
  }
  for (const char* extra : {"falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}) {
    RulesLoader loader;
    ASSERT_TRUE(loader.AddFile(kFalcoDir / "falco_rules.yaml"));
    ASSERT_TRUE(loader.AddFile(kFalcoDir / extra));
    LoadReport report;
    RuleSet set = loader.Finish(&report);
    std::set<std::string> seen;
    for (const auto& rule : set.rules()) {
      seen.insert(rule->name);
    }
    for (const auto& error : report.errors) {
      EXPECT_TRUE(error.message.find("unknown field") != std::string::npos ||
                  error.message.find("not valid for field") != std::string::npos ||  // evt.arg.mode contains S_ISUID
                  error.message.find("needs a number") != std::string::npos)         // evt.arg.uid=nobody
          << error.ToString();
      seen.insert(error.rule);
    }
    for (const auto& name : RuleNamesInFile(kFalcoDir / extra)) {
      EXPECT_TRUE(seen.count(name)) << extra << ": " << name;
    }
    EXPECT_GT(set.rules().size(), 20u) << extra;
  }
}

TEST(RulesTest, SkipUnsupportedTurnsErrorsIntoWarnings) {
  LoadReport report;
  RuleSet set = LoadText(R"(
- rule: needs k8s
  condition: evt.type = execve and k8s.deployment.name = default
  output: x
  priority: INFO
  skip-if-unknown-filter: true
- rule: fine
  condition: evt.type = execve
  output: x
  priority: INFO
)",
                         &report);
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(set.rules().size(), 1u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].message.find("skipped: unknown field 'k8s.deployment.name'"), std::string::npos);
  EXPECT_EQ(report.warnings[0].rule, "needs k8s");
}

TEST(RulesTest, OverridesAppendsAndExceptions) {
  LoadReport report;
  RuleSet set = LoadText(R"(
- list: shells
  items: [bash]
- list: shells
  items: [zsh]
  override: {items: append}
- macro: in_container
  condition: container.id != host
- rule: shell
  desc: d
  condition: evt.type = execve and proc.name in (shells)
  output: "shell %proc.name in %container.id"
  priority: WARNING
  exceptions:
    - name: trusted
      fields: [proc.name, proc.pname]
      comps: [=, in]
      values:
        - [bash, [make, cron]]
- rule: shell
  condition: and in_container
  override:
    condition: append
- rule: shell
  priority: CRITICAL
  exceptions:
    - name: trusted
      values:
        - [zsh, [tmux]]
  override:
    priority: replace
    exceptions: append
- rule: disabled
  condition: evt.type = execve
  output: x
  priority: INFO
- rule: disabled
  enabled: false
)",
                         &report);
  for (const auto& e : report.errors) {
    ADD_FAILURE() << e.ToString();
  }
  ASSERT_EQ(set.rules().size(), 2u);
  const Rule& rule = *set.rules()[0];
  EXPECT_EQ(rule.priority, Priority::kCritical);
  EXPECT_FALSE(set.rules()[1]->enabled);

  Event bash = Exec("bash");
  EXPECT_EQ(Matches(set, bash), std::vector<std::string>{"shell"});
  Event zsh = Exec("zsh");
  EXPECT_EQ(Matches(set, zsh).size(), 1u);
  Event host_bash = Exec("bash", "");
  EXPECT_TRUE(Matches(set, host_bash).empty());  // the appended condition
  bash.ancestor_count = 1;
  bash.ancestors[0].name = "cron";
  EXPECT_TRUE(Matches(set, bash).empty());  // exception tuple (bash, [make, cron])
  zsh.ancestor_count = 1;
  zsh.ancestors[0].name = "tmux";
  EXPECT_TRUE(Matches(set, zsh).empty());  // appended exception value
  zsh.ancestors[0].name = "cron";
  EXPECT_EQ(Matches(set, zsh).size(), 1u);
  EXPECT_EQ(rule.output.Render(Exec("zsh")), "shell zsh in c0ffee000000");
}

TEST(RulesTest, ScalarExceptionFields) {
  LoadReport report;
  RuleSet set = LoadText(R"(
- rule: r
  condition: evt.type = execve
  output: x
  priority: INFO
  exceptions:
    - name: names
      fields: proc.name
      values: [ls, cat]
)",
                         &report);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(Matches(set, Exec("ls")).empty());
  EXPECT_TRUE(Matches(set, Exec("cat")).empty());
  EXPECT_EQ(Matches(set, Exec("bash")).size(), 1u);
}

TEST(RulesTest, StructuralErrorsHaveFileAndLine) {
  struct Case {
    const char* text;
    const char* message;
    int line;
  };
  const Case cases[] = {
      {"- rule: a\n  condition: evt.type = execve\n  output: x\n  priority: LOUD\n", "unknown priority", 4},
      {"- rule: a\n  condition: evt.type = execve\n  output: x\n  priority: INFO\n  actions: [explode]\n",
       "unknown action 'explode'", 5},
      {"- rule: a\n  condition: evt.type = execve and\n  output: x\n  priority: INFO\n", "condition:", 2},
      {"- rule: a\n  condition: evt.type = execve and foo.bar = 1\n  output: x\n  priority: INFO\n",
       "unknown field 'foo.bar'", 2},
      {"- macro: m\n  condition: x.y = 1\n  override: {condition: append}\n", "not defined earlier", 1},
      {"- rule: nope\n  condition: and x\n  override: {condition: append}\n", "not defined earlier", 1},
      {"- rule: a\n  condition: evt.type = execve\n  output: x\n  priority: INFO\n"
       "- rule: a\n  priority: INFO\n  override: {priority: append}\n",
       "only be replaced", 5},
      {"- required_engine_version: 99.0.0\n", "requires engine version", 1},
      {"- macro: a\n  condition: b\n- macro: b\n  condition: a\n- rule: r\n  condition: evt.type = execve and a\n"
       "  output: x\n  priority: INFO\n",
       "macro recursion", 6},
      {"- rule: r\n  condition: evt.type = execve\n  output: x\n", "needs 'condition', 'output' and 'priority'", 1},
  };
  for (const Case& c : cases) {
    LoadReport report;
    LoadText(c.text, &report);
    ASSERT_EQ(report.errors.size(), 1u) << c.text;
    EXPECT_NE(report.errors[0].message.find(c.message), std::string::npos) << report.errors[0].ToString();
    EXPECT_EQ(report.errors[0].line, c.line) << report.errors[0].ToString();
    EXPECT_EQ(report.errors[0].file, "test.yaml");
  }
}

TEST(RulesTest, FalcoLoaderWarningsNotErrors) {
  LoadReport report;
  RuleSet set = LoadText(R"(
- required_engine_version: 0.50.0
- required_plugin_versions:
    - name: container
      version: 0.4.0
- list: l
  items: [a]
  colour: blue
- macro: m
  condition: proc.name = a
  note: hi
- rule: uncaptured only
  condition: evt.type in (mkdir, mkdirat)
  output: x
  priority: INFO
- rule: partly uncaptured
  condition: evt.type in (open, creat)
  output: x
  priority: INFO
- rule: other source
  condition: ka.verb = create
  output: x
  priority: INFO
  source: k8s_audit
- rule: unknown key
  condition: evt.type = execve and m
  output: x
  priority: INFO
  frobnicate: true
- frobnicate: 1
)",
                         &report);
  for (const auto& e : report.errors) {
    ADD_FAILURE() << e.ToString();
  }
  auto warned = [&](const std::string& rule, const std::string& text) {
    for (const auto& w : report.warnings) {
      if (w.rule == rule && w.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(warned("l", "unknown key 'colour'"));
  EXPECT_TRUE(warned("m", "unknown key 'note'"));
  EXPECT_TRUE(warned("uncaptured only", "does not capture (mkdir, mkdirat)"));
  EXPECT_TRUE(warned("partly uncaptured", "ignored: creat"));
  EXPECT_TRUE(warned("other source", "skipped: source 'k8s_audit'"));
  EXPECT_TRUE(warned("unknown key", "unknown key 'frobnicate'"));
  EXPECT_TRUE(warned("", "unknown top-level item ignored"));
  std::set<std::string> names;
  for (const auto& rule : set.rules()) {
    names.insert(rule->name);
  }
  // The uncaptured rule is loaded (it cannot fire); the other source's is not.
  EXPECT_EQ(names, (std::set<std::string>{"uncaptured only", "partly uncaptured", "unknown key"}));
  Event open = Exec("cat");
  open.type = EventType::kOpen;
  EXPECT_EQ(Matches(set, open), std::vector<std::string>{"partly uncaptured"});
}

TEST(RulesTest, ExceptionsWithTransformersAndLists) {
  LoadReport report;
  RuleSet set = LoadText(R"(
- list: trusted_parents
  items: [make, cron]
- rule: shell
  condition: evt.type = execve and proc.name in (bash, sh)
  output: x
  priority: WARNING
  exceptions:
    - name: by_parent
      fields: [tolower(proc.pname), proc.name]
      comps: [in, =]
      values:
        - [trusted_parents, bash]
    - name: by_cmdline
      fields: proc.cmdline
      comps: startswith
      values: ["sh -c /opt/ok"]
)",
                         &report);
  for (const auto& e : report.errors) {
    ADD_FAILURE() << e.ToString();
  }
  ASSERT_EQ(set.rules().size(), 1u);
  Event bash = Exec("bash");
  bash.ancestor_count = 1;
  bash.ancestors[0].name = "CRON";  // lower-cased by the transformer
  EXPECT_TRUE(Matches(set, bash).empty());
  bash.ancestors[0].name = "nginx";
  EXPECT_EQ(Matches(set, bash).size(), 1u);
  Event sh = Exec("sh");
  sh.args = "-c /opt/ok/run";
  FinishEvent(sh);
  EXPECT_TRUE(Matches(set, sh).empty());
  EXPECT_EQ(AstToString(*set.rules()[0]->expanded),
            "((evt.type = execve and proc.name in (bash, sh)) and not (tolower(proc.pname) in (make, cron) and "
            "proc.name = bash) and not proc.cmdline startswith \"sh -c /opt/ok\")");
}

TEST(RulesTest, InvalidYamlIsAnErrorWithLine) {
  RulesLoader loader;
  auto status = loader.AddText("bad.yaml", "- rule: a\n  condition: [unclosed\n  output: x\n");
  ASSERT_FALSE(status);
  LoadReport report;
  loader.Finish(&report);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].message.find("invalid YAML"), std::string::npos);
  EXPECT_GT(report.errors[0].line, 0);
  LoadReport report2;
  LoadText("just a string", &report2);
  EXPECT_FALSE(report2.ok());
}

TEST(RulesTest, HugeListFileIsRefusedQuickly) {
  auto dir = TempDir::Create("runtime-rules");
  ASSERT_TRUE(dir);
  std::filesystem::path path = dir->path() / "huge.yaml";
  {
    std::ofstream out(path);
    out << "- list: huge\n  items: [";
    std::string chunk;
    for (int i = 0; i < 1000; ++i) {
      chunk += "item_with_a_reasonably_long_name_" + std::to_string(i) + ", ";
    }
    size_t written = 0;
    while (written < (size_t{100} << 20)) {
      out << chunk;
      written += chunk.size();
    }
    out << "last]\n";
  }
  ASSERT_GE(std::filesystem::file_size(path), size_t{100} << 20);
  auto start = std::chrono::steady_clock::now();
  RulesLoader loader;
  auto status = loader.AddFile(path);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("limit"), std::string::npos);
  (void)start;
}

TEST(RulesTest, ListItemLimitWithinSizeLimit) {
  // Under the file-size limit but over the item limit: an error, not an unbounded allocation.
  std::string text = "- list: many\n  items: [";
  for (int i = 0; i < 2000; ++i) {
    text += "i" + std::to_string(i) + ",";
  }
  text += "x]\n";
  LoadOptions options;
  options.max_list_items = 1000;
  LoadReport report;
  LoadText(text, &report, options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.errors[0].message.find("more than 1000"), std::string::npos);
}

TEST(RulesTest, DefaultRulesLoadCleanlyAndFire) {
  RulesLoader loader;
  ASSERT_TRUE(loader.AddText("customs_rules.yaml", DefaultRulesText()));
  LoadReport report;
  RuleSet set = loader.Finish(&report);
  for (const auto& e : report.errors) {
    ADD_FAILURE() << e.ToString();
  }
  for (const auto& w : report.warnings) {
    ADD_FAILURE() << w.ToString();
  }
  EXPECT_GE(set.rules().size(), 9u);

  EXPECT_EQ(Matches(set, Exec("bash")), std::vector<std::string>{"Shell spawned in a container"});
  EXPECT_TRUE(Matches(set, Exec("bash", "")).empty());  // host
  EXPECT_TRUE(Matches(set, Exec("ls")).empty());
  Event from_nginx = Exec("sh");
  from_nginx.ancestor_count = 1;
  from_nginx.ancestors[0].name = "nginx";
  EXPECT_EQ(Matches(set, from_nginx).size(), 2u);
  EXPECT_EQ(Matches(set, Exec("apt-get")), std::vector<std::string>{"Package manager run in a container"});
  Event memfd = Exec("x");
  memfd.exe_from_memfd = true;
  EXPECT_EQ(Matches(set, memfd), std::vector<std::string>{"Executable not from the container image"});

  Event connect = Exec("curl");
  connect.type = EventType::kConnect;
  ASSERT_TRUE(ParseAddress("127.0.0.77", &connect.family, &connect.remote_addr));
  connect.remote_port = 8080;
  EXPECT_EQ(Matches(set, connect),
            std::vector<std::string>{"Outbound connection to a destination not on the allow list"});
  ASSERT_TRUE(ParseAddress("10.2.3.4", &connect.family, &connect.remote_addr));
  EXPECT_TRUE(Matches(set, connect).empty());
  ASSERT_TRUE(ParseAddress("8.8.8.8", &connect.family, &connect.remote_addr));
  connect.remote_port = 53;
  EXPECT_TRUE(Matches(set, connect).empty());

  Event open = Exec("cat");
  open.type = EventType::kOpenat;
  open.path = "/etc/shadow";
  open.flags = 0;  // O_RDONLY
  open.res = 3;
  EXPECT_EQ(Matches(set, open), std::vector<std::string>{"Sensitive file read in a container"});
  open.path = "/usr/bin/ls";
  open.flags = 01 | 0100;  // O_WRONLY|O_CREAT
  EXPECT_EQ(Matches(set, open), std::vector<std::string>{"Write below a binary or /etc directory in a container"});
  open.path = "/usr/binary/ls";
  EXPECT_TRUE(Matches(set, open).empty());

  Event module = Exec("insmod");
  module.type = EventType::kFinitModule;
  EXPECT_EQ(Matches(set, module).size(), 1u);
  Event ptrace = Exec("gdb");
  ptrace.type = EventType::kPtrace;
  ptrace.arg0 = 16;  // PTRACE_ATTACH
  EXPECT_EQ(Matches(set, ptrace).size(), 1u);
  ptrace.arg0 = 2;  // PTRACE_PEEKDATA
  EXPECT_TRUE(Matches(set, ptrace).empty());

  const Rule* shell = set.rules()[0].get();
  EXPECT_TRUE(shell->HasAction(Action::kKillContainer));
  EXPECT_TRUE(shell->HasAction(Action::kAlert));
  EXPECT_FALSE(shell->HasAction(Action::kDenyNetwork));
  EventTypeSet needed = set.NeededEventTypes();
  EXPECT_TRUE(needed.test(static_cast<size_t>(EventType::kExecve)));
  EXPECT_TRUE(needed.test(static_cast<size_t>(EventType::kConnect)));
  EXPECT_FALSE(needed.test(static_cast<size_t>(EventType::kUnlink)));
}

TEST(OutputTemplateTest, FieldsAndNa) {
  std::vector<std::string> unknown;
  auto tmpl =
      OutputTemplate::Parse("p=%proc.name gp=%proc.aname[2] fd=%fd.name x=%k8s.deployment.name 100%.", &unknown);
  Event e = Exec("bash");
  e.ancestor_count = 2;
  e.ancestors[1].name = "init";
  EXPECT_EQ(tmpl.Render(e), "p=bash gp=init fd=<NA> x=<NA> 100%.");
  EXPECT_EQ(unknown, std::vector<std::string>{"k8s.deployment.name"});
}

}  // namespace
}  // namespace customs::runtime
