// dpkg version comparison, Debian Policy 5.6.12: [epoch:]upstream[-revision]. Non-digit runs compare character by
// character with '~' before everything (even the end), letters before non-letters; digit runs compare numerically
// (by length after stripping leading zeros, then lexically, so runs longer than 64 bits compare exactly).
// No allocation per comparison.
#include <string_view>

namespace customs::version {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int Order(int c) {
  if (c == 0) return 0;
  if (IsDigit(static_cast<char>(c))) return 0;
  if (IsAlpha(static_cast<char>(c))) return c;
  if (c == '~') return -1;
  return c + 256;
}

int ComparePart(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int ac = i < a.size() ? Order(static_cast<unsigned char>(a[i])) : 0;
      int bc = j < b.size() ? Order(static_cast<unsigned char>(b[j])) : 0;
      if (ac != bc) return ac < bc ? -1 : 1;
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    std::size_t ai = i, bj = j;
    while (i < a.size() && IsDigit(a[i])) ++i;
    while (j < b.size() && IsDigit(b[j])) ++j;
    std::size_t alen = i - ai, blen = j - bj;
    if (alen != blen) return alen < blen ? -1 : 1;
    for (std::size_t k = 0; k < alen; ++k) {
      if (a[ai + k] != b[bj + k]) {
        first_diff = a[ai + k] < b[bj + k] ? -1 : 1;
        break;
      }
    }
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

struct Parts {
  unsigned long long epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

Parts Split(std::string_view v) {
  Parts p;
  std::size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    for (char c : v.substr(0, colon)) p.epoch = p.epoch * 10 + static_cast<unsigned>(c - '0');
    v.remove_prefix(colon + 1);
  }
  std::size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    p.upstream = v.substr(0, dash);
    p.revision = v.substr(dash + 1);
  } else {
    p.upstream = v;
  }
  return p;
}

}  // namespace

// dpkg's parseversion rules: a non-empty upstream starting with a digit, a numeric epoch (no overflow), and only
// allowed characters.
bool ValidDpkgVersion(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n') return false;
  }
  std::size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    std::string_view epoch = v.substr(0, colon);
    if (epoch.empty() || epoch.size() > 9) return false;
    for (char c : epoch) {
      if (!IsDigit(c)) return false;
    }
    v.remove_prefix(colon + 1);
  }
  std::size_t dash = v.rfind('-');
  std::string_view upstream = dash == std::string_view::npos ? v : v.substr(0, dash);
  std::string_view revision = dash == std::string_view::npos ? std::string_view() : v.substr(dash + 1);
  if (upstream.empty() || !IsDigit(upstream[0])) return false;
  if (dash != std::string_view::npos && revision.empty()) return false;
  for (char c : upstream) {
    if (!(IsDigit(c) || IsAlpha(c) || c == '.' || c == '-' || c == '+' || c == '~' || c == ':')) return false;
  }
  for (char c : revision) {
    if (!(IsDigit(c) || IsAlpha(c) || c == '.' || c == '+' || c == '~')) return false;
  }
  return true;
}

int CompareDpkgUnchecked(std::string_view a, std::string_view b) {
  Parts pa = Split(a), pb = Split(b);
  if (pa.epoch != pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  if (int c = ComparePart(pa.upstream, pb.upstream); c != 0) return c;
  return ComparePart(pa.revision, pb.revision);
}

}  // namespace customs::version
