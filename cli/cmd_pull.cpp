// `customs pull IMAGE --output DIR|FILE.tar [--format oci|docker-archive]`: saves a registry image for offline
// scanning. Every blob is verified while it streams; the output appears only when the whole image verified.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "image/registry/registry_pull.h"
#include "image/registry/registry_source.h"

namespace customs::cli {
namespace {

struct PullArgs {
  std::string image;
  std::string output;
  std::string format;
  std::string platform = "linux/amd64";
  std::string username;
  bool password_stdin = false;
  std::string ca_cert;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
  int concurrency = 4;
  int timeout = 30;
  int retries = 3;
};

int RunPull(const PullArgs& args) {
  namespace registry = customs::image::registry;
  auto fail = [](const Error& error) {
    fmt::print(stderr, "customs pull: error: {}\n", error.message());
    return error.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  };
  auto reference = registry::ParseReference(args.image);
  if (!reference) {
    return fail(reference.error());
  }
  auto platform = registry::ParsePlatformText(args.platform);
  if (!platform) {
    return fail(platform.error());
  }

  registry::PullFormat format = registry::PullFormat::kOciLayout;
  std::string format_name = args.format;
  if (format_name.empty()) {
    bool tar = args.output.size() > 4 && args.output.compare(args.output.size() - 4, 4, ".tar") == 0;
    format_name = tar ? "docker-archive" : "oci";
  }
  if (format_name == "docker-archive" || format_name == "oci-archive") {
    format = registry::PullFormat::kArchive;
  } else if (format_name != "oci") {
    fmt::print(stderr, "customs pull: error: --format must be oci, docker-archive or oci-archive\n");
    return kExitUsage;
  }

  registry::CredentialOptions credential_options;
  credential_options.username = args.username;
  if (args.password_stdin) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') {
      password.pop_back();
    }
    credential_options.password = std::move(password);
  }
  auto credentials = registry::ResolveCredentials(credential_options, reference->registry);
  if (!credentials) {
    return fail(credentials.error());
  }

  registry::RegistryOptions options;
  options.platform = *platform;
  options.client.credentials = *credentials;
  options.client.ca_cert_file = args.ca_cert;
  options.client.insecure_skip_tls_verify = args.insecure;
  options.client.insecure_registries = args.insecure_registries;
  options.client.stall_timeout = std::chrono::seconds(args.timeout);
  options.client.connect_timeout = std::chrono::seconds(args.timeout);
  options.client.max_attempts = args.retries + 1;
  options.client.user_agent = std::string("customs/") + CUSTOMS_VERSION;

  auto source = registry::RegistrySource::Open(*reference, options);
  if (!source) {
    return fail(source.error());
  }

  registry::PullOptions pull;
  pull.output = args.output;
  pull.format = format;
  pull.concurrency = args.concurrency;
  std::int64_t bytes = 0;
  for (const auto& layer : (*source)->Layers()) {
    bytes += std::max<std::int64_t>(layer.size, 0);
  }

  // A progress line on a terminal only (stderr), redrawn a few times a second by one thread.
  std::vector<std::atomic<std::uint64_t>> done((*source)->Layers().size());
  std::mutex progress_mutex;
  std::condition_variable progress_stop;
  bool finished = false;
  std::thread printer;
  if (::isatty(STDERR_FILENO) != 0) {
    pull.progress = [&done](std::size_t index, std::uint64_t so_far) { done[index].store(so_far); };
    printer = std::thread([&] {
      std::unique_lock lock(progress_mutex);
      while (!progress_stop.wait_for(lock, std::chrono::milliseconds(200), [&] { return finished; })) {
        std::uint64_t sum = 0;
        for (const auto& value : done) {
          sum += value.load();
        }
        fmt::print(stderr, "\r{}: {:.1f} / {:.1f} MiB", (*source)->Name(), static_cast<double>(sum) / 1048576.0,
                   static_cast<double>(bytes) / 1048576.0);
      }
      fmt::print(stderr, "\r\033[K");
    });
  }
  Status status = registry::PullImage(**source, pull);
  if (printer.joinable()) {
    {
      std::lock_guard lock(progress_mutex);
      finished = true;
    }
    progress_stop.notify_all();
    printer.join();
  }
  if (!status) {
    return fail(status.error());
  }
  fmt::print("pulled {} ({}) to {} as {}: {} layers, {:.1f} MiB\n", (*source)->Name(), (*source)->ManifestDigest(),
             args.output, format_name, (*source)->Layers().size(), static_cast<double>(bytes) / (1024.0 * 1024.0));
  return kExitOk;
}

}  // namespace

void AddPullCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<PullArgs>();
  CLI::App* command = app.add_subcommand("pull", "Save a registry image as an OCI layout or docker-archive");
  command->add_option("image", args->image, "Image reference: [registry[:port]/]name[:tag][@sha256:...]")->required();
  command->add_option("-o,--output", args->output, "Output directory (OCI layout) or FILE.tar")->required();
  command->add_option("--format", args->format,
                      "oci (a directory), docker-archive or oci-archive (a tar holding both); "
                      "default: docker-archive for *.tar, else oci");
  command->add_option("--platform", args->platform, "Platform to choose from a multi-platform image")
      ->capture_default_str();
  command->add_option("-u,--username", args->username, "Registry user name (with --password-stdin)");
  command->add_flag("--password-stdin", args->password_stdin, "Read the registry password from standard input");
  command->add_option("--ca-cert", args->ca_cert, "PEM file of CA certificates to trust for the registry")
      ->check(CLI::ExistingFile);
  command->add_flag("--insecure", args->insecure, "Do not verify the registry's TLS certificate");
  command->add_option("--insecure-registry", args->insecure_registries,
                      "Registry host[:port] that may be reached over plain HTTP (loopback always may)");
  command->add_option("--concurrency", args->concurrency, "Layers fetched at once")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  command->add_option("--timeout", args->timeout, "Seconds to connect, and to wait on a stalled transfer")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command->add_option("--retries", args->retries, "Retries on connection errors and 5xx")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  command->footer(
      "Credentials: --username/--password-stdin, else CUSTOMS_REGISTRY_USERNAME/CUSTOMS_REGISTRY_PASSWORD, else "
      "~/.docker/config.json (auths, credHelpers, credsStore). Proxies come from http_proxy/https_proxy/no_proxy.");
  command->callback([args, &context] { context.exit_code = RunPull(*args); });
}

}  // namespace customs::cli
