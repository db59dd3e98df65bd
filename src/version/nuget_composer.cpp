// NuGet (NuGet.Versioning) and Composer (composer/semver) version orders.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "version/schemes.h"

namespace customs::version::internal {
namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ---- NuGet ----------------------------------------------------------------------------------------------------------
// https://learn.microsoft.com/nuget/concepts/package-versioning and NuGet.Versioning's VersionComparer:
//   Major.Minor[.Patch[.Revision]][-label(.label)*][+metadata]. Missing parts are 0, so 1.0 == 1.0.0 == 1.0.0.0, and
//   leading zeros do not count (1.01 == 1.1). Every number fits an Int32.
//   A release (no labels) is above all of its pre-releases. Labels compare pairwise: both numeric -> numerically;
//   numeric < alphanumeric; two alphanumeric ones ordinally WITHOUT regard to case ("BETA" == "beta"); when one list
//   is a prefix of the other, the shorter is lower. Metadata never takes part.
//   Validity as NuGetVersion.TryParse: labels and metadata are non-empty [0-9A-Za-z-] identifiers; a numeric label
//   may not have a leading zero (SemVer 2.0.0), a numeric version part may.

constexpr std::int64_t kInt32Max = 2147483647;

// Parses a run of digits into an Int32; false when it is empty, not digits, or too large.
bool ParseInt32(std::string_view s, std::int64_t* out) {
  if (!AllDigits(s)) {
    return false;
  }
  std::int64_t value = 0;
  for (char c : s) {
    value = value * 10 + (c - '0');
    if (value > kInt32Max) {
      return false;
    }
  }
  *out = value;
  return true;
}

bool ValidIdentifier(std::string_view id) {
  if (id.empty()) {
    return false;
  }
  for (char c : id) {
    if (!IsDigit(c) && !IsAlpha(c) && c != '-') {
      return false;
    }
  }
  return true;
}

struct NuGetVersion {
  std::int64_t parts[4] = {0, 0, 0, 0};
  std::vector<std::string_view> labels;
};

bool ParseNuGet(std::string_view s, NuGetVersion* out) {
  if (s.empty()) {
    return false;
  }
  if (std::size_t plus = s.find('+'); plus != std::string_view::npos) {
    std::string_view metadata = s.substr(plus + 1);
    s = s.substr(0, plus);
    if (metadata.empty()) {
      return false;
    }
    std::size_t start = 0;
    while (true) {
      std::size_t dot = metadata.find('.', start);
      if (!ValidIdentifier(metadata.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
        return false;
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  std::string_view core = s;
  if (std::size_t dash = s.find('-'); dash != std::string_view::npos) {
    core = s.substr(0, dash);
    std::string_view release = s.substr(dash + 1);
    if (release.empty()) {
      return false;
    }
    std::size_t start = 0;
    while (true) {
      std::size_t dot = release.find('.', start);
      std::string_view label = release.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (!ValidIdentifier(label)) {
        return false;
      }
      if (AllDigits(label) && label.size() > 1 && label[0] == '0') {
        return false;
      }
      out->labels.push_back(label);
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  int count = 0;
  std::size_t start = 0;
  while (true) {
    if (count == 4) {
      return false;
    }
    std::size_t dot = core.find('.', start);
    if (!ParseInt32(core.substr(start, dot == std::string_view::npos ? dot : dot - start), &out->parts[count])) {
      return false;
    }
    ++count;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return true;
}

int CompareNuGetLabel(std::string_view a, std::string_view b) {
  std::int64_t na = 0, nb = 0;
  const bool a_numeric = ParseInt32(a, &na);
  const bool b_numeric = ParseInt32(b, &nb);
  if (a_numeric && b_numeric) {
    return na < nb ? -1 : (na > nb ? 1 : 0);
  }
  if (a_numeric != b_numeric) {
    return a_numeric ? -1 : 1;
  }
  // StringComparer.OrdinalIgnoreCase: upper-case both sides (for ASCII the same order as lower-casing, except for the
  // six characters between 'Z' and 'a', none of which an identifier may hold).
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = Lower(a[i]), y = Lower(b[i]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

int CompareNuGetParsed(const NuGetVersion& a, const NuGetVersion& b) {
  for (int i = 0; i < 4; ++i) {
    if (a.parts[i] != b.parts[i]) {
      return a.parts[i] < b.parts[i] ? -1 : 1;
    }
  }
  if (a.labels.empty() != b.labels.empty()) {
    return a.labels.empty() ? 1 : -1;
  }
  std::size_t n = std::min(a.labels.size(), b.labels.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = CompareNuGetLabel(a.labels[i], b.labels[i]); c != 0) {
      return c;
    }
  }
  return a.labels.size() < b.labels.size() ? -1 : (a.labels.size() > b.labels.size() ? 1 : 0);
}

// ---- Composer -------------------------------------------------------------------------------------------------------
// composer/semver: VersionParser::normalize() turns what a user or a lock file writes into a canonical form, and
// Comparator compares two normalised versions with PHP's version_compare(). Dev branches ("dev-main") have no order.

std::string LowerString(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = Lower(c);
  }
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != Lower(prefix[i])) {
      return false;
    }
  }
  return true;
}

// VersionParser::expandStability.
std::string ExpandStability(std::string_view word) {
  std::string lower = LowerString(word);
  if (lower == "a") {
    return "alpha";
  }
  if (lower == "b") {
    return "beta";
  }
  if (lower == "p" || lower == "pl") {
    return "patch";
  }
  if (lower == "rc") {
    return "RC";
  }
  return lower;
}

// The modifier of VersionParser::$modifierRegex, anchored at the end of the string:
//   [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$   (case-insensitive)
// Fills the stability word, its numbers and whether "dev" follows; false when `rest` is not such a modifier.
struct Modifier {
  std::string_view stability;
  std::string_view numbers;
  bool dev = false;
};

// ([.-]?dev)?$ at `rest`.
bool MatchDevTail(std::string_view rest, Modifier* m) {
  if (rest.empty()) {
    return true;
  }
  if (rest.front() == '.' || rest.front() == '-') {
    rest.remove_prefix(1);
  }
  if (rest.size() == 3 && StartsWithNoCase(rest, "dev")) {
    m->dev = true;
    return true;
  }
  return false;
}

bool MatchModifier(std::string_view rest, Modifier* m) {
  // Backtracking order of the regex: the separator consumed before not, each stability word in the order listed,
  // then no word at all.
  for (int consume = 1; consume >= 0; --consume) {
    std::string_view r = rest;
    if (consume) {
      if (r.empty() || (r.front() != '.' && r.front() != '_' && r.front() != '-')) {
        continue;
      }
      r.remove_prefix(1);
    }
    static constexpr std::string_view kWords[] = {"stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p"};
    for (std::string_view word : kWords) {
      if (!StartsWithNoCase(r, word)) {
        continue;
      }
      std::string_view after = r.substr(word.size());
      // ((?:[.-]?\d+)*+): possessive, so every repetition is taken.
      std::size_t k = 0;
      while (true) {
        std::size_t j = k;
        if (j < after.size() && (after[j] == '.' || after[j] == '-')) {
          ++j;
        }
        std::size_t digits = j;
        while (digits < after.size() && IsDigit(after[digits])) {
          ++digits;
        }
        if (digits == j) {
          break;
        }
        k = digits;
      }
      Modifier candidate;
      candidate.stability = r.substr(0, word.size());
      candidate.numbers = after.substr(0, k);
      if (MatchDevTail(after.substr(k), &candidate)) {
        *m = candidate;
        return true;
      }
    }
    Modifier candidate;
    if (MatchDevTail(r, &candidate)) {
      *m = candidate;
      return true;
    }
  }
  return false;
}

// Appends the modifier as normalize() does; returns false for "stable" (the version stands alone).
void AppendModifier(const Modifier& m, std::string* version) {
  if (!m.stability.empty()) {
    if (m.stability == "stable") {
      return;  // case-sensitive in composer/semver, as here
    }
    std::string_view numbers = m.numbers;
    while (!numbers.empty() && (numbers.front() == '.' || numbers.front() == '-')) {
      numbers.remove_prefix(1);
    }
    *version += "-" + ExpandStability(m.stability) + std::string(numbers);
  }
  if (m.dev) {
    *version += "-dev";
  }
}

// normalizeBranch for the part before "-dev": v?N(.N|.x|.*){0,3} -> N.N.N.N with x = 9999999, plus "-dev".
bool NormalizeBranch(std::string_view name, std::string* out) {
  if (!name.empty() && (name.front() == 'v' || name.front() == 'V')) {
    name.remove_prefix(1);
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view part = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (parts.empty()) {
      if (!AllDigits(part)) {
        return false;
      }
    } else if (!AllDigits(part) && part != "x" && part != "X" && part != "*") {
      return false;
    }
    parts.emplace_back(part);
    if (parts.size() > 4) {
      return false;
    }
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  std::string version;
  for (std::size_t i = 0; i < 4; ++i) {
    std::string part = i < parts.size() ? parts[i] : "x";
    if (part == "x" || part == "X" || part == "*") {
      part = "9999999";
    }
    version += (i == 0 ? "" : ".") + part;
  }
  *out = version + "-dev";
  return true;
}

// Digits starting at `s[i]`, at most `max` of them (0 = any); returns the count.
std::size_t CountDigits(std::string_view s, std::size_t i, std::size_t max) {
  std::size_t n = 0;
  while (i + n < s.size() && IsDigit(s[i + n]) && (max == 0 || n < max)) {
    ++n;
  }
  return n;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\0';
}

}  // namespace

// VersionParser::normalize (composer/semver 3.x); nullopt where it throws "Invalid version string".
std::optional<std::string> NormalizeComposer(std::string_view version) {
  while (!version.empty() && IsSpace(version.front())) {
    version.remove_prefix(1);
  }
  while (!version.empty() && IsSpace(version.back())) {
    version.remove_suffix(1);
  }
  // "1.0 as 2.0" aliases: the part before " as ".
  if (std::size_t as = version.find(" as "); as != std::string_view::npos) {
    std::string_view left = version.substr(0, as);
    std::string_view right = version.substr(as + 4);
    while (!right.empty() && right.front() == ' ') {
      right.remove_prefix(1);
    }
    while (!left.empty() && left.back() == ' ') {
      left.remove_suffix(1);
    }
    bool plain = !left.empty() && !right.empty() && left.find_first_of(", \t") == std::string_view::npos &&
                 right.find_first_of(", \t") == std::string_view::npos;
    if (plain) {
      version = left;
    }
  }
  // A trailing stability flag ("@dev", "@stable").
  if (std::size_t at = version.rfind('@'); at != std::string_view::npos) {
    std::string flag = LowerString(version.substr(at + 1));
    if (flag == "stable" || flag == "rc" || flag == "beta" || flag == "alpha" || flag == "dev") {
      version = version.substr(0, at);
    }
  }
  if (version == "master" || version == "trunk" || version == "default") {
    return "dev-" + std::string(version);
  }
  if (StartsWithNoCase(version, "dev-")) {
    return "dev-" + std::string(version.substr(4));
  }
  // Build metadata: ^([^,\s+]++)\+[^\s]++$
  if (std::size_t plus = version.find('+'); plus != std::string_view::npos && plus > 0) {
    std::string_view head = version.substr(0, plus), tail = version.substr(plus + 1);
    bool ok = !tail.empty() && head.find_first_of(", \t\n\r\v\f") == std::string_view::npos &&
              tail.find_first_of(" \t\n\r\v\f") == std::string_view::npos;
    if (ok) {
      version = head;
    }
  }
  std::string_view body = version;
  if (!body.empty() && (body.front() == 'v' || body.front() == 'V')) {
    body.remove_prefix(1);
  }
  // Classical: (\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)? + modifier. Fewer than all of a longer digit run never leaves a
  // tail the modifier accepts, so the first run must be 1 to 5 digits long.
  if (std::size_t first = CountDigits(body, 0, 6); first > 0 && first <= 5) {
    std::string normalized(body.substr(0, first));
    std::size_t i = first;
    int parts = 1;
    while (parts < 4 && i + 1 < body.size() && body[i] == '.' && IsDigit(body[i + 1])) {
      std::size_t n = CountDigits(body, i + 1, 0);
      normalized += body.substr(i, n + 1);
      i += n + 1;
      ++parts;
    }
    for (; parts < 4; ++parts) {
      normalized += ".0";
    }
    Modifier m;
    if (MatchModifier(body.substr(i), &m)) {
      AppendModifier(m, &normalized);
      return normalized;
    }
  }
  // Date based: (\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?) + modifier; non-digits become dots. The groups
  // are greedy with backtracking, so try every split of the tail between the date and the modifier.
  if (CountDigits(body, 0, 4) == 4) {
    // Walk the longest date prefix the grammar allows, remembering every end position it could stop at.
    struct State {
      std::size_t pos;
      int pairs;
      int triples;
    };
    std::vector<State> frontier = {{4, 0, 0}};
    std::vector<std::size_t> ends;
    while (!frontier.empty()) {
      State s = frontier.back();
      frontier.pop_back();
      if (s.pairs >= 1) {
        ends.push_back(s.pos);
      }
      for (int sep = 0; sep <= 1; ++sep) {
        std::size_t p = s.pos;
        if (sep) {
          if (p >= body.size() || (body[p] != '.' && body[p] != ':' && body[p] != '-')) {
            continue;
          }
          ++p;
        }
        if (s.triples == 0 && s.pairs < 6 && CountDigits(body, p, 2) == 2) {
          frontier.push_back({p + 2, s.pairs + 1, 0});
        }
        if (s.pairs >= 1 && s.triples < 1) {
          for (std::size_t n = 1; n <= 3; ++n) {
            if (CountDigits(body, p, n) == n) {
              frontier.push_back({p + n, s.pairs, s.triples + 1});
            }
          }
        }
      }
    }
    std::sort(ends.begin(), ends.end(), std::greater<>());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    for (std::size_t end : ends) {
      Modifier m;
      if (!MatchModifier(body.substr(end), &m)) {
        continue;
      }
      std::string normalized(body.substr(0, end));
      for (char& c : normalized) {
        if (!IsDigit(c)) {
          c = '.';
        }
      }
      AppendModifier(m, &normalized);
      return normalized;
    }
  }
  // Numeric dev branches: (.*?)[.-]?dev$ -> normalizeBranch; the lazy group leaves a separator to [.-]?.
  if (version.size() >= 3 && StartsWithNoCase(version.substr(version.size() - 3), "dev")) {
    std::string_view name = version.substr(0, version.size() - 3);
    if (!name.empty() && (name.back() == '.' || name.back() == '-')) {
      name.remove_suffix(1);
    }
    while (!name.empty() && IsSpace(name.front())) {
      name.remove_prefix(1);
    }
    while (!name.empty() && IsSpace(name.back())) {
      name.remove_suffix(1);
    }
    std::string normalized;
    if (NormalizeBranch(name, &normalized)) {
      return normalized;
    }
  }
  return std::nullopt;
}

namespace {

// PHP's version_compare() (ext/standard/versioning.c): canonicalise ("-", "_", "+" and other non-alphanumerics become
// ".", and a "." goes between digits and non-digits), then compare dot-separated parts: numbers numerically,
// words by their special-form order (any other word < dev < alpha = a < beta = b < RC = rc < number < pl = p, by
// prefix), a number against a word as "#" against it; when one side runs out, a remaining number makes it greater
// and a remaining word is compared with "#".
std::string PhpCanonicalize(std::string_view v) {
  std::string out;
  if (v.empty()) {
    return out;
  }
  auto is_digit = [](char c) { return IsDigit(c); };
  auto is_non_digit = [](char c) { return !IsDigit(c) && c != '.'; };
  out.push_back(v[0]);
  char previous = v[0];
  for (std::size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    char last = out.back();
    // The first and third branches do the same, but the middle one must be tried between them, as in PHP.
    if (c == '-' || c == '_' || c == '+') {  // NOLINT(bugprone-branch-clone)
      if (last != '.') {
        out.push_back('.');
      }
    } else if ((is_non_digit(previous) && is_digit(c)) || (is_digit(previous) && is_non_digit(c))) {
      if (last != '.') {
        out.push_back('.');
      }
      out.push_back(c);
    } else if (!IsDigit(c) && !IsAlpha(c)) {
      if (last != '.') {
        out.push_back('.');
      }
    } else {
      out.push_back(c);
    }
    previous = c;
  }
  return out;
}

int SpecialFormOrder(std::string_view form) {
  static constexpr std::pair<std::string_view, int> kForms[] = {
      {"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5}};
  for (const auto& [name, order] : kForms) {
    if (form.substr(0, name.size()) == name) {
      return order;
    }
  }
  return -1;
}

// strtol on a part that starts with a digit (the canonical form makes it all digits), saturating as strtol does.
std::int64_t PartNumber(std::string_view part) {
  std::int64_t value = 0;
  for (char c : part) {
    if (!IsDigit(c)) {
      break;
    }
    const int digit = c - '0';
    if (value > (INT64_MAX - digit) / 10) {
      return INT64_MAX;
    }
    value = value * 10 + digit;
  }
  return value;
}

int ComparePart(std::string_view p1, std::string_view p2) {
  const bool d1 = !p1.empty() && IsDigit(p1[0]);
  const bool d2 = !p2.empty() && IsDigit(p2[0]);
  int order = 0;
  if (d1 && d2) {
    std::int64_t l1 = PartNumber(p1), l2 = PartNumber(p2);
    return l1 < l2 ? -1 : (l1 > l2 ? 1 : 0);
  }
  if (!d1 && !d2) {
    order = SpecialFormOrder(p1) - SpecialFormOrder(p2);
  } else if (d1) {
    order = SpecialFormOrder("#N#") - SpecialFormOrder(p2);
  } else {
    order = SpecialFormOrder(p1) - SpecialFormOrder("#N#");
  }
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

}  // namespace

int PhpVersionCompare(std::string_view orig1, std::string_view orig2) {
  if (orig1.empty() || orig2.empty()) {
    return orig1.empty() == orig2.empty() ? 0 : (orig1.empty() ? -1 : 1);
  }
  // "#N#" (the stand-in for a number) is never canonicalised.
  const std::string v1 = orig1.front() == '#' ? std::string(orig1) : PhpCanonicalize(orig1);
  const std::string v2 = orig2.front() == '#' ? std::string(orig2) : PhpCanonicalize(orig2);
  std::size_t p1 = 0, p2 = 0;
  bool more1 = true, more2 = true;  // n1/n2 != NULL in the C code
  int compare = 0;
  while (p1 < v1.size() && p2 < v2.size() && more1 && more2) {
    std::size_t n1 = v1.find('.', p1), n2 = v2.find('.', p2);
    more1 = n1 != std::string::npos;
    more2 = n2 != std::string::npos;
    compare = ComparePart(std::string_view(v1).substr(p1, more1 ? n1 - p1 : std::string::npos),
                          std::string_view(v2).substr(p2, more2 ? n2 - p2 : std::string::npos));
    if (compare != 0) {
      break;
    }
    if (more1) {
      p1 = n1 + 1;
    }
    if (more2) {
      p2 = n2 + 1;
    }
  }
  if (compare == 0) {
    if (more1) {
      std::string_view rest = std::string_view(v1).substr(p1);
      compare = (!rest.empty() && IsDigit(rest[0])) ? 1 : PhpVersionCompare(rest, "#N#");
    } else if (more2) {
      std::string_view rest = std::string_view(v2).substr(p2);
      compare = (!rest.empty() && IsDigit(rest[0])) ? -1 : PhpVersionCompare("#N#", rest);
    }
  }
  return compare;
}

Result<int> CompareNuGet(std::string_view a, std::string_view b) {
  NuGetVersion va, vb;
  if (!ParseNuGet(a, &va)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid NuGet version '{}'", a);
  }
  if (!ParseNuGet(b, &vb)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid NuGet version '{}'", b);
  }
  return CompareNuGetParsed(va, vb);
}

Result<int> CompareComposer(std::string_view a, std::string_view b) {
  auto na = NormalizeComposer(a);
  if (!na) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Composer version '{}'", a);
  }
  auto nb = NormalizeComposer(b);
  if (!nb) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Composer version '{}'", b);
  }
  // Comparator orders a dev branch ("dev-main") against nothing: it is no version.
  const bool branch_a = na->starts_with("dev-");
  if (branch_a || nb->starts_with("dev-")) {
    return MakeError(ErrorCode::kInvalidArgument, "Composer dev branch '{}' has no version order", branch_a ? a : b);
  }
  return PhpVersionCompare(*na, *nb);
}

}  // namespace customs::version::internal
