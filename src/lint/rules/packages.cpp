// Rule family "Packages and pinning": Package managers in RUN: what the final image installs, version pins,
// non-interactive flags and caches.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

// Packages installed in the final stage and everything it inherits.
struct Installed {
  std::size_t instruction;
  std::string package;
  std::string manager;
};

std::vector<Installed> FinalInstalled(const CheckContext& c) {
  std::vector<Installed> out;
  for (int stage : FinalChain(c)) {
    ForStageInstructions(c, stage, [&](std::size_t i, const Instruction& inst) {
      if (inst.cmd != "RUN") return;
      const RunAnalysis* run = c.model.RunAt(i);
      if (run == nullptr) return;
      for (const auto& install : run->installs) {
        for (const auto& p : install.packages) {
          if (!run->Removed(p.name)) out.push_back({i, p.name, install.manager});
        }
      }
    });
  }
  return out;
}

bool MatchesList(const std::vector<std::string>& list, const std::string& package) {
  const std::string lower = Lower(package);
  return std::any_of(list.begin(), list.end(), [&](const std::string& pattern) { return Glob(pattern, lower); });
}

void ReportPackageList(const CheckContext& c, const std::vector<std::string>& list, const char* what, const char* fix) {
  std::map<std::size_t, std::vector<std::string>> by_instruction;
  for (const auto& installed : FinalInstalled(c)) {
    if (installed.manager == "pip" || installed.manager == "npm" || installed.manager == "gem") continue;
    auto& names = by_instruction[installed.instruction];
    if (MatchesList(list, installed.package) &&
        std::find(names.begin(), names.end(), installed.package) == names.end()) {
      names.push_back(installed.package);
    }
  }
  for (auto& [index, names] : by_instruction) {
    if (names.empty()) continue;
    std::string joined;
    for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
    c.Report(index, fmt::format("{} installed in the final image: {}", what, joined), fix);
  }
}

void CheckAttackerTools(const CheckContext& c) {
  ReportPackageList(c, c.settings.attacker_tools, "attacker tools",
                    "remove them from the final stage; fetch files in a builder stage and COPY the result");
}

void CheckCompilers(const CheckContext& c) {
  ReportPackageList(c, c.settings.compilers, "compilers/build tools",
                    "build in a separate stage (multi-stage build) and COPY only the artefacts into the final stage");
}

template <class Pred>
void ForInstalls(const CheckContext& c, const std::vector<std::string>& managers, Pred&& pred) {
  ForRuns(c, [&](std::size_t i, const Instruction& inst, const RunAnalysis& run) {
    for (const auto& install : run.installs) {
      if (std::find(managers.begin(), managers.end(), install.manager) == managers.end()) continue;
      if (pred(i, inst, run, install)) return;
    }
  });
}

void CheckAptYes(const CheckContext& c) {
  ForInstalls(
      c, {"apt-get", "apt"}, [&](std::size_t i, const Instruction&, const RunAnalysis&, const PackageInstall& in) {
        if (in.assume_yes) return false;
        c.Report(i, fmt::format("{} install without -y", in.manager), fmt::format("{} install -y ...", in.manager));
        return true;
      });
}

void CheckAptNoRecommends(const CheckContext& c) {
  ForInstalls(c, {"apt-get", "apt"},
              [&](std::size_t i, const Instruction&, const RunAnalysis&, const PackageInstall& in) {
                if (in.no_install_recommends || in.packages.empty()) return false;
                c.Report(i, fmt::format("{} install without --no-install-recommends", in.manager),
                         fmt::format("{} install -y --no-install-recommends ...", in.manager));
                return true;
              });
}

void ReportUnpinned(const CheckContext& c, const std::vector<std::string>& managers, const char* example) {
  ForInstalls(c, managers, [&](std::size_t i, const Instruction&, const RunAnalysis&, const PackageInstall& in) {
    std::vector<std::string> unpinned;
    for (const auto& p : in.packages) {
      if (!p.pinned && p.name.find('$') == std::string::npos) unpinned.push_back(p.name);
    }
    if (unpinned.empty()) return false;
    std::string joined;
    for (const auto& n : unpinned) joined += (joined.empty() ? "" : ", ") + n;
    c.Report(i, fmt::format("{} installs packages without a pinned version: {}", in.manager, joined),
             fmt::format("pin versions: {}", example));
    return true;
  });
}

void CheckAptPin(const CheckContext& c) {
  ReportUnpinned(c, {"apt-get", "apt"}, "apt-get install curl=7.88.1-10+deb12u5");
}

void CheckApkPin(const CheckContext& c) {
  ReportUnpinned(c, {"apk"}, "apk add curl=8.5.0-r0");
}

void CheckPipPin(const CheckContext& c) {
  ReportUnpinned(c, {"pip"}, "pip install requests==2.32.3");
}

void CheckNpmPin(const CheckContext& c) {
  ReportUnpinned(c, {"npm"}, "npm install express@4.19.2");
}

void CheckGemPin(const CheckContext& c) {
  ReportUnpinned(c, {"gem"}, "gem install rails:7.1.3");
}

void CheckGoPin(const CheckContext& c) {
  ReportUnpinned(c, {"go"}, "go install example.com/tool@v1.2.3");
}

void CheckYumPin(const CheckContext& c) {
  ReportUnpinned(c, {"yum"}, "yum install -y httpd-2.4.57");
}

void CheckDnfPin(const CheckContext& c) {
  ReportUnpinned(c, {"dnf", "microdnf"}, "dnf install -y httpd-2.4.57");
}

void CheckZypperPin(const CheckContext& c) {
  ReportUnpinned(c, {"zypper"}, "zypper install -y httpd=2.4.57");
}

void CheckAptLists(const CheckContext& c) {
  ForInstalls(c, {"apt-get", "apt"},
              [&](std::size_t i, const Instruction&, const RunAnalysis& run, const PackageInstall&) {
                if (run.apt_lists_removed || run.CacheMounted("/var/lib/apt")) return false;
                c.Report(i, "apt-get lists are left in the layer", "end the RUN with: && rm -rf /var/lib/apt/lists/*");
                return true;
              });
}

void CheckUseAptGet(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (command.Program() == "apt") {
        c.Report(i, "apt is meant for interactive use", "use apt-get (or apt-cache) in scripts");
        return;
      }
    }
  });
}

void CheckApkNoCache(const CheckContext& c) {
  ForInstalls(c, {"apk"}, [&](std::size_t i, const Instruction&, const RunAnalysis& run, const PackageInstall& in) {
    if (in.no_cache || run.apk_cache_removed || run.CacheMounted("/var/cache/apk") || in.HasFlag("--cache-dir"))
      return false;
    c.Report(i, "apk add without --no-cache", "apk add --no-cache ...");
    return true;
  });
}

void CheckPipNoCache(const CheckContext& c) {
  ForInstalls(c, {"pip"},
              [&](std::size_t i, const Instruction& inst, const RunAnalysis& run, const PackageInstall& in) {
                if (in.no_cache || run.CacheMounted("/root/.cache") ||
                    inst.original.find("PIP_NO_CACHE_DIR") != std::string::npos)
                  return false;
                c.Report(i, "pip install without --no-cache-dir", "pip install --no-cache-dir ...");
                return true;
              });
}

void ReportNoYes(const CheckContext& c, const std::vector<std::string>& managers, const char* fix) {
  ForInstalls(c, managers, [&](std::size_t i, const Instruction&, const RunAnalysis&, const PackageInstall& in) {
    if (in.assume_yes) return false;
    c.Report(i, fmt::format("{} install is not non-interactive", in.manager), fix);
    return true;
  });
}

void CheckYumYes(const CheckContext& c) {
  ReportNoYes(c, {"yum"}, "yum install -y ...");
}

void CheckDnfYes(const CheckContext& c) {
  ReportNoYes(c, {"dnf", "microdnf"}, "dnf install -y ...");
}

void CheckZypperYes(const CheckContext& c) {
  ReportNoYes(c, {"zypper"}, "zypper install -y ... (or zypper -n install)");
}

void ReportNoClean(const CheckContext& c, const std::vector<std::string>& managers, bool RunAnalysis::*cleaned,
                   const char* cache, const char* fix) {
  ForInstalls(c, managers, [&](std::size_t i, const Instruction&, const RunAnalysis& run, const PackageInstall& in) {
    if (run.*cleaned || run.CacheMounted(cache)) return false;
    c.Report(i, fmt::format("{} install without cleaning its cache in the same RUN", in.manager), fix);
    return true;
  });
}

void CheckYumClean(const CheckContext& c) {
  ReportNoClean(c, {"yum"}, &RunAnalysis::yum_clean, "/var/cache/yum", "&& yum clean all");
}

void CheckDnfClean(const CheckContext& c) {
  ReportNoClean(c, {"dnf", "microdnf"}, &RunAnalysis::dnf_clean, "/var/cache/dnf", "&& dnf clean all");
}

void CheckZypperClean(const CheckContext& c) {
  ReportNoClean(c, {"zypper"}, &RunAnalysis::zypper_clean, "/var/cache/zypp", "&& zypper clean");
}

void CheckUpdateAlone(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    bool update = false;
    for (const auto& command : run.commands) {
      const auto eff = command.Effective();
      const std::string p = command.Program();
      if ((p == "apt-get" || p == "apt" || p == "yum" || p == "dnf" || p == "zypper") && eff.size() > 1 &&
          (eff[1] == "update" || eff[1] == "refresh" || eff[1] == "makecache")) {
        update = true;
      }
      if (p == "apk" && eff.size() > 1 && eff[1] == "update") update = true;
    }
    if (update && run.installs.empty()) {
      bool upgrade = false;
      for (const auto& command : run.commands) {
        for (const auto& a : command.Effective()) upgrade = upgrade || a == "upgrade" || a == "dist-upgrade";
      }
      if (!upgrade) {
        c.Report(i, "package index update in a RUN of its own; a later install may use a stale cached layer",
                 "combine update and install in one RUN: apt-get update && apt-get install -y ...");
      }
    }
  });
}

constexpr Rule kPackagesRules[] = {
    {"attacker-tools",
     Severity::kHigh,
     "Attacker tools installed in the final image",
     "Tools such as curl, wget, netcat, nmap, socat or tcpdump are what an intruder downloads first; shipping them "
     "makes post-exploitation trivial. Fetch files in a builder stage. The list is configurable.",
     {"", "", ""},
     CheckAttackerTools},
    {"compilers-in-final-stage",
     Severity::kMedium,
     "Compilers or build tools in the final image",
     "gcc, make, golang, rustc, *-dev packages and the like let an attacker build tools inside the container and "
     "bloat the image. Build in a separate stage and COPY the artefacts (multi-stage build).",
     {"", "", ""},
     CheckCompilers},
    {"apt-get-missing-yes",
     Severity::kMedium,
     "apt-get install without -y",
     "Without -y the build waits for confirmation and fails.",
     {"DL3014", "AVD-DS-0021", ""},
     CheckAptYes},
    {"apt-get-install-recommends",
     Severity::kLow,
     "apt-get install without --no-install-recommends",
     "Recommended packages bloat the image with software that is never used.",
     {"DL3015", "AVD-DS-0029", ""},
     CheckAptNoRecommends},
    {"apt-get-unpinned",
     Severity::kLow,
     "apt-get install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3008", "", ""},
     CheckAptPin},
    {"apt-get-lists-not-removed",
     Severity::kLow,
     "apt-get lists not removed",
     "/var/lib/apt/lists left in a layer adds tens of MB; remove it in the same RUN or use a cache mount.",
     {"DL3009", "", ""},
     CheckAptLists},
    {"use-apt-get",
     Severity::kLow,
     "apt used instead of apt-get",
     "apt's interface is not stable for scripts.",
     {"DL3027", "", ""},
     CheckUseAptGet},
    {"package-update-alone",
     Severity::kLow,
     "Package index update without install in the same RUN",
     "A cached update layer goes stale; later installs fetch outdated indexes.",
     {"", "AVD-DS-0017", ""},
     CheckUpdateAlone},
    {"apk-missing-no-cache",
     Severity::kLow,
     "apk add without --no-cache",
     "The apk cache stays in the layer.",
     {"DL3019", "AVD-DS-0025", ""},
     CheckApkNoCache},
    {"apk-unpinned",
     Severity::kLow,
     "apk add without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3018", "", ""},
     CheckApkPin},
    {"pip-missing-no-cache-dir",
     Severity::kLow,
     "pip install without --no-cache-dir",
     "pip's cache stays in the layer.",
     {"DL3042", "", ""},
     CheckPipNoCache},
    {"pip-unpinned",
     Severity::kLow,
     "pip install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3013", "", ""},
     CheckPipPin},
    {"npm-unpinned",
     Severity::kLow,
     "npm install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3016", "", ""},
     CheckNpmPin},
    {"gem-unpinned",
     Severity::kLow,
     "gem install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3028", "", ""},
     CheckGemPin},
    {"go-install-unpinned",
     Severity::kLow,
     "go install without a pinned version",
     "go install pkg@latest (or no version) is not reproducible.",
     {"", "", ""},
     CheckGoPin},
    {"yum-missing-yes",
     Severity::kMedium,
     "yum install without -y",
     "The build waits for confirmation and fails.",
     {"DL3030", "", ""},
     CheckYumYes},
    {"yum-not-cleaned",
     Severity::kLow,
     "yum install without yum clean all",
     "The yum cache stays in the layer.",
     {"DL3032", "AVD-DS-0015", ""},
     CheckYumClean},
    {"yum-unpinned",
     Severity::kLow,
     "yum install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3033", "", ""},
     CheckYumPin},
    {"dnf-missing-yes",
     Severity::kMedium,
     "dnf install without -y",
     "The build waits for confirmation and fails.",
     {"DL3038", "", ""},
     CheckDnfYes},
    {"dnf-not-cleaned",
     Severity::kLow,
     "dnf install without dnf clean all",
     "The dnf cache stays in the layer.",
     {"DL3040", "AVD-DS-0019", ""},
     CheckDnfClean},
    {"dnf-unpinned",
     Severity::kLow,
     "dnf install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3041", "", ""},
     CheckDnfPin},
    {"zypper-missing-yes",
     Severity::kMedium,
     "zypper install without -y/-n",
     "The build waits for confirmation and fails.",
     {"DL3034", "", ""},
     CheckZypperYes},
    {"zypper-not-cleaned",
     Severity::kLow,
     "zypper install without zypper clean",
     "The zypper cache stays in the layer.",
     {"DL3036", "AVD-DS-0020", ""},
     CheckZypperClean},
    {"zypper-unpinned",
     Severity::kLow,
     "zypper install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3037", "", ""},
     CheckZypperPin},
};

}  // namespace

std::span<const Rule> PackagesRules() {
  return kPackagesRules;
}

}  // namespace customs::lint
