// Fuzzes the recorded-event format (--record / --replay JSONL): one line into an Event, and back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  Event event;
  if (EventFromJson(std::string_view(reinterpret_cast<const char*>(data), size), event)) {
    (void)EventToJson(event);
  }
  return 0;
}
