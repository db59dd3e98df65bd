// What every feed importer produces, and the parsers themselves.
// A parser reads one input (a file's bytes, or one archive member) and hands FeedRecords to a FeedBatch. It never
// touches the store. Damage confined to one record is reported to Diagnostics (naming the record) and skipped; damage
// to the container (a truncated zip, JSON that does not parse as a whole) is returned as an error, and the caller
// drops the whole batch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "vulndb/advisory.h"

namespace customs::vulndb {

// One source record as the feed states it (an OSV document, one Debian tracker (package, CVE) entry, one DSA...).
struct FeedRecord {
  std::string source;   // feed name: "osv-go", "osv-pypi", "osv-crates.io", "ubuntu", "debian", "debian-dsa", ...
  std::string subject;  // the package a per-package record is about (Debian tracker, Alpine); empty otherwise
  // vulnerability.id is the record id ("GO-2020-0001", "CVE-2023-1234", "DSA-5430-1"); the store merges records into
  // canonical vulnerabilities by id and aliases.
  Vulnerability vulnerability;
  std::vector<std::string> upstream;  // OSV "upstream": ids this record derives from (merged like aliases)
  // Packages. An empty vulnerability_id means "this record's vulnerability"; a set one (a DSA listing several CVEs)
  // attaches the row to that id instead.
  std::vector<AffectedPackage> affected;
};

// Everything one input produced. Filled by a parser; the store builder takes whole batches only.
struct FeedBatch {
  std::vector<FeedRecord> records;
  std::map<std::string, Kev, std::less<>> kev;              // CVE -> KEV entry
  std::vector<std::pair<std::string, Epss>> epss;           // CVE -> EPSS score
  std::map<std::string, std::int64_t, std::less<>> counts;  // source name -> records read
  std::int64_t skipped = 0;                                 // records skipped with a diagnostic

  void Add(FeedRecord record) {
    ++counts[record.source];
    records.push_back(std::move(record));
  }
};

// The formats the importer recognises.
enum class FeedFormat {
  kUnknown,
  kOsvJson,        // one OSV JSON document (any ecosystem, incl. Ubuntu/Debian/Alpine OSV)
  kOsvYaml,        // one OSV YAML document (pypa/advisory-database)
  kOsvZip,         // a zip of OSV JSON/YAML documents (osv.dev all.zip, a git archive of an advisory repo)
  kDebianTracker,  // security-tracker JSON export
  kDebianDsaList,  // data/DSA/list, data/DLA/list
  kDebianCveList,  // data/CVE/list
  kAlpineSecdb,    // secdb JSON (v3.20/main.json) or legacy YAML
  kNvd,            // NVD CVE API 2.0 response page
  kKev,            // CISA KEV catalog
  kEpss,           // EPSS CSV (optionally gzip-compressed)
  kCveRecord,      // one CVE record in CVE JSON 5 (cvelistV5)
};
const char* FeedFormatName(FeedFormat format);

// Guesses the format from a file name and the first bytes of its (decompressed) content.
FeedFormat DetectFormat(std::string_view name, std::string_view head);

// Parsers. `origin` names the input in diagnostics and errors (a path or "Go-all.zip:GO-2020-0001.json").
// Each returns an error only for damage that makes the whole input unusable.
[[nodiscard]] Status ParseOsvJson(std::string_view content, std::string_view origin, FeedBatch& batch,
                                  Diagnostics& diagnostics);
[[nodiscard]] Status ParseOsvYaml(std::string_view content, std::string_view origin, FeedBatch& batch,
                                  Diagnostics& diagnostics);
[[nodiscard]] Status ParseOsvZip(std::string_view content, std::string_view origin, FeedBatch& batch,
                                 Diagnostics& diagnostics);
[[nodiscard]] Status ParseDebianTracker(std::string_view content, std::string_view origin, FeedBatch& batch,
                                        Diagnostics& diagnostics);
// `list_name` "DSA" or "DLA" decides the source name ("debian-dsa"/"debian-dla"); detected from the content when
// empty.
[[nodiscard]] Status ParseDebianDsaList(std::string_view content, std::string_view origin, FeedBatch& batch,
                                        Diagnostics& diagnostics);
// data/CVE/list of the security tracker (source "debian"): explicit per-release statements only.
[[nodiscard]] Status ParseDebianCveList(std::string_view content, std::string_view origin, FeedBatch& batch,
                                        Diagnostics& diagnostics);
[[nodiscard]] Status ParseAlpineSecdb(std::string_view content, std::string_view origin, FeedBatch& batch,
                                      Diagnostics& diagnostics);
[[nodiscard]] Status ParseNvd(std::string_view content, std::string_view origin, FeedBatch& batch,
                              Diagnostics& diagnostics);
[[nodiscard]] Status ParseKev(std::string_view content, std::string_view origin, FeedBatch& batch,
                              Diagnostics& diagnostics);
[[nodiscard]] Status ParseEpss(std::string_view content, std::string_view origin, FeedBatch& batch,
                               Diagnostics& diagnostics);

// One CVE JSON 5 record (source "cve"): descriptions, references, the CNA's and every ADP's CVSS vectors (sources
// "cna:<short name>", "adp:<short name>") and a CNA's text rating; a REJECTED record is withdrawn. No package rows.
// A record that is not JSON or has no cveMetadata.cveId is skipped with a diagnostic.
[[nodiscard]] Status ParseCveRecord(std::string_view content, std::string_view origin, FeedBatch& batch,
                                    Diagnostics& diagnostics);

// Parses `content` (already decompressed) in the given format.
[[nodiscard]] Status ParseFeed(FeedFormat format, std::string_view content, std::string_view origin, FeedBatch& batch,
                               Diagnostics& diagnostics);

// Namespace helpers shared by the parsers.
// "bookworm" -> "12", "sid" -> "sid"; nullopt for names we do not know.
std::optional<std::string> DebianReleaseNumber(std::string_view codename);
// OSV ecosystem -> store ecosystem: "Ubuntu:22.04:LTS" -> "ubuntu:22.04", "Ubuntu:Pro:16.04:LTS" ->
// "ubuntu-pro:16.04", "Debian:12" -> "debian:12", "Alpine:v3.20" -> "alpine:3.20"; language ecosystems unchanged.
std::string NormalizeEcosystem(std::string_view osv_ecosystem);
// Debian urgency / Ubuntu priority / GHSA severity words -> Severity ("low**" -> kLow, "unimportant" ->
// kNegligible, "not yet assigned" -> kUnknown, "moderate" -> kMedium).
Severity SeverityFromWord(std::string_view word);
// A Cvss entry with its computed base score; the vector is kept even when it cannot be scored (score 0) and a
// diagnostic names the record.
Cvss MakeCvss(std::string source, std::string vector, std::string_view record_id, Diagnostics& diagnostics);

}  // namespace customs::vulndb
