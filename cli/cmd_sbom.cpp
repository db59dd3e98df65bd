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
  ImageSourceFlags source;
};

int RunSbom(const SbomArgs& args) {
  auto format = report::ParseSbomFormat(args.format);
  if (!format) return UsageError(format.error().message());
  if (args.image.empty() == args.rootfs.empty()) return UsageError("give exactly one of IMAGE or --rootfs DIR");
  scan::InventoryOptions options;
  options.target = args.rootfs.empty() ? args.image : args.rootfs;
  options.force_rootfs = !args.rootfs.empty();
  if (auto applied = ApplyImageSourceFlags(args.source, options); !applied) {
    return UsageError(applied.error().message());
  }
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
  return Emit([&](Output& out) { report::WriteSbom(*format, document, write, out); }, args.output);
}

}  // namespace

void AddSbomCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<SbomArgs>();
  CLI::App* command = app.add_subcommand("sbom",
                                         "List every OS and application package (jar, Go and Rust binaries, Python, "
                                         "npm, gems, PHP, .NET) of an image or root filesystem");
  command->add_option("IMAGE", args->image,
                      "docker-archive tar, OCI layout directory, oci-archive tar, root filesystem directory, or a "
                      "registry reference (registry/repo[:tag][@digest])");
  command->add_option("--rootfs", args->rootfs,
                      "Treat DIR as a root filesystem (also detected for directories "
                      "without an oci-layout file)");
  command->add_option("-f,--format", args->format, "table, json, cyclonedx or spdx")->capture_default_str();
  command->add_option("-o,--output", args->output, "Write the report to FILE (atomically) instead of stdout");
  AddImageSourceFlags(command, args->source);
  command->footer(
      "Exit codes: 0 the inventory was written (when it is incomplete, e.g. a package database that exists but\n"
      "cannot be read, the document says so: the table's INCOMPLETE line, JSON diagnostics of level \"incomplete\",\n"
      "CycloneDX metadata properties \"customs:incomplete\", SPDX annotations; `customs sbom-scan` of it exits 3);\n"
      "2 usage error; 3 failure (unreadable or hostile input).");
  command->callback([args, &context] { context.exit_code = RunSbom(*args); });
}

}  // namespace customs::cli
