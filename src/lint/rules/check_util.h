// Helpers shared by the rule families: string tests, instruction flags, globbing and iteration over the model.
// Pure functions; the templates call `f` in instruction order.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lint/rules/rule.h"

namespace customs::lint {

std::string Lower(std::string_view s);
std::string Upper(std::string_view s);
bool StartsWith(std::string_view s, std::string_view p);
bool EndsWith(std::string_view s, std::string_view p);

// Splits on `sep` (empty parts kept).
std::vector<std::string> SplitList(std::string_view text, char sep);

// "a, b, c".
std::string Join(const std::vector<std::string>& items, std::string_view sep = ", ");

// The value of `--name=value` among the instruction's flags ("" when absent).
std::string FlagValue(const Instruction& inst, std::string_view name);
// True when `--name` or `--name=...` is among the flags.
bool HasFlag(const Instruction& inst, std::string_view name);

// Simple glob: '*' matches any run of characters, '?' one character.
bool Glob(std::string_view pattern, std::string_view text);

const Stage* FinalStage(const CheckContext& c);
// The final stage's chain, root first, so later instructions override earlier ones.
std::vector<int> FinalChain(const CheckContext& c);

template <class F>
void ForStageInstructions(const CheckContext& c, int stage, F&& f) {
  const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
  for (std::size_t i = s.from_instruction; i < s.end_instruction; ++i) {
    f(i, c.file.instructions[i]);
  }
}

template <class F>
void ForAllInstructions(const CheckContext& c, F&& f) {
  for (std::size_t i = 0; i < c.file.instructions.size(); ++i) {
    f(i, c.file.instructions[i]);
  }
}

// Every instruction, and the instruction of every ONBUILD trigger other than RUN (ForRuns covers those):
// f(index, instruction), where the index is the ONBUILD instruction's for a trigger.
template <class F>
void ForInstructionsAndTriggers(const CheckContext& c, F&& f) {
  for (std::size_t i = 0; i < c.file.instructions.size(); ++i) {
    const Instruction& inst = c.file.instructions[i];
    f(i, inst);
    if (inst.cmd == "ONBUILD" && inst.onbuild_child && inst.onbuild_child->cmd != "RUN") {
      f(i, *inst.onbuild_child);
    }
  }
}

// Report() for ForInstructionsAndTriggers: a trigger's finding carries no peer ids (no peer lints triggers).
Finding& ReportInstruction(const CheckContext& c, std::size_t index, const Instruction& inst, std::string message,
                           std::string fix);

// Every RUN, including ONBUILD RUN triggers (reported at the ONBUILD line): f(index, run, analysis).
template <class F>
void ForRuns(const CheckContext& c, F&& f) {
  for (const RunEntry& r : c.model.runs) {
    f(r.instruction, *r.run, r.analysis);
  }
}

// The same with the whole entry (to tell ONBUILD triggers apart): f(entry).
template <class F>
void ForRunEntries(const CheckContext& c, F&& f) {
  for (const RunEntry& r : c.model.runs) {
    f(r);
  }
}

}  // namespace customs::lint
