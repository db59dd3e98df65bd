#include "lint/model.h"

#include <algorithm>
#include <cctype>

#include "lint/dockerfile/shell_lex.h"

namespace customs::lint {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string FlagValue(const Instruction& inst, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (const auto& f : inst.flags) {
    if (f.rfind(prefix, 0) == 0) {
      return f.substr(prefix.size());
    }
  }
  return "";
}

}  // namespace

ImageRef ParseImageRef(const std::string& text) {
  ImageRef ref;
  ref.raw = text;
  std::string rest = text;
  if (Lower(rest) == "scratch") {
    ref.scratch = true;
    ref.name = "scratch";
    return ref;
  }
  std::size_t at = rest.find('@');
  if (at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  std::size_t slash = rest.find('/');
  std::string first = slash == std::string::npos ? "" : rest.substr(0, slash);
  if (!first.empty() &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost")) {
    ref.registry = first;
    rest = rest.substr(slash + 1);
  } else {
    ref.registry = "docker.io";
  }
  std::size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  ref.repository = rest;
  if (ref.registry == "docker.io" && rest.find('/') == std::string::npos) {
    ref.repository = "library/" + rest;
  }
  std::size_t last = rest.rfind('/');
  ref.name = last == std::string::npos ? rest : rest.substr(last + 1);
  return ref;
}

std::vector<int> BuildModel::Chain(int stage) const {
  std::vector<int> chain;
  while (stage >= 0 && chain.size() <= stages.size()) {
    chain.push_back(stage);
    stage = stages[static_cast<std::size_t>(stage)].parent_stage;
  }
  return chain;
}

int BuildModel::FindStage(const std::string& name_or_index, int before) const {
  const std::string lower = Lower(name_or_index);
  for (int i = 0; i < before && i < static_cast<int>(stages.size()); ++i) {
    if (!stages[static_cast<std::size_t>(i)].name.empty() && Lower(stages[static_cast<std::size_t>(i)].name) == lower) {
      return i;
    }
  }
  if (!lower.empty() && std::all_of(lower.begin(), lower.end(), [](char c) { return std::isdigit(c); }) &&
      lower.size() < 6) {
    int index = std::stoi(lower);
    if (index < before && index < static_cast<int>(stages.size())) {
      return index;
    }
  }
  return -1;
}

const RunAnalysis* BuildModel::RunAt(std::size_t instruction) const {
  auto it = std::lower_bound(runs.begin(), runs.end(), instruction,
                             [](const RunEntry& entry, std::size_t index) { return entry.instruction < index; });
  return it != runs.end() && it->instruction == instruction && !it->onbuild ? &it->analysis : nullptr;
}

std::string RunScript(const Instruction& run) {
  std::string script;
  if (run.json_form) {
    for (std::size_t i = 0; i < run.args.size(); ++i) {
      script += (i ? " " : "") + run.args[i];
    }
    return script;
  }
  script = run.args.empty() ? "" : run.args[0];
  for (const auto& heredoc : run.heredocs) {
    script += "\n";
    script += heredoc.content;
  }
  return script;
}

Result<BuildModel> BuildStageModel(const Dockerfile& file, const ModelOptions& options) {
  BuildModel model;
  model.build_args = options.build_args;
  model.stage_of.assign(file.instructions.size(), -1);
  auto global_lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto build = options.build_args.find(std::string(name));
    auto it = model.global_args.find(std::string(name));
    if (it == model.global_args.end()) {
      return std::nullopt;
    }
    if (build != options.build_args.end()) {
      return build->second;
    }
    return it->second;
  };
  for (std::size_t i = 0; i < file.instructions.size(); ++i) {
    const Instruction& inst = file.instructions[i];
    if (inst.cmd == "FROM") {
      Stage stage;
      stage.index = static_cast<int>(model.stages.size());
      stage.from_instruction = i;
      if (!inst.args.empty()) {
        stage.base_text = inst.args[0];
      }
      if (inst.args.size() >= 3 && Lower(inst.args[1]) == "as") {
        stage.name = inst.args[2];
      }
      auto expanded = ProcessShellWord(stage.base_text, global_lookup);
      bool resolved = expanded.has_value() && expanded->unmatched.empty();
      // A global ARG without a default and without --build-arg is unknown too.
      if (expanded && resolved) {
        for (const auto& name : expanded->matched) {
          if (!options.build_args.count(name) && !model.global_args[name].has_value()) {
            resolved = false;
          }
        }
      }
      std::string base = expanded ? expanded->result : stage.base_text;
      stage.parent_stage = resolved ? model.FindStage(base, stage.index) : -1;
      stage.base = ParseImageRef(base);
      stage.base.resolved = resolved;
      model.stages.push_back(std::move(stage));
    }
    int current = static_cast<int>(model.stages.size()) - 1;
    model.stage_of[i] = current;
    if (inst.cmd == "RUN") {
      model.runs.push_back({i, &inst, AnalyzeRun(RunScript(inst), inst.flags), false});
    }
    if (inst.cmd == "ONBUILD" && inst.onbuild_child && inst.onbuild_child->cmd == "RUN") {
      const Instruction& trigger = *inst.onbuild_child;
      model.runs.push_back({i, &trigger, AnalyzeRun(RunScript(trigger), trigger.flags), true});
    }
    if (current < 0) {
      if (inst.cmd == "ARG") {
        for (const auto& word : inst.args) {
          std::size_t eq = word.find('=');
          std::string name = word.substr(0, eq);
          std::optional<std::string> value;
          if (eq != std::string::npos) {
            auto v = ProcessShellWord(word.substr(eq + 1), global_lookup);
            if (v && v->unmatched.empty()) {
              value = v->result;
            }
          }
          model.global_args[name] = value;
        }
        model.global_arg_instructions.push_back(i);
      }
      continue;
    }
    Stage& stage = model.stages[static_cast<std::size_t>(current)];
    stage.end_instruction = i + 1;
    if (inst.cmd == "COPY" || inst.cmd == "ADD") {
      std::string from = FlagValue(inst, "from");
      if (!from.empty()) {
        int source = model.FindStage(from, current);
        if (source >= 0) {
          stage.copy_from.push_back(source);
        }
      }
    }
    if (inst.cmd == "RUN") {
      for (const auto& f : inst.flags) {
        if (f.rfind("--mount=", 0) != 0) {
          continue;
        }
        std::size_t pos = f.find("from=");
        if (pos == std::string::npos) {
          continue;
        }
        std::string from =
            f.substr(pos + 5, f.find(',', pos) == std::string::npos ? std::string::npos : f.find(',', pos) - pos - 5);
        int source = model.FindStage(from, current);
        if (source >= 0) {
          stage.copy_from.push_back(source);
        }
      }
    }
    if (inst.cmd == "ARG" || inst.cmd == "ENV") {
      for (std::size_t k = 0; k < inst.args.size(); k += (inst.cmd == "ENV" ? 3 : 1)) {
        std::string word = inst.args[k];
        if (inst.cmd == "ARG") {
          word = word.substr(0, word.find('='));
        }
        stage.args[word] = "";
      }
    }
  }
  if (model.stages.empty()) {
    return model;  // no FROM: stage rules have nothing to judge
  }
  model.final_stage = static_cast<int>(model.stages.size()) - 1;
  if (!options.target.empty()) {
    model.final_stage = model.FindStage(options.target, static_cast<int>(model.stages.size()));
    if (model.final_stage < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "target stage \"{}\" not found", options.target);
    }
  }
  return model;
}

}  // namespace customs::lint
