// Golden tests: every src/lint/testdata/*.Dockerfile is linted and its findings ("<line> <rule>") compared with
// the *.expected file next to it. Regenerate with CUSTOMS_UPDATE_GOLDEN=1 and review the diff. Every rule in the
// table must have a <rule>.fire.Dockerfile that reports it and a <rule>.pass.Dockerfile that does not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "lint/linter.h"

namespace customs::lint {
namespace {

namespace fs = std::filesystem;
const fs::path kTestdata = fs::path(CUSTOMS_SOURCE_DIR) / "src" / "lint" / "testdata";

LintConfig ConfigFor(const fs::path& dockerfile) {
  LintConfig config;
  fs::path stem = dockerfile;
  stem.replace_extension();
  fs::path yaml = stem.string() + ".config.yaml";
  if (fs::exists(yaml)) {
    auto loaded = LoadLintConfig(yaml);
    EXPECT_TRUE(loaded.has_value()) << yaml;
    if (loaded) config = *loaded;
  }
  std::ifstream args(stem.string() + ".args");
  std::string line;
  while (std::getline(args, line)) {
    if (line.rfind("target=", 0) == 0) config.target = line.substr(7);
    if (line.rfind("build-arg=", 0) == 0) {
      std::string kv = line.substr(10);
      config.build_args[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
  }
  return config;
}

std::string Summarize(const FileReport& report) {
  std::string out;
  for (const auto& f : report.findings) out += std::to_string(f.line) + " " + f.rule + "\n";
  return out;
}

std::vector<fs::path> Dockerfiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kTestdata)) {
    if (entry.path().extension() == ".Dockerfile") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LintGolden, AllFilesMatchExpected) {
  const bool update = std::getenv("CUSTOMS_UPDATE_GOLDEN") != nullptr;
  int checked = 0;
  for (const auto& path : Dockerfiles()) {
    auto report = LintFile(path, ConfigFor(path));
    ASSERT_TRUE(report.has_value()) << path << ": " << report.error().message();
    fs::path expected = path;
    expected.replace_extension(".expected");
    std::string got = Summarize(*report);
    if (update) {
      ASSERT_TRUE(WriteFileAtomic(expected, got).has_value());
      continue;
    }
    auto want = ReadFile(expected);
    ASSERT_TRUE(want.has_value()) << "missing " << expected << " (run with CUSTOMS_UPDATE_GOLDEN=1)";
    EXPECT_EQ(got, *want) << path.filename();
    ++checked;
  }
  if (!update) EXPECT_GT(checked, 100);
}

bool Reports(const fs::path& path, std::string_view rule) {
  auto report = LintFile(path, ConfigFor(path));
  if (!report) return false;
  return std::any_of(report->findings.begin(), report->findings.end(),
                     [&](const Finding& f) { return f.rule == rule; });
}

TEST(LintGolden, EveryRuleHasFiringAndPassingExample) {
  for (const Rule& rule : AllRules()) {
    const fs::path fire = kTestdata / (std::string(rule.id) + ".fire.Dockerfile");
    const fs::path pass = kTestdata / (std::string(rule.id) + ".pass.Dockerfile");
    ASSERT_TRUE(fs::exists(fire)) << fire;
    ASSERT_TRUE(fs::exists(pass)) << pass;
    EXPECT_TRUE(Reports(fire, rule.id)) << rule.id << " must fire on " << fire.filename();
    EXPECT_FALSE(Reports(pass, rule.id)) << rule.id << " must not fire on " << pass.filename();
  }
}

TEST(LintGolden, SeedExampleReportsAllFiveProblems) {
  auto report = LintFile(kTestdata / "seed.Dockerfile", LintConfig());
  ASSERT_TRUE(report.has_value());
  std::map<std::string, std::string> by_rule;
  for (const auto& f : report->findings) by_rule[f.rule] += f.message + "\n";
  EXPECT_TRUE(by_rule.count("base-image-full-os"));
  EXPECT_TRUE(by_rule.count("base-image-latest"));
  EXPECT_TRUE(by_rule.count("root-user"));
  ASSERT_TRUE(by_rule.count("attacker-tools"));
  for (const char* tool : {"curl", "wget", "nmap", "netcat"}) {
    EXPECT_NE(by_rule["attacker-tools"].find(tool), std::string::npos) << tool;
  }
  EXPECT_EQ(by_rule["attacker-tools"].find("python3"), std::string::npos);
  EXPECT_TRUE(by_rule.count("apt-get-install-recommends"));
  EXPECT_TRUE(by_rule.count("apt-get-unpinned"));
  // No apt-get update in the seed, so no lists to remove (hadolint DL3009 asks for the cleanup after an update).
  EXPECT_FALSE(by_rule.count("apt-get-lists-not-removed"));
}

TEST(LintGolden, MultiStageUser) {
  // A non-root USER in a builder stage does not protect the final stage...
  auto builder = LintFile(kTestdata / "multistage-builder-user.Dockerfile", LintConfig());
  ASSERT_TRUE(builder.has_value());
  auto root = std::find_if(builder->findings.begin(), builder->findings.end(),
                           [](const Finding& f) { return f.rule == "root-user"; });
  ASSERT_NE(root, builder->findings.end());
  EXPECT_EQ(root->line, 5);
  EXPECT_NE(root->message.find("not inherited"), std::string::npos) << root->message;
  // ...but one inherited through FROM <stage> does.
  EXPECT_FALSE(Reports(kTestdata / "multistage-inherited-user.Dockerfile", "root-user"));
  // Builder stages' USER root, compilers and curl are not findings.
  const fs::path ok = kTestdata / "multistage-builder-root-ok.Dockerfile";
  EXPECT_FALSE(Reports(ok, "root-user"));
  EXPECT_FALSE(Reports(ok, "compilers-in-final-stage"));
  EXPECT_FALSE(Reports(ok, "attacker-tools"));
  EXPECT_FALSE(Reports(ok, "base-image-full-os"));
  EXPECT_TRUE(Reports(kTestdata / "multistage-final-root-after-parent.Dockerfile", "root-user"));
}

TEST(LintGolden, ArgResolution) {
  // FROM ${BASE}:${TAG} with TAG undefined is unknown: no tag finding; FROM ${BASE} resolves to "ubuntu".
  auto report = LintFile(kTestdata / "arg-resolution.Dockerfile", LintConfig());
  ASSERT_TRUE(report.has_value());
  for (const auto& f : report->findings) {
    if (f.rule == "base-image-untagged") EXPECT_EQ(f.line, 5) << f.message;
    // ...and without --build-arg, BuildKit's check sees "ubuntu:" on line 3.
    if (f.rule == "invalid-default-arg-in-from") EXPECT_EQ(f.line, 3) << f.message;
  }
  EXPECT_TRUE(Reports(kTestdata / "arg-resolution.Dockerfile", "base-image-untagged"));
  LintConfig config;
  config.build_args["BASE"] = "debian:latest";
  auto overridden = LintFile(kTestdata / "arg-build-arg.Dockerfile", config);
  ASSERT_TRUE(overridden.has_value());
  EXPECT_TRUE(std::any_of(overridden->findings.begin(), overridden->findings.end(),
                          [](const Finding& f) { return f.rule == "base-image-full-os"; }));
  auto defaults = LintFile(kTestdata / "arg-build-arg.Dockerfile", LintConfig());  // BASE=alpine:3.20
  ASSERT_TRUE(defaults.has_value());
  EXPECT_FALSE(std::any_of(defaults->findings.begin(), defaults->findings.end(),
                           [](const Finding& f) { return f.rule == "base-image-full-os"; }));
}

}  // namespace
}  // namespace customs::lint
