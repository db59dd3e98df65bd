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
