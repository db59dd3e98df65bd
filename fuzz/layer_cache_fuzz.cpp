// Fuzzes the layer cache deserializer. The sha256 trailer rejects most random input early, so the fuzzer also sees
// inputs re-signed with a valid trailer (first byte odd), reaching the structure parser.
#include <cstdint>
#include <string>

#include "core/sha256.h"
#include "image/layer_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)customs::image::DeserializeLayerDelta(input, 0);
  if (size > 0 && (data[0] & 1)) {
    std::string body = "customs-layer-cache/1\n" + input.substr(1);
    body += customs::Sha256::HexOf(body);
    auto delta = customs::image::DeserializeLayerDelta(body, 0);
    if (delta) (void)customs::image::SerializeLayerDelta(*delta);
  }
  return 0;
}
