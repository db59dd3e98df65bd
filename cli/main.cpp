// customs: one binary, four jobs. Each subcommand lives in its own file and is added from the table below.
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "commands.h"

namespace customs::cli {
namespace {

using AddCommand = void (*)(CLI::App&, CommandContext&);

// The command table (ninja's kTools style): explicit, no static registration.
constexpr AddCommand kCommands[] = {
    AddSbomCommand,  AddImageCommand,  AddAuditCommand,   AddFsCommand,   AddSbomScanCommand,
    AddDbCommand,    AddWatchCommand,  AddRulesCommand,   AddLintCommand, AddPolicyCommand,
    &AddPullCommand, AddServerCommand, AddVersionCommand,
};

// The last resort: an exception that escapes a command (or a worker thread) prints one line and exits 3, never an
// abort with a core dump in the middle of a CI log.
[[noreturn]] void InternalError(const char* what) {
  std::fprintf(stderr, "customs: internal error: %s\n", what);
  std::fflush(stderr);
  ::_exit(kExitFailure);
}

[[noreturn]] void OnTerminate() {
  const char* what = "terminate called without an active exception";
  if (std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      InternalError(e.what());
    } catch (...) {
      what = "unknown exception";
    }
  }
  InternalError(what);
}

int Run(int argc, char** argv) {
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

}  // namespace
}  // namespace customs::cli

int main(int argc, char** argv) {
  std::set_terminate(customs::cli::OnTerminate);
  // File names inside images are bytes, mostly UTF-8. libarchive converts a PAX header's UTF-8 name to the character
  // locale and warns when it cannot (every non-ASCII name under the C locale of a CI container). C.UTF-8 makes that
  // conversion the identity; only LC_CTYPE changes, so numbers and messages print as before.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  try {
    return customs::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    customs::cli::InternalError(e.what());
  } catch (...) {
    customs::cli::InternalError("unknown exception");
  }
}
