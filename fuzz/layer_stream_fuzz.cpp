// Fuzzes the layer pipeline: magic-byte detection, gzip/zstd decompression, tar parsing, whiteouts and the tree
// build, with every file's content requested.
#include <cstdint>
#include <string>

#include "core/diagnostics.h"
#include "image/layer_walker.h"
#include "image/memory_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string blob(reinterpret_cast<const char*>(data), size);
  customs::image::MemorySource source({blob, blob}, "{}");
  customs::PathFilter filter;
  filter.wants_content = [](std::string_view) { return true; };
  filter.wants_history = [](std::string_view) { return true; };
  customs::NullDiagnostics diagnostics;
  customs::image::WalkOptions options;
  options.threads = 1;
  options.max_content_size = 1 << 20;
  auto tree = customs::image::WalkLayers(source, customs::image::ImageConfig{}, filter, diagnostics, options);
  if (tree) {
    for (const auto& [path, node] : tree->entries()) (void)tree->ReadContent(path);
  }
  return 0;
}
