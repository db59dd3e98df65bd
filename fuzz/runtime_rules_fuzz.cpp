// Fuzzes the rules-file loader (YAML structure, overrides, exceptions, lists) end to end.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/rules/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  LoadOptions options;
  options.max_file_size = 1 << 20;
  options.max_list_items = 10000;
  RulesLoader loader(options);
  (void)loader.AddText("fuzz.yaml", std::string_view(reinterpret_cast<const char*>(data), size));
  LoadReport report;
  RuleSet set = loader.Finish(&report);
  Event event;
  set.CountMatches(event);
  return 0;
}
