// Independent checks of what the report writers produce, for tests and fuzz targets: each document is read back by a
// parser that is not ours (nlohmann's strict JSON parser, expat for XML), so a writer bug cannot hide behind a check
// written the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/sbom.h"
#include "report/scan_report.h"

namespace customs::report::testing {

// A scan report whose every string (target, OS fields, package fields, layer history, finding fields, suppression
// reasons, diagnostics) is taken in turn from `strings` (cycling; at least one), with `packages` packages, a finding
// on each, and one diagnostic of each level. What an image and a feed could put in front of every writer.
ScanReport ReportFromStrings(const std::vector<std::string>& strings, std::size_t packages = 3);
// The same inventory as an SBOM document.
SbomDocument SbomFromReport(const ScanReport& report);

// Writes `report` in every scan format and `SbomFromReport(report)` in every SBOM format, with and without colour,
// and checks each with the functions below. Returns "" or the first problem, naming the format.
std::string CheckEveryFormat(const ScanReport& report);

// "" when `text` is one JSON document that nlohmann's strict parser accepts (which includes valid UTF-8).
std::string JsonProblem(std::string_view text);

// "" when `text` is a well-formed XML 1.0 document according to expat.
std::string XmlProblem(std::string_view text);

// "" when `text` is valid UTF-8 whose only control character is LF: what a table or markdown report without colour
// may send to a terminal.
std::string TextProblem(std::string_view text);

}  // namespace customs::report::testing
