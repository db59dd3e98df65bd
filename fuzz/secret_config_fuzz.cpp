// Fuzzes --secret-config parsing (YAML from the user).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audit/secrets/secret_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)customs::audit::secrets::ApplySecretConfig(customs::audit::secrets::DefaultRuleSet(), input, "fuzz");
  (void)customs::audit::secrets::ParseRuleSet(input, "fuzz");
  return 0;
}
