#include "report/scan_report.h"

#include <fmt/format.h>

#include <map>

#include "core/utf8.h"
#include "report/audit_report.h"
#include "report/common.h"
#include "report/sbom.h"

namespace customs::report {
namespace {

using vulndb::Severity;

constexpr Severity kSeverities[] = {Severity::kCritical, Severity::kHigh,       Severity::kMedium,
                                    Severity::kLow,      Severity::kNegligible, Severity::kUnknown};

void WritePackageJson(JsonWriter& json, const catalog::Package& p) {
  json.BeginObject()
      .Field("name", p.name)
      .Field("version", p.version)
      .Field("source_name", p.source_name)
      .Field("source_version", p.source_version)
      .Field("type", catalog::PackageTypeName(p.type))
      .Field("purl", p.purl);
  json.Key("layer")
      .BeginObject()
      .Field("index", p.layer.index + 1)
      .Field("digest", LayerDigest(p.layer))
      .Field("created_by", p.layer.created_by)
      .EndObject();
  WriteLanguagePackageFields(json, p);
  if (auto raw = EscapedInvalidFields(p); !raw.empty()) {
    json.Key("raw_escaped").BeginObject();
    for (const auto& [field, escaped] : raw) json.Field(field, escaped);
    json.EndObject();
  }
  json.EndObject();
}

// The members of a finding; the caller opens and closes the object (suppressed findings add two members).
void WriteFindingMembers(JsonWriter& json, const match::Finding& f) {
  json.Field("id", f.id)
      .Field("aliases", f.aliases)
      .Field("severity", vulndb::SeverityName(f.severity))
      .Field("severity_source", f.severity_source)
      .Field("status", match::FindingStatusName(f.status));
  json.Key("package");
  WritePackageJson(json, f.package);
  json.Field("fixed_version", f.fixed_version);
  json.Key("cvss");
  if (f.cvss) {
    json.BeginObject()
        .Field("version", f.cvss->version)
        .Field("vector", f.cvss->vector)
        .Field("score", f.cvss->base_score)
        .Field("source", f.cvss->source)
        .EndObject();
  } else {
    json.Null();
  }
  json.Key("kev");
  if (f.kev) {
    json.BeginObject()
        .Field("date_added", f.kev->date_added)
        .Field("due_date", f.kev->due_date)
        .Field("known_ransomware", f.kev->known_ransomware)
        .EndObject();
  } else {
    json.Null();
  }
  json.Key("epss");
  if (f.epss) {
    json.BeginObject().Field("score", f.epss->score).Field("percentile", f.epss->percentile).EndObject();
  } else {
    json.Null();
  }
  json.Field("title", f.title).Field("references", f.references);
  json.Key("advisory").BeginObject().Field("source", f.source).Field("record", f.record_id).EndObject();
  // A Maven jar without a groupId: the "groupId:artifactId" the advisory index resolved it to.
  if (!f.matched_as.empty()) json.Field("matched_as", f.matched_as);
  if (f.in_use != match::InUse::kNotEvaluated) json.Field("in_use", match::InUseName(f.in_use));
}

std::map<std::string, int> CountBySeverity(const std::vector<match::Finding>& findings) {
  std::map<std::string, int> out;
  for (Severity s : kSeverities) out[vulndb::SeverityName(s)] = 0;
  for (const auto& f : findings) ++out[vulndb::SeverityName(f.severity)];
  return out;
}

std::map<std::string, int> CountByStatus(const std::vector<match::Finding>& findings) {
  std::map<std::string, int> out;
  for (const auto& f : findings) ++out[match::FindingStatusName(f.status)];
  return out;
}

void WriteCounts(JsonWriter& json, std::string_view key, const std::map<std::string, int>& counts) {
  json.Key(key).BeginObject();
  for (const auto& [name, n] : counts) json.Field(name, n);
  json.EndObject();
}

void WriteJson(const ScanReport& r, Output& out) {
  JsonWriter json(out);
  json.BeginObject().Field("schema", "customs.report/v1").Field("target", r.target).Field("kind", r.kind);
  json.Key("os")
      .BeginObject()
      .Field("family", r.os.family)
      .Field("version", r.os.version)
      .Field("codename", r.os.codename)
      .EndObject();
  json.Key("findings").BeginArray();
  for (const auto& f : r.findings) {
    json.BeginObject();
    WriteFindingMembers(json, f);
    json.EndObject();
  }
  json.EndArray();
  json.Key("suppressed").BeginArray();
  for (const auto& s : r.suppressed) {
    json.BeginObject();
    WriteFindingMembers(json, s.finding);
    json.Field("suppressed_by", s.by).Field("reason", s.reason).EndObject();
  }
  json.EndArray();
  const bool audited = r.audited_config || r.audited_secrets || !r.audit_findings.empty();
  if (audited) {
    json.Key("audit").BeginArray();
    for (const auto& f : r.audit_findings) WriteJsonValue(json, AuditFindingJson(f));
    json.EndArray();
  }
  json.Key("diagnostics");
  WriteDiagnosticsJson(json, r.diagnostics);
  json.Key("summary")
      .BeginObject()
      .Field("packages", static_cast<std::uint64_t>(r.packages.size()))
      .Field("findings", static_cast<std::uint64_t>(r.findings.size()));
  WriteCounts(json, "by_severity", CountBySeverity(r.findings));
  WriteCounts(json, "by_status", CountByStatus(r.findings));
  if (r.usage_evaluated) {
    std::map<std::string, int> by_use;
    for (const auto& f : r.findings) ++by_use[match::InUseName(f.in_use)];
    WriteCounts(json, "by_in_use", by_use);
  }
  json.Field("suppressed", static_cast<std::uint64_t>(r.suppressed.size())).Field("filtered", r.filtered);
  if (audited) {
    std::map<std::string, int> audit_by_severity;
    for (const auto& f : r.audit_findings) ++audit_by_severity[audit::SeverityName(f.severity)];
    json.Field("audit_findings", static_cast<std::uint64_t>(r.audit_findings.size()));
    WriteCounts(json, "audit_by_severity", audit_by_severity);
    json.Field("audit_suppressed", static_cast<std::uint64_t>(r.audit_suppressed.size()));
  }
  json.Field("incomplete", static_cast<std::uint64_t>(IncompleteDiagnostics(r.diagnostics).size())).EndObject();
  json.EndObject();
  out.Write("\n");
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

// The diagnostics, then the incomplete reasons in a section of their own and the final line.
void WriteTableDiagnostics(const ScanReport& r, const char* bold, const char* reset, Output& out) {
  const auto incomplete = IncompleteDiagnostics(r.diagnostics);
  if (r.diagnostics.size() > incomplete.size()) {
    out.Write(fmt::format("\n{}Diagnostics:{}\n", bold, reset));
    for (const auto& d : r.diagnostics) {
      if (d.level == DiagnosticLevel::kIncomplete) continue;
      out.Write(fmt::format("  {}: {}: {}\n", DiagnosticLevelName(d.level), LineText(d.subject), LineText(d.message)));
    }
  }
  if (!incomplete.empty()) {
    out.Write(fmt::format("\n{}Incomplete: the scan may have missed vulnerabilities{}\n", bold, reset));
    for (const Diagnostic* d : incomplete) out.Write(fmt::format("  {}\n", LineText(DiagnosticLine(*d))));
    out.Write(fmt::format("\n{}INCOMPLETE SCAN: {} reason{} above{}\n", bold, incomplete.size(),
                          incomplete.size() == 1 ? "" : "s", reset));
  }
}

void WriteTable(const ScanReport& r, const ScanWriteOptions& o, Output& out) {
  const char* bold = o.color ? "\033[1m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  out.Write(fmt::format("{}{}{} ({}, {} packages)\n\n", bold, LineText(r.target), reset, LineText(OsName(r.os)),
                        r.packages.size()));
  if (!r.scanned_vulnerabilities) {
    // customs audit: no vulnerability section at all, rather than a "none found" that was never looked for.
    out.Write(AuditTable(r.audit_findings, r.audited_config, r.audited_secrets, o.color));
    std::map<std::string, int> counts;
    for (const auto& f : r.audit_findings) ++counts[audit::SeverityName(f.severity)];
    std::string line;
    for (Severity s : kSeverities) {
      if (!line.empty()) line += ", ";
      line += fmt::format("{}: {}", vulndb::SeverityName(s), counts[vulndb::SeverityName(s)]);
    }
    out.Write(fmt::format("\nTotal: {} ({})\n", r.audit_findings.size(), line));
    WriteTableDiagnostics(r, bold, reset, out);
    return;
  }
  if (r.findings.empty()) {
    out.Write("No vulnerabilities found");
    out.Write(r.suppressed.empty() ? ".\n" : fmt::format(" ({} suppressed).\n", r.suppressed.size()));
  } else {
    std::size_t w_pkg = 7, w_inst = 9, w_fix = 5, w_id = 13;
    for (const auto& f : r.findings) {
      w_pkg = std::max(w_pkg, CellWidth(f.package.name, 30));
      w_inst = std::max(w_inst, CellWidth(f.package.version, 30));
      w_fix = std::max(w_fix, CellWidth(f.fixed_version, 30));
      w_id = std::max(w_id, CellWidth(f.id, 40));
    }
    const std::string use_header = r.usage_evaluated ? fmt::format("{:<8}  ", "IN USE") : "";
    out.Write(fmt::format("{}{}  {}  {}  {}  {:<10}  {:<3}  {}{:<12}  {}{}\n", bold, Cell("PACKAGE", w_pkg),
                          Cell("INSTALLED", w_inst), Cell("FIXED", w_fix), Cell("VULNERABILITY", w_id), "SEVERITY",
                          "KEV", use_header, "STATUS", "LAYER", reset));
    for (const auto& f : r.findings) {
      std::string severity = vulndb::SeverityName(f.severity);
      std::string padded = fmt::format("{:<10}", severity);
      if (o.color) padded = std::string(SeverityColor(f.severity)) + padded + reset;
      std::string layer = f.package.layer.index >= 0 ? fmt::format("{} {}", f.package.layer.index + 1,
                                                                   ClipText(f.package.layer.created_by, 60))
                                                     : std::string("-");
      // KEV: CISA lists it as exploited in the wild.
      std::string kev = fmt::format("{:<3}", f.kev ? "yes" : "");
      if (o.color && f.kev) kev = std::string("\033[1;31m") + kev + reset;
      const std::string use = r.usage_evaluated ? fmt::format("{:<8}  ", match::InUseName(f.in_use)) : "";
      out.Write(fmt::format("{}  {}  {}  {}  {}  {}  {}{:<12}  {}\n", Cell(f.package.name, w_pkg),
                            Cell(f.package.version, w_inst), Cell(f.fixed_version, w_fix), Cell(f.id, w_id), padded,
                            kev, use, match::FindingStatusName(f.status), layer));
    }
  }
  auto counts = CountBySeverity(r.findings);
  std::string severity_line;
  for (Severity s : kSeverities) {
    int n = counts[vulndb::SeverityName(s)];
    if (!severity_line.empty()) severity_line += ", ";
    std::string item = fmt::format("{}: {}", vulndb::SeverityName(s), n);
    severity_line += (o.color && n > 0) ? std::string(SeverityColor(s)) + item + reset : item;
  }
  std::string status_line;
  for (const auto& [status, n] : CountByStatus(r.findings)) {
    status_line += fmt::format("{}{}: {}", status_line.empty() ? "" : ", ", status, n);
  }
  out.Write(fmt::format("\nTotal: {} ({})\n", r.findings.size(), severity_line));
  if (!status_line.empty()) out.Write(fmt::format("Status: {}\n", status_line));
  out.Write(AuditTable(r.audit_findings, r.audited_config, r.audited_secrets, o.color));
  if (!r.suppressed.empty()) {
    out.Write(fmt::format("\nSuppressed: {}\n", r.suppressed.size()));
    for (const auto& s : r.suppressed) {
      out.Write(fmt::format("  {} {} by {}{}\n", LineText(s.finding.id), LineText(s.finding.package.name),
                            LineText(s.by), s.reason.empty() ? "" : ": " + LineText(s.reason)));
    }
  }
  WriteTableDiagnostics(r, bold, reset, out);
}

void WriteMarkdown(const ScanReport& r, Output& out) {
  auto counts = CountBySeverity(r.findings);
  out.Write(fmt::format("### customs: `{}` ({})\n\n", MarkdownCode(r.target), MarkdownText(OsName(r.os))));
  out.Write("| Critical | High | Medium | Low | Unknown |\n|---|---|---|---|---|\n");
  out.Write(fmt::format("| {} | {} | {} | {} | {} |\n\n", counts["CRITICAL"], counts["HIGH"], counts["MEDIUM"],
                        counts["LOW"], counts["UNKNOWN"] + counts["NEGLIGIBLE"]));
  if (const auto incomplete = IncompleteDiagnostics(r.diagnostics); !incomplete.empty()) {
    out.Write(fmt::format("> [!WARNING]\n> **Incomplete scan**: vulnerabilities may have been missed ({} reason{}):\n",
                          incomplete.size(), incomplete.size() == 1 ? "" : "s"));
    for (const Diagnostic* d : incomplete) {
      out.Write(
          fmt::format("> - {}: {}: {}\n", MarkdownText(d->source), MarkdownText(d->subject), MarkdownText(d->message)));
    }
    out.Write("\n");
  }
  if (r.findings.empty()) {
    out.Write("No vulnerabilities found.\n");
    out.Write(AuditMarkdown(r.audit_findings));
    return;
  }
  out.Write(
      r.usage_evaluated
          ? "| Severity | In use | Vulnerability | Package | Installed | Fixed | Introduced by | Known exploited |\n"
            "|---|---|---|---|---|---|---|---|\n"
          : "| Severity | Vulnerability | Package | Installed | Fixed | Introduced by | Known exploited |\n"
            "|---|---|---|---|---|---|---|\n");
  for (const auto& f : r.findings) {
    const std::string use = r.usage_evaluated ? fmt::format(" {} |", match::InUseName(f.in_use)) : "";
    out.Write(fmt::format("| {} |{} {} | {} | {} | {} | `{}` | {} |\n", vulndb::SeverityName(f.severity), use,
                          MarkdownText(f.id), MarkdownText(f.package.name), MarkdownText(f.package.version),
                          f.fixed_version.empty() ? "-" : MarkdownText(f.fixed_version),
                          MarkdownCode(f.package.layer.created_by), f.kev ? "yes (CISA KEV)" : ""));
  }
  if (!r.suppressed.empty()) {
    out.Write(fmt::format("\n{} finding(s) suppressed by ignore files or VEX.\n", r.suppressed.size()));
  }
  out.Write(AuditMarkdown(r.audit_findings));
}

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

// SARIF 2.1.0 section 3.58.6: notification levels.
const char* SarifNotificationLevel(DiagnosticLevel level) {
  switch (level) {
    case DiagnosticLevel::kIncomplete:
    case DiagnosticLevel::kError: return "error";
    case DiagnosticLevel::kWarning: return "warning";
    case DiagnosticLevel::kInfo: return "note";
  }
  return "note";
}

void WriteSarif(const ScanReport& r, const ScanWriteOptions& o, Output& out) {
  // A rule per vulnerability id, in the order of the first finding that names it.
  std::map<std::string, std::size_t> rule_index;
  std::vector<const match::Finding*> rule_findings;
  for (const auto& f : r.findings) {
    if (rule_index.emplace(f.id, rule_findings.size()).second) rule_findings.push_back(&f);
  }
  // The audit's rules and results (few), numbered after the vulnerability rules: placeholders keep the indices.
  nlohmann::ordered_json audit_rules = nlohmann::ordered_json::array();
  nlohmann::ordered_json audit_results = nlohmann::ordered_json::array();
  for (const match::Finding* f : rule_findings) audit_rules.push_back({{"id", f->id}});
  AppendAuditSarif(r.audit_findings, r.target, audit_rules, audit_results);
  JsonWriter json(out);
  json.BeginObject()
      .Field("version", "2.1.0")
      .Field("$schema", "https://json.schemastore.org/sarif-2.1.0.json")
      .Key("runs")
      .BeginArray()
      .BeginObject();
  json.Key("tool").BeginObject().Key("driver").BeginObject();
  json.Field("name", "customs").Field("version", o.tool_version).Field("informationUri", "https://customs.invalid");
  json.Key("rules").BeginArray();
  for (const match::Finding* f : rule_findings) {
    const std::string title = f->title.empty() ? f->id : f->title;
    // The rule name says which kind of package the vulnerability was found in (the first finding that names it).
    json.BeginObject()
        .Field("id", f->id)
        .Field("name",
               catalog::IsOsPackage(f->package.type) ? "OsPackageVulnerability" : "LanguagePackageVulnerability");
    json.Key("shortDescription").BeginObject().Field("text", ClipText(title, 200, TextContext::kJson)).EndObject();
    json.Key("fullDescription").BeginObject().Field("text", title).EndObject();
    json.Key("defaultConfiguration").BeginObject().Field("level", SarifLevel(f->severity)).EndObject();
    json.Key("properties")
        .BeginObject()
        .Field("security-severity", fmt::format("{:.1f}", f->cvss ? f->cvss->base_score : 0.0));
    json.Key("tags").BeginArray().String("vulnerability").String("security").String(vulndb::SeverityName(f->severity));
    json.EndArray().EndObject();
    if (!f->references.empty()) json.Field("helpUri", f->references.front());
    json.Key("help")
        .BeginObject()
        .Field("text", fmt::format("{} in {} {}; fixed version: {}", f->id, f->package.name, f->package.version,
                                   f->fixed_version.empty() ? "none" : f->fixed_version))
        .EndObject();
    json.EndObject();
  }
  for (std::size_t i = rule_findings.size(); i < audit_rules.size(); ++i) WriteJsonValue(json, audit_rules[i]);
  json.EndArray().EndObject().EndObject();  // rules, driver, tool
  json.Key("results").BeginArray();
  for (const auto& f : r.findings) {
    json.BeginObject().Field("ruleId", f.id).Field("ruleIndex", static_cast<std::uint64_t>(rule_index[f.id]));
    json.Field("level", SarifLevel(f.severity));
    json.Key("message")
        .BeginObject()
        .Field("text",
               fmt::format("Package: {}\nInstalled: {}\nVulnerability: {}\nSeverity: {}\nFixed: {}\nLayer: {}{}",
                           f.package.name, f.package.version, f.id, vulndb::SeverityName(f.severity),
                           f.fixed_version.empty() ? "none" : f.fixed_version, f.package.layer.created_by,
                           r.usage_evaluated ? fmt::format("\nIn use: {}", match::InUseName(f.in_use)) : ""))
        .EndObject();
    if (r.usage_evaluated) json.Key("properties").BeginObject().Field("in_use", match::InUseName(f.in_use)).EndObject();
    json.Key("locations").BeginArray().BeginObject().Key("physicalLocation").BeginObject();
    json.Key("artifactLocation").BeginObject().Field("uri", r.target).Field("uriBaseId", "ROOTPATH").EndObject();
    json.Key("region")
        .BeginObject()
        .Field("startLine", 1)
        .Field("startColumn", 1)
        .Field("endLine", 1)
        .Field("endColumn", 1)
        .EndObject();
    json.EndObject();  // physicalLocation
    json.Key("message")
        .BeginObject()
        .Field("text", fmt::format("{}: {}@{}", r.target, f.package.name, f.package.version))
        .EndObject();
    json.EndObject().EndArray().EndObject();  // location, locations, result
  }
  for (const auto& result : audit_results) WriteJsonValue(json, result);
  json.EndArray();
  // SARIF 2.1.0 section 3.20: the invocation says whether the scan looked at everything it was asked to (an
  // incomplete scan did not: executionSuccessful false), and its notifications say why.
  json.Key("invocations").BeginArray().BeginObject();
  json.Field("executionSuccessful", IncompleteDiagnostics(r.diagnostics).empty());
  bool any = false;
  for (const auto& d : r.diagnostics) {
    if (d.level == DiagnosticLevel::kInfo) continue;
    if (!any) json.Key("toolExecutionNotifications").BeginArray();
    any = true;
    json.BeginObject().Field("level", SarifNotificationLevel(d.level));
    json.Key("message").BeginObject().Field("text", DiagnosticLine(d)).EndObject();
    json.Key("properties")
        .BeginObject()
        .Field("customs-level", DiagnosticLevelName(d.level))
        .Field("source", d.source)
        .Field("subject", d.subject)
        .EndObject();
    json.EndObject();
  }
  if (any) json.EndArray();
  json.EndObject().EndArray();
  json.Key("originalUriBaseIds").BeginObject().Key("ROOTPATH").BeginObject().Field("uri", "file:///");
  json.EndObject().EndObject();
  json.EndObject().EndArray().EndObject();  // run, runs, document
  out.Write("\n");
}

void WriteJunit(const ScanReport& r, Output& out) {
  std::map<std::string, std::vector<const match::Finding*>> by_package;
  for (const auto& f : r.findings) by_package[f.package.name + " " + f.package.version].push_back(&f);
  const auto incomplete = IncompleteDiagnostics(r.diagnostics);
  // The counts come first in the XML: one pass to count, one to write.
  std::size_t failures = incomplete.size();
  auto failing_text = [&](const std::string& key) {
    std::string failing;
    auto it = by_package.find(key);
    if (it == by_package.end() || !r.fail_on) return failing;
    for (const auto* f : it->second) {
      if (f->severity >= *r.fail_on) {
        failing += fmt::format("{} {} (fixed: {}{})\n", f->id, vulndb::SeverityName(f->severity),
                               f->fixed_version.empty() ? "none" : f->fixed_version,
                               r.usage_evaluated ? fmt::format(", in use: {}", match::InUseName(f->in_use)) : "");
      }
    }
    return failing;
  };
  for (const auto& p : r.packages) {
    if (!failing_text(p.name + " " + p.version).empty()) ++failures;
  }
  int tests = static_cast<int>(r.packages.size() + incomplete.size());
  int audit_failures = 0;
  const std::string audit_cases = AuditJunitCases(r.audit_findings, r.target, r.fail_on, &tests, &audit_failures);
  out.Write(fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"customs\" tests=\"{}\" "
      "failures=\"{}\">\n",
      tests, failures + static_cast<std::size_t>(audit_failures)));
  // One failing test case per reason the scan is incomplete: a CI dashboard shows it next to the vulnerabilities.
  for (const Diagnostic* d : incomplete) {
    out.Write(fmt::format(
        "    <testcase classname=\"customs.incomplete\" name=\"{}\">\n      <failure message=\"incomplete scan: "
        "vulnerabilities may have been missed\" type=\"incomplete\">{}</failure>\n    </testcase>\n",
        XmlText(d->source + ": " + d->subject), XmlText(d->message)));
  }
  const std::string classname = XmlText(r.target);
  for (const auto& p : r.packages) {
    std::string key = p.name + " " + p.version;
    out.Write(fmt::format("    <testcase classname=\"{}\" name=\"{}\"", classname, XmlText(key)));
    std::string failing = failing_text(key);
    if (failing.empty()) {
      out.Write("/>\n");
    } else {
      out.Write(fmt::format(
          ">\n      <failure message=\"vulnerabilities at or above {}\" type=\"vulnerability\">{}</failure>\n    "
          "</testcase>\n",
          vulndb::SeverityName(*r.fail_on), XmlText(failing)));
    }
  }
  out.Write(audit_cases);
  out.Write("  </testsuite>\n</testsuites>\n");
}

std::string CycloneDxSeverity(Severity severity) {
  std::string s = vulndb::SeverityName(severity);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "negligible" ? std::string("info") : s;
}

void WriteCycloneDx(const ScanReport& r, const ScanWriteOptions& o, Output& out) {
  // One timestamp for the metadata and the audit annotations.
  SbomWriteOptions so{o.color, o.tool_version, TimestampOrNow(o.timestamp), o.uuid};
  // One vulnerability entry per id, affecting every package it was found in.
  std::map<std::string, std::vector<const match::Finding*>> by_id;
  std::vector<std::string> order;
  for (const auto& f : r.findings) {
    auto& list = by_id[f.id];
    if (list.empty()) order.push_back(f.id);
    list.push_back(&f);
  }
  JsonWriter json(out);
  WriteCycloneDxBom(
      {r.target, r.kind, r.manifest_digest, r.os, r.packages, r.diagnostics}, so, json, [&](JsonWriter& json) {
        json.Key("vulnerabilities").BeginArray();
        for (const auto& id : order) {
          const match::Finding& f = *by_id[id].front();
          json.BeginObject().Field("id", f.id);
          json.Key("source").BeginObject().Field("name", f.source).EndObject();
          json.Key("ratings").BeginArray().BeginObject().Field("severity", CycloneDxSeverity(f.severity));
          if (f.cvss) {
            json.Field("score", f.cvss->base_score).Field("vector", f.cvss->vector);
            json.Field("method", f.cvss->version.starts_with("4")     ? "CVSSv4"
                                 : f.cvss->version.starts_with("3.1") ? "CVSSv31"
                                 : f.cvss->version.starts_with("3")   ? "CVSSv3"
                                                                      : "CVSSv2");
          }
          json.EndObject().EndArray();
          if (!f.title.empty()) json.Field("description", f.title);
          if (!f.fixed_version.empty()) json.Field("recommendation", "Upgrade to " + f.fixed_version);
          if (!f.references.empty()) {
            json.Key("advisories").BeginArray();
            for (const auto& url : f.references) json.BeginObject().Field("url", url).EndObject();
            json.EndArray();
          }
          json.Key("affects").BeginArray();
          for (const match::Finding* each : by_id[id]) {
            json.BeginObject().Field("ref", each->package.purl).EndObject();
          }
          json.EndArray();
          if (r.usage_evaluated) {
            // One value per vulnerability: in use when any affected package is, unknown when any is unknown.
            match::InUse use = match::InUse::kFalse;
            for (const match::Finding* each : by_id[id]) {
              if (each->in_use == match::InUse::kTrue) use = match::InUse::kTrue;
              if (each->in_use == match::InUse::kUnknown && use == match::InUse::kFalse) use = match::InUse::kUnknown;
            }
            json.Key("properties").BeginArray();
            json.BeginObject().Field("name", "customs:in_use").Field("value", match::InUseName(use)).EndObject();
            json.EndArray();
          }
          json.EndObject();
        }
        json.EndArray();
        if (!r.audit_findings.empty()) {
          json.Key("annotations");
          WriteJsonValue(json, AuditCycloneDxAnnotations(r.audit_findings, "target", o.tool_version, so.timestamp));
        }
      });
  out.Write("\n");
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

void WriteScanReport(ScanFormat format, const ScanReport& report, const ScanWriteOptions& options, Output& out) {
  switch (format) {
    case ScanFormat::kTable: return WriteTable(report, options, out);
    case ScanFormat::kJson: return WriteJson(report, out);
    case ScanFormat::kSarif: return WriteSarif(report, options, out);
    case ScanFormat::kCycloneDx: return WriteCycloneDx(report, options, out);
    case ScanFormat::kJunit: return WriteJunit(report, out);
    case ScanFormat::kMarkdown: return WriteMarkdown(report, out);
  }
}

std::string WriteScanReport(ScanFormat format, const ScanReport& report, const ScanWriteOptions& options) {
  StringOutput out;
  WriteScanReport(format, report, options, out);
  return out.Take();
}

}  // namespace customs::report
