// Rule family "Packages and pinning": package managers in RUN: what the final image installs, version pins,
// non-interactive flags, caches and signature checks. Where a rule carries a hadolint code it follows hadolint's
// rule documentation and specs (src/Hadolint/Rule/DL30xx.hs); Trivy and checkov ids are kept on the findings
// their checks would report.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/known_tools.h"
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
      if (inst.cmd != "RUN") {
        return;
      }
      const RunAnalysis* run = c.model.RunAt(i);
      if (run == nullptr) {
        return;
      }
      for (const auto& install : run->installs) {
        for (const auto& p : install.packages) {
          if (!run->Removed(p.name)) {
            out.push_back({i, p.name, install.manager});
          }
        }
      }
    });
  }
  return out;
}

// A pattern starting with '!' excludes (src/core/data/tools.txt: "!gcc-*-base" is not a compiler).
bool MatchesList(const std::vector<std::string>& list, const std::string& package) {
  const std::string lower = Lower(package);
  bool matched = false;
  for (const std::string& pattern : list) {
    if (!pattern.empty() && pattern[0] == '!') {
      if (Glob(pattern.substr(1), lower)) {
        return false;
      }
    } else if (Glob(pattern, lower)) {
      matched = true;
    }
  }
  return matched;
}

void ReportPackageList(const CheckContext& c, const std::vector<std::string>& list, const char* what, const char* fix) {
  std::map<std::size_t, std::vector<std::string>> by_instruction;
  for (const auto& installed : FinalInstalled(c)) {
    if (installed.manager == "pip" || installed.manager == "npm" || installed.manager == "gem") {
      continue;
    }
    auto& names = by_instruction[installed.instruction];
    if (MatchesList(list, installed.package) &&
        std::find(names.begin(), names.end(), installed.package) == names.end()) {
      names.push_back(installed.package);
    }
  }
  for (auto& [index, names] : by_instruction) {
    if (names.empty()) {
      continue;
    }
    c.Report(index, fmt::format("{} installed in the final image: {}", what, Join(names)), fix);
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

// The policy control no-shell (customs.policy.yaml) at the Dockerfile: the final image starts from scratch or a
// distroless base (not its :debug variants, which carry busybox), installs no shell package and copies no shell in.
// The shell packages and file names are the shared tool list's (src/core/data/tools.txt).
void CheckShellInFinalStage(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) {
    return;
  }
  std::vector<int> chain = FinalChain(c);
  const Stage& root = c.model.stages[static_cast<std::size_t>(chain.front())];
  if (root.base.resolved && !root.base.scratch) {
    const std::string repository = Lower(root.base.repository);
    const bool distroless = (repository.find("distroless") != std::string::npos || repository == "chainguard/static" ||
                             EndsWith(repository, "/chainguard/static")) &&
                            Lower(root.base.tag).find("debug") == std::string::npos;
    if (!distroless) {
      c.Report(
          root.from_instruction,
          fmt::format("the final image starts from {}, which ships a shell (not scratch or distroless)", root.base.raw),
          "build FROM scratch or a distroless base and COPY the artefacts in");
    }
  }
  std::vector<std::string> shell_packages;
  std::set<std::string> shell_binaries;
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind != ToolKind::kShell) {
      continue;
    }
    shell_packages.insert(shell_packages.end(), tool.packages.begin(), tool.packages.end());
    shell_binaries.insert(tool.binaries.begin(), tool.binaries.end());
  }
  std::map<std::size_t, std::vector<std::string>> installed;
  for (const auto& entry : FinalInstalled(c)) {
    if (MatchesList(shell_packages, entry.package)) {
      auto& names = installed[entry.instruction];
      if (std::find(names.begin(), names.end(), entry.package) == names.end()) {
        names.push_back(entry.package);
      }
    }
  }
  for (const auto& [index, names] : installed) {
    c.Report(index, fmt::format("a shell is installed in the final image: {}", Join(names)),
             "do not install a shell in the final stage");
  }
  for (int stage : chain) {
    ForStageInstructions(c, stage, [&](std::size_t i, const Instruction& inst) {
      if ((inst.cmd != "COPY" && inst.cmd != "ADD") || inst.args.size() < 2) {
        return;
      }
      std::vector<std::string> shells;
      for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
        std::string source = inst.args[k];
        while (source.size() > 1 && source.back() == '/') {
          source.pop_back();
        }
        std::string base = source.substr(source.rfind('/') + 1);
        if (shell_binaries.count(base) > 0) {
          shells.push_back(source);
        }
      }
      if (!shells.empty()) {
        c.Report(i, fmt::format("{} copies a shell into the final image: {}", inst.cmd, Join(shells)),
                 "copy only the application and the libraries it needs");
      }
    });
  }
}

// Calls f(entry, views) for every RUN (and ONBUILD RUN trigger).
template <class F>
void ForRunViews(const CheckContext& c, F&& f) {
  ForRunEntries(c, [&](const RunEntry& entry) { f(entry, entry.analysis.views); });
}

// The index of the first command that satisfies `pred`.
template <class Pred>
std::optional<std::size_t> FirstIndex(const std::vector<CommandView>& views, Pred&& pred) {
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (pred(views[i])) {
      return i;
    }
  }
  return std::nullopt;
}

// hadolint's "the cleanup comes after the install" test: no install at all, or the first clean is after the first
// install.
template <class Install, class Clean>
bool CleanedAfterInstall(const std::vector<CommandView>& views, Install&& install, Clean&& clean) {
  auto i = FirstIndex(views, install);
  if (!i) {
    return true;
  }
  auto k = FirstIndex(views, clean);
  return k && *i < *k;
}

// Whether a RUN's leftovers land in an image that matters (hadolint DL3009/DL3060): ONBUILD triggers and RUNs
// before any FROM do; inside a stage, the final stage and any stage another stage is built FROM do.
bool StageMatters(const CheckContext& c, const RunEntry& entry) {
  if (entry.onbuild) {
    return true;
  }
  int stage = c.model.stage_of[entry.instruction];
  if (stage < 0) {
    return true;
  }
  auto chain = c.model.Chain(c.model.final_stage);
  if (std::find(chain.begin(), chain.end(), stage) != chain.end()) {
    return true;
  }
  return std::any_of(c.model.stages.begin(), c.model.stages.end(),
                     [&](const Stage& s) { return s.parent_stage == stage; });
}

// hadolint's stripInstallPrefix: the words after the first "install".
std::vector<std::string> AfterInstall(const std::vector<std::string>& words) {
  auto it = std::find(words.begin(), words.end(), "install");
  while (it != words.end() && *it == "install") {
    ++it;
  }
  return {it, words.end()};
}

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Variables known where a RUN runs, for version pins given as ${VERSION} (hadolint DL3033/DL3041): the ENV names
// of its stage and the stages it is built FROM, and every ARG declared before it.
std::set<std::string> KnownVariables(const CheckContext& c, std::size_t until) {
  std::map<int, std::set<std::string>> envs;
  std::set<std::string> known;
  for (std::size_t i = 0; i < until && i < c.file.instructions.size(); ++i) {
    const Instruction& inst = c.file.instructions[i];
    int stage = c.model.stage_of[i];
    if (inst.cmd == "FROM" && stage >= 0) {
      int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
      envs[stage] = parent >= 0 ? envs[parent] : std::set<std::string>{};
    }
    if (inst.cmd == "ENV") {
      for (std::size_t k = 0; k < inst.args.size(); k += 3) {
        envs[stage].insert(inst.args[k]);
      }
    }
    if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        known.insert(word.substr(0, word.find('=')));
      }
    }
  }
  int stage = until < c.model.stage_of.size() ? c.model.stage_of[until] : -1;
  known.insert(envs[stage].begin(), envs[stage].end());
  return known;
}

bool UsesKnownVariable(const std::set<std::string>& known, std::string_view word) {
  return std::any_of(known.begin(), known.end(), [&](const std::string& name) {
    if (Contains(word, "${" + name + "}")) {
      return true;
    }
    // $NAME not followed by a name character.
    for (std::size_t at = word.find("$" + name); at != std::string_view::npos; at = word.find("$" + name, at + 1)) {
      std::size_t end = at + 1 + name.size();
      if (end >= word.size() || !(std::isalnum(static_cast<unsigned char>(word[end])) || word[end] == '_')) {
        return true;
      }
    }
    return false;
  });
}

// hadolint's rpm-style version test (DL3033/DL3041): name-version[-release] where the version parts are made of
// [0-9A-Za-z.~^_:+] and one starts with a digit; an .rpm file; or a version given by a known variable.
bool RpmVersionFixed(const std::set<std::string>& known, const std::string& package) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t dash = package.find('-', pos);
    parts.push_back(package.substr(pos, dash == std::string::npos ? std::string::npos : dash - pos));
    if (dash == std::string::npos) {
      break;
    }
    pos = dash + 1;
  }
  if (parts.size() <= 1) {
    return false;
  }
  if (EndsWith(package, ".rpm")) {
    return true;
  }
  if (Contains(package, "$")) {
    return UsesKnownVariable(known, package);
  }
  bool digit = false;
  for (std::size_t k = 1; k < parts.size(); ++k) {
    for (char ch : parts[k]) {
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '~' || ch == '^' || ch == '_' ||
            ch == ':' || ch == '+')) {
        return false;
      }
    }
    digit = digit || (!parts[k].empty() && std::isdigit(static_cast<unsigned char>(parts[k][0])));
  }
  return digit;
}

std::vector<std::string> Without(std::vector<std::string> words, std::initializer_list<std::string_view> drop) {
  std::erase_if(words, [&](const std::string& w) { return std::find(drop.begin(), drop.end(), w) != drop.end(); });
  return words;
}

// ---------------------------------------------------------------- apt

bool AptYes(const CommandView& v) {
  return v.HasAnyFlag({"y", "yes", "qq", "assume-yes"}) || v.CountFlag("q") == 2 || v.CountFlag("quiet") == 2 ||
         v.HasArg("-q=2");
}

void CheckAptYes(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(),
                    [](const CommandView& v) { return v.Is("apt-get", {"install"}) && !AptYes(v); })) {
      c.Report(e.instruction, "apt-get install without -y", "apt-get install -y ...");
    }
  });
}

void CheckAptNoRecommends(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) {
          return v.Is("apt-get", {"install"}) && !v.HasFlag("no-install-recommends") &&
                 !v.HasArg("APT::Install-Recommends=false");
        })) {
      c.Report(e.instruction, "apt-get install without --no-install-recommends",
               "apt-get install -y --no-install-recommends ...");
    }
  });
}

void CheckAptPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!v.Is("apt-get", {"install"})) {
        continue;
      }
      for (const auto& p : Without(v.ArgsNoFlags({"t", "target-release"}), {"install"})) {
        if (!Contains(p, "=") && !Contains(p, "/") && !EndsWith(p, ".deb")) {
          unpinned.push_back(p);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "apt-get installs packages without a pinned version: " + Join(unpinned),
               "pin versions: apt-get install curl=7.88.1-10+deb12u5");
    }
  });
}

void CheckAptLists(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    bool update = std::any_of(views.begin(), views.end(), [](const CommandView& v) {
      return v.Is("apt", {"update"}) || v.Is("apt-get", {"update"}) || v.Is("aptitude", {"update"});
    });
    bool cleaned = std::any_of(views.begin(), views.end(), [](const CommandView& v) {
      return v.Is("rm", {"-rf", "/var/lib/apt/lists/*"});
    });
    if (!update || cleaned) {
      return;
    }
    const RunAnalysis& run = e.analysis;
    if (run.CacheOrTmpfsMountWith("/var/lib/apt/lists")) {
      return;
    }
    if (run.CacheOrTmpfsMountWith("/var/lib/apt") && run.CacheOrTmpfsMountWith("/var/cache/apt")) {
      return;
    }
    if (!StageMatters(c, e)) {
      return;
    }
    c.Report(e.instruction, "apt-get update leaves /var/lib/apt/lists in the layer",
             "end the RUN with: && rm -rf /var/lib/apt/lists/* (or use a cache mount)");
  });
}

void CheckUseAptGet(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) { return v.name == "apt"; })) {
      c.Report(e.instruction, "apt is meant for interactive use", "use apt-get (or apt-cache) in scripts");
    }
  });
}

void CheckAptDistUpgrade(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(),
                    [](const CommandView& v) { return v.Is("apt-get", {"dist-upgrade"}); })) {
      c.Report(e.instruction, "apt-get dist-upgrade in a build",
               "pin a newer base image instead of upgrading the distribution inside the build");
    }
  });
}

// Trivy DS017 (and checkov CKV_DOCKER_5): a package index update with no install of the same manager after it.
void CheckUpdateAlone(const CheckContext& c) {
  static const std::vector<std::vector<std::string_view>> kManagers = {
      {"apt-get", "apt"}, {"yum"}, {"apk"}, {"dnf"}, {"zypper"}};
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    for (const auto& managers : kManagers) {
      auto is_manager = [&](const CommandView& v) {
        return std::find(managers.begin(), managers.end(), v.name) != managers.end();
      };
      std::optional<std::size_t> update;
      bool install_after = false;
      for (std::size_t i = 0; i < views.size(); ++i) {
        if (!is_manager(views[i])) {
          continue;
        }
        if (views[i].HasAnyArg({"update", "up"}) && !update) {
          update = i;
        }
        if (update && views[i].HasAnyArg({"upgrade", "install", "source-install", "reinstall", "groupinstall",
                                          "localinstall", "add"})) {
          install_after = true;
        }
      }
      if (update && !install_after) {
        c.Report(e.instruction,
                 fmt::format("{} update in a RUN with no install after it; a later install may use a stale cached "
                             "index",
                             views[*update].name),
                 "combine update and install in one RUN: apt-get update && apt-get install -y ...");
        return;
      }
    }
  });
}

// ---------------------------------------------------------------- apk

void CheckApkNoCache(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (e.analysis.CacheOrTmpfsMountWith("/var/cache/apk")) {
      return;
    }
    if (std::any_of(views.begin(), views.end(),
                    [](const CommandView& v) { return v.Is("apk", {"add"}) && !v.HasFlag("no-cache"); })) {
      c.Report(e.instruction, "apk add without --no-cache", "apk add --no-cache ...");
    }
  });
}

void CheckApkPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!v.Is("apk", {"add"})) {
        continue;
      }
      for (const auto& p : Without(v.ArgsNoFlags({"t", "virtual", "repository", "X"}), {"add"})) {
        if (p.find_first_of("=~><") == std::string::npos && !EndsWith(p, ".apk")) {
          unpinned.push_back(p);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "apk add installs packages without a pinned version: " + Join(unpinned),
               "pin versions: apk add curl=8.5.0-r0");
    }
  });
}

// ---------------------------------------------------------------- pip

bool ContainsSequence(const std::vector<std::string>& words, std::initializer_list<std::string_view> seq) {
  if (seq.size() > words.size()) {
    return false;
  }
  for (std::size_t i = 0; i + seq.size() <= words.size(); ++i) {
    if (std::equal(seq.begin(), seq.end(), words.begin() + static_cast<std::ptrdiff_t>(i))) {
      return true;
    }
  }
  return false;
}

bool IsPipInstall(const CommandView& v) {
  return (StartsWith(v.name, "pip") && !StartsWith(v.name, "pipenv") && v.HasArg("install")) ||
         (StartsWith(v.name, "python") && ContainsSequence(v.args, {"-m", "pip", "install"}));
}

bool PipPinned(const std::string& p) {
  static const std::vector<std::string_view> kVcs = {
      "git+file", "git+https", "git+ssh",        "git+http", "git+git", "git",      "hg+file",   "hg+http",
      "hg+https", "hg+ssh",    "hg+static-http", "svn",      "svn+svn", "svn+http", "svn+https", "svn+ssh",
      "bzr+http", "bzr+https", "bzr+ssh",        "bzr+sftp", "bzr+ftp", "bzr+lp"};
  const bool vcs = std::any_of(kVcs.begin(), kVcs.end(), [&](std::string_view s) { return StartsWith(p, s); });
  for (std::string_view op : {"==", ">=", "<=", ">", "<", "!=", "~=", "==="}) {
    if (Contains(p, op)) {
      return true;
    }
  }
  return (vcs && Contains(p, "@")) || EndsWith(p, ".whl") || EndsWith(p, ".tar.gz") || (!vcs && Contains(p, "/"));
}

void CheckPipPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!IsPipInstall(v) || v.HasFlag("constraint") || v.HasFlag("c")) {
        continue;
      }
      if (v.HasAnyArg({"--requirement", "-r", "."})) {
        continue;
      }
      for (const auto& p : AfterInstall(v.ArgsNoFlags({"abi",
                                                       "b",
                                                       "build",
                                                       "e",
                                                       "editable",
                                                       "extra-index-url",
                                                       "f",
                                                       "find-links",
                                                       "i",
                                                       "index-url",
                                                       "implementation",
                                                       "no-binary",
                                                       "only-binary",
                                                       "platform",
                                                       "prefix",
                                                       "progress-bar",
                                                       "proxy",
                                                       "python",
                                                       "python-version",
                                                       "root",
                                                       "root-user-action",
                                                       "src",
                                                       "t",
                                                       "target",
                                                       "trusted-host",
                                                       "upgrade-strategy"}))) {
        if (!PipPinned(p)) {
          unpinned.push_back(p);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "pip installs packages without a pinned version: " + Join(unpinned),
               "pin versions: pip install requests==2.32.3 (or pip install -r requirements.txt)");
    }
  });
}

bool Truthy(std::string_view value) {
  static const std::set<std::string_view> kTruthy = {"1",  "true", "True", "TRUE", "on",
                                                     "On", "ON",   "yes",  "Yes",  "YES"};
  return kTruthy.count(value) > 0;
}

void CheckPipNoCache(const CheckContext& c) {
  // ENV PIP_NO_CACHE_DIR=<truthy> per stage, inherited through FROM <stage>.
  std::map<int, bool> no_cache;
  std::size_t next = 0;
  auto advance = [&](std::size_t until) {
    for (; next < until && next < c.file.instructions.size(); ++next) {
      const Instruction& inst = c.file.instructions[next];
      int stage = c.model.stage_of[next];
      if (inst.cmd == "FROM" && stage >= 0) {
        int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
        no_cache[stage] = parent >= 0 && no_cache[parent];
      }
      if (inst.cmd != "ENV") {
        continue;
      }
      for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
        if (inst.args[k] == "PIP_NO_CACHE_DIR" && Truthy(inst.args[k + 1])) {
          no_cache[stage] = true;
        }
      }
    }
  };
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    advance(e.instruction);
    if (no_cache[c.model.stage_of[e.instruction]]) {
      return;
    }
    const std::string script = RunScript(*e.run);
    if (std::size_t at = script.find("PIP_NO_CACHE_DIR="); at != std::string::npos) {
      std::string_view value = std::string_view(script).substr(at + 17);
      for (std::string_view t : {"1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES"}) {
        if (StartsWith(value, t)) {
          return;
        }
      }
    }
    if (e.analysis.CacheOrTmpfsMountWith(".cache/pip")) {
      return;
    }
    auto wrapper = [](const CommandView& v) {
      for (std::string_view w : {"pipx", "pipenv"}) {
        if (Contains(v.name, w) || (StartsWith(v.name, "python") && ContainsSequence(v.args, {"-m", w}))) {
          return true;
        }
      }
      return false;
    };
    if (std::any_of(views.begin(), views.end(), [&](const CommandView& v) {
          return IsPipInstall(v) && !v.HasArg("--no-cache-dir") && !wrapper(v);
        })) {
      c.Report(e.instruction, "pip install without --no-cache-dir", "pip install --no-cache-dir ...");
    }
  });
}

// ---------------------------------------------------------------- npm, yarn, gem, go

bool NpmPinned(const std::string& p) {
  for (std::string_view prefix : {"git://", "git+ssh://", "git+http://", "git+https://"}) {
    if (StartsWith(p, prefix)) {
      return Contains(p, "#");
    }
  }
  for (std::string_view suffix : {".tar", ".tar.gz", ".tgz"}) {
    if (EndsWith(p, suffix)) {
      return true;
    }
  }
  for (std::string_view prefix : {"/", "./", "../", "~/"}) {
    if (StartsWith(p, prefix)) {
      return true;
    }
  }
  std::string_view rest = p;
  if (StartsWith(rest, "@")) {
    // hadolint drops the scope as `dropWhile ('/' <)`: every character that sorts after '/'.
    std::size_t k = 0;
    while (k < rest.size() && rest[k] > '/') {
      ++k;
    }
    rest = rest.substr(k);
  }
  return Contains(rest, "@");
}

void CheckNpmPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!v.Is("npm", {"install"})) {
        continue;
      }
      auto words = v.ArgsNoFlags({"loglevel", "registry"});
      if (words.empty() || words.front() != "install") {
        continue;
      }
      for (const auto& p : AfterInstall(words)) {
        if (!NpmPinned(p)) {
          unpinned.push_back(p);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "npm installs packages without a pinned version: " + Join(unpinned),
               "pin versions: npm install express@4.19.2");
    }
  });
}

void CheckYarnCache(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    auto install = [](const CommandView& v) { return v.Is("yarn", {"install"}); };
    auto clean = [](const CommandView& v) { return v.Is("yarn", {"cache", "clean"}); };
    auto i = FirstIndex(views, install);
    if (!i) {
      return;
    }
    auto k = FirstIndex(views, clean);
    bool missing = !k && !e.analysis.CacheOrTmpfsMountWith(".cache/yarn");
    bool before = k && *k < *i;
    if ((missing || before) && StageMatters(c, e)) {
      c.Report(e.instruction, "yarn install without yarn cache clean after it", "&& yarn cache clean");
    }
  });
}

void CheckGemPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!v.Is("gem", {"install", "i"}) || v.HasAnyArg({"-v", "--version"}) || v.HasArgPrefix("--version=")) {
        continue;
      }
      // Options and the word after each are skipped, up to "--".
      for (std::size_t k = 0; k < v.args.size() && v.args[k] != "--"; ++k) {
        const std::string& a = v.args[k];
        if (StartsWith(a, "-")) {
          ++k;
          continue;
        }
        if (a != "install" && a != "i" && !Contains(a, ":")) {
          unpinned.push_back(a);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "gem installs gems without a pinned version: " + Join(unpinned),
               "pin versions: gem install rails:7.1.3");
    }
  });
}

void CheckGoPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> packages;
    for (const auto& v : views) {
      if (!v.Is("go", {"run"})) {
        continue;
      }
      auto words = v.ArgsNoFlags();
      for (std::size_t k = 0; k < words.size() && k <= 1; ++k) {
        if (words[k] != "run") {
          packages.push_back(words[k]);  // later words are the program's arguments
        }
      }
    }
    if (packages.empty()) {
      for (const auto& v : views) {
        if (!v.Is("go", {"install", "get"})) {
          continue;
        }
        for (const auto& w : Without(v.ArgsNoFlags(), {"install", "get", "tool"})) {
          packages.push_back(w);
        }
      }
    }
    std::vector<std::string> unpinned;
    for (const auto& p : packages) {
      bool local = p == "." || StartsWith(p, "/") || StartsWith(p, ".");
      bool pinned = Contains(p, "@") && !EndsWith(p, "@latest") && !EndsWith(p, "@none");
      if (!local && !pinned) {
        unpinned.push_back(p);
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "go installs modules without a pinned version: " + Join(unpinned),
               "go install example.com/tool@v1.2.3");
    }
  });
}

// ---------------------------------------------------------------- yum, dnf, zypper

void CheckYumYes(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) {
          return v.Is("yum", {"install", "groupinstall", "localinstall"}) && !v.HasAnyFlag({"y", "assumeyes"});
        })) {
      c.Report(e.instruction, "yum install without -y", "yum install -y ...");
    }
  });
}

void CheckYumClean(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (e.analysis.CacheOrTmpfsMountWith("/var/cache/yum")) {
      return;
    }
    if (!CleanedAfterInstall(
            views, [](const CommandView& v) { return v.Is("yum", {"install"}); },
            [](const CommandView& v) {
              return v.Is("yum", {"clean", "all"}) || v.Is("rm", {"-rf", "/var/cache/yum/*"});
            })) {
      c.Report(e.instruction, "yum install without yum clean all after it", "&& yum clean all");
    }
  });
}

void ReportRpmUnpinned(const CheckContext& c, const RunEntry& e, const std::vector<std::string>& packages,
                       const std::vector<std::string>& modules, const char* manager, const char* example) {
  std::set<std::string> known;
  bool known_loaded = false;
  std::vector<std::string> unpinned;
  for (const auto& p : packages) {
    if (Contains(p, "$") && !known_loaded) {
      known = KnownVariables(c, e.instruction);
      known_loaded = true;
    }
    if (!RpmVersionFixed(known, p)) {
      unpinned.push_back(p);
    }
  }
  for (const auto& m : modules) {
    if (!Contains(m, ":")) {
      unpinned.push_back(m);
    }
  }
  if (!unpinned.empty()) {
    c.Report(e.instruction, fmt::format("{} installs packages without a pinned version: {}", manager, Join(unpinned)),
             example);
  }
}

void CheckYumPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> packages, modules;
    for (const auto& v : views) {
      if (!v.Is("yum", {"install"})) {
        continue;
      }
      auto words = Without(v.ArgsNoFlags(), {"install", "module"});
      auto& into = v.HasArg("module") ? modules : packages;
      into.insert(into.end(), words.begin(), words.end());
    }
    ReportRpmUnpinned(c, e, packages, modules, "yum", "pin versions: yum install -y httpd-2.4.57");
  });
}

bool IsDnf(const CommandView& v) {
  return v.name == "dnf" || v.name == "microdnf";
}

void CheckDnfYes(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) {
          return IsDnf(v) && v.HasAnyArg({"install", "groupinstall", "localinstall"}) &&
                 !v.HasAnyFlag({"y", "assumeyes"});
        })) {
      c.Report(e.instruction, "dnf install without -y", "dnf install -y ...");
    }
  });
}

void CheckDnfClean(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    // dnf5 caches in /var/cache/libdnf5 (hadolint's test); dnf4 in /var/cache/dnf.
    if (e.analysis.CacheOrTmpfsMountWith("/var/cache/libdnf5") || e.analysis.CacheOrTmpfsMountWith(".cache/libdnf5") ||
        e.analysis.CacheOrTmpfsMountWith("/var/cache/dnf")) {
      return;
    }
    std::vector<std::string> missing;
    for (std::string_view manager : {"dnf", "microdnf"}) {
      if (!CleanedAfterInstall(
              views,
              [&](const CommandView& v) {
                return v.name == manager &&
                       v.HasAnyArg({"install", "in", "upgrade", "up", "upgrade-minimal", "up-min", "reinstall", "rei"});
              },
              [&](const CommandView& v) {
                return (v.name == manager && v.HasAnyArg({"clean", "all"})) ||
                       v.Is("rm", {"-rf", "/var/cache/libdnf5*"});
              })) {
        missing.emplace_back(manager);
      }
    }
    if (missing.empty()) {
      return;
    }
    Finding& f =
        c.Report(e.instruction, fmt::format("{} install without {} clean all after it", missing[0], missing[0]),
                 fmt::format("&& {} clean all", missing[0]));
    if (std::find(missing.begin(), missing.end(), "dnf") == missing.end()) {
      KeepAliases(f, {"DL3040", "AVD-DS-0027"});
    } else if (std::find(missing.begin(), missing.end(), "microdnf") == missing.end()) {
      KeepAliases(f, {"DL3040", "AVD-DS-0019"});
    }
  });
}

void CheckDnfPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> packages, modules;
    for (const auto& v : views) {
      if (!IsDnf(v) || !v.HasArg("install")) {
        continue;
      }
      auto words = Without(v.ArgsNoFlags(), {"install", "module"});
      if (v.HasArg("module")) {
        modules.insert(modules.end(), words.begin(), words.end());
      } else if (!v.HasArg("group")) {
        packages.insert(packages.end(), words.begin(), words.end());
      }
    }
    ReportRpmUnpinned(c, e, packages, modules, "dnf", "pin versions: dnf install -y httpd-2.4.57");
  });
}

void CheckZypperYes(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) {
          return v.Is("zypper", {"install", "in", "remove", "rm", "source-install", "si", "patch"}) &&
                 !v.HasAnyFlag({"non-interactive", "n", "no-confirm", "y"});
        })) {
      c.Report(e.instruction, "zypper without -n/-y waits for confirmation", "zypper -n install ...");
    }
  });
}

void CheckZypperDistUpgrade(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (std::any_of(views.begin(), views.end(), [](const CommandView& v) {
          return v.Is("zypper", {"dist-upgrade", "dup"});
        })) {
      c.Report(e.instruction, "zypper dist-upgrade in a build", "pin a newer base image instead");
    }
  });
}

void CheckZypperClean(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    if (e.analysis.CacheOrTmpfsMountWith("/var/cache/zypp")) {
      return;
    }
    if (!CleanedAfterInstall(
            views,
            [](const CommandView& v) {
              return v.Is("zypper", {"install", "in"});
            },
            [](const CommandView& v) {
              return v.Is("zypper", {"clean", "cc"});
            })) {
      c.Report(e.instruction, "zypper install without zypper clean after it", "&& zypper clean");
    }
  });
}

void CheckZypperPin(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    std::vector<std::string> unpinned;
    for (const auto& v : views) {
      if (!v.Is("zypper", {"install", "in"})) {
        continue;
      }
      for (const auto& p : Without(v.ArgsNoFlags(), {"install", "in"})) {
        if (p.find_first_of("=<>") == std::string::npos && !EndsWith(p, ".rpm")) {
          unpinned.push_back(p);
        }
      }
    }
    if (!unpinned.empty()) {
      c.Report(e.instruction, "zypper installs packages without a pinned version: " + Join(unpinned),
               "pin versions: zypper install -y httpd=2.4.57");
    }
  });
}

// ---------------------------------------------------------------- signatures

// checkov's package-signature checks (CKV2_DOCKER_7-11, 15), one finding per command with the id of its check.
void CheckPackageSignatures(const CheckContext& c) {
  ForRunViews(c, [&](const RunEntry& e, const std::vector<CommandView>& views) {
    for (const auto& v : views) {
      std::string what;
      std::string_view alias;
      if (v.name == "apk" && v.HasArg("--allow-untrusted")) {
        what = "apk --allow-untrusted";
        alias = "CKV2_DOCKER_7";
      } else if (v.name == "apt-get" && v.HasArg("--allow-unauthenticated")) {
        what = "apt-get --allow-unauthenticated";
        alias = "CKV2_DOCKER_8";
      } else if ((v.name == "yum" || v.name == "dnf" || v.name == "tdnf" || v.name == "microdnf") &&
                 v.HasArg("--nogpgcheck")) {
        what = v.name + " --nogpgcheck";
        alias = "CKV2_DOCKER_9";
      } else if (v.name == "rpm" && v.HasAnyArg({"--nodigest", "--nosignature", "--noverify", "--nofiledigest"})) {
        what = "rpm without signature or digest checks";
        alias = "CKV2_DOCKER_10";
      } else if (v.name == "apt-get" && v.HasArg("--force-yes")) {
        what = "apt-get --force-yes";
        alias = "CKV2_DOCKER_11";
      } else if (v.name == "yum-config-manager" || v.name == "dnf-config-manager" ||
                 ((v.name == "yum" || v.name == "dnf") && v.HasArg("config-manager"))) {
        for (const auto& a : v.args) {
          std::string lower = Lower(a);
          if (!StartsWith(lower, "--setopt=")) {
            continue;
          }
          std::size_t eq = lower.rfind('=');
          std::string key = lower.substr(9, eq - 9);
          std::string value = lower.substr(eq + 1);
          if ((key == "sslverify" || EndsWith(key, ".sslverify")) &&
              (value == "0" || value == "false" || value == "no")) {
            what = "sslverify disabled in the repository configuration";
            alias = "CKV2_DOCKER_15";
          }
        }
      }
      if (what.empty()) {
        continue;
      }
      Finding& f = c.Report(e.instruction, fmt::format("package signatures or TLS are not verified ({})", what),
                            "keep signature and certificate checks on; import the signing key instead");
      f.aliases = {std::string(alias)};
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
    {"shell-in-final-stage",
     Severity::kMedium,
     "Shell in the final image",
     "Off by default; the policy control no-shell (customs.policy.yaml) turns it on. The final image must start from "
     "scratch or a distroless base, install no shell package (bash, dash, busybox...) and COPY no shell in: without "
     "a shell, code execution in the container cannot become an interactive session.",
     {"", "", ""},
     CheckShellInFinalStage,
     true},
    {"package-signature-disabled",
     Severity::kHigh,
     "Package signatures or repository TLS not verified",
     "apk --allow-untrusted, apt-get --allow-unauthenticated or --force-yes, yum/dnf --nogpgcheck, rpm --nosignature "
     "and sslverify=0 install whatever a man in the middle serves. Each finding carries the id of the checkov check "
     "it matches.",
     {"CKV2_DOCKER_7", "CKV2_DOCKER_8", "CKV2_DOCKER_9", "CKV2_DOCKER_10", "CKV2_DOCKER_11", "CKV2_DOCKER_15"},
     CheckPackageSignatures},
    {"apt-get-missing-yes",
     Severity::kMedium,
     "apt-get install without -y",
     "Without -y the build waits for confirmation and fails.",
     {"DL3014", "AVD-DS-0021"},
     CheckAptYes},
    {"apt-get-install-recommends",
     Severity::kLow,
     "apt-get install without --no-install-recommends",
     "Recommended packages bloat the image with software that is never used.",
     {"DL3015", "AVD-DS-0029"},
     CheckAptNoRecommends},
    {"apt-get-unpinned",
     Severity::kLow,
     "apt-get install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3008"},
     CheckAptPin},
    {"apt-get-lists-not-removed",
     Severity::kLow,
     "apt-get update without removing /var/lib/apt/lists",
     "/var/lib/apt/lists left in a layer adds tens of MB. Reported for the final stage, stages other "
     "stages are built FROM, and ONBUILD triggers; a cache or tmpfs mount on the lists is fine.",
     {"DL3009"},
     CheckAptLists},
    {"use-apt-get",
     Severity::kLow,
     "apt used instead of apt-get",
     "apt's interface is not stable for scripts.",
     {"DL3027", "CKV_DOCKER_9"},
     CheckUseAptGet},
    {"apt-get-dist-upgrade",
     Severity::kLow,
     "apt-get dist-upgrade in a build",
     "Upgrading the whole distribution inside a build makes the result depend on the day of the build; pick a "
     "newer base image instead.",
     {"AVD-DS-0024"},
     CheckAptDistUpgrade},
    {"package-update-alone",
     Severity::kLow,
     "Package index update without install in the same RUN",
     "A cached update layer goes stale; later installs fetch outdated indexes.",
     {"AVD-DS-0017", "CKV_DOCKER_5"},
     CheckUpdateAlone},
    {"apk-missing-no-cache",
     Severity::kLow,
     "apk add without --no-cache",
     "The apk cache stays in the layer.",
     {"DL3019", "AVD-DS-0025"},
     CheckApkNoCache},
    {"apk-unpinned",
     Severity::kLow,
     "apk add without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3018"},
     CheckApkPin},
    {"pip-missing-no-cache-dir",
     Severity::kLow,
     "pip install without --no-cache-dir",
     "pip's cache stays in the layer.",
     {"DL3042"},
     CheckPipNoCache},
    {"pip-unpinned",
     Severity::kLow,
     "pip install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3013"},
     CheckPipPin},
    {"npm-unpinned",
     Severity::kLow,
     "npm install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3016"},
     CheckNpmPin},
    {"yarn-cache-not-cleaned",
     Severity::kInfo,
     "yarn install without yarn cache clean",
     "yarn's cache stays in the layer. Reported for the final stage, stages other stages are built FROM, and ONBUILD "
     "triggers; a cache mount on .cache/yarn is fine.",
     {"DL3060"},
     CheckYarnCache},
    {"gem-unpinned",
     Severity::kLow,
     "gem install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3028"},
     CheckGemPin},
    {"go-install-unpinned",
     Severity::kLow,
     "go install without a pinned version",
     "go install pkg@latest (or no version) is not reproducible.",
     {"DL3062"},
     CheckGoPin},
    {"yum-missing-yes",
     Severity::kMedium,
     "yum install without -y",
     "The build waits for confirmation and fails.",
     {"DL3030"},
     CheckYumYes},
    {"yum-not-cleaned",
     Severity::kLow,
     "yum install without yum clean all",
     "The yum cache stays in the layer.",
     {"DL3032", "AVD-DS-0015"},
     CheckYumClean},
    {"yum-unpinned",
     Severity::kLow,
     "yum install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3033"},
     CheckYumPin},
    {"dnf-missing-yes",
     Severity::kMedium,
     "dnf install without -y",
     "The build waits for confirmation and fails.",
     {"DL3038"},
     CheckDnfYes},
    {"dnf-not-cleaned",
     Severity::kLow,
     "dnf/microdnf install without clean all",
     "The dnf cache stays in the layer.",
     {"DL3040", "AVD-DS-0019", "AVD-DS-0027"},
     CheckDnfClean},
    {"dnf-unpinned",
     Severity::kLow,
     "dnf install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3041"},
     CheckDnfPin},
    {"zypper-missing-yes",
     Severity::kMedium,
     "zypper install without -y/-n",
     "The build waits for confirmation and fails.",
     {"DL3034"},
     CheckZypperYes},
    {"zypper-not-cleaned",
     Severity::kLow,
     "zypper install without zypper clean",
     "The zypper cache stays in the layer.",
     {"DL3036", "AVD-DS-0020"},
     CheckZypperClean},
    {"zypper-unpinned",
     Severity::kLow,
     "zypper install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     {"DL3037"},
     CheckZypperPin},
    {"zypper-dist-upgrade",
     Severity::kLow,
     "zypper dist-upgrade in a build",
     "Upgrading the whole distribution inside a build makes the result depend on the day of the build.",
     {"DL3035"},
     CheckZypperDistUpgrade},
};

}  // namespace

std::span<const Rule> PackagesRules() {
  return kPackagesRules;
}

}  // namespace customs::lint
