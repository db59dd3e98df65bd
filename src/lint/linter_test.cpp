#include "lint/linter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/file_util.h"
#include "lint/dockerfile/parser.h"

namespace customs::lint {
namespace {

bool Has(const FileReport& r, std::string_view rule) {
  return std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.rule == rule; });
}

TEST(Linter, ConfigIgnoreOverrideAndLists) {
  auto dir = TempDir::Create("lint-config");
  ASSERT_TRUE(dir.has_value());
  const auto path = dir->path() / ".customs.yaml";
  ASSERT_TRUE(WriteFileAtomic(path,
                              "lint:\n  ignored: [DL3008]\n  override: {root-user: critical}\n"
                              "  allowed_base_images: [ubuntu]\n  attacker_tools: {extend: [python3]}\n"
                              "  failure_threshold: medium\n  excludes: [vendor]\n")
                  .has_value());
  auto config = LoadLintConfig(path);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->failure_threshold, Severity::kMedium);
  auto report = LintContent("FROM ubuntu:22.04\nRUN apt-get install -y python3\n", "Dockerfile", *config);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(Has(*report, "apt-get-unpinned"));    // ignored by alias
  EXPECT_FALSE(Has(*report, "base-image-full-os"));  // allowed
  EXPECT_TRUE(Has(*report, "attacker-tools"));       // extended list
  for (const auto& f : report->findings) {
    if (f.rule == "root-user") EXPECT_EQ(f.severity, Severity::kCritical);
  }
  ASSERT_TRUE(WriteFileAtomic(path, "lint: [unclosed\n").has_value());
  EXPECT_FALSE(LoadLintConfig(path).has_value());
}

TEST(Linter, JsonSchema) {
  auto report = LintContent("FROM ubuntu:latest\nRUN apt-get install -y curl\n", "Dockerfile", LintConfig());
  ASSERT_TRUE(report.has_value());
  auto doc = nlohmann::json::parse(RenderJson({*report}));
  EXPECT_EQ(doc["schema"], "customs.lint/v1");
  EXPECT_EQ(doc["files"], nlohmann::json::array({"Dockerfile"}));
  ASSERT_FALSE(doc["findings"].empty());
  for (const auto& f : doc["findings"]) {
    for (const char* key : {"rule", "aliases", "severity", "file", "line", "end_line", "stage", "message", "fix"}) {
      EXPECT_TRUE(f.contains(key)) << key;
    }
  }
  auto sarif = nlohmann::json::parse(RenderSarif({*report}));
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_EQ(sarif["runs"][0]["results"].size(), doc["findings"].size());
  EXPECT_NE(RenderCheckstyle({*report}).find("<checkstyle"), std::string::npos);
  EXPECT_NE(RenderJunit({*report}).find("<testsuites"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(RenderCodeClimate({*report})).size(), doc["findings"].size());
  EXPECT_EQ(RenderTty({*report}, false).find("\x1b["), std::string::npos);
  EXPECT_NE(RenderTty({*report}, true).find("\x1b["), std::string::npos);
}

TEST(Linter, HostileInputs) {
  // Binary file: a clear error.
  std::string binary("FROM a\n\0\x01\x02", 10);
  auto b = LintContent(binary, "bin", LintConfig());
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message().find("binary"), std::string::npos);
  // Unterminated heredoc: error with a line number.
  auto h = LintContent("FROM a\nRUN <<EOF\necho\n", "h", LintConfig());
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().message().find("unterminated heredoc"), std::string::npos) << h.error().message();
  EXPECT_NE(h.error().message().find("line"), std::string::npos);
  // Unterminated quotes: the instruction still parses (BuildKit keeps shell form), findings still come.
  auto q = LintContent("FROM ubuntu\nRUN echo \"unterminated 'x\nCMD [\"a\", \n", "q", LintConfig());
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(Has(*q, "root-user"));
  // 10,000 continuation lines: one instruction spanning them all.
  std::string cont = "FROM alpine:3.20\nRUN echo start";
  for (int i = 0; i < 10000; ++i) cont += " \\\n  && echo " + std::to_string(i);
  cont += "\nUSER 1000\n";
  auto parsed = ParseDockerfile(cont);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->instructions.size(), 3u);
  EXPECT_EQ(parsed->instructions[1].end_line, 10002);
  auto c = LintContent(cont, "c", LintConfig());
  ASSERT_TRUE(c.has_value());
  // A 50 MB Dockerfile (generated here, never committed).
  std::string big = "FROM alpine:3.20\n";
  const std::string line = "RUN apk add --no-cache curl && echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
  while (big.size() < (50u << 20)) big += line;
  auto r = LintContent(big, "big", LintConfig());
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(r->findings.size(), 1000u);
  // Deep ${} nesting and a huge single line do not overflow the stack.
  std::string nested = "FROM alpine:3.20\nENV A=";
  for (int i = 0; i < 5000; ++i) nested += "${x:-";
  nested += "\n";
  auto n = LintContent(nested, "n", LintConfig());
  EXPECT_TRUE(n.has_value() || !n.error().message().empty());
}

std::vector<std::string> Rules(const FileReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(std::to_string(f.line) + " " + f.rule);
  return out;
}

TEST(Linter, OnbuildTriggersAreLintedAtTheirLine) {
  const std::string dockerfile =
      "FROM alpine:3.20\nONBUILD RUN apk add curl && sudo make\nONBUILD USER root\nUSER 1000\n"
      "HEALTHCHECK CMD [\"true\"]\n";
  auto report = LintContent(dockerfile, "Dockerfile", LintConfig());
  ASSERT_TRUE(report.has_value());
  bool apk = false, sudo = false;
  for (const auto& f : report->findings) {
    EXPECT_NE(f.rule, "attacker-tools") << "a trigger does not install anything into this image";
    EXPECT_NE(f.rule, "root-user") << "ONBUILD USER does not change this image's user";
    if (f.rule == "apk-unpinned" || f.rule == "apk-missing-no-cache") {
      apk = true;
      EXPECT_EQ(f.line, 2);
      EXPECT_NE(f.message.find("ONBUILD"), std::string::npos) << f.message;
    }
    if (f.rule == "sudo") sudo = f.line == 2;
  }
  EXPECT_TRUE(apk);
  EXPECT_TRUE(sudo);
  // Other triggers are linted as their own instruction too; no peer lints them, so they carry no peer ids.
  auto others =
      LintFile(std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/lint/testdata/onbuild-triggers.Dockerfile", {});
  ASSERT_TRUE(others.has_value());
  std::set<std::string> trigger_rules;
  for (const auto& f : others->findings) {
    if (f.line < 2 || f.line > 6) continue;
    trigger_rules.insert(f.rule);
    if (f.line <= 4) EXPECT_TRUE(f.aliases.empty()) << f.rule;
  }
  for (const char* rule : {"add-remote-without-checksum", "secret-in-arg-env", "tls-verification-disabled",
                           "expose-ssh", "apk-unpinned"}) {
    EXPECT_TRUE(trigger_rules.count(rule)) << rule;
  }
  // hadolint DL3043: ONBUILD FROM/MAINTAINER/ONBUILD.
  auto forbidden = LintContent("FROM alpine:3.20\nONBUILD MAINTAINER me\nUSER 1000\n", "Dockerfile", LintConfig());
  ASSERT_TRUE(forbidden.has_value());
  EXPECT_TRUE(Has(*forbidden, "onbuild-forbidden"));
}

TEST(Linter, InstructionsBeforeFromAreLinted) {
  auto report = LintContent("RUN apt-get install curl\nFROM debian:12\n", "Dockerfile", LintConfig());
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(Has(*report, "apt-get-missing-yes"));
  EXPECT_TRUE(Has(*report, "instruction-before-from"));
}

TEST(Linter, CheckovSkipCoversTheFile) {
  const std::string body = "FROM alpine:3.20\nRUN curl -k https://example.com/x -o /x\nUSER 1000\n";
  auto plain = LintContent(body, "Dockerfile", LintConfig());
  ASSERT_TRUE(plain.has_value());
  ASSERT_TRUE(Has(*plain, "tls-verification-disabled"));
  for (const char* pragma :
       {"# checkov:skip=CKV2_DOCKER_2:the mirror has a private CA\n", "# bridgecrew:skip=CKV2_DOCKER_2\n"}) {
    auto skipped = LintContent(body + pragma, "Dockerfile", LintConfig());
    ASSERT_TRUE(skipped.has_value());
    EXPECT_FALSE(Has(*skipped, "tls-verification-disabled")) << pragma;
  }
  // A different id does not hide it.
  auto other = LintContent("# checkov:skip=CKV2_DOCKER_3\n" + body, "Dockerfile", LintConfig());
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(Has(*other, "tls-verification-disabled"));
}

TEST(Linter, BuildkitCheckDirective) {
  const std::string body = "FROM scratch as base\ncopy Dockerfile .\n";
  auto plain = LintContent(body, "Dockerfile", LintConfig());
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(Has(*plain, "from-as-casing"));
  EXPECT_TRUE(Has(*plain, "consistent-instruction-casing"));
  EXPECT_TRUE(plain->build_error.empty());
  // skip=all hides BuildKit's checks; error=true then has nothing to fail on.
  auto all = LintContent("#check=skip=all;error=true\n" + body, "Dockerfile", LintConfig());
  ASSERT_TRUE(all.has_value());
  EXPECT_FALSE(Has(*all, "from-as-casing"));
  EXPECT_TRUE(all->build_error.empty());
  // error=true with a remaining check: BuildKit's message.
  auto error = LintContent("#check=skip=ConsistentInstructionCasing;error=true\n" + body, "Dockerfile", LintConfig());
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(Has(*error, "from-as-casing"));
  EXPECT_FALSE(Has(*error, "consistent-instruction-casing"));
  EXPECT_EQ(error->build_error, "lint violation found for rules: FromAsCasing");
  // The BUILDKIT_DOCKERFILE_CHECK build argument replaces the directive.
  LintConfig config;
  config.build_args["BUILDKIT_DOCKERFILE_CHECK"] = "skip=all";
  auto overridden = LintContent("#check=error=true\n" + body, "Dockerfile", config);
  ASSERT_TRUE(overridden.has_value());
  EXPECT_FALSE(Has(*overridden, "from-as-casing"));
  EXPECT_TRUE(overridden->build_error.empty());
  // A malformed directive is an error, as in BuildKit.
  auto bad = LintContent("#check=skip=A;nonsense\n" + body, "Dockerfile", LintConfig());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("check option"), std::string::npos) << bad.error().message();
  // A comment right above one instruction skips there only (its value ends at the first space).
  auto local = LintContent(
      "FROM alpine:3.20\n# check=skip=JSONArgsRecommended // the shell is wanted here\nCMD run.sh\nFROM alpine:3.20\n"
      "CMD run.sh\n",
      "Dockerfile", LintConfig());
  ASSERT_TRUE(local.has_value());
  int json_args = 0;
  for (const auto& f : local->findings) {
    if (f.rule == "json-args-recommended") {
      ++json_args;
      EXPECT_EQ(f.line, 5);
    }
  }
  EXPECT_EQ(json_args, 1);
  // Experimental checks run only when named.
  const std::string described = "FROM alpine:3.20\n# the version\nARG VERSION=1\n";
  auto off = LintContent(described, "Dockerfile", LintConfig());
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE(Has(*off, "invalid-definition-description"));
  auto on = LintContent("# check=experimental=all\n" + described, "Dockerfile", LintConfig());
  ASSERT_TRUE(on.has_value());
  EXPECT_TRUE(Has(*on, "invalid-definition-description"));
}

TEST(Linter, AliasesNarrowPerFinding) {
  // No USER anywhere: Trivy's and checkov's "no USER" finding, not hadolint's DL3002.
  auto none = LintContent("FROM alpine:3.20\n", "Dockerfile", LintConfig());
  ASSERT_TRUE(none.has_value());
  for (const auto& f : none->findings) {
    if (f.rule != "root-user") continue;
    EXPECT_EQ(f.aliases, (std::vector<std::string>{"AVD-DS-0002", "CKV_DOCKER_3"}));
  }
  // Ignoring one checkov id silences that check only.
  LintConfig config;
  config.ignored.insert("CKV2_DOCKER_2");
  auto two = LintContent(
      "FROM alpine:3.20\nRUN curl -k https://a/x -o /x && wget --no-check-certificate https://a/y\nUSER 1000\n",
      "Dockerfile", config);
  ASSERT_TRUE(two.has_value());
  int tls = 0;
  for (const auto& f : two->findings) {
    if (f.rule != "tls-verification-disabled") continue;
    ++tls;
    EXPECT_EQ(f.aliases, (std::vector<std::string>{"CKV2_DOCKER_3"}));
  }
  EXPECT_EQ(tls, 1);
  // A GPG fingerprint in ENV is BuildKit's finding, at info severity.
  auto gpg = LintFile(std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/lint/testdata/secret-gpg-key.Dockerfile", {});
  ASSERT_TRUE(gpg.has_value());
  bool found = false;
  for (const auto& f : gpg->findings) {
    if (f.rule != "secret-in-arg-env") continue;
    found = true;
    EXPECT_EQ(f.severity, Severity::kInfo);
    EXPECT_EQ(f.aliases, (std::vector<std::string>{"SecretsUsedInArgOrEnv"}));
  }
  EXPECT_TRUE(found);
}

TEST(Linter, DockerignoreNextToTheDockerfile) {
  auto dir = TempDir::Create("lint-dockerignore");
  ASSERT_TRUE(dir.has_value());
  const auto df = dir->path() / "Dockerfile";
  ASSERT_TRUE(WriteFileAtomic(df, "FROM alpine:3.20\nCOPY app.env /app/\nUSER 1000\n").has_value());
  auto none = LintFile(df, LintConfig());
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(Has(*none, "copy-ignored-file"));
  ASSERT_TRUE(WriteFileAtomic(dir->path() / ".dockerignore", "*.env\n").has_value());
  auto ignored = LintFile(df, LintConfig());
  ASSERT_TRUE(ignored.has_value());
  EXPECT_TRUE(Has(*ignored, "copy-ignored-file"));
  // <Dockerfile>.dockerignore wins over .dockerignore.
  ASSERT_TRUE(WriteFileAtomic(dir->path() / "Dockerfile.dockerignore", "nothing-matches\n").has_value());
  auto specific = LintFile(df, LintConfig());
  ASSERT_TRUE(specific.has_value());
  EXPECT_FALSE(Has(*specific, "copy-ignored-file"));
  // A malformed .dockerignore is an error (BuildKit fails too).
  ASSERT_TRUE(WriteFileAtomic(dir->path() / "Dockerfile.dockerignore", "[\n").has_value());
  EXPECT_FALSE(LintFile(df, LintConfig()).has_value());
}

TEST(Linter, DocsInSync) {
  auto doc = ReadFile(std::filesystem::path(CUSTOMS_SOURCE_DIR) / "docs" / "rules" / "lint.md");
  ASSERT_TRUE(doc.has_value()) << "docs/rules/lint.md missing: customs lint --list-rules --format markdown";
  // The generated rule reference comes first (it ends with a marker line); hand-written notes may follow it.
  const std::string generated = RenderRulesMarkdown();
  EXPECT_EQ(doc->substr(0, generated.size()), generated)
      << "regenerate the head of docs/rules/lint.md: customs lint --list-rules --format markdown (src/lint/README.md)";
}

TEST(Linter, Discovery) {
  auto dir = TempDir::Create("lint-discover");
  ASSERT_TRUE(dir.has_value());
  const auto root = dir->path();
  std::filesystem::create_directories(root / "svc" / "vendor");
  for (const char* name : {"Dockerfile", "svc/Containerfile", "svc/api.Dockerfile", "svc/Dockerfile.dev",
                           "svc/vendor/Dockerfile", "README.md"}) {
    ASSERT_TRUE(WriteFileAtomic(root / name, "FROM scratch\n").has_value());
  }
  auto flat = DiscoverDockerfiles(root, false, {});
  ASSERT_TRUE(flat.has_value());
  EXPECT_EQ(flat->size(), 1u);
  auto deep = DiscoverDockerfiles(root, true, {"vendor"});
  ASSERT_TRUE(deep.has_value());
  EXPECT_EQ(deep->size(), 4u);
  EXPECT_FALSE(DiscoverDockerfiles(root / "nope", true, {}).has_value());
}

}  // namespace
}  // namespace customs::lint
