// A POSIX-ish shell tokenizer good enough to find the simple commands in a RUN script: lists (`;` `&&` `||`
// `&` newlines), pipelines, subshells and groups, `$(...)` and backticks, `sh -c '...'`, line continuations and
// heredoc bodies. It never executes or expands anything; variables stay as written. Input of any size is
// handled in linear time (recursion into `sh -c` and `$(...)` is depth-limited).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace customs::lint {

struct ShellCommand {
  std::vector<std::string> argv;  // quote-removed words; leading VAR=value assignments dropped
  std::vector<std::string> assignments;
  bool pipes_to_next = false;  // `cmd | next`
  bool piped_from_previous = false;
  int depth = 0;  // 0 = top level; >0 inside sh -c / $(...)

  // argv without wrappers (sudo, env, nohup, time, nice, exec, command, xargs) and their options.
  std::vector<std::string> Effective() const;
  // Basename of the effective program ("/usr/bin/apt-get" -> "apt-get"); "" if none. Computed once.
  const std::string& Program() const { return program; }
  std::string program;
};

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

// Splits a shell script into its simple commands, in order.
std::vector<ShellCommand> SplitShellCommands(std::string_view script);

// True if the script runs `set -o pipefail` (or `set -eo pipefail` ...) before its first pipe.
bool SetsPipefail(std::string_view script);

}  // namespace customs::lint
