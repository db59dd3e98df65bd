// Usage records (customs watch --usage-out): parse arbitrary bytes, merge them, write them back, parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/usage/usage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  auto entries = ParseUsage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!entries) return 0;
  UsageRecorder recorder(64);
  for (const auto& entry : *entries) recorder.Add(entry);
  std::string text = recorder.Serialize();
  auto again = ParseUsage(text);
  if (!again) std::abort();  // what we write must read back
  return 0;
}
