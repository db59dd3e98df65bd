// The rpm cataloger and its readers, with no librpm: the three database formats only store header blobs, and one
// header parser reads them all.
//   BerkeleyDB hash  /var/lib/rpm/Packages                       (RHEL/CentOS <= 8)
//   SQLite           /var/lib/rpm/rpmdb.sqlite,                  (RHEL 9, Fedora 33+; `SELECT blob FROM Packages`)
//                    /usr/lib/sysimage/rpm/rpmdb.sqlite
//   NDB              /var/lib/rpm/Packages.db,                   (SUSE)
//                    /usr/lib/sysimage/rpm/Packages.db
// Every offset and length read from a file is bounds-checked before use; a hostile file gives an error or a
// diagnostic, never a crash, and allocations never exceed the input's size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "core/error.h"

namespace customs::catalog::rpm {

// What the cataloger needs from one header blob (rpm's on-disk "header" without lead or magic: il, dl, il index
// entries of 16 bytes, then dl bytes of data; all big-endian).
struct HeaderInfo {
  std::string name;
  std::string version;
  std::string release;
  bool has_epoch = false;
  std::uint32_t epoch = 0;
  std::string arch;
  std::string source_rpm;  // "util-linux-2.32.1-42.el8_8.src.rpm"
  std::string modularity_label;
  std::string license;
  std::string vendor;
  std::uint64_t size = 0;          // LONGSIZE, or SIZE
  std::vector<std::string> files;  // DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES
};

// Parses a header blob. kCorrupt with the reason when any count, offset or string runs outside the blob.
[[nodiscard]] Result<HeaderInfo> ParseHeaderBlob(std::string_view blob);

// The data values of a BerkeleyDB hash database file (rpm's Packages), in page order. Key 0 (rpm's record of the
// next instance number) is left out. Damaged pages or overflow chains are reported to `diagnostics` and skipped;
// a file that is not a BerkeleyDB hash database gives kCorrupt/kUnsupported.
[[nodiscard]] Result<std::vector<std::string>> ReadBdbHashValues(std::string_view file, std::string_view path,
                                                                 Diagnostics& diagnostics);

// The blobs of an rpm NDB Packages.db, in slot order. Damaged slots go to `diagnostics`.
[[nodiscard]] Result<std::vector<std::string_view>> ReadNdbBlobs(std::string_view file, std::string_view path,
                                                                 Diagnostics& diagnostics);

// The blobs of an rpm SQLite database (`SELECT blob FROM Packages ORDER BY hnum`), read from memory.
[[nodiscard]] Result<std::vector<std::string>> ReadSqliteBlobs(std::string_view file);

// Splits a SOURCERPM file name "name-version-release.src.rpm" into its parts; false when it has no such shape.
bool SplitSourceRpm(std::string_view source_rpm, std::string* name, std::string* version, std::string* release);

class RpmCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "rpm"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  bool WantsHistory(std::string_view path) const override;
  std::vector<std::string> DatabasePaths() const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;
};

}  // namespace customs::catalog::rpm
