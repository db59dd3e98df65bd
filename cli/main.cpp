// customs: one binary, four jobs. Each subcommand lives in its own file and is added from the table below.
#include <cstdio>
#include <string>

#include "commands.h"

namespace customs::cli {
namespace {

using AddCommand = void (*)(CLI::App&, CommandContext&);

// The command table (ninja's kTools style): explicit, no static registration.
constexpr AddCommand kCommands[] = {
    AddSbomCommand,  AddImageCommand, AddFsCommand,   AddSbomScanCommand, AddDbCommand,
    AddWatchCommand, AddRulesCommand, AddLintCommand, &AddPullCommand,    AddVersionCommand,
};

}  // namespace
}  // namespace customs::cli

int main(int argc, char** argv) {
  using namespace customs::cli;
  CLI::App app{"customs: inspect containers before they ship and watch them once they run"};
  app.set_version_flag("--version", std::string("customs ") + CUSTOMS_VERSION);
  app.require_subcommand(1);
  CommandContext context;
  for (AddCommand add : kCommands) add(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return context.exit_code;
}
