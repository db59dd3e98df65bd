#include "core/json_text.h"

#include <fmt/format.h>

#include <cmath>

namespace customs {

std::string ShortestDouble(double value) {
  if (!std::isfinite(value)) {
    return "null";
  }
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) {
    text += ".0";
  }
  return text;
}

}  // namespace customs
