// Small helpers every command uses: one-line errors, output to a file or stdout, reproducible timestamps.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/output.h"

namespace customs::cli {

// Prints "customs: MESSAGE" on stderr and returns kExitUsage.
int UsageError(std::string_view message);
// Prints "customs: error: MESSAGE" (one line) on stderr and returns kExitFailure.
int Failure(const Error& error);
// Runs `write` with an Output that goes to `output` (atomically: the file appears whole or not at all), or to stdout
// when `output` is empty. The text is written as it is made, never held whole. Returns kExitOk or kExitFailure.
int Emit(const std::function<void(Output&)>& write, const std::string& output);
// SOURCE_DATE_EPOCH as an RFC 3339 UTC timestamp, or "" when unset (reproducible builds convention).
std::string TimestampFromEnvironment();

}  // namespace customs::cli

#include <CLI/CLI.hpp>
#include <vector>

#include "scan/inventory.h"

namespace customs::cli {

// The options every image-reading command shares: platform, analysis cache and registry access.
struct ImageSourceFlags {
  std::string platform;
  std::string cache_dir;
  bool no_cache = false;
  std::string ca_cert;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
};
void AddImageSourceFlags(CLI::App* command, ImageSourceFlags& flags);
// Copies the flags into `options`; kInvalidArgument on a malformed --platform.
[[nodiscard]] Status ApplyImageSourceFlags(const ImageSourceFlags& flags, scan::InventoryOptions& options);

}  // namespace customs::cli
