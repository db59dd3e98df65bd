#include "report/scan_report.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "report/audit_report.h"
#include "report/common.h"
#include "report/sbom.h"

namespace customs::report {
namespace {

using nlohmann::ordered_json;
using vulndb::Severity;

constexpr Severity kSeverities[] = {Severity::kCritical, Severity::kHigh,       Severity::kMedium,
                                    Severity::kLow,      Severity::kNegligible, Severity::kUnknown};

ordered_json PackageJson(const catalog::Package& p) {
  ordered_json out = {
      {"name", p.name},
      {"version", p.version},
      {"source_name", p.source_name},
      {"source_version", p.source_version},
      {"type", catalog::PackageTypeName(p.type)},
      {"purl", p.purl},
      {"layer", {{"index", p.layer.index + 1}, {"digest", LayerDigest(p.layer)}, {"created_by", p.layer.created_by}}}};
  LanguagePackageFields(p, out);
  return out;
}

ordered_json FindingJson(const match::Finding& f) {
  ordered_json out = {{"id", f.id},
                      {"aliases", f.aliases},
                      {"severity", vulndb::SeverityName(f.severity)},
                      {"severity_source", f.severity_source},
                      {"status", match::FindingStatusName(f.status)},
                      {"package", PackageJson(f.package)},
                      {"fixed_version", f.fixed_version}};
  out["cvss"] = f.cvss ? ordered_json{{"version", f.cvss->version},
                                      {"vector", f.cvss->vector},
                                      {"score", f.cvss->base_score},
                                      {"source", f.cvss->source}}
                       : ordered_json(nullptr);
  out["kev"] = f.kev ? ordered_json{{"date_added", f.kev->date_added},
                                    {"due_date", f.kev->due_date},
                                    {"known_ransomware", f.kev->known_ransomware}}
                     : ordered_json(nullptr);
  out["epss"] =
      f.epss ? ordered_json{{"score", f.epss->score}, {"percentile", f.epss->percentile}} : ordered_json(nullptr);
  out["title"] = f.title;
  out["references"] = f.references;
  out["advisory"] = {{"source", f.source}, {"record", f.record_id}};
  if (!f.matched_as.empty()) out["matched_as"] = f.matched_as;
  return out;
}

std::map<std::string, int> CountBySeverity(const std::vector<match::Finding>& findings) {
  std::map<std::string, int> out;
  for (Severity s : kSeverities) out[vulndb::SeverityName(s)] = 0;
  for (const auto& f : findings) ++out[vulndb::SeverityName(f.severity)];
  return out;
}

std::string WriteJson(const ScanReport& r) {
  ordered_json out;
  out["schema"] = "customs.report/v1";
  out["target"] = r.target;
  out["kind"] = r.kind;
  out["os"] = {{"family", r.os.family}, {"version", r.os.version}, {"codename", r.os.codename}};
  ordered_json findings = ordered_json::array();
  for (const auto& f : r.findings) findings.push_back(FindingJson(f));
  out["findings"] = std::move(findings);
  ordered_json suppressed = ordered_json::array();
  for (const auto& s : r.suppressed) {
    ordered_json item = FindingJson(s.finding);
    item["suppressed_by"] = s.by;
    item["reason"] = s.reason;
    suppressed.push_back(std::move(item));
  }
  out["suppressed"] = std::move(suppressed);
  if (r.audited_config || r.audited_secrets || !r.audit_findings.empty()) {
    ordered_json audit = ordered_json::array();
    for (const auto& f : r.audit_findings) audit.push_back(AuditFindingJson(f));
    out["audit"] = std::move(audit);
  }
  out["diagnostics"] = DiagnosticsJson(r.diagnostics);
  std::map<std::string, int> by_status;
  for (const auto& f : r.findings) ++by_status[match::FindingStatusName(f.status)];
  out["summary"] = {{"packages", r.packages.size()},
                    {"findings", r.findings.size()},
                    {"by_severity", CountBySeverity(r.findings)},
                    {"by_status", by_status},
                    {"suppressed", r.suppressed.size()},
                    {"filtered", r.filtered}};
  if (r.audited_config || r.audited_secrets || !r.audit_findings.empty()) {
    std::map<std::string, int> audit_by_severity;
    for (const auto& f : r.audit_findings) ++audit_by_severity[audit::SeverityName(f.severity)];
    out["summary"]["audit_findings"] = r.audit_findings.size();
    out["summary"]["audit_by_severity"] = audit_by_severity;
    out["summary"]["audit_suppressed"] = r.audit_suppressed.size();
  }
  return JsonText(out, 2) + "\n";
}

const char* SeverityColor(Severity s) {
  switch (s) {
    case Severity::kCritical: return "\033[1;31m";
    case Severity::kHigh: return "\033[31m";
    case Severity::kMedium: return "\033[33m";
    case Severity::kLow: return "\033[36m";
    default: return "\033[2m";
  }
}

std::string Clip(std::string_view s, std::size_t n) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n - 3)) + "...";
}

std::string WriteTable(const ScanReport& r, const ScanWriteOptions& o) {
  const char* bold = o.color ? "\033[1m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  std::string out = fmt::format("{}{}{} ({}, {} packages)\n\n", bold, r.target, reset, OsName(r.os), r.packages.size());
  if (!r.scanned_vulnerabilities) {
    // customs audit: no vulnerability section at all, rather than a "none found" that was never looked for.
    out += AuditTable(r.audit_findings, r.audited_config, r.audited_secrets, o.color);
    std::map<std::string, int> counts;
    for (const auto& f : r.audit_findings) ++counts[audit::SeverityName(f.severity)];
    std::string line;
    for (Severity s : kSeverities) {
      if (!line.empty()) line += ", ";
      line += fmt::format("{}: {}", vulndb::SeverityName(s), counts[vulndb::SeverityName(s)]);
    }
    out += fmt::format("\nTotal: {} ({})\n", r.audit_findings.size(), line);
    if (!r.diagnostics.empty()) {
      out += fmt::format("\n{}Diagnostics:{}\n", bold, reset);
      for (const auto& d : r.diagnostics) {
        out += fmt::format("  {}: {}: {}\n", DiagnosticLevelName(d.level), d.subject, d.message);
      }
    }
    return out;
  }
  if (r.findings.empty()) {
    out += "No vulnerabilities found";
    out += r.suppressed.empty() ? ".\n" : fmt::format(" ({} suppressed).\n", r.suppressed.size());
  } else {
    std::size_t w_pkg = 7, w_inst = 9, w_fix = 5, w_id = 13;
    for (const auto& f : r.findings) {
      w_pkg = std::max(w_pkg, std::min<std::size_t>(f.package.name.size(), 30));
      w_inst = std::max(w_inst, std::min<std::size_t>(f.package.version.size(), 30));
      w_fix = std::max(w_fix, std::min<std::size_t>(f.fixed_version.size(), 30));
      w_id = std::max(w_id, f.id.size());
    }
    out += fmt::format("{}{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<10}  {:<3}  {:<12}  {}{}\n", bold, "PACKAGE", w_pkg,
                       "INSTALLED", w_inst, "FIXED", w_fix, "VULNERABILITY", w_id, "SEVERITY", "KEV", "STATUS", "LAYER",
                       reset);
    for (const auto& f : r.findings) {
      std::string severity = vulndb::SeverityName(f.severity);
      std::string padded = fmt::format("{:<10}", severity);
      if (o.color) padded = std::string(SeverityColor(f.severity)) + padded + reset;
      // KEV: CISA lists it as exploited in the wild.
      std::string kev = fmt::format("{:<3}", f.kev ? "yes" : "");
      if (o.color && f.kev) kev = std::string("\033[1;31m") + kev + reset;
      out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}  {}  {:<12}  {}\n", Clip(f.package.name, 30), w_pkg,
                         Clip(f.package.version, 30), w_inst, Clip(f.fixed_version, 30), w_fix, f.id, w_id, padded, kev,
                         match::FindingStatusName(f.status),
                         f.package.layer.index >= 0
                             ? fmt::format("{} {}", f.package.layer.index + 1, Clip(f.package.layer.created_by, 60))
                             : std::string("-"));
    }
  }
  auto counts = CountBySeverity(r.findings);
  std::map<std::string, int> by_status;
  for (const auto& f : r.findings) ++by_status[match::FindingStatusName(f.status)];
  std::string severity_line;
  for (Severity s : kSeverities) {
    int n = counts[vulndb::SeverityName(s)];
    if (!severity_line.empty()) severity_line += ", ";
    std::string item = fmt::format("{}: {}", vulndb::SeverityName(s), n);
    severity_line += (o.color && n > 0) ? std::string(SeverityColor(s)) + item + reset : item;
  }
  std::string status_line;
  for (const auto& [status, n] : by_status)
    status_line += fmt::format("{}{}: {}", status_line.empty() ? "" : ", ", status, n);
  out += fmt::format("\nTotal: {} ({})\n", r.findings.size(), severity_line);
  if (!status_line.empty()) out += fmt::format("Status: {}\n", status_line);
  out += AuditTable(r.audit_findings, r.audited_config, r.audited_secrets, o.color);
  if (!r.suppressed.empty()) {
    out += fmt::format("\nSuppressed: {}\n", r.suppressed.size());
    for (const auto& s : r.suppressed) {
      out += fmt::format("  {} {} by {}{}\n", s.finding.id, s.finding.package.name, s.by,
                         s.reason.empty() ? "" : ": " + s.reason);
    }
  }
  if (!r.diagnostics.empty()) {
    out += fmt::format("\n{}Diagnostics:{}\n", bold, reset);
    for (const auto& d : r.diagnostics) {
      out += fmt::format("  {}: {}: {}\n", DiagnosticLevelName(d.level), d.subject, d.message);
    }
  }
  return out;
}

std::string WriteMarkdown(const ScanReport& r) {
  auto counts = CountBySeverity(r.findings);
  std::string out = fmt::format("### customs: `{}` ({})\n\n", r.target, OsName(r.os));
  out += "| Critical | High | Medium | Low | Unknown |\n|---|---|---|---|---|\n";
  out += fmt::format("| {} | {} | {} | {} | {} |\n\n", counts["CRITICAL"], counts["HIGH"], counts["MEDIUM"],
                     counts["LOW"], counts["UNKNOWN"] + counts["NEGLIGIBLE"]);
  if (r.findings.empty()) return out + "No vulnerabilities found.\n" + AuditMarkdown(r.audit_findings);
  out +=
      "| Severity | Vulnerability | Package | Installed | Fixed | Introduced by | Known exploited |\n"
      "|---|---|---|---|---|---|---|\n";
  auto escape = [](std::string s) {
    std::string o;
    for (char c : s) {
      if (c == '|')
        o += "\\|";
      else if (c == '\n')
        o += ' ';
      else
        o += c;
    }
    return o;
  };
  for (const auto& f : r.findings) {
    out += fmt::format("| {} | {} | {} | {} | {} | `{}` | {} |\n", vulndb::SeverityName(f.severity), f.id,
                       escape(f.package.name), escape(f.package.version),
                       f.fixed_version.empty() ? "-" : escape(f.fixed_version),
                       escape(Clip(f.package.layer.created_by, 80)), f.kev ? "yes (CISA KEV)" : "");
  }
  if (!r.suppressed.empty())
    out += fmt::format("\n{} finding(s) suppressed by ignore files or VEX.\n", r.suppressed.size());
  return out + AuditMarkdown(r.audit_findings);
}

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

std::string WriteSarif(const ScanReport& r, const ScanWriteOptions& o) {
  ordered_json rules = ordered_json::array();
  ordered_json results = ordered_json::array();
  std::map<std::string, std::size_t> rule_index;
  for (const auto& f : r.findings) {
    if (!rule_index.count(f.id)) {
      rule_index[f.id] = rules.size();
      ordered_json rule = {
          {"id", f.id},
          {"name", "OsPackageVulnerability"},
          {"shortDescription", {{"text", f.title.empty() ? f.id : Clip(f.title, 200)}}},
          {"fullDescription", {{"text", f.title.empty() ? f.id : f.title}}},
          {"defaultConfiguration", {{"level", SarifLevel(f.severity)}}},
          {"properties",
           {{"security-severity", ShortestDouble(f.cvss ? f.cvss->base_score : 0.0)},
            {"tags", ordered_json::array({"vulnerability", "security", vulndb::SeverityName(f.severity)})}}}};
      if (!f.references.empty()) rule["helpUri"] = f.references.front();
      rule["help"] = {{"text", fmt::format("{} in {} {}; fixed version: {}", f.id, f.package.name, f.package.version,
                                           f.fixed_version.empty() ? "none" : f.fixed_version)}};
      rules.push_back(std::move(rule));
    }
    results.push_back(
        {{"ruleId", f.id},
         {"ruleIndex", rule_index[f.id]},
         {"level", SarifLevel(f.severity)},
         {"message",
          {{"text", fmt::format("Package: {}\nInstalled: {}\nVulnerability: {}\nSeverity: {}\nFixed: {}\nLayer: {}",
                                f.package.name, f.package.version, f.id, vulndb::SeverityName(f.severity),
                                f.fixed_version.empty() ? "none" : f.fixed_version, f.package.layer.created_by)}}},
         {"locations",
          ordered_json::array(
              {{{"physicalLocation",
                 {{"artifactLocation", {{"uri", r.target}, {"uriBaseId", "ROOTPATH"}}},
                  {"region", {{"startLine", 1}, {"startColumn", 1}, {"endLine", 1}, {"endColumn", 1}}}}},
                {"message", {{"text", fmt::format("{}: {}@{}", r.target, f.package.name, f.package.version)}}}}})}});
  }
  AppendAuditSarif(r.audit_findings, r.target, rules, results);
  ordered_json out = {{"version", "2.1.0"},
                      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                      {"runs", ordered_json::array({{{"tool",
                                                      {{"driver",
                                                        {{"name", "customs"},
                                                         {"version", o.tool_version},
                                                         {"informationUri", "https://customs.invalid"},
                                                         {"rules", rules}}}}},
                                                     {"results", results},
                                                     {"originalUriBaseIds", {{"ROOTPATH", {{"uri", "file:///"}}}}}}})}};
  return JsonText(out, 2) + "\n";
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string WriteJunit(const ScanReport& r) {
  std::map<std::string, std::vector<const match::Finding*>> by_package;
  for (const auto& f : r.findings) by_package[f.package.name + " " + f.package.version].push_back(&f);
  int failures = 0;
  std::string cases;
  for (const auto& p : r.packages) {
    std::string key = p.name + " " + p.version;
    cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", XmlEscape(r.target), XmlEscape(key));
    std::string failing;
    for (const auto* f : by_package[key]) {
      if (r.fail_on && f->severity >= *r.fail_on) {
        failing += fmt::format("{} {} (fixed: {})\n", f->id, vulndb::SeverityName(f->severity),
                               f->fixed_version.empty() ? "none" : f->fixed_version);
      }
    }
    if (failing.empty()) {
      cases += "/>\n";
    } else {
      ++failures;
      cases += fmt::format(
          ">\n      <failure message=\"vulnerabilities at or above {}\" type=\"vulnerability\">{}</failure>\n    "
          "</testcase>\n",
          vulndb::SeverityName(*r.fail_on), XmlEscape(failing));
    }
  }
  int tests = static_cast<int>(r.packages.size());
  cases += AuditJunitCases(r.audit_findings, r.target, r.fail_on, &tests, &failures);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"customs\" tests=\"{}\" "
      "failures=\"{}\">\n{}  </testsuite>\n</testsuites>\n",
      tests, failures, cases);
}

std::string WriteCycloneDx(const ScanReport& r, const ScanWriteOptions& o) {
  SbomDocument doc{r.target, r.kind, r.manifest_digest, r.os, r.packages, r.diagnostics};
  SbomWriteOptions so{o.color, o.tool_version, o.timestamp, o.uuid};
  ordered_json bom = ordered_json::parse(WriteSbom(SbomFormat::kCycloneDx, doc, so));
  ordered_json vulns = ordered_json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& f : r.findings) {
    std::string ref = f.package.purl;
    auto it = index.find(f.id);
    if (it != index.end()) {
      vulns[it->second]["affects"].push_back({{"ref", ref}});
      continue;
    }
    ordered_json v = {{"id", f.id}, {"source", {{"name", f.source}}}};
    ordered_json ratings = ordered_json::array();
    ordered_json rating = {{"severity", [&] {
                              std::string s = vulndb::SeverityName(f.severity);
                              for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                              return s == "negligible" ? std::string("info") : s;
                            }()}};
    if (f.cvss) {
      rating["score"] = f.cvss->base_score;
      rating["vector"] = f.cvss->vector;
      rating["method"] = f.cvss->version.starts_with("4")     ? "CVSSv4"
                         : f.cvss->version.starts_with("3.1") ? "CVSSv31"
                         : f.cvss->version.starts_with("3")   ? "CVSSv3"
                                                              : "CVSSv2";
    }
    ratings.push_back(rating);
    v["ratings"] = ratings;
    if (!f.title.empty()) v["description"] = f.title;
    if (!f.fixed_version.empty()) v["recommendation"] = "Upgrade to " + f.fixed_version;
    ordered_json advisories = ordered_json::array();
    for (const auto& url : f.references) advisories.push_back({{"url", url}});
    if (!advisories.empty()) v["advisories"] = advisories;
    v["affects"] = ordered_json::array({{{"ref", ref}}});
    index[f.id] = vulns.size();
    vulns.push_back(std::move(v));
  }
  bom["vulnerabilities"] = std::move(vulns);
  if (!r.audit_findings.empty()) {
    std::string subject = bom["metadata"]["component"].value("bom-ref", std::string("image"));
    bom["annotations"] = AuditCycloneDxAnnotations(r.audit_findings, subject, o.tool_version,
                                                   bom["metadata"].value("timestamp", std::string()));
  }
  return JsonText(bom, 2) + "\n";
}

}  // namespace

Result<ScanFormat> ParseScanFormat(std::string_view name) {
  if (name == "table") return ScanFormat::kTable;
  if (name == "json") return ScanFormat::kJson;
  if (name == "sarif") return ScanFormat::kSarif;
  if (name == "cyclonedx") return ScanFormat::kCycloneDx;
  if (name == "junit") return ScanFormat::kJunit;
  if (name == "markdown") return ScanFormat::kMarkdown;
  return MakeError(ErrorCode::kInvalidArgument, "unknown format '{}' (table, json, sarif, cyclonedx, junit, markdown)",
                   name);
}

std::string WriteScanReport(ScanFormat format, const ScanReport& report, const ScanWriteOptions& options) {
  switch (format) {
    case ScanFormat::kTable: return WriteTable(report, options);
    case ScanFormat::kJson: return WriteJson(report);
    case ScanFormat::kSarif: return WriteSarif(report, options);
    case ScanFormat::kCycloneDx: return WriteCycloneDx(report, options);
    case ScanFormat::kJunit: return WriteJunit(report);
    case ScanFormat::kMarkdown: return WriteMarkdown(report);
  }
  return {};
}

}  // namespace customs::report
