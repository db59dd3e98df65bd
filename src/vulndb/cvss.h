// CVSS base scores computed from vector strings: v2.0, v3.0, v3.1 and v4.0.
// Specs: FIRST CVSS v2 Complete Guide s3.2.1; CVSS v3.0/v3.1 Specification s7.1 and Appendix A (Roundup);
// CVSS v4.0 Specification s8 (MacroVectors and interpolation) with the lookup table FIRST publishes beside it.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "vulndb/advisory.h"

namespace customs::vulndb {

// "2.0", "3.0", "3.1" or "4.0" from the vector's prefix ("CVSS:3.1/..."); a v2 vector has no prefix
// ("AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally wrapped in parentheses). kInvalidArgument when unrecognised.
[[nodiscard]] Result<std::string> CvssVersionOf(std::string_view vector);

// The base score (0.0-10.0, one decimal) for a vector of any supported version. Temporal/threat and environmental
// metrics present in the vector are honoured only where the version's base formula uses them (v4.0: E, CR/IR/AR and
// the modified metrics feed the macrovector, as the spec defines). kInvalidArgument for malformed vectors, unknown or
// duplicate metrics, or missing mandatory base metrics.
[[nodiscard]] Result<double> CvssBaseScore(std::string_view vector);

// The qualitative rating for a score: v3/v4 bands (0 none->kNegligible, 0.1-3.9 low, 4-6.9 medium, 7-8.9 high,
// 9-10 critical); v2 has no critical band (7-10 high).
Severity CvssSeverity(double score, std::string_view version);

}  // namespace customs::vulndb
