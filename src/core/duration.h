// Durations as people write them in flags and config files: "90s", "15m", "72h", "7d", "1h30m", "500ms".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"

namespace customs {

// Parses a sequence of <integer><unit> terms (units ms, s, m, h, d; no spaces). A bare integer is taken in
// `bare_unit` (the unit a flag documented before it accepted units, e.g. hours for --max-db-age). kInvalidArgument on
// anything else, negative values, or more than 100 years.
[[nodiscard]] Result<std::chrono::milliseconds> ParseDuration(
    std::string_view text, std::chrono::milliseconds bare_unit = std::chrono::seconds(1));

// The shortest exact spelling: "72h", "90s", "1h30m", "500ms", "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace customs
