// Rule family "BuildKit checks": BuildKit's build checks (`docker build --check`) with BuildKit's semantics and
// line numbers (moby/buildkit frontend/dockerfile/instructions/parse.go, dockerfile2llb/convert.go and
// validations.go, linter/ruleset.go). The checks BuildKit shares with hadolint or Trivy (stage names, casing of
// FROM/AS, reserved names) live here too; checks about CMD, WORKDIR, MAINTAINER, secrets and COPY live with their
// families and carry the BuildKit name as an alias.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "lint/dockerfile/shell_lex.h"
#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

// Names BuildKit always defines for FROM (dockerfile2llb/platform.go defaultArgs).
const std::set<std::string>& DefaultArgs() {
  static const std::set<std::string> kDefault = {"BUILDPLATFORM", "BUILDOS",        "BUILDOSVERSION", "BUILDARCH",
                                                 "BUILDVARIANT",  "TARGETPLATFORM", "TARGETOS",       "TARGETOSVERSION",
                                                 "TARGETARCH",    "TARGETVARIANT",  "TARGETSTAGE"};
  return kDefault;
}

// agext/levenshtein distance (suggest.Search offers a name within distance 2).
std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// suggest.Search, case-sensitive: the closest option within distance 2 ("" when none, or when `name` is one).
std::string Suggest(const std::string& name, const std::set<std::string>& options) {
  std::string match;
  std::size_t best = 3;
  for (const auto& option : options) {
    if (option == name) {
      return "";
    }
    std::size_t d = EditDistance(name, option);
    if (d < best) {
      best = d;
      match = option;
    }
  }
  return match;
}

// The keywords of the instructions inside stages (global ARGs are not part of any stage).
std::vector<std::string> StageInstructionKeywords(const CheckContext& c) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < c.file.instructions.size(); ++i) {
    if (c.model.stage_of[i] >= 0) {
      out.push_back(c.file.instructions[i].keyword);
    }
  }
  return out;
}

// ---------------------------------------------------------------- stage names and casing

void CheckStageNameCasing(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    const Instruction& inst = c.file.instructions[s.from_instruction];
    if (inst.args.size() != 3) {
      continue;
    }
    if (inst.args[2] != Lower(inst.args[2])) {
      c.Report(s.from_instruction, fmt::format("stage name \"{}\" should be lowercase", inst.args[2]),
               Lower(inst.args[2]));
    }
  }
}

// BuildKit doesFromCaseMatchAsCase: only when FROM itself is all lower or all upper case.
void CheckFromAsCasing(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    const Instruction& inst = c.file.instructions[s.from_instruction];
    if (inst.args.size() < 3) {
      continue;
    }
    const bool from_lower = inst.keyword == Lower(inst.keyword);
    const bool from_upper = inst.keyword == Upper(inst.keyword);
    if (!from_lower && !from_upper) {
      continue;
    }
    const std::string& as = inst.args[1];
    if ((from_lower && as != Lower(as)) || (!from_lower && as != Upper(as))) {
      c.Report(s.from_instruction, fmt::format("'{}' and '{}' keywords' casing do not match", as, inst.keyword),
               from_lower ? "from ... as ..." : "FROM ... AS ...");
    }
  }
}

// BuildKit validateStageNames (names are compared lowercased) and hadolint DL3024. Trivy DS012 reports aliases
// shared by FROMs of different images; checkov CKV_DOCKER_11 any repeated alias.
void CheckDuplicateStage(const CheckContext& c) {
  std::map<std::string, const Stage*> seen;
  for (const Stage& s : c.model.stages) {
    if (s.name.empty()) {
      continue;
    }
    auto [it, inserted] = seen.emplace(Lower(s.name), &s);
    if (inserted) {
      continue;
    }
    Finding& f = c.Report(s.from_instruction, fmt::format("stage name \"{}\" is already used", s.name),
                          "give every stage a unique name");
    if (s.name != it->second->name) {
      KeepAliases(f, {"DuplicateStageName", "AVD-DS-0012"});
    }
    if (Lower(s.base_text) == Lower(it->second->base_text)) {
      std::erase(f.aliases, std::string("AVD-DS-0012"));
    }
  }
}

void CheckReservedStageName(const CheckContext& c) {
  for (const Stage& s : c.model.stages) {
    const std::string lower = Lower(s.name);
    if (lower != "scratch" && lower != "context") {
      continue;
    }
    Finding& f = c.Report(s.from_instruction, fmt::format("stage name \"{}\" is reserved", s.name), "rename the stage");
    if (s.name != lower) {
      KeepAliases(f, {"ReservedStageName"});
    }
  }
}

// BuildKit validateCommandCasing: the instructions of every stage (global ARGs excluded) vote; ties go to upper
// case; an instruction that is neither all lower nor all upper case never matches.
void CheckConsistentCasing(const CheckContext& c) {
  int upper = 0, lower = 0;
  for (const auto& keyword : StageInstructionKeywords(c)) {
    if (keyword == Lower(keyword)) {
      ++lower;
    } else if (keyword == Upper(keyword)) {
      ++upper;
    }
  }
  const bool want_lower = lower > upper;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (c.model.stage_of[i] < 0) {
      return;
    }
    const bool ok = want_lower ? inst.keyword == Lower(inst.keyword) : inst.keyword == Upper(inst.keyword);
    if (ok) {
      return;
    }
    c.Report(i,
             fmt::format("instruction '{}' should match the case of the majority ({})", inst.keyword,
                         want_lower ? "lowercase" : "uppercase"),
             want_lower ? Lower(inst.keyword) : Upper(inst.keyword));
  });
}

// ---------------------------------------------------------------- parser-level checks

void CheckLegacyKeyValue(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd == "ENV" || inst.cmd == "LABEL") && inst.args.size() == 3 && inst.args[2].empty()) {
      c.Report(i, fmt::format("\"{} key value\" is the legacy form", inst.cmd),
               fmt::format("{} {}=\"...\"", inst.cmd, inst.args[0]));
    }
  });
}

// BuildKit reports an empty continuation line at the last line of the instruction's text.
void CheckEmptyContinuation(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (!inst.empty_continuation) {
      return;
    }
    const int stage = c.model.stage_of[i];
    c.ReportLines(inst.text_end_line, inst.text_end_line, stage, "empty continuation line",
                  "remove the blank line or the trailing escape");
  });
}

// BuildKit validateDefinitionDescription (experimental: only with `# check=experimental=...`): a comment right
// above a named FROM or an ARG documents it and must start with its name.
void CheckDefinitionDescription(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.comments.empty()) {
      return;
    }
    std::vector<std::string> keys;
    if (inst.cmd == "FROM") {
      if (inst.args.size() == 3 && Lower(inst.args[1]) == "as") {
        keys.push_back(Lower(inst.args[2]));
      }
    } else if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        keys.push_back(word.substr(0, word.find('=')));
      }
    }
    if (keys.empty()) {
      return;
    }
    const std::string& last = inst.comments.back();
    const std::string first_word = last.substr(0, last.find(' '));
    if (std::find(keys.begin(), keys.end(), first_word) != keys.end()) {
      return;
    }
    const std::string example = keys.size() > 1 ? "<arg_key>" : keys[0];
    c.Report(i, fmt::format("comment for {} should follow the format: `# {} <description>`", inst.cmd, example),
             fmt::format("# {} <description>", example));
  });
}

// ---------------------------------------------------------------- FROM arguments

void CheckUndefinedArgInFrom(const CheckContext& c) {
  std::set<std::string> declared = DefaultArgs();
  for (const auto& [name, value] : c.model.global_args) {
    declared.insert(name);
  }
  for (const Stage& s : c.model.stages) {
    const Instruction& inst = c.file.instructions[s.from_instruction];
    if (inst.args.empty()) {
      continue;
    }
    std::vector<std::string> words = {inst.args[0]};
    if (HasFlag(inst, "platform")) {
      words.push_back(FlagValue(inst, "platform"));
    }
    for (const auto& word : words) {
      auto r = ProcessShellWord(word, [&](std::string_view n) -> std::optional<std::string> {
        if (declared.count(std::string(n))) {
          return std::string();
        }
        return std::nullopt;
      });
      if (!r) {
        continue;
      }
      for (const auto& name : r->unmatched) {
        std::string suggestion = Suggest(name, declared);
        c.Report(s.from_instruction,
                 fmt::format("FROM argument '{}' is not declared{}", name,
                             suggestion.empty() ? "" : fmt::format(" (did you mean {}?)", suggestion)),
                 fmt::format("declare ARG {} before the first FROM", name));
      }
    }
  }
}

// distribution/reference's grammar (reference.ParseNormalizedNamed): [domain/]path[:tag][@digest], lowercase path.
bool ValidReference(const std::string& ref) {
  static const RE2 kReference(
      R"((?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?)"
      R"([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
      R"((?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?)");
  return !ref.empty() && RE2::FullMatch(ref, kReference);
}

// BuildKit validateBaseImagesWithDefaultArgs: the base names with only the global ARG defaults (no --build-arg)
// must still be valid image references.
void CheckInvalidDefaultArgInFrom(const CheckContext& c) {
  // BuildKit fills the platform arguments from the build's platforms; linux/amd64 stands for them here.
  std::map<std::string, std::string> defaults;
  for (const std::string& name : DefaultArgs()) {
    defaults[name] = "";
  }
  defaults["TARGETPLATFORM"] = defaults["BUILDPLATFORM"] = "linux/amd64";
  defaults["TARGETOS"] = defaults["BUILDOS"] = "linux";
  defaults["TARGETARCH"] = defaults["BUILDARCH"] = "amd64";
  defaults["TARGETSTAGE"] = "default";
  auto lookup = [&](std::string_view n) -> std::optional<std::string> {
    auto it = defaults.find(std::string(n));
    if (it == defaults.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  for (std::size_t index : c.model.global_arg_instructions) {
    for (const auto& word : c.file.instructions[index].args) {
      std::size_t eq = word.find('=');
      if (eq == std::string::npos) {
        continue;
      }
      auto value = ProcessShellWord(word.substr(eq + 1), lookup);
      if (!value) {
        return;  // BuildKit abandons the check when a default does not expand
      }
      defaults[word.substr(0, eq)] = value->result;
    }
  }
  for (const Stage& s : c.model.stages) {
    if (s.base_text.find('$') == std::string::npos || s.parent_stage >= 0) {
      continue;
    }
    auto expanded = ProcessShellWord(s.base_text, lookup);
    if (!expanded) {
      return;
    }
    const std::string& result = expanded->result;
    if (c.model.FindStage(result, s.index) >= 0 || Lower(result) == "scratch") {
      continue;
    }
    if (ValidReference(result)) {
      continue;
    }
    c.Report(s.from_instruction,
             fmt::format("default value for ARG {} results in empty or invalid base image name", s.base_text),
             "give the global ARG a default that makes a valid image reference");
  }
}

// ---------------------------------------------------------------- EXPOSE

// BuildKit's portSpecs.splitParts: "[ip:]hostPort:containerPort".
void SplitPort(const std::string& raw, std::string& ip, std::string& host, std::string& container) {
  auto parts = SplitList(raw, ':');
  const std::size_t n = parts.size();
  container = parts[n - 1];
  ip.clear();
  host.clear();
  if (n == 2) {
    host = parts[0];
  }
  if (n >= 3) {
    host = parts[n - 2];
    for (std::size_t k = 0; k + 2 < n; ++k) {
      ip += (k ? ":" : "") + parts[k];
    }
  }
}

void CheckExposeProtoCasing(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") {
      return;
    }
    for (const auto& raw : inst.args) {
      std::string ip, host, container;
      SplitPort(raw, ip, host, container);
      std::size_t slash = container.find('/');
      if (slash == std::string::npos) {
        continue;
      }
      std::string proto = container.substr(slash + 1);
      if (proto != Lower(proto)) {
        c.Report(i, fmt::format("protocol in EXPOSE {} should be lowercase", raw),
                 container.substr(0, slash) + "/" + Lower(proto));
      }
    }
  });
}

void CheckExposeInvalidFormat(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "EXPOSE") {
      return;
    }
    for (const auto& raw : inst.args) {
      std::string ip, host, container;
      SplitPort(raw, ip, host, container);
      if (ip.empty() && host.empty()) {
        continue;
      }
      c.Report(i, fmt::format("EXPOSE {} names an IP address or host port; EXPOSE only declares container ports", raw),
               "EXPOSE " + container + " (publish with docker run -p)");
    }
  });
}

// ---------------------------------------------------------------- UndefinedVar

// Base images whose configuration sets no environment but PATH, so every other variable is known to be unset
// (BuildKit reads the real image configuration; without a registry, only these are judged exactly).
bool EnvIsOnlyPath(const ImageRef& ref) {
  if (ref.scratch) {
    return true;
  }
  static const std::set<std::string> kImages = {"library/alpine", "library/busybox", "library/debian",
                                                "library/ubuntu"};
  return ref.resolved && ref.registry == "docker.io" && kImages.count(ref.repository) > 0;
}

struct StageEnv {
  std::map<std::string, std::string> env;  // variables set in the build environment
  std::set<std::string> build_args;        // ARG names declared in the stage (and the stages it is built FROM)
  bool exact = false;                      // false: the base image's environment is unknown
};

// BuildKit reportUnmatchedVariables, for every stage (the lint subrequest dispatches them all): a variable used in
// ENV, LABEL, ADD, COPY, WORKDIR, USER, VOLUME, STOPSIGNAL, RUN --mount or an ARG default, that is neither set
// nor a declared ARG. Stages built on an unknown image report only near misses of known names.
void CheckUndefinedVar(const CheckContext& c) {
  static const std::set<std::string> kNonEnv = {"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"};
  std::vector<StageEnv> stages(c.model.stages.size());
  std::map<std::string, std::optional<std::string>> global = c.model.global_args;
  LexOptions lex;
  lex.escape = static_cast<char32_t>(static_cast<unsigned char>(c.file.escape));
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    int index = c.model.stage_of[i];
    if (index < 0) {
      return;
    }
    StageEnv& st = stages[static_cast<std::size_t>(index)];
    const Stage& stage = c.model.stages[static_cast<std::size_t>(index)];
    if (inst.cmd == "FROM") {
      if (stage.parent_stage >= 0) {
        st = stages[static_cast<std::size_t>(stage.parent_stage)];
      } else {
        st = StageEnv{};
        st.exact = EnvIsOnlyPath(stage.base);
        st.env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
      }
      return;
    }
    std::set<std::string> reported;
    auto check = [&](const std::string& word, const LexOptions& options) {
      auto r = ProcessShellWord(
          word,
          [&](std::string_view n) -> std::optional<std::string> {
            auto it = st.env.find(std::string(n));
            if (it == st.env.end()) {
              return std::nullopt;
            }
            return it->second;
          },
          options);
      if (!r) {
        return;
      }
      for (const auto& name : r->unmatched) {
        if (st.build_args.count(name) || kNonEnv.count(name)) {
          continue;
        }
        // On an unknown base only names this Dockerfile declares count: the image's own variables (GOPATH next to
        // PATH) are unknown here.
        std::set<std::string> known;
        for (const auto& [k, v] : st.env) {
          if (st.exact || k != "PATH") {
            known.insert(k);
          }
        }
        std::string suggestion = Suggest(name, known);
        if (!st.exact && (suggestion.empty() || name.size() <= 2)) {
          continue;
        }
        if (!reported.insert(name).second) {
          continue;
        }
        c.Report(i,
                 fmt::format("usage of undefined variable '${}'{}", name,
                             suggestion.empty() ? "" : fmt::format(" (did you mean ${}?)", suggestion)),
                 suggestion.empty() ? fmt::format("declare ARG {} or ENV {} first", name, name) : "$" + suggestion);
      }
    };
    if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        std::size_t eq = word.find('=');
        std::string name = word.substr(0, eq);
        std::optional<std::string> value;
        if (auto b = c.model.build_args.find(name); b != c.model.build_args.end()) {
          value = b->second;
        } else if (eq != std::string::npos) {
          check(word.substr(eq + 1), lex);
          auto expanded = ProcessShellWord(
              word.substr(eq + 1),
              [&](std::string_view n) -> std::optional<std::string> {
                auto it = st.env.find(std::string(n));
                if (it == st.env.end()) {
                  return std::nullopt;
                }
                return it->second;
              },
              lex);
          value = expanded ? expanded->result : "";
        } else if (auto g = global.find(name); g != global.end()) {
          value = g->second.value_or("");
        }
        if (value && !kNonEnv.count(name)) {
          st.env[name] = *value;
        }
        st.build_args.insert(name);
      }
      return;
    }
    if (inst.cmd == "ENV" || inst.cmd == "LABEL") {
      for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
        check(inst.args[k], lex);
        check(inst.args[k + 1], lex);
      }
      if (inst.cmd == "ENV") {
        for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
          auto value = ProcessShellWord(
              inst.args[k + 1],
              [&](std::string_view n) -> std::optional<std::string> {
                auto it = st.env.find(std::string(n));
                if (it == st.env.end()) {
                  return std::nullopt;
                }
                return it->second;
              },
              lex);
          st.env[inst.args[k]] = value ? value->result : "";
        }
      }
      return;
    }
    if (inst.cmd == "COPY" || inst.cmd == "ADD") {
      for (std::string_view flag : {"chown", "chmod", "checksum"}) {
        if (HasFlag(inst, flag)) {
          check(FlagValue(inst, flag), lex);
        }
      }
      for (const auto& word : inst.args) {
        if (!StartsWith(word, "<<")) {
          check(word, lex);
        }
      }
      LexOptions raw;
      raw.raw_quotes = true;
      for (const auto& heredoc : inst.heredocs) {
        if (heredoc.expand) {
          check(heredoc.content, raw);
        }
      }
      return;
    }
    if (inst.cmd == "WORKDIR" || inst.cmd == "USER" || inst.cmd == "STOPSIGNAL" || inst.cmd == "VOLUME") {
      for (const auto& word : inst.args) {
        check(word, lex);
      }
      return;
    }
    if (inst.cmd == "RUN") {
      for (const auto& f : inst.flags) {
        if (StartsWith(f, "--mount=")) {
          check(f.substr(8), lex);
        }
      }
    }
  });
}

constexpr Rule kBuildkitRules[] = {
    {"duplicate-stage-name",
     Severity::kHigh,
     "Duplicate stage name",
     "Stage names must be unique (BuildKit compares them case-insensitively).",
     {"DuplicateStageName", "DL3024", "AVD-DS-0012", "CKV_DOCKER_11"},
     CheckDuplicateStage},
    {"stage-name-casing",
     Severity::kLow,
     "Stage name is not lowercase",
     "BuildKit expects lowercase stage names.",
     {"StageNameCasing"},
     CheckStageNameCasing},
    {"from-as-casing",
     Severity::kLow,
     "FROM and AS casing differ",
     "Keep keyword casing consistent.",
     {"FromAsCasing"},
     CheckFromAsCasing},
    {"reserved-stage-name",
     Severity::kHigh,
     "Reserved stage name",
     "scratch and context cannot name a stage.",
     {"ReservedStageName", "DL3063"},
     CheckReservedStageName},
    {"consistent-instruction-casing",
     Severity::kInfo,
     "Instruction casing is inconsistent",
     "Mixing upper- and lower-case instructions hurts readability; the majority wins, ties go to upper case.",
     {"ConsistentInstructionCasing"},
     CheckConsistentCasing},
    {"legacy-key-value-format",
     Severity::kInfo,
     "ENV/LABEL in the legacy \"key value\" form",
     "The key=value form is unambiguous.",
     {"LegacyKeyValueFormat"},
     CheckLegacyKeyValue},
    {"no-empty-continuation",
     Severity::kLow,
     "Empty continuation line",
     "Blank lines inside a continued instruction are deprecated; BuildKit reports the instruction's last line.",
     {"NoEmptyContinuation"},
     CheckEmptyContinuation},
    {"undefined-arg-in-from",
     Severity::kMedium,
     "FROM uses an undeclared ARG",
     "Only ARGs declared before the first FROM (and BuildKit's platform arguments) can be used in FROM.",
     {"UndefinedArgInFrom"},
     CheckUndefinedArgInFrom},
    {"invalid-default-arg-in-from",
     Severity::kMedium,
     "Global ARG defaults make an invalid base image name",
     "Without --build-arg the FROM must still name a valid image; an empty or half-filled reference fails.",
     {"InvalidDefaultArgInFrom"},
     CheckInvalidDefaultArgInFrom},
    {"undefined-var",
     Severity::kLow,
     "Variable is not defined",
     "A variable that is neither ARG nor ENV expands to the empty string. Exact for stages built on scratch, "
     "alpine, busybox, debian or ubuntu (whose configuration sets only PATH) and on other stages; on other base "
     "images, whose environment is unknown without a registry, only near misses of declared names are reported.",
     {"UndefinedVar"},
     CheckUndefinedVar},
    {"invalid-definition-description",
     Severity::kInfo,
     "Description comment does not name its ARG or stage",
     "BuildKit's experimental check (enable with `# check=experimental=InvalidDefinitionDescription`): a comment "
     "right above a named FROM or an ARG should start with that name.",
     {"InvalidDefinitionDescription"},
     CheckDefinitionDescription},
    {"expose-proto-casing",
     Severity::kLow,
     "EXPOSE protocol is not lowercase",
     "Protocols are tcp, udp and sctp in lower case.",
     {"ExposeProtoCasing"},
     CheckExposeProtoCasing},
    {"expose-invalid-format",
     Severity::kMedium,
     "EXPOSE with an IP address or host port",
     "EXPOSE declares container ports; IP addresses and host-port mappings belong to docker run -p and will become "
     "an error in BuildKit.",
     {"ExposeInvalidFormat"},
     CheckExposeInvalidFormat},
};

}  // namespace

std::span<const Rule> BuildkitRules() {
  return kBuildkitRules;
}

}  // namespace customs::lint
