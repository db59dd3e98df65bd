// Fuzzes the secret scanner's per-layer record parser (records come back from the layer cache).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/secrets/secret_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto record = customs::audit::secrets::DeserializeLayerSecrets(input);
  if (record) {
    // What parses must serialise and parse back to the same thing.
    auto again =
        customs::audit::secrets::DeserializeLayerSecrets(customs::audit::secrets::SerializeLayerSecrets(*record));
    if (!again || again->files.size() != record->files.size()) __builtin_trap();
  }
  return 0;
}
