#include "scan/usage_rank.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace customs::scan {

std::string CanonicalUsagePath(std::string_view path) {
  for (std::string_view dir : {"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"}) {
    if (path.starts_with(dir)) {
      return "/usr" + std::string(path);
    }
  }
  return std::string(path);
}

UsedFiles UsedFilesOf(const std::vector<runtime::UsageEntry>& usage, const std::vector<std::string>& keys) {
  UsedFiles out;
  for (const auto& entry : usage) {
    bool mine = std::find(keys.begin(), keys.end(), entry.image_key) != keys.end() ||
                (!entry.image_name.empty() && std::find(keys.begin(), keys.end(), entry.image_name) != keys.end());
    if (!mine) {
      continue;
    }
    out.found = true;
    out.paths.push_back(CanonicalUsagePath(entry.path));
  }
  std::sort(out.paths.begin(), out.paths.end());
  out.paths.erase(std::unique(out.paths.begin(), out.paths.end()), out.paths.end());
  return out;
}

namespace {

bool PackageUsed(const catalog::Package& package, const UsedFiles& used) {
  auto seen = [&](std::string_view path) {
    return std::binary_search(used.paths.begin(), used.paths.end(), CanonicalUsagePath(path));
  };
  for (const auto& file : package.files) {
    if (seen(file)) {
      return true;
    }
  }
  // A language package found inside an archive ("/app/app.jar!/META-INF/...") is in use when the archive is.
  if (!package.location.empty() && seen(package.location.substr(0, package.location.find('!')))) {
    return true;
  }
  return false;
}

int UseRank(match::InUse in_use) {
  switch (in_use) {
    case match::InUse::kTrue: return 0;
    case match::InUse::kUnknown:
    case match::InUse::kNotEvaluated: return 1;
    case match::InUse::kFalse: return 2;
  }
  return 1;
}

}  // namespace

void RankByUse(std::vector<match::Finding>& findings, const std::vector<catalog::Package>& packages,
               const UsedFiles& used) {
  std::set<std::tuple<catalog::PackageType, std::string, std::string, std::string, std::string>> in_use;
  if (used.found) {
    for (const auto& p : packages) {
      if (PackageUsed(p, used)) {
        in_use.emplace(p.type, p.name, p.version, p.arch, p.location);
      }
    }
  }
  for (auto& f : findings) {
    const auto& p = f.package;
    f.in_use = !used.found                                                        ? match::InUse::kUnknown
               : in_use.contains({p.type, p.name, p.version, p.arch, p.location}) ? match::InUse::kTrue
                                                                                  : match::InUse::kFalse;
  }
  std::stable_sort(findings.begin(), findings.end(), [](const match::Finding& a, const match::Finding& b) {
    if (a.severity != b.severity) {
      return a.severity > b.severity;
    }
    return UseRank(a.in_use) < UseRank(b.in_use);
  });
}

}  // namespace customs::scan
