// dpkg, rpm and apk comparators: allocation-free, working on string_views of the input.
#include <cstdint>
#include <string_view>

#include "version/schemes.h"

namespace customs::version::internal {
namespace {

constexpr bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool IsAlnum(char c) {
  return IsDigit(c) || IsAlpha(c);
}

// ---- dpkg (lib/dpkg/version.c, parseversion.c; Debian Policy 5.6.12) ----

struct DebVersion {
  uint32_t epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

// Character classes and sort weights as lookup tables: the hot path does one load per character.
struct DebTables {
  int16_t order[256];  // dpkg's order(): digits 0, letters themselves, '~' -1, others c + 256
  bool digit[256];
  bool upstream_ok[256];  // [A-Za-z0-9.+~:-]
  bool revision_ok[256];  // [A-Za-z0-9.+~]
};

constexpr DebTables MakeDebTables() {
  DebTables t{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    t.digit[c] = IsDigit(ch);
    if (IsDigit(ch)) {
      t.order[c] = 0;
    } else if (IsAlpha(ch)) {
      t.order[c] = static_cast<int16_t>(c);
    } else if (ch == '~') {
      t.order[c] = -1;
    } else {
      t.order[c] = static_cast<int16_t>(c + 256);
    }
    t.revision_ok[c] = IsAlnum(ch) || ch == '.' || ch == '+' || ch == '~';
    t.upstream_ok[c] = t.revision_ok[c] || ch == '-' || ch == ':';
  }
  return t;
}
constexpr DebTables kDeb = MakeDebTables();

inline unsigned char U(char c) {
  return static_cast<unsigned char>(c);
}

int DebVerRevCmp(std::string_view a, std::string_view b) {
  const char* pa = a.data();
  const char* pb = b.data();
  const char* const ea = pa + a.size();
  const char* const eb = pb + b.size();
  while (pa != ea || pb != eb) {
    int first_diff = 0;
    while ((pa != ea && !kDeb.digit[U(*pa)]) || (pb != eb && !kDeb.digit[U(*pb)])) {
      const int ac = pa != ea ? kDeb.order[U(*pa)] : 0;
      const int bc = pb != eb ? kDeb.order[U(*pb)] : 0;
      if (ac != bc) {
        return ac - bc;
      }
      ++pa;
      ++pb;
    }
    while (pa != ea && *pa == '0') {
      ++pa;
    }
    while (pb != eb && *pb == '0') {
      ++pb;
    }
    while (pa != ea && pb != eb && kDeb.digit[U(*pa)] && kDeb.digit[U(*pb)]) {
      if (first_diff == 0) {
        first_diff = *pa - *pb;
      }
      ++pa;
      ++pb;
    }
    if (pa != ea && kDeb.digit[U(*pa)]) {
      return 1;
    }
    if (pb != eb && kDeb.digit[U(*pb)]) {
      return -1;
    }
    if (first_diff != 0) {
      return first_diff;
    }
  }
  return 0;
}

// Mirrors dpkg's parseversion(): errors are what dpkg reports as errors; a non-digit start (a dpkg warning) is
// rejected too, because no real package version has one and dpkg itself flags it.
bool ParseDeb(std::string_view s, DebVersion* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  if (s.empty()) {
    return false;
  }
  // One pass: character set, first ':' (epoch separator), last ':' and last '-' (revision separator).
  constexpr size_t kNone = std::string_view::npos;
  size_t first_colon = kNone, last_colon = kNone, last_hyphen = kNone;
  for (size_t k = 0; k < s.size(); ++k) {
    const unsigned char c = U(s[k]);
    if (!kDeb.upstream_ok[c]) {
      return false;
    }
    if (c == ':') {
      if (first_colon == kNone) {
        first_colon = k;
      }
      last_colon = k;
    } else if (c == '-') {
      last_hyphen = k;
    }
  }
  out->epoch = 0;
  size_t start = 0;
  if (first_colon != kNone) {
    if (first_colon == 0) {
      return false;  // empty epoch
    }
    uint64_t epoch = 0;
    for (size_t k = 0; k < first_colon; ++k) {
      if (!kDeb.digit[U(s[k])]) {
        return false;
      }
      epoch = epoch * 10 + static_cast<uint64_t>(s[k] - '0');
      if (epoch > 2147483647u) {
        return false;  // dpkg: epoch too big
      }
    }
    out->epoch = static_cast<uint32_t>(epoch);
    start = first_colon + 1;
    if (start == s.size()) {
      return false;  // nothing after colon
    }
  }
  if (last_hyphen != kNone && last_hyphen >= start) {
    if (last_hyphen + 1 == s.size()) {
      return false;  // empty revision
    }
    if (last_colon != kNone && last_colon > last_hyphen) {
      return false;  // ':' in the revision
    }
    out->upstream = s.substr(start, last_hyphen - start);
    out->revision = s.substr(last_hyphen + 1);
  } else {
    out->upstream = s.substr(start);
    out->revision = {};
  }
  // Revision characters are the upstream set minus ':' and '-', both excluded above.
  return !out->upstream.empty() && kDeb.digit[U(out->upstream.front())];
}

// ---- rpm (rpmio/rpmvercmp.c, rpmio/rpmver.c) ----

inline bool RpmSep(char c) {
  return !IsAlnum(c) && c != '~' && c != '^';
}

struct RpmEvr {
  std::string_view epoch;  // empty data() == nullptr means absent
  bool has_epoch = false;
  std::string_view version;
  std::string_view release;
  bool has_release = false;
};

// rpmverParse(): leading digits then ':' is the epoch (empty -> "0"); the last '-' after it splits off the release.
RpmEvr ParseRpmEvr(std::string_view s) {
  RpmEvr evr;
  size_t k = 0;
  while (k < s.size() && IsDigit(s[k])) {
    ++k;
  }
  const size_t hyphen = s.rfind('-');
  const bool hyphen_ok = hyphen != std::string_view::npos && hyphen >= k;
  size_t version_start = 0;
  if (k < s.size() && s[k] == ':') {
    evr.has_epoch = true;
    evr.epoch = k == 0 ? std::string_view("0") : s.substr(0, k);
    version_start = k + 1;
  }
  if (hyphen_ok) {
    evr.version = s.substr(version_start, hyphen - version_start);
    evr.release = s.substr(hyphen + 1);
    evr.has_release = true;
  } else {
    evr.version = s.substr(version_start);
  }
  return evr;
}

bool RpmValid(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return false;
    }
  }
  return true;
}

// ---- apk (apk-tools src/version.c) ----

enum ApkToken : int {
  kTokInvalid = -1,
  kTokDigitOrZero = 0,
  kTokDigit = 1,
  kTokLetter = 2,
  kTokSuffix = 3,
  kTokSuffixNo = 4,
  kTokRevisionNo = 5,
  kTokEnd = 6,
};

struct ApkCursor {
  std::string_view s;
  int type = kTokDigit;
};

inline bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}

void ApkNextToken(ApkCursor* cur) {
  int n = kTokInvalid;
  std::string_view& b = cur->s;
  if (b.empty() || b[0] == 0) {
    n = kTokEnd;
  } else if ((cur->type == kTokDigit || cur->type == kTokDigitOrZero) && IsLower(b[0])) {
    n = kTokLetter;
  } else if (cur->type == kTokLetter && IsDigit(b[0])) {
    n = kTokDigit;
  } else if (cur->type == kTokSuffix && IsDigit(b[0])) {
    n = kTokSuffixNo;
  } else {
    switch (b[0]) {
      case '.': n = kTokDigitOrZero; break;
      case '_': n = kTokSuffix; break;
      case '-':
        if (b.size() > 1 && b[1] == 'r') {
          n = kTokRevisionNo;
          b.remove_prefix(1);
        }
        break;
      default: break;
    }
    b.remove_prefix(1);
  }
  if (n < cur->type) {
    if (!((n == kTokDigitOrZero && cur->type == kTokDigit) || (n == kTokSuffix && cur->type == kTokSuffixNo) ||
          (n == kTokDigit && cur->type == kTokLetter))) {
      n = kTokInvalid;
    }
  }
  cur->type = n;
}

// Token values: digit runs saturate at 2^62 (apk-tools uses int and overflows; real versions never get there).
int64_t ApkGetToken(ApkCursor* cur) {
  static constexpr std::string_view kPre[] = {"alpha", "beta", "pre", "rc"};
  static constexpr std::string_view kPost[] = {"cvs", "svn", "git", "hg", "p"};
  std::string_view& b = cur->s;
  int64_t v = 0;
  size_t i = 0;
  int nt = kTokInvalid;
  if (b.empty()) {
    cur->type = kTokEnd;
    return 0;
  }
  switch (cur->type) {
    case kTokDigitOrZero:
      if (b[0] == '0') {
        while (i < b.size() && b[i] == '0') {
          ++i;
        }
        nt = kTokDigit;
        v = -static_cast<int64_t>(i);
        break;
      }
      [[fallthrough]];
    case kTokDigit:
    case kTokSuffixNo:
    case kTokRevisionNo:
      while (i < b.size() && IsDigit(b[i])) {
        if (v < (int64_t{1} << 58)) {
          v = v * 10 + (b[i] - '0');
        }
        ++i;
      }
      break;
    case kTokLetter: v = static_cast<unsigned char>(b[i++]); break;
    case kTokSuffix: {
      bool found = false;
      for (size_t k = 0; k < std::size(kPre); ++k) {
        if (b.substr(0, kPre[k].size()) == kPre[k]) {
          i = kPre[k].size();
          v = static_cast<int64_t>(k) - static_cast<int64_t>(std::size(kPre));
          found = true;
          break;
        }
      }
      if (!found) {
        for (size_t k = 0; k < std::size(kPost); ++k) {
          if (b.substr(0, kPost[k].size()) == kPost[k]) {
            i = kPost[k].size();
            v = static_cast<int64_t>(k);
            found = true;
            break;
          }
        }
      }
      if (!found) {
        cur->type = kTokInvalid;
        return -1;
      }
      break;
    }
    default: cur->type = kTokInvalid; return -1;
  }
  b.remove_prefix(i);
  if (b.empty()) {
    cur->type = kTokEnd;
  } else if (nt != kTokInvalid) {
    cur->type = nt;
  } else {
    ApkNextToken(cur);
  }
  return v;
}

}  // namespace

Result<int> CompareDeb(std::string_view a, std::string_view b) {
  DebVersion va, vb;
  if (!ParseDeb(a, &va)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid dpkg version '{}'", a);
  }
  if (!ParseDeb(b, &vb)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid dpkg version '{}'", b);
  }
  if (va.epoch != vb.epoch) {
    return va.epoch < vb.epoch ? -1 : 1;
  }
  int r = DebVerRevCmp(va.upstream, vb.upstream);
  if (r == 0) {
    r = DebVerRevCmp(va.revision, vb.revision);
  }
  return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) {
    return 0;
  }
  size_t i = 0, j = 0;
  const size_t na = a.size(), nb = b.size();
  while (i < na || j < nb) {
    while (i < na && RpmSep(a[i])) {
      ++i;
    }
    while (j < nb && RpmSep(b[j])) {
      ++j;
    }
    const char ca = i < na ? a[i] : '\0';
    const char cb = j < nb ? b[j] : '\0';
    if (ca == '~' || cb == '~') {
      if (ca != '~') {
        return 1;
      }
      if (cb != '~') {
        return -1;
      }
      ++i;
      ++j;
      continue;
    }
    if (ca == '^' || cb == '^') {
      if (i >= na) {
        return -1;
      }
      if (j >= nb) {
        return 1;
      }
      if (ca != '^') {
        return 1;
      }
      if (cb != '^') {
        return -1;
      }
      ++i;
      ++j;
      continue;
    }
    if (!(i < na && j < nb)) {
      break;
    }
    size_t ei = i, ej = j;
    bool isnum;
    if (IsDigit(a[i])) {
      while (ei < na && IsDigit(a[ei])) {
        ++ei;
      }
      while (ej < nb && IsDigit(b[ej])) {
        ++ej;
      }
      isnum = true;
    } else {
      while (ei < na && IsAlpha(a[ei])) {
        ++ei;
      }
      while (ej < nb && IsAlpha(b[ej])) {
        ++ej;
      }
      isnum = false;
    }
    if (ei == i) {
      return -1;
    }
    if (ej == j) {
      return isnum ? 1 : -1;
    }
    std::string_view sa = a.substr(i, ei - i), sb = b.substr(j, ej - j);
    int rc;
    if (isnum) {
      rc = CompareDigitRuns(sa, sb);
    } else {
      const int c = sa.compare(sb);
      rc = c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (rc != 0) {
      return rc;
    }
    i = ei;
    j = ej;
  }
  if (i >= na && j >= nb) {
    return 0;
  }
  return i >= na ? -1 : 1;
}

Result<int> CompareRpm(std::string_view a, std::string_view b) {
  if (!RpmValid(a)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid rpm version '{}'", a);
  }
  if (!RpmValid(b)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid rpm version '{}'", b);
  }
  const RpmEvr ea = ParseRpmEvr(a), eb = ParseRpmEvr(b);
  int rc = RpmVerCmp(ea.has_epoch ? ea.epoch : std::string_view("0"), eb.has_epoch ? eb.epoch : std::string_view("0"));
  if (rc == 0) {
    rc = RpmVerCmp(ea.version, eb.version);
  }
  if (rc == 0) {
    // rpmverCmp() in rpm 4.18: releases compare when both exist; otherwise the side with one is newer.
    if (ea.has_release && eb.has_release) {
      rc = RpmVerCmp(ea.release, eb.release);
    } else if (ea.has_release != eb.has_release) {
      rc = ea.has_release ? 1 : -1;
    }
  }
  return rc;
}

bool ApkValid(std::string_view v) {
  if (v.empty()) {
    return false;
  }
  ApkCursor cur{v, kTokDigit};
  while (cur.type != kTokEnd && cur.type != kTokInvalid) {
    ApkGetToken(&cur);
  }
  return cur.type == kTokEnd;
}

int CompareApkLenient(std::string_view a, std::string_view b) {
  ApkCursor ca{a, kTokDigit}, cb{b, kTokDigit};
  int64_t av = 0, bv = 0;
  while (ca.type == cb.type && ca.type != kTokEnd && ca.type != kTokInvalid && av == bv) {
    av = ApkGetToken(&ca);
    bv = ApkGetToken(&cb);
  }
  if (av < bv) {
    return -1;
  }
  if (av > bv) {
    return 1;
  }
  if (ca.type == cb.type) {
    return 0;
  }
  ApkCursor ta = ca;
  if (ca.type == kTokSuffix && ApkGetToken(&ta) < 0) {
    return -1;
  }
  ApkCursor tb = cb;
  if (cb.type == kTokSuffix && ApkGetToken(&tb) < 0) {
    return 1;
  }
  if (ca.type > cb.type) {
    return -1;
  }
  if (cb.type > ca.type) {
    return 1;
  }
  return 0;
}

Result<int> CompareApk(std::string_view a, std::string_view b) {
  if (!ApkValid(a)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid apk version '{}'", a);
  }
  if (!ApkValid(b)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid apk version '{}'", b);
  }
  return CompareApkLenient(a, b);
}

}  // namespace customs::version::internal
