// Lossless JSON encodings of an Inventory and of a ScanReport, for storage: the server keeps inventories (keyed by
// manifest digest and analyzer version) and scan results (keyed by manifest digest and advisory snapshot) in
// PostgreSQL and renders reports from them later, in any format.
//
// These are storage encodings, not report formats: every field of every struct is written under its C++ member name,
// so a decode gives back exactly what was encoded. The field tables in codec.cpp name each member once; a test
// (codec_test.cpp) fills every member of every encoded struct through Boost.PFR and fails when a member is missing
// from its table, so a new field in catalog::Package or match::Finding cannot be dropped silently. A string that is
// not valid UTF-8 (image text is bytes) is written as {"hex": "<its bytes, lower-case hex>"}, so the encoded text is
// always valid UTF-8 (PostgreSQL stores nothing else) and the bytes come back unchanged.
//
// Compatibility: decoding ignores keys it does not know and leaves members that are absent at their defaults, so a
// document written before a field was added still decodes (the field keeps its default), and one written by a newer
// build decodes with the newer fields dropped.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "report/scan_report.h"
#include "scan/inventory.h"

namespace customs::scan {

inline constexpr std::string_view kInventoryCodec = "customs.inventory/v1";
inline constexpr std::string_view kReportCodec = "customs.scan-result/v1";

// {"codec":"customs.inventory/v1", ...every Inventory member...}.
std::string EncodeInventory(const Inventory& inventory);
// kCorrupt when `json` is not JSON, names another codec, or a member has the wrong type or an unknown enum name.
[[nodiscard]] Result<Inventory> DecodeInventory(std::string_view json);

struct ReportEncodeOptions {
  // Findings carry a copy of their package; its `files` list (every path a package owns) is what makes a stored result
  // large, and no report writer reads it from a finding. The inventory keeps it.
  bool drop_finding_files = true;
};
std::string EncodeReport(const report::ScanReport& report, const ReportEncodeOptions& options = {});
[[nodiscard]] Result<report::ScanReport> DecodeReport(std::string_view json);

}  // namespace customs::scan
