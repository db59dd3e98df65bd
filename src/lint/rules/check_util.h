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

// A simple command the way hadolint's Shell module sees it: the program (wrappers such as sudo and env are looked
// through), the words after it, and the flags among them: "--name[=v]" is flag "name", "-abc" are flags "a", "b"
// and "c"; "-" and "--" are not flags.
struct CommandView {
  std::string name;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::size_t>> flags;  // flag name, index into args

  bool HasArg(std::string_view arg) const;
  bool HasAnyArg(std::initializer_list<std::string_view> any) const;
  bool HasArgPrefix(std::string_view prefix) const;
  bool HasFlag(std::string_view flag) const;
  bool HasAnyFlag(std::initializer_list<std::string_view> any) const;
  int CountFlag(std::string_view flag) const;
  // The arguments that are not flags, after dropping the value word that follows each of `value_flags` (unless
  // the flag carries it inline with '='): hadolint's getArgsNoFlags . dropFlagArg.
  std::vector<std::string> ArgsNoFlags(std::initializer_list<std::string_view> value_flags = {}) const;
  // The words that follow `flag` (hadolint's getFlagArg).
  std::vector<std::string> FlagValues(std::string_view flag) const;
  // hadolint's cmdHasArgs: the program is `program` and one of `any` is among its words.
  bool Is(std::string_view program, std::initializer_list<std::string_view> any) const;
};
CommandView View(const ShellCommand& command);
std::vector<CommandView> Views(const RunAnalysis& run);

const Stage* FinalStage(const CheckContext& c);
// The final stage's chain, root first, so later instructions override earlier ones.
std::vector<int> FinalChain(const CheckContext& c);

template <class F>
void ForStageInstructions(const CheckContext& c, int stage, F&& f) {
  const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
  for (std::size_t i = s.from_instruction; i < s.end_instruction; ++i) f(i, c.file.instructions[i]);
}

template <class F>
void ForAllInstructions(const CheckContext& c, F&& f) {
  for (std::size_t i = 0; i < c.file.instructions.size(); ++i) f(i, c.file.instructions[i]);
}

// Every RUN, including ONBUILD RUN triggers (reported at the ONBUILD line): f(index, run, analysis).
template <class F>
void ForRuns(const CheckContext& c, F&& f) {
  for (const RunEntry& r : c.model.runs) f(r.instruction, *r.run, r.analysis);
}

// The same with the whole entry (to tell ONBUILD triggers apart): f(entry).
template <class F>
void ForRunEntries(const CheckContext& c, F&& f) {
  for (const RunEntry& r : c.model.runs) f(r);
}

}  // namespace customs::lint
