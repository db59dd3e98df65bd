// Every subcommand registers itself here: one function per file, called from main.cpp's table.
// A command's callback stores its exit code in `exit_code`; the CLI owns the terminal, the library never prints.
#pragma once

#include <CLI/CLI.hpp>

namespace customs::cli {

struct CommandContext {
  int exit_code = 0;
};

// Exit codes shared by every command (documented in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;

// One function per command file (cli/cmd_<name>.cpp).
void AddVersionCommand(CLI::App& app, CommandContext& context);

}  // namespace customs::cli
