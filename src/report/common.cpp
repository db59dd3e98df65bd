#include "report/common.h"

#include <fmt/format.h>

#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/utf8.h"

namespace customs::report {

std::string LayerDigest(const LayerInfo& layer) {
  return layer.diff_id.empty() ? layer.digest : layer.diff_id;
}

std::string OsName(const catalog::OsInfo& os) {
  if (!os.detected()) return "unknown OS";
  std::string out = os.family;
  if (!os.version.empty()) out += " " + os.version;
  if (!os.codename.empty()) out += " (" + os.codename + ")";
  if (!os.variant.empty()) out += " [" + os.variant + "]";
  return out;
}

void WriteJsonValue(JsonWriter& json, const nlohmann::ordered_json& value) {
  using Type = nlohmann::ordered_json::value_t;
  switch (value.type()) {
    case Type::object:
      json.BeginObject();
      for (const auto& [key, item] : value.items()) {
        json.Key(key);
        WriteJsonValue(json, item);
      }
      json.EndObject();
      break;
    case Type::array:
      json.BeginArray();
      for (const auto& item : value) WriteJsonValue(json, item);
      json.EndArray();
      break;
    case Type::string: json.String(value.get_ref<const std::string&>()); break;
    case Type::boolean: json.Bool(value.get<bool>()); break;
    case Type::number_integer: json.Int(value.get<std::int64_t>()); break;
    case Type::number_unsigned: json.Uint(value.get<std::uint64_t>()); break;
    case Type::number_float: json.Double(value.get<double>()); break;
    default: json.Null();
  }
}

void WriteLanguagePackageFields(JsonWriter& json, const catalog::Package& p) {
  if (catalog::IsOsPackage(p.type)) {
    return;
  }
  // Language packages: where and how they were found, and who owns them.
  json.Field("location", p.location)
      .Field("evidence", p.evidence)
      .Field("confidence", catalog::ConfidenceName(p.confidence));
  if (!p.owner.empty()) {
    json.Field("owner", p.owner);
  }
  if (p.group_unknown) {
    json.Field("group_unknown", true);
  }
  if (p.unmatchable) {
    json.Field("unmatchable", true).Field("unmatchable_reason", p.unmatchable_reason);
  }
}

void ForEachLanguagePackageProperty(const catalog::Package& p,
                                    const std::function<void(std::string_view, const std::string&)>& property) {
  if (catalog::IsOsPackage(p.type)) {
    return;
  }
  property("customs:package:location", p.location);
  property("customs:package:evidence", p.evidence);
  property("customs:package:confidence", catalog::ConfidenceName(p.confidence));
  property("customs:package:owner", p.owner);
  if (p.group_unknown) {
    property("customs:package:group_unknown", "true");
  }
  if (p.unmatchable) {
    property("customs:package:unmatchable", p.unmatchable_reason.empty() ? "unmatchable" : p.unmatchable_reason);
  }
}

void WriteDiagnosticsJson(JsonWriter& json, const std::vector<Diagnostic>& diagnostics) {
  json.BeginArray();
  for (const auto& d : diagnostics) {
    json.BeginObject()
        .Field("level", DiagnosticLevelName(d.level))
        .Field("source", d.source)
        .Field("subject", d.subject)
        .Field("message", d.message)
        .EndObject();
  }
  json.EndArray();
}

std::vector<const Diagnostic*> IncompleteDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::vector<const Diagnostic*> out;
  for (const auto& d : diagnostics) {
    if (d.level == DiagnosticLevel::kIncomplete) out.push_back(&d);
  }
  return out;
}

std::string DiagnosticLine(const Diagnostic& diagnostic) {
  return fmt::format("{}: {}: {}", diagnostic.source, diagnostic.subject, diagnostic.message);
}

std::vector<std::pair<const char*, std::string>> EscapedInvalidFields(const catalog::Package& package) {
  std::vector<std::pair<const char*, std::string>> out;
  const std::pair<const char*, const std::string*> fields[] = {
      {"name", &package.name},
      {"version", &package.version},
      {"arch", &package.arch},
      {"source_name", &package.source_name},
      {"source_version", &package.source_version},
      {"modularity_label", &package.modularity_label},
  };
  for (const auto& [name, value] : fields) {
    if (!IsValidUtf8(*value)) out.emplace_back(name, EscapeInvalidUtf8(*value));
  }
  return out;
}

std::string TimestampOrNow(const std::string& timestamp) {
  return timestamp.empty() ? NowRfc3339() : timestamp;
}

void WriteCycloneDxBom(const InventoryView& view, const SbomWriteOptions& options, JsonWriter& json,
                       const std::function<void(JsonWriter&)>& more) {
  json.BeginObject()
      .Field("bomFormat", "CycloneDX")
      .Field("specVersion", "1.5")
      .Field("serialNumber", "urn:uuid:" + (options.uuid.empty() ? RandomUuid() : options.uuid))
      .Field("version", 1);
  json.Key("metadata").BeginObject().Field("timestamp", TimestampOrNow(options.timestamp));
  json.Key("tools").BeginObject().Key("components").BeginArray();
  json.BeginObject()
      .Field("type", "application")
      .Field("name", "customs")
      .Field("version", options.tool_version)
      .EndObject();
  json.EndArray().EndObject();
  json.Key("component")
      .BeginObject()
      .Field("type", view.kind == "rootfs" ? "file" : "container")
      .Field("bom-ref", "target")
      .Field("name", view.target);
  if (!view.manifest_digest.empty()) json.Field("version", view.manifest_digest);
  json.EndObject();
  // CycloneDX 1.5 metadata.properties: an incomplete inventory says so in the document itself, so that a scan of
  // this SBOM (`customs sbom-scan`) is incomplete too.
  if (auto incomplete = IncompleteDiagnostics(view.diagnostics); !incomplete.empty()) {
    json.Key("properties").BeginArray();
    for (const Diagnostic* d : incomplete) {
      json.BeginObject().Field("name", "customs:incomplete").Field("value", DiagnosticLine(*d)).EndObject();
    }
    json.EndArray();
  }
  json.EndObject();  // metadata

  // Every bom-ref must be unique. Packages come sorted, so two OS packages with the same purl (one package listed by
  // two databases) are neighbours. Language packages are few and may share a purl without being neighbours (a jar
  // without a groupId that the advisories resolved, next to the same jar with its pom): those are looked up.
  std::vector<bool> repeated(view.packages.size());
  std::unordered_set<std::string_view> language_purls;
  for (std::size_t i = 0; i < view.packages.size(); ++i) {
    const auto& p = view.packages[i];
    if (p.purl.empty()) {
      continue;
    }
    repeated[i] = catalog::IsOsPackage(p.type) ? i > 0 && view.packages[i - 1].purl == p.purl
                                               : !language_purls.insert(p.purl).second;
  }
  auto ref_of = [&](std::size_t i) {
    const auto& p = view.packages[i];
    if (p.purl.empty()) {
      return fmt::format("package-{}", i);
    }
    return repeated[i] ? fmt::format("{}#{}", p.purl, i) : p.purl;
  };
  json.Key("components").BeginArray();
  if (view.os.detected()) {
    json.BeginObject()
        .Field("type", "operating-system")
        .Field("bom-ref", "os")
        .Field("name", view.os.family)
        .Field("version", view.os.version)
        .Field("description", view.os.pretty_name)
        .EndObject();
  }
  for (std::size_t i = 0; i < view.packages.size(); ++i) {
    const auto& p = view.packages[i];
    json.BeginObject()
        .Field("type", "library")
        .Field("bom-ref", ref_of(i))
        .Field("name", p.name)
        .Field("version", p.version);
    if (!p.purl.empty()) json.Field("purl", p.purl);
    json.Key("properties").BeginArray();
    auto property = [&](std::string_view name, const std::string& value) {
      if (!value.empty()) json.BeginObject().Field("name", name).Field("value", value).EndObject();
    };
    property("customs:package:type", catalog::PackageTypeName(p.type));
    property("customs:package:arch", p.arch);
    property("customs:package:source_name", p.source_name);
    property("customs:package:source_version", p.source_version);
    property("customs:package:modularity_label", p.modularity_label);
    property("customs:layer:diff_id", LayerDigest(p.layer));
    property("customs:layer:created_by", p.layer.created_by);
    ForEachLanguagePackageProperty(p, property);
    for (const auto& [field, escaped] : EscapedInvalidFields(p))
      property(fmt::format("customs:raw:{}", field), escaped);
    json.EndArray().EndObject();
  }
  json.EndArray();
  json.Key("dependencies").BeginArray().BeginObject().Field("ref", "target").Key("dependsOn").BeginArray();
  if (view.os.detected()) json.String("os");
  for (std::size_t i = 0; i < view.packages.size(); ++i) json.String(ref_of(i));
  json.EndArray().EndObject().EndArray();
  if (more) more(json);
  json.EndObject();
}

std::string Cell(std::string_view text, std::size_t width) {
  std::string out = ClipText(text, width, TextContext::kLine);
  std::size_t used = CodePointCount(out);
  if (used < width) out.append(width - used, ' ');
  return out;
}

std::size_t CellWidth(std::string_view text, std::size_t limit) {
  std::size_t width = IsClean(text, TextContext::kLine) ? CodePointCount(text) : CodePointCount(LineText(text));
  return std::min(width, limit);
}

std::string LineText(std::string_view text) {
  return Sanitized(text, TextContext::kLine);
}

std::string MarkdownText(std::string_view text) {
  std::string clean = Sanitized(text, TextContext::kLine);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '|':
      case '\\':
      case '`':
      case '[':
      case ']':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string MarkdownCode(std::string_view text) {
  std::string out;
  for (char c : ClipText(text, 80)) {
    if (c == '`') {
      out += '\'';
    } else if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

std::string XmlText(std::string_view text) {
  std::string clean = Sanitized(text, TextContext::kXml);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace customs::report
