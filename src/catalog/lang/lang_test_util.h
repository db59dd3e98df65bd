// Test helpers for the binary-content extractors: run a LayerVisitor over real files as the layer walker would,
// in chunks of random sizes (chunking must never change the result), and locate the real artifacts that
// scripts/testimages.sh downloads and builds (OUT/lang-binary/artifacts).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_extractor.h"
#include "core/file_tree.h"

namespace customs::catalog::lang::testing {

inline std::filesystem::path ArtifactsDir() {
  std::string images;
  if (const char* dir = std::getenv("CUSTOMS_TESTIMAGES"); dir && *dir) {
    images = dir;
  } else {
    images = std::string(CUSTOMS_BINARY_DIR) + "/testimages";
  }
  return std::filesystem::path(images) / "lang-binary" / "artifacts";
}

#define CUSTOMS_REQUIRE_LANG_ARTIFACTS()                                                                       \
  do {                                                                                                         \
    if (!std::filesystem::exists(::customs::catalog::lang::testing::ArtifactsDir() / ".complete")) {           \
      GTEST_SKIP() << "lang-binary artifacts missing in " << ::customs::catalog::lang::testing::ArtifactsDir() \
                   << " (run scripts/testimages.sh; `make test` does)";                                        \
    }                                                                                                          \
  } while (false)

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct TestFile {
  std::string path;  // absolute path inside the layer
  std::string content;
  std::uint32_t mode = 0644;
};

// Feeds one file to `visitor` as the walker does: Inspect, InspectHead on kPeek, then the content in chunks of
// 1..max_chunk bytes (max_chunk 0: one chunk), then EndFile.
inline void VisitFile(LayerVisitor& visitor, const TestFile& file, int layer, std::mt19937* rng,
                      std::size_t max_chunk) {
  EntryHeader header;
  header.path = file.path;
  header.mode = file.mode;
  header.size = file.content.size();
  header.layer = layer;
  Interest interest = visitor.Inspect(header);
  if (interest == Interest::kSkip) {
    return;
  }
  if (interest == Interest::kPeek) {
    std::string_view head = std::string_view(file.content).substr(0, LayerVisitor::kHeadSize);
    if (!visitor.InspectHead(header, head)) {
      return;
    }
  }
  std::string_view rest = file.content;
  while (!rest.empty()) {
    std::size_t n = rest.size();
    if (max_chunk != 0) {
      n = std::min(rest.size(), std::uniform_int_distribution<std::size_t>(1, max_chunk)(*rng));
    }
    visitor.Data(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  visitor.EndFile(true);
}

// Calls feed(chunk) over `content` in chunks of 1..max_chunk bytes drawn from a seeded generator (0: one chunk).
template <class Feed>
void FeedChunked(std::string_view content, std::uint32_t seed, std::size_t max_chunk, Feed&& feed) {
  std::mt19937 rng(seed);
  while (!content.empty()) {
    std::size_t n = content.size();
    if (max_chunk != 0) n = std::min(content.size(), std::uniform_int_distribution<std::size_t>(1, max_chunk)(rng));
    feed(content.substr(0, n));
    content.remove_prefix(n);
  }
}

// Runs a streaming scanner (Feed, Finish) over `content` in random chunks and returns its result.
template <class Scanner>
auto ScanChunked(std::string_view content, std::uint32_t seed, std::size_t max_chunk) {
  Scanner scanner;
  FeedChunked(content, seed, max_chunk, [&](std::string_view chunk) { scanner.Feed(chunk); });
  return scanner.Finish();
}

// Runs `extractor` over one layer's files and returns the layer's record.
inline std::string VisitLayer(const FileExtractor& extractor, const std::vector<TestFile>& files, int layer,
                              Diagnostics& diagnostics, std::uint32_t seed = 1, std::size_t max_chunk = 0) {
  std::mt19937 rng(seed);
  auto visitor = extractor.StartLayer(layer, diagnostics);
  for (const TestFile& file : files) {
    VisitFile(*visitor, file, layer, &rng, max_chunk);
  }
  return visitor->Finish();
}

// Records each layer into `tree` (layers() grows as needed) and puts the layer's files into the tree, so the tree's
// final state is the union with later layers winning; `deleted` paths of a layer are removed (whiteouts).
inline void AddLayer(FileTree& tree, const FileExtractor& extractor, const std::vector<TestFile>& files, int layer,
                     Diagnostics& diagnostics, const std::vector<std::string>& deleted = {}) {
  for (const std::string& path : deleted) {
    tree.Remove(path);
  }
  for (const TestFile& file : files) {
    FileNode node;
    node.mode = file.mode;
    node.size = file.content.size();
    node.layer = layer;
    tree.Put(file.path, node);
  }
  while (tree.layers().size() <= static_cast<std::size_t>(layer)) {
    LayerInfo info;
    info.index = static_cast<int>(tree.layers().size());
    info.digest = "sha256:layer" + std::to_string(info.index);
    tree.layers().push_back(info);
  }
  tree.SetRecord(layer, std::string(extractor.name()), VisitLayer(extractor, files, layer, diagnostics));
}

// "name version" lines, for comparisons.
inline std::vector<std::string> NameVersions(const std::vector<Package>& packages) {
  std::vector<std::string> out;
  for (const Package& p : packages) {
    out.push_back(p.name + " " + p.version);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace customs::catalog::lang::testing
