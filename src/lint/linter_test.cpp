#include "lint/linter.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
