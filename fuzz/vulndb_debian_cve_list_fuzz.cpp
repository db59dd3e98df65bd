// Fuzz target: the debian_cve_list feed parser (vulndb/feeds). Any input must give a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vulndb/feeds/feed.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  customs::vulndb::FeedBatch batch;
  customs::NullDiagnostics diagnostics;
  (void)customs::vulndb::ParseDebianCveList(input, "fuzz", batch, diagnostics);
  return 0;
}
