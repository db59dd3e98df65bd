// Rule family "BuildKit checks": BuildKit's build checks (`docker build --check`) with BuildKit's semantics and line
// numbers.
#include <fmt/format.h>

#include <algorithm>

#include "lint/dockerfile/shell_lex.h"
#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

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

constexpr Rule kBuildkitRules[] = {
    {"duplicate-stage-name",
     Severity::kHigh,
     "Duplicate stage name",
     "Stage names must be unique.",
     {"DL3024", "", "DuplicateStageName"},
     CheckDuplicateStage},
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

std::span<const Rule> BuildkitRules() {
  return kBuildkitRules;
}

}  // namespace customs::lint
