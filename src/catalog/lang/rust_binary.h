// The Rust binary cataloger: the crates a Rust executable was built from, as cargo-auditable embeds them
// (https://github.com/rust-secure-code/cargo-auditable, PARSING.md): a `.dep-v0` section holding zlib-compressed JSON
// {"packages":[{"name","version","source","kind","dependencies","root"}]}.
//
// Streaming with bounded memory: cargo-auditable marks the section non-allocated (sh_flags 0), so the linker places
// it after every PT_LOAD segment's file image, among .comment/.symtab/.strtab, and the section header table that names
// it comes last. The scanner does not wait for the headers: in the region after the last PT_LOAD it starts a
// speculative zlib inflater at every valid zlib header (0x78 with a FCHECK-valid second byte, RFC 1950 section 2.2),
// drops it as soon as its output does not start with `{"`, and keeps the first stream that inflates completely (at most
// kMaxJson bytes). The section headers (captured as they pass, with the 64 KiB before them for .shstrtab) then
// confirm the stream is `.dep-v0`; without section headers the JSON's shape is the evidence.
// At most kMaxLiveCandidates inflaters run at once. Not a Rust auditable binary: nothing is reported.
//
// Packages: every crate whose source is "crates.io" is matchable; "local", "git", "registry" (an alternative
// registry: not the crates.io package of that name) and anything else are listed unmatchable with the reason.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_extractor.h"

namespace customs::catalog::lang {

// Parses cargo-auditable's JSON. kCorrupt when it is not that JSON.
[[nodiscard]] Result<std::vector<Package>> ParseAuditableJson(std::string_view json, std::string_view location);

class DepV0Scanner {
 public:
  static constexpr std::size_t kMaxJson = 8 << 20;  // cargo-auditable's own default limit
  static constexpr std::size_t kMaxLiveCandidates = 16;

  DepV0Scanner();
  ~DepV0Scanner();
  void Feed(std::string_view chunk);
  // The inflated JSON. kNotFound: no audit data; kCorrupt: a .dep-v0 section that does not inflate.
  [[nodiscard]] Result<std::string> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class RustBinaryExtractor final : public FileExtractor {
 public:
  std::string_view name() const override { return "rust-binary"; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const override;
};

class RustBinaryCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "rust-binary"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view) const override { return false; }
  const FileExtractor* extractor() const override { return &extractor_; }
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  RustBinaryExtractor extractor_;
};

}  // namespace customs::catalog::lang
