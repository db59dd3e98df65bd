// The tools a production image should not ship (attacker tools, compilers, shells, package managers), from one data
// file (src/core/data/tools.txt) shared by lint, audit and the runtime policy, so that the three stages agree.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace customs {

enum class ToolKind { kAttackerTool, kCompiler, kShell, kPackageManager };
const char* ToolKindName(ToolKind kind);  // "attacker-tool", "compiler", "shell", "package-manager"

struct KnownTool {
  ToolKind kind = ToolKind::kAttackerTool;
  std::string name;                   // "netcat"
  std::vector<std::string> packages;  // fnmatch patterns ("gcc-[0-9]*", "*-dev"); "!pattern" excludes
  std::vector<std::string> binaries;  // file names: "nc", "ncat"
};

// Every tool in the data file, in file order. Parsed once; thread-safe.
std::span<const KnownTool> KnownTools();

// The tool of `kind` a package name belongs to, or nullptr.
const KnownTool* ToolForPackage(ToolKind kind, std::string_view package);
// The tool of `kind` a file name (the last path component) belongs to, or nullptr.
const KnownTool* ToolForBinary(ToolKind kind, std::string_view file_name);

// Whether `name` matches a tool's package patterns (fnmatch), and no "!" exclusion.
bool MatchesPackagePatterns(const std::vector<std::string>& patterns, std::string_view name);

// The directories where an executable on PATH lives in an image (for "present on disk" checks).
std::span<const std::string_view> ExecutableDirectories();

// The raw data file (for tests and docs).
std::string_view KnownToolsText();

}  // namespace customs
