// Fuzz target: the store's compact AffectedSpec encoding must round-trip whatever DecodeSpec accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vulndb/json_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto spec = customs::vulndb::DecodeSpec(input);
  auto again = customs::vulndb::DecodeSpec(customs::vulndb::EncodeSpec(spec));
  if (customs::vulndb::EncodeSpec(again) != customs::vulndb::EncodeSpec(spec)) {
    std::abort();
  }
  return 0;
}
