#include "core/duration.h"

#include <cctype>
#include <cstdint>

namespace customs {
namespace {

constexpr std::int64_t kMaxMilliseconds = std::int64_t{100} * 366 * 24 * 3600 * 1000;

struct Unit {
  std::string_view name;
  std::int64_t milliseconds;
};
// Longest names first, so "ms" is not read as "m".
constexpr Unit kUnits[] = {{"ms", 1}, {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}};

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text, std::chrono::milliseconds bare_unit) {
  auto invalid = [&] {
    return MakeError(ErrorCode::kInvalidArgument, "'{}' is not a duration (examples: 90s, 15m, 72h, 7d, 1h30m)", text);
  };
  if (text.empty()) {
    return invalid();
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  bool bare = true;
  while (i < text.size()) {
    std::int64_t value = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxMilliseconds) {
        return invalid();
      }
      ++i;
      ++digits;
    }
    if (digits == 0) {
      return invalid();
    }
    if (i == text.size()) {
      if (!bare) {
        return invalid();  // "1h30" has no unit on its last term
      }
      total = value * bare_unit.count();
      break;
    }
    bare = false;
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i).starts_with(candidate.name)) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) {
      return invalid();
    }
    i += unit->name.size();
    total += value * unit->milliseconds;
    if (total > kMaxMilliseconds) {
      return invalid();
    }
  }
  if (total > kMaxMilliseconds) {
    return invalid();
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  std::int64_t left = duration.count();
  if (left == 0) {
    return "0s";
  }
  std::string out;
  for (const Unit& unit : {kUnits[1], kUnits[2], kUnits[3], kUnits[4], kUnits[0]}) {
    if (left >= unit.milliseconds) {
      out += fmt::format("{}{}", left / unit.milliseconds, unit.name);
      left %= unit.milliseconds;
    }
  }
  return out;
}

}  // namespace customs
