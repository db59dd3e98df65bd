// Rule family "Metadata": the instructions that shape the image configuration (EXPOSE, WORKDIR, CMD, ENTRYPOINT,
// HEALTHCHECK, MAINTAINER, LABEL, ENV) and the file's structure (instruction order, ONBUILD triggers, pragmas).
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

std::string DropQuotes(std::string_view s) {
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '"' || s.back() == '\'')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// The key/value pairs of an ENV or LABEL (quotes around keys and values removed).
std::vector<std::pair<std::string, std::string>> Pairs(const Instruction& inst) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
    out.emplace_back(DropQuotes(inst.args[k]), DropQuotes(inst.args[k + 1]));
  }
  return out;
}

// ---------------------------------------------------------------- EXPOSE

void CheckExposeSsh(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") {
      return;
    }
    for (const auto& port : inst.args) {
      if (port == "22" || port == "22/tcp" || port == "22/udp") {
        Finding& f =
            ReportInstruction(c, i, inst, "EXPOSE 22 publishes SSH", "do not run sshd in a container; use docker exec");
        if (port == "22/udp") {
          KeepAliases(f, {"AVD-DS-0004"});
        }
        return;
      }
    }
  });
}

// The container port of an EXPOSE spec ("[ip:][hostport:]port[/proto]"), as BuildKit splits it.
std::string ContainerPort(const std::string& spec) {
  std::string s = spec.substr(0, spec.find('/'));
  std::size_t colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(colon + 1);
}

// hadolint DL3011 and Trivy DS008: port numbers above 65535. Ports that are not numbers at all are reported too,
// without those ids (BuildKit's ExposeInvalidFormat covers ip:host:container forms).
void CheckExposePort(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") {
      return;
    }
    for (const auto& spec : inst.args) {
      if (spec.find('$') != std::string::npos || spec.find(':') != std::string::npos) {
        continue;
      }
      std::string port = ContainerPort(spec);
      bool out_of_range = false;
      auto valid = [&](const std::string& p) {
        if (p.empty() || !std::all_of(p.begin(), p.end(), [](char ch) { return std::isdigit(ch); })) {
          return false;
        }
        if (p.size() > 5 || std::stoi(p) > 65535) {
          out_of_range = true;
          return false;
        }
        return true;
      };
      std::size_t dash = port.find('-');
      bool ok = dash == std::string::npos ? valid(port) : valid(port.substr(0, dash)) && valid(port.substr(dash + 1));
      if (ok) {
        continue;
      }
      Finding& f =
          c.Report(i, fmt::format("EXPOSE {} is not a valid port", spec), "ports are 0-65535, optionally /tcp or /udp");
      if (!out_of_range) {
        f.aliases.clear();
      }
    }
  });
}

// ---------------------------------------------------------------- WORKDIR

bool HadolintAbsolute(const std::string& path) {
  std::string p = DropQuotes(path);
  if (p.empty()) {
    return true;
  }
  if (p[0] == '$' || p[0] == '/') {
    return true;
  }
  return p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':';
}

// hadolint DL3000, Trivy DS009 and checkov CKV_DOCKER_10: every relative WORKDIR. BuildKit's WorkdirRelativePath:
// only the first WORKDIR of a stage (and the stages it is built FROM), when it is relative.
void CheckWorkdirRelative(const CheckContext& c) {
  std::map<int, bool> set;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    int stage = c.model.stage_of[i];
    if (inst.cmd == "FROM" && stage >= 0) {
      int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
      set[stage] = parent >= 0 && set[parent];
    }
    if (inst.cmd != "WORKDIR" || inst.args.empty()) {
      return;
    }
    const std::string& dir = inst.args[0];
    const bool relative = !HadolintAbsolute(dir);
    const bool buildkit = !set[stage] && dir.find('$') == std::string::npos && !StartsWith(DropQuotes(dir), "/") &&
                          !(dir.size() >= 2 && dir[1] == ':');
    set[stage] = true;
    if (!relative && !buildkit) {
      return;
    }
    Finding& f = c.Report(i, fmt::format("WORKDIR \"{}\" is relative", dir), "use an absolute path: WORKDIR /app");
    if (!relative) {
      KeepAliases(f, {"WorkdirRelativePath"});
    }
    if (!buildkit) {
      KeepAliases(f, {"DL3000", "AVD-DS-0009", "CKV_DOCKER_10"});
    }
  });
}

// ---------------------------------------------------------------- CMD, ENTRYPOINT, HEALTHCHECK

// hadolint DL4003/DL4004/DL3012, Trivy DS016/DS007/DS023 and BuildKit's MultipleInstructionsDisallowed: per stage,
// every instruction a later one of the same kind overrides (reported where BuildKit reports: at the overridden
// one; BuildKit reads the `# check=` comments of the later one). Trivy reports a stage once.
void ReportMultiple(const CheckContext& c, std::string_view cmd) {
  for (const Stage& s : c.model.stages) {
    std::vector<std::size_t> seen;
    ForStageInstructions(c, s.index, [&](std::size_t i, const Instruction& inst) {
      if (inst.cmd == cmd) {
        seen.push_back(i);
      }
    });
    for (std::size_t k = 0; k + 1 < seen.size(); ++k) {
      Finding& f = c.Report(seen[k], fmt::format("{} is overridden by a later {} in the same stage", cmd, cmd),
                            fmt::format("keep only the last {}", cmd));
      f.pragma_line = c.file.instructions[seen[k + 1]].start_line;
      if (k > 0) {
        std::erase_if(f.aliases, [](const std::string& a) { return KindOfAlias(a) == AliasKind::kTrivy; });
      }
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

// hadolint DL3025: CMD, ENTRYPOINT and HEALTHCHECK CMD in shell form. BuildKit's JSONArgsRecommended: CMD and
// ENTRYPOINT only, and not after a SHELL in the stage or the stages it is built FROM.
void CheckJsonArgs(const CheckContext& c) {
  std::map<int, bool> shell;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    int stage = c.model.stage_of[i];
    if (inst.cmd == "FROM" && stage >= 0) {
      int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
      shell[stage] = parent >= 0 && shell[parent];
    }
    if (inst.cmd == "SHELL") {
      shell[stage] = true;
    }
    const bool healthcheck = inst.cmd == "HEALTHCHECK" && !inst.args.empty() && Upper(inst.args[0]) == "CMD";
    if ((inst.cmd != "CMD" && inst.cmd != "ENTRYPOINT" && !healthcheck) || inst.json_form || inst.args.empty()) {
      return;
    }
    Finding& f = c.Report(i, fmt::format("{} uses the shell form; signals will not reach the process", inst.cmd),
                          fmt::format("{} [\"executable\", \"arg\"]", healthcheck ? "HEALTHCHECK CMD" : inst.cmd));
    if (healthcheck || shell[stage]) {
      KeepAliases(f, {"DL3025"});
    }
  });
}

void CheckMaintainer(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "MAINTAINER") {
      c.Report(i, "MAINTAINER is deprecated", "LABEL org.opencontainers.image.authors=\"...\"");
    }
  });
}

// The final stage (and what it inherits) has no HEALTHCHECK. Trivy DS026 and checkov CKV_DOCKER_2 look for one
// anywhere in the file.
void CheckHealthcheckMissing(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) {
    return;
  }
  bool found = false;
  for (int stage : FinalChain(c)) {
    ForStageInstructions(c, stage,
                         [&](std::size_t, const Instruction& inst) { found = found || inst.cmd == "HEALTHCHECK"; });
  }
  if (found) {
    return;
  }
  Finding& f = c.Report(final_stage->from_instruction, "the final stage has no HEALTHCHECK",
                        "HEALTHCHECK CMD [\"/app/healthcheck\"]");
  if (std::any_of(c.file.instructions.begin(), c.file.instructions.end(),
                  [](const Instruction& inst) { return inst.cmd == "HEALTHCHECK"; })) {
    KeepAliases(f, {"DL3057"});
  }
}

// ---------------------------------------------------------------- structure

// hadolint DL3043: ONBUILD ONBUILD, ONBUILD FROM and ONBUILD MAINTAINER are not allowed.
void CheckOnbuildForbidden(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ONBUILD" || !inst.onbuild_child) {
      return;
    }
    const std::string& child = inst.onbuild_child->cmd;
    if (child == "ONBUILD" || child == "FROM" || child == "MAINTAINER") {
      c.Report(i, fmt::format("ONBUILD {} is not allowed as a trigger", child), "remove it");
    }
  });
}

// hadolint DL3061: only ARG (and comments) may come before the first FROM.
void CheckInstructionBeforeFrom(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (c.model.stage_of[i] >= 0 || inst.cmd == "ARG" || inst.cmd == "FROM") {
      return;
    }
    c.Report(i, fmt::format("{} before the first FROM", inst.cmd), "a Dockerfile starts with FROM (or ARG)");
  });
}

// hadolint DL1001 (off by default, as in hadolint): inline `# hadolint ignore=` pragmas.
void CheckInlineIgnore(const CheckContext& c) {
  static const RE2 kPragma(R"(^hadolint\s+ignore\s*=\s*\S)");
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    for (const auto& comment : inst.comments) {
      if (RE2::PartialMatch(comment, kPragma)) {
        c.Report(i, "inline `# hadolint ignore=` pragma", "fix the finding, or ignore it in the config file");
        return;
      }
    }
  });
}

// hadolint DL3044: an ENV that refers to a variable it defines itself (unless an earlier ENV/ARG defined it).
void CheckEnvSelfReference(const CheckContext& c) {
  std::set<std::string> defined;
  auto refers = [](const std::string& value, const std::string& name) {
    if (value.find("${" + name + "}") != std::string::npos) {
      return true;
    }
    const std::string bare = "$" + name;
    for (std::size_t at = value.find(bare); at != std::string::npos; at = value.find(bare, at + 1)) {
      std::size_t end = at + bare.size();
      if (end >= value.size() || !(std::isalnum(static_cast<unsigned char>(value[end])) || value[end] == '_')) {
        return true;
      }
    }
    return false;
  };
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        defined.insert(word.substr(0, word.find('=')));
      }
    }
    if (inst.cmd != "ENV") {
      return;
    }
    auto pairs = Pairs(inst);
    bool self = false;
    for (std::size_t k = 0; k < pairs.size() && !self; ++k) {
      if (defined.count(pairs[k].first)) {
        continue;
      }
      for (std::size_t m = 0; m < pairs.size(); ++m) {
        if (m != k && refers(pairs[m].second, pairs[k].first)) {
          self = true;
        }
      }
    }
    for (const auto& [name, value] : pairs) {
      defined.insert(name);
    }
    if (self) {
      c.Report(i, "ENV refers to a variable it defines in the same instruction (the old value is used)",
               "split the ENV in two");
    }
  });
}

// ---------------------------------------------------------------- LABEL

// hadolint DL3048: lowercase alphanumerics, '.', '-', '_' and '/'; starting with a letter and ending with a letter
// or digit; no ".." or "--"; not in the reserved com.docker., io.docker. and org.dockerproject. namespaces.
bool ValidLabelKey(const std::string& key) {
  if (key.empty() || !(key.front() >= 'a' && key.front() <= 'z')) {
    return false;
  }
  const char last = key.back();
  if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9'))) {
    return false;
  }
  for (char ch : key) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_' || ch == '/')) {
      return false;
    }
  }
  for (std::string_view reserved : {"com.docker.", "io.docker.", "org.dockerproject."}) {
    if (StartsWith(key, reserved)) {
      return false;
    }
  }
  return key.find("..") == std::string::npos && key.find("--") == std::string::npos;
}

void CheckLabelKeys(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "LABEL") {
      return;
    }
    for (const auto& [key, value] : Pairs(inst)) {
      if (!ValidLabelKey(key)) {
        ReportInstruction(c, i, inst, fmt::format("label key \"{}\" is not valid", key),
                          "use lowercase reverse-DNS keys such as org.example.name");
        return;
      }
    }
  });
}

// hadolint DL3049: a label of the label_schema missing from a stage. A stage built FROM a stage that has it is
// fine, and a stage another stage copies from or builds on (which then has it) is not reported.
void CheckLabelMissing(const CheckContext& c) {
  for (const auto& entry : c.settings.label_schema) {
    const std::string& label = entry.first;
    std::vector<int> state(c.model.stages.size(), 0);  // 0 bad, 1 good, 2 silent
    auto silence = [&](const std::string& name) {
      for (const Stage& s : c.model.stages) {
        if (!s.name.empty() && s.name == name && state[static_cast<std::size_t>(s.index)] == 0) {
          state[static_cast<std::size_t>(s.index)] = 2;
        }
      }
    };
    ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
      int stage = c.model.stage_of[i];
      if (stage < 0) {
        return;
      }
      const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
      std::string image = s.base_text.substr(0, s.base_text.find(':'));
      if (inst.cmd == "FROM") {
        bool from_good = std::any_of(c.model.stages.begin(), c.model.stages.begin() + stage, [&](const Stage& g) {
          return !g.name.empty() && g.name == image && state[static_cast<std::size_t>(g.index)] == 1;
        });
        state[static_cast<std::size_t>(stage)] = from_good ? 1 : 0;
      }
      if ((inst.cmd == "COPY" || inst.cmd == "ADD") && HasFlag(inst, "from")) {
        silence(FlagValue(inst, "from"));
      }
      if (inst.cmd == "LABEL") {
        auto pairs = Pairs(inst);
        if (std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == label; })) {
          silence(s.name.empty() ? image : s.name);
          state[static_cast<std::size_t>(stage)] = 1;
        }
      }
    });
    for (const Stage& s : c.model.stages) {
      if (state[static_cast<std::size_t>(s.index)] == 0) {
        c.Report(s.from_instruction, fmt::format("label \"{}\" is missing", label),
                 fmt::format("LABEL {}=\"...\"", label));
      }
    }
  }
}

// hadolint DL3050: with strict_labels, labels outside the schema.
void CheckLabelSuperfluous(const CheckContext& c) {
  if (!c.settings.strict_labels) {
    return;
  }
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "LABEL") {
      return;
    }
    for (const auto& [key, value] : Pairs(inst)) {
      if (!c.settings.label_schema.count(key)) {
        c.Report(i, fmt::format("label \"{}\" is not in the label schema", key), "remove it or add it to label_schema");
        return;
      }
    }
  });
}

// hadolint DL3051: a schema label with an empty value.
void CheckLabelEmpty(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "LABEL") {
      return;
    }
    for (const auto& [key, value] : Pairs(inst)) {
      if (c.settings.label_schema.count(key) && value.empty()) {
        c.Report(i, fmt::format("label \"{}\" is empty", key), "give it a value");
      }
    }
  });
}

bool ValidUrl(const std::string& v) {
  static const RE2 kUrl(R"([A-Za-z][A-Za-z0-9+.\-]*:[^\s"<>\\^`{|}]*)");
  return RE2::FullMatch(v, kUrl);
}
bool ValidRfc3339(const std::string& v) {
  static const RE2 kTime(R"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))");
  return RE2::FullMatch(v, kTime);
}
bool ValidGitHash(const std::string& v) {
  return (v.size() == 40 || v.size() == 7) &&
         std::all_of(v.begin(), v.end(), [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}
bool ValidSemver(const std::string& v) {
  // semver.org 2.0.0, section 9 and 10.
  static const RE2 kSemver(
      R"((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?)");
  return RE2::FullMatch(v, kSemver);
}
bool ValidEmail(const std::string& v) {
  // RFC 5322 addr-spec, dot-atom forms.
  static const RE2 kEmail(
      R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)");
  return RE2::FullMatch(v, kEmail);
}
bool ValidSpdx(const std::string& v) {
  static const std::set<std::string_view> kIds = {
#include "spdx_license_ids.inc"
  };
  return kIds.count(v) > 0;
}

// hadolint DL3052-DL3056, DL3058: schema labels whose value does not fit their type.
void ReportLabelType(const CheckContext& c, std::string_view type, bool (*valid)(const std::string&),
                     std::string_view what) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "LABEL") {
      return;
    }
    for (const auto& [key, value] : Pairs(inst)) {
      auto it = c.settings.label_schema.find(key);
      if (it == c.settings.label_schema.end() || it->second != type || valid(value)) {
        continue;
      }
      c.Report(i, fmt::format("label \"{}\" is not {}: \"{}\"", key, what, value), std::string("use ") + what.data());
    }
  });
}
void CheckLabelUrl(const CheckContext& c) {
  ReportLabelType(c, "url", ValidUrl, "a URL");
}
void CheckLabelRfc3339(const CheckContext& c) {
  ReportLabelType(c, "rfc3339", ValidRfc3339, "an RFC 3339 time");
}
void CheckLabelSpdx(const CheckContext& c) {
  ReportLabelType(c, "spdx", ValidSpdx, "an SPDX license identifier");
}
void CheckLabelGitHash(const CheckContext& c) {
  ReportLabelType(c, "hash", ValidGitHash, "a git hash");
}
void CheckLabelSemver(const CheckContext& c) {
  ReportLabelType(c, "semver", ValidSemver, "a semantic version");
}
void CheckLabelEmail(const CheckContext& c) {
  ReportLabelType(c, "email", ValidEmail, "an email address");
}

constexpr Rule kMetadataRules[] = {
    {"expose-ssh",
     Severity::kMedium,
     "Port 22 exposed",
     "Running sshd in a container widens the attack surface; use docker exec.",
     {"AVD-DS-0004", "CKV_DOCKER_1"},
     CheckExposeSsh},
    {"expose-invalid-port",
     Severity::kMedium,
     "EXPOSE with an invalid port",
     "Ports are 0-65535.",
     {"DL3011", "AVD-DS-0008"},
     CheckExposePort},
    {"workdir-relative",
     Severity::kLow,
     "WORKDIR is a relative path",
     "A relative WORKDIR depends on the previous one (or the base image's) and is easy to get wrong.",
     {"DL3000", "AVD-DS-0009", "WorkdirRelativePath", "CKV_DOCKER_10"},
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
     "CMD/ENTRYPOINT/HEALTHCHECK in shell form",
     "The shell form runs under /bin/sh -c, which does not forward signals to the application.",
     {"DL3025", "JSONArgsRecommended"},
     CheckJsonArgs},
    {"maintainer-deprecated",
     Severity::kInfo,
     "MAINTAINER is deprecated",
     "Use a LABEL instead.",
     {"DL4000", "AVD-DS-0022", "MaintainerDeprecated", "CKV_DOCKER_6"},
     CheckMaintainer},
    {"healthcheck-missing",
     Severity::kInfo,
     "Final stage has no HEALTHCHECK",
     "Orchestrators cannot tell a hung container from a healthy one.",
     {"DL3057", "AVD-DS-0026", "CKV_DOCKER_2"},
     CheckHealthcheckMissing},
    {"env-self-reference",
     Severity::kMedium,
     "ENV refers to a variable it defines itself",
     "ENV A=1 B=$A uses the value A had before this instruction, not 1.",
     {"DL3044"},
     CheckEnvSelfReference},
    {"onbuild-forbidden",
     Severity::kHigh,
     "ONBUILD with ONBUILD, FROM or MAINTAINER",
     "These instructions cannot be ONBUILD triggers; the build of the image that uses this one fails.",
     {"DL3043"},
     CheckOnbuildForbidden},
    {"instruction-before-from",
     Severity::kHigh,
     "Instruction before the first FROM",
     "Only ARG may precede the first FROM; BuildKit rejects anything else.",
     {"DL3061"},
     CheckInstructionBeforeFrom},
    {"inline-ignore-pragma",
     Severity::kInfo,
     "Inline hadolint ignore pragma",
     "Off by default (as in hadolint; enable with `enabled: [DL1001]`): reports `# hadolint ignore=` comments, for "
     "teams that keep exceptions in the config file only.",
     {"DL1001"},
     CheckInlineIgnore,
     true},
    {"label-key-invalid",
     Severity::kInfo,
     "Invalid label key",
     "Label keys are lowercase reverse-DNS names; com.docker., io.docker. and org.dockerproject. are reserved.",
     {"DL3048"},
     CheckLabelKeys},
    {"label-missing",
     Severity::kInfo,
     "Label from label_schema missing",
     "Every stage should carry the labels of the configured label_schema.",
     {"DL3049"},
     CheckLabelMissing},
    {"label-superfluous",
     Severity::kInfo,
     "Label outside label_schema",
     "With strict_labels, only the labels of label_schema are allowed.",
     {"DL3050"},
     CheckLabelSuperfluous},
    {"label-empty",
     Severity::kLow,
     "Label from label_schema is empty",
     "A schema label without a value carries no information.",
     {"DL3051"},
     CheckLabelEmpty},
    {"label-not-url",
     Severity::kLow,
     "Label is not a URL",
     "The label_schema declares this label as a URL.",
     {"DL3052"},
     CheckLabelUrl},
    {"label-not-rfc3339",
     Severity::kLow,
     "Label is not an RFC 3339 time",
     "The label_schema declares this label as a time (RFC 3339).",
     {"DL3053"},
     CheckLabelRfc3339},
    {"label-not-spdx",
     Severity::kLow,
     "Label is not an SPDX license identifier",
     "The label_schema declares this label as an SPDX license id (the list of Debian's node-spdx-license-ids).",
     {"DL3054"},
     CheckLabelSpdx},
    {"label-not-git-hash",
     Severity::kLow,
     "Label is not a git hash",
     "The label_schema declares this label as a git commit hash (7 or 40 lowercase hex digits).",
     {"DL3055"},
     CheckLabelGitHash},
    {"label-not-semver",
     Severity::kLow,
     "Label is not a semantic version",
     "The label_schema declares this label as a semantic version (semver.org 2.0.0).",
     {"DL3056"},
     CheckLabelSemver},
    {"label-not-email",
     Severity::kLow,
     "Label is not an email address",
     "The label_schema declares this label as an email address (RFC 5322).",
     {"DL3058"},
     CheckLabelEmail},
};

}  // namespace

std::span<const Rule> MetadataRules() {
  return kMetadataRules;
}

}  // namespace customs::lint
