// Fuzzes the YAML config file of `customs server`.
#include <cstdint>
#include <string>

#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  customs::server::ServerConfig config;
  if (customs::server::LoadConfigText(text, "fuzz.yaml", config)) (void)customs::server::FinishConfig(config);
  return 0;
}
