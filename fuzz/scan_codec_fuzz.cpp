// Fuzzes the storage codecs the server reads back from PostgreSQL (customs.inventory/v1, customs.scan-result/v1).
// A document that decodes must re-encode to a document that decodes to the same encoding.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scan/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto inventory = customs::scan::DecodeInventory(text)) {
    std::string once = customs::scan::EncodeInventory(*inventory);
    auto again = customs::scan::DecodeInventory(once);
    if (!again || customs::scan::EncodeInventory(*again) != once) std::abort();
  }
  if (auto report = customs::scan::DecodeReport(text)) {
    std::string once = customs::scan::EncodeReport(*report);
    auto again = customs::scan::DecodeReport(once);
    if (!again || customs::scan::EncodeReport(*again) != once) std::abort();
  }
  return 0;
}
