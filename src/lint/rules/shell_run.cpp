// Rule family "Shell and RUN": What RUN scripts do: downloads piped to shells, sudo, TLS, pipes, commands that make no
// sense in a build.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

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

void CheckRunCd(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    if (run.commands.size() >= 1 && run.commands.front().Program() == "cd" && run.commands.front().depth == 0) {
      c.Report(i, "RUN starts with cd", "use WORKDIR to change directory");
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

constexpr Rule kShellRunRules[] = {
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
    {"run-cd",
     Severity::kLow,
     "RUN cd instead of WORKDIR",
     "cd does not persist; WORKDIR is clearer.",
     {"DL3003", "AVD-DS-0013", ""},
     CheckRunCd},
    {"pipefail",
     Severity::kLow,
     "Pipe without pipefail",
     "Without pipefail a failing command before a pipe does not fail the build.",
     {"DL4006", "", ""},
     CheckPipefail},
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
};

}  // namespace

std::span<const Rule> ShellRunRules() {
  return kShellRunRules;
}

}  // namespace customs::lint
