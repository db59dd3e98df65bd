#include "lint/dockerfile/shell_lex.h"

#include <re2/re2.h>

#include <cstdint>

#include "lint/dockerfile/utf8.h"

namespace customs::lint {
namespace {

constexpr std::int32_t kEof = -1;
constexpr int kMaxDepth = 200;

bool IsSpaceRune(std::int32_t ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r' || ch == 0x85 || ch == 0xA0 ||
         ch == 0x1680 || (ch >= 0x2000 && ch <= 0x200a) || ch == 0x2028 || ch == 0x2029 || ch == 0x202f ||
         ch == 0x205f || ch == 0x3000;
}
bool IsDigitRune(std::int32_t ch) {
  return ch >= '0' && ch <= '9';
}
// Go's unicode.IsLetter; non-ASCII code points are approximated as letters (names like $KOREAN's value work).
bool IsLetterRune(std::int32_t ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= 0xC0 && !IsSpaceRune(ch));
}
bool IsSpecialParam(std::int32_t ch) {
  return ch == '@' || ch == '*' || ch == '#' || ch == '?' || ch == '-' || ch == '$' || ch == '!' || ch == '0';
}

struct Words {
  std::string word;
  std::vector<std::string> words;
  bool in_word = false;
  void AddChar(std::int32_t ch) {
    if (IsSpaceRune(ch) && in_word) {
      if (!word.empty()) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
    } else if (!IsSpaceRune(ch)) {
      AddRawChar(ch);
    }
  }
  void AddRawChar(std::int32_t ch) {
    AppendUtf8(word, static_cast<char32_t>(ch));
    in_word = true;
  }
  void AddString(std::string_view s) {
    for (char32_t ch : DecodeUtf8(s)) AddChar(static_cast<std::int32_t>(ch));
  }
  void AddRawString(std::string_view s) {
    word += s;
    in_word = true;
  }
  std::vector<std::string> Get() {
    if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
      in_word = false;
    }
    return std::move(words);
  }
};

std::string ReverseRunes(std::string_view s) {
  std::u32string runes = DecodeUtf8(s);
  std::string out;
  for (auto it = runes.rbegin(); it != runes.rend(); ++it) AppendUtf8(out, *it);
  return out;
}

// Reverses a shell pattern, keeping escape pairs in order (BuildKit reversePattern).
std::string ReversePattern(std::string_view pattern) {
  std::u32string in = DecodeUtf8(pattern);
  std::u32string out(in.size(), U' ');
  std::size_t last = in.empty() ? 0 : in.size() - 1;
  for (std::size_t i = 0; i < in.size();) {
    std::size_t out_index = last - i;
    if (in[i] == U'\\' && i != last) {
      out[out_index - 1] = in[i];
      out[out_index] = in[i + 1];
      i += 2;
    } else {
      out[out_index] = in[i];
      ++i;
    }
  }
  std::string result;
  for (char32_t ch : out) AppendUtf8(result, ch);
  return result;
}

// BuildKit convertShellPatternToRegex: * ? and \-escapes; regex metacharacters quoted. RE2 has Go's syntax.
bool ShellPatternToRegex(std::string_view pattern, bool greedy, bool anchored, std::string& out, std::string& error) {
  std::u32string p = DecodeUtf8(pattern);
  if (anchored) out += '^';
  for (std::size_t i = 0; i < p.size(); ++i) {
    char32_t tok = p[i];
    switch (tok) {
      case U'*': out += greedy ? ".*" : ".*?"; continue;
      case U'?': out += '.'; continue;
      case U'\\': {
        char32_t peek = i + 1 < p.size() ? p[i + 1] : 0;
        if (peek == U'}' || peek == U'/') continue;
        out += '\\';
        ++i;
        if (i >= p.size() || (p[i] != U'*' && p[i] != U'?' && p[i] != U'\\')) {
          error = "invalid escape";
          return false;
        }
        tok = p[i];
        break;
      }
      case U'[':
      case U']':
      case U'{':
      case U'}':
      case U'.':
      case U'+':
      case U'(':
      case U')':
      case U'|':
      case U'^':
      case U'$': out += '\\'; break;
      default: break;
    }
    AppendUtf8(out, tok);
  }
  return true;
}

class ShellWord {
 public:
  ShellWord(std::string_view input, const EnvLookup& env, const LexOptions& options)
      : runes_(DecodeUtf8(input)), env_(env), options_(options), raw_escapes_(options.raw_escapes) {}

  bool Process(std::string& word, std::vector<std::string>& words) {
    return ProcessStopOn(kEof, raw_escapes_, word, &words);
  }
  const std::string& error() const { return error_; }
  std::set<std::string>& matched() { return matched_; }
  std::set<std::string>& unmatched() { return unmatched_; }

 private:
  std::int32_t Peek() const { return pos_ < runes_.size() ? static_cast<std::int32_t>(runes_[pos_]) : kEof; }
  std::int32_t Next() { return pos_ < runes_.size() ? static_cast<std::int32_t>(runes_[pos_++]) : kEof; }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  std::optional<std::string> GetEnv(const std::string& name) {
    auto value = env_ ? env_(name) : std::nullopt;
    if (value) {
      matched_.insert(name);
    } else {
      unmatched_.insert(name);
    }
    return value;
  }

  bool ProcessStopOn(std::int32_t stop, bool raw_escapes, std::string& result, std::vector<std::string>* out_words) {
    if (++depth_ > kMaxDepth) return Fail("substitution nested too deeply");
    bool saved = raw_escapes_;
    raw_escapes_ = raw_escapes;
    Words words;
    bool ok = true;
    bool stopped = false;
    while (Peek() != kEof) {
      std::int32_t ch = Peek();
      if (stop != kEof && ch == stop) {
        Next();
        stopped = true;
        break;
      }
      if (ch == '$' || ch == '\'' || ch == '"') {
        std::string tmp;
        if (ch == '$') {
          ok = ProcessDollar(tmp);
        } else if (ch == '\'') {
          ok = ProcessSingleQuote(tmp);
        } else {
          ok = ProcessDoubleQuote(tmp);
        }
        if (!ok) break;
        result += tmp;
        if (ch == '$') {
          words.AddString(tmp);
        } else {
          words.AddRawString(tmp);
        }
        continue;
      }
      ch = Next();
      if (ch == static_cast<std::int32_t>(options_.escape)) {
        if (raw_escapes_) {
          words.AddRawChar(ch);
          AppendUtf8(result, static_cast<char32_t>(ch));
        }
        ch = Next();
        if (ch == kEof) break;
        words.AddRawChar(ch);
      } else {
        words.AddChar(ch);
      }
      AppendUtf8(result, static_cast<char32_t>(ch));
    }
    raw_escapes_ = saved;
    --depth_;
    if (!ok) return false;
    if (stop != kEof && !stopped) {
      std::string s;
      AppendUtf8(s, static_cast<char32_t>(stop));
      return Fail("unexpected end of statement while looking for matching " + s);
    }
    if (out_words != nullptr) *out_words = words.Get();
    return true;
  }

  bool ProcessSingleQuote(std::string& result) {
    std::int32_t ch = Next();
    if (options_.raw_quotes) AppendUtf8(result, static_cast<char32_t>(ch));
    for (;;) {
      ch = Next();
      if (ch == kEof) return Fail("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') {
        if (options_.raw_quotes) AppendUtf8(result, static_cast<char32_t>(ch));
        return true;
      }
      AppendUtf8(result, static_cast<char32_t>(ch));
    }
  }

  bool ProcessDoubleQuote(std::string& result) {
    std::int32_t ch = Next();
    if (options_.raw_quotes) AppendUtf8(result, static_cast<char32_t>(ch));
    for (;;) {
      std::int32_t peek = Peek();
      if (peek == kEof) return Fail("unexpected end of statement while looking for matching double-quote");
      if (peek == '"') {
        ch = Next();
        if (options_.raw_quotes) AppendUtf8(result, static_cast<char32_t>(ch));
        return true;
      }
      if (peek == '$') {
        std::string value;
        if (!ProcessDollar(value)) return false;
        result += value;
        continue;
      }
      ch = Next();
      if (ch == static_cast<std::int32_t>(options_.escape)) {
        std::int32_t next = Peek();
        if (next == kEof) continue;
        if (next == '"' || next == '$' || next == static_cast<std::int32_t>(options_.escape)) {
          if (raw_escapes_) AppendUtf8(result, static_cast<char32_t>(ch));
          ch = Next();
        }
      }
      AppendUtf8(result, static_cast<char32_t>(ch));
    }
  }

  std::string ProcessName() {
    std::string name;
    while (Peek() != kEof) {
      std::int32_t ch = Peek();
      if (name.empty() && IsDigitRune(ch)) {
        while (Peek() != kEof && IsDigitRune(Peek())) AppendUtf8(name, static_cast<char32_t>(Next()));
        return name;
      }
      if (name.empty() && IsSpecialParam(ch)) {
        AppendUtf8(name, static_cast<char32_t>(Next()));
        return name;
      }
      if (!IsLetterRune(ch) && !IsDigitRune(ch) && ch != '_') break;
      AppendUtf8(name, static_cast<char32_t>(Next()));
    }
    return name;
  }

  bool TrimPrefix(const std::string& pattern, std::string& value, bool greedy) {
    std::string regex;
    std::string error;
    if (!ShellPatternToRegex(pattern, greedy, true, regex, error)) {
      return Fail("invalid pattern (" + pattern + ") in substitution: " + error);
    }
    RE2 re(regex, RE2::Quiet);
    if (!re.ok()) return Fail("invalid pattern (" + pattern + ") in substitution");
    re2::StringPiece match;
    if (re.Match(value, 0, value.size(), RE2::UNANCHORED, &match, 1)) {
      value = value.substr(static_cast<std::size_t>(match.data() - value.data()) + match.size());
    }
    return true;
  }

  bool ProcessDollar(std::string& out) {
    Next();
    if (Peek() != '{') {
      std::string name = ProcessName();
      if (name.empty()) {
        out = "$";
        return true;
      }
      auto value = GetEnv(name);
      if (!value && options_.skip_unset_env) {
        out = "$" + name;
        return true;
      }
      out = value.value_or("");
      return true;
    }
    Next();
    std::int32_t peek = Peek();
    if (peek == kEof) return Fail("syntax error: missing '}'");
    if (peek == '{' || peek == '}' || peek == ':') return Fail("syntax error: bad substitution");
    std::string name = ProcessName();
    std::int32_t ch = Next();
    std::string chs;
    if (ch != kEof) AppendUtf8(chs, static_cast<char32_t>(ch));
    bool null_is_unset = false;
    switch (ch) {
      case '}': {
        auto value = GetEnv(name);
        if (!value && options_.skip_unset_env) {
          out = "${" + name + "}";
          return true;
        }
        out = value.value_or("");
        return true;
      }
      case ':':
        null_is_unset = true;
        ch = Next();
        if (ch != kEof) AppendUtf8(chs, static_cast<char32_t>(ch));
        if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
          return Fail("unsupported modifier (" + chs + ") in substitution");
        }
        [[fallthrough]];
      case '+':
      case '-':
      case '?':
      case '#':
      case '%': {
        bool raw = ch == '#' || ch == '%';
        if (null_is_unset && raw) return Fail("unsupported modifier (" + chs + ") in substitution");
        std::string word;
        if (!ProcessStopOn('}', raw, word, nullptr)) {
          if (Peek() == kEof) {
            error_.clear();
            return Fail("syntax error: missing '}'");
          }
          return false;
        }
        auto value = GetEnv(name);
        bool set = value.has_value();
        if (options_.skip_unset_env && !set) {
          out = "${" + name + chs + word + "}";
          return true;
        }
        std::string v = value.value_or("");
        switch (ch) {
          case '-': out = (!set || (null_is_unset && v.empty())) ? word : v; return true;
          case '+': out = (!set || (null_is_unset && v.empty())) ? "" : word; return true;
          case '?':
            if (!set) return Fail(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
            if (null_is_unset && v.empty()) {
              return Fail(name + ": " + (word.empty() ? "is not allowed to be empty" : word));
            }
            out = v;
            return true;
          default: {  // '#' or '%'
            bool greedy = false;
            if (!word.empty() && static_cast<std::int32_t>(static_cast<unsigned char>(word[0])) == ch) {
              greedy = true;
              word.erase(0, 1);
            }
            if (ch == '%') {
              std::string reversed = ReverseRunes(v);
              if (!TrimPrefix(ReversePattern(word), reversed, greedy)) return false;
              out = ReverseRunes(reversed);
              return true;
            }
            if (!TrimPrefix(word, v, greedy)) return false;
            out = v;
            return true;
          }
        }
      }
      case '/': {
        bool replace_all = Peek() == '/';
        if (replace_all) Next();
        std::string pattern;
        if (!ProcessStopOn('/', true, pattern, nullptr)) {
          if (Peek() == kEof) {
            error_.clear();
            return Fail("syntax error: missing '/' in ${}");
          }
          return false;
        }
        std::string replacement;
        if (!ProcessStopOn('}', true, replacement, nullptr)) {
          if (Peek() == kEof) {
            error_.clear();
            return Fail("syntax error: missing '}'");
          }
          return false;
        }
        auto value = GetEnv(name);
        if (!value && options_.skip_unset_env) {
          out = "${" + name + "/" + pattern + "/" + replacement + "}";
          return true;
        }
        std::string v = value.value_or("");
        std::string regex;
        std::string error;
        if (!ShellPatternToRegex(pattern, true, false, regex, error)) {
          return Fail("invalid pattern (" + pattern + ") in substitution: " + error);
        }
        RE2 re(regex, RE2::Quiet);
        if (!re.ok()) return Fail("invalid pattern (" + pattern + ") in substitution");
        if (replace_all) {
          if (pattern.empty()) {
            out = v;
            return true;
          }
          std::string result;
          std::size_t pos = 0;
          re2::StringPiece match;
          while (pos <= v.size() && re.Match(v, pos, v.size(), RE2::UNANCHORED, &match, 1)) {
            std::size_t start = static_cast<std::size_t>(match.data() - v.data());
            result.append(v, pos, start - pos);
            result += replacement;
            pos = start + match.size();
            if (match.empty()) {
              if (pos < v.size()) result += v[pos];
              ++pos;
            }
          }
          if (pos < v.size()) result.append(v, pos, std::string::npos);
          out = result;
          return true;
        }
        re2::StringPiece match;
        if (re.Match(v, 0, v.size(), RE2::UNANCHORED, &match, 1)) {
          std::size_t start = static_cast<std::size_t>(match.data() - v.data());
          v = v.substr(0, start) + replacement + v.substr(start + match.size());
        }
        out = v;
        return true;
      }
      default: return Fail("unsupported modifier (" + chs + ") in substitution");
    }
  }

  std::u32string runes_;
  std::size_t pos_ = 0;
  const EnvLookup& env_;
  const LexOptions& options_;
  bool raw_escapes_;
  int depth_ = 0;
  std::string error_;
  std::set<std::string> matched_;
  std::set<std::string> unmatched_;
};

}  // namespace

Result<ProcessResult> ProcessShellWord(std::string_view input, const EnvLookup& env, const LexOptions& options) {
  ShellWord shell_word(input, env, options);
  ProcessResult result;
  if (!shell_word.Process(result.result, result.words)) {
    return MakeError(ErrorCode::kInvalidArgument, "failed to process \"{}\": {}", input, shell_word.error());
  }
  result.matched = std::move(shell_word.matched());
  result.unmatched = std::move(shell_word.unmatched());
  return result;
}

}  // namespace customs::lint
