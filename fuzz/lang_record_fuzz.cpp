// Fuzzes the language extractors' layer records as they come back from the layer cache: the record decoder and the
// catalogers that read records (python, node) over a tree holding the input as every layer's record.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/common.h"
#include "catalog/lang/node.h"
#include "catalog/lang/python.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  customs::catalog::lang::ReadRecord(text, 3, [](const std::vector<std::string_view>&) {});
  customs::FileTree tree;
  tree.layers().push_back(customs::LayerInfo{0, "sha256:a", "", ""});
  tree.layers().push_back(customs::LayerInfo{1, "sha256:b", "", ""});
  customs::FileNode node;
  node.layer = 1;
  tree.Put("/a/node_modules/x/package.json", node);
  tree.Put("/s/x-1.dist-info/METADATA", node);
  tree.SetRecord(0, "node", std::string(text));
  tree.SetRecord(1, "node", std::string(text));
  tree.SetRecord(1, "python", std::string(text));
  customs::NullDiagnostics diagnostics;
  (void)customs::catalog::lang::NodeCataloger().Catalog(tree, {}, diagnostics);
  (void)customs::catalog::lang::PythonCataloger().Catalog(tree, {}, diagnostics);
  return 0;
}
