// Fuzzes the .dockerignore reader and matcher and the CopyIgnoredFile check. The input is a .dockerignore, a NUL
// byte, then a path: the path is matched, and a Dockerfile that COPYs it is linted with that .dockerignore. Any
// input must give an answer or an error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lint/dockerignore.h"
#include "lint/linter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t nul = input.find('\0');
  std::string_view patterns = input.substr(0, nul);
  std::string path(nul == std::string_view::npos ? "Dockerfile" : input.substr(nul + 1));
  auto ignore = customs::lint::DockerIgnore::Parse(patterns);
  if (ignore) {
    (void)ignore->MatchesOrParentMatches(path);
    (void)ignore->MatchesOrParentMatches(customs::lint::CleanPath(path));
  }
  if (path.find('\n') == std::string::npos && path.find('\0') == std::string::npos) {
    customs::lint::LintConfig config;
    config.dockerignore = std::string(patterns);
    auto report =
        customs::lint::LintContent("FROM scratch\nCOPY " + path + " /dest/\nADD " + path + " .\n", "fuzz", config);
    (void)report;
  }
  return 0;
}
