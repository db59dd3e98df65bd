// Maven ComparableVersion (maven-artifact 3.x) and RubyGems Gem::Version ordering.
#include <cctype>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "version/schemes.h"

namespace customs::version::internal {
namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
int Sign(int c) {
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// ---- Maven ----

struct MavenItem {
  enum class Kind { kInt, kString, kList };
  Kind kind = Kind::kList;
  std::string value;  // kInt: digits without leading zeros ("" == 0); kString: the (aliased) qualifier
  std::vector<std::unique_ptr<MavenItem>> items;

  // 0, "" (release) and the empty list are "null" items that normalisation drops from the end of a list.
  bool IsNull() const { return kind == Kind::kList ? items.empty() : value.empty(); }
};

// Qualifier order: alpha < beta < milestone < rc < snapshot < "" (release) < sp < anything else (lexically).
std::string ComparableQualifier(const std::string& q) {
  static constexpr std::string_view kQualifiers[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
  for (size_t k = 0; k < std::size(kQualifiers); ++k) {
    if (q == kQualifiers[k]) {
      return std::to_string(k);
    }
  }
  return std::to_string(std::size(kQualifiers)) + "-" + q;
}

std::unique_ptr<MavenItem> MakeString(std::string v, bool followed_by_digit) {
  if (followed_by_digit && v.size() == 1) {
    if (v == "a") {
      v = "alpha";
    } else if (v == "b") {
      v = "beta";
    } else if (v == "m") {
      v = "milestone";
    }
  }
  if (v == "ga" || v == "final" || v == "release") {
    v = "";
  } else if (v == "cr") {
    v = "rc";
  }
  auto item = std::make_unique<MavenItem>();
  item->kind = MavenItem::Kind::kString;
  item->value = std::move(v);
  return item;
}

std::unique_ptr<MavenItem> MakeItem(bool is_digit, std::string_view buf) {
  if (is_digit) {
    while (!buf.empty() && buf.front() == '0') {
      buf.remove_prefix(1);
    }
    auto item = std::make_unique<MavenItem>();
    item->kind = MavenItem::Kind::kInt;
    item->value = std::string(buf);
    return item;
  }
  return MakeString(std::string(buf), false);
}

int CompareItem(const MavenItem* a, const MavenItem* b);

// a.compareTo(null)
int CompareToNull(const MavenItem* a) {
  switch (a->kind) {
    case MavenItem::Kind::kInt: return a->value.empty() ? 0 : 1;
    case MavenItem::Kind::kString: return Sign(ComparableQualifier(a->value).compare("5"));
    case MavenItem::Kind::kList: return a->items.empty() ? 0 : CompareToNull(a->items.front().get());
  }
  return 0;
}

int CompareItem(const MavenItem* a, const MavenItem* b) {
  if (b == nullptr) {
    return CompareToNull(a);
  }
  using K = MavenItem::Kind;
  switch (a->kind) {
    case K::kInt:
      if (b->kind == K::kInt) {
        return CompareDigitRuns(a->value, b->value);
      }
      return 1;  // int > string, int > list
    case K::kString:
      if (b->kind == K::kInt) {
        return -1;
      }
      if (b->kind == K::kString) {
        return Sign(ComparableQualifier(a->value).compare(ComparableQualifier(b->value)));
      }
      return -1;  // string < list
    case K::kList: {
      if (b->kind == K::kInt) {
        return -1;
      }
      if (b->kind == K::kString) {
        return 1;
      }
      const size_t n = std::max(a->items.size(), b->items.size());
      for (size_t k = 0; k < n; ++k) {
        const MavenItem* l = k < a->items.size() ? a->items[k].get() : nullptr;
        const MavenItem* r = k < b->items.size() ? b->items[k].get() : nullptr;
        int result = l == nullptr ? (r == nullptr ? 0 : -CompareToNull(r)) : CompareItem(l, r);
        if (result != 0) {
          return result;
        }
      }
      return 0;
    }
  }
  return 0;
}

void Normalize(MavenItem* list) {
  for (size_t k = list->items.size(); k-- > 0;) {
    MavenItem* last = list->items[k].get();
    if (last->IsNull()) {
      list->items.erase(list->items.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (last->kind != MavenItem::Kind::kList) {
      break;
    }
  }
}

MavenItem* AddList(MavenItem* list, std::vector<MavenItem*>* stack) {
  auto child = std::make_unique<MavenItem>();
  MavenItem* raw = child.get();
  list->items.push_back(std::move(child));
  stack->push_back(raw);
  return raw;
}

std::unique_ptr<MavenItem> ParseMaven(std::string_view input) {
  std::string version(input);
  for (char& c : version) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto root = std::make_unique<MavenItem>();
  MavenItem* list = root.get();
  std::vector<MavenItem*> stack{list};
  bool is_digit = false;
  size_t start = 0;
  auto zero = [] {
    auto z = std::make_unique<MavenItem>();
    z->kind = MavenItem::Kind::kInt;
    return z;
  };
  for (size_t i = 0; i < version.size(); ++i) {
    const char c = version[i];
    if (c == '.' || c == '-') {
      if (i == start) {
        list->items.push_back(zero());
      } else {
        list->items.push_back(MakeItem(is_digit, std::string_view(version).substr(start, i - start)));
      }
      start = i + 1;
      if (c == '-') {
        list = AddList(list, &stack);
      }
    } else if (IsDigit(c)) {
      if (!is_digit && i > start) {
        // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X.
        if (!list->items.empty()) {
          list = AddList(list, &stack);
        }
        list->items.push_back(MakeString(version.substr(start, i - start), true));
        start = i;
        list = AddList(list, &stack);
      }
      is_digit = true;
    } else {
      if (is_digit && i > start) {
        list->items.push_back(MakeItem(true, std::string_view(version).substr(start, i - start)));
        start = i;
        list = AddList(list, &stack);
      }
      is_digit = false;
    }
  }
  if (version.size() > start) {
    if (!is_digit && !list->items.empty()) {
      list = AddList(list, &stack);
    }
    list->items.push_back(MakeItem(is_digit, std::string_view(version).substr(start)));
  }
  while (!stack.empty()) {
    Normalize(stack.back());
    stack.pop_back();
  }
  return root;
}

bool MavenValid(std::string_view v) {
  if (v.empty() || v.size() > 4096) {
    return false;
  }
  for (char c : v) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return false;
    }
  }
  return true;
}

// ---- RubyGems ----

struct GemSegment {
  bool numeric;
  std::string_view text;  // digits (numeric) or letters
};

// Gem::Version::ANCHORED_VERSION_PATTERN: \s*([0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*
bool GemValid(std::string_view s) {
  size_t i = 0;
  auto alnum = [](char c) { return IsDigit(c) || std::isalpha(static_cast<unsigned char>(c)); };
  if (s.empty() || !IsDigit(s[0])) {
    return false;
  }
  while (i < s.size() && IsDigit(s[i])) {
    ++i;
  }
  while (i < s.size() && s[i] == '.') {
    ++i;
    const size_t st = i;
    while (i < s.size() && alnum(s[i])) {
      ++i;
    }
    if (i == st) {
      return false;
    }
  }
  if (i < s.size() && s[i] == '-') {
    do {
      ++i;
      const size_t st = i;
      while (i < s.size() && (alnum(s[i]) || s[i] == '-')) {
        ++i;
      }
      if (i == st) {
        return false;
      }
    } while (i < s.size() && s[i] == '.');
  }
  return i == s.size();
}

// Segments of the version with "-" read as ".pre." and trailing zeros dropped from the numeric part and from
// the string part (Gem::Version#canonical_segments).
std::vector<GemSegment> GemCanonical(std::string_view s) {
  std::vector<GemSegment> segs;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '-') {
      segs.push_back({false, "pre"});
      ++i;
    } else if (IsDigit(s[i])) {
      const size_t st = i;
      while (i < s.size() && IsDigit(s[i])) {
        ++i;
      }
      segs.push_back({true, s.substr(st, i - st)});
    } else if (std::isalpha(static_cast<unsigned char>(s[i]))) {
      const size_t st = i;
      while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) {
        ++i;
      }
      segs.push_back({false, s.substr(st, i - st)});
    } else {
      ++i;
    }
  }
  size_t string_start = segs.size();
  for (size_t k = 0; k < segs.size(); ++k) {
    if (!segs[k].numeric) {
      string_start = k;
      break;
    }
  }
  auto is_zero = [](const GemSegment& g) {
    if (!g.numeric) {
      return false;
    }
    for (char c : g.text) {
      if (c != '0') {
        return false;
      }
    }
    return true;
  };
  std::vector<GemSegment> numeric(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(string_start));
  std::vector<GemSegment> strings(segs.begin() + static_cast<std::ptrdiff_t>(string_start), segs.end());
  while (!numeric.empty() && is_zero(numeric.back())) {
    numeric.pop_back();
  }
  while (!strings.empty() && is_zero(strings.back())) {
    strings.pop_back();
  }
  numeric.insert(numeric.end(), strings.begin(), strings.end());
  return numeric;
}

}  // namespace

Result<int> CompareMaven(std::string_view a, std::string_view b) {
  if (!MavenValid(a)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Maven version '{}'", a);
  }
  if (!MavenValid(b)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Maven version '{}'", b);
  }
  auto ia = ParseMaven(a), ib = ParseMaven(b);
  return Sign(CompareItem(ia.get(), ib.get()));
}

Result<int> CompareGem(std::string_view a, std::string_view b) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    }
    return s;
  };
  a = trim(a);
  b = trim(b);
  if (!GemValid(a)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid RubyGems version '{}'", a);
  }
  if (!GemValid(b)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid RubyGems version '{}'", b);
  }
  if (a == b) {
    return 0;
  }
  const auto sa = GemCanonical(a), sb = GemCanonical(b);
  const size_t n = std::max(sa.size(), sb.size());
  static const GemSegment kZero{true, "0"};
  for (size_t k = 0; k < n; ++k) {
    const GemSegment& l = k < sa.size() ? sa[k] : kZero;
    const GemSegment& r = k < sb.size() ? sb[k] : kZero;
    if (l.numeric && r.numeric) {
      if (int c = CompareDigitRuns(l.text, r.text); c != 0) {
        return c;
      }
    } else if (!l.numeric && r.numeric) {
      return -1;
    } else if (l.numeric && !r.numeric) {
      return 1;
    } else if (int c = l.text.compare(r.text); c != 0) {
      return Sign(c);
    }
  }
  return 0;
}

}  // namespace customs::version::internal
