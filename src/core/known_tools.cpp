#include "core/known_tools.h"

#include <fnmatch.h>

#include <array>
#include <sstream>

namespace customs {
namespace {

std::vector<std::string> SplitList(const std::string& field) {
  std::vector<std::string> out;
  if (field == "-") return out;
  std::size_t start = 0;
  while (start <= field.size()) {
    std::size_t comma = field.find(',', start);
    if (comma == std::string::npos) comma = field.size();
    if (comma > start) out.push_back(field.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::vector<KnownTool> Parse(std::string_view text) {
  std::vector<KnownTool> tools;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kind, name, packages, binaries;
    if (!(fields >> kind >> name >> packages >> binaries)) continue;
    KnownTool tool;
    if (kind == "attacker-tool") {
      tool.kind = ToolKind::kAttackerTool;
    } else if (kind == "compiler") {
      tool.kind = ToolKind::kCompiler;
    } else if (kind == "shell") {
      tool.kind = ToolKind::kShell;
    } else if (kind == "package-manager") {
      tool.kind = ToolKind::kPackageManager;
    } else {
      continue;
    }
    tool.name = name;
    tool.packages = SplitList(packages);
    tool.binaries = SplitList(binaries);
    tools.push_back(std::move(tool));
  }
  return tools;
}

}  // namespace

const char* ToolKindName(ToolKind kind) {
  switch (kind) {
    case ToolKind::kAttackerTool: return "attacker-tool";
    case ToolKind::kCompiler: return "compiler";
    case ToolKind::kShell: return "shell";
    case ToolKind::kPackageManager: return "package-manager";
  }
  return "attacker-tool";
}

std::span<const KnownTool> KnownTools() {
  static const std::vector<KnownTool> tools = Parse(KnownToolsText());
  return tools;
}

bool MatchesPackagePatterns(const std::vector<std::string>& patterns, std::string_view name) {
  const std::string subject(name);
  bool matched = false;
  for (const auto& pattern : patterns) {
    if (!pattern.empty() && pattern[0] == '!') {
      if (::fnmatch(pattern.c_str() + 1, subject.c_str(), 0) == 0) return false;
    } else if (!matched && ::fnmatch(pattern.c_str(), subject.c_str(), 0) == 0) {
      matched = true;
    }
  }
  return matched;
}

const KnownTool* ToolForPackage(ToolKind kind, std::string_view package) {
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind == kind && MatchesPackagePatterns(tool.packages, package)) return &tool;
  }
  return nullptr;
}

const KnownTool* ToolForBinary(ToolKind kind, std::string_view file_name) {
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind != kind) continue;
    for (const auto& binary : tool.binaries) {
      if (binary == file_name) return &tool;
    }
  }
  return nullptr;
}

std::span<const std::string_view> ExecutableDirectories() {
  static constexpr std::array<std::string_view, 6> kDirs = {"/bin",      "/sbin",          "/usr/bin",
                                                            "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"};
  return kDirs;
}

}  // namespace customs
