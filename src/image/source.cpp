#include "image/source.h"

#include <vector>

namespace customs::image {

std::string Platform::ToString() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Result<Platform> ParsePlatform(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    parts.emplace_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return MakeError(ErrorCode::kInvalidArgument, "platform '{}': expected os/arch[/variant]", text);
  }
  for (const auto& part : parts) {
    if (part.empty()) return MakeError(ErrorCode::kInvalidArgument, "platform '{}': empty component", text);
  }
  Platform platform;
  platform.os = parts[0];
  platform.architecture = parts[1];
  if (parts.size() == 3) platform.variant = parts[2];
  return platform;
}

}  // namespace customs::image
