// Helpers for end-to-end tests that drive the built `customs` binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace customs::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string CustomsBinary() {
  return std::string(CUSTOMS_BINARY_DIR) + "/cli/customs";
}

inline std::string TestImagesDir() {
  if (const char* dir = std::getenv("CUSTOMS_TESTIMAGES"); dir && *dir) return dir;
  return std::string(CUSTOMS_BINARY_DIR) + "/testimages";
}

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `command` through /bin/sh with stdout and stderr captured to files (no pipe deadlocks on large output).
inline CommandResult RunCommand(const std::string& command) {
  static int counter = 0;
  std::string base = std::filesystem::temp_directory_path() /
                     ("customs-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::string full = command + " >" + base + ".out 2>" + base + ".err";
  int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadAll(base + ".out");
  result.err = ReadAll(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return result;
}

inline std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// Skips the calling test with a printed reason when the test images have not been built.
#define CUSTOMS_REQUIRE_TESTIMAGES()                                               \
  do {                                                                             \
    if (!std::filesystem::exists(::customs::e2e::TestImagesDir() + "/.stamp")) {   \
      GTEST_SKIP() << "test images missing in " << ::customs::e2e::TestImagesDir() \
                   << " (run scripts/testimages.sh; `make test` does)";            \
    }                                                                              \
  } while (false)

}  // namespace customs::e2e
