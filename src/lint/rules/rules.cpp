// The rule table and every check. Checks are pure: they read the model and append findings.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "lint/dockerfile/shell_lex.h"
#include "lint/rules/rule.h"

namespace customs::lint {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
std::string FlagValue(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (const auto& f : inst.flags) {
    if (StartsWith(f, prefix)) return f.substr(prefix.size());
  }
  return "";
}
bool HasFlag(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name);
  return std::any_of(inst.flags.begin(), inst.flags.end(),
                     [&](const std::string& f) { return f == prefix || StartsWith(f, prefix + "="); });
}

// Simple glob: '*' matches any run of characters.
bool Glob(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == text[t] || pattern[p] == '?')) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const Stage* FinalStage(const CheckContext& c) {
  return c.model.final_stage < 0 ? nullptr : &c.model.stages[static_cast<std::size_t>(c.model.final_stage)];
}
// The final stage's chain, root first, so later instructions override earlier ones.
std::vector<int> FinalChain(const CheckContext& c) {
  if (c.model.final_stage < 0) return {};
  auto chain = c.model.Chain(c.model.final_stage);
  std::reverse(chain.begin(), chain.end());
  return chain;
}
template <class F>
void ForStageInstructions(const CheckContext& c, int stage, F&& f) {
  const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
  for (std::size_t i = s.from_instruction; i < s.end_instruction; ++i) f(i, c.file.instructions[i]);
}
template <class F>
void ForAllInstructions(const CheckContext& c, F&& f) {
  for (std::size_t i = 0; i < c.file.instructions.size(); ++i) f(i, c.file.instructions[i]);
}
template <class F>
void ForRuns(const CheckContext& c, F&& f) {
  for (const auto& [index, analysis] : c.model.runs) f(index, c.file.instructions[index], analysis);
}

// ---------------------------------------------------------------- security rules

const std::vector<std::string> kFullOsImages = {"ubuntu",         "debian",
                                                "centos",         "fedora",
                                                "rockylinux",     "almalinux",
                                                "amazonlinux",    "oraclelinux",
                                                "opensuse/leap",  "opensuse/tumbleweed",
                                                "archlinux",      "kalilinux/kali-rolling",
                                                "buildpack-deps", "redhat/ubi8",
                                                "redhat/ubi9",    "ubi8/ubi",
                                                "ubi9/ubi",       "clearlinux",
                                                "photon",         "mageia",
                                                "gentoo/stage3"};
// Language images whose default tags are a full Debian.
const std::vector<std::string> kFullOsByDefault = {
    "python", "node",   "golang",          "ruby",           "openjdk", "php",    "perl",  "rust", "gcc",
    "maven",  "gradle", "eclipse-temurin", "amazoncorretto", "haskell", "elixir", "erlang"};
const std::vector<std::string> kMinimalMarkers = {"slim",       "alpine",   "minimal", "distroless", "micro", "busybox",
                                                  "nanoserver", "chiseled", "scratch", "wolfi",      "static"};

bool IsAllowedBase(const CheckContext& c, const ImageRef& ref) {
  for (const auto& allowed : c.settings.allowed_base_images) {
    std::string full = ref.repository + (ref.tag.empty() ? "" : ":" + ref.tag);
    if (Glob(allowed, ref.raw) || Glob(allowed, ref.name) || Glob(allowed, ref.repository) ||
        Glob("library/" + allowed, ref.repository) || Glob(allowed, full) || Glob("library/" + allowed, full)) {
      return true;
    }
  }
  return false;
}

void CheckFullOsBase(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) return;
  auto chain = c.model.Chain(c.model.final_stage);
  const Stage& root = c.model.stages[static_cast<std::size_t>(chain.back())];
  const ImageRef& ref = root.base;
  if (!ref.resolved || ref.scratch) return;
  std::string repo = StartsWith(ref.repository, "library/") ? ref.repository.substr(8) : ref.repository;
  std::string lower_tag = Lower(ref.tag);
  std::string lower_repo = Lower(repo);
  for (const auto& marker : kMinimalMarkers) {
    if (lower_tag.find(marker) != std::string::npos || lower_repo.find(marker) != std::string::npos) return;
  }
  bool full = false;
  for (const auto& image : kFullOsImages) {
    if (lower_repo == image || EndsWith(lower_repo, "/" + image)) full = true;
  }
  for (const auto& image : kFullOsByDefault) {
    if (lower_repo == image) full = true;
  }
  if (!full || IsAllowedBase(c, ref)) return;
  c.Report(root.from_instruction,
           fmt::format("final image is based on the full OS image \"{}\"{}", ref.raw,
                       root.index == c.model.final_stage ? "" : fmt::format(" (through stage {})", final_stage->index)),
           "use a slim, distroless or alpine base for the final stage (or add the image to allowed_base_images)");
}

void CheckLatestTag(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) continue;
    if (stage.base.tag.empty()) {
      c.Report(stage.from_instruction, fmt::format("base image \"{}\" has no tag (implies :latest)", stage.base.raw),
               fmt::format("pin a version: {}:<version>@sha256:<digest>", stage.base.raw));
    } else if (Lower(stage.base.tag) == "latest") {
      c.Report(stage.from_instruction, fmt::format("base image \"{}\" uses the :latest tag", stage.base.raw),
               "pin a specific version tag, ideally with a digest");
    }
  }
}

void CheckDigestPin(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) continue;
    if (stage.base.tag.empty() || Lower(stage.base.tag) == "latest") continue;  // base-image-latest covers it
    c.Report(stage.from_instruction, fmt::format("base image \"{}\" is not pinned by digest", stage.base.raw),
             fmt::format("{}@sha256:<digest>", stage.base.raw));
  }
}

void CheckTrustedRegistry(const CheckContext& c) {
  if (c.settings.trusted_registries.empty()) return;
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch) continue;
    bool trusted = std::any_of(c.settings.trusted_registries.begin(), c.settings.trusted_registries.end(),
                               [&](const std::string& r) { return Glob(r, stage.base.registry); });
    if (!trusted) {
      c.Report(stage.from_instruction,
               fmt::format("base image \"{}\" comes from untrusted registry {}", stage.base.raw, stage.base.registry),
               "pull base images only from the registries in trusted_registries");
    }
  }
}

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

bool IsRootUser(std::string user) {
  user = user.substr(0, user.find(':'));
  return user.empty() || user == "root" || user == "0";
}

void CheckRootUser(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) return;
  std::string user;
  std::size_t user_instruction = 0;
  bool has_user = false;
  for (int stage : FinalChain(c)) {
    ForStageInstructions(c, stage, [&](std::size_t i, const Instruction& inst) {
      if (inst.cmd == "USER" && !inst.args.empty()) {
        user = inst.args[0];
        user_instruction = i;
        has_user = true;
      }
    });
  }
  if (has_user && !IsRootUser(user)) return;
  if (!has_user) {
    // The base image's own config may set a user; only the well-known non-root tags are trusted for that.
    const ImageRef& base = c.model.stages[static_cast<std::size_t>(c.model.Chain(c.model.final_stage).back())].base;
    if (!base.resolved) return;
    const std::string tag = Lower(base.tag);
    if (tag.find("nonroot") != std::string::npos || tag.find("rootless") != std::string::npos) return;
  }
  if (has_user && user.find('$') != std::string::npos) return;  // unresolved: unknown
  std::string elsewhere;
  auto chain = c.model.Chain(c.model.final_stage);
  for (const Stage& stage : c.model.stages) {
    if (std::find(chain.begin(), chain.end(), stage.index) != chain.end()) continue;
    ForStageInstructions(c, stage.index, [&](std::size_t, const Instruction& inst) {
      if (inst.cmd == "USER" && !inst.args.empty() && !IsRootUser(inst.args[0])) {
        elsewhere = fmt::format(" (USER {} in stage {} is not inherited by the final stage)", inst.args[0],
                                stage.name.empty() ? std::to_string(stage.index) : stage.name);
      }
    });
  }
  if (has_user) {
    c.Report(user_instruction, fmt::format("the final stage runs as root (USER {}){}", user, elsewhere),
             "switch to an unprivileged user: USER 10001:10001");
  } else {
    c.Report(final_stage->from_instruction, "the final stage never sets USER, so it runs as root" + elsewhere,
             "add USER <non-root uid> to the final stage");
  }
}

// BuildKit's SecretsUsedInArgOrEnv token-boundary match.
const RE2& SecretNamePattern() {
  static const RE2 re(
      "(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token|"
      "private_?key|access_?key)(?:_|$)");
  return re;
}
bool LooksLikeSecretName(std::string_view name) {
  // Public key material and key ids are not secrets (GPG_KEY in docker-library images is a fingerprint).
  static const RE2 kPublic("(?i)(?:_|^)(?:gpg|pgp|public|pub)(?:_|$)|_key_?id(?:_|$)|_keys?_url(?:_|$)");
  return RE2::PartialMatch(name, SecretNamePattern()) && !RE2::PartialMatch(name, kPublic);
}

void CheckSecretsInArgEnv(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    std::vector<std::string> names;
    if (inst.cmd == "ARG") {
      for (const auto& w : inst.args) names.push_back(w.substr(0, w.find('=')));
    } else if (inst.cmd == "ENV") {
      for (std::size_t k = 0; k < inst.args.size(); k += 3) names.push_back(inst.args[k]);
    }
    for (const auto& name : names) {
      if (LooksLikeSecretName(name)) {
        c.Report(i,
                 fmt::format("{} \"{}\" looks like a secret; ARG and ENV values persist in the image", inst.cmd, name),
                 "pass secrets with RUN --mount=type=secret,id=" + Lower(name));
      }
    }
  });
}

bool IsSecretFile(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  base = Lower(base);
  static const std::vector<std::string> kNames = {"id_rsa",
                                                  "id_dsa",
                                                  "id_ecdsa",
                                                  "id_ed25519",
                                                  ".env",
                                                  ".npmrc",
                                                  ".pypirc",
                                                  ".netrc",
                                                  ".git-credentials",
                                                  "credentials",
                                                  "credentials.json",
                                                  "kubeconfig",
                                                  ".dockercfg",
                                                  "secrets.yaml",
                                                  "secrets.yml",
                                                  ".htpasswd",
                                                  "*.pem",
                                                  "*.key",
                                                  "*.p12",
                                                  "*.pfx",
                                                  "*.jks",
                                                  "*.keystore",
                                                  ".env.*",
                                                  "*.ppk",
                                                  "service-account*.json"};
  if (base == ".env.example" || base == ".env.sample") return false;
  return std::any_of(kNames.begin(), kNames.end(), [&](const std::string& n) { return Glob(n, base); }) ||
         path.find(".ssh/") != std::string::npos || path.find(".aws/") != std::string::npos ||
         path.find(".docker/config.json") != std::string::npos;
}

void CheckSecretFiles(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || HasFlag(inst, "from") || inst.args.size() < 2) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      if (IsSecretFile(inst.args[k])) {
        c.Report(i, fmt::format("{} copies the secret file \"{}\" into the image", inst.cmd, inst.args[k]),
                 "use RUN --mount=type=secret and keep the file in .dockerignore");
      }
    }
  });
}

bool IsShell(const std::string& p) {
  return p == "sh" || p == "bash" || p == "dash" || p == "ash" || p == "zsh" || p == "ksh" || p == "python" ||
         p == "python3" || p == "perl" || p == "ruby" || p == "node";
}

void CheckCurlPipeShell(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (std::size_t k = 0; k + 1 < run.commands.size(); ++k) {
      const auto& a = run.commands[k];
      const std::string program = a.Program();
      if ((program == "curl" || program == "wget") && a.pipes_to_next && IsShell(run.commands[k + 1].Program())) {
        c.Report(i, fmt::format("{} output is piped straight into {}", program, run.commands[k + 1].Program()),
                 "download to a file, verify its checksum or signature, then run it");
        return;
      }
    }
  });
}

void CheckSudo(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (!command.argv.empty() && (command.argv[0] == "sudo" || EndsWith(command.argv[0], "/sudo"))) {
        c.Report(i, "RUN uses sudo", "RUN already runs as root before USER; drop sudo or switch USER explicitly");
        return;
      }
    }
  });
}

void CheckExposeSsh(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") return;
    for (const auto& port : inst.args) {
      if (port == "22" || StartsWith(port, "22/"))
        c.Report(i, "EXPOSE 22 publishes SSH", "do not run sshd in a container; use docker exec");
    }
  });
}

bool IsRemote(const std::string& s) {
  return StartsWith(s, "http://") || StartsWith(s, "https://") || StartsWith(s, "ftp://");
}

void CheckAddRemote(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || HasFlag(inst, "checksum") || inst.args.size() < 2) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      if (IsRemote(inst.args[k])) {
        c.Report(i, fmt::format("ADD downloads {} without --checksum", inst.args[k]),
                 "ADD --checksum=sha256:<digest> <url> <dest>");
      }
    }
  });
}

void CheckChmod777(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (command.Program() != "chmod") continue;
      for (const auto& a : command.Effective()) {
        if (a == "777" || a == "0777" || a == "a+rwx" || a == "ugo+rwx" || a == "o+w" || a == "a+w" || a == "666") {
          c.Report(i, fmt::format("chmod {} makes files world-writable", a),
                   "grant only what is needed, e.g. 755 or 644");
          return;
        }
      }
    }
  });
}

void CheckTlsDisabled(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      const std::string program = command.Program();
      const auto eff = command.Effective();
      auto has = [&](std::string_view w) {
        return std::any_of(eff.begin(), eff.end(),
                           [&](const std::string& a) { return a == w || StartsWith(a, std::string(w) + "="); });
      };
      std::string what;
      if (program == "curl" && (has("-k") || has("--insecure"))) what = "curl --insecure";
      if (program == "curl") {
        for (const auto& a : eff) {
          if (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find('k') != std::string::npos) what = "curl -k";
        }
      }
      if (program == "wget" && has("--no-check-certificate")) what = "wget --no-check-certificate";
      if (program == "pip" || StartsWith(program, "pip")) {
        if (has("--trusted-host")) what = "pip --trusted-host";
      }
      if ((program == "npm" || program == "yarn") && has("strict-ssl") && (has("false") || has("strict-ssl=false"))) {
        what = program + " strict-ssl false";
      }
      if (program == "git" && (has("http.sslVerify=false") || has("http.sslverify=false")))
        what = "git http.sslVerify=false";
      if (program == "apk" && has("--allow-untrusted")) what = "apk --allow-untrusted";
      if ((program == "apt-get" || program == "apt") &&
          (has("--allow-unauthenticated") || has("--allow-insecure-repositories"))) {
        what = program + " --allow-unauthenticated";
      }
      for (const auto& a : command.assignments) {
        if (a == "GIT_SSL_NO_VERIFY=1" || a == "GIT_SSL_NO_VERIFY=true" || a == "NODE_TLS_REJECT_UNAUTHORIZED=0" ||
            a == "PYTHONHTTPSVERIFY=0") {
          what = a;
        }
      }
      if (!what.empty()) {
        c.Report(i, fmt::format("TLS verification is disabled ({})", what),
                 "keep certificate checks on; add the CA certificate instead");
        return;
      }
    }
  });
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ENV") return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
      const std::string& name = inst.args[k];
      const std::string value = Lower(inst.args[k + 1]);
      if ((name == "NODE_TLS_REJECT_UNAUTHORIZED" && value == "0") ||
          (name == "GIT_SSL_NO_VERIFY" && (value == "1" || value == "true")) ||
          (name == "PYTHONHTTPSVERIFY" && value == "0") || (name == "PIP_TRUSTED_HOST")) {
        c.Report(i, fmt::format("TLS verification is disabled (ENV {})", name),
                 "keep certificate checks on; add the CA certificate instead");
      }
    }
  });
}

// ---------------------------------------------------------------- package manager hygiene

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

// ---------------------------------------------------------------- instruction best practices

void CheckWorkdirRelative(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "WORKDIR" || inst.args.empty()) return;
    std::string dir = inst.args[0];
    if (dir.size() >= 2 && (dir[0] == '"' || dir[0] == '\'')) dir = dir.substr(1);
    if (dir.empty() || dir[0] == '/' || dir[0] == '$' || (dir.size() > 1 && dir[1] == ':')) return;
    c.Report(i, fmt::format("WORKDIR \"{}\" is relative", inst.args[0]), "use an absolute path: WORKDIR /app");
  });
}

void CheckRunCd(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    if (run.commands.size() >= 1 && run.commands.front().Program() == "cd" && run.commands.front().depth == 0) {
      c.Report(i, "RUN starts with cd", "use WORKDIR to change directory");
    }
  });
}

void CheckCopyFromUnknown(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") return;
    std::string from = FlagValue(inst, "from");
    int stage = c.model.stage_of[i];
    if (from.empty() || stage < 0 || from.find('$') != std::string::npos) return;
    if (from.find('/') != std::string::npos || from.find(':') != std::string::npos) return;  // an image
    if (c.model.FindStage(from, stage) >= 0) return;
    if (Lower(from) == Lower(c.model.stages[static_cast<std::size_t>(stage)].name)) return;  // copy-from-self
    c.Report(i, fmt::format("COPY --from={} does not name an earlier stage (it will be pulled as an image)", from),
             "define the stage before this one or use a full image reference");
  });
}

void CheckCopyFromSelf(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") return;
    std::string from = FlagValue(inst, "from");
    int stage = c.model.stage_of[i];
    if (from.empty() || stage < 0) return;
    const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
    if ((!s.name.empty() && Lower(from) == Lower(s.name)) || from == std::to_string(stage)) {
      c.Report(i, fmt::format("COPY --from={} refers to the stage it is in", from), "copy from an earlier stage");
    }
  });
}

void CheckDuplicateStage(const CheckContext& c) {
  std::map<std::string, int> seen;
  for (const Stage& s : c.model.stages) {
    if (s.name.empty()) continue;
    if (!seen.emplace(Lower(s.name), s.index).second) {
      c.Report(s.from_instruction, fmt::format("stage name \"{}\" is already used", s.name),
               "give every stage a unique name");
    }
  }
}

void ReportMultiple(const CheckContext& c, std::string_view cmd) {
  for (const Stage& s : c.model.stages) {
    std::vector<std::size_t> seen;
    ForStageInstructions(c, s.index, [&](std::size_t i, const Instruction& inst) {
      if (inst.cmd == cmd) seen.push_back(i);
    });
    for (std::size_t k = 0; k + 1 < seen.size(); ++k) {
      c.Report(seen[k], fmt::format("{} is overridden by a later {} in the same stage", cmd, cmd),
               fmt::format("keep only the last {}", cmd));
    }
  }
}
void CheckMultipleCmd(const CheckContext& c) {
  ReportMultiple(c, "CMD");
}
void CheckMultipleEntrypoint(const CheckContext& c) {
  ReportMultiple(c, "ENTRYPOINT");
}
void CheckMultipleHealthcheck(const CheckContext& c) {
  ReportMultiple(c, "HEALTHCHECK");
}

void CheckJsonArgs(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "CMD" && inst.cmd != "ENTRYPOINT") || inst.json_form || inst.args.empty()) return;
    c.Report(i, fmt::format("{} uses the shell form; signals will not reach the process", inst.cmd),
             fmt::format("{} [\"executable\", \"arg\"]", inst.cmd));
  });
}

void CheckMaintainer(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "MAINTAINER") {
      c.Report(i, "MAINTAINER is deprecated", "LABEL org.opencontainers.image.authors=\"...\"");
    }
  });
}

void CheckPipefail(const CheckContext& c) {
  bool shell_set = false;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "FROM") shell_set = false;
    if (inst.cmd == "SHELL") {
      for (const auto& a : inst.args) shell_set = shell_set || a.find("pipefail") != std::string::npos;
    }
    if (inst.cmd != "RUN" || inst.json_form || shell_set) return;
    const RunAnalysis* run = c.model.RunAt(i);
    if (run == nullptr) return;
    bool pipe = std::any_of(run->commands.begin(), run->commands.end(),
                            [](const ShellCommand& s) { return s.pipes_to_next && s.depth == 0; });
    if (pipe && !SetsPipefail(RunScript(inst))) {
      c.Report(i, "RUN uses a pipe without pipefail; a failing first command is ignored",
               "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] (or set -o pipefail in the RUN)");
    }
  });
}

void CheckAddForCopy(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || inst.args.size() < 2 || !inst.heredocs.empty()) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      const std::string& src = inst.args[k];
      std::string lower = Lower(src);
      if (IsRemote(src) || StartsWith(src, "git@") || EndsWith(lower, ".tar") ||
          lower.find(".tar.") != std::string::npos || EndsWith(lower, ".tgz") || EndsWith(lower, ".tbz2") ||
          EndsWith(lower, ".txz") || src.find('$') != std::string::npos) {
        return;
      }
    }
    c.Report(i, "ADD used to copy local files", "use COPY; ADD only for archives to extract or checksummed URLs");
  });
}

void CheckCopyDestSlash(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || inst.args.size() < 3 || !inst.heredocs.empty()) return;
    const std::string& dest = inst.args.back();
    if (!EndsWith(dest, "/") && dest.find('$') == std::string::npos) {
      c.Report(i, fmt::format("{} with several sources needs a destination ending in /", inst.cmd), dest + "/");
    }
  });
}

void CheckExposePort(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") return;
    for (const auto& spec : inst.args) {
      std::string port = spec.substr(0, spec.find('/'));
      if (port.find('$') != std::string::npos) continue;
      auto check = [&](const std::string& p) {
        if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char ch) { return std::isdigit(ch); }))
          return false;
        int n = std::stoi(p);
        return n >= 0 && n <= 65535;
      };
      std::size_t dash = port.find('-');
      bool ok = dash == std::string::npos ? check(port) : check(port.substr(0, dash)) && check(port.substr(dash + 1));
      if (!ok)
        c.Report(i, fmt::format("EXPOSE {} is not a valid port", spec), "ports are 0-65535, optionally /tcp or /udp");
    }
  });
}

void CheckWgetAndCurl(const CheckContext& c) {
  std::size_t first_other = 0;
  bool curl = false, wget = false;
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      std::string p = command.Program();
      if (p == "curl" && !curl) {
        curl = true;
        if (wget) first_other = i;
      }
      if (p == "wget" && !wget) {
        wget = true;
        if (curl) first_other = i;
      }
    }
  });
  if (curl && wget) c.Report(first_other, "both wget and curl are used", "use one download tool throughout");
}

void CheckPointlessCommands(const CheckContext& c) {
  static const std::vector<std::string> kPointless = {"ssh",  "vim", "shutdown", "service", "ps",
                                                      "free", "top", "kill",     "mount",   "ifconfig"};
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (std::find(kPointless.begin(), kPointless.end(), command.Program()) != kPointless.end()) {
        c.Report(i, fmt::format("\"{}\" makes no sense in a container build", command.Program()), "remove it");
        return;
      }
    }
  });
}

void CheckFromPlatform(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "FROM") return;
    std::string platform = FlagValue(inst, "platform");
    if (!platform.empty() && platform.find('$') == std::string::npos) {
      c.Report(i, fmt::format("FROM --platform={} hard-codes the platform", platform),
               "drop --platform or use $BUILDPLATFORM/$TARGETPLATFORM");
    }
  });
}

void CheckHealthcheckMissing(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) return;
  bool found = false;
  for (int stage : FinalChain(c)) {
    ForStageInstructions(c, stage,
                         [&](std::size_t, const Instruction& inst) { found = found || inst.cmd == "HEALTHCHECK"; });
  }
  if (!found)
    c.Report(final_stage->from_instruction, "the final stage has no HEALTHCHECK",
             "HEALTHCHECK CMD [\"/app/healthcheck\"]");
}

// ---------------------------------------------------------------- BuildKit build checks

void CheckStageNameCasing(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    if (!s.name.empty() && s.name != Lower(s.name)) {
      c.Report(s.from_instruction, fmt::format("stage name \"{}\" should be lowercase", s.name), Lower(s.name));
    }
  }
}

void CheckFromAsCasing(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    const Instruction& inst = c.file.instructions[s.from_instruction];
    if (inst.args.size() < 3) continue;
    bool from_upper = inst.keyword == Lower(inst.keyword) ? false : true;
    const std::string& as = inst.args[1];
    bool as_upper = as != Lower(as);
    if (from_upper != as_upper) {
      c.Report(s.from_instruction, fmt::format("'{}' and '{}' keywords' casing do not match", as, inst.keyword),
               from_upper ? "FROM ... AS ..." : "from ... as ...");
    }
  }
}

void CheckReservedStageName(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    if (Lower(s.name) == "scratch" || Lower(s.name) == "context") {
      c.Report(s.from_instruction, fmt::format("stage name \"{}\" is reserved", s.name), "rename the stage");
    }
  }
}

void CheckConsistentCasing(const CheckContext& c) {
  int upper = 0, lower = 0;
  for (const auto& inst : c.file.instructions) {
    if (inst.keyword == inst.cmd)
      ++upper;
    else if (inst.keyword == Lower(inst.cmd))
      ++lower;
  }
  bool want_upper = upper >= lower;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    bool is_upper = inst.keyword == inst.cmd;
    bool is_lower = inst.keyword == Lower(inst.cmd);
    if ((want_upper && !is_upper) || (!want_upper && !is_lower)) {
      c.Report(i,
               fmt::format("instruction '{}' does not match the file's {} casing", inst.keyword,
                           want_upper ? "upper" : "lower"),
               want_upper ? inst.cmd : Lower(inst.cmd));
    }
  });
}

void CheckLegacyKeyValue(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd == "ENV" || inst.cmd == "LABEL") && inst.args.size() == 3 && inst.args[2].empty()) {
      c.Report(i, fmt::format("\"{} key value\" is the legacy form", inst.cmd),
               fmt::format("{} {}=\"...\"", inst.cmd, inst.args[0]));
    }
  });
}

void CheckEmptyContinuation(const CheckContext& c) {
  // BuildKit warns per instruction; the parser kept the text, so match warnings to instructions.
  for (const auto& warning : c.file.warnings) {
    std::string text = warning.substr(warning.find(": ") + 2);
    ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
      if (inst.original == text) c.Report(i, "empty continuation line", "remove the blank line or the trailing escape");
    });
  }
}

void CheckUndefinedArgInFrom(const CheckContext& c) {
  static const std::set<std::string> kAutomatic = {"BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT",
                                                   "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"};
  for (const Stage& s : c.model.stages) {
    const Instruction& inst = c.file.instructions[s.from_instruction];
    for (const auto& word : inst.args.empty() ? std::vector<std::string>{}
                                              : std::vector<std::string>{inst.args[0], FlagValue(inst, "platform")}) {
      auto r = ProcessShellWord(word, [&](std::string_view n) -> std::optional<std::string> {
        if (c.model.global_args.count(std::string(n)) || kAutomatic.count(std::string(n))) return std::string();
        return std::nullopt;
      });
      if (!r) continue;
      for (const auto& name : r->unmatched) {
        c.Report(s.from_instruction, fmt::format("FROM uses ${} but no global ARG {} is declared", name, name),
                 fmt::format("declare ARG {} before the first FROM", name));
      }
    }
  }
}

std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void CheckUndefinedVar(const CheckContext& c) {
  // Base-image environment is unknown here, so only likely typos of a declared ARG/ENV are reported.
  for (const Stage& s : c.model.stages) {
    std::set<std::string> declared;
    for (int st : c.model.Chain(s.index)) {
      for (const auto& [name, value] : c.model.stages[static_cast<std::size_t>(st)].args) declared.insert(name);
    }
    for (const auto& [name, value] : c.model.global_args) declared.insert(name);
    ForStageInstructions(c, s.index, [&](std::size_t i, const Instruction& inst) {
      static const std::set<std::string> kExpanding = {"ADD",        "COPY", "ENV",    "EXPOSE", "LABEL",
                                                       "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};
      if (!kExpanding.count(inst.cmd)) return;
      std::set<std::string> seen;
      for (const auto& word : inst.args) {
        auto r = ProcessShellWord(word, [&](std::string_view n) -> std::optional<std::string> {
          if (declared.count(std::string(n))) return std::string();
          return std::nullopt;
        });
        if (!r) continue;
        for (const auto& name : r->unmatched) {
          for (const auto& d : declared) {
            if (name.size() > 2 && d != name &&
                (Lower(d) == Lower(name) || EditDistance(d, name) <= (name.size() >= 5 ? 2u : 1u)) &&
                seen.insert(name).second) {
              c.Report(i, fmt::format("${} is not defined (did you mean ${}?)", name, d), "$" + d);
            }
          }
        }
      }
    });
  }
}

constexpr Rule kRules[] = {
    // Security, judged on the final stage.
    {"base-image-full-os",
     Severity::kHigh,
     "Final image is based on a full OS distribution",
     "Full distributions (ubuntu, debian, centos, fedora, ...) ship a shell, a package manager and hundreds of "
     "packages the application never uses: each is attack surface and a source of CVEs. Use a slim, minimal, "
     "distroless or alpine base for the final stage. Configurable with allowed_base_images.",
     {"", "", ""},
     CheckFullOsBase},
    {"base-image-latest",
     Severity::kMedium,
     "Base image uses :latest or no tag",
     "A floating tag makes builds unreproducible and can silently pull a different, possibly compromised, image.",
     {"DL3007", "AVD-DS-0001", ""},
     CheckLatestTag},
    {"base-image-no-digest",
     Severity::kInfo,
     "Base image is not pinned by digest",
     "Tags are mutable; only a digest pins the exact image that was reviewed.",
     {"", "", ""},
     CheckDigestPin},
    {"untrusted-registry",
     Severity::kMedium,
     "Base image from a registry outside trusted_registries",
     "Only registries the organisation trusts should supply base images (active when trusted_registries is set).",
     {"", "", ""},
     CheckTrustedRegistry},
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
    {"root-user",
     Severity::kHigh,
     "Final stage runs as root",
     "Without USER (or with USER root/0) the container runs as root, which turns a container escape or a writable "
     "mount into host root. A USER in a builder stage does not carry over to the final stage.",
     {"DL3002", "AVD-DS-0002", ""},
     CheckRootUser},
    {"secret-in-arg-env",
     Severity::kHigh,
     "Secret-looking name in ARG or ENV",
     "ARG and ENV values are stored in the image history and config. Names are matched on token boundaries "
     "(API_KEY, DB_PASSWORD), never as substrings (libcrypto3 is not a secret).",
     {"", "", "SecretsUsedInArgOrEnv"},
     CheckSecretsInArgEnv},
    {"secret-file-copied",
     Severity::kHigh,
     "Secret file copied into the image",
     "Private keys, .env, .npmrc, .netrc or cloud credentials copied into a layer stay there even if deleted later.",
     {"", "", ""},
     CheckSecretFiles},
    {"curl-pipe-shell",
     Severity::kHigh,
     "Remote script piped into a shell",
     "curl | sh runs whatever the server returns, unverified.",
     {"", "", ""},
     CheckCurlPipeShell},
    {"sudo",
     Severity::kMedium,
     "RUN uses sudo",
     "sudo has unpredictable TTY and signal behaviour and signals privilege confusion.",
     {"DL3004", "AVD-DS-0010", ""},
     CheckSudo},
    {"expose-ssh",
     Severity::kMedium,
     "Port 22 exposed",
     "Running sshd in a container widens the attack surface; use docker exec.",
     {"", "AVD-DS-0004", ""},
     CheckExposeSsh},
    {"add-remote-without-checksum",
     Severity::kMedium,
     "ADD of a remote URL without --checksum",
     "The download is not verified and can change between builds.",
     {"", "", ""},
     CheckAddRemote},
    {"chmod-world-writable",
     Severity::kMedium,
     "chmod makes files world-writable",
     "chmod 777 lets any user in the container modify the files.",
     {"", "", ""},
     CheckChmod777},
    {"tls-verification-disabled",
     Severity::kHigh,
     "TLS certificate verification disabled",
     "curl -k, wget --no-check-certificate, pip --trusted-host or strict-ssl=false allow man-in-the-middle "
     "tampering of downloads.",
     {"", "", ""},
     CheckTlsDisabled},
    // Package manager hygiene.
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
    // Instructions.
    {"workdir-relative",
     Severity::kLow,
     "WORKDIR is a relative path",
     "A relative WORKDIR depends on the previous one and is easy to get wrong.",
     {"DL3000", "AVD-DS-0009", "WorkdirRelativePath"},
     CheckWorkdirRelative},
    {"run-cd",
     Severity::kLow,
     "RUN cd instead of WORKDIR",
     "cd does not persist; WORKDIR is clearer.",
     {"DL3003", "AVD-DS-0013", ""},
     CheckRunCd},
    {"copy-from-unknown-stage",
     Severity::kMedium,
     "COPY --from names no earlier stage",
     "An unknown name is pulled as an image from a registry, which is rarely what was meant.",
     {"DL3022", "", ""},
     CheckCopyFromUnknown},
    {"copy-from-own-stage",
     Severity::kHigh,
     "COPY --from refers to its own stage",
     "A stage cannot copy from itself; the build fails.",
     {"DL3023", "AVD-DS-0006", ""},
     CheckCopyFromSelf},
    {"duplicate-stage-name",
     Severity::kHigh,
     "Duplicate stage name",
     "Stage names must be unique.",
     {"DL3024", "", "DuplicateStageName"},
     CheckDuplicateStage},
    {"multiple-cmd",
     Severity::kMedium,
     "Several CMD in one stage",
     "Only the last CMD takes effect.",
     {"DL4003", "AVD-DS-0016", "MultipleInstructionsDisallowed"},
     CheckMultipleCmd},
    {"multiple-entrypoint",
     Severity::kMedium,
     "Several ENTRYPOINT in one stage",
     "Only the last ENTRYPOINT takes effect.",
     {"DL4004", "AVD-DS-0007", "MultipleInstructionsDisallowed"},
     CheckMultipleEntrypoint},
    {"multiple-healthcheck",
     Severity::kMedium,
     "Several HEALTHCHECK in one stage",
     "Only the last HEALTHCHECK takes effect.",
     {"DL3012", "AVD-DS-0023", "MultipleInstructionsDisallowed"},
     CheckMultipleHealthcheck},
    {"json-args-recommended",
     Severity::kLow,
     "CMD/ENTRYPOINT in shell form",
     "The shell form runs under /bin/sh -c, which does not forward signals to the application.",
     {"DL3025", "", "JSONArgsRecommended"},
     CheckJsonArgs},
    {"maintainer-deprecated",
     Severity::kInfo,
     "MAINTAINER is deprecated",
     "Use a LABEL instead.",
     {"DL4000", "AVD-DS-0022", "MaintainerDeprecated"},
     CheckMaintainer},
    {"pipefail",
     Severity::kLow,
     "Pipe without pipefail",
     "Without pipefail a failing command before a pipe does not fail the build.",
     {"DL4006", "", ""},
     CheckPipefail},
    {"add-instead-of-copy",
     Severity::kLow,
     "ADD used for local files",
     "ADD's implicit extraction and URL handling surprise; COPY is explicit.",
     {"DL3020", "AVD-DS-0005", ""},
     CheckAddForCopy},
    {"copy-destination-slash",
     Severity::kMedium,
     "Several sources need a destination ending in /",
     "With several sources the destination must be a directory.",
     {"DL3021", "AVD-DS-0011", ""},
     CheckCopyDestSlash},
    {"expose-invalid-port",
     Severity::kMedium,
     "EXPOSE with an invalid port",
     "Ports are 0-65535.",
     {"DL3011", "AVD-DS-0008", ""},
     CheckExposePort},
    {"wget-and-curl",
     Severity::kInfo,
     "Both wget and curl used",
     "Two download tools where one would do.",
     {"DL4001", "AVD-DS-0014", ""},
     CheckWgetAndCurl},
    {"pointless-command",
     Severity::kInfo,
     "Command that makes no sense in a build",
     "ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig.",
     {"DL3001", "", ""},
     CheckPointlessCommands},
    {"from-platform-flag",
     Severity::kLow,
     "FROM --platform with a constant",
     "A fixed platform breaks multi-platform builds.",
     {"DL3029", "", "FromPlatformFlagConstDisallowed"},
     CheckFromPlatform},
    {"healthcheck-missing",
     Severity::kInfo,
     "Final stage has no HEALTHCHECK",
     "Orchestrators cannot tell a hung container from a healthy one.",
     {"DL3057", "AVD-DS-0026", ""},
     CheckHealthcheckMissing},
    // BuildKit build checks.
    {"stage-name-casing",
     Severity::kLow,
     "Stage name is not lowercase",
     "BuildKit expects lowercase stage names.",
     {"", "", "StageNameCasing"},
     CheckStageNameCasing},
    {"from-as-casing",
     Severity::kLow,
     "FROM and AS casing differ",
     "Keep keyword casing consistent.",
     {"", "", "FromAsCasing"},
     CheckFromAsCasing},
    {"reserved-stage-name",
     Severity::kHigh,
     "Reserved stage name",
     "scratch and context cannot name a stage.",
     {"", "", "ReservedStageName"},
     CheckReservedStageName},
    {"consistent-instruction-casing",
     Severity::kInfo,
     "Instruction casing is inconsistent",
     "Mixing upper- and lower-case instructions hurts readability.",
     {"", "", "ConsistentInstructionCasing"},
     CheckConsistentCasing},
    {"legacy-key-value-format",
     Severity::kInfo,
     "ENV/LABEL in the legacy \"key value\" form",
     "The key=value form is unambiguous.",
     {"", "", "LegacyKeyValueFormat"},
     CheckLegacyKeyValue},
    {"no-empty-continuation",
     Severity::kLow,
     "Empty continuation line",
     "Blank lines inside a continued instruction are deprecated.",
     {"", "", "NoEmptyContinuation"},
     CheckEmptyContinuation},
    {"undefined-arg-in-from",
     Severity::kMedium,
     "FROM uses an undeclared ARG",
     "Only ARGs declared before the first FROM can be used in FROM.",
     {"", "", "UndefinedArgInFrom"},
     CheckUndefinedArgInFrom},
    {"undefined-var",
     Severity::kLow,
     "Variable is not defined (likely typo)",
     "A variable that is neither ARG nor ENV expands to the empty string. Reported only when it is one edit away "
     "from a declared name, since the base image's environment is not known here.",
     {"", "", "UndefinedVar"},
     CheckUndefinedVar},
};

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

bool ParseSeverity(std::string_view text, Severity& out) {
  std::string lower = Lower(text);
  for (Severity s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (lower == SeverityName(s)) {
      out = s;
      return true;
    }
  }
  if (lower == "warning" || lower == "style") {
    out = lower == "warning" ? Severity::kMedium : Severity::kInfo;
    return true;
  }
  if (lower == "error") {
    out = Severity::kHigh;
    return true;
  }
  return false;
}

RuleSettings DefaultRuleSettings() {
  RuleSettings s;
  s.attacker_tools = {"curl",
                      "wget",
                      "netcat",
                      "netcat-openbsd",
                      "netcat-traditional",
                      "netcat-gnu",
                      "nc",
                      "ncat",
                      "nmap",
                      "nmap-ncat",
                      "socat",
                      "tcpdump",
                      "telnet",
                      "inetutils-telnet",
                      "busybox-extras",
                      "openssh-client",
                      "openssh-clients",
                      "ssh",
                      "ftp",
                      "lftp",
                      "tftp",
                      "gdb",
                      "strace",
                      "ltrace",
                      "tshark",
                      "wireshark",
                      "hping3",
                      "masscan",
                      "john",
                      "hydra",
                      "net-tools",
                      "dnsutils",
                      "bind-tools",
                      "iputils-ping",
                      "traceroute"};
  s.compilers = {"gcc",    "gcc-*",           "g++",      "g++-*",      "gcc-c++",    "clang",    "clang-*",
                 "llvm",   "build-essential", "make",     "cmake",      "automake",   "autoconf", "libtool",
                 "golang", "golang-go",       "golang-*", "go",         "rustc",      "cargo",    "rust",
                 "*-dev",  "*-devel",         "musl-dev", "build-base", "alpine-sdk", "nasm",     "gfortran"};
  return s;
}

void CheckContext::Report(std::size_t instruction, std::string message, std::string fix) const {
  const Instruction& inst = file.instructions[instruction];
  int stage = instruction < model.stage_of.size() ? model.stage_of[instruction] : -1;
  ReportLines(inst.start_line, inst.end_line, stage, std::move(message), std::move(fix));
}

void CheckContext::ReportLines(int line, int end_line, int stage, std::string message, std::string fix) const {
  Finding f;
  f.rule = std::string(rule->id);
  for (auto alias : rule->aliases) {
    if (!alias.empty() && std::find(f.aliases.begin(), f.aliases.end(), alias) == f.aliases.end()) {
      f.aliases.emplace_back(alias);
    }
  }
  f.severity = rule->severity;
  f.line = line;
  f.end_line = end_line;
  if (stage >= 0) {
    const Stage& s = model.stages[static_cast<std::size_t>(stage)];
    f.stage = s.name.empty() ? std::to_string(s.index) : s.name;
  }
  f.message = std::move(message);
  f.fix = std::move(fix);
  out.push_back(std::move(f));
}

std::span<const Rule> AllRules() {
  return kRules;
}

const Rule* FindRule(std::string_view id_or_alias) {
  for (const Rule& rule : kRules) {
    if (rule.id == id_or_alias) return &rule;
  }
  for (const Rule& rule : kRules) {
    for (auto alias : rule.aliases) {
      if (!alias.empty() && Lower(alias) == Lower(id_or_alias)) return &rule;
    }
  }
  return nullptr;
}

}  // namespace customs::lint
