#include "cli_common.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "commands.h"
#include "core/file_util.h"
#include "core/utf8.h"

namespace customs::cli {

namespace {
// One line with no control characters: an error can quote a path or a field from an image.
std::string OneLine(std::string_view text) {
  return Sanitized(text, TextContext::kLine);
}
}  // namespace

int UsageError(std::string_view message) {
  std::fprintf(stderr, "customs: %s\n", OneLine(message).c_str());
  return kExitUsage;
}

int Failure(const Error& error) {
  std::fprintf(stderr, "customs: error: %s\n", OneLine(error.message()).c_str());
  return kExitFailure;
}

int Emit(const std::function<void(Output&)>& write, const std::string& output) {
  if (output.empty()) {
    std::fflush(stdout);
    FdOutput out(STDOUT_FILENO);
    write(out);
    if (auto finished = out.Finish(); !finished) return Failure(finished.error());
    return kExitOk;
  }
  auto file = AtomicFileOutput::Create(output);
  if (!file) return Failure(file.error());
  write(**file);
  if (auto committed = (*file)->Commit(); !committed) return Failure(committed.error());
  return kExitOk;
}

std::string TimestampFromEnvironment() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return {};
  char* end = nullptr;
  long long seconds = std::strtoll(epoch, &end, 10);
  if (*end != '\0' || seconds < 0) return {};
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace customs::cli

namespace customs::cli {

void AddImageSourceFlags(CLI::App* command, ImageSourceFlags& flags) {
  command->add_option("--platform", flags.platform,
                      "os/arch[/variant] to pick from a multi-platform index (default linux/amd64)");
  command->add_option("--cache-dir", flags.cache_dir, "Layer analysis cache (default $XDG_CACHE_HOME/customs)");
  command->add_flag("--no-cache", flags.no_cache, "Neither read nor write the layer analysis cache");
  command->add_option("--ca-cert", flags.ca_cert, "Registry: PEM CA bundle to trust instead of the system store");
  command->add_flag("--insecure", flags.insecure, "Registry: do not verify TLS certificates");
  command->add_option("--insecure-registry", flags.insecure_registries,
                      "Registry host[:port] that may be reached over plain HTTP (loopback always may)");
}

Status ApplyImageSourceFlags(const ImageSourceFlags& flags, scan::InventoryOptions& options) {
  if (!flags.platform.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(options.platform, image::ParsePlatform(flags.platform));
    options.platform_given = true;
  }
  options.registry_ca_cert = flags.ca_cert;
  options.registry_insecure = flags.insecure;
  options.insecure_registries = flags.insecure_registries;
  if (!flags.no_cache) options.cache_dir = flags.cache_dir.empty() ? DefaultCacheDir().string() : flags.cache_dir;
  return Ok();
}

}  // namespace customs::cli
