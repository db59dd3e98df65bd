// `customs server --role api|worker|gate|all [--config FILE] [--SETTING VALUE...]`: flags and signals only; the
// server lives in server/. Every setting of server/config.h is a flag here, generated from the same table.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "cli_common.h"
#include "commands.h"
#include "server/config.h"
#include "server/server.h"

namespace customs::cli {
namespace {

struct ServerArgs {
  std::string config_file;
  std::map<std::string, std::string> values;  // setting key -> value given on the command line
  std::map<std::string, bool> flags;          // boolean settings given as flags
};

int RunServerCommand(const ServerArgs& args, CLI::App* command) {
  server::ServerConfig config;
  if (!args.config_file.empty()) {
    if (auto loaded = server::LoadConfigFile(args.config_file, config); !loaded) {
      return UsageError(loaded.error().message());
    }
  }
  for (const auto& setting : server::ConfigSettings()) {
    std::string flag = server::FlagName(setting.key);
    if (command->count(flag) == 0) {
      continue;
    }
    std::string value = setting.is_flag ? (args.flags.at(setting.key) ? "true" : "false") : args.values.at(setting.key);
    if (auto applied = server::ApplySetting(config, setting.key, value); !applied) {
      return UsageError(flag + ": " + applied.error().message());
    }
  }
  if (auto finished = server::FinishConfig(config); !finished) {
    return UsageError(finished.error().message());
  }

  // Signals are taken by one thread with sigwait(); every other thread (the server's) inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  static std::atomic<bool> stop{false};
  std::thread waiter([signals] {
    int received = 0;
    sigwait(&signals, &received);
    stop.store(true);
  });
  waiter.detach();

  server::RunOptions options;
  options.version = CUSTOMS_VERSION;
  auto status = server::RunServer(config, stop, options);
  if (!status) {
    return Failure(status.error());
  }
  return kExitOk;
}

}  // namespace

void AddServerCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ServerArgs>();
  CLI::App* command = app.add_subcommand(
      "server", "Run the scanning service on PostgreSQL: the API (Harbor's scanner API, /v1/scans), workers, or both");
  command->add_option("--config", args->config_file, "YAML config file; flags override its keys (docs/server.md)")
      ->check(CLI::ExistingFile);
  for (const auto& setting : server::ConfigSettings()) {
    std::string flag = server::FlagName(setting.key);
    if (setting.is_flag) {
      args->flags[setting.key] = false;
      command->add_flag(flag, args->flags[setting.key], setting.help + " (config: " + setting.key + ")");
    } else {
      args->values[setting.key] = "";
      command->add_option(flag, args->values[setting.key], setting.help + " (config: " + setting.key + ")");
    }
  }
  command->callback([args, command, &context] { context.exit_code = RunServerCommand(*args, command); });
}

}  // namespace customs::cli
