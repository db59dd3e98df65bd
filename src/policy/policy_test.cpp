// customs.policy.yaml: parsing (and refusing), selectors, merged controls, stage verdicts, and the generated runtime
// rules: a golden file, and an independent check that customs' own rule loader loads them and that they fire on the
// events they describe (and not on near misses).
#include "policy/policy.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "policy/runtime_rules.h"
#include "policy/stages.h"
#include "runtime/event.h"
#include "runtime/rules/kernel_policy.h"
#include "runtime/rules/rules.h"

namespace customs::policy {
namespace {

const std::filesystem::path kTestdata = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/policy/testdata";

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PolicyFile LoadFull() {
  auto file = LoadPolicy(kTestdata / "full.policy.yaml");
  EXPECT_TRUE(file.has_value()) << (file ? "" : file.error().message());
  return file ? *file : PolicyFile{};
}

TEST(PolicyParse, FullFile) {
  PolicyFile file = LoadFull();
  ASSERT_EQ(file.policies.size(), 2u);
  const Policy& db = file.policies[0];
  EXPECT_EQ(db.name, "databases");
  EXPECT_EQ(db.line, 4);
  EXPECT_EQ(db.selector.images, (std::vector<std::string>{"postgres", "registry.example:5000/db/*"}));
  EXPECT_EQ(db.selector.namespaces, (std::vector<std::string>{"prod", "staging"}));
  for (Control c : {Control::kNoShell, Control::kNonRoot, Control::kNoAttackerTools, Control::kImmutable,
                    Control::kEgress, Control::kVulnerabilities}) {
    EXPECT_TRUE(db.enabled(c)) << ControlName(c);
    EXPECT_EQ(db.setting(c).mode, Mode::kEnforce) << ControlName(c);
  }
  EXPECT_EQ(db.setting(Control::kNoCompilers).mode, Mode::kWarn);
  EXPECT_EQ(db.egress.allow_cidrs, (std::vector<std::string>{"10.0.0.0/8", "::1/128"}));
  EXPECT_EQ(db.egress.allow_ports, (std::vector<int>{5432}));
  EXPECT_EQ(db.egress.deny_countries, (std::vector<std::string>{"RU", "KP"}));
  EXPECT_EQ(db.vulnerabilities.fail_on, "HIGH");
  EXPECT_TRUE(db.vulnerabilities.ignore_unfixed);
  const Policy& web = file.policies[1];
  EXPECT_EQ(web.selector.labels, (std::vector<std::pair<std::string, std::string>>{{"tier", "frontend"}}));
  EXPECT_EQ(web.selector.digests.size(), 1u);
  EXPECT_FALSE(web.enabled(Control::kNoShell));
  EXPECT_EQ(web.setting(Control::kNonRoot).mode, Mode::kWarn);
}

// Each bad input is refused with a message that names the line and the problem.
TEST(PolicyParse, RefusesWhatItDoesNotUnderstand) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"policies:\n  - name: a\n    controls: {no-shel: enforce}\n", ":3: unknown control \"no-shel\""},
      {"policies:\n  - name: a\n    controls: {no-shell: block}\n", "mode must be enforce or warn"},
      {"policies:\n  - name: a\n    match: {image: [x]}\n    controls: {no-shell: enforce}\n",
       "match: unknown key \"image\""},
      {"policies:\n  - name: a\n    match: {images: [\"a\\\" or true\"]}\n    controls: {no-shell: enforce}\n",
       "character '\"' is not allowed"},
      {"policies:\n  - name: a\n    match: {digests: [sha256:abc]}\n    controls: {no-shell: enforce}\n",
       "is not sha256:<64 hex digits>"},
      {"policies:\n  - name: a\n    controls: {no-shell: enforce}\n  - name: a\n    controls: {non-root: warn}\n",
       ":4: policy name \"a\" used twice"},
      {"policies:\n  - name: A b\n    controls: {no-shell: enforce}\n", "lowercase letters, digits"},
      {"policies:\n  - name: a\n", "has no controls"},
      {"policies: [\n", "YAML"},
      {"policies:\n  - name: a\n    controls:\n      vulnerabilities: {kev: ignore}\n", "always fails"},
      {"policies:\n  - name: a\n    controls:\n      vulnerabilities: {fail_on: urgent}\n", "is not a severity"},
      {"policies:\n  - name: a\n    controls:\n      egress: {allow_ports: [70000]}\n", "is not a port"},
      {"policies:\n  - name: a\n    controls:\n      egress: {deny_countries: [ru]}\n", "ISO 3166"},
      {"policies:\n  - name: a\n    controls:\n      egress: {allow_cidrs: [10.0.0.1]}\n", "is not a CIDR"},
      {"policies:\n  - name: a\n    controls:\n      egress: enforce\n", "give allow_cidrs"},
      {"version: 2\npolicies: []\n", "only 1 is known"},
      {"rules: []\n", "unknown key \"rules\""},
      {"- a\n- b\n", "a mapping with `policies:`"},
  };
  for (const auto& c : cases) {
    auto parsed = ParsePolicy(c.text, "p.yaml");
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(c.expected), std::string::npos)
        << c.text << "\n  got: " << parsed.error().message();
    EXPECT_EQ(parsed.error().message().rfind("p.yaml", 0), 0u) << parsed.error().message();
  }
  EXPECT_FALSE(ParsePolicy(std::string(2 << 20, ' '), "big.yaml").has_value());
  EXPECT_FALSE(ParsePolicy(std::string("policies:\0", 10), "nul.yaml").has_value());
  EXPECT_FALSE(LoadPolicy(kTestdata / "does-not-exist.yaml").has_value());
}

TEST(PolicySelector, NamesDigestsLabelsNamespaces) {
  Selector s;
  s.images = {"postgres", "registry:5000/db/*"};
  ImageIdentity image;
  image.names_known = true;
  for (const char* name : {"postgres", "postgres:16", "docker.io/library/postgres:16", "registry:5000/db/orders:1",
                           "postgres@sha256:0123"}) {
    image.names = {name};
    EXPECT_TRUE(Matches(s, image)) << name;
  }
  for (const char* name : {"postgresql", "registry:5000/web/app", "mypostgres:1"}) {
    image.names = {name};
    EXPECT_FALSE(Matches(s, image)) << name;
  }
  // Unknown at this stage: a selector kind that cannot be evaluated does not exclude.
  image.names_known = false;
  image.names.clear();
  EXPECT_TRUE(Matches(s, image));

  Selector labels;
  labels.labels = {{"tier", "db"}};
  labels.namespaces = {"prod"};
  ImageIdentity running;
  running.labels = {{"tier", "db"}, {"team", "x"}};
  running.labels_known = true;
  running.k8s_namespace = "prod";
  running.namespace_known = true;
  EXPECT_TRUE(Matches(labels, running));
  running.k8s_namespace = "dev";
  EXPECT_FALSE(Matches(labels, running));
  running.namespace_known = false;
  EXPECT_TRUE(Matches(labels, running));
  running.labels = {{"tier", "web"}};
  EXPECT_FALSE(Matches(labels, running));

  Selector digests;
  digests.digests = {"sha256:aa"};
  ImageIdentity with_digest;
  with_digest.digests = {"sha256:bb", "sha256:aa"};
  with_digest.digests_known = true;
  EXPECT_TRUE(Matches(digests, with_digest));
  with_digest.digests = {"sha256:bb"};
  EXPECT_FALSE(Matches(digests, with_digest));
  EXPECT_TRUE(Matches(Selector{}, with_digest));
}

TEST(PolicyApplicable, EnforceWinsAndSettingsMerge) {
  auto file = ParsePolicy(
      "policies:\n"
      "  - name: all\n"
      "    controls:\n"
      "      non-root: warn\n"
      "      vulnerabilities: {fail_on: CRITICAL, ignore_unfixed: true}\n"
      "      egress: {allow_ports: [443]}\n"
      "  - name: db\n"
      "    match: {images: [postgres]}\n"
      "    controls:\n"
      "      non-root: enforce\n"
      "      no-shell: warn\n"
      "      vulnerabilities: {fail_on: MEDIUM}\n"
      "      egress: {allow_ports: [5432, 443], deny_countries: [RU]}\n",
      "m.yaml");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  ImageIdentity postgres;
  postgres.names = {"postgres:16"};
  postgres.names_known = true;
  Applicable a = ApplicableControls(*file, postgres);
  ASSERT_NE(a.Find(Control::kNonRoot), nullptr);
  EXPECT_EQ(a.Find(Control::kNonRoot)->mode, Mode::kEnforce);
  EXPECT_EQ(a.Find(Control::kNonRoot)->policies, (std::vector<std::string>{"all", "db"}));
  EXPECT_EQ(a.Find(Control::kNoShell)->mode, Mode::kWarn);
  EXPECT_EQ(a.vulnerabilities.fail_on, "MEDIUM");
  EXPECT_FALSE(a.vulnerabilities.ignore_unfixed);
  EXPECT_EQ(a.egress.allow_ports, (std::vector<int>{443, 5432}));
  EXPECT_EQ(a.egress.deny_countries, (std::vector<std::string>{"RU"}));

  ImageIdentity nginx;
  nginx.names = {"nginx"};
  nginx.names_known = true;
  Applicable b = ApplicableControls(*file, nginx);
  EXPECT_EQ(b.Find(Control::kNoShell), nullptr);
  EXPECT_EQ(b.Find(Control::kNonRoot)->mode, Mode::kWarn);
  EXPECT_EQ(b.vulnerabilities.fail_on, "CRITICAL");
  EXPECT_TRUE(b.vulnerabilities.ignore_unfixed);
}

TEST(PolicyStages, VerdictsPerStage) {
  auto file = ParsePolicy(
      "policies:\n  - name: p\n    controls:\n      no-shell: enforce\n      non-root: warn\n      immutable: enforce\n"
      "      egress: {allow_ports: [443]}\n      vulnerabilities: {fail_on: HIGH, ignore_unfixed: true}\n",
      "s.yaml");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  Applicable a = ApplicableControls(*file, ImageIdentity{});
  auto lint = JudgeLint(a, {{"shell-in-final-stage", "line 1: debian ships a shell"}, {"root-user", "line 1"}});
  ASSERT_EQ(lint.size(), a.controls.size());
  auto status_of = [](const std::vector<Verdict>& verdicts, Control c) {
    for (const auto& v : verdicts) {
      if (v.control == c) return v.status;
    }
    return Status::kNotChecked;
  };
  EXPECT_EQ(status_of(lint, Control::kNoShell), Status::kFail);
  EXPECT_EQ(status_of(lint, Control::kNonRoot), Status::kWarn);
  EXPECT_EQ(status_of(lint, Control::kImmutable), Status::kNotApplicable);
  EXPECT_TRUE(AnyFailure(lint));
  auto clean = JudgeLint(a, {{"apt-get-unpinned", "line 2"}});
  EXPECT_EQ(status_of(clean, Control::kNoShell), Status::kPass);
  EXPECT_FALSE(AnyFailure(clean));

  // Vulnerabilities: HIGH without a fix is ignored (ignore_unfixed), KEV always fails, MEDIUM passes.
  std::vector<VulnFinding> vulns = {{"CVE-1", "a", "HIGH", false, false}, {"CVE-2", "b", "MEDIUM", true, false}};
  auto audit = JudgeAudit(a, {}, {"8080/tcp"}, vulns, true);
  EXPECT_EQ(status_of(audit, Control::kVulnerabilities), Status::kPass);
  EXPECT_EQ(status_of(audit, Control::kNoShell), Status::kPass);
  EXPECT_EQ(status_of(audit, Control::kEgress), Status::kInfo);
  vulns.push_back({"CVE-3", "c", "LOW", false, true});
  audit = JudgeAudit(a, {{"shell-present", "/bin/sh"}}, {}, vulns, true);
  EXPECT_EQ(status_of(audit, Control::kVulnerabilities), Status::kFail);
  EXPECT_EQ(status_of(audit, Control::kNoShell), Status::kFail);
  audit = JudgeAudit(a, {}, {}, vulns, false);
  EXPECT_EQ(status_of(audit, Control::kVulnerabilities), Status::kNotChecked);

  auto runtime = JudgeRuntime(a);
  EXPECT_EQ(status_of(runtime, Control::kNoShell), Status::kEnforced);
  EXPECT_EQ(status_of(runtime, Control::kNonRoot), Status::kAlertOnly);
  EXPECT_EQ(status_of(runtime, Control::kVulnerabilities), Status::kNotApplicable);

  std::vector<Verdict> all = lint;
  all.insert(all.end(), audit.begin(), audit.end());
  all.insert(all.end(), runtime.begin(), runtime.end());
  std::string table = RenderVerdictTable(a, all);
  EXPECT_NE(table.find("no-shell            enforce  FAIL      pass      enforced"), std::string::npos) << table;
  std::string json = RenderVerdictJson(a, all);
  EXPECT_NE(json.find("\"failed\": true"), std::string::npos) << json;
}

// ---------------------------------------------------------------------------------------------------------------------
// Generated runtime rules.

void ExpectGolden(const std::string& name, const std::string& actual) {
  const auto path = kTestdata / name;
  if (std::getenv("CUSTOMS_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
  }
  EXPECT_EQ(ReadText(path), actual) << "golden " << path << " differs; regenerate with CUSTOMS_UPDATE_GOLDEN=1";
}

runtime::RuleSet LoadRules(const std::string& text, runtime::LoadReport* report) {
  runtime::RulesLoader loader;
  EXPECT_TRUE(loader.AddText("policy-rules.yaml", text).has_value());
  return loader.Finish(report);
}

runtime::Event Exec(const std::string& exepath, const std::string& image, const std::string& ns, uint32_t uid = 1000) {
  runtime::Event e;
  e.type = runtime::EventType::kExecve;
  e.num = 1;
  e.pid = 42;
  e.uid = uid;
  e.exepath = exepath;
  e.name = exepath.substr(exepath.rfind('/') + 1).substr(0, 15);
  e.exe = exepath;
  e.container_id = std::string(64, 'a');
  auto meta = std::make_shared<runtime::ContainerMetadata>();
  meta->id = e.container_id;
  meta->image = image;
  meta->k8s_namespace = ns;
  meta->from_engine = true;
  e.container = meta;
  runtime::FinishEvent(e);
  return e;
}

std::vector<std::string> Matching(const runtime::RuleSet& rules, const runtime::Event& event) {
  std::vector<std::string> out;
  rules.Match(event, [&](const runtime::Rule& rule) { out.push_back(rule.name); });
  return out;
}

TEST(PolicyRuntimeRules, GoldenAndLoadsInOurLoader) {
  PolicyFile file = LoadFull();
  RuleOptions options;
  options.source_name = "full.policy.yaml";
  std::string text = GenerateRuntimeRules(file, options);
  ExpectGolden("full.rules.yaml", text);

  runtime::LoadReport report;
  runtime::RuleSet rules = LoadRules(text, &report);
  ASSERT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors[0].ToString());
  // databases: no-shell, non-root, no-attacker-tools, no-compilers, immutable, two egress; web: non-root, tools.
  std::vector<std::string> names;
  for (const auto& rule : rules.rules()) names.push_back(rule->name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "customs policy databases: no-shell", "customs policy databases: non-root",
                       "customs policy databases: no-attacker-tools", "customs policy databases: no-compilers",
                       "customs policy databases: immutable", "customs policy databases: egress outside the allow list",
                       "customs policy databases: egress to a denied country", "customs policy web: non-root",
                       "customs policy web: no-attacker-tools"}));
  auto find = [&](const std::string& name) -> const runtime::Rule* {
    for (const auto& rule : rules.rules()) {
      if (rule->name == name) return rule.get();
    }
    return nullptr;
  };
  EXPECT_TRUE(find("customs policy databases: no-shell")->HasAction(runtime::Action::kKillContainer));
  EXPECT_FALSE(find("customs policy databases: no-compilers")->HasAction(runtime::Action::kKillContainer));  // warn
  EXPECT_TRUE(find("customs policy databases: immutable")->HasAction(runtime::Action::kKillProcess));
  EXPECT_TRUE(
      find("customs policy databases: egress outside the allow list")->HasAction(runtime::Action::kDenyNetwork));
  EXPECT_FALSE(find("customs policy web: non-root")->HasAction(runtime::Action::kKillContainer));  // warn

  // The rules fire on what they describe, scoped by the selector.
  EXPECT_EQ(Matching(rules, Exec("/bin/bash", "docker.io/library/postgres:16", "prod")),
            (std::vector<std::string>{"customs policy databases: no-shell"}));
  EXPECT_TRUE(Matching(rules, Exec("/bin/bash", "docker.io/library/postgres:16", "dev")).empty());  // namespace
  EXPECT_TRUE(Matching(rules, Exec("/bin/bash", "nginx:1", "prod")).empty());                       // image
  EXPECT_EQ(Matching(rules, Exec("/usr/bin/wget", "registry.example:5000/db/orders:2", "staging")),
            (std::vector<std::string>{"customs policy databases: no-attacker-tools"}));
  EXPECT_EQ(Matching(rules, Exec("/usr/bin/postgres", "postgres:16", "prod", 0)),
            (std::vector<std::string>{"customs policy databases: non-root"}));
  EXPECT_TRUE(Matching(rules, Exec("/usr/bin/postgres", "postgres:16", "prod", 999)).empty());
  runtime::Event upper = Exec("/tmp/x", "postgres:16", "prod");
  upper.exe_upper_layer = true;
  EXPECT_EQ(Matching(rules, upper), (std::vector<std::string>{"customs policy databases: immutable"}));
  // The immutable rule is one the kernel can enforce before the program runs (kill_process on the upper-layer flag).
  auto kill = runtime::ComputeKernelKillPolicy(rules, upper.container_id, upper.container);
  EXPECT_TRUE(kill.upper_layer);
  EXPECT_TRUE(kill.memfd);
  // Host processes are never in scope.
  runtime::Event host = Exec("/bin/bash", "postgres:16", "prod");
  host.container_id.clear();
  host.container = nullptr;
  EXPECT_TRUE(Matching(rules, host).empty());

  // Egress: the kernel can check the allow list and the country rule (deny_network before the connect).
  std::vector<runtime::LoadMessage> notes;
  auto connect = runtime::KernelConnectPolicy::Compile(rules, &notes);
  for (const auto& note : notes) ADD_FAILURE() << note.ToString();
}

TEST(PolicyRuntimeRules, ImageExecutablesAreTheAllowList) {
  auto file = ParsePolicy(
      "policies:\n  - name: app\n    match: {images: [\"registry:5000/app*\"]}\n    controls:\n"
      "      no-shell: enforce\n      immutable: enforce\n",
      "i.yaml");
  ASSERT_TRUE(file.has_value()) << file.error().message();
  RuntimeImage image;
  image.names = {"registry:5000/app:1"};
  image.digests = {"sha256:1111111111111111111111111111111111111111111111111111111111111111"};
  image.executables = {"/usr/bin/app", "/usr/bin/sh", "/bin/sh", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                       "/usr/bin/bad\"quote"};
  RuleOptions options;
  options.image = &image;
  options.source_name = "i.yaml";
  std::string text = GenerateRuntimeRules(*file, options);
  ExpectGolden("image.rules.yaml", text);
  EXPECT_EQ(text.find("bad\"quote"), std::string::npos);  // left out, so an exec of it is killed

  runtime::LoadReport report;
  runtime::RuleSet rules = LoadRules(text, &report);
  ASSERT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors[0].ToString());
  EXPECT_TRUE(Matching(rules, Exec("/usr/bin/app", "registry:5000/app:1", "")).empty());
  EXPECT_EQ(Matching(rules, Exec("/tmp/payload", "registry:5000/app:1", "")),
            (std::vector<std::string>{"customs policy app: executable not shipped by the image"}));
  // busybox is a shell by name as well.
  EXPECT_EQ(Matching(rules, Exec("/tmp/busybox", "registry:5000/app:1", "")),
            (std::vector<std::string>{"customs policy app: no-shell",
                                      "customs policy app: executable not shipped by the image"}));
  // A shell the image shipped is still forbidden (no-shell), both by name and by the allow-list.
  EXPECT_EQ(Matching(rules, Exec("/bin/sh", "registry:5000/app:1", "")),
            (std::vector<std::string>{"customs policy app: no-shell",
                                      "customs policy app: executable not shipped by the image"}));
  // Another image in the selector's range is not judged by this image's list.
  EXPECT_TRUE(Matching(rules, Exec("/tmp/payload", "registry:5000/app2:1", "")).empty());
  // Matched by the image id too (docker reports the config digest), whatever tag the container was started from.
  runtime::Event by_id = Exec("/tmp/payload", "registry:5000/app:9", "");
  EXPECT_TRUE(Matching(rules, by_id).empty());
  auto meta = std::make_shared<runtime::ContainerMetadata>(*by_id.container);
  meta->image_id = image.digests[0];
  by_id.container = meta;
  EXPECT_EQ(Matching(rules, by_id).size(), 1u);

  // A policy that does not select the image produces no rules for it.
  image.names = {"nginx:1"};
  image.digests.clear();
  text = GenerateRuntimeRules(*file, options);
  EXPECT_NE(text.find("No policy with a runtime control applies"), std::string::npos);
}

}  // namespace
}  // namespace customs::policy
