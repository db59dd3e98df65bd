// Fuzz target: the CVE JSON 5 record parser (vulndb/feeds/cve.cpp). Any input must give a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vulndb/feeds/feed.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  customs::vulndb::FeedBatch batch;
  customs::NullDiagnostics diagnostics;
  (void)customs::vulndb::ParseCveRecord(input, "fuzz", batch, diagnostics);
  (void)customs::vulndb::DetectFormat("fuzz.json", input.substr(0, 4096));
  return 0;
}
