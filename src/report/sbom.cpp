#include "report/sbom.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "report/common.h"

namespace customs::report {
namespace {

using nlohmann::ordered_json;

std::string WriteJson(const SbomDocument& doc) {
  ordered_json out;
  out["schema"] = "customs.sbom/v1";
  out["target"] = doc.target;
  out["kind"] = doc.kind;
  if (!doc.manifest_digest.empty()) out["manifest_digest"] = doc.manifest_digest;
  out["os"] = {{"family", doc.os.family}, {"version", doc.os.version}, {"codename", doc.os.codename}};
  if (!doc.os.variant.empty()) out["os"]["variant"] = doc.os.variant;
  ordered_json packages = ordered_json::array();
  for (const auto& p : doc.packages) {
    ordered_json item = {{"name", p.name},
                         {"version", p.version},
                         {"arch", p.arch},
                         {"source_name", p.source_name},
                         {"source_version", p.source_version},
                         {"type", catalog::PackageTypeName(p.type)},
                         {"purl", p.purl},
                         {"layer", {{"digest", LayerDigest(p.layer)}, {"created_by", p.layer.created_by}}}};
    if (!p.modularity_label.empty()) item["modularity_label"] = p.modularity_label;
    LanguagePackageFields(p, item);
    packages.push_back(std::move(item));
  }
  out["packages"] = std::move(packages);
  out["diagnostics"] = DiagnosticsJson(doc.diagnostics);
  return out.dump(2) + "\n";
}

std::string WriteCycloneDx(const SbomDocument& doc, const SbomWriteOptions& options) {
  ordered_json out;
  out["bomFormat"] = "CycloneDX";
  out["specVersion"] = "1.5";
  out["serialNumber"] = "urn:uuid:" + (options.uuid.empty() ? RandomUuid() : options.uuid);
  out["version"] = 1;
  ordered_json subject = {
      {"type", doc.kind == "rootfs" ? "file" : "container"}, {"bom-ref", "target"}, {"name", doc.target}};
  if (!doc.manifest_digest.empty()) subject["version"] = doc.manifest_digest;
  out["metadata"] = {
      {"timestamp", options.timestamp.empty() ? NowRfc3339() : options.timestamp},
      {"tools",
       {{"components",
         ordered_json::array({{{"type", "application"}, {"name", "customs"}, {"version", options.tool_version}}})}}},
      {"component", subject}};
  ordered_json components = ordered_json::array();
  ordered_json depends = ordered_json::array();
  if (doc.os.detected()) {
    components.push_back({{"type", "operating-system"},
                          {"bom-ref", "os"},
                          {"name", doc.os.family},
                          {"version", doc.os.version},
                          {"description", doc.os.pretty_name}});
    depends.push_back("os");
  }
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& p = doc.packages[i];
    std::string ref = p.purl.empty() ? fmt::format("package-{}", i) : p.purl;
    ordered_json properties = ordered_json::array();
    auto property = [&](const char* name, const std::string& value) {
      if (!value.empty()) properties.push_back({{"name", name}, {"value", value}});
    };
    property("customs:package:type", catalog::PackageTypeName(p.type));
    property("customs:package:arch", p.arch);
    property("customs:package:source_name", p.source_name);
    property("customs:package:source_version", p.source_version);
    property("customs:package:modularity_label", p.modularity_label);
    property("customs:layer:diff_id", LayerDigest(p.layer));
    property("customs:layer:created_by", p.layer.created_by);
    LanguagePackageProperties(p, properties);
    ordered_json component = {{"type", "library"}, {"bom-ref", ref}, {"name", p.name}, {"version", p.version}};
    if (!p.purl.empty()) component["purl"] = p.purl;
    component["properties"] = std::move(properties);
    components.push_back(std::move(component));
    depends.push_back(ref);
  }
  out["components"] = std::move(components);
  out["dependencies"] = ordered_json::array({{{"ref", "target"}, {"dependsOn", depends}}});
  return out.dump(2) + "\n";
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

std::string WriteSpdx(const SbomDocument& doc, const SbomWriteOptions& options) {
  ordered_json out;
  out["spdxVersion"] = "SPDX-2.3";
  out["dataLicense"] = "CC0-1.0";
  out["SPDXID"] = "SPDXRef-DOCUMENT";
  out["name"] = doc.target;
  out["documentNamespace"] = "https://customs.invalid/spdx/" + (options.uuid.empty() ? RandomUuid() : options.uuid);
  out["creationInfo"] = {{"created", options.timestamp.empty() ? NowRfc3339() : options.timestamp},
                         {"creators", ordered_json::array({"Tool: customs-" + options.tool_version})}};
  ordered_json packages = ordered_json::array();
  ordered_json relationships = ordered_json::array();
  ordered_json image = {{"name", doc.target},
                        {"SPDXID", "SPDXRef-Target"},
                        {"downloadLocation", "NOASSERTION"},
                        {"filesAnalyzed", false},
                        {"primaryPackagePurpose", doc.kind == "rootfs" ? "FILE" : "CONTAINER"}};
  if (!doc.manifest_digest.empty()) image["versionInfo"] = doc.manifest_digest;
  packages.push_back(std::move(image));
  relationships.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"},
                           {"relationshipType", "DESCRIBES"},
                           {"relatedSpdxElement", "SPDXRef-Target"}});
  if (doc.os.detected()) {
    packages.push_back({{"name", doc.os.family},
                        {"SPDXID", "SPDXRef-OperatingSystem"},
                        {"versionInfo", doc.os.version},
                        {"downloadLocation", "NOASSERTION"},
                        {"filesAnalyzed", false},
                        {"primaryPackagePurpose", "OPERATING-SYSTEM"}});
    relationships.push_back({{"spdxElementId", "SPDXRef-Target"},
                             {"relationshipType", "CONTAINS"},
                             {"relatedSpdxElement", "SPDXRef-OperatingSystem"}});
  }
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& p = doc.packages[i];
    std::string id = SpdxId(fmt::format("Package-{}-{}-{}", catalog::PackageTypeName(p.type), p.name, i));
    ordered_json item = {{"name", p.name},           {"SPDXID", id},
                         {"versionInfo", p.version}, {"downloadLocation", "NOASSERTION"},
                         {"filesAnalyzed", false},   {"primaryPackagePurpose", "LIBRARY"}};
    if (!p.source_name.empty()) {
      item["sourceInfo"] = fmt::format("built package from: {} {}", p.source_name, p.source_version);
    }
    if (!p.purl.empty()) {
      item["externalRefs"] = ordered_json::array(
          {{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", p.purl}}});
    }
    if (!p.layer.created_by.empty() || !p.layer.digest.empty()) {
      item["comment"] = fmt::format("layer {} ({})", LayerDigest(p.layer), p.layer.created_by);
    }
    packages.push_back(std::move(item));
    relationships.push_back(
        {{"spdxElementId", "SPDXRef-Target"}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", id}});
  }
  out["packages"] = std::move(packages);
  out["relationships"] = std::move(relationships);
  return out.dump(2) + "\n";
}

std::string Truncate(std::string_view text, std::size_t width) {
  if (text.size() <= width) return std::string(text);
  return std::string(text.substr(0, width - 3)) + "...";
}

std::string WriteTable(const SbomDocument& doc, const SbomWriteOptions& options) {
  const char* bold = options.color ? "\033[1m" : "";
  const char* dim = options.color ? "\033[2m" : "";
  const char* reset = options.color ? "\033[0m" : "";
  std::size_t name_w = 4, version_w = 7, arch_w = 4, source_w = 6;
  for (const auto& p : doc.packages) {
    name_w = std::max(name_w, p.name.size());
    version_w = std::max(version_w, p.version.size());
    arch_w = std::max(arch_w, p.arch.size());
    source_w = std::max(source_w, p.source_name.size());
  }
  name_w = std::min<std::size_t>(name_w, 40);
  version_w = std::min<std::size_t>(version_w, 40);
  source_w = std::min<std::size_t>(source_w, 30);
  std::string out =
      fmt::format("{}{}{}  {}  {} packages\n\n", bold, doc.target, reset, OsName(doc.os), doc.packages.size());
  out += fmt::format("{}{:<{}}  {:<{}}  {:<{}}  {:<4}  {:<{}}  {}{}\n", bold, "NAME", name_w, "VERSION", version_w,
                     "ARCH", arch_w, "TYPE", "SOURCE", source_w, "LAYER", reset);
  for (const auto& p : doc.packages) {
    std::string layer = p.layer.index >= 0 ? fmt::format("{} {}", p.layer.index + 1, Truncate(p.layer.created_by, 50))
                                           : std::string("-");
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<4}  {:<{}}  {}{}{}\n", Truncate(p.name, name_w), name_w,
                       Truncate(p.version, version_w), version_w, p.arch, arch_w, catalog::PackageTypeName(p.type),
                       Truncate(p.source_name, source_w), source_w, dim, layer, reset);
  }
  if (!doc.diagnostics.empty()) {
    out += fmt::format("\n{}{} diagnostics{}\n", bold, doc.diagnostics.size(), reset);
    for (const auto& d : doc.diagnostics) {
      out += fmt::format("  {}: {}: {}: {}\n", DiagnosticLevelName(d.level), d.source, d.subject, d.message);
    }
  }
  return out;
}

}  // namespace

Result<SbomFormat> ParseSbomFormat(std::string_view name) {
  if (name == "table") return SbomFormat::kTable;
  if (name == "json") return SbomFormat::kJson;
  if (name == "cyclonedx" || name == "cyclonedx-json") return SbomFormat::kCycloneDx;
  if (name == "spdx" || name == "spdx-json") return SbomFormat::kSpdx;
  return MakeError(ErrorCode::kInvalidArgument, "unknown SBOM format '{}' (table, json, cyclonedx, spdx)", name);
}

std::string WriteSbom(SbomFormat format, const SbomDocument& document, const SbomWriteOptions& options) {
  switch (format) {
    case SbomFormat::kTable: return WriteTable(document, options);
    case SbomFormat::kJson: return WriteJson(document);
    case SbomFormat::kCycloneDx: return WriteCycloneDx(document, options);
    case SbomFormat::kSpdx: return WriteSpdx(document, options);
  }
  return {};
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
