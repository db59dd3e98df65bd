// Fuzzes the body of POST /v1/admission/validate (an AdmissionReview v1 as the kube-apiserver posts it).
#include <cstdint>
#include <string>

#include "server/admission.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::server::ParseAdmissionReview(text);
  return 0;
}
