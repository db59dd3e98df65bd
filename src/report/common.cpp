#include "report/common.h"

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

void LanguagePackageFields(const catalog::Package& p, nlohmann::ordered_json& out) {
  if (catalog::IsOsPackage(p.type)) {
    return;
  }
  out["location"] = p.location;
  out["evidence"] = p.evidence;
  out["confidence"] = catalog::ConfidenceName(p.confidence);
  if (!p.owner.empty()) {
    out["owner"] = p.owner;
  }
  if (p.group_unknown) {
    out["group_unknown"] = true;
  }
  if (p.unmatchable) {
    out["unmatchable"] = true;
    out["unmatchable_reason"] = p.unmatchable_reason;
  }
}

void LanguagePackageProperties(const catalog::Package& p, nlohmann::ordered_json& properties) {
  if (catalog::IsOsPackage(p.type)) {
    return;
  }
  auto property = [&](const char* name, const std::string& value) {
    if (!value.empty()) {
      properties.push_back({{"name", name}, {"value", value}});
    }
  };
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

nlohmann::ordered_json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"level", DiagnosticLevelName(d.level)},
                   {"source", d.source},
                   {"subject", d.subject},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace customs::report
