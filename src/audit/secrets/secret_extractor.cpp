#include "audit/secrets/secret_extractor.h"

#include <fmt/format.h>

#include <cstring>

#include "core/sha256.h"

namespace customs::audit::secrets {
namespace {

// Record format, one item per line, fields separated by a space, every text field percent-encoded (paths and masked
// secrets come from the image and may hold any byte):
//   S files_scanned bytes_scanned files_too_large files_binary files_truncated
//   F path
//   H rule_id line masked        (a hit of the last F)
std::string Encode(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == '%' || u >= 0x7f) {
      out += fmt::format("%{:02X}", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::string> Decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return MakeError(ErrorCode::kCorrupt, "secret record: truncated escape");
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return MakeError(ErrorCode::kCorrupt, "secret record: bad escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= line.size()) {
    std::size_t space = line.find(' ', start);
    if (space == std::string_view::npos) space = line.size();
    out.push_back(line.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

bool ParseU64(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = value;
  return true;
}

class Visitor final : public LayerVisitor {
 public:
  Visitor(const SecretScanner& scanner, const ExtractorOptions& options)
      : scanner_(scanner), options_(options), scan_(scanner.NewFileScan()) {}

  Interest Inspect(const EntryHeader& header) override {
    if (header.size == 0 || scanner_.PathAllowed(header.path)) return Interest::kSkip;
    if (header.size > options_.max_file_size) {
      ++secrets_.files_too_large;
      return Interest::kSkip;
    }
    path_ = std::string(header.path);
    return options_.scan_binaries ? Interest::kWant : Interest::kPeek;
  }

  bool InspectHead(const EntryHeader&, std::string_view head) override {
    if (std::memchr(head.data(), '\0', head.size()) != nullptr) {
      ++secrets_.files_binary;
      return false;
    }
    return true;
  }

  void Data(std::string_view chunk) override {
    if (!started_) {
      scan_->Begin();
      started_ = true;
    }
    scan_->Feed(chunk);
    secrets_.bytes_scanned += chunk.size();
  }

  void EndFile(bool complete) override {
    if (!started_) scan_->Begin();
    started_ = false;
    std::vector<SecretHit> hits = scan_->End();
    if (!complete) return;
    ++secrets_.files_scanned;
    if (scan_->truncated()) ++secrets_.files_truncated;
    FileHits file{path_, {}};
    for (auto& hit : hits) {
      if (!scanner_.RuleApplies(hit.rule, path_)) continue;
      file.hits.push_back({scanner_.rules().rules[hit.rule].id, hit.line, std::move(hit.masked)});
    }
    if (!file.hits.empty()) secrets_.files.push_back(std::move(file));
  }

  std::string Finish() override { return SerializeLayerSecrets(secrets_); }

 private:
  const SecretScanner& scanner_;
  const ExtractorOptions& options_;
  std::unique_ptr<FileScan> scan_;
  LayerSecrets secrets_;
  std::string path_;
  bool started_ = false;
};

}  // namespace

SecretExtractor::SecretExtractor(const SecretScanner& scanner, ExtractorOptions options)
    : scanner_(scanner), options_(options) {
  // The records depend on the rules and the options: fingerprint them into the name (and so the cache key).
  std::string fingerprint = fmt::format("{}|{}|", options_.max_file_size, options_.scan_binaries);
  for (const auto& rule : scanner_.rules().rules) {
    fingerprint += rule.id + "\n" + rule.regex + "\n" + std::to_string(rule.min_entropy) + "\n";
    for (const auto& a : rule.allow) fingerprint += a + "\n";
    for (const auto& p : rule.allow_paths) fingerprint += p + "\n";
  }
  for (const auto& p : scanner_.rules().allow_paths) fingerprint += p + "\n";
  name_ = "secrets-" + Sha256::HexOf(fingerprint).substr(0, 12);
}

std::unique_ptr<LayerVisitor> SecretExtractor::StartLayer(int /*layer*/, Diagnostics& /*diagnostics*/) const {
  return std::make_unique<Visitor>(scanner_, options_);
}

std::string SerializeLayerSecrets(const LayerSecrets& secrets) {
  std::string out = fmt::format("S {} {} {} {} {}\n", secrets.files_scanned, secrets.bytes_scanned,
                                secrets.files_too_large, secrets.files_binary, secrets.files_truncated);
  for (const auto& file : secrets.files) {
    out += "F " + Encode(file.path) + "\n";
    for (const auto& hit : file.hits) {
      out += fmt::format("H {} {} {}\n", Encode(hit.rule), hit.line, Encode(hit.masked));
    }
  }
  return out;
}

Result<LayerSecrets> DeserializeLayerSecrets(std::string_view record) {
  LayerSecrets out;
  auto corrupt = [](std::string_view why) { return MakeError(ErrorCode::kCorrupt, "secret record: {}", why); };
  bool seen_summary = false;
  std::size_t start = 0;
  while (start < record.size()) {
    std::size_t end = record.find('\n', start);
    if (end == std::string_view::npos) return corrupt("unterminated line");
    auto fields = Fields(record.substr(start, end - start));
    start = end + 1;
    if (fields.empty() || fields[0].size() != 1) return corrupt("bad line");
    switch (fields[0][0]) {
      case 'S':
        if (fields.size() != 6 || !ParseU64(fields[1], &out.files_scanned) ||
            !ParseU64(fields[2], &out.bytes_scanned) || !ParseU64(fields[3], &out.files_too_large) ||
            !ParseU64(fields[4], &out.files_binary) || !ParseU64(fields[5], &out.files_truncated)) {
          return corrupt("bad summary");
        }
        seen_summary = true;
        break;
      case 'F': {
        if (fields.size() != 2) return corrupt("bad file line");
        CUSTOMS_ASSIGN_OR_RETURN(std::string path, Decode(fields[1]));
        out.files.push_back({std::move(path), {}});
        break;
      }
      case 'H': {
        if (fields.size() != 4 || out.files.empty()) return corrupt("bad hit line");
        RecordedHit hit;
        CUSTOMS_ASSIGN_OR_RETURN(hit.rule, Decode(fields[1]));
        if (!ParseU64(fields[2], &hit.line)) return corrupt("bad line number");
        CUSTOMS_ASSIGN_OR_RETURN(hit.masked, Decode(fields[3]));
        out.files.back().hits.push_back(std::move(hit));
        break;
      }
      default: return corrupt("unknown line kind");
    }
  }
  if (!seen_summary) return corrupt("no summary");
  return out;
}

}  // namespace customs::audit::secrets

namespace customs::audit::secrets {

std::vector<AuditFinding> CollectSecretFindings(const FileTree& tree, const SecretExtractor& extractor,
                                                const std::function<bool(std::string_view path)>& skip,
                                                Diagnostics& diagnostics) {
  std::vector<AuditFinding> findings;
  const auto& rules = extractor.scanner().rules().rules;
  std::uint64_t too_large = 0, binary = 0, skipped_files = 0, truncated = 0;
  for (const LayerInfo& layer : tree.layers()) {
    const std::string* record = tree.Record(layer.index, extractor.name());
    if (record == nullptr) continue;
    auto secrets = DeserializeLayerSecrets(*record);
    if (!secrets) {
      diagnostics.Incomplete("audit/secret", fmt::format("layer {}", layer.index + 1), secrets.error().message());
      continue;
    }
    too_large += secrets->files_too_large;
    truncated += secrets->files_truncated;
    binary += secrets->files_binary;
    for (const auto& file : secrets->files) {
      if (skip && skip(file.path)) {
        ++skipped_files;
        continue;
      }
      int removed = tree.RemovedIn(file.path, layer.index);
      for (const auto& hit : file.hits) {
        const SecretRule* rule = nullptr;
        for (const auto& r : rules) {
          if (r.id == hit.rule) rule = &r;
        }
        AuditFinding finding;
        finding.scanner = Scanner::kSecret;
        finding.rule = hit.rule;
        finding.severity = rule != nullptr ? rule->severity : Severity::kHigh;
        finding.title = rule != nullptr ? rule->title : hit.rule;
        finding.path = file.path;
        finding.line = static_cast<int>(hit.line);
        finding.match = hit.masked;
        finding.layer = layer.index;
        finding.layer_digest = layer.digest;
        finding.created_by = layer.created_by;
        finding.removed_in_layer = removed;
        if (removed >= 0) {
          finding.message = fmt::format("{} ({}) in {}:{}, removed in layer {} but still in the image (layer {})",
                                        finding.title, hit.masked, file.path, hit.line, removed + 1, layer.index + 1);
          finding.fix =
              "Rebuild without ever adding the file (a later rm does not remove it from the earlier layer), "
              "and revoke the secret: anyone who pulled the image can read it";
        } else {
          finding.message = fmt::format("{} ({}) in {}:{}", finding.title, hit.masked, file.path, hit.line);
          finding.fix = "Remove the secret from the image (mount it at run time or use a build secret) and revoke it";
        }
        findings.push_back(std::move(finding));
      }
    }
  }
  if (too_large > 0) {
    diagnostics.Info("audit/secret", "files",
                     fmt::format("{} files over the size limit were not scanned for secrets", too_large));
  }
  if (truncated > 0) {
    diagnostics.Info("audit/secret", "files",
                     fmt::format("{} files had {} or more secret matches; the rest of each was not scanned", truncated,
                                 SecretScanner::kMaxHitsPerFile));
  }
  if (binary > 0) {
    diagnostics.Info("audit/secret", "files", fmt::format("{} binary files were not scanned for secrets", binary));
  }
  if (skipped_files > 0) {
    diagnostics.Info("audit/secret", "files",
                     fmt::format("{} files with secret-like text belong to OS packages (public data) and were not "
                                 "reported",
                                 skipped_files));
  }
  return findings;
}

}  // namespace customs::audit::secrets
