#include "report/audit_report.h"

#include <fmt/format.h>

#include <map>

#include "core/utf8.h"
#include "report/common.h"

namespace customs::report {
namespace {

using nlohmann::ordered_json;

std::string Where(const audit::AuditFinding& f) {
  if (f.path.empty()) return "image config";
  return f.line > 0 ? fmt::format("{}:{}", f.path, f.line) : f.path;
}

const char* Color(audit::Severity s) {
  switch (s) {
    case audit::Severity::kCritical: return "\033[1;31m";
    case audit::Severity::kHigh: return "\033[31m";
    case audit::Severity::kMedium: return "\033[33m";
    case audit::Severity::kLow: return "\033[36m";
    default: return "\033[2m";
  }
}

const char* SarifLevel(audit::Severity s) {
  switch (s) {
    case audit::Severity::kCritical:
    case audit::Severity::kHigh: return "error";
    case audit::Severity::kMedium: return "warning";
    default: return "note";
  }
}

std::string Section(const std::vector<const audit::AuditFinding*>& findings, const char* title, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::string out = fmt::format("\n{}{}{}\n", bold, title, reset);
  if (findings.empty()) return out + "  none found.\n";
  for (const auto* f : findings) {
    std::string severity = fmt::format("{:<10}", audit::SeverityName(f->severity));
    if (color) severity = std::string(Color(f->severity)) + severity + reset;
    // Paths, matches and history lines come from the image: no control character reaches the terminal.
    out += fmt::format("  {}  {}  {}\n", severity, Cell(f->rule, 24), LineText(f->message));
    if (f->layer >= 0) {
      out += fmt::format("  {:<10}  {:<24}  layer {} {}\n", "", "", f->layer + 1, ClipText(f->created_by, 70));
    }
  }
  return out;
}

}  // namespace

vulndb::Severity ToVulnSeverity(audit::Severity severity) {
  switch (severity) {
    case audit::Severity::kUnknown: return vulndb::Severity::kUnknown;
    case audit::Severity::kNegligible: return vulndb::Severity::kNegligible;
    case audit::Severity::kLow: return vulndb::Severity::kLow;
    case audit::Severity::kMedium: return vulndb::Severity::kMedium;
    case audit::Severity::kHigh: return vulndb::Severity::kHigh;
    case audit::Severity::kCritical: return vulndb::Severity::kCritical;
  }
  return vulndb::Severity::kUnknown;
}

ordered_json AuditFindingJson(const audit::AuditFinding& f) {
  ordered_json out = {{"scanner", audit::ScannerName(f.scanner)},    {"rule", f.rule},   {"aliases", f.aliases},
                      {"severity", audit::SeverityName(f.severity)}, {"title", f.title}, {"message", f.message}};
  out["path"] = f.path.empty() ? ordered_json(nullptr) : ordered_json(f.path);
  out["line"] = f.line > 0 ? ordered_json(f.line) : ordered_json(nullptr);
  out["match"] = f.match.empty() ? ordered_json(nullptr) : ordered_json(f.match);
  out["layer"] = f.layer >= 0
                     ? ordered_json{{"index", f.layer + 1}, {"digest", f.layer_digest}, {"created_by", f.created_by}}
                     : ordered_json(nullptr);
  out["removed_in_layer"] = f.removed_in_layer >= 0 ? ordered_json(f.removed_in_layer + 1) : ordered_json(nullptr);
  out["fix"] = f.fix;
  return out;
}

std::string AuditTable(const std::vector<audit::AuditFinding>& findings, bool config_ran, bool secrets_ran,
                       bool color) {
  std::vector<const audit::AuditFinding*> config, secrets;
  for (const auto& f : findings) (f.scanner == audit::Scanner::kSecret ? secrets : config).push_back(&f);
  std::string out;
  if (config_ran || !config.empty()) out += Section(config, "Image audit", color);
  if (secrets_ran || !secrets.empty()) out += Section(secrets, "Secrets", color);
  return out;
}

std::string AuditMarkdown(const std::vector<audit::AuditFinding>& findings) {
  if (findings.empty()) return {};
  std::string out = "\n#### Image audit and secrets\n\n| Severity | Rule | Where | Finding |\n|---|---|---|---|\n";
  for (const auto& f : findings) {
    out += fmt::format("| {} | `{}` | `{}` | {} |\n", audit::SeverityName(f.severity), MarkdownCode(f.rule),
                       MarkdownCode(Where(f)), MarkdownText(f.message));
  }
  return out;
}

void AppendAuditSarif(const std::vector<audit::AuditFinding>& findings, const std::string& target, ordered_json& rules,
                      ordered_json& results) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < rules.size(); ++i) index[rules[i]["id"].get<std::string>()] = i;
  for (const auto& f : findings) {
    if (!index.contains(f.rule)) {
      index[f.rule] = rules.size();
      rules.push_back({{"id", f.rule},
                       {"name", f.scanner == audit::Scanner::kSecret ? "Secret" : "ImageConfiguration"},
                       {"shortDescription", {{"text", f.title}}},
                       {"fullDescription", {{"text", f.title}}},
                       {"defaultConfiguration", {{"level", SarifLevel(f.severity)}}},
                       {"help", {{"text", f.fix.empty() ? f.title : f.fix}}},
                       {"properties",
                        {{"tags", ordered_json::array({audit::ScannerName(f.scanner), "security",
                                                       audit::SeverityName(f.severity)})}}}});
    }
    std::string uri = f.path.empty() ? target : f.path.substr(f.path.front() == '/' ? 1 : 0);
    int line = f.line > 0 ? f.line : 1;
    results.push_back(
        {{"ruleId", f.rule},
         {"ruleIndex", index[f.rule]},
         {"level", SarifLevel(f.severity)},
         {"message", {{"text", f.message}}},
         {"locations",
          ordered_json::array(
              {{{"physicalLocation",
                 {{"artifactLocation", {{"uri", uri}, {"uriBaseId", "ROOTPATH"}}},
                  {"region", {{"startLine", line}, {"startColumn", 1}, {"endLine", line}, {"endColumn", 1}}}}}}})}});
  }
}

std::string AuditJunitCases(const std::vector<audit::AuditFinding>& findings, const std::string& target,
                            std::optional<vulndb::Severity> fail_on, int* tests, int* failures) {
  std::string cases;
  for (const auto& f : findings) {
    ++*tests;
    cases += fmt::format("    <testcase classname=\"{}\" name=\"{}: {}\"", XmlText(target), XmlText(f.rule),
                         XmlText(Where(f)));
    if (fail_on && ToVulnSeverity(f.severity) >= *fail_on) {
      ++*failures;
      cases += fmt::format(">\n      <failure message=\"{} {}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                           audit::SeverityName(f.severity), XmlText(f.title), audit::ScannerName(f.scanner),
                           XmlText(f.message));
    } else {
      cases += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", XmlText(f.message));
    }
  }
  return cases;
}

ordered_json AuditCycloneDxAnnotations(const std::vector<audit::AuditFinding>& findings, const std::string& subject_ref,
                                       const std::string& tool_version, const std::string& timestamp) {
  ordered_json out = ordered_json::array();
  for (const auto& f : findings) {
    out.push_back(
        {{"subjects", ordered_json::array({subject_ref})},
         {"annotator", {{"component", {{"type", "application"}, {"name", "customs"}, {"version", tool_version}}}}},
         {"timestamp", timestamp},
         {"text", fmt::format("[{}] {} {}: {}", audit::SeverityName(f.severity), audit::ScannerName(f.scanner), f.rule,
                              f.message)}});
  }
  return out;
}

}  // namespace customs::report
