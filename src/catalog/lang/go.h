// The Go binary cataloger: the modules a Go executable was built from, read from its build information blob
// (runtime/debug.BuildInfo as the linker embeds it) while the file streams by in the layer walk.
//
// The blob starts with the 16-byte-aligned magic "\xff Go buildinf:" (the .go.buildinfo section, found by the magic so
// that binaries without section headers work too), then the pointer size and a flags byte:
//   - go1.18 and later (flags bit 1): the Go version and the module information follow inline as varint-prefixed
//     strings: self-contained, read as they pass.
//   - before go1.18: two pointers to string headers (address, length) in the data segment, which point at the
//     strings' bytes in .rodata. The linker puts .rodata BEFORE .go.buildinfo and the string headers after it, so the
//     bytes are gone when their address becomes known. The scanner therefore keeps bounded candidates as the stream
//     passes: up to kMaxModInfoCandidates module information blobs (wrapped in fixed 16-byte sentinels) and up to
//     kMaxVersionCandidates
//     short windows at "go1." / "devel "; the program headers (in the first bytes) map the addresses to file offsets,
//     the string headers are captured when the stream reaches them, and the end of the stream resolves the pointers
//     against the candidates. Memory stays under about 2 MiB whatever the file's size.
// A binary without the magic is not a Go binary (nothing is reported); a UPX-packed ELF (its "UPX!" marks in the
// first bytes) gives an info diagnostic, since its modules cannot be read; a blob that cannot be resolved or parsed
// gives a warning, never invented packages.
//
// Packages: every dependency ("dep", its `=>` replacement when there is one: a module replaced by another module is
// reported as the replacement, a module replaced by a local directory is listed unmatchable), the main module (at
// "(devel)" it is unmatchable), and the toolchain as "stdlib" with the version as a semver ("go1.19.5" -> "1.19.5",
// "go1.20" -> "1.20.0", "go1.21rc2" -> "1.21.0-rc.2").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/lang/elf_stream.h"
#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/error.h"
#include "core/file_extractor.h"

namespace customs::catalog::lang {

struct GoModule {
  std::string path;
  std::string version;
  std::string sum;
  std::string replace_path;     // empty when not replaced
  std::string replace_version;  // empty for a replacement by a local directory
};

struct GoBuildInfo {
  std::string go_version;  // "go1.19.5"
  std::string path;        // the main package ("github.com/x/y/cmd/z")
  std::optional<GoModule> main;
  std::vector<GoModule> deps;
  bool inline_layout = false;  // go1.18+
};

// Parses the module information text (cmd/go's "path/mod/dep/=>/build" lines, sentinels already removed).
[[nodiscard]] Status ParseModInfo(std::string_view text, GoBuildInfo* info);
// "go1.19.5" -> "1.19.5"; "go1.20" -> "1.20.0"; "go1.21rc2" -> "1.21.0-rc.2"; "go1.20.12 X:boringcrypto" -> "1.20.12".
// nullopt for a development toolchain ("devel go1.22-abc") or anything else.
std::optional<std::string> GoToolchainSemver(std::string_view go_version);
// The packages a build info describes; `location` is the binary's path.
std::vector<Package> GoPackages(const GoBuildInfo& info, std::string_view location);

class GoBuildInfoScanner {
 public:
  static constexpr std::size_t kMaxModInfo = 4 << 20;  // bytes of module information (inline layout)
  static constexpr std::size_t kMaxVersionCandidates = 4096;
  // Pointer layout: module information candidates are kept until their end sentinel, at most this many bytes each
  // (real ones are tens of KiB), so the candidates never hold more than 4 MiB.
  static constexpr std::size_t kMaxModInfoCandidates = 4;
  static constexpr std::size_t kMaxModInfoCandidate = 1 << 20;

  GoBuildInfoScanner();
  ~GoBuildInfoScanner();
  void Feed(std::string_view chunk);
  // After the last byte. kNotFound: no build info (not a Go binary). kUnsupported: UPX-packed. kCorrupt: a build info
  // that cannot be resolved or parsed; the message says why.
  [[nodiscard]] Result<GoBuildInfo> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class GoBinaryExtractor final : public FileExtractor {
 public:
  std::string_view name() const override { return "go-binary"; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const override;
};

class GoBinaryCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "go-binary"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view) const override { return false; }
  const FileExtractor* extractor() const override { return &extractor_; }
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  GoBinaryExtractor extractor_;
};

}  // namespace customs::catalog::lang
