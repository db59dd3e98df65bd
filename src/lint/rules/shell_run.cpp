// Rule family "Shell and RUN": what RUN scripts do: downloads piped to shells, sudo, TLS checks switched off,
// pipes, commands that make no sense in a build. hadolint-aliased rules follow hadolint's rule documentation and
// specs; checkov's TLS checks are matched per finding.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

bool IsShell(const std::string& p) {
  return p == "sh" || p == "bash" || p == "dash" || p == "ash" || p == "zsh" || p == "ksh" || p == "python" ||
         p == "python3" || p == "perl" || p == "ruby" || p == "node";
}

std::string Basename(const std::string& s) {
  std::size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
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

// Whether some part of a shell-form RUN, split at `\s*&&\s*` as Trivy's DS010 and DS013 split it, matches `re`.
bool SegmentMatches(const Instruction& run, const RE2& re) {
  if (run.json_form || run.args.empty()) {
    return false;
  }
  const std::string& text = run.args[0];
  std::size_t start = 0;
  while (true) {
    std::size_t amp = text.find("&&", start);
    std::size_t end = amp == std::string::npos ? text.size() : amp;
    std::size_t e = end;
    while (e > start && std::isspace(static_cast<unsigned char>(text[e - 1]))) {
      --e;
    }
    if (RE2::PartialMatch(std::string_view(text).substr(start, e - start), re)) {
      return true;
    }
    if (amp == std::string::npos) {
      return false;
    }
    start = amp + 2;
    while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) {
      ++start;
    }
  }
}

// hadolint DL3004 looks at the command name as written. Trivy DS010 keeps its id when an && segment starts with
// sudo, checkov CKV2_DOCKER_1 when " sudo " appears or the RUN starts with "sudo ".
void CheckSudo(const CheckContext& c) {
  static const RE2 kSegment(R"(^\s*sudo)");
  ForRuns(c, [&](std::size_t i, const Instruction& inst, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (command.argv.empty() || Basename(command.argv[0]) != "sudo") {
        continue;
      }
      Finding& f =
          c.Report(i, "RUN uses sudo", "RUN already runs as root before USER; drop sudo or switch USER explicitly");
      const std::string script = RunScript(inst);
      const bool trivy = SegmentMatches(inst, kSegment);
      const bool checkov = script.find(" sudo ") != std::string::npos || StartsWith(script, "sudo ");
      if (!trivy) {
        std::erase(f.aliases, std::string("AVD-DS-0010"));
      }
      if (!checkov) {
        std::erase(f.aliases, std::string("CKV2_DOCKER_1"));
      }
      return;
    }
  });
}

void CheckChmod777(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (command.Program() != "chmod") {
        continue;
      }
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

// ---------------------------------------------------------------- TLS verification

// checkov's environment-variable checks (graph checks Env*), on the instruction text as checkov reads it: in
// ENV/ARG, NAME=value or NAME value at the start or after whitespace; in RUN, a NAME=value assignment (optionally
// after `export`) at the start or after whitespace or ; & |, with the value followed by a space where checkov
// says so.
struct EnvPattern {
  std::string_view name;
  std::string_view alias;
  std::string_view what;
  RE2 in_env;
  RE2 in_run;
};

const std::vector<std::unique_ptr<EnvPattern>>& EnvPatterns() {
  static const auto* patterns = [] {
    auto* out = new std::vector<std::unique_ptr<EnvPattern>>();
    auto add = [&](std::string_view name, std::string_view alias, std::string_view what, const std::string& env_value,
                   const std::string& run_value) {
      const std::string quoted = RE2::QuoteMeta(std::string(name));
      out->push_back(std::unique_ptr<EnvPattern>(
          new EnvPattern{name, alias, what, RE2("(?:^|\\s)" + quoted + "(?:=|\\s+)(?:" + env_value + ")"),
                         RE2("(?:^|[\\s;&|])(?:export\\s+)?" + quoted + "=(?:" + run_value + ")")}));
    };
    const std::string any = R"((?:\S+)|(?:'[^']+')|(?:"[^s"]+"))";
    add("GIT_SSL_NO_VERIFY", "CKV2_DOCKER_14", "GIT_SSL_NO_VERIFY", R"(\S+)", any);
    add("PIP_TRUSTED_HOST", "CKV2_DOCKER_16", "PIP_TRUSTED_HOST", R"(\S+)", any);
    add("NODE_TLS_REJECT_UNAUTHORIZED", "CKV2_DOCKER_6", "NODE_TLS_REJECT_UNAUTHORIZED=0", R"(0|'0'|"0")",
        R"((?:0|'0'|"0") )");
    add("PYTHONHTTPSVERIFY", "CKV2_DOCKER_5", "PYTHONHTTPSVERIFY=0", R"(0|'0'|"0")", R"((?:0|'0'|"0") )");
    add("NPM_CONFIG_STRICT_SSL", "CKV2_DOCKER_12", "NPM_CONFIG_STRICT_SSL=false", R"(false|'false'|"false")",
        R"((?:false|'false'|"false") )");
    add("npm_config_strict_ssl", "CKV2_DOCKER_12", "NPM_CONFIG_STRICT_SSL=false", R"(false|'false'|"false")",
        R"((?:false|'false'|"false") )");
    return out;
  }();
  return *patterns;
}

// The text after the instruction keyword.
std::string_view InstructionValue(const Instruction& inst) {
  std::string_view text = inst.original;
  std::size_t skip = text.find_first_of(" \t");
  return skip == std::string_view::npos ? std::string_view() : text.substr(skip);
}

void CheckTlsDisabled(const CheckContext& c) {
  auto report = [&](std::size_t i, std::string_view what, std::string_view alias) {
    Finding& f = c.Report(i, fmt::format("TLS certificate verification is disabled ({})", what),
                          "keep certificate checks on; add the CA certificate to the image instead");
    if (alias.empty()) {
      f.aliases.clear();
    } else {
      f.aliases = {std::string(alias)};
    }
  };
  ForRuns(c, [&](std::size_t i, const Instruction& inst, const RunAnalysis& run) {
    std::set<std::string_view> seen;
    auto once = [&](std::string_view what, std::string_view alias) {
      if (seen.insert(alias.empty() ? what : alias).second) {
        report(i, what, alias);
      }
    };
    for (const CommandView& v : run.views) {
      if (v.name == "curl" && std::any_of(v.args.begin(), v.args.end(), [](const std::string& a) {
            return a == "--insecure" ||
                   (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find('k') != std::string::npos);
          })) {
        once("curl --insecure", "CKV2_DOCKER_2");
      }
      if (v.name == "wget" && v.HasArg("--no-check-certificate")) {
        once("wget --no-check-certificate", "CKV2_DOCKER_3");
      }
      if (StartsWith(v.name, "pip") && std::any_of(v.args.begin(), v.args.end(), [](const std::string& a) {
            return a == "--trusted-host" || StartsWith(a, "--trusted-host=");
          })) {
        once("pip --trusted-host", "CKV2_DOCKER_4");
      }
      // npm|yarn [c|config] set strict-ssl[=| ]false
      if ((v.name == "npm" || v.name == "yarn") && !v.args.empty()) {
        std::size_t k = (v.args[0] == "config" || v.args[0] == "c") ? 1 : 0;
        if (k < v.args.size() && v.args[k] == "set" && k + 1 < v.args.size()) {
          const std::string& key = v.args[k + 1];
          if (key == "strict-ssl=false" || (key == "strict-ssl" && k + 2 < v.args.size() && v.args[k + 2] == "false")) {
            once("strict-ssl false", "CKV2_DOCKER_13");
          }
        }
      }
      if (v.name == "git" && std::any_of(v.args.begin(), v.args.end(),
                                         [](const std::string& a) { return Lower(a) == "http.sslverify=false"; })) {
        once("git http.sslVerify=false", "");
      }
    }
    const std::string script = RunScript(inst);
    for (const auto& pattern : EnvPatterns()) {
      if (RE2::PartialMatch(script, pattern->in_run)) {
        once(pattern->what, pattern->alias);
      }
    }
  });
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ENV" && inst.cmd != "ARG") {
      return;
    }
    std::set<std::string_view> seen;
    for (const auto& pattern : EnvPatterns()) {
      if (RE2::PartialMatch(InstructionValue(inst), pattern->in_env) && seen.insert(pattern->alias).second) {
        // checkov does not lint ONBUILD triggers.
        report(i, pattern->what, &inst == &c.file.instructions[i] ? pattern->alias : "");
      }
    }
  });
}

// ---------------------------------------------------------------- hadolint's RUN rules

bool UsesProgram(const RunAnalysis& run, std::string_view name) {
  return std::any_of(run.commands.begin(), run.commands.end(),
                     [&](const ShellCommand& s) { return s.Program() == name; });
}

// hadolint DL3003 (any `cd`); Trivy DS013 keeps its id when an && segment starts with "cd ".
void CheckRunCd(const CheckContext& c) {
  static const RE2 kSegment("^cd ");
  ForRuns(c, [&](std::size_t i, const Instruction& inst, const RunAnalysis& run) {
    if (!UsesProgram(run, "cd")) {
      return;
    }
    Finding& f = c.Report(i, "RUN uses cd", "use WORKDIR to change directory");
    if (!SegmentMatches(inst, kSegment)) {
      KeepAliases(f, {"DL3003"});
    }
  });
}

// hadolint DL4006: per stage, a SHELL that sets `-o pipefail` for bash/zsh/ash (or a non-POSIX shell) covers the
// RUNs after it. Unlike hadolint, `set -o pipefail` inside the RUN before its first pipe counts too.
void CheckPipefail(const CheckContext& c) {
  bool covered = false;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "FROM") {
      covered = false;
    }
    if (inst.cmd == "SHELL") {
      std::string joined = Join(inst.args, " ");
      covered = false;
      for (std::string_view shell : {"pwsh", "powershell", "cmd"}) {
        covered = covered || StartsWith(joined, shell);
      }
      for (const auto& command : SplitShellCommands(joined)) {
        const CommandView v = View(command);
        const std::string base = Basename(v.name);
        if ((base == "bash" || base == "zsh" || base == "ash") && v.HasFlag("o") && v.HasArg("pipefail")) {
          covered = true;
        }
      }
    }
    if (inst.cmd != "RUN" || inst.json_form || covered) {
      return;
    }
    const RunAnalysis* run = c.model.RunAt(i);
    if (run == nullptr) {
      return;
    }
    bool pipe =
        std::any_of(run->commands.begin(), run->commands.end(), [](const ShellCommand& s) { return s.pipes_to_next; });
    if (pipe && !SetsPipefail(RunScript(inst))) {
      c.Report(i, "RUN uses a pipe without pipefail; a failing first command is ignored",
               "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] (or set -o pipefail in the RUN)");
    }
  });
}

// hadolint DL4001: once a stage has used both, every RUN that uses either is reported. Trivy DS014 reports a stage
// once, so only the first finding of a stage keeps its id.
void CheckWgetAndCurl(const CheckContext& c) {
  std::map<int, std::set<std::string>> used;
  std::set<int> reported;
  ForRunEntries(c, [&](const RunEntry& e) {
    int stage = e.onbuild ? -2 : c.model.stage_of[e.instruction];
    std::set<std::string> here;
    for (const auto& command : e.analysis.commands) {
      const std::string& p = command.Program();
      if (p == "curl" || p == "wget") {
        here.insert(p);
      }
    }
    if (here.empty()) {
      return;
    }
    used[stage].insert(here.begin(), here.end());
    if (used[stage].size() < 2) {
      return;
    }
    Finding& f = c.Report(e.instruction, "both wget and curl are used in this stage", "use one download tool");
    if (!reported.insert(stage).second) {
      KeepAliases(f, {"DL4001"});
    }
  });
}

void CheckPointlessCommands(const CheckContext& c) {
  static const std::set<std::string> kPointless = {"free",     "kill", "mount", "ps", "service",
                                                   "shutdown", "ssh",  "top",   "vim"};
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (kPointless.count(command.Program())) {
        c.Report(i, fmt::format("\"{}\" makes no sense in a container build", command.Program()), "remove it");
        return;
      }
    }
  });
}

void CheckLinkBinSh(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const CommandView& v : run.views) {
      if (v.Is("ln", {"/bin/sh"})) {
        c.Report(i, "RUN replaces /bin/sh with a link", "use SHELL [\"/bin/bash\", \"-c\"] to change the shell");
        return;
      }
    }
  });
}

// hadolint DL3059: two RUNs in a row with the same flags, each a single command. (hadolint counts every simple
// command twice, so its "more than 2" means "more than one".)
void CheckConsecutiveRun(const CheckContext& c) {
  const Instruction* previous = nullptr;
  std::size_t previous_count = 0;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "RUN") {
      previous = nullptr;
      return;
    }
    const RunAnalysis* run = c.model.RunAt(i);
    std::size_t count = run == nullptr ? 0 : run->commands.size();
    if (previous != nullptr && previous->flags == inst.flags && count <= 1 && previous_count <= 1) {
      c.Report(i, "consecutive RUN instructions; each adds a layer", "join them with &&");
    }
    previous = &inst;
    previous_count = count;
  });
}

void CheckWgetProgress(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const CommandView& v : run.views) {
      if (v.name != "wget" || v.HasFlag("progress")) {
        continue;
      }
      if (v.HasAnyFlag({"q", "quiet", "o", "output-file", "a", "append-output", "no-verbose"}) || v.HasArg("-nv")) {
        continue;
      }
      c.Report(i, "wget without --progress floods the build log", "wget --progress=dot:giga (or -q / -nv)");
      return;
    }
  });
}

constexpr Rule kShellRunRules[] = {
    {"curl-pipe-shell",
     Severity::kHigh,
     "Remote script piped into a shell",
     "curl | sh runs whatever the server returns, unverified.",
     {},
     CheckCurlPipeShell},
    {"sudo",
     Severity::kMedium,
     "RUN uses sudo",
     "sudo has unpredictable TTY and signal behaviour and signals privilege confusion.",
     {"DL3004", "AVD-DS-0010", "CKV2_DOCKER_1"},
     CheckSudo},
    {"chmod-world-writable",
     Severity::kMedium,
     "chmod makes files world-writable",
     "chmod 777 lets any user in the container modify the files.",
     {},
     CheckChmod777},
    {"tls-verification-disabled",
     Severity::kHigh,
     "TLS certificate verification disabled",
     "curl -k, wget --no-check-certificate, pip --trusted-host, npm/yarn strict-ssl false, GIT_SSL_NO_VERIFY, "
     "NODE_TLS_REJECT_UNAUTHORIZED=0, PYTHONHTTPSVERIFY=0 or PIP_TRUSTED_HOST allow man-in-the-middle tampering of "
     "downloads. Each finding carries the id of the checkov check it matches.",
     {"CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_5", "CKV2_DOCKER_6", "CKV2_DOCKER_12",
      "CKV2_DOCKER_13", "CKV2_DOCKER_14", "CKV2_DOCKER_16"},
     CheckTlsDisabled},
    {"run-cd",
     Severity::kLow,
     "RUN cd instead of WORKDIR",
     "cd does not persist; WORKDIR is clearer.",
     {"DL3003", "AVD-DS-0013"},
     CheckRunCd},
    {"pipefail",
     Severity::kLow,
     "Pipe without pipefail",
     "Without pipefail a failing command before a pipe does not fail the build. A SHELL with -o pipefail (bash, "
     "zsh, ash) or a non-POSIX SHELL covers the RUNs after it; so does set -o pipefail in the RUN itself.",
     {"DL4006"},
     CheckPipefail},
    {"wget-and-curl",
     Severity::kInfo,
     "Both wget and curl used",
     "Two download tools where one would do.",
     {"DL4001", "AVD-DS-0014"},
     CheckWgetAndCurl},
    {"pointless-command",
     Severity::kInfo,
     "Command that makes no sense in a build",
     "ssh, vim, shutdown, service, ps, free, top, kill, mount.",
     {"DL3001"},
     CheckPointlessCommands},
    {"ln-bin-sh",
     Severity::kLow,
     "RUN replaces /bin/sh",
     "Linking another shell over /bin/sh changes every later RUN behind the reader's back; SHELL says it openly.",
     {"DL4005"},
     CheckLinkBinSh},
    {"consecutive-run",
     Severity::kInfo,
     "Consecutive RUN instructions",
     "Two RUNs in a row, each a single command with the same flags, make two layers where one would do.",
     {"DL3059"},
     CheckConsecutiveRun},
    {"wget-no-progress",
     Severity::kInfo,
     "wget without a progress setting",
     "wget's default progress bar floods build logs; use --progress=dot:giga, -q or -nv.",
     {"DL3047"},
     CheckWgetProgress},
};

}  // namespace

std::span<const Rule> ShellRunRules() {
  return kShellRunRules;
}

}  // namespace customs::lint
