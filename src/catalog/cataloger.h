// OS detection and the OS package catalogers: pure parsers over the image's FileTree.
//
// The image module asks every cataloger (and OS detection) which paths it wants before it streams the layers, then
// hands the finished FileTree to DetectOs and to each Cataloger::Catalog. Catalogers never touch the host filesystem
// (the rpm SQLite reader works on an in-memory copy of the database) and never throw: damage that can be skipped (one
// bad dpkg stanza, one corrupt rpm header, a database that cannot be read at all) goes to the Diagnostics sink and the
// rest of the inventory is still returned. All functions are thread-safe for concurrent calls on a const FileTree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_extractor.h"
#include "core/file_tree.h"

namespace customs::catalog {

class Cataloger {
 public:
  virtual ~Cataloger() = default;
  // "dpkg", "apk", "rpm".
  virtual std::string_view name() const = 0;
  // Bumped whenever the output for the same input changes (part of the analysis cache key).
  virtual int version() const = 0;
  // Whether the image walker must capture the content of `path` (absolute, normalised).
  virtual bool WantsContent(std::string_view path) const = 0;
  // Whether the walker must also keep every layer's version of `path` (for layer attribution).
  virtual bool WantsHistory(std::string_view /*path*/) const { return false; }
  // The per-file extractor this cataloger needs in the layer walk (file_extractor.h), or nullptr. Catalog() then
  // reads the extractor's per-layer records with FileTree::Record and keeps those whose path survives
  // (FileTree::SurvivesFrom). The extractor's name and version are part of the layer cache key.
  virtual const FileExtractor* extractor() const { return nullptr; }
  // The package databases this cataloger reads (a path ending in '/' is a directory of them), for the report of an
  // image that has none ("looked for ...").
  virtual std::vector<std::string> DatabasePaths() const { return {}; }
  // Reads the packages from the tree, sorted by (name, arch, version). Skippable damage (one bad stanza or header
  // among good ones) is a warning in `diagnostics`. A database that exists but yields nothing it could read (not
  // captured, a link to nothing, garbage, every record rejected) is an incomplete diagnostic: its packages were
  // never seen, so a scan must not pass as if the image had none. A tree without this cataloger's files gives an
  // empty list and no diagnostic.
  virtual std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const = 0;
};

// dpkg, apk and rpm, then the language catalogers: those that read file contents in the walk (java,
// go-binary, rust-binary), then python, node, ruby, php, dotnet, cargo-lock (lang/).
std::vector<std::unique_ptr<Cataloger>> DefaultCatalogers();

// Whether DetectOs reads `path` (absolute, normalised).
bool OsDetectionWants(std::string_view path);
// DetectOs reads release files up to this size (real ones are well under 1 KB); the walker leaves larger ones out.
inline constexpr std::uint64_t kMaxReleaseFileSize = 1 << 20;

// Detects the distribution from /etc/os-release (or /usr/lib/os-release) and the distro-specific release files. An
// undetected OS gives an OsInfo with an empty family (and an info diagnostic when some release file was unreadable).
OsInfo DetectOs(const FileTree& tree, Diagnostics& diagnostics);

// The package URL (https://github.com/package-url/purl-spec), e.g.
// pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12
//   deb: namespace = os family (debian, ubuntu; "debian" when unknown), qualifiers arch, distro=<family>-<version>;
//        epochs stay in the version ("1:2.36-9"; the spec leaves ':' unencoded).
//   apk: namespace = os family ("alpine" when unknown), qualifiers arch, distro=<family>-<version>.
//   rpm: namespace = os family, version = version-release, qualifiers arch, epoch (when set),
//   distro=<family>-<version>.
//   language packages (PURL-TYPES.rst), no distro qualifier: pkg:maven/<groupId>/<artifactId>@v (no namespace when
//   the groupId is unknown), pkg:npm/%40scope/name@v, pkg:golang/<module path>@v (the path's last segment is the
//   name), pkg:pypi/<name lower case, '_' as '-'>@v, pkg:composer/<vendor>/<name>@v, pkg:gem, pkg:cargo,
//   pkg:nuget/<id>@v.
// Qualifiers are sorted by key and empty ones are left out; every component is percent-encoded per the spec.
std::string MakePurl(const Package& package, const OsInfo& os);

}  // namespace customs::catalog
