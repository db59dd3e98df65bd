// semver 2.0.0 (semver.org) and Go module / toolchain versions.
#include <string>
#include <string_view>

#include "version/schemes.h"

namespace customs::version::internal {
namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsIdentChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

struct SemVer {
  std::string_view major, minor, patch;
  std::string_view prerelease;  // without '-'; empty when none
  bool has_prerelease = false;
};

bool ValidNumber(std::string_view s) {
  return AllDigits(s) && (s.size() == 1 || s[0] != '0');
}

// Strict semver 2.0.0. `allow_short` accepts Go's "v1" / "v1.2" shorthands (= v1.0.0 / v1.2.0).
bool ParseSemVer(std::string_view s, bool allow_short, SemVer* out) {
  const size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    std::string_view build = s.substr(plus + 1);
    if (build.empty()) {
      return false;
    }
    size_t start = 0;
    while (true) {
      size_t dot = build.find('.', start);
      std::string_view id = build.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (id.empty()) {
        return false;
      }
      for (char c : id) {
        if (!IsIdentChar(c)) {
          return false;
        }
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
    s = s.substr(0, plus);
  }
  const size_t hyphen = s.find('-');
  std::string_view core = s.substr(0, hyphen);
  out->has_prerelease = hyphen != std::string_view::npos;
  out->prerelease = out->has_prerelease ? s.substr(hyphen + 1) : std::string_view();
  if (out->has_prerelease) {
    if (out->prerelease.empty()) {
      return false;
    }
    size_t start = 0;
    while (true) {
      size_t dot = out->prerelease.find('.', start);
      std::string_view id =
          out->prerelease.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (id.empty()) {
        return false;
      }
      for (char c : id) {
        if (!IsIdentChar(c)) {
          return false;
        }
      }
      if (AllDigits(id) && id.size() > 1 && id[0] == '0') {
        return false;
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  const size_t d1 = core.find('.');
  out->major = core.substr(0, d1);
  if (!ValidNumber(out->major)) {
    return false;
  }
  if (d1 == std::string_view::npos) {
    if (!allow_short || out->has_prerelease || plus != std::string_view::npos) {
      return false;
    }
    out->minor = out->patch = "0";
    return true;
  }
  const size_t d2 = core.find('.', d1 + 1);
  out->minor = core.substr(d1 + 1, d2 == std::string_view::npos ? std::string_view::npos : d2 - d1 - 1);
  if (!ValidNumber(out->minor)) {
    return false;
  }
  if (d2 == std::string_view::npos) {
    if (!allow_short || out->has_prerelease || plus != std::string_view::npos) {
      return false;
    }
    out->patch = "0";
    return true;
  }
  out->patch = core.substr(d2 + 1);
  return ValidNumber(out->patch);
}

int ComparePrerelease(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (true) {
    const bool a_end = i > a.size(), b_end = j > b.size();
    if (a_end || b_end) {
      return a_end == b_end ? 0 : (a_end ? -1 : 1);
    }
    size_t da = a.find('.', i), db = b.find('.', j);
    if (da == std::string_view::npos) {
      da = a.size();
    }
    if (db == std::string_view::npos) {
      db = b.size();
    }
    std::string_view x = a.substr(i, da - i), y = b.substr(j, db - j);
    const bool xn = AllDigits(x), yn = AllDigits(y);
    int c;
    if (xn && yn) {
      c = CompareDigitRuns(x, y);
    } else if (xn != yn) {
      c = xn ? -1 : 1;  // numeric identifiers sort before alphanumeric ones
    } else {
      c = x.compare(y);
      c = c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (c != 0) {
      return c;
    }
    i = da + 1;
    j = db + 1;
  }
}

int CompareParsed(const SemVer& a, const SemVer& b) {
  int c = CompareDigitRuns(a.major, b.major);
  if (c == 0) {
    c = CompareDigitRuns(a.minor, b.minor);
  }
  if (c == 0) {
    c = CompareDigitRuns(a.patch, b.patch);
  }
  if (c != 0) {
    return c;
  }
  if (a.has_prerelease != b.has_prerelease) {
    return a.has_prerelease ? -1 : 1;
  }
  if (!a.has_prerelease) {
    return 0;
  }
  return ComparePrerelease(a.prerelease, b.prerelease);
}

// A Go version normalised to semver. Go toolchain versions map as go/version orders them:
// "1.21" (language version) < "1.21rc1" < "1.21.0" < "1.21.1"; so "1.21" -> 1.21.0-0 (lowest prerelease),
// "1.21rc2" -> 1.21.0-rc.2, "1.21beta1" -> 1.21.0-beta.1. Before 1.21, "go1.9" named the release (= 1.9.0).
struct GoVersion {
  std::string text;  // normalised semver text the SemVer views point into
  SemVer sv;
};

bool ParseGo(std::string_view s, GoVersion* out) {
  bool toolchain = false;
  if (s.substr(0, 2) == "go") {
    s.remove_prefix(2);
    toolchain = true;
  } else if (!s.empty() && s[0] == 'v') {
    s.remove_prefix(1);
    if (s.size() >= 13 && s.substr(s.size() - 13) == "+incompatible") {
      s.remove_suffix(13);
    }
    out->text.assign(s);
    return ParseSemVer(out->text, true, &out->sv);
  }
  // Toolchain form: N.N[.N][(rc|beta|alpha)N]
  size_t k = 0;
  int dots = 0;
  while (k < s.size() && (IsDigit(s[k]) || s[k] == '.')) {
    if (s[k] == '.') {
      ++dots;
    }
    ++k;
  }
  std::string_view nums = s.substr(0, k), pre = s.substr(k);
  if (!toolchain && (pre.empty() || pre[0] == '-' || pre[0] == '+')) {
    // Bare semver without 'v' (OSV "Go" ecosystem records for stdlib use "1.21.5", "1.20.0-rc.1").
    out->text.assign(s);
    if (ParseSemVer(out->text, true, &out->sv)) {
      return true;
    }
  }
  if (nums.empty() || dots > 2) {
    return false;
  }
  std::string t(nums);
  std::string tag;
  if (!pre.empty()) {
    size_t m = 0;
    while (m < pre.size() && pre[m] >= 'a' && pre[m] <= 'z') {
      ++m;
    }
    std::string_view word = pre.substr(0, m), num = pre.substr(m);
    if ((word != "rc" && word != "beta" && word != "alpha") || !(num.empty() || AllDigits(num))) {
      return false;
    }
    tag = std::string(word) + (num.empty() ? "" : "." + std::string(num));
  }
  bool needs_suffix = false;
  if (dots == 0) {
    t += ".0.0";
  } else if (dots == 1) {
    t += ".0";
    // Go >= 1.21: "1.21" is the language version, below every 1.21 release and release candidate.
    const size_t d = nums.find('.');
    std::string_view major = nums.substr(0, d), minor = nums.substr(d + 1);
    if (tag.empty() && (CompareDigitRuns(major, "1") > 0 || CompareDigitRuns(minor, "21") >= 0)) {
      needs_suffix = true;
    }
  }
  if (!tag.empty()) {
    t += "-" + tag;
  } else if (needs_suffix) {
    t += "-0";
  }
  out->text = std::move(t);
  return ParseSemVer(out->text, false, &out->sv);
}

}  // namespace

Result<int> CompareSemver(std::string_view a, std::string_view b) {
  SemVer va, vb;
  // Accept a leading 'v' (common in npm/Cargo tooling); everything else is strict semver 2.0.0.
  std::string_view sa = (!a.empty() && a[0] == 'v') ? a.substr(1) : a;
  std::string_view sb = (!b.empty() && b[0] == 'v') ? b.substr(1) : b;
  if (!ParseSemVer(sa, false, &va)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid semver '{}'", a);
  }
  if (!ParseSemVer(sb, false, &vb)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid semver '{}'", b);
  }
  return CompareParsed(va, vb);
}

Result<int> CompareGo(std::string_view a, std::string_view b) {
  GoVersion va, vb;
  if (!ParseGo(a, &va)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Go version '{}'", a);
  }
  if (!ParseGo(b, &vb)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid Go version '{}'", b);
  }
  return CompareParsed(va.sv, vb.sv);
}

}  // namespace customs::version::internal
