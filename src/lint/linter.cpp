#include "lint/linter.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "lint/dockerfile/parser.h"
#include "lint/dockerignore.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> SplitIds(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) {
        out.push_back(cur);
      }
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) {
    out.push_back(cur);
  }
  return out;
}

// Does the finding match an id (our id or any alias, case-insensitive)?
bool Matches(const Finding& f, const std::string& id) {
  if (Lower(id) == "all" || Lower(f.rule) == Lower(id)) {
    return true;
  }
  return std::any_of(f.aliases.begin(), f.aliases.end(), [&](const std::string& a) { return Lower(a) == Lower(id); });
}

// The BuildKit check name a finding stands for ("" when it stands for none).
std::string BuildkitName(const Finding& f) {
  for (const auto& a : f.aliases) {
    if (KindOfAlias(a) == AliasKind::kBuildkit) {
      return a;
    }
  }
  return "";
}

// BuildKit's linter.Config (frontend/dockerfile/linter/linter.go).
struct CheckConfig {
  bool skip_all = false;
  std::set<std::string> skip;
  bool experimental_all = false;
  std::set<std::string> experimental;
  bool error = false;
};

std::string TrimSpaces(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    return "";
  }
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> SplitTrim(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t next = text.find(sep, pos);
    out.push_back(TrimSpaces(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos)));
    if (next == std::string_view::npos) {
      break;
    }
    pos = next + 1;
  }
  return out;
}

// linter.ParseLintOptions: "skip=A,B;experimental=C;error=true" (at most three parts).
Result<CheckConfig> ParseCheckOptions(std::string_view text) {
  CheckConfig config;
  std::string trimmed = TrimSpaces(text);
  if (trimmed.empty()) {
    return config;
  }
  std::vector<std::string> parts;
  std::size_t pos = 0;
  for (int n = 0; n < 2; ++n) {  // strings.SplitN(s, ";", 3)
    std::size_t semi = trimmed.find(';', pos);
    if (semi == std::string::npos) {
      break;
    }
    parts.push_back(trimmed.substr(pos, semi - pos));
    pos = semi + 1;
  }
  parts.push_back(trimmed.substr(pos));
  for (const auto& part : parts) {
    std::size_t eq = part.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid check option \"{}\"", part);
    }
    std::string key = TrimSpaces(part.substr(0, eq));
    std::string value = TrimSpaces(part.substr(eq + 1));
    if (key == "skip") {
      if (value == "all") {
        config.skip_all = true;
      } else {
        for (auto& name : SplitTrim(value, ',')) {
          config.skip.insert(name);
        }
      }
    } else if (key == "experimental") {
      if (value == "all") {
        config.experimental_all = true;
      } else {
        for (auto& name : SplitTrim(value, ',')) {
          config.experimental.insert(name);
        }
      }
    } else if (key == "error") {
      // Go's strconv.ParseBool.
      static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
      static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
      if (kTrue.count(value)) {
        config.error = true;
      } else if (kFalse.count(value)) {
        config.error = false;
      } else {
        return MakeError(ErrorCode::kInvalidArgument, "failed to parse check option \"{}\"", part);
      }
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "invalid check option \"{}\"", key);
    }
  }
  return config;
}

// Linter.WithMergedConfigFromComments: the first `check=...` among an instruction's comments adds its skips and
// experimental rules (its value ends at the first space, so `# check=skip=X // why` works); a malformed one is
// ignored.
CheckConfig MergeCheckComments(const CheckConfig& base, const std::vector<std::string>& comments) {
  for (const auto& comment : comments) {
    std::string_view s = comment;
    std::size_t i = 0;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])))) {
      ++i;
    }
    if (i == 0 || Lower(s.substr(0, i)) != "check") {
      continue;
    }
    std::string_view rest = s.substr(i);
    rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t")));
    if (rest.empty() || rest.front() != '=') {
      continue;
    }
    std::string value = TrimSpaces(rest.substr(1));
    value = value.substr(0, value.find(' '));
    auto parsed = ParseCheckOptions(value);
    if (!parsed) {
      return base;
    }
    CheckConfig merged = base;
    merged.skip_all = merged.skip_all || parsed->skip_all;
    merged.skip.insert(parsed->skip.begin(), parsed->skip.end());
    merged.experimental_all = merged.experimental_all || parsed->experimental_all;
    merged.experimental.insert(parsed->experimental.begin(), parsed->experimental.end());
    return merged;
  }
  return base;
}

// Linter.Run: experimental checks run only when enabled (skips do not apply to them); others unless skipped.
bool CheckRuns(const CheckConfig& config, const std::string& name) {
  static const std::set<std::string> kExperimental = {"InvalidDefinitionDescription"};
  if (kExperimental.count(name)) {
    return config.experimental_all || config.experimental.count(name) > 0;
  }
  return !config.skip_all && config.skip.count(name) == 0;
}

// Checks BuildKit runs with the file-wide configuration only (no per-instruction `# check=` comments).
bool UsesGlobalCheckConfig(const std::string& name) {
  static const std::set<std::string> kGlobal = {"NoEmptyContinuation", "DuplicateStageName", "ReservedStageName",
                                                "ConsistentInstructionCasing", "InvalidDefaultArgInFrom"};
  return kGlobal.count(name) > 0;
}

struct Pragmas {
  std::vector<std::string> global;
  std::map<int, std::vector<std::string>> stage;         // stage index -> ids
  std::map<std::size_t, std::vector<std::string>> next;  // instruction -> ids
};

// `customs ignore=A,B`, `customs global ignore=...`, `customs stage ignore=...`, `hadolint ignore=...`,
// `hadolint global ignore=...`; `checkov:skip=ID[:reason]` (also bridgecrew:/cortex:), which checkov applies to the
// whole Dockerfile wherever it is.
void ParsePragma(const std::string& comment, std::vector<std::string>& ids, std::string& scope) {
  const std::string& text = comment;
  std::string lower = Lower(text);
  for (std::string_view tool : {"checkov:skip=", "bridgecrew:skip=", "cortex:skip="}) {
    std::size_t at = lower.find(tool);
    if (at == std::string::npos) {
      continue;
    }
    std::string rest = text.substr(at + tool.size());
    rest.erase(0, rest.find_first_not_of(' '));
    std::size_t end = 0;
    while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) || rest[end] == '_' ||
                                 rest[end] == '-' || rest[end] == ',')) {
      ++end;
    }
    for (auto& id : SplitTrim(rest.substr(0, end), ',')) {
      if (!id.empty()) {
        ids.push_back(id);
      }
    }
    scope = "global";
    return;
  }
  for (std::string_view tool : {"customs", "hadolint"}) {
    if (lower.rfind(tool, 0) != 0) {
      continue;
    }
    std::string rest = text.substr(tool.size());
    std::size_t i = rest.find_first_not_of(" \t");
    if (i == std::string::npos) {
      return;
    }
    rest = rest.substr(i);
    scope = "next";
    for (std::string_view s : {"global", "stage"}) {
      if (Lower(rest).rfind(s, 0) == 0) {
        scope = std::string(s);
        rest = rest.substr(s.size());
        rest = rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")));
      }
    }
    if (Lower(rest).rfind("ignore=", 0) != 0) {
      return;
    }
    ids = SplitIds(rest.substr(7));
    return;
  }
}

Pragmas CollectPragmas(const Dockerfile& file, const BuildModel& model, std::string_view content) {
  Pragmas pragmas;
  for (std::size_t i = 0; i < file.instructions.size(); ++i) {
    for (const auto& comment : file.instructions[i].comments) {
      std::vector<std::string> ids;
      std::string scope;
      ParsePragma(comment, ids, scope);
      if (ids.empty() || scope == "global") {
        continue;  // global ones are collected below
      }
      if (scope == "stage") {
        int stage = model.stage_of[i];
        pragmas.stage[stage].insert(pragmas.stage[stage].end(), ids.begin(), ids.end());
      } else {
        pragmas.next[i].insert(pragmas.next[i].end(), ids.begin(), ids.end());
      }
    }
  }
  // Global pragmas can sit anywhere, also after the last instruction.
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    std::string_view line = content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? content.size() : nl + 1;
    std::size_t hash = line.find_first_not_of(" \t");
    if (hash == std::string_view::npos || line[hash] != '#') {
      continue;
    }
    std::string comment(line.substr(hash + 1));
    comment.erase(0, comment.find_first_not_of(" \t"));
    while (!comment.empty() && (comment.back() == '\r' || comment.back() == ' ')) {
      comment.pop_back();
    }
    std::vector<std::string> ids;
    std::string scope;
    ParsePragma(comment, ids, scope);
    if (scope == "global") {
      pragmas.global.insert(pragmas.global.end(), ids.begin(), ids.end());
    }
  }
  return pragmas;
}

std::vector<std::string> ReadList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) {
    return out;
  }
  if (node.IsSequence()) {
    for (const auto& item : node) {
      out.push_back(item.as<std::string>());
    }
  } else if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  }
  return out;
}

void ApplyList(const YAML::Node& node, std::vector<std::string>& list) {
  if (!node) {
    return;
  }
  if (node.IsMap()) {
    if (node["replace"]) {
      list = ReadList(node["replace"]);
    }
    for (auto& item : ReadList(node["extend"])) {
      list.push_back(item);
    }
    for (auto& item : ReadList(node["remove"])) {
      list.erase(std::remove(list.begin(), list.end(), item), list.end());
    }
    return;
  }
  list = ReadList(node);
}

bool LooksBinary(std::string_view content) {
  std::size_t n = std::min<std::size_t>(content.size(), 8192);
  return content.substr(0, n).find('\0') != std::string_view::npos;
}

}  // namespace

Result<LintConfig> ParseLintConfig(std::string_view text, const std::string& origin) {
  LintConfig config;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    YAML::Node node = root["lint"] ? root["lint"] : root;
    if (!node || node.IsNull()) {
      return config;
    }
    if (!node.IsMap()) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: expected a mapping", origin);
    }
    for (auto& id : ReadList(node["ignored"])) {
      config.ignored.insert(id);
    }
    for (auto& id : ReadList(node["enabled"])) {
      config.enabled.insert(id);
    }
    if (node["override"]) {
      for (const auto& item : node["override"]) {
        Severity severity;
        std::string value = item.second.as<std::string>();
        if (!ParseSeverity(value, severity)) {
          return MakeError(ErrorCode::kInvalidArgument, "{}: unknown severity \"{}\"", origin, value);
        }
        config.overrides[item.first.as<std::string>()] = severity;
      }
    }
    ApplyList(node["trusted_registries"], config.settings.trusted_registries);
    ApplyList(node["allowed_base_images"], config.settings.allowed_base_images);
    ApplyList(node["attacker_tools"], config.settings.attacker_tools);
    ApplyList(node["compilers"], config.settings.compilers);
    if (node["label_schema"]) {
      if (!node["label_schema"].IsMap()) {
        return MakeError(ErrorCode::kInvalidArgument, "{}: label_schema must map label names to types", origin);
      }
      static const std::set<std::string> kTypes = {"text", "rawtext", "url",    "hash", "githash",
                                                   "spdx", "rfc3339", "semver", "email"};
      for (const auto& item : node["label_schema"]) {
        std::string type = Lower(item.second.as<std::string>());
        if (!kTypes.count(type)) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "{}: label_schema type \"{}\" (text|url|hash|spdx|rfc3339|semver|email)", origin, type);
        }
        if (type == "rawtext") {
          type = "text";
        }
        if (type == "githash") {
          type = "hash";
        }
        config.settings.label_schema[item.first.as<std::string>()] = type;
      }
    }
    if (node["strict_labels"]) {
      config.settings.strict_labels = node["strict_labels"].as<bool>();
    }
    config.excludes = ReadList(node["excludes"]);
    if (node["failure_threshold"]) {
      Severity severity;
      std::string value = node["failure_threshold"].as<std::string>();
      if (!ParseSeverity(value, severity)) {
        return MakeError(ErrorCode::kInvalidArgument, "{}: unknown failure_threshold \"{}\"", origin, value);
      }
      config.failure_threshold = severity;
    }
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", origin, e.what());
  }
  return config;
}

Result<LintConfig> LoadLintConfig(const std::filesystem::path& path) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 1 << 20));
  return ParseLintConfig(text, path.string());
}

Result<FileReport> LintContent(std::string_view content, std::string file_name, const LintConfig& config) {
  if (LooksBinary(content)) {
    return MakeError(ErrorCode::kInvalidArgument, "binary file (NUL byte), not a Dockerfile");
  }
  CUSTOMS_ASSIGN_OR_RETURN(Dockerfile file, ParseDockerfile(content));
  ModelOptions options{config.target, config.build_args};
  CUSTOMS_ASSIGN_OR_RETURN(BuildModel model, BuildStageModel(file, options));

  // BuildKit's check configuration: the BUILDKIT_DOCKERFILE_CHECK build argument replaces the `# check=` directive.
  std::string check_text;
  int check_line = 0;
  for (const auto& d : file.directives) {
    if (d.name == "check") {
      check_text = d.value;
      check_line = d.line;
    }
  }
  if (auto arg = config.build_args.find("BUILDKIT_DOCKERFILE_CHECK"); arg != config.build_args.end()) {
    check_text = arg->second;
    check_line = 0;
  }
  auto check_config = ParseCheckOptions(check_text);
  if (!check_config) {
    return MakeError(ErrorCode::kInvalidArgument, "{}failed to parse check options: {}",
                     check_line > 0 ? fmt::format("line {}: ", check_line) : "", check_config.error().message());
  }

  std::optional<DockerIgnore> dockerignore;
  if (config.dockerignore) {
    auto parsed = DockerIgnore::Parse(*config.dockerignore);
    if (!parsed) {
      return tl::unexpected(parsed.error().WithContext(".dockerignore"));
    }
    dockerignore = std::move(*parsed);
  }

  std::vector<Finding> raw;
  for (const Rule& rule : AllRules()) {
    if (rule.off_by_default) {
      bool on = config.enabled.count(std::string(rule.id)) > 0;
      for (auto alias : rule.aliases) {
        on = on || (!alias.empty() && config.enabled.count(std::string(alias)) > 0);
      }
      if (!on) {
        continue;
      }
    }
    CheckContext context{file, model, config.settings, raw, &rule, dockerignore ? &*dockerignore : nullptr};
    rule.check(context);
  }
  Pragmas pragmas = CollectPragmas(file, model, content);
  // Line -> instruction index, for per-instruction pragmas.
  std::map<int, std::size_t> instruction_at;
  for (std::size_t i = 0; i < file.instructions.size(); ++i) {
    instruction_at[file.instructions[i].start_line] = i;
  }
  FileReport report;
  report.file = std::move(file_name);
  std::set<std::string> buildkit_reported;
  for (Finding& f : raw) {
    bool ignored = false;
    for (const auto& id : config.ignored) {
      ignored = ignored || Matches(f, id);
    }
    for (const auto& id : pragmas.global) {
      ignored = ignored || Matches(f, id);
    }
    auto at = instruction_at.find(f.pragma_line > 0 ? f.pragma_line : f.line);
    const std::string buildkit = BuildkitName(f);
    if (at != instruction_at.end()) {
      std::size_t index = at->second;
      for (const auto& id : pragmas.next[index]) {
        ignored = ignored || Matches(f, id);
      }
      int stage = model.stage_of[index];
      for (const auto& id : pragmas.stage[stage]) {
        ignored = ignored || Matches(f, id);
      }
    }
    if (!buildkit.empty()) {
      // BuildKit's own switches apply to the findings that stand for one of its checks.
      CheckConfig effective = *check_config;
      if (at != instruction_at.end() && !UsesGlobalCheckConfig(buildkit)) {
        effective = MergeCheckComments(*check_config, file.instructions[at->second].comments);
      }
      // A skipped (or not enabled experimental) check hides every finding that stands for it.
      ignored = ignored || !CheckRuns(effective, buildkit);
    }
    if (ignored) {
      continue;
    }
    if (!BuildkitName(f).empty()) {
      buildkit_reported.insert(BuildkitName(f));
    }
    if (at != instruction_at.end() && file.instructions[at->second].cmd == "ONBUILD" && f.pragma_line == 0) {
      f.message += " (in the ONBUILD trigger: it runs in images built FROM this one)";
    }
    for (const auto& [id, severity] : config.overrides) {
      if (Matches(f, id)) {
        f.severity = severity;
      }
    }
    f.file = report.file;
    report.findings.push_back(std::move(f));
  }
  // By line, then rule id: the output order does not depend on how the rule tables are laid out.
  std::stable_sort(report.findings.begin(), report.findings.end(), [](const Finding& a, const Finding& b) {
    return a.line != b.line ? a.line < b.line : a.rule < b.rule;
  });
  // `# check=error=true`: BuildKit fails the build when any check reported (linter.Error).
  if (check_config->error && !buildkit_reported.empty()) {
    std::string names;
    for (const auto& n : buildkit_reported) {
      names += (names.empty() ? "" : ", ") + n;
    }
    report.build_error = "lint violation found for rules: " + names;
  }
  return report;
}

Result<FileReport> LintFile(const std::filesystem::path& path, const LintConfig& config) {
  auto content = ReadFile(path, std::size_t{64} << 20);
  if (!content) {
    return tl::unexpected(content.error().WithContext(path.string()));
  }
  const LintConfig* effective = &config;
  LintConfig with_ignore;
  if (!config.dockerignore) {
    // The build context is taken to be the Dockerfile's directory. BuildKit prefers <Dockerfile>.dockerignore next
    // to the Dockerfile over the context's .dockerignore.
    std::filesystem::path dir = path.parent_path();
    for (const std::filesystem::path& candidate :
         {std::filesystem::path(path.string() + ".dockerignore"), dir / ".dockerignore"}) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(candidate, ec)) {
        continue;
      }
      auto text = ReadFile(candidate, std::size_t{16} << 20);
      if (!text) {
        return tl::unexpected(text.error().WithContext(candidate.string()));
      }
      with_ignore = config;
      with_ignore.dockerignore = std::move(*text);
      effective = &with_ignore;
      break;
    }
  }
  auto report = LintContent(*content, path.string(), *effective);
  if (!report) {
    return tl::unexpected(report.error().WithContext(path.string()));
  }
  return report;
}

Result<std::vector<std::filesystem::path>> DiscoverDockerfiles(const std::filesystem::path& path, bool recursive,
                                                               const std::vector<std::string>& excludes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    return std::vector<fs::path>{path};
  }
  if (!fs::is_directory(path, ec)) {
    return MakeError(ErrorCode::kNotFound, "{}: no such file or directory", path.string());
  }
  auto is_dockerfile = [](const std::string& name) {
    std::string lower = Lower(name);
    auto ends = [&](std::string_view suffix) {
      return lower.size() >= suffix.size() && lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends("dockerfile") || ends("containerfile") || lower.rfind("dockerfile.", 0) == 0 ||
           lower.rfind("containerfile.", 0) == 0;
  };
  auto excluded = [&](const fs::path& p) {
    std::string rel = fs::relative(p, path, ec).generic_string();
    for (const auto& pattern : excludes) {
      if (rel == pattern || rel.rfind(pattern + "/", 0) == 0) {
        return true;
      }
      // simple glob on the relative path and on each component
      auto glob = [](std::string_view pat, std::string_view text) {
        std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
        while (t < text.size()) {
          if (p < pat.size() && (pat[p] == text[t] || pat[p] == '?')) {
            ++p;
            ++t;
          } else if (p < pat.size() && pat[p] == '*') {
            star = p++;
            mark = t;
          } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
          } else {
            return false;
          }
        }
        while (p < pat.size() && pat[p] == '*') {
          ++p;
        }
        return p == pat.size();
      };
      if (glob(pattern, rel) || glob(pattern, p.filename().string())) {
        return true;
      }
    }
    return false;
  };
  std::vector<fs::path> out;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        break;
      }
      if (it->is_directory(ec) && (it->path().filename() == ".git" || excluded(it->path()))) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && is_dockerfile(it->path().filename().string()) && !excluded(it->path())) {
        out.push_back(it->path());
      }
    }
  } else {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file(ec) && is_dockerfile(entry.path().filename().string()) && !excluded(entry.path())) {
        out.push_back(entry.path());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ------------------------------------------------------------------------------------------------ renderers

namespace {

nlohmann::ordered_json FindingJson(const Finding& f) {
  return nlohmann::ordered_json{{"rule", f.rule},   {"aliases", f.aliases}, {"severity", SeverityName(f.severity)},
                                {"file", f.file},   {"line", f.line},       {"end_line", f.end_line},
                                {"stage", f.stage}, {"message", f.message}, {"fix", f.fix}};
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  // A Dockerfile is bytes: invalid UTF-8 becomes U+FFFD, so the document is the UTF-8 its declaration says.
  for (char c : Sanitized(s, TextContext::kXml)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string RenderJson(const std::vector<FileReport>& reports) {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& r : reports) {
    files.push_back(r.file);
    for (const auto& f : r.findings) {
      findings.push_back(FindingJson(f));
    }
  }
  nlohmann::ordered_json doc;
  doc["schema"] = "customs.lint/v1";
  doc["files"] = files;
  doc["findings"] = findings;
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RenderSarif(const std::vector<FileReport>& reports) {
  nlohmann::json rules = nlohmann::json::array();
  for (const Rule& rule : AllRules()) {
    nlohmann::json aliases = nlohmann::json::array();
    for (auto a : rule.aliases) {
      if (!a.empty()) {
        aliases.push_back(std::string(a));
      }
    }
    rules.push_back({{"id", std::string(rule.id)},
                     {"shortDescription", {{"text", std::string(rule.summary)}}},
                     {"fullDescription", {{"text", std::string(rule.rationale)}}},
                     {"properties", {{"aliases", aliases}, {"severity", SeverityName(rule.severity)}}}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : reports) {
    for (const auto& f : r.findings) {
      std::string level = f.severity >= Severity::kHigh     ? "error"
                          : f.severity >= Severity::kMedium ? "warning"
                                                            : "note";
      results.push_back(
          {{"ruleId", f.rule},
           {"level", level},
           {"message", {{"text", f.message + (f.fix.empty() ? "" : " Fix: " + f.fix)}}},
           {"locations",
            {{{"physicalLocation",
               {{"artifactLocation", {{"uri", f.file}}},
                {"region", {{"startLine", std::max(1, f.line)}, {"endLine", std::max(1, f.end_line)}}}}}}}}});
    }
  }
  nlohmann::json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool",
          {{"driver", {{"name", "customs-lint"}, {"informationUri", "https://github.com/customs"}, {"rules", rules}}}}},
         {"results", results}}}}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RenderCheckstyle(const std::vector<FileReport>& reports) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n";
  for (const auto& r : reports) {
    out += fmt::format("  <file name=\"{}\">\n", XmlEscape(r.file));
    for (const auto& f : r.findings) {
      std::string severity = f.severity >= Severity::kHigh     ? "error"
                             : f.severity >= Severity::kMedium ? "warning"
                                                               : "info";
      out += fmt::format("    <error line=\"{}\" column=\"1\" severity=\"{}\" message=\"{}\" source=\"customs.{}\"/>\n",
                         f.line, severity, XmlEscape(f.message), XmlEscape(f.rule));
    }
    out += "  </file>\n";
  }
  return out + "</checkstyle>\n";
}

std::string RenderJunit(const std::vector<FileReport>& reports) {
  std::size_t failures = 0;
  for (const auto& r : reports) {
    failures += r.findings.size();
  }
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"customs lint\" tests=\"{}\" failures=\"{}\">\n",
      std::max<std::size_t>(failures, reports.size()), failures);
  for (const auto& r : reports) {
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n", XmlEscape(r.file),
                       std::max<std::size_t>(r.findings.size(), 1), r.findings.size());
    if (r.findings.empty()) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"lint\"/>\n", XmlEscape(r.file));
    }
    for (const auto& f : r.findings) {
      out += fmt::format(
          "    <testcase classname=\"{}\" name=\"{}:{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    "
          "</testcase>\n",
          XmlEscape(r.file), XmlEscape(f.rule), f.line, SeverityName(f.severity), XmlEscape(f.message),
          XmlEscape(f.fix));
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

std::string RenderCodeClimate(const std::vector<FileReport>& reports) {
  nlohmann::json issues = nlohmann::json::array();
  for (const auto& r : reports) {
    for (const auto& f : r.findings) {
      std::string severity = f.severity == Severity::kCritical ? "blocker"
                             : f.severity == Severity::kHigh   ? "critical"
                             : f.severity == Severity::kMedium ? "major"
                             : f.severity == Severity::kLow    ? "minor"
                                                               : "info";
      std::string key = fmt::format("{}:{}:{}:{}", f.file, f.rule, f.line, f.message);
      issues.push_back({{"type", "issue"},
                        {"check_name", f.rule},
                        {"description", f.message},
                        {"categories", {"Security"}},
                        {"severity", severity},
                        {"fingerprint", Sha256::HexOf(key).substr(0, 32)},
                        {"location", {{"path", f.file}, {"lines", {{"begin", f.line}, {"end", f.end_line}}}}}});
    }
  }
  return issues.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RenderTty(const std::vector<FileReport>& reports, bool color) {
  auto paint = [&](Severity s, const std::string& text) {
    if (!color) {
      return text;
    }
    const char* code = s == Severity::kCritical ? "1;35"
                       : s == Severity::kHigh   ? "1;31"
                       : s == Severity::kMedium ? "33"
                       : s == Severity::kLow    ? "36"
                                                : "2";
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  };
  std::string out;
  std::map<Severity, int> counts;
  std::size_t total = 0;
  for (const auto& r : reports) {
    for (const auto& f : r.findings) {
      std::string severity = std::string(SeverityName(f.severity));
      for (auto& ch : severity) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
      std::string aliases;
      for (const auto& a : f.aliases) {
        aliases += (aliases.empty() ? " [" : ",") + a;
      }
      if (!aliases.empty()) {
        aliases += "]";
      }
      out += fmt::format("{}:{}  {:<8}  {}{}  {}\n", f.file, f.line, paint(f.severity, severity), f.rule, aliases,
                         f.message);
      if (!f.fix.empty()) {
        out += fmt::format("    fix: {}\n", f.fix);
      }
      ++counts[f.severity];
      ++total;
    }
  }
  out += fmt::format("{} file(s), {} finding(s)", reports.size(), total);
  if (total > 0) {
    out += ":";
    for (Severity s : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow, Severity::kInfo}) {
      if (counts[s] > 0) {
        out += fmt::format(" {} {}", counts[s], SeverityName(s));
      }
    }
  }
  return out + "\n";
}

std::string RenderRulesMarkdown() {
  std::string out =
      "# customs lint rules\n\n"
      "Generated from the rule tables in `src/lint/rules/` (one file per family; `customs lint --list-rules --format\n"
      "markdown`); a unit test fails when this file and the tables disagree. Aliases are hadolint codes (DLxxxx), "
      "Trivy\n"
      "misconfiguration ids (AVD-DS-xxxx), BuildKit build-check names and checkov ids (CKV_DOCKER_n, CKV2_DOCKER_n);\n"
      "any alias works in `ignored`, `override` and inline pragmas (`# customs ignore=DL3008`, `# hadolint\n"
      "ignore=DL3008`, `# checkov:skip=CKV_DOCKER_3`, BuildKit's `# check=skip=...`). A finding carries only the "
      "aliases\n"
      "of the peer checks that would report it (see the compatibility notes at the end).\n\n";
  for (const RuleFamily& family : kRuleFamilies) {
    out += fmt::format("## {}\n\n`src/lint/rules/{}`\n\n| Rule | Severity | Aliases | Summary |\n|---|---|---|---|\n",
                       family.name, family.source);
    for (const Rule& rule : family.rules()) {
      std::string aliases;
      for (auto a : rule.aliases) {
        if (!a.empty()) {
          aliases += (aliases.empty() ? "" : ", ") + std::string(a);
        }
      }
      out += fmt::format("| `{}` | {} | {} | {} |\n", rule.id, SeverityName(rule.severity), aliases, rule.summary);
    }
    out += "\n";
  }
  for (const RuleFamily& family : kRuleFamilies) {
    for (const Rule& rule : family.rules()) {
      out += fmt::format("### {}\n\n{} ({}; {}{})\n\n{}\n\n", rule.id, rule.summary, SeverityName(rule.severity),
                         family.name, rule.off_by_default ? "; off by default" : "", rule.rationale);
    }
  }
  out += "<!-- End of the generated rule reference. The notes below are written by hand. -->\n";
  return out;
}

}  // namespace customs::lint
