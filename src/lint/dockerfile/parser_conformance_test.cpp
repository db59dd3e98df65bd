// Data-driven conformance against BuildKit's own parser: every expected parse in ../shared/data/dockerfiles is
// compared field by field (cmd, lines, flags, json_form, args, heredocs, original, ONBUILD child, warnings).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "lint/dockerfile/parser.h"

namespace customs::lint {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(CUSTOMS_SHARED_DATA) / "dockerfiles";

std::vector<nlohmann::json> ReadJsonl(const fs::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// Compares one instruction; returns a description of the first mismatch or "".
std::string CompareInstruction(const Instruction& got, const nlohmann::json& want) {
  auto fail = [&](const std::string& field, const std::string& g, const std::string& w) {
    return "line " + std::to_string(got.start_line) + " " + field + ": got " + g + " want " + w;
  };
  if (got.cmd != want.at("cmd").get<std::string>()) return fail("cmd", got.cmd, want.at("cmd").dump());
  if (got.start_line != want.at("start_line").get<int>()) {
    return fail("start_line", std::to_string(got.start_line), want.at("start_line").dump());
  }
  if (got.end_line != want.at("end_line").get<int>()) {
    return fail("end_line", std::to_string(got.end_line), want.at("end_line").dump());
  }
  nlohmann::json flags = want.value("flags", nlohmann::json::array());
  if (nlohmann::json(got.flags) != flags) return fail("flags", nlohmann::json(got.flags).dump(), flags.dump());
  if (got.json_form != want.value("json_form", false)) return fail("json_form", got.json_form ? "true" : "false", "");
  nlohmann::json args = want.value("args", nlohmann::json::array());
  if (nlohmann::json(got.args) != args) return fail("args", nlohmann::json(got.args).dump(), args.dump());
  nlohmann::json heredocs = want.value("heredocs", nlohmann::json::array());
  if (got.heredocs.size() != heredocs.size()) {
    return fail("heredocs", std::to_string(got.heredocs.size()), heredocs.dump());
  }
  for (std::size_t i = 0; i < heredocs.size(); ++i) {
    const auto& h = got.heredocs[i];
    const auto& w = heredocs[i];
    if (h.name != w.at("name") || h.expand != w.at("expand").get<bool>() || h.chomp != w.at("chomp").get<bool>() ||
        h.content != w.at("content")) {
      return fail("heredoc", h.name + "|" + h.content, w.dump());
    }
  }
  if (got.original != want.at("original").get<std::string>()) {
    return fail("original", got.original, want.at("original").dump());
  }
  if (want.contains("onbuild_child")) {
    if (!got.onbuild_child) return fail("onbuild_child", "none", want.at("onbuild_child").dump());
    std::string child = CompareInstruction(*got.onbuild_child, want.at("onbuild_child"));
    if (!child.empty()) return "onbuild child: " + child;
  } else if (got.onbuild_child) {
    return fail("onbuild_child", got.onbuild_child->original, "none");
  }
  return "";
}

struct Tally {
  int passed = 0;
  int total = 0;
};

void CheckExpected(const fs::path& dir, const nlohmann::json& want, Tally& tally) {
  ++tally.total;
  const std::string file = want.at("file").get<std::string>();
  auto content = ReadFile(dir / file);
  ASSERT_TRUE(content.has_value()) << file;
  auto parsed = ParseDockerfile(*content);
  if (!want.at("ok").get<bool>()) {
    EXPECT_FALSE(parsed.has_value()) << file << " must fail to parse";
    if (!parsed.has_value()) {
      EXPECT_NE(parsed.error().message().find(want.at("error").get<std::string>()), std::string::npos)
          << file << ": " << parsed.error().message();
      ++tally.passed;
    }
    return;
  }
  ASSERT_TRUE(parsed.has_value()) << file << ": " << parsed.error().message();
  const auto& instructions = want.at("instructions");
  EXPECT_EQ(parsed->instructions.size(), instructions.size()) << file;
  bool ok = parsed->instructions.size() == instructions.size();
  bool match = true;
  for (std::size_t i = 0; match && i < std::min(instructions.size(), parsed->instructions.size()); ++i) {
    std::string mismatch = CompareInstruction(parsed->instructions[i], instructions[i]);
    EXPECT_EQ(mismatch, "") << file;
    match = mismatch.empty();
    ok = ok && match;
  }
  std::string escape(1, parsed->escape);
  EXPECT_EQ(escape, want.value("escape", "\\")) << file;
  nlohmann::json warnings = want.value("parser_warnings", nlohmann::json::array());
  EXPECT_EQ(nlohmann::json(parsed->warnings), warnings) << file;
  if (ok && escape == want.value("escape", "\\") && nlohmann::json(parsed->warnings) == warnings) ++tally.passed;
}

void RunJsonl(const fs::path& dir, const fs::path& expected, int minimum) {
  if (!fs::exists(expected)) GTEST_SKIP() << "shared data absent: " << expected;
  Tally tally;
  for (const auto& want : ReadJsonl(expected)) CheckExpected(dir, want, tally);
  std::printf("conformance %s: %d/%d passed\n", expected.filename().c_str(), tally.passed, tally.total);
  EXPECT_EQ(tally.passed, tally.total);
  EXPECT_GE(tally.total, minimum);
}

TEST(ParserConformance, BuildkitTestfiles) {
  const fs::path dir = kData / "parser_conformance";
  RunJsonl(dir / "buildkit_testfiles", dir / "buildkit_testfiles_expected.jsonl", 30);
}

TEST(ParserConformance, BuildkitNegative) {
  const fs::path dir = kData / "parser_conformance";
  RunJsonl(dir / "buildkit_testfiles_negative", dir / "buildkit_testfiles_negative_expected.jsonl", 4);
}

TEST(ParserConformance, BuildkitInline) {
  const fs::path dir = kData / "parser_conformance" / "buildkit_inline";
  RunJsonl(dir, dir / "expected_buildkit_parse.jsonl", 4);
}

TEST(ParserConformance, Corpus) {
  RunJsonl(kData / "corpus", kData / "corpus_reference_parse.jsonl", 50);
}

TEST(ParserConformance, HeredocMarkers) {
  const fs::path path = kData / "parser_conformance" / "buildkit_heredoc_markers.json";
  if (!fs::exists(path)) GTEST_SKIP() << "shared data absent: " << path;
  std::ifstream in(path);
  nlohmann::json table = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& word : table["parse_heredoc_word"]["valid_name_EOF"]) {
    auto heredoc = ParseHeredocWord(word.get<std::string>());
    ASSERT_TRUE(heredoc.has_value()) << word;
    ASSERT_TRUE(heredoc->has_value()) << word;
    EXPECT_EQ((*heredoc)->name, "EOF") << word;
    ++checked;
  }
  for (const auto& word : table["parse_heredoc_word"]["error_unterminated_quote"]) {
    EXPECT_FALSE(ParseHeredocWord(word.get<std::string>()).has_value()) << word;
    ++checked;
  }
  for (const auto& word : table["parse_heredoc_word"]["not_a_heredoc"]) {
    auto heredoc = ParseHeredocWord(word.get<std::string>());
    ASSERT_TRUE(heredoc.has_value()) << word;
    EXPECT_FALSE(heredoc->has_value()) << word;
    ++checked;
  }
  for (const auto& row : table["heredocs_from_line"]) {
    auto docs = HeredocsFromLine(row["line"].get<std::string>());
    ASSERT_TRUE(docs.has_value()) << row;
    std::vector<std::string> names;
    for (const auto& d : *docs) names.push_back(d.name);
    EXPECT_EQ(nlohmann::json(names), row["names"]) << row;
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace customs::lint

namespace customs::lint {
namespace {

// Field notes: heredocs after a continued line, several per line, and text right after a terminator-like line.
TEST(ParserHeredoc, AfterContinuedLineAndSeveralPerLine) {
  auto parsed = ParseDockerfile(
      "FROM alpine\n"
      "RUN --mount=type=cache,target=/var/cache/apk \\\n"
      "    <<EOF sh\n"
      "apk add curl\n"
      "EOF\n"
      "COPY <<A <<-B /dst/\n"
      "a\n"
      "A\n"
      "\tb\n"
      "\tB\n"
      "RUN <<EOF cat > /x\n"
      "EOF2\n"
      " EOF\n"
      "EOF\n"
      "USER 1\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  ASSERT_EQ(parsed->instructions.size(), 5u);
  const auto& run = parsed->instructions[1];
  EXPECT_EQ(run.start_line, 2);
  EXPECT_EQ(run.end_line, 5);
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "apk add curl\n");
  EXPECT_EQ(run.flags, (std::vector<std::string>{"--mount=type=cache,target=/var/cache/apk"}));
  const auto& copy = parsed->instructions[2];
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[1].name, "B");
  EXPECT_TRUE(copy.heredocs[1].chomp);
  EXPECT_EQ(copy.end_line, 10);
  const auto& cat = parsed->instructions[3];
  EXPECT_EQ(cat.heredocs[0].content, "EOF2\n EOF\n");
  EXPECT_EQ(cat.end_line, 14);
  EXPECT_EQ(parsed->instructions[4].cmd, "USER");
}

TEST(ParserErrors, ClearMessages) {
  auto bad_escape = ParseDockerfile("# escape=x\nFROM a\n");
  ASSERT_FALSE(bad_escape.has_value());
  EXPECT_NE(bad_escape.error().message().find("invalid escape token"), std::string::npos);
  auto nested = ParseDockerfile("FROM a\nCMD [\"a\", [\"b\"]]\n");
  ASSERT_FALSE(nested.has_value());
  EXPECT_NE(nested.error().message().find("line 2"), std::string::npos) << nested.error().message();
  auto unterminated_json = ParseDockerfile("FROM a\nCMD [\"a\", \n");
  ASSERT_TRUE(unterminated_json.has_value());  // BuildKit falls back to the shell form
  EXPECT_FALSE(unterminated_json->instructions[1].json_form);
}

}  // namespace
}  // namespace customs::lint
