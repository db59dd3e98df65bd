// OSV range evaluation (https://ossf.github.io/osv-schema/#evaluation).
#include "version/range.h"

#include <fmt/format.h>

#include <algorithm>

namespace customs::version {
namespace {

constexpr const char* kSource = "version/range";

bool IsZeroIntroduced(const RangeEvent& e) {
  return e.kind == RangeEvent::Kind::kIntroduced && e.version == "0";
}

}  // namespace

Result<Verdict> Evaluate(Scheme scheme, const AffectedSpec& spec, std::string_view installed,
                         Diagnostics* diagnostics) {
  // The installed version must parse: comparing it with itself validates it under the scheme.
  if (auto self = Compare(scheme, installed, installed); !self) {
    return tl::unexpected(std::move(self).error().WithContext("installed version"));
  }
  Verdict verdict;
  const std::string* best_fixed = nullptr;
  auto consider_fixed = [&](const std::string& fixed) {
    auto above = Compare(scheme, fixed, installed);
    if (!above || *above <= 0) {
      return;
    }
    if (best_fixed == nullptr) {
      best_fixed = &fixed;
      return;
    }
    auto lower = Compare(scheme, fixed, *best_fixed);
    if (lower && *lower < 0) {
      best_fixed = &fixed;
    }
  };

  for (const std::string& listed : spec.versions) {
    if (listed == installed) {
      verdict.affected = true;
      continue;
    }
    auto c = Compare(scheme, listed, installed);
    if (c && *c == 0) {
      verdict.affected = true;
    }
  }

  // A GIT range beside version ranges or a version list (PYSEC records carry both) adds nothing a version can be
  // compared with; only a spec of GIT ranges alone is worth a diagnostic.
  const bool only_git =
      spec.versions.empty() &&
      std::all_of(spec.ranges.begin(), spec.ranges.end(), [](const Range& r) { return r.type == Range::Type::kGit; });
  for (const Range& range : spec.ranges) {
    if (range.type == Range::Type::kGit) {
      if (diagnostics != nullptr && only_git) {
        diagnostics->Warn(kSource, "", "GIT range skipped: commit ranges cannot be evaluated against a version");
      }
      continue;
    }
    // Validate every event version; a range with an unparseable bound is skipped rather than half-evaluated.
    bool ok = true;
    for (const RangeEvent& e : range.events) {
      if (IsZeroIntroduced(e) || (e.kind == RangeEvent::Kind::kLimit && e.version == "*")) {
        continue;
      }
      if (auto c = Compare(scheme, e.version, e.version); !c) {
        if (diagnostics != nullptr) {
          diagnostics->Warn(kSource, e.version, fmt::format("range skipped: {}", c.error().message()));
        }
        ok = false;
        break;
      }
    }
    if (!ok) {
      continue;
    }

    std::vector<const RangeEvent*> events;
    std::vector<const RangeEvent*> limits;
    for (const RangeEvent& e : range.events) {
      (e.kind == RangeEvent::Kind::kLimit ? limits : events).push_back(&e);
    }
    // Sort by version under the scheme; "introduced: 0" first. Ties keep the record's order.
    std::stable_sort(events.begin(), events.end(), [&](const RangeEvent* x, const RangeEvent* y) {
      const bool xz = IsZeroIntroduced(*x), yz = IsZeroIntroduced(*y);
      if (xz || yz) {
        return xz && !yz;
      }
      auto c = Compare(scheme, x->version, y->version);
      return c && *c < 0;
    });
    bool vulnerable = false;
    for (const RangeEvent* e : events) {
      switch (e->kind) {
        case RangeEvent::Kind::kIntroduced:
          if (IsZeroIntroduced(*e) || *Compare(scheme, installed, e->version) >= 0) {
            vulnerable = true;
          }
          break;
        case RangeEvent::Kind::kFixed:
          if (*Compare(scheme, installed, e->version) >= 0) {
            vulnerable = false;
          }
          break;
        case RangeEvent::Kind::kLastAffected:
          if (*Compare(scheme, installed, e->version) > 0) {
            vulnerable = false;
          }
          break;
        case RangeEvent::Kind::kLimit: break;
      }
    }
    // limit: only versions below at least one limit can be affected ("*" is unbounded).
    if (vulnerable && !limits.empty()) {
      bool below_some = false;
      for (const RangeEvent* l : limits) {
        if (l->version == "*" || *Compare(scheme, installed, l->version) < 0) {
          below_some = true;
        }
      }
      vulnerable = below_some;
    }
    if (vulnerable) {
      verdict.affected = true;
    }
    for (const RangeEvent* e : events) {
      if (e->kind == RangeEvent::Kind::kFixed) {
        consider_fixed(e->version);
      }
    }
  }
  if (verdict.affected && best_fixed != nullptr) {
    verdict.fixed_version = *best_fixed;
  }
  return verdict;
}

}  // namespace customs::version
