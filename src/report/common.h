// Pieces every report writer shares, so the SBOM and the scan reports describe layers, OSes, packages and diagnostics
// alike, and so that every string from an image is made safe for its format in one place (core/utf8.h).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_tree.h"
#include "core/json_writer.h"
#include "report/sbom.h"

namespace customs::report {

// The uncompressed layer digest (diff_id) when known: unlike the blob digest it is the same whether the image is a
// docker-archive, an OCI layout or in a registry, so the same image always gives the same document.
std::string LayerDigest(const LayerInfo& layer);

// "debian 12 (bookworm)", "debian 12 (bookworm) [distroless]", "unknown OS".
std::string OsName(const catalog::OsInfo& os);

// `timestamp`, or the current time (RFC 3339 UTC) when it is empty.
std::string TimestampOrNow(const std::string& timestamp);

// Writes a (small) nlohmann document through `json`, so its strings are sanitised like every other.
void WriteJsonValue(JsonWriter& json, const nlohmann::ordered_json& value);

// A language package's own members, written into the open object (nothing for OS packages): location, evidence,
// confidence, and when set owner, group_unknown, unmatchable and unmatchable_reason. The JSON scan report and the JSON
// SBOM use it.
void WriteLanguagePackageFields(JsonWriter& json, const catalog::Package& package);

// The same as CycloneDX properties ("customs:package:location", ...) for `property(name, value)`, which skips empty
// values, so `customs sbom-scan` reads them back.
void ForEachLanguagePackageProperty(const catalog::Package& package,
                                    const std::function<void(std::string_view, const std::string&)>& property);

// [{"level","source","subject","message"}, ...]
void WriteDiagnosticsJson(JsonWriter& json, const std::vector<Diagnostic>& diagnostics);

// The diagnostics of level kIncomplete, in order.
std::vector<const Diagnostic*> IncompleteDiagnostics(const std::vector<Diagnostic>& diagnostics);
// "source: subject: message".
std::string DiagnosticLine(const Diagnostic& diagnostic);

// The package fields that are not valid UTF-8 ({"name", "ba\\xFFsh"}), with their bytes escaped
// (EscapeInvalidUtf8): the writers print the U+FFFD form as the value and these next to it, so nothing is lost.
std::vector<std::pair<const char*, std::string>> EscapedInvalidFields(const catalog::Package& package);

// The parts of an inventory that the SBOM writers read, borrowed: the scan report's CycloneDX writes the same
// components as the SBOM without copying its packages.
struct InventoryView {
  const std::string& target;
  const std::string& kind;
  const std::string& manifest_digest;
  const catalog::OsInfo& os;
  const std::vector<catalog::Package>& packages;
  const std::vector<Diagnostic>& diagnostics;
};

// The CycloneDX 1.5 BOM of the inventory. `more`, when set, writes further top-level members (the scan report's
// "vulnerabilities") before the document ends.
void WriteCycloneDxBom(const InventoryView& view, const SbomWriteOptions& options, JsonWriter& json,
                       const std::function<void(JsonWriter&)>& more = {});

// Text for a terminal table cell: sanitised for a line (core/utf8.h), clipped to `width` code points, padded to it.
std::string Cell(std::string_view text, std::size_t width);
// The width a column needs for `text`, at most `limit`.
std::size_t CellWidth(std::string_view text, std::size_t limit);
// Text for one line of a terminal report, sanitised (no control characters from an image), not clipped.
std::string LineText(std::string_view text);
// Text for a markdown table cell or list item: sanitised for a line, with what could break the table or inject
// markup escaped: | \ ` [ ] (cells, code spans, links) and < > & (HTML). Emphasis characters stay: "AKIA*****" is
// a masked secret, not markup worth escaping.
std::string MarkdownText(std::string_view text);
// Text for XML character data or an attribute value: sanitised for XML, with & < > " ' escaped.
std::string XmlText(std::string_view text);
// Text inside a markdown code span in a table: sanitised for a line, clipped to 80 code points, with no backtick
// (that would end the span) and no bare pipe (that would end the cell).
std::string MarkdownCode(std::string_view text);

}  // namespace customs::report
