// Conformance with the public test material of hadolint, BuildKit, trivy-checks and checkov, replayed from our own
// data-driven cases in src/lint/testdata/conformance/<suite>/*.cases (format: that directory's README.md; provenance
// and licences: PROVENANCE in each suite). Per suite, the share of cases on which our findings (through their
// aliases) agree with the upstream expectation must be at least 95%. Every case that disagrees must say so with a
// `disagree:` reason, every such reason must still be a real disagreement, and docs/rules/lint.md must list it.
// bench/lint_conformance.py measures the same through the built binary, and re-imports the cases from upstream.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/file_util.h"
#include "lint/linter.h"

namespace customs::lint {
namespace {

namespace fs = std::filesystem;
const fs::path kCases = fs::path(CUSTOMS_SOURCE_DIR) / "src" / "lint" / "testdata" / "conformance";
constexpr double kMinimumPercent = 95.0;

struct Case {
  std::string id;
  std::string file;  // the .cases file, for messages
  std::vector<std::string> judge;
  std::optional<std::vector<std::string>> expect;  // exact multiset of ALIAS@LINE
  std::map<std::string, int> expect_count;
  std::map<std::string, int> expect_min;
  std::string config;
  std::vector<std::string> build_args;
  std::string target;
  std::string disagree;
  std::map<std::string, std::string> files;
};

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t b = text.find_first_not_of(' ', pos);
    if (b == std::string_view::npos) {
      break;
    }
    std::size_t e = text.find(' ', b);
    out.emplace_back(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    pos = e == std::string_view::npos ? text.size() : e;
  }
  return out;
}

// The same reader as bench/lint_conformance.py's parse_cases.
std::vector<Case> ParseCases(const fs::path& path, std::string_view text) {
  std::vector<Case> cases;
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string file_name, flags, content;
  bool in_file = false;
  auto close_file = [&] {
    if (!in_file || cases.empty()) {
      return;
    }
    std::string body = flags.find("empty") != std::string::npos ? "" : content;
    if (flags.find("noeol") != std::string::npos && !body.empty()) {
      body.pop_back();
    }
    cases.back().files[file_name] = body;
    in_file = false;
    content.clear();
  };
  for (std::string_view line : lines) {
    if (line.rfind("=== case ", 0) == 0) {
      close_file();
      cases.emplace_back();
      cases.back().id = std::string(line.substr(9));
      cases.back().file = path.filename().string();
      continue;
    }
    if (line.rfind("--- file ", 0) == 0) {
      close_file();
      auto words = Words(line.substr(9));
      file_name = words.empty() ? "" : words[0];
      flags.clear();
      for (std::size_t k = 1; k < words.size(); ++k) {
        flags += words[k] + " ";
      }
      in_file = true;
      continue;
    }
    if (cases.empty()) {
      continue;
    }
    if (in_file) {
      content.append(line);
      content += '\n';
      continue;
    }
    Case& c = cases.back();
    std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string key(line.substr(0, colon));
    std::string value(line.substr(colon + 2));
    auto count_entry = [&](std::map<std::string, int>& into) {
      std::size_t eq = value.find('=');
      into[value.substr(0, eq)] = std::stoi(value.substr(eq + 1));
    };
    if (key == "judge") {
      c.judge = Words(value);
    }
    if (key == "expect") {
      c.expect = value == "none" ? std::vector<std::string>{} : Words(value);
    }
    if (key == "expect-count") {
      count_entry(c.expect_count);
    }
    if (key == "expect-min") {
      count_entry(c.expect_min);
    }
    if (key == "config") {
      c.config = value;
    }
    if (key == "build-arg") {
      c.build_args.push_back(value);
    }
    if (key == "target") {
      c.target = value;
    }
    if (key == "disagree") {
      c.disagree = value;
    }
  }
  close_file();
  return cases;
}

bool Judged(const Case& c, const std::string& alias) {
  for (const auto& j : c.judge) {
    if (j == alias || (j == "buildkit" && KindOfAlias(alias) == AliasKind::kBuildkit)) {
      return true;
    }
  }
  return false;
}

struct Outcome {
  bool agree = false;
  std::string got;
};

// `expect` entries are ALIAS@LINE or ALIAS@* (any line); the judged findings must match them one to one.
bool ExpectMatches(std::vector<std::string> expect, std::vector<std::string> got) {
  std::stable_partition(expect.begin(), expect.end(), [](const std::string& e) { return !e.ends_with("@*"); });
  for (const auto& e : expect) {
    auto hit = got.end();
    if (e.ends_with("@*")) {
      const std::string alias = e.substr(0, e.size() - 2);
      hit =
          std::find_if(got.begin(), got.end(), [&](const std::string& g) { return g.substr(0, g.find('@')) == alias; });
    } else {
      hit = std::find(got.begin(), got.end(), e);
    }
    if (hit == got.end()) {
      return false;
    }
    got.erase(hit);
  }
  return got.empty();
}

Outcome Evaluate(const Case& c) {
  LintConfig config;
  if (!c.config.empty()) {
    auto parsed = ParseLintConfig("lint: " + c.config, c.id);
    if (!parsed) {
      return {false, "config error: " + parsed.error().message()};
    }
    config = std::move(*parsed);
  }
  for (const auto& arg : c.build_args) {
    std::size_t eq = arg.find('=');
    config.build_args[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  config.target = c.target;
  if (auto ignore = c.files.find(".dockerignore"); ignore != c.files.end()) {
    config.dockerignore = ignore->second;
  }
  auto dockerfile = c.files.find("Dockerfile");
  if (dockerfile == c.files.end()) {
    return {false, "no Dockerfile"};
  }
  auto report = LintContent(dockerfile->second, "Dockerfile", config);
  if (!report) {
    return {false, "error: " + report.error().message()};
  }
  std::vector<std::string> got;
  std::map<std::string, int> counts;
  for (const auto& f : report->findings) {
    for (const auto& alias : f.aliases) {
      if (!Judged(c, alias)) {
        continue;
      }
      got.push_back(alias + "@" + std::to_string(f.line));
      ++counts[alias];
    }
  }
  std::sort(got.begin(), got.end());
  bool ok = true;
  if (c.expect) {
    ok = ok && ExpectMatches(*c.expect, got);
  }
  for (const auto& [alias, n] : c.expect_count) {
    ok = ok && counts[alias] == n;
  }
  for (const auto& [alias, n] : c.expect_min) {
    ok = ok && counts[alias] >= n;
  }
  std::string text;
  for (const auto& g : got) {
    text += (text.empty() ? "" : " ") + g;
  }
  return {ok, text.empty() ? "none" : text};
}

std::string Want(const Case& c) {
  std::string out;
  if (c.expect) {
    for (const auto& e : *c.expect) {
      out += e + " ";
    }
    if (c.expect->empty()) {
      out += "none ";
    }
  }
  for (const auto& [a, n] : c.expect_count) {
    out += a + "=" + std::to_string(n) + " ";
  }
  for (const auto& [a, n] : c.expect_min) {
    out += a + ">=" + std::to_string(n) + " ";
  }
  return out;
}

TEST(LintConformance, EverySuiteAgreesAtLeast95Percent) {
  ASSERT_TRUE(fs::is_directory(kCases)) << kCases;
  auto doc = ReadFile(fs::path(CUSTOMS_SOURCE_DIR) / "docs" / "rules" / "lint.md");
  ASSERT_TRUE(doc.has_value());
  std::vector<fs::path> suites;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) {
      suites.push_back(entry.path());
    }
  }
  std::sort(suites.begin(), suites.end());
  ASSERT_EQ(suites.size(), 4u) << "hadolint, buildkit, trivy-checks, checkov";
  std::printf("%-14s %6s %6s %8s\n", "suite", "agree", "cases", "percent");
  for (const auto& suite : suites) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(suite)) {
      if (entry.path().extension() == ".cases") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    ASSERT_TRUE(fs::exists(suite / "PROVENANCE")) << suite;
    int agree = 0, total = 0;
    for (const auto& path : files) {
      auto text = ReadFile(path);
      ASSERT_TRUE(text.has_value()) << path;
      for (const Case& c : ParseCases(path, *text)) {
        ++total;
        Outcome outcome = Evaluate(c);
        agree += outcome.agree;
        const std::string where = suite.filename().string() + "/" + c.file + " " + c.id;
        if (c.disagree.empty()) {
          EXPECT_TRUE(outcome.agree) << where << ": want " << Want(c) << "got " << outcome.got;
        } else {
          EXPECT_FALSE(outcome.agree) << where << " now agrees: drop its disagree: note (and its line in "
                                      << "docs/rules/lint.md)";
          EXPECT_NE(doc->find("`" + c.id + "`"), std::string::npos)
              << where << " disagrees on purpose (" << c.disagree << ") but docs/rules/lint.md does not list it";
        }
      }
    }
    ASSERT_GT(total, 0) << suite;
    const double percent = 100.0 * agree / total;
    std::printf("%-14s %6d %6d %7.1f%%\n", suite.filename().c_str(), agree, total, percent);
    EXPECT_GE(percent, kMinimumPercent) << suite.filename();
  }
}

TEST(LintConformance, CaseReaderKeepsBytes) {
  const std::string text =
      "# header\n=== case a\njudge: X\nexpect: none\n--- file .dockerignore\n\n*\n--- file Dockerfile noeol\n"
      "FROM a\n\t\n=== case b\njudge: buildkit\nexpect-count: Y=2\nexpect-min: Z=1\n--- file Dockerfile\nFROM b\n"
      "\n";
  auto cases = ParseCases("t.cases", text);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].files[".dockerignore"], "\n*\n");
  EXPECT_EQ(cases[0].files["Dockerfile"], "FROM a\n\t");
  ASSERT_TRUE(cases[0].expect.has_value());
  EXPECT_TRUE(cases[0].expect->empty());
  EXPECT_EQ(cases[1].files["Dockerfile"], "FROM b\n\n");
  EXPECT_EQ(cases[1].expect_count["Y"], 2);
  EXPECT_EQ(cases[1].expect_min["Z"], 1);
  EXPECT_FALSE(cases[1].expect.has_value());
}

}  // namespace
}  // namespace customs::lint
