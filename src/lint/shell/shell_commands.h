// A POSIX-ish shell tokenizer good enough to find the simple commands in a RUN script: lists (`;` `&&` `||`
// `&` newlines), pipelines, subshells and groups, `$(...)` and backticks, `sh -c '...'`, line continuations and
// heredoc bodies. It never executes or expands anything; variables stay as written. Input of any size is
// handled in linear time (recursion into `sh -c` and `$(...)` is depth-limited).
#pragma once

#include <string>
#include <string_view>
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

// Splits a shell script into its simple commands, in order.
std::vector<ShellCommand> SplitShellCommands(std::string_view script);

// True if the script runs `set -o pipefail` (or `set -eo pipefail` ...) before its first pipe.
bool SetsPipefail(std::string_view script);

}  // namespace customs::lint
