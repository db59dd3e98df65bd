// PEP 440 (https://peps.python.org/pep-0440/): parsing with the spec's normalisation rules, ordering as
// the spec's "summary of permitted suffixes and relative ordering" (the key `packaging` builds).
#include <cctype>
#include <string_view>
#include <vector>

#include "version/schemes.h"

namespace customs::version::internal {
namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline char Lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
inline bool IsAlnumLower(char c) {
  return IsDigit(c) || (Lower(c) >= 'a' && Lower(c) <= 'z');
}

struct Pep440 {
  std::string_view epoch = "0";
  std::vector<std::string_view> release;
  int pre_kind = -1;  // -1 none, 0 a, 1 b, 2 rc
  std::string_view pre_num;
  bool has_post = false;
  std::string_view post_num;
  bool has_dev = false;
  std::string_view dev_num;
  bool has_local = false;
  std::vector<std::string_view> local;
};

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  size_t pos() const { return i_; }
  void Seek(size_t p) { i_ = p; }
  std::string_view Digits() {
    size_t st = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) {
      ++i_;
    }
    return s_.substr(st, i_ - st);
  }
  bool Word(std::string_view w) {
    if (s_.size() - i_ < w.size()) {
      return false;
    }
    for (size_t k = 0; k < w.size(); ++k) {
      if (Lower(s_[i_ + k]) != w[k]) {
        return false;
      }
    }
    i_ += w.size();
    return true;
  }
  bool Sep() {
    if (Peek() == '-' || Peek() == '_' || Peek() == '.') {
      ++i_;
      return true;
    }
    return false;
  }
  std::string_view Rest() const { return s_.substr(i_); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool ParsePep440(std::string_view s, Pep440* out) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  Scanner sc(s);
  if (sc.Peek() == 'v' || sc.Peek() == 'V') {
    sc.Seek(1);
  }
  size_t start = sc.pos();
  std::string_view first = sc.Digits();
  if (first.empty()) {
    return false;
  }
  if (sc.Peek() == '!') {
    out->epoch = first;
    sc.Seek(sc.pos() + 1);
    start = sc.pos();
    first = sc.Digits();
    if (first.empty()) {
      return false;
    }
  }
  (void)start;
  out->release.push_back(first);
  while (sc.Peek() == '.' && IsDigit(sc.Peek(1))) {
    sc.Seek(sc.pos() + 1);
    out->release.push_back(sc.Digits());
  }
  // Pre-release.
  {
    const size_t save = sc.pos();
    sc.Sep();
    static constexpr struct {
      std::string_view word;
      int kind;
    } kPre[] = {{"alpha", 0}, {"beta", 1}, {"preview", 2}, {"pre", 2}, {"rc", 2}, {"a", 0}, {"b", 1}, {"c", 2}};
    bool found = false;
    for (const auto& p : kPre) {
      if (sc.Word(p.word)) {
        out->pre_kind = p.kind;
        found = true;
        break;
      }
    }
    if (found) {
      const size_t after = sc.pos();
      sc.Sep();
      std::string_view n = sc.Digits();
      if (n.empty()) {
        sc.Seek(after);
        out->pre_num = "0";
      } else {
        out->pre_num = n;
      }
    } else {
      sc.Seek(save);
    }
  }
  // Post-release.
  {
    const size_t save = sc.pos();
    if (sc.Peek() == '-' && IsDigit(sc.Peek(1))) {
      sc.Seek(sc.pos() + 1);
      out->has_post = true;
      out->post_num = sc.Digits();
    } else {
      sc.Sep();
      if (sc.Word("post") || sc.Word("rev") || sc.Word("r")) {
        out->has_post = true;
        const size_t after = sc.pos();
        sc.Sep();
        std::string_view n = sc.Digits();
        if (n.empty()) {
          sc.Seek(after);
          out->post_num = "0";
        } else {
          out->post_num = n;
        }
      } else {
        sc.Seek(save);
      }
    }
  }
  // Dev release.
  {
    const size_t save = sc.pos();
    sc.Sep();
    if (sc.Word("dev")) {
      out->has_dev = true;
      const size_t after = sc.pos();
      sc.Sep();
      std::string_view n = sc.Digits();
      if (n.empty()) {
        sc.Seek(after);
        out->dev_num = "0";
      } else {
        out->dev_num = n;
      }
    } else {
      sc.Seek(save);
    }
  }
  // Local version.
  if (sc.Peek() == '+') {
    sc.Seek(sc.pos() + 1);
    std::string_view rest = sc.Rest();
    if (rest.empty()) {
      return false;
    }
    size_t st = 0;
    for (size_t k = 0; k <= rest.size(); ++k) {
      if (k == rest.size() || rest[k] == '.' || rest[k] == '-' || rest[k] == '_') {
        if (k == st) {
          return false;
        }
        out->local.push_back(rest.substr(st, k - st));
        st = k + 1;
      } else if (!IsAlnumLower(rest[k])) {
        return false;
      }
    }
    out->has_local = true;
    return true;
  }
  return sc.AtEnd();
}

int Sign(int c) {
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareRelease(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const size_t n = std::max(a.size(), b.size());
  for (size_t k = 0; k < n; ++k) {
    std::string_view x = k < a.size() ? a[k] : std::string_view("0");
    std::string_view y = k < b.size() ? b[k] : std::string_view("0");
    if (int c = CompareDigitRuns(x, y); c != 0) {
      return c;
    }
  }
  return 0;
}

int CompareLocalSegment(std::string_view x, std::string_view y) {
  bool xn = true, yn = true;
  for (char c : x) {
    xn = xn && IsDigit(c);
  }
  for (char c : y) {
    yn = yn && IsDigit(c);
  }
  if (xn && yn) {
    return CompareDigitRuns(x, y);
  }
  if (xn != yn) {
    return xn ? 1 : -1;  // numeric segments sort after alphanumeric ones
  }
  const size_t n = std::min(x.size(), y.size());
  for (size_t k = 0; k < n; ++k) {
    const char a = Lower(x[k]), b = Lower(y[k]);
    if (a != b) {
      return a < b ? -1 : 1;
    }
  }
  return x.size() == y.size() ? 0 : (x.size() < y.size() ? -1 : 1);
}

int ComparePep(const Pep440& a, const Pep440& b) {
  if (int c = CompareDigitRuns(a.epoch, b.epoch); c != 0) {
    return c;
  }
  if (int c = CompareRelease(a.release, b.release); c != 0) {
    return c;
  }
  // Pre: dev-only releases (no pre, no post) sort before any pre-release; final releases after.
  auto pre_rank = [](const Pep440& v) {
    if (v.pre_kind < 0 && !v.has_post && v.has_dev) {
      return -1;
    }
    if (v.pre_kind < 0) {
      return 3;
    }
    return v.pre_kind;
  };
  const int pa = pre_rank(a), pb = pre_rank(b);
  if (pa != pb) {
    return pa < pb ? -1 : 1;
  }
  if (a.pre_kind >= 0) {
    if (int c = CompareDigitRuns(a.pre_num, b.pre_num); c != 0) {
      return c;
    }
  }
  if (a.has_post != b.has_post) {
    return a.has_post ? 1 : -1;
  }
  if (a.has_post) {
    if (int c = CompareDigitRuns(a.post_num, b.post_num); c != 0) {
      return c;
    }
  }
  if (a.has_dev != b.has_dev) {
    return a.has_dev ? -1 : 1;
  }
  if (a.has_dev) {
    if (int c = CompareDigitRuns(a.dev_num, b.dev_num); c != 0) {
      return c;
    }
  }
  if (a.has_local != b.has_local) {
    return a.has_local ? 1 : -1;
  }
  const size_t n = std::min(a.local.size(), b.local.size());
  for (size_t k = 0; k < n; ++k) {
    if (int c = CompareLocalSegment(a.local[k], b.local[k]); c != 0) {
      return c;
    }
  }
  return a.local.size() == b.local.size() ? 0 : (a.local.size() < b.local.size() ? -1 : 1);
}

}  // namespace

Result<int> ComparePep440(std::string_view a, std::string_view b) {
  Pep440 va, vb;
  if (!ParsePep440(a, &va)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid PEP 440 version '{}'", a);
  }
  if (!ParsePep440(b, &vb)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid PEP 440 version '{}'", b);
  }
  return Sign(ComparePep(va, vb));
}

}  // namespace customs::version::internal
