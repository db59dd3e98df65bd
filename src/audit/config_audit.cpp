#include "audit/config_audit.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "core/known_tools.h"

namespace customs::audit {

struct PasswdEntry {
  std::string name;
  long uid = -1;
  long gid = -1;
  std::string shell;
};

struct ConfigContext {
  const ImageFacts& facts;
  const FileTree& tree;
  const secrets::SecretScanner* scanner;
  Diagnostics& diagnostics;
  std::vector<AuditFinding>& out;
  const ConfigRule* rule = nullptr;
  bool has_passwd = false;
  std::vector<PasswdEntry> passwd;

  AuditFinding& Report(std::string message, std::string path = {}, int layer = -1, std::string fix = {}) {
    AuditFinding f;
    f.scanner = Scanner::kConfig;
    f.rule = std::string(rule->id);
    std::string_view aliases = rule->aliases;
    while (!aliases.empty()) {
      std::size_t comma = aliases.find(',');
      f.aliases.emplace_back(aliases.substr(0, comma));
      aliases = comma == std::string_view::npos ? std::string_view() : aliases.substr(comma + 1);
    }
    f.severity = rule->severity;
    f.title = std::string(rule->title);
    f.message = std::move(message);
    f.path = std::move(path);
    f.fix = std::move(fix);
    SetLayer(f, layer);
    out.push_back(std::move(f));
    return out.back();
  }

  void SetLayer(AuditFinding& f, int layer) const {
    f.layer = layer;
    if (layer >= 0 && static_cast<std::size_t>(layer) < tree.layers().size()) {
      f.layer_digest = tree.layers()[static_cast<std::size_t>(layer)].digest;
      f.created_by = tree.layers()[static_cast<std::size_t>(layer)].created_by;
    }
  }
};

namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view line, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = line.find(separator, start);
    if (end == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

bool ParseLong(std::string_view text, long* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string Content(const FileTree& tree, std::string_view path, bool* present) {
  auto content = tree.ReadContent(path);
  *present = static_cast<bool>(content);
  return content ? **content : std::string();
}

void LoadPasswd(ConfigContext& context) {
  bool present = false;
  std::string text = Content(context.tree, "/etc/passwd", &present);
  context.has_passwd = present;
  for (std::string_view line : SplitLines(text)) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = SplitFields(line, ':');
    if (fields.size() < 4) continue;
    PasswdEntry entry;
    entry.name = std::string(fields[0]);
    if (!ParseLong(fields[2], &entry.uid) || !ParseLong(fields[3], &entry.gid)) continue;
    if (fields.size() >= 7) entry.shell = std::string(fields[6]);
    context.passwd.push_back(std::move(entry));
  }
}

const PasswdEntry* FindUser(const ConfigContext& context, std::string_view name) {
  for (const auto& entry : context.passwd) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

// Files in the executable directories with one of `names` (symlinks included: a busybox applet link is the tool).
std::vector<std::pair<std::string, int>> FilesNamed(const FileTree& tree, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, int>> found;
  for (std::string_view dir : ExecutableDirectories()) {
    for (const auto& name : names) {
      std::string path = std::string(dir) + "/" + name;
      const FileNode* node = tree.Find(path);
      if (node == nullptr || node->type == FileType::kDirectory) continue;
      // /bin and /usr/bin are often the same directory (usrmerge): report the real one once.
      auto resolved = tree.Resolve(std::string(dir));
      if (resolved && *resolved != dir && tree.Find(*resolved + "/" + name) != nullptr) continue;
      found.emplace_back(path, node->layer);
    }
  }
  return found;
}

std::string JoinLimited(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += fmt::format(" and {} more", items.size() - limit);
  return out;
}

// Reports one finding per tool of `kind` present by package or by file.
void CheckTools(ConfigContext& context, ToolKind kind, const char* what, const char* fix) {
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind != kind) continue;
    std::vector<std::string> evidence;
    int layer = -1;
    std::string path;
    for (const auto& package : context.facts.packages) {
      if (!MatchesPackagePatterns(tool.packages, package.name)) continue;
      evidence.push_back(fmt::format("package {} {}", package.name, package.version));
      if (layer < 0 || (package.layer >= 0 && package.layer < layer)) layer = package.layer;
    }
    for (const auto& [file, file_layer] : FilesNamed(context.tree, tool.binaries)) {
      evidence.push_back(file);
      if (path.empty()) path = file;
      if (layer < 0) layer = file_layer;
    }
    if (evidence.empty()) continue;
    context.Report(fmt::format("{} {}: {}", what, tool.name, JoinLimited(evidence, 6)), path, layer, fix);
  }
}

void CheckRunsAsRoot(ConfigContext& context) {
  if (!context.facts.has_config) return;
  std::string_view user = context.facts.user;
  std::string_view name = user.substr(0, user.find(':'));
  const char* fix = "Create an unprivileged user and end the Dockerfile with USER <name or uid>";
  if (name.empty()) {
    context.Report("the config sets no User: the container runs as root", {}, -1, fix);
    return;
  }
  long uid = -1;
  if (name == "root" || (ParseLong(name, &uid) && uid == 0)) {
    context.Report(fmt::format("the config User is \"{}\": the container runs as root", user), {}, -1, fix);
    return;
  }
  if (ParseLong(name, &uid)) return;
  if (const PasswdEntry* entry = FindUser(context, name); entry != nullptr && entry->uid == 0) {
    context.Report(fmt::format("the config User \"{}\" has uid 0 in the image's /etc/passwd: it is root", name),
                   "/etc/passwd", -1, fix);
  } else if (entry == nullptr && context.has_passwd) {
    context.diagnostics.Warn("audit/config", "/etc/passwd",
                             fmt::format("the config User \"{}\" is not in the image's /etc/passwd", name));
  }
}

// Packages a distroless base image (gcr.io/distroless/base-debian12) carries.
constexpr std::array<std::string_view, 6> kDistrolessBase = {"base-files", "ca-certificates", "libc6",
                                                             "libssl3",    "netbase",         "tzdata"};

void CheckFullOsBase(ConfigContext& context) {
  const auto& facts = context.facts;
  static const std::set<std::string, std::less<>> kFullDistros = {
      "debian",    "ubuntu", "rhel", "centos", "fedora",        "rocky",
      "almalinux", "ol",     "amzn", "sles",   "opensuse-leap", "opensuse-tumbleweed"};
  if (facts.os_family.empty() || !kFullDistros.contains(facts.os_family)) return;
  std::vector<std::string> managers;
  for (const auto& package : facts.packages) {
    const KnownTool* tool = ToolForPackage(ToolKind::kPackageManager, package.name);
    if (tool != nullptr && (tool->name == "apt" || tool->name == "rpm")) managers.push_back(package.name);
  }
  if (managers.empty()) return;  // distroless-style: packages recorded, no manager to install more
  std::size_t os_packages = 0, in_base = 0;
  int layer = -1;
  for (const auto& package : facts.packages) {
    if (package.type != "deb" && package.type != "rpm") continue;
    ++os_packages;
    if (std::find(kDistrolessBase.begin(), kDistrolessBase.end(), package.name) != kDistrolessBase.end()) ++in_base;
    if (package.layer >= 0 && (layer < 0 || package.layer < layer)) layer = package.layer;
  }
  std::string name = facts.os_pretty_name.empty() ? facts.os_family + " " + facts.os_version : facts.os_pretty_name;
  context.Report(fmt::format("a full {} base with {} OS packages and a package manager ({}); a distroless base "
                             "carries {} of them: {} packages it would not carry",
                             name, os_packages, JoinLimited(managers, 3), in_base, os_packages - in_base),
                 {}, layer,
                 "Build FROM a distroless or alpine base (or a slim one, copying only the application in a "
                 "multi-stage build)");
}

void CheckAttackerTools(ConfigContext& context) {
  CheckTools(context, ToolKind::kAttackerTool, "attacker tool",
             "Remove it from the final image: an intruder with a shell uses it to download payloads or move on");
}

void CheckCompilers(ConfigContext& context) {
  CheckTools(context, ToolKind::kCompiler, "build tool",
             "Compile in a builder stage and copy only the result into the final image (multi-stage build)");
}

void CheckPackageManagers(ConfigContext& context) {
  CheckTools(context, ToolKind::kPackageManager, "package manager",
             "A distroless final image has no package manager; an intruder cannot install tools with it");
}

void CheckShell(ConfigContext& context) {
  std::vector<std::string> shells;
  std::string path;
  int layer = -1;
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind != ToolKind::kShell) continue;
    for (const auto& [file, file_layer] : FilesNamed(context.tree, tool.binaries)) {
      shells.push_back(file);
      if (path.empty()) {
        path = file;
        layer = file_layer;
      }
    }
  }
  if (shells.empty()) return;
  context.Report(fmt::format("a shell is present: {}", JoinLimited(shells, 6)), path, layer,
                 "Distroless means no shell: an intruder cannot type commands into a container without one");
}

void CheckSetuid(ConfigContext& context) {
  for (const auto& [path, node] : context.tree.entries()) {
    if (node.type != FileType::kRegular || (node.mode & 06000) == 0) continue;
    const char* bits = (node.mode & 06000) == 06000 ? "setuid and setgid" : (node.mode & 04000) ? "setuid" : "setgid";
    context.Report(fmt::format("{} {} (mode {:04o}, owner uid {})", path, bits, node.mode, node.uid), path, node.layer,
                   "Remove the bit (chmod u-s,g-s) unless the image needs it: a setuid binary is a privilege "
                   "escalation path");
  }
}

bool UnderTemporary(std::string_view path) {
  for (std::string_view dir : {"/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock"}) {
    if (path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/')) return true;
  }
  return false;
}

void CheckWorldWritable(ConfigContext& context) {
  std::vector<std::string> found;
  std::string first;
  int layer = -1;
  for (const auto& [path, node] : context.tree.entries()) {
    if (node.type != FileType::kRegular && node.type != FileType::kDirectory) continue;
    if ((node.mode & 0002) == 0 || UnderTemporary(path)) continue;
    if (node.type == FileType::kDirectory && (node.mode & 01000) != 0) continue;  // sticky: like /tmp
    found.push_back(path);
    if (first.empty()) {
      first = path;
      layer = node.layer;
    }
  }
  if (found.empty()) return;
  context.Report(fmt::format("{} world-writable path{} outside temporary directories: {}", found.size(),
                             found.size() == 1 ? "" : "s", JoinLimited(found, 8)),
                 first, layer, "chmod o-w: anyone in the container can replace what the application runs or reads");
}

void CheckUnknownOwners(ConfigContext& context) {
  if (!context.has_passwd) return;
  std::set<long> uids;
  for (const auto& entry : context.passwd) uids.insert(entry.uid);
  std::map<long, std::vector<std::string>> orphans;
  std::size_t total = 0;
  int layer = -1;
  for (const auto& [path, node] : context.tree.entries()) {
    if (uids.contains(static_cast<long>(node.uid))) continue;
    ++total;
    auto& list = orphans[static_cast<long>(node.uid)];
    if (list.size() < 3) list.push_back(path);
    if (layer < 0) layer = node.layer;
  }
  if (total == 0) return;
  std::vector<std::string> parts;
  for (const auto& [uid, paths] : orphans) parts.push_back(fmt::format("uid {} ({})", uid, JoinLimited(paths, 3)));
  context.Report(fmt::format("{} file{} owned by a uid that /etc/passwd does not name: {}", total,
                             total == 1 ? "" : "s", JoinLimited(parts, 4)),
                 {}, layer,
                 "chown to a user the image defines: a uid that a later user takes over would own these files");
}

// FIELD-NOTES "Dockerfiles": a secret is recognised by its name on token boundaries.
bool SecretName(std::string_view name) {
  static const RE2 kSecretName(
      "(?i)(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|PASS|CREDENTIALS?|APIKEY|AUTH|PRIVATE_?KEY)(?:_|$)");
  static const RE2 kNotSecret("(?i)(?:^|_)(?:GPG|PGP|PUBLIC|FINGERPRINT|FILE|PATH|DIR|URL|ID|NAME|TYPE|LENGTH)(?:_|$)");
  re2::StringPiece piece(name.data(), name.size());
  return RE2::PartialMatch(piece, kSecretName) && !RE2::PartialMatch(piece, kNotSecret);
}

bool Placeholder(std::string_view value) {
  static const RE2 kPlaceholder(
      R"((?i)^(?:|changeme|change_me|none|null|false|true|0|1|yes|no|\*+|x+|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)$)");
  return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), kPlaceholder);
}

// Secret rules matched over one line of configuration text; returns "rule title (AKIA*****)" items.
std::vector<std::string> ScanText(const secrets::SecretScanner* scanner, std::string_view text) {
  std::vector<std::string> found;
  if (scanner == nullptr) return found;
  auto scan = scanner->NewFileScan();
  scan->Begin();
  scan->Feed(text);
  for (const auto& hit : scan->End()) {
    found.push_back(fmt::format("{} ({})", scanner->rules().rules[hit.rule].title, hit.masked));
  }
  return found;
}

void CheckSecretsInEnv(ConfigContext& context) {
  if (!context.facts.has_config) return;
  for (const auto& item : context.facts.env) {
    std::size_t eq = item.find('=');
    std::string_view name = std::string_view(item).substr(0, eq);
    std::string_view value = eq == std::string::npos ? std::string_view() : std::string_view(item).substr(eq + 1);
    std::vector<std::string> found = ScanText(context.scanner, item);
    if (found.empty() && SecretName(name) && !Placeholder(value)) {
      found.push_back(fmt::format("a secret-like name with the value {}", secrets::MaskSecret(value)));
    }
    if (found.empty()) continue;
    context.Report(fmt::format("ENV {}: {}", name, JoinLimited(found, 3)), {}, -1,
                   "Pass secrets at run time (a mounted file, the orchestrator's secrets), never in ENV: the config "
                   "is readable by anyone who pulls the image");
  }
}

void CheckSecretsInHistory(ConfigContext& context) {
  if (!context.facts.has_config) return;
  const auto& history = context.facts.history;
  for (std::size_t i = 0; i < history.size(); ++i) {
    std::string_view line = history[i];
    std::vector<std::string> found = ScanText(context.scanner, line);
    // The classic builder records build arguments as "|N NAME=value ... /bin/sh -c ...".
    if (line.starts_with("|")) {
      std::size_t space = line.find(' ');
      std::size_t count = 0;
      std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      long expected = 0;
      ParseLong(line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1), &expected);
      while (!rest.empty() && count < static_cast<std::size_t>(std::max(expected, 0L))) {
        std::size_t next = rest.find(' ');
        std::string_view pair = rest.substr(0, next);
        std::size_t eq = pair.find('=');
        if (eq != std::string_view::npos && SecretName(pair.substr(0, eq)) && !Placeholder(pair.substr(eq + 1))) {
          found.push_back(
              fmt::format("build argument {} = {}", pair.substr(0, eq), secrets::MaskSecret(pair.substr(eq + 1))));
        }
        ++count;
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      }
    }
    if (found.empty()) continue;
    int layer = i < context.facts.history_layer.size() ? context.facts.history_layer[i] : -1;
    context.Report(fmt::format("image history entry {}: {}", i + 1, JoinLimited(found, 3)), {}, layer,
                   "Use build secrets (RUN --mount=type=secret), never --build-arg or inline values: history is "
                   "part of the image");
  }
}

void CheckSshd(ConfigContext& context) {
  std::vector<std::string> evidence;
  int layer = -1;
  for (const auto& package : context.facts.packages) {
    if (package.name == "openssh-server" || package.name == "dropbear" || package.name == "dropbear-bin") {
      evidence.push_back(fmt::format("package {} {}", package.name, package.version));
      layer = package.layer;
    }
  }
  std::string path;
  for (const auto& [file, file_layer] : FilesNamed(context.tree, {"sshd", "dropbear"})) {
    evidence.push_back(file);
    if (path.empty()) path = file;
    if (layer < 0) layer = file_layer;
  }
  if (evidence.empty()) return;
  context.Report(fmt::format("an SSH server is installed: {}", JoinLimited(evidence, 4)), path, layer,
                 "Remove it: use the orchestrator's exec for debugging, not an SSH daemon in the container");
}

void CheckSudo(ConfigContext& context) {
  std::vector<std::string> evidence;
  int layer = -1;
  for (const auto& package : context.facts.packages) {
    if (package.name == "sudo" || package.name == "doas") {
      evidence.push_back(fmt::format("package {} {}", package.name, package.version));
      layer = package.layer;
    }
  }
  std::string path;
  for (const auto& [file, file_layer] : FilesNamed(context.tree, {"sudo", "doas"})) {
    evidence.push_back(file);
    if (path.empty()) path = file;
    if (layer < 0) layer = file_layer;
  }
  if (evidence.empty()) return;
  context.Report(fmt::format("sudo is installed: {}", JoinLimited(evidence, 4)), path, layer,
                 "Remove sudo; run the container as the user it needs");
}

void CheckHealthcheck(ConfigContext& context) {
  if (!context.facts.has_config) return;
  if (context.facts.has_healthcheck) return;
  context.Report("the config has no HEALTHCHECK", {}, -1,
                 "Add a HEALTHCHECK so the engine can tell a hung container from a working one");
}

void CheckAddRemote(ConfigContext& context) {
  if (!context.facts.has_config) return;
  static const RE2 kAddUrl(R"((?:^|\s|\)\s*)ADD\s+(?:--[^\s]+\s+)*(https?://[^\s]+))");
  const auto& history = context.facts.history;
  for (std::size_t i = 0; i < history.size(); ++i) {
    std::string url;
    if (!RE2::PartialMatch(history[i], kAddUrl, &url)) continue;
    int layer = i < context.facts.history_layer.size() ? context.facts.history_layer[i] : -1;
    context.Report(fmt::format("history entry {} downloads {} with ADD", i + 1, url), {}, layer,
                   "Use COPY of a verified file, or ADD --checksum=sha256:..., so the build cannot fetch something "
                   "else");
  }
}

void CheckPackageCaches(ConfigContext& context) {
  struct Cache {
    std::string_view dir;
    std::string_view what;
  };
  constexpr std::array<Cache, 5> kCaches = {{{"/var/lib/apt/lists", "apt package lists"},
                                             {"/var/cache/apt/archives", "downloaded .deb files"},
                                             {"/var/cache/apk", "apk cache"},
                                             {"/var/cache/yum", "yum cache"},
                                             {"/var/cache/dnf", "dnf cache"}}};
  for (const Cache& cache : kCaches) {
    std::uint64_t bytes = 0;
    std::size_t files = 0;
    int layer = -1;
    for (const auto& path : context.tree.ListPrefix(std::string(cache.dir) + "/")) {
      const FileNode* node = context.tree.Find(path);
      if (node == nullptr || node->type != FileType::kRegular) continue;
      std::string_view base = std::string_view(path).substr(path.rfind('/') + 1);
      if (base == "lock") continue;
      ++files;
      bytes += node->size;
      if (layer < 0 || node->layer > layer) layer = node->layer;
    }
    if (files == 0) continue;
    context.Report(fmt::format("{} left in the image: {} files, {} bytes in {}", cache.what, files, bytes, cache.dir),
                   std::string(cache.dir), layer,
                   "Clean up in the same RUN that installs (rm -rf /var/lib/apt/lists/*, apk add --no-cache)");
  }
}

void CheckEmptyPasswords(ConfigContext& context) {
  bool present = false;
  std::string text = Content(context.tree, "/etc/shadow", &present);
  std::vector<std::string> users;
  for (std::string_view line : SplitLines(text)) {
    auto fields = SplitFields(line, ':');
    if (fields.size() >= 2 && !fields[0].empty() && fields[1].empty()) users.emplace_back(fields[0]);
  }
  if (users.empty()) return;
  context.Report(fmt::format("user{} with an empty password in /etc/shadow: {}", users.size() == 1 ? "" : "s",
                             JoinLimited(users, 6)),
                 "/etc/shadow", context.tree.Find("/etc/shadow") ? context.tree.Find("/etc/shadow")->layer : -1,
                 "Lock the account (passwd -l) or set '*' as its password field");
}

void CheckDuplicateUids(ConfigContext& context) {
  std::map<long, std::vector<std::string>> by_uid;
  for (const auto& entry : context.passwd) by_uid[entry.uid].push_back(entry.name);
  std::vector<std::string> duplicates;
  for (const auto& [uid, names] : by_uid) {
    if (names.size() > 1) duplicates.push_back(fmt::format("uid {}: {}", uid, JoinLimited(names, 4)));
  }
  if (duplicates.empty()) return;
  context.Report(fmt::format("several users share a uid in /etc/passwd: {}", JoinLimited(duplicates, 4)), "/etc/passwd",
                 -1, "Give every user its own uid");
}

constexpr ConfigRule kRules[] = {
    {"image-runs-as-root", "CIS-DI-0001", Severity::kHigh, "Image runs as root",
     "A container that runs as root is root on the host the moment it breaks out. The config User must name a "
     "non-root user (a uid, or a name whose uid in the image's /etc/passwd is not 0).",
     CheckRunsAsRoot},
    {"full-os-base", "", Severity::kMedium, "Full OS base image",
     "A full distribution base (Debian, Ubuntu, RHEL...) with its package manager ships hundreds of libraries the "
     "application never uses, each a CVE waiting to be found. A distroless or alpine base carries a handful.",
     CheckFullOsBase},
    {"attacker-tool-present", "", Severity::kHigh, "Attacker tool present",
     "curl, wget, netcat, nmap, socat, tcpdump, telnet, ssh and ftp clients, gdb, strace: the first things an "
     "intruder with a shell reaches for. Judged by the package database and by the files on disk (a statically "
     "copied binary counts). The list is shared with customs lint and the runtime policy (src/core/data/tools.txt).",
     CheckAttackerTools},
    {"compiler-present", "", Severity::kHigh, "Compiler or build tool present",
     "gcc, cc1, clang, go, rustc, make and development packages belong in a builder stage: shipped, they let an "
     "intruder build exploits in place.",
     CheckCompilers},
    {"shell-present", "", Severity::kNegligible, "Shell present",
     "Informational: distroless means no shell at all. A policy can forbid it (customs.policy.yaml no-shell).",
     CheckShell},
    {"package-manager-present", "", Severity::kNegligible, "Package manager present",
     "Informational: a package manager left in the image lets an intruder install whatever is missing.",
     CheckPackageManagers},
    {"setuid-setgid-file", "CIS-DI-0008", Severity::kLow, "setuid or setgid file",
     "Every setuid or setgid binary is a way from an unprivileged process to another user. Keep only those the image "
     "needs.",
     CheckSetuid},
    {"world-writable", "", Severity::kMedium, "World-writable path",
     "Files and directories (without the sticky bit) that anyone can write, outside the temporary directories.",
     CheckWorldWritable},
    {"unknown-file-owner", "", Severity::kLow, "File owned by an unknown user",
     "Files owned by a uid that the image's /etc/passwd does not define (often a build host's user).",
     CheckUnknownOwners},
    {"secret-in-env", "CIS-DI-0010", Severity::kHigh, "Secret in ENV",
     "An ENV whose name says it is a secret (KEY, TOKEN, SECRET, PASSWORD on token boundaries) with a real value, or "
     "whose value matches a secret rule. The config is readable by anyone who pulls the image.",
     CheckSecretsInEnv},
    {"secret-in-history", "CIS-DI-0010", Severity::kHigh, "Secret in image history",
     "A build argument or command line in the image history that carries a secret (docker build --build-arg "
     "TOKEN=...).",
     CheckSecretsInHistory},
    {"sshd-installed", "", Severity::kMedium, "SSH server installed",
     "An SSH daemon in a container is a second way in that the orchestrator does not control.", CheckSshd},
    {"sudo-installed", "DKL-DI-0001", Severity::kMedium, "sudo installed",
     "sudo in a container is a privilege escalation path with no purpose.", CheckSudo},
    {"healthcheck-missing", "CIS-DI-0006", Severity::kLow, "No HEALTHCHECK",
     "Without a HEALTHCHECK the engine cannot tell a hung container from a working one.", CheckHealthcheck},
    {"add-remote-url", "CIS-DI-0009", Severity::kLow, "ADD of a remote URL",
     "ADD of an http(s) URL fetches whatever the server returns at build time.", CheckAddRemote},
    {"package-cache-left", "DKL-DI-0005", Severity::kLow, "Package manager cache left in the image",
     "apt lists, downloaded packages and apk/yum/dnf caches make the image bigger and date it.", CheckPackageCaches},
    {"empty-password", "DKL-LI-0001", Severity::kHigh, "Account with an empty password",
     "An /etc/shadow entry with an empty password field lets anyone become that user.", CheckEmptyPasswords},
    {"duplicate-uid", "DKL-LI-0002", Severity::kLow, "Users sharing a uid",
     "Two users with the same uid are the same user to the kernel.", CheckDuplicateUids},
};

}  // namespace

std::span<const ConfigRule> ConfigRules() {
  return kRules;
}

const ConfigRule* FindConfigRule(std::string_view id_or_alias) {
  auto lower = [](std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  for (const ConfigRule& rule : kRules) {
    if (rule.id == id_or_alias) return &rule;
  }
  std::string wanted = lower(id_or_alias);
  for (const ConfigRule& rule : kRules) {
    std::string_view aliases = rule.aliases;
    while (!aliases.empty()) {
      std::size_t comma = aliases.find(',');
      if (lower(aliases.substr(0, comma)) == wanted) return &rule;
      aliases = comma == std::string_view::npos ? std::string_view() : aliases.substr(comma + 1);
    }
  }
  return nullptr;
}

bool ConfigAuditWantsContent(std::string_view path) {
  return path == "/etc/passwd" || path == "/etc/group" || path == "/etc/shadow";
}

std::vector<AuditFinding> AuditConfig(const ImageFacts& facts, const FileTree& tree,
                                      const secrets::SecretScanner* secret_scanner, Diagnostics& diagnostics) {
  std::vector<AuditFinding> out;
  ConfigContext context{facts, tree, secret_scanner, diagnostics, out};
  LoadPasswd(context);
  for (const ConfigRule& rule : kRules) {
    context.rule = &rule;
    rule.check(context);
  }
  std::stable_sort(out.begin(), out.end(), [](const AuditFinding& a, const AuditFinding& b) {
    return std::tie(b.severity, a.rule, a.path) < std::tie(a.severity, b.rule, b.path);
  });
  return out;
}

std::string ConfigRulesMarkdown() {
  std::string out =
      "# Image audit rules\n\nGenerated from the rule table in `src/audit/config_audit.cpp` and from "
      "`src/audit/secrets/rules.yaml` by `customs audit --list-rules > docs/rules/audit.md`. Aliases are dockle's "
      "codes where the meaning matches.\n\n"
      "| id | aliases | severity | title |\n|---|---|---|---|\n";
  for (const ConfigRule& rule : kRules) {
    out += fmt::format("| `{}` | {} | {} | {} |\n", rule.id, rule.aliases, SeverityName(rule.severity), rule.title);
  }
  for (const ConfigRule& rule : kRules) {
    out += fmt::format("\n## `{}`\n\n{}\n", rule.id, rule.description);
  }
  return out;
}

}  // namespace customs::audit
