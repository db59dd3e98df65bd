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

// [{"level","source","subject","message"}, ...]
nlohmann::ordered_json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace customs::report
