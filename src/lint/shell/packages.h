// Package-install parsing on top of the shell tokenizer: apt-get/apt, apk, yum, dnf, microdnf, zypper, pip,
// npm, gem and `go install`. Says which packages a command installs, whether each is pinned, which flags were
// given, and whether the package cache is cleaned in the same RUN or kept out of the layer by a cache mount.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "lint/shell/shell_commands.h"

namespace customs::lint {

struct InstalledPackage {
  std::string name;     // without version: "curl"
  std::string version;  // "7.88.1-10" when pinned, else ""
  bool pinned = false;
};

struct PackageInstall {
  std::string manager;  // "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "gem", "go"
  std::vector<InstalledPackage> packages;
  std::vector<std::string> flags;  // every option given, as written
  bool assume_yes = false;         // -y / --yes / -n / --non-interactive / --assumeyes / -q=2
  bool no_install_recommends = false;
  bool no_cache = false;      // apk --no-cache, pip --no-cache-dir
  std::string virtual_group;  // apk add --virtual NAME
  bool HasFlag(std::string_view flag) const;
};

struct RunAnalysis {
  std::vector<ShellCommand> commands;
  std::vector<CommandView> views;  // View(commands[i]), computed once
  std::vector<PackageInstall> installs;
  bool apt_lists_removed = false;  // rm -rf /var/lib/apt/lists/*
  bool apt_update = false;
  bool yum_clean = false;  // yum clean all
  bool dnf_clean = false;
  bool zypper_clean = false;
  bool apk_cache_removed = false;         // rm -rf /var/cache/apk/*
  std::vector<std::string> cache_mounts;  // targets of --mount=type=cache
  std::vector<std::string> tmpfs_mounts;  // targets of --mount=type=tmpfs
  // Packages removed again later in the same RUN (apk del, apt-get purge/remove, yum/dnf remove), including
  // apk --virtual groups and docker-library's `apt-mark auto '.*'; apt-get purge --auto-remove` idiom.
  std::set<std::string> removed;
  bool purges_all_installed = false;
  bool Removed(const std::string& package) const { return purges_all_installed || removed.count(package) > 0; }
  bool CacheMounted(std::string_view path_prefix) const;
  // hadolint's hasCacheOrTmpfsMountWith: a cache or tmpfs mount whose target contains `fragment`.
  bool CacheOrTmpfsMountWith(std::string_view fragment) const;
};

// Analyses a RUN script (shell form text or heredoc body). `mount_flags` are the RUN's --mount values.
RunAnalysis AnalyzeRun(std::string_view script, const std::vector<std::string>& flags);

// Parses one command's install, if it is one.
bool ParsePackageInstall(const ShellCommand& command, PackageInstall& out);

}  // namespace customs::lint
