#include "report/sbom.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <random>

#include "core/utf8.h"
#include "report/common.h"

namespace customs::report {
namespace {

void WriteJson(const SbomDocument& doc, Output& out) {
  JsonWriter json(out);
  json.BeginObject().Field("schema", "customs.sbom/v1").Field("target", doc.target).Field("kind", doc.kind);
  if (!doc.manifest_digest.empty()) json.Field("manifest_digest", doc.manifest_digest);
  json.Key("os")
      .BeginObject()
      .Field("family", doc.os.family)
      .Field("version", doc.os.version)
      .Field("codename", doc.os.codename);
  if (!doc.os.variant.empty()) json.Field("variant", doc.os.variant);
  json.EndObject();
  json.Key("packages").BeginArray();
  for (const auto& p : doc.packages) {
    json.BeginObject()
        .Field("name", p.name)
        .Field("version", p.version)
        .Field("arch", p.arch)
        .Field("source_name", p.source_name)
        .Field("source_version", p.source_version)
        .Field("type", catalog::PackageTypeName(p.type))
        .Field("purl", p.purl);
    json.Key("layer")
        .BeginObject()
        .Field("digest", LayerDigest(p.layer))
        .Field("created_by", p.layer.created_by)
        .EndObject();
    if (!p.modularity_label.empty()) json.Field("modularity_label", p.modularity_label);
    WriteLanguagePackageFields(json, p);
    if (auto raw = EscapedInvalidFields(p); !raw.empty()) {
      json.Key("raw_escaped").BeginObject();
      for (const auto& [field, escaped] : raw) json.Field(field, escaped);
      json.EndObject();
    }
    json.EndObject();
  }
  json.EndArray();
  json.Key("diagnostics");
  WriteDiagnosticsJson(json, doc.diagnostics);
  json.EndObject();
  out.Write("\n");
}

void WriteCycloneDx(const SbomDocument& doc, const SbomWriteOptions& options, Output& out) {
  JsonWriter json(out);
  WriteCycloneDxBom({doc.target, doc.kind, doc.manifest_digest, doc.os, doc.packages, doc.diagnostics}, options, json);
  out.Write("\n");
}

// SPDX identifiers allow letters, digits, '.' and '-'.
std::string SpdxId(std::string_view text) {
  std::string out = "SPDXRef-";
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out.push_back(ok ? c : '-');
  }
  return out;
}

std::string SpdxPackageId(const catalog::Package& p, std::size_t i) {
  return SpdxId(fmt::format("Package-{}-{}-{}", catalog::PackageTypeName(p.type), p.name, i));
}

void WriteSpdx(const SbomDocument& doc, const SbomWriteOptions& options, Output& out) {
  const std::string created = TimestampOrNow(options.timestamp);
  const std::string creator = "Tool: customs-" + options.tool_version;
  JsonWriter json(out);
  json.BeginObject()
      .Field("spdxVersion", "SPDX-2.3")
      .Field("dataLicense", "CC0-1.0")
      .Field("SPDXID", "SPDXRef-DOCUMENT")
      .Field("name", doc.target)
      .Field("documentNamespace",
             "https://customs.invalid/spdx/" + (options.uuid.empty() ? RandomUuid() : options.uuid));
  json.Key("creationInfo").BeginObject().Field("created", created).Key("creators").BeginArray().String(creator);
  json.EndArray().EndObject();
  // SPDX 2.3 section 12 (annotations): an incomplete inventory says so in the document itself.
  if (auto incomplete = IncompleteDiagnostics(doc.diagnostics); !incomplete.empty()) {
    json.Key("annotations").BeginArray();
    for (const Diagnostic* d : incomplete) {
      json.BeginObject()
          .Field("annotationDate", created)
          .Field("annotationType", "OTHER")
          .Field("annotator", creator)
          .Field("comment", "customs:incomplete: " + DiagnosticLine(*d))
          .EndObject();
    }
    json.EndArray();
  }
  json.Key("packages").BeginArray();
  json.BeginObject()
      .Field("name", doc.target)
      .Field("SPDXID", "SPDXRef-Target")
      .Field("downloadLocation", "NOASSERTION")
      .Field("filesAnalyzed", false)
      .Field("primaryPackagePurpose", doc.kind == "rootfs" ? "FILE" : "CONTAINER");
  if (!doc.manifest_digest.empty()) json.Field("versionInfo", doc.manifest_digest);
  json.EndObject();
  if (doc.os.detected()) {
    json.BeginObject()
        .Field("name", doc.os.family)
        .Field("SPDXID", "SPDXRef-OperatingSystem")
        .Field("versionInfo", doc.os.version)
        .Field("downloadLocation", "NOASSERTION")
        .Field("filesAnalyzed", false)
        .Field("primaryPackagePurpose", "OPERATING-SYSTEM")
        .EndObject();
  }
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& p = doc.packages[i];
    json.BeginObject()
        .Field("name", p.name)
        .Field("SPDXID", SpdxPackageId(p, i))
        .Field("versionInfo", p.version)
        .Field("downloadLocation", "NOASSERTION")
        .Field("filesAnalyzed", false)
        .Field("primaryPackagePurpose", "LIBRARY");
    if (!p.source_name.empty()) {
      json.Field("sourceInfo", fmt::format("built package from: {} {}", p.source_name, p.source_version));
    }
    if (!p.purl.empty()) {
      json.Key("externalRefs").BeginArray().BeginObject();
      json.Field("referenceCategory", "PACKAGE-MANAGER")
          .Field("referenceType", "purl")
          .Field("referenceLocator", p.purl);
      json.EndObject().EndArray();
    }
    if (!p.layer.created_by.empty() || !p.layer.digest.empty()) {
      json.Field("comment", fmt::format("layer {} ({})", LayerDigest(p.layer), p.layer.created_by));
    }
    json.EndObject();
  }
  json.EndArray();
  auto relationship = [&](std::string_view from, std::string_view type, std::string_view to) {
    json.BeginObject()
        .Field("spdxElementId", from)
        .Field("relationshipType", type)
        .Field("relatedSpdxElement", to)
        .EndObject();
  };
  json.Key("relationships").BeginArray();
  relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Target");
  if (doc.os.detected()) relationship("SPDXRef-Target", "CONTAINS", "SPDXRef-OperatingSystem");
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    relationship("SPDXRef-Target", "CONTAINS", SpdxPackageId(doc.packages[i], i));
  }
  json.EndArray().EndObject();
  out.Write("\n");
}

void WriteTable(const SbomDocument& doc, const SbomWriteOptions& options, Output& out) {
  const char* bold = options.color ? "\033[1m" : "";
  const char* dim = options.color ? "\033[2m" : "";
  const char* reset = options.color ? "\033[0m" : "";
  std::size_t name_w = 4, version_w = 7, arch_w = 4, source_w = 6;
  for (const auto& p : doc.packages) {
    name_w = std::max(name_w, CellWidth(p.name, 40));
    version_w = std::max(version_w, CellWidth(p.version, 40));
    arch_w = std::max(arch_w, CellWidth(p.arch, 20));
    source_w = std::max(source_w, CellWidth(p.source_name, 30));
  }
  out.Write(fmt::format("{}{}{}  {}  {} packages\n\n", bold, LineText(doc.target), reset, LineText(OsName(doc.os)),
                        doc.packages.size()));
  out.Write(fmt::format("{}{}  {}  {}  {:<4}  {}  {}{}\n", bold, Cell("NAME", name_w), Cell("VERSION", version_w),
                        Cell("ARCH", arch_w), "TYPE", Cell("SOURCE", source_w), "LAYER", reset));
  for (const auto& p : doc.packages) {
    std::string layer = p.layer.index >= 0 ? fmt::format("{} {}", p.layer.index + 1, ClipText(p.layer.created_by, 50))
                                           : std::string("-");
    out.Write(fmt::format("{}  {}  {}  {:<4}  {}  {}{}{}\n", Cell(p.name, name_w), Cell(p.version, version_w),
                          Cell(p.arch, arch_w), catalog::PackageTypeName(p.type), Cell(p.source_name, source_w), dim,
                          layer, reset));
  }
  const auto incomplete = IncompleteDiagnostics(doc.diagnostics);
  if (const std::size_t others = doc.diagnostics.size() - incomplete.size(); others > 0) {
    out.Write(fmt::format("\n{}{} diagnostics{}\n", bold, others, reset));
    for (const auto& d : doc.diagnostics) {
      if (d.level == DiagnosticLevel::kIncomplete) continue;
      out.Write(fmt::format("  {}: {}\n", DiagnosticLevelName(d.level), LineText(DiagnosticLine(d))));
    }
  }
  if (!incomplete.empty()) {
    out.Write(fmt::format("\n{}Incomplete: the inventory may be missing packages{}\n", bold, reset));
    for (const Diagnostic* d : incomplete) out.Write(fmt::format("  {}\n", LineText(DiagnosticLine(*d))));
    out.Write(fmt::format("\n{}INCOMPLETE: {} reason{} above{}\n", bold, incomplete.size(),
                          incomplete.size() == 1 ? "" : "s", reset));
  }
}

}  // namespace

Result<SbomFormat> ParseSbomFormat(std::string_view name) {
  if (name == "table") return SbomFormat::kTable;
  if (name == "json") return SbomFormat::kJson;
  if (name == "cyclonedx" || name == "cyclonedx-json") return SbomFormat::kCycloneDx;
  if (name == "spdx" || name == "spdx-json") return SbomFormat::kSpdx;
  return MakeError(ErrorCode::kInvalidArgument, "unknown SBOM format '{}' (table, json, cyclonedx, spdx)", name);
}

void WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options, Output& out) {
  switch (format) {
    case SbomFormat::kTable: return WriteTable(document, options, out);
    case SbomFormat::kJson: return WriteJson(document, out);
    case SbomFormat::kCycloneDx: return WriteCycloneDx(document, options, out);
    case SbomFormat::kSpdx: return WriteSpdx(document, options, out);
  }
}

std::string WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options) {
  StringOutput out;
  WriteSbom(format, document, options, out);
  return out.Take();
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string RandomUuid() {
  std::random_device device;
  std::uniform_int_distribution<unsigned> byte(0, 255);
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(byte(device));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", b[0],
      b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

}  // namespace customs::report
