// Fuzzes Harbor's ScanRequest body (POST /api/v1/scan) and the Accept header of GET /api/v1/scan/{id}/report.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/harbor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto request = customs::server::ParseHarborScanRequest(text)) {
    // Whatever parses must yield a reference without control characters (it becomes a URL and a header).
    for (char c : request->reference) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();
    }
  }
  (void)customs::server::ChooseReportMediaType(&text);
  return 0;
}
