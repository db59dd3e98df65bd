// BuildKit's own shell-lexer tables (envVarTest, wordsTest, ProcessWordWithMatches cases), replayed verbatim.
#include "lint/dockerfile/shell_lex.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace customs::lint {
namespace {

namespace fs = std::filesystem;
const fs::path kShell = fs::path(CUSTOMS_SHARED_DATA) / "dockerfiles" / "parser_conformance" / "buildkit_shell";

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

EnvLookup MapLookup(const std::map<std::string, std::string>& env) {
  return [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ShellLex, EnvVarTest) {
  const fs::path path = kShell / "envVarTest";
  if (!fs::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  std::map<std::string, std::string> env = {{"PWD", "/home"}, {"SHELL", "bash"}, {"KOREAN", "한국어"}, {"NULL", ""}};
  std::ifstream in(path);
  std::string line;
  int total = 0;
  int passed = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1) {
      parts.push_back(line.substr(start, bar - start));
    }
    parts.push_back(line.substr(start));
    ASSERT_EQ(parts.size(), 3u) << line;
    std::string platform = Trim(parts[0]);
    if (platform == "W") continue;
    std::string source = Trim(parts[1]);
    std::string expected = Trim(parts[2]);
    ++total;
    auto result = ProcessShellWord(source, MapLookup(env));
    if (expected == "error") {
      EXPECT_FALSE(result.has_value()) << source;
      if (!result.has_value()) ++passed;
    } else {
      ASSERT_TRUE(result.has_value()) << source << ": " << result.error().message();
      EXPECT_EQ(result->result, expected) << source;
      if (result->result == expected) ++passed;
    }
  }
  std::printf("envVarTest: %d/%d passed\n", passed, total);
  EXPECT_GT(total, 100);
}

TEST(ShellLex, WordsTest) {
  const fs::path path = kShell / "wordsTest";
  if (!fs::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  std::map<std::string, std::string> env;
  std::ifstream in(path);
  std::string line;
  int total = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("ENV ", 0) == 0) {
      std::string rest = line.substr(3);
      rest.erase(0, rest.find_first_not_of(' '));
      std::size_t eq = rest.find('=');
      env[rest.substr(0, eq)] = rest.substr(eq + 1);
      continue;
    }
    std::size_t bar = line.find('|');
    ASSERT_NE(bar, std::string::npos) << line;
    std::string test = Trim(line.substr(0, bar));
    std::string expected = line.substr(bar + 1);
    expected.erase(0, expected.find_first_not_of(' '));
    ++total;
    auto result = ProcessShellWord(test, MapLookup(env));
    if (expected == "error") {
      EXPECT_FALSE(result.has_value()) << test;
      continue;
    }
    ASSERT_TRUE(result.has_value()) << test << ": " << result.error().message();
    std::string joined;
    for (std::size_t i = 0; i < result->words.size(); ++i) joined += (i ? "," : "") + result->words[i];
    EXPECT_EQ(joined, expected) << test;
  }
  EXPECT_GT(total, 20);
}

TEST(ShellLex, ProcessWithMatches) {
  const fs::path path = kShell / "process_with_matches.jsonl";
  if (!fs::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  std::ifstream in(path);
  std::string line;
  int total = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto c = nlohmann::json::parse(line);
    std::map<std::string, std::string> env = c["envs"].get<std::map<std::string, std::string>>();
    LexOptions options;
    options.escape = static_cast<unsigned char>(c["escape"].get<std::string>()[0]);
    auto result = ProcessShellWord(c["input"].get<std::string>(), MapLookup(env), options);
    ++total;
    if (c["expected_error"].get<bool>()) {
      EXPECT_FALSE(result.has_value()) << c["input"];
      continue;
    }
    ASSERT_TRUE(result.has_value()) << c["input"] << ": " << result.error().message();
    EXPECT_EQ(result->result, c["expected"].get<std::string>()) << c["input"];
    EXPECT_EQ(nlohmann::json(result->matched), c["matched"]) << c["input"];
    EXPECT_EQ(nlohmann::json(result->unmatched), c["unmatched"]) << c["input"];
  }
  EXPECT_GT(total, 30);
}

TEST(ShellLex, SkipUnsetKeepsText) {
  LexOptions options;
  options.skip_unset_env = true;
  auto result = ProcessShellWord("${BASE:-x}:$TAG", EnvLookup(), options);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->result, "${BASE:-x}:$TAG");
}

}  // namespace
}  // namespace customs::lint
