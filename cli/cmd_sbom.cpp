// customs sbom IMAGE: the package inventory of an image or a root filesystem.
#include <cstdlib>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "core/file_util.h"
#include "report/sbom.h"
#include "scan/inventory.h"
#include "tty/terminal.h"

namespace customs::cli {
namespace {

struct SbomArgs {
  std::string image;
  std::string rootfs;
  std::string format = "table";
  std::string output;
  std::string platform;
  std::string cache_dir;
  bool no_cache = false;
  std::string ca_cert;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
};

int RunSbom(const SbomArgs& args) {
  auto format = report::ParseSbomFormat(args.format);
  if (!format) return UsageError(format.error().message());
  if (args.image.empty() == args.rootfs.empty()) return UsageError("give exactly one of IMAGE or --rootfs DIR");
  scan::InventoryOptions options;
  options.target = args.rootfs.empty() ? args.image : args.rootfs;
  options.force_rootfs = !args.rootfs.empty();
  if (!args.platform.empty()) {
    auto platform = image::ParsePlatform(args.platform);
    if (!platform) return UsageError(platform.error().message());
    options.platform = *platform;
    options.platform_given = true;
  }
  options.registry_ca_cert = args.ca_cert;
  options.registry_insecure = args.insecure;
  options.insecure_registries = args.insecure_registries;
  if (!args.no_cache) options.cache_dir = args.cache_dir.empty() ? DefaultCacheDir().string() : args.cache_dir;
  ProgressBar progress("reading layers");
  options.on_progress = [&progress](std::uint64_t done, std::uint64_t total) { progress.Update(done, total); };
  auto inventory = scan::BuildInventory(options);
  progress.Finish();
  if (!inventory) return Failure(inventory.error());

  report::SbomDocument document;
  document.target = inventory->target;
  document.kind = inventory->kind;
  document.manifest_digest = inventory->manifest_digest;
  document.os = inventory->os;
  document.packages = std::move(inventory->packages);
  document.diagnostics = std::move(inventory->diagnostics);
  report::SbomWriteOptions write;
  write.tool_version = CUSTOMS_VERSION;
  write.color = args.output.empty() && ColorEnabled(stdout);
  write.timestamp = TimestampFromEnvironment();
  return Emit(report::WriteSbom(*format, document, write), args.output);
}

}  // namespace

void AddSbomCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<SbomArgs>();
  CLI::App* command = app.add_subcommand("sbom", "List every OS package of an image or root filesystem");
  command->add_option("IMAGE", args->image,
                      "docker-archive tar, OCI layout directory, oci-archive tar, root filesystem directory, or a "
                      "registry reference (registry/repo[:tag][@digest])");
  command->add_option("--rootfs", args->rootfs,
                      "Treat DIR as a root filesystem (also detected for directories "
                      "without an oci-layout file)");
  command->add_option("-f,--format", args->format, "table, json, cyclonedx or spdx")->capture_default_str();
  command->add_option("-o,--output", args->output, "Write the report to FILE (atomically) instead of stdout");
  command->add_option("--platform", args->platform,
                      "os/arch[/variant] to pick from a multi-platform index "
                      "(default linux/amd64)");
  command->add_option("--cache-dir", args->cache_dir, "Layer analysis cache (default $XDG_CACHE_HOME/customs)");
  command->add_flag("--no-cache", args->no_cache, "Neither read nor write the layer analysis cache");
  command->add_option("--ca-cert", args->ca_cert, "Registry: PEM CA bundle to trust instead of the system store");
  command->add_flag("--insecure", args->insecure, "Registry: do not verify TLS certificates");
  command->add_option("--insecure-registry", args->insecure_registries,
                      "Registry host[:port] that may be reached over plain HTTP (loopback always may)");
  command->callback([args, &context] { context.exit_code = RunSbom(*args); });
}

}  // namespace customs::cli
