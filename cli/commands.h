// Every subcommand registers itself here: one function per file, called from main.cpp's table.
// A command's callback stores its exit code in `exit_code`; the CLI owns the terminal, the library never prints.
#pragma once

#include <CLI/CLI.hpp>

namespace customs::cli {

struct CommandContext {
  int exit_code = 0;
};

void AddDbCommand(CLI::App& app, CommandContext& context);

// Exit codes shared by every command (documented in README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;

void AddSbomCommand(CLI::App& app, CommandContext& context);
void AddImageCommand(CLI::App& app, CommandContext& context);
void AddAuditCommand(CLI::App& app, CommandContext& context);
void AddFsCommand(CLI::App& app, CommandContext& context);
void AddSbomScanCommand(CLI::App& app, CommandContext& context);
void AddWatchCommand(CLI::App& app, CommandContext& context);
void AddRulesCommand(CLI::App& app, CommandContext& context);
void AddLintCommand(CLI::App& app, CommandContext& context);
void AddPolicyCommand(CLI::App& app, CommandContext& context);
void AddPullCommand(CLI::App& app, CommandContext& context);
void AddServerCommand(CLI::App& app, CommandContext& context);
// One function per command file (cli/cmd_<name>.cpp).
void AddVersionCommand(CLI::App& app, CommandContext& context);

}  // namespace customs::cli
