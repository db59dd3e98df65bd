// The dpkg cataloger: /var/lib/dpkg/status, the distroless layout /var/lib/dpkg/status.d/*, and the file lists
// /var/lib/dpkg/info/<package>[:<arch>].list.
//
// The status parser follows dpkg 1.21's own parser (lib/dpkg/parse.c, fields.c) closely enough that a stanza dpkg
// rejects is rejected here too (missing Package/Version, bad Status words, malformed relationship fields, bad version
// syntax...). Unlike dpkg, which refuses the whole file, only the bad stanza is skipped, with a diagnostic naming its
// line and the reason. One deliberate leniency: a last line without its final newline is accepted (dpkg refuses the
// file, but nothing is missing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"

namespace customs::catalog::dpkg {

struct StatusRecord {
  std::string name;  // lower-cased, as dpkg stores it
  std::string version;
  std::string arch;
  std::string source_name;     // Source: name, or the binary name
  std::string source_version;  // Source: name (version), or the binary version
  std::string status;          // the Status field ("install ok installed"); injected for status.d stanzas without one
  bool installed = false;      // the current state (third Status word) is "installed"
  bool listed = false;         // dpkg-query -W lists it: every state except not-installed
  std::uint64_t installed_size_kib = 0;
  std::string multi_arch;
  int line = 0;  // first line of the stanza, 1-based
};

struct ParseStats {
  std::size_t stanzas = 0;   // stanzas read (a file of garbage is one or more stanzas that fail)
  std::size_t rejected = 0;  // stanzas skipped because dpkg would reject them
};

// Parses a status file. `status_d` selects the distroless status.d rules: a stanza without Status counts as
// "install ok installed". Later stanzas for the same (name, arch) replace earlier ones, as in dpkg. `stats`, when
// given, receives the counts of stanzas read and rejected.
std::vector<StatusRecord> ParseStatus(std::string_view text, bool status_d, std::string_view path,
                                      Diagnostics& diagnostics, ParseStats* stats = nullptr);

// Checks a Debian version string as dpkg's parseversion does; returns the error or an empty string.
std::string CheckVersion(std::string_view version);

struct DpkgOptions {
  // false (default): only packages whose current state is "installed" (status word 3), the packages whose files are
  // all on disk. true: every package dpkg-query -W lists (all states except not-installed, e.g. config-files).
  bool list_like_dpkg_query = false;
};

class DpkgCataloger final : public Cataloger {
 public:
  explicit DpkgCataloger(DpkgOptions options = {}) : options_(options) {}
  std::string_view name() const override { return "dpkg"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view path) const override;
  bool WantsHistory(std::string_view path) const override;
  std::vector<std::string> DatabasePaths() const override;
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  DpkgOptions options_;
};

}  // namespace customs::catalog::dpkg
