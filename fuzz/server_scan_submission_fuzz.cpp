// Fuzzes the body of POST /v1/scans (reference, digest, policy).
#include <cstdint>
#include <string>

#include "server/api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto submission = customs::server::ParseScanSubmission(text); submission && submission->has_policy) {
    (void)customs::server::PolicyDigest(submission->policy);
  }
  return 0;
}
