// Rule family "Metadata": Image configuration instructions: EXPOSE, WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK, MAINTAINER.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

void CheckExposeSsh(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") return;
    for (const auto& port : inst.args) {
      if (port == "22" || StartsWith(port, "22/"))
        c.Report(i, "EXPOSE 22 publishes SSH", "do not run sshd in a container; use docker exec");
    }
  });
}

void CheckWorkdirRelative(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "WORKDIR" || inst.args.empty()) return;
    std::string dir = inst.args[0];
    if (dir.size() >= 2 && (dir[0] == '"' || dir[0] == '\'')) dir = dir.substr(1);
    if (dir.empty() || dir[0] == '/' || dir[0] == '$' || (dir.size() > 1 && dir[1] == ':')) return;
    c.Report(i, fmt::format("WORKDIR \"{}\" is relative", inst.args[0]), "use an absolute path: WORKDIR /app");
  });
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

constexpr Rule kMetadataRules[] = {
    {"expose-ssh",
     Severity::kMedium,
     "Port 22 exposed",
     "Running sshd in a container widens the attack surface; use docker exec.",
     {"", "AVD-DS-0004", ""},
     CheckExposeSsh},
    {"expose-invalid-port",
     Severity::kMedium,
     "EXPOSE with an invalid port",
     "Ports are 0-65535.",
     {"DL3011", "AVD-DS-0008", ""},
     CheckExposePort},
    {"workdir-relative",
     Severity::kLow,
     "WORKDIR is a relative path",
     "A relative WORKDIR depends on the previous one and is easy to get wrong.",
     {"DL3000", "AVD-DS-0009", "WorkdirRelativePath"},
     CheckWorkdirRelative},
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
    {"healthcheck-missing",
     Severity::kInfo,
     "Final stage has no HEALTHCHECK",
     "Orchestrators cannot tell a hung container from a healthy one.",
     {"DL3057", "AVD-DS-0026", ""},
     CheckHealthcheckMissing},
};

}  // namespace

std::span<const Rule> MetadataRules() {
  return kMetadataRules;
}

}  // namespace customs::lint
