#include "lint/dockerignore.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace customs::lint {

std::string CleanPath(std::string_view path) {
  if (path.empty()) {
    return ".";
  }
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    std::string_view part = path.substr(i, slash - i);
    i = slash + 1;
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) {
      out += '/';
    }
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

namespace {

// patternmatcher's matchType.
enum class MatchType { kExact, kPrefix, kSuffix, kRegexp };

bool ShouldEscape(char c) {
  return c == '.' || c == '+' || c == '(' || c == ')' || c == '|' || c == '{' || c == '}' || c == '$';
}

}  // namespace

struct DockerIgnore::Pattern {
  std::string cleaned;
  bool exclusion = false;
  MatchType type = MatchType::kExact;
  std::unique_ptr<RE2> regexp;

  // patternmatcher Pattern.compile with '/' as the separator.
  bool Compile() {
    std::string re = "^";
    MatchType detected = MatchType::kExact;
    const std::string& p = cleaned;
    for (std::size_t i = 0, n = 0; i < p.size(); ++n) {
      char ch = p[i++];
      if (ch == '*') {
        if (i < p.size() && p[i] == '*') {
          ++i;
          if (i < p.size() && p[i] == '/') {
            ++i;
          }
          if (i >= p.size()) {
            if (detected == MatchType::kExact) {
              detected = MatchType::kPrefix;
            } else {
              re += ".*";
              detected = MatchType::kRegexp;
            }
          } else {
            re += "(.*/)?";
            detected = MatchType::kRegexp;
          }
          if (n == 0) {
            detected = MatchType::kSuffix;
          }
        } else {
          re += "[^/]*";
          detected = MatchType::kRegexp;
        }
      } else if (ch == '?') {
        re += "[^/]";
        detected = MatchType::kRegexp;
      } else if (ShouldEscape(ch)) {
        re += '\\';
        re += ch;
      } else if (ch == '\\') {
        if (i < p.size()) {
          re += '\\';
          re += p[i++];
          detected = MatchType::kRegexp;
        } else {
          re += '\\';  // a lone trailing backslash: only an exact match can use the pattern then
        }
      } else if (ch == '[' || ch == ']') {
        re += ch;
        detected = MatchType::kRegexp;
      } else {
        re += ch;
      }
    }
    if (detected == MatchType::kRegexp) {
      re += "$";
      RE2::Options options;
      options.set_log_errors(false);
      regexp = std::make_unique<RE2>(re, options);
      if (!regexp->ok()) {
        return false;
      }
    }
    type = detected;
    return true;
  }

  bool Match(std::string_view path) const {
    switch (type) {
      case MatchType::kExact: return path == cleaned;
      case MatchType::kPrefix: {
        std::string_view prefix = std::string_view(cleaned).substr(0, cleaned.size() - 2);
        return path.substr(0, prefix.size()) == prefix;
      }
      case MatchType::kSuffix: {
        std::string_view suffix = std::string_view(cleaned).substr(2);
        if (path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix) {
          return true;
        }
        return !suffix.empty() && suffix.front() == '/' && path == suffix.substr(1);
      }
      case MatchType::kRegexp: return RE2::FullMatch(path, *regexp);
    }
    return false;
  }
};

DockerIgnore::DockerIgnore() = default;
DockerIgnore::DockerIgnore(DockerIgnore&&) noexcept = default;
DockerIgnore& DockerIgnore::operator=(DockerIgnore&&) noexcept = default;
DockerIgnore::~DockerIgnore() = default;

Result<DockerIgnore> DockerIgnore::Parse(std::string_view content) {
  DockerIgnore out;
  std::size_t pos = 0;
  bool first = true;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    std::string_view line = content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
    if (first && line.substr(0, 3) == "\xEF\xBB\xBF") {
      line.remove_prefix(3);
    }
    first = false;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);  // bufio.ScanLines drops "\r\n"
    }
    // ignorefile.ReadAll: comments are skipped before trimming.
    if (!line.empty() && line.front() == '#') {
      continue;
    }
    auto trim = [](std::string_view s) {
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
      }
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
      }
      return s;
    };
    line = trim(line);
    if (line.empty()) {
      continue;
    }
    bool invert = line.front() == '!';
    if (invert) {
      line = trim(line.substr(1));
    }
    std::string pattern(line);
    if (!pattern.empty()) {
      pattern = CleanPath(pattern);
      if (pattern.size() > 1 && pattern.front() == '/') {
        pattern.erase(0, 1);
      }
    }
    // patternmatcher.New cleans again.
    if (invert) {
      if (pattern.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "illegal exclusion pattern: \"!\"");
      }
      pattern = CleanPath(pattern);
    } else {
      pattern = CleanPath(pattern);
    }
    auto compiled = std::make_unique<Pattern>();
    compiled->exclusion = invert;
    compiled->cleaned = pattern;
    if (!compiled->Compile()) {
      return MakeError(ErrorCode::kInvalidArgument, ".dockerignore: syntax error in pattern \"{}\"", pattern);
    }
    out.exclusions_ = out.exclusions_ || invert;
    out.patterns_.push_back(std::move(compiled));
  }
  return out;
}

bool DockerIgnore::MatchesOrParentMatches(std::string_view path) const {
  bool matched = false;
  std::string file(path);
  std::size_t last = file.rfind('/');
  std::string parent = last == std::string::npos ? "." : file.substr(0, last);
  std::vector<std::size_t> parent_ends;  // end offsets of each prefix of parent's components
  if (parent != ".") {
    for (std::size_t k = 0; k <= parent.size(); ++k) {
      if (k == parent.size() || parent[k] == '/') {
        parent_ends.push_back(k);
      }
    }
  }
  for (const auto& pattern : patterns_) {
    if (pattern->exclusion != matched) {
      continue;
    }
    bool match = pattern->Match(file);
    if (!match) {
      for (std::size_t end : parent_ends) {
        if (pattern->Match(std::string_view(parent).substr(0, end))) {
          match = true;
          break;
        }
      }
    }
    if (match) {
      matched = !pattern->exclusion;
    }
  }
  return matched;
}

bool DockerIgnore::HasExclusions() const {
  return exclusions_;
}

bool DockerIgnore::ExcludesContextRoot() const {
  for (const auto& pattern : patterns_) {
    if (!pattern->exclusion && (pattern->cleaned == "*" || pattern->cleaned == "**" || pattern->cleaned == "**/*")) {
      return true;
    }
  }
  return false;
}

std::size_t DockerIgnore::size() const {
  return patterns_.size();
}

}  // namespace customs::lint
