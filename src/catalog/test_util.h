// Test helpers: FileTrees built from in-memory files or from real directories, and the shared fixture root.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/file_tree.h"

namespace customs::catalog::testing {

inline std::filesystem::path SharedPkgdb() {
  return std::filesystem::path(CUSTOMS_SHARED_DATA) / "pkgdb";
}
inline std::filesystem::path RepoTestdata() {
  return std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src" / "catalog" / "testdata";
}
// The vendored subset (always) and the shared bundle (when present); both have the same layout.
inline std::vector<std::filesystem::path> PkgdbRoots() {
  std::vector<std::filesystem::path> roots = {RepoTestdata() / "pkgdb"};
  if (std::filesystem::exists(SharedPkgdb() / "expected")) {
    roots.push_back(SharedPkgdb());
  }
  return roots;
}

// A test that walks PkgdbRoots() ends with this: when the shared bundle is absent only the vendored subset ran, and
// that is reported as a skip (counted, and a failure under CUSTOMS_REQUIRE_ALL=1), never as a silent pass. Failures
// in the part that did run still fail the test.
#define CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB()                                                        \
  do {                                                                                               \
    if (::customs::catalog::testing::PkgdbRoots().size() == 1) {                                     \
      GTEST_SKIP() << "shared pkgdb absent (" << ::customs::catalog::testing::SharedPkgdb().string() \
                   << "): checked the vendored fixtures only";                                       \
    }                                                                                                \
  } while (false)

inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void PutFile(FileTree& tree, const std::string& path, std::string content, int layer = 0) {
  FileNode node;
  node.type = FileType::kRegular;
  node.size = content.size();
  node.layer = layer;
  node.content = std::make_shared<const std::string>(std::move(content));
  tree.Put(path, std::move(node));
}

// One file per (image path -> content), all in layer 0 of a one-layer tree.
inline FileTree TreeOf(const std::map<std::string, std::string>& files) {
  FileTree tree;
  tree.layers().push_back(LayerInfo{0, "sha256:layer0", "", "test"});
  for (const auto& [path, content] : files) {
    PutFile(tree, path, content);
  }
  return tree;
}

// Runs a shell command and returns its stdout; fails the test when it exits non-zero.
inline std::string Run(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  char buffer[65536];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.append(buffer, n);
  }
  int status = pclose(pipe);
  if (exit_code != nullptr) {
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return out;
}

// The member `name` of a txtar archive ("-- name --" lines separate members).
inline std::string TxtarMember(const std::string& archive, const std::string& name) {
  std::string marker = "-- " + name + " --\n";
  std::size_t start = archive.find(marker);
  if (start == std::string::npos) {
    return {};
  }
  start += marker.size();
  std::size_t end = archive.find("\n-- ", start - 1);
  if (end == std::string::npos) {
    return archive.substr(start);
  }
  return archive.substr(start, end + 1 - start);
}

}  // namespace customs::catalog::testing
