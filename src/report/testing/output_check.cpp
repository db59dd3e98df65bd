#include "report/testing/output_check.h"

#include <expat.h>
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace customs::report::testing {

std::string JsonProblem(std::string_view text) {
  try {
    nlohmann::json doc = nlohmann::json::parse(text);
    (void)doc;
  } catch (const nlohmann::json::exception& e) {
    return e.what();
  }
  return {};
}

std::string XmlProblem(std::string_view text) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"), XML_ParserFree);
  if (!parser) return "expat: cannot create a parser";
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), /*isFinal=*/1) != XML_STATUS_OK) {
    return fmt::format("line {}: {}", XML_GetCurrentLineNumber(parser.get()),
                       XML_ErrorString(XML_GetErrorCode(parser.get())));
  }
  return {};
}

std::string TextProblem(std::string_view text) {
  if (!IsValidUtf8(text)) return "not valid UTF-8";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return fmt::format("control character 0x{:02x} at byte {}", c, i);
    // C1 controls, UTF-8 encoded: C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      return fmt::format("C1 control at byte {}", i);
    }
  }
  return {};
}

ScanReport ReportFromStrings(const std::vector<std::string>& strings, std::size_t packages) {
  std::size_t next = 0;
  auto take = [&]() -> std::string { return strings.empty() ? std::string() : strings[next++ % strings.size()]; };
  ScanReport r;
  r.target = take();
  r.kind = next % 2 == 0 ? "rootfs" : "docker-archive";
  r.manifest_digest = take();
  r.os.family = take();
  r.os.version = take();
  r.os.codename = take();
  r.os.pretty_name = take();
  r.os.variant = take();
  const vulndb::Severity severities[] = {vulndb::Severity::kCritical,   vulndb::Severity::kHigh,
                                         vulndb::Severity::kMedium,     vulndb::Severity::kLow,
                                         vulndb::Severity::kNegligible, vulndb::Severity::kUnknown};
  for (std::size_t i = 0; i < packages; ++i) {
    catalog::Package p;
    p.type = i % 3 == 0   ? catalog::PackageType::kDeb
             : i % 3 == 1 ? catalog::PackageType::kApk
                          : catalog::PackageType::kRpm;
    p.name = take();
    p.version = take();
    p.arch = take();
    p.source_name = take();
    p.source_version = take();
    p.modularity_label = take();
    p.purl = take();
    p.layer.index = static_cast<int>(i) - 1;
    p.layer.digest = take();
    p.layer.diff_id = take();
    p.layer.created_by = take();
    match::Finding f;
    f.id = take();
    f.aliases = {take(), take()};
    f.severity = severities[i % 6];
    f.severity_source = take();
    f.status = i % 2 == 0 ? match::FindingStatus::kFixed : match::FindingStatus::kAffected;
    f.package = p;
    f.fixed_version = take();
    if (i % 2 == 0) f.cvss = vulndb::Cvss{take(), i % 4 == 0 ? "3.1" : "4.0", take(), 7.5};
    if (i % 3 == 0) f.kev = vulndb::Kev{take(), take(), true};
    if (i % 2 == 1) f.epss = vulndb::Epss{0.99506, 0.5};
    f.title = take();
    f.references = {take()};
    f.source = take();
    f.record_id = take();
    r.packages.push_back(p);
    if (i % 4 == 3) {
      r.suppressed.push_back({f, take(), take()});
    } else {
      r.findings.push_back(f);
    }
  }
  for (DiagnosticLevel level :
       {DiagnosticLevel::kInfo, DiagnosticLevel::kWarning, DiagnosticLevel::kIncomplete, DiagnosticLevel::kError}) {
    r.diagnostics.push_back({level, take(), take(), take()});
  }
  r.fail_on = vulndb::Severity::kMedium;
  return r;
}

SbomDocument SbomFromReport(const ScanReport& report) {
  return {report.target, report.kind, report.manifest_digest, report.os, report.packages, report.diagnostics};
}

std::string CheckEveryFormat(const ScanReport& report) {
  const SbomDocument sbom = SbomFromReport(report);
  for (bool color : {false, true}) {
    ScanWriteOptions scan_options;
    scan_options.color = color;
    scan_options.timestamp = "2026-11-28T00:00:00Z";
    scan_options.uuid = "00000000-0000-4000-8000-000000000000";
    SbomWriteOptions sbom_options{color, "0.1.0", scan_options.timestamp, scan_options.uuid};
    const std::pair<const char*, ScanFormat> scan_formats[] = {
        {"scan table", ScanFormat::kTable}, {"scan json", ScanFormat::kJson},
        {"scan sarif", ScanFormat::kSarif}, {"scan cyclonedx", ScanFormat::kCycloneDx},
        {"scan junit", ScanFormat::kJunit}, {"scan markdown", ScanFormat::kMarkdown}};
    for (const auto& [name, format] : scan_formats) {
      const std::string text = WriteScanReport(format, report, scan_options);
      std::string problem;
      switch (format) {
        case ScanFormat::kJunit: problem = XmlProblem(text); break;
        case ScanFormat::kTable:
        case ScanFormat::kMarkdown: problem = color ? (IsValidUtf8(text) ? "" : "not UTF-8") : TextProblem(text); break;
        default: problem = JsonProblem(text);
      }
      if (!problem.empty()) return fmt::format("{}{}: {}", name, color ? " (colour)" : "", problem);
    }
    const std::pair<const char*, SbomFormat> sbom_formats[] = {{"sbom table", SbomFormat::kTable},
                                                               {"sbom json", SbomFormat::kJson},
                                                               {"sbom cyclonedx", SbomFormat::kCycloneDx},
                                                               {"sbom spdx", SbomFormat::kSpdx}};
    for (const auto& [name, format] : sbom_formats) {
      const std::string text = WriteSbom(format, sbom, sbom_options);
      std::string problem = format == SbomFormat::kTable
                                ? (color ? (IsValidUtf8(text) ? "" : "not UTF-8") : TextProblem(text))
                                : JsonProblem(text);
      if (!problem.empty()) return fmt::format("{}{}: {}", name, color ? " (colour)" : "", problem);
    }
  }
  return {};
}

}  // namespace customs::report::testing
