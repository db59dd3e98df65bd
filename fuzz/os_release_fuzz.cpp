// Fuzzes os-release parsing and the release-file fallbacks of OS detection.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "catalog/cataloger.h"
#include "catalog/os_release.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::catalog::OsInfoFromOsRelease(customs::catalog::ParseOsRelease(text));
  (void)customs::catalog::OsInfoFromRedHatRelease(text);
  for (const char* path : {"/etc/debian_version", "/etc/SuSE-release", "/etc/lsb-release", "/etc/alpine-release"}) {
    customs::FileTree tree;
    customs::FileNode node;
    node.content = std::make_shared<const std::string>(text);
    tree.Put(path, node);
    customs::NullDiagnostics diagnostics;
    (void)customs::catalog::DetectOs(tree, diagnostics);
  }
  return 0;
}
