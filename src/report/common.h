// Pieces every report writer shares, so the SBOM and the scan reports describe layers, OSes and diagnostics alike.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_tree.h"

namespace customs::report {

// The uncompressed layer digest (diff_id) when known: unlike the blob digest it is the same whether the image is a
// docker-archive, an OCI layout or in a registry, so the same image always gives the same document.
std::string LayerDigest(const LayerInfo& layer);

// "debian 12 (bookworm)", "debian 12 (bookworm) [distroless]", "unknown OS".
std::string OsName(const catalog::OsInfo& os);

// A language package's own fields, added to `out` (nothing for OS packages): location, evidence, confidence, and when
// set owner, group_unknown, unmatchable and unmatchable_reason. The JSON scan report and the JSON SBOM use it.
void LanguagePackageFields(const catalog::Package& package, nlohmann::ordered_json& out);

// The same as CycloneDX properties ("customs:package:location", ...), so `customs sbom-scan` reads them back.
void LanguagePackageProperties(const catalog::Package& package, nlohmann::ordered_json& properties);

// [{"level","source","subject","message"}, ...]
nlohmann::ordered_json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace customs::report
