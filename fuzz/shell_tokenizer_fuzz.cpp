// Fuzzes the RUN shell tokenizer, package-install parsing and BuildKit's word lexer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lint/dockerfile/shell_lex.h"
#include "lint/shell/packages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view script(reinterpret_cast<const char*>(data), size);
  auto analysis = customs::lint::AnalyzeRun(script, {"--mount=type=cache,target=/var/cache/apt"});
  (void)analysis;
  (void)customs::lint::SetsPipefail(script);
  auto words = customs::lint::ProcessShellWord(
      script, [](std::string_view) -> std::optional<std::string> { return std::string("v"); });
  (void)words;
  return 0;
}
