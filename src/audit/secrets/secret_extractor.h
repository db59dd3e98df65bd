// Secret scanning inside the single streaming pass over the layers: a FileExtractor that runs the SecretScanner over
// every regular text file of every layer, including files a later layer deletes or overwrites (they ship anyway), and
// keeps per layer only the hits (path, rule, line, masked secret) and counters. Never the content.
//
// Binary files (a NUL byte in the first 4 KiB) and files over `max_file_size` are skipped unless asked; so are paths
// on the rules' global allow-list. The extractor's name carries a fingerprint of the rules and options, so cached
// records from other rules are never reused.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/secrets/scanner.h"
#include "core/file_extractor.h"

namespace customs::audit::secrets {

struct ExtractorOptions {
  std::uint64_t max_file_size = 10ull << 20;  // larger files are skipped (counted)
  bool scan_binaries = false;
};

// One hit as a layer record keeps it: by rule id (indexes change with the rule set).
struct RecordedHit {
  std::string rule;
  std::uint64_t line = 0;
  std::string masked;
};

// One file's hits as recorded for one layer.
struct FileHits {
  std::string path;
  std::vector<RecordedHit> hits;
};

struct LayerSecrets {
  std::vector<FileHits> files;
  std::uint64_t files_scanned = 0;
  std::uint64_t bytes_scanned = 0;
  std::uint64_t files_too_large = 0;
  std::uint64_t files_binary = 0;
  std::uint64_t files_truncated = 0;  // reached SecretScanner::kMaxHitsPerFile
};

class SecretExtractor final : public FileExtractor {
 public:
  // `scanner` is borrowed and must outlive the extractor.
  SecretExtractor(const SecretScanner& scanner, ExtractorOptions options);
  std::string_view name() const override { return name_; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const override;

  const SecretScanner& scanner() const { return scanner_; }

 private:
  const SecretScanner& scanner_;
  ExtractorOptions options_;
  std::string name_;
};

std::string SerializeLayerSecrets(const LayerSecrets& secrets);
// kCorrupt on malformed input.
[[nodiscard]] Result<LayerSecrets> DeserializeLayerSecrets(std::string_view record);

// The secret findings of an image: every layer's hits, each with its layer and instruction, marked as removed when a
// later layer deleted or overwrote the file. `skip(path)` drops files (e.g. owned by an OS package: public data).
// Diagnostics: a corrupt record (kCorrupt), summaries of skipped files (info).
std::vector<AuditFinding> CollectSecretFindings(const FileTree& tree, const SecretExtractor& extractor,
                                                const std::function<bool(std::string_view path)>& skip,
                                                Diagnostics& diagnostics);

}  // namespace customs::audit::secrets
