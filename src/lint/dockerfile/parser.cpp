#include "lint/dockerfile/parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "lint/dockerfile/shell_lex.h"
#include "lint/dockerfile/utf8.h"

namespace customs::lint {
namespace {

bool IsSpaceByte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool IsWhitespaceSplit(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view TrimNewline(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}
std::string_view TrimLeadingWhitespace(std::string_view s) {
  while (!s.empty() && IsSpaceByte(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view TrimSpace(std::string_view s) {
  s = TrimLeadingWhitespace(s);
  while (!s.empty() && IsSpaceByte(s.back())) s.remove_suffix(1);
  return s;
}
bool IsComment(std::string_view raw) {
  std::string_view s = TrimLeadingWhitespace(TrimNewline(raw));
  return !s.empty() && s.front() == '#';
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Splits on runs of [\t\v\f\r ] (Go's reWhitespace.Split(s, n)); n < 0 means no limit.
std::vector<std::string> SplitWhitespace(std::string_view s, int n) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (n > 0 && static_cast<int>(parts.size()) == n - 1) break;
    if (IsWhitespaceSplit(s[i])) {
      std::size_t j = i;
      while (j < s.size() && IsWhitespaceSplit(s[j])) ++j;
      parts.emplace_back(s.substr(start, i - start));
      start = j;
      i = j;
    } else {
      ++i;
    }
  }
  parts.emplace_back(s.substr(start));
  return parts;
}

class Directives {
 public:
  char escape = '\\';
  std::vector<ParserDirective> parsed;

  // BuildKit DirectiveParser.ParseLine: `# name=value` lines before anything else. Sets `*parsed_one` when the line
  // was a directive (BuildKit then drops it from the comments attached to the next instruction).
  Status ParseLine(std::string_view line, int line_number, bool* parsed_one = nullptr) {
    if (done_) return Ok();
    std::string_view s = line;
    if (s.empty() || s.front() != '#') return Done();
    s.remove_prefix(1);
    s = TrimLeadingWhitespace(s);
    std::size_t i = 0;
    if (i >= s.size() || !std::isalpha(static_cast<unsigned char>(s[i]))) return Done();
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    std::string name = Lower(s.substr(0, i));
    std::string_view after = TrimLeadingWhitespace(s.substr(i));
    if (after.empty() || after.front() != '=') return Done();
    std::string_view value = TrimSpace(after.substr(1));
    if (value.empty()) return Done();
    if (name != "syntax" && name != "escape" && name != "check") return Done();
    for (const auto& d : parsed) {
      if (d.name == name) {
        return MakeError(ErrorCode::kInvalidArgument, "line {}: only one {} parser directive can be used", line_number,
                         name);
      }
    }
    parsed.push_back({name, std::string(value), line_number});
    if (parsed_one != nullptr) *parsed_one = true;
    if (name == "escape") {
      if (value != "`" && value != "\\") {
        return MakeError(ErrorCode::kInvalidArgument, "line {}: invalid escape token '{}' does not match ` or \\",
                         line_number, value);
      }
      escape = value.front();
    }
    return Ok();
  }

 private:
  Status Done() {
    done_ = true;
    return Ok();
  }
  bool done_ = false;
};

// Returns the line without its continuation escape, and whether the instruction ends here.
std::pair<std::string, bool> TrimContinuation(std::string_view line, char escape) {
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  std::size_t escapes = 0;
  while (escapes < end && line[end - 1 - escapes] == escape) ++escapes;
  // An escaped escape ("path\\") ends the line (BuildKit, docker/for-win#5254).
  if (escapes % 2 == 1) return {std::string(line.substr(0, end - 1)), false};
  return {std::string(line), true};
}

// BuildKit extractBuilderFlags: leading --words, quote and backslash aware.
void ExtractBuilderFlags(std::string_view line, std::string& rest, std::vector<std::string>& flags) {
  enum Phase { kInSpaces, kInWord, kInQuote } phase = kInSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  char ch = 0;
  for (std::size_t pos = 0; pos <= line.size(); ++pos) {
    if (pos != line.size()) ch = line[pos];
    if (phase == kInSpaces) {
      if (pos == line.size()) break;
      if (IsSpaceByte(ch)) continue;
      if (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        rest = std::string(line.substr(pos));
        return;
      }
      phase = kInWord;
    }
    if ((phase == kInWord || phase == kInQuote) && pos == line.size()) {
      if (word != "--" && (blank_ok || !word.empty())) flags.push_back(word);
      break;
    }
    if (phase == kInWord) {
      if (IsSpaceByte(ch)) {
        phase = kInSpaces;
        if (word == "--") {
          rest = std::string(line.substr(pos));
          return;
        }
        if (blank_ok || !word.empty()) flags.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kInQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size()) continue;
        ++pos;
        ch = line[pos];
      }
      word += ch;
      continue;
    }
    if (phase == kInQuote) {
      if (ch == quote) {
        phase = kInWord;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size()) {
          phase = kInWord;
          continue;
        }
        ++pos;
        ch = line[pos];
      }
      word += ch;
    }
  }
  rest.clear();
}

// ---- JSON array (Go encoding/json Decoder semantics: one value, trailing text ignored) ----
enum class JsonOutcome { kNotJson, kNotStringArray, kOk };

class JsonArrayReader {
 public:
  explicit JsonArrayReader(std::string_view s) : s_(s) {}

  JsonOutcome Read(std::vector<std::string>& out) {
    SkipWs();
    if (!Take('[')) return JsonOutcome::kNotJson;
    bool all_strings = true;
    SkipWs();
    if (Take(']')) return JsonOutcome::kOk;
    for (;;) {
      SkipWs();
      if (Peek() == '"') {
        std::string value;
        if (!ReadString(value)) return JsonOutcome::kNotJson;
        out.push_back(std::move(value));
      } else {
        if (!SkipValue(0)) return JsonOutcome::kNotJson;
        all_strings = false;
      }
      SkipWs();
      if (Take(',')) continue;
      if (Take(']')) break;
      return JsonOutcome::kNotJson;
    }
    return all_strings ? JsonOutcome::kOk : JsonOutcome::kNotStringArray;
  }

 private:
  int Peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }
  bool Take(char c) {
    if (Peek() == static_cast<unsigned char>(c)) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  static int Hex(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool ReadHex4(char32_t& v) {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(Peek());
      if (h < 0) return false;
      v = (v << 4) | static_cast<char32_t>(h);
      ++pos_;
    }
    return true;
  }
  bool ReadString(std::string& out) {
    ++pos_;  // opening quote
    std::size_t raw_start = pos_;
    std::string raw;
    for (;;) {
      int c = Peek();
      if (c < 0) return false;
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        raw += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      int e = Peek();
      ++pos_;
      switch (e) {
        case '"': raw += '"'; break;
        case '\\': raw += '\\'; break;
        case '/': raw += '/'; break;
        case 'b': raw += '\b'; break;
        case 'f': raw += '\f'; break;
        case 'n': raw += '\n'; break;
        case 'r': raw += '\r'; break;
        case 't': raw += '\t'; break;
        case 'u': {
          char32_t v = 0;
          if (!ReadHex4(v)) return false;
          if (v >= 0xD800 && v < 0xDC00) {
            std::size_t save = pos_;
            char32_t low = 0;
            if (Take('\\') && Take('u') && ReadHex4(low) && low >= 0xDC00 && low < 0xE000) {
              v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
              v = 0xFFFD;
            }
          } else if (v >= 0xDC00 && v < 0xE000) {
            v = 0xFFFD;
          }
          AppendUtf8(raw, v);
          break;
        }
        default: return false;
      }
    }
    (void)raw_start;
    // Go replaces invalid UTF-8 with U+FFFD.
    for (char32_t ch : DecodeUtf8(raw)) AppendUtf8(out, ch);
    return true;
  }
  bool SkipValue(int depth) {
    if (depth > 10000) return false;
    SkipWs();
    int c = Peek();
    if (c == '"') {
      std::string ignored;
      return ReadString(ignored);
    }
    if (c == '[' || c == '{') {
      char close = c == '[' ? ']' : '}';
      ++pos_;
      SkipWs();
      if (Take(close)) return true;
      for (;;) {
        SkipWs();
        if (close == '}') {
          if (Peek() != '"') return false;
          std::string key;
          if (!ReadString(key)) return false;
          SkipWs();
          if (!Take(':')) return false;
        }
        if (!SkipValue(depth + 1)) return false;
        SkipWs();
        if (Take(',')) continue;
        return Take(close);
      }
    }
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        return true;
      }
    }
    // number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    std::size_t start = pos_;
    Take('-');
    if (Take('0')) {
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    } else {
      return false;
    }
    if (Take('.')) {
      if (!(Peek() >= '0' && Peek() <= '9')) return false;
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (!Take('+')) Take('-');
      if (!(Peek() >= '0' && Peek() <= '9')) return false;
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    return pos_ > start;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

constexpr std::string_view kNotStringArray = "when using JSON array syntax, arrays must be comprised of strings only";

// Fills the node's arguments; returns an error message or empty.
struct ParsedArgs {
  std::vector<std::string> args;
  bool json = false;
  std::unique_ptr<Instruction> child;
};

Result<Instruction> NodeFromLine(std::string_view line, char escape, int depth);

std::vector<std::string> StringsWhitespaceDelimited(std::string_view rest) {
  if (rest.empty()) return {};
  return SplitWhitespace(rest, -1);
}

Status MaybeJson(std::string_view rest, ParsedArgs& out, bool to_list) {
  if (rest.empty() && !to_list) return Ok();
  std::vector<std::string> elements;
  std::string_view trimmed = TrimLeadingWhitespace(rest);
  JsonOutcome outcome = JsonOutcome::kNotJson;
  if (!trimmed.empty() && trimmed.front() == '[') outcome = JsonArrayReader(trimmed).Read(elements);
  if (outcome == JsonOutcome::kOk) {
    out.args = std::move(elements);
    out.json = true;
    return Ok();
  }
  if (outcome == JsonOutcome::kNotStringArray) return MakeError(ErrorCode::kInvalidArgument, "{}", kNotStringArray);
  if (to_list) {
    out.args = StringsWhitespaceDelimited(rest);
  } else {
    out.args = {std::string(rest)};
  }
  return Ok();
}

Status NameVal(std::string_view rest, std::string_view key, char escape, ParsedArgs& out) {
  std::vector<std::string> words = ParseWords(rest, escape);
  if (words.empty()) return MakeError(ErrorCode::kInvalidArgument, "{} requires at least one argument", key);
  if (words[0].find('=') == std::string::npos) {
    std::vector<std::string> parts = SplitWhitespace(rest, 2);
    if (parts.size() < 2) return MakeError(ErrorCode::kInvalidArgument, "{} must have two arguments", key);
    out.args = {parts[0], parts[1], ""};
    return Ok();
  }
  for (const auto& word : words) {
    std::size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Syntax error - can't find = in \"{}\". Must be of the form: name=value", word);
    }
    out.args.push_back(word.substr(0, eq));
    out.args.push_back(word.substr(eq + 1));
    out.args.push_back("=");
  }
  return Ok();
}

Status Dispatch(const std::string& cmd, std::string_view rest, char escape, int depth, ParsedArgs& out) {
  if (cmd == "add" || cmd == "copy" || cmd == "volume") return MaybeJson(rest, out, true);
  if (cmd == "cmd" || cmd == "entrypoint" || cmd == "run" || cmd == "shell") return MaybeJson(rest, out, false);
  if (cmd == "arg") {
    out.args = ParseWords(rest, escape);
    return Ok();
  }
  if (cmd == "env") return NameVal(rest, "ENV", escape, out);
  if (cmd == "label") return NameVal(rest, "LABEL", escape, out);
  if (cmd == "expose" || cmd == "from") {
    out.args = StringsWhitespaceDelimited(rest);
    return Ok();
  }
  if (cmd == "maintainer" || cmd == "stopsignal" || cmd == "user" || cmd == "workdir") {
    if (!rest.empty()) out.args = {std::string(rest)};
    return Ok();
  }
  if (cmd == "healthcheck") {
    std::size_t sep = 0;
    while (sep < rest.size() && !IsSpaceByte(rest[sep])) ++sep;
    std::size_t next = sep;
    while (next < rest.size() && IsSpaceByte(rest[next])) ++next;
    if (sep == 0) return Ok();
    ParsedArgs command;
    CUSTOMS_RETURN_IF_ERROR(MaybeJson(rest.substr(next), command, false));
    out.args.emplace_back(rest.substr(0, sep));
    for (auto& a : command.args) out.args.push_back(std::move(a));
    out.json = command.json;
    return Ok();
  }
  if (cmd == "onbuild") {
    if (rest.empty()) return Ok();
    if (depth > 0) {
      // BuildKit rejects nested ONBUILD later, at dispatch; the parser accepts one level.
    }
    CUSTOMS_ASSIGN_OR_RETURN(Instruction child, NodeFromLine(rest, escape, depth + 1));
    child.start_line = 0;
    child.end_line = 0;
    out.child = std::make_unique<Instruction>(std::move(child));
    return Ok();
  }
  out.args = {""};  // unknown instruction: BuildKit keeps an empty node
  return Ok();
}

Result<Instruction> NodeFromLine(std::string_view line, char escape, int depth) {
  if (depth > 8) return MakeError(ErrorCode::kInvalidArgument, "ONBUILD nested too deeply");
  Instruction node;
  std::string_view trimmed = TrimSpace(line);
  std::vector<std::string> cmdline = SplitWhitespace(trimmed, 2);
  std::string rest;
  if (cmdline.size() == 2) {
    ExtractBuilderFlags(cmdline[1], rest, node.flags);
    rest = std::string(TrimSpace(rest));
  }
  node.keyword = cmdline[0];
  node.cmd = Upper(cmdline[0]);
  node.original = std::string(line);
  ParsedArgs parsed;
  CUSTOMS_RETURN_IF_ERROR(Dispatch(Lower(cmdline[0]), rest, escape, depth, parsed));
  node.args = std::move(parsed.args);
  node.json_form = parsed.json;
  node.onbuild_child = std::move(parsed.child);
  node.rest = std::move(rest);
  return node;
}

bool CanContainHeredoc(const Instruction& node) {
  const Instruction* n = &node;
  if (n->cmd == "ONBUILD" && n->onbuild_child) n = n->onbuild_child.get();
  if (n->cmd != "RUN" && n->cmd != "COPY" && n->cmd != "ADD") return false;
  return !n->json_form;
}

}  // namespace

std::vector<std::string> ParseWords(std::string_view rest_view, char escape) {
  std::u32string rest = DecodeUtf8(rest_view);
  enum Phase { kInSpaces, kInWord, kInQuote } phase = kInSpaces;
  std::vector<std::string> words;
  std::string word;
  char32_t quote = 0;
  bool blank_ok = false;
  char32_t ch = 0;
  auto is_space = [](char32_t c) { return c < 0x80 ? IsSpaceByte(static_cast<char>(c)) : (c == 0x85 || c == 0xA0); };
  const char32_t esc = static_cast<unsigned char>(escape);
  for (std::size_t pos = 0; pos <= rest.size(); ++pos) {
    if (pos != rest.size()) ch = rest[pos];
    if (phase == kInSpaces) {
      if (pos == rest.size()) break;
      if (is_space(ch)) continue;
      phase = kInWord;
    }
    if ((phase == kInWord || phase == kInQuote) && pos == rest.size()) {
      if (blank_ok || !word.empty()) words.push_back(word);
      break;
    }
    if (phase == kInWord) {
      if (is_space(ch)) {
        phase = kInSpaces;
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == U'\'' || ch == U'"') {
        quote = ch;
        blank_ok = true;
        phase = kInQuote;
      }
      if (ch == esc) {
        if (pos + 1 == rest.size()) continue;
        AppendUtf8(word, ch);
        ++pos;
        ch = rest[pos];
      }
      AppendUtf8(word, ch);
      continue;
    }
    if (phase == kInQuote) {
      if (ch == quote) phase = kInWord;
      if (ch == esc && quote != U'\'') {
        if (pos + 1 == rest.size()) {
          phase = kInWord;
          continue;
        }
        ++pos;
        AppendUtf8(word, ch);
        ch = rest[pos];
      }
      AppendUtf8(word, ch);
    }
  }
  return words;
}

Result<std::optional<Heredoc>> ParseHeredocWord(std::string_view word) {
  // ^(\d*)<<(-?)([^<]*)$
  std::size_t i = 0;
  while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i]))) ++i;
  std::string_view digits = word.substr(0, i);
  if (word.substr(i, 2) != "<<") return std::optional<Heredoc>();
  i += 2;
  bool chomp = false;
  if (i < word.size() && word[i] == '-') {
    chomp = true;
    ++i;
  }
  std::string_view rest = word.substr(i);
  if (rest.find('<') != std::string_view::npos) return std::optional<Heredoc>();
  if (rest.empty()) return std::optional<Heredoc>();
  EnvLookup no_env;
  LexOptions options;
  options.skip_unset_env = true;
  auto words = ProcessShellWord(rest, no_env, options);
  if (!words) return tl::unexpected(words.error());
  if (words->words.size() != 1) return std::optional<Heredoc>();
  options.raw_quotes = true;
  auto raw = ProcessShellWord(rest, no_env, options);
  if (!raw) return tl::unexpected(raw.error());
  if (raw->words.size() != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "internal lexing of heredoc produced inconsistent results: {}", rest);
  }
  auto count_quotes = [](const std::string& s) {
    return std::count(s.begin(), s.end(), '\'') + std::count(s.begin(), s.end(), '"');
  };
  Heredoc heredoc;
  heredoc.name = words->words[0];
  heredoc.expand = count_quotes(words->words[0]) == count_quotes(raw->words[0]);
  heredoc.chomp = chomp;
  unsigned fd = 0;
  for (char d : digits) fd = fd * 10 + static_cast<unsigned>(d - '0');
  heredoc.file_descriptor = fd;
  return std::optional<Heredoc>(std::move(heredoc));
}

Result<std::vector<Heredoc>> HeredocsFromLine(std::string_view line) {
  EnvLookup no_env;
  LexOptions options;
  options.raw_quotes = true;
  options.raw_escapes = true;
  options.skip_unset_env = true;
  auto words = ProcessShellWord(line, no_env, options);
  std::vector<Heredoc> docs;
  if (!words) return docs;
  const auto& w = words->words;
  for (std::size_t i = 0; i < w.size(); ++i) {
    std::string word = w[i];
    // "<< EOF" and "<<- EOF": the operator and its delimiter as two words.
    std::string_view op = word;
    while (!op.empty() && std::isdigit(static_cast<unsigned char>(op.front()))) op.remove_prefix(1);
    if ((op == "<<" || op == "<<-") && i + 1 < w.size()) word += " " + w[++i];
    CUSTOMS_ASSIGN_OR_RETURN(std::optional<Heredoc> heredoc, ParseHeredocWord(word));
    if (heredoc) docs.push_back(std::move(*heredoc));
  }
  return docs;
}

Result<Dockerfile> ParseDockerfile(std::string_view content) {
  Dockerfile file;
  Directives directives;
  // BuildKit's scanLines: tokens keep their trailing newline.
  std::size_t offset = 0;
  auto next_line = [&](std::string_view& raw) -> bool {
    if (offset >= content.size()) return false;
    std::size_t nl = content.find('\n', offset);
    std::size_t end = nl == std::string_view::npos ? content.size() : nl + 1;
    raw = content.substr(offset, end - offset);
    offset = end;
    return true;
  };
  int current_line = 0;
  std::vector<std::string> comments;
  std::string_view raw;
  while (next_line(raw)) {
    if (current_line == 0 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
    if (IsComment(raw)) {
      std::string comment(TrimSpace(TrimLeadingWhitespace(TrimNewline(raw)).substr(1)));
      if (comment.empty()) {
        comments.clear();
      } else {
        comments.push_back(std::move(comment));
      }
    }
    std::string_view token = TrimLeadingWhitespace(TrimNewline(raw));
    bool directive = false;
    if (auto status = directives.ParseLine(token, current_line + 1, &directive); !status) {
      return tl::unexpected(status.error());
    }
    if (directive && !comments.empty()) comments.pop_back();
    if (!token.empty() && token.front() == '#') token = {};
    ++current_line;
    int start_line = current_line;
    auto [line, end_of_line] = TrimContinuation(token, directives.escape);
    if (end_of_line && line.empty()) continue;

    bool empty_continuation = false;
    while (!end_of_line && next_line(raw)) {
      std::string_view bytes = TrimNewline(raw);
      if (auto status = directives.ParseLine(bytes, current_line + 1); !status) return tl::unexpected(status.error());
      ++current_line;
      if (IsComment(raw)) continue;
      if (TrimLeadingWhitespace(bytes).empty()) {
        empty_continuation = true;
        continue;
      }
      auto [continuation, end] = TrimContinuation(bytes, directives.escape);
      end_of_line = end;
      line += continuation;
    }
    if (empty_continuation) file.warnings.push_back("Empty continuation line found in: " + line);
    const int text_end_line = current_line;

    auto child = NodeFromLine(line, directives.escape, 0);
    if (!child) {
      return MakeError(ErrorCode::kInvalidArgument, "line {}: {}", start_line, child.error().message());
    }
    if (CanContainHeredoc(*child) && line.find("<<") != std::string::npos) {
      auto heredocs = HeredocsFromLine(line);
      if (!heredocs) {
        return MakeError(ErrorCode::kInvalidArgument, "line {}: {}", start_line, heredocs.error().message());
      }
      for (Heredoc& heredoc : *heredocs) {
        bool terminated = false;
        while (next_line(raw)) {
          ++current_line;
          std::string_view candidate = TrimNewline(raw);
          if (heredoc.chomp) {
            while (!candidate.empty() && candidate.front() == '\t') candidate.remove_prefix(1);
          }
          if (candidate == heredoc.name) {
            terminated = true;
            break;
          }
          heredoc.content += raw;
        }
        if (!terminated) {
          return MakeError(ErrorCode::kInvalidArgument, "line {}: unterminated heredoc {} (started on line {})",
                           current_line, heredoc.name, start_line);
        }
        child->heredocs.push_back(std::move(heredoc));
      }
    }
    child->start_line = start_line;
    child->end_line = current_line;
    child->text_end_line = text_end_line;
    child->empty_continuation = empty_continuation;
    child->comments = std::move(comments);
    comments.clear();
    file.instructions.push_back(std::move(*child));
  }
  file.escape = directives.escape;
  file.directives = std::move(directives.parsed);
  file.line_count = current_line;
  if (file.instructions.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "line {}: file with no instructions", current_line);
  }
  return file;
}

}  // namespace customs::lint
