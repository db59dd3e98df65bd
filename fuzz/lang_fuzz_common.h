// Shared by the language-cataloger fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace customs::fuzz {
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
}  // namespace customs::fuzz
