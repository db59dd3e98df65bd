// Fuzzes the body of POST /v1/imagereview (an ImageReview from the ImagePolicyWebhook admission plugin).
#include <cstdint>
#include <string>

#include "server/admission.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::server::ParseImageReview(text);
  return 0;
}
