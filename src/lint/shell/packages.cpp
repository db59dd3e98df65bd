#include "lint/shell/packages.h"

#include <algorithm>
#include <map>

namespace customs::lint {
namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Options that take a separate value, per manager (so the value is not taken for a package name).
bool TakesValue(const std::string& manager, const std::string& opt) {
  static const std::vector<std::string> kApt = {"-o", "-c", "-t", "--target-release", "--option"};
  static const std::vector<std::string> kApk = {
      "-X",         "--repository",        "-p",         "--root", "-t", "--virtual", "--arch",
      "--keys-dir", "--repositories-file", "--cache-dir"};
  static const std::vector<std::string> kRpm = {
      "--enablerepo", "--disablerepo", "--setopt", "--installroot", "--releasever", "-c", "--config",
      "-x",           "--exclude",     "--repo",   "--nodocs_"};
  static const std::vector<std::string> kPip = {"-r",
                                                "--requirement",
                                                "-c",
                                                "--constraint",
                                                "-i",
                                                "--index-url",
                                                "--extra-index-url",
                                                "--trusted-host",
                                                "-t",
                                                "--target",
                                                "--prefix",
                                                "--root",
                                                "-f",
                                                "--find-links",
                                                "--cache-dir",
                                                "--src",
                                                "--platform",
                                                "--python-version"};
  static const std::vector<std::string> kNpm = {"--prefix", "--registry", "--cache", "-w", "--workspace"};
  static const std::vector<std::string> kGem = {"-v",       "--version", "-i", "--install-dir", "-n", "--bindir",
                                                "--source", "-s",        "-P", "--trust-policy"};
  const std::vector<std::string>* list = nullptr;
  if (manager == "apt-get" || manager == "apt") {
    list = &kApt;
  }
  if (manager == "apk") {
    list = &kApk;
  }
  if (manager == "yum" || manager == "dnf" || manager == "microdnf" || manager == "zypper") {
    list = &kRpm;
  }
  if (manager == "pip") {
    list = &kPip;
  }
  if (manager == "npm") {
    list = &kNpm;
  }
  if (manager == "gem") {
    list = &kGem;
  }
  return list != nullptr && std::find(list->begin(), list->end(), opt) != list->end();
}

InstalledPackage SplitPackage(const std::string& manager, const std::string& spec) {
  InstalledPackage p;
  p.name = spec;
  auto split_at = [&](std::size_t pos, std::size_t skip) {
    p.name = spec.substr(0, pos);
    p.version = spec.substr(pos + skip);
    p.pinned = !p.version.empty();
  };
  if (manager == "apt-get" || manager == "apt") {
    std::size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      split_at(eq, 1);
    }
    std::size_t slash = p.name.find('/');  // pkg/release
    if (slash != std::string::npos && !p.pinned) {
      p.name = p.name.substr(0, slash);
    }
    if (StartsWith(spec, "./") || StartsWith(spec, "/")) {
      p.pinned = true;  // local .deb
    }
  } else if (manager == "apk") {
    std::size_t pos = spec.find_first_of("=~><");
    if (pos != std::string::npos && pos > 0) {
      split_at(pos, spec[pos + 1] == '=' ? 2 : 1);
    }
  } else if (manager == "yum" || manager == "dnf" || manager == "microdnf" || manager == "zypper") {
    std::size_t pos = spec.find_first_of("=<>");
    if (pos != std::string::npos) {
      split_at(pos, spec[pos + 1] == '=' ? 2 : 1);
    } else {
      // name-version[-release]: a dash followed by a digit
      for (std::size_t i = 1; i + 1 < spec.size(); ++i) {
        if (spec[i] == '-' && std::isdigit(static_cast<unsigned char>(spec[i + 1]))) {
          split_at(i, 1);
          break;
        }
      }
    }
    if (spec.find(".rpm") != std::string::npos) {
      p.pinned = true;
    }
  } else if (manager == "pip") {
    std::size_t pos = spec.find_first_of("=<>~!@");
    if (pos != std::string::npos && pos > 0) {
      std::size_t end = pos;
      while (end < spec.size() && (spec[end] == '=' || spec[end] == '<' || spec[end] == '>' || spec[end] == '~' ||
                                   spec[end] == '!' || spec[end] == '@' || spec[end] == ' ')) {
        ++end;
      }
      p.name = spec.substr(0, pos);
      p.version = spec.substr(end);
      p.pinned = !p.version.empty();
    }
    if (spec.find('/') != std::string::npos || StartsWith(spec, ".") || spec.find(".whl") != std::string::npos) {
      p.pinned = true;  // a path, URL or wheel file is as pinned as it gets
    }
    std::size_t bracket = p.name.find('[');
    if (bracket != std::string::npos) {
      p.name = p.name.substr(0, bracket);
    }
  } else if (manager == "npm") {
    std::size_t at = spec.find('@', 1);
    if (at != std::string::npos) {
      split_at(at, 1);
    }
    if (spec.find('/') != std::string::npos && spec[0] != '@') {
      p.pinned = true;
    }
    if (spec.find("://") != std::string::npos || StartsWith(spec, "git+")) {
      p.pinned = true;
    }
  } else if (manager == "gem") {
    std::size_t colon = spec.find(':');
    if (colon != std::string::npos) {
      split_at(colon, 1);
    }
  } else if (manager == "go") {
    std::size_t at = spec.find('@');
    if (at != std::string::npos) {
      split_at(at, 1);
    }
    if (p.version == "latest") {
      p.pinned = false;
    }
  }
  if (p.version.empty()) {
    p.pinned = p.pinned && true;
  }
  return p;
}

}  // namespace

bool PackageInstall::HasFlag(std::string_view flag) const {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& f) { return f == flag || StartsWith(f, std::string(flag) + "="); });
}

bool RunAnalysis::CacheMounted(std::string_view path_prefix) const {
  return std::any_of(cache_mounts.begin(), cache_mounts.end(),
                     [&](const std::string& t) { return StartsWith(t, path_prefix) || StartsWith(path_prefix, t); });
}

bool RunAnalysis::CacheOrTmpfsMountWith(std::string_view fragment) const {
  auto has = [&](const std::string& t) { return t.find(fragment) != std::string::npos; };
  return std::any_of(cache_mounts.begin(), cache_mounts.end(), has) ||
         std::any_of(tmpfs_mounts.begin(), tmpfs_mounts.end(), has);
}

bool ParsePackageInstall(const ShellCommand& command, PackageInstall& out) {
  std::vector<std::string> argv = command.Effective();
  if (argv.empty()) {
    return false;
  }
  std::string program = command.Program();
  std::string manager = program;
  std::size_t i = 1;
  if (StartsWith(program, "pip") || ((program == "python" || StartsWith(program, "python3")) && argv.size() > 2 &&
                                     argv[1] == "-m" && StartsWith(argv[2], "pip"))) {
    manager = "pip";
    if (!StartsWith(program, "pip")) {
      i = 3;
    }
  }
  // apt-get [opts] install ...; the subcommand may come after options.
  std::vector<std::string> subcommands;
  if (manager == "apt-get" || manager == "apt") {
    subcommands = {"install"};
  } else if (manager == "apk") {
    subcommands = {"add"};
  } else if (manager == "yum" || manager == "dnf" || manager == "microdnf") {
    subcommands = {"install", "groupinstall", "reinstall"};
  } else if (manager == "zypper") {
    subcommands = {"install", "in"};
  } else if (manager == "pip") {
    subcommands = {"install"};
  } else if (manager == "npm") {
    subcommands = {"install", "i", "add"};
  } else if (manager == "gem") {
    subcommands = {"install", "i"};
  } else if (manager == "go") {
    subcommands = {"install", "get"};
  } else {
    return false;
  }
  out = PackageInstall();
  out.manager = manager;
  bool found = false;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (StartsWith(a, "-")) {
      out.flags.push_back(a);
      if (TakesValue(manager, a) && i + 1 < argv.size()) {
        out.flags.push_back(argv[++i]);
      }
      continue;
    }
    if (!found) {
      if (std::find(subcommands.begin(), subcommands.end(), a) == subcommands.end()) {
        return false;
      }
      found = true;
      continue;
    }
    if (a.empty()) {
      continue;
    }
    out.packages.push_back(SplitPackage(manager, a));
  }
  if (!found) {
    return false;
  }
  for (const auto& f : out.flags) {
    if (f == "-y" || f == "--yes" || f == "--assume-yes" || f == "-qq" || f == "-qy" || f == "-yq" ||
        f == "--assumeyes" || f == "-n" || f == "--non-interactive" || f == "--no-confirm" ||
        (f.size() > 1 && f[0] == '-' && f[1] != '-' && f.find('y') != std::string::npos &&
         (manager == "apt-get" || manager == "apt" || manager == "yum" || manager == "dnf"))) {
      out.assume_yes = true;
    }
    if (f == "--no-install-recommends" || f == "-o=APT::Install-Recommends=false") {
      out.no_install_recommends = true;
    }
    if (f == "APT::Install-Recommends=false" || f == "APT::Install-Recommends=0") {
      out.no_install_recommends = true;
    }
    if (f == "--no-cache" || f == "--no-cache-dir") {
      out.no_cache = true;
    }
  }
  for (std::size_t k = 0; k + 1 < out.flags.size(); ++k) {
    if (manager == "apk" && (out.flags[k] == "--virtual" || out.flags[k] == "-t")) {
      out.virtual_group = out.flags[k + 1];
    }
  }
  if (manager == "microdnf" || manager == "apk" || manager == "pip" || manager == "npm" || manager == "gem" ||
      manager == "go") {
    out.assume_yes = out.assume_yes || manager != "microdnf";
  }
  if (manager == "zypper") {
    // zypper's -n is a global option before the subcommand; flags hold both
  }
  return true;
}

RunAnalysis AnalyzeRun(std::string_view script, const std::vector<std::string>& flags) {
  RunAnalysis analysis;
  analysis.commands = SplitShellCommands(script);
  analysis.views.reserve(analysis.commands.size());
  for (const auto& command : analysis.commands) {
    analysis.views.push_back(View(command));
  }
  for (const auto& flag : flags) {
    if (!StartsWith(flag, "--mount=")) {
      continue;
    }
    std::string spec = flag.substr(8);
    const bool cache = spec.find("type=cache") != std::string::npos;
    const bool tmpfs = spec.find("type=tmpfs") != std::string::npos;
    if (!cache && !tmpfs) {
      continue;
    }
    std::size_t start = 0;
    while (start <= spec.size()) {
      std::size_t comma = spec.find(',', start);
      std::string part = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      for (std::string_view key : {"target=", "dst=", "destination="}) {
        if (StartsWith(part, key)) {
          (cache ? analysis.cache_mounts : analysis.tmpfs_mounts).push_back(part.substr(key.size()));
        }
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  bool apt_mark_auto_all = false;
  std::map<std::string, std::vector<std::string>> virtual_groups;
  for (const auto& command : analysis.commands) {
    const std::string prog = command.Program();
    const auto args = command.Effective();
    auto has_arg = [&](std::string_view w) { return std::find(args.begin(), args.end(), w) != args.end(); };
    if (prog == "apt-mark" && has_arg("auto") && (has_arg(".*") || has_arg("'.*'"))) {
      apt_mark_auto_all = true;
    }
    bool remove = (prog == "apk" && has_arg("del")) ||
                  ((prog == "apt-get" || prog == "apt") && (has_arg("purge") || has_arg("remove"))) ||
                  ((prog == "yum" || prog == "dnf" || prog == "microdnf" || prog == "zypper") &&
                   (has_arg("remove") || has_arg("erase") || has_arg("rm")));
    if (remove) {
      if ((prog == "apt-get" || prog == "apt") && apt_mark_auto_all && has_arg("--auto-remove")) {
        analysis.purges_all_installed = true;
      }
      for (std::size_t k = 1; k < args.size(); ++k) {
        if (args[k].empty() || args[k][0] == '-') {
          continue;
        }
        analysis.removed.insert(args[k]);
        auto group = virtual_groups.find(args[k]);
        if (group != virtual_groups.end()) {
          analysis.removed.insert(group->second.begin(), group->second.end());
        }
      }
    }
    PackageInstall install;
    if (ParsePackageInstall(command, install)) {
      if (!install.virtual_group.empty()) {
        for (const auto& p : install.packages) {
          virtual_groups[install.virtual_group].push_back(p.name);
        }
      }
      analysis.installs.push_back(std::move(install));
    }
    const std::string program = command.Program();
    const auto eff = command.Effective();
    auto has = [&](std::string_view w) { return std::find(eff.begin(), eff.end(), w) != eff.end(); };
    if (program == "rm") {
      for (const auto& a : eff) {
        if (StartsWith(a, "/var/lib/apt/lists")) {
          analysis.apt_lists_removed = true;
        }
        if (StartsWith(a, "/var/cache/apk")) {
          analysis.apk_cache_removed = true;
        }
        if (StartsWith(a, "/var/cache/yum")) {
          analysis.yum_clean = true;
        }
        if (StartsWith(a, "/var/cache/dnf")) {
          analysis.dnf_clean = true;
        }
        if (StartsWith(a, "/var/cache/zypp")) {
          analysis.zypper_clean = true;
        }
      }
    }
    if ((program == "apt-get" || program == "apt") && has("update")) {
      analysis.apt_update = true;
    }
    if (program == "yum" && has("clean")) {
      analysis.yum_clean = true;
    }
    if ((program == "dnf" || program == "microdnf") && has("clean")) {
      analysis.dnf_clean = true;
    }
    if (program == "zypper" && (has("clean") || has("cc"))) {
      analysis.zypper_clean = true;
    }
  }
  return analysis;
}

}  // namespace customs::lint
