#include "catalog/lang/rust_binary.h"

#include <fmt/format.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "catalog/lang/elf_stream.h"
#include "catalog/lang/elf_visitor.h"
#include "catalog/lang/record.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/rust-binary";
constexpr std::string_view kEvidence = "cargo-auditable";
constexpr std::size_t kHeadLimit = std::size_t{64} * 1024;
constexpr std::size_t kNamesWindow = std::size_t{64} * 1024;  // bytes before the section headers kept for .shstrtab
constexpr std::size_t kMaxSectionHeaders = 1 << 20;
constexpr std::size_t kMaxCandidates = 1 << 20;             // zlib headers tried per file
constexpr std::size_t kCommitted = std::size_t{64} * 1024;  // output past which a candidate is taken to be the stream

// One speculative zlib stream starting at `offset`.
struct Candidate {
  std::uint64_t offset = 0;
  z_stream zs{};
  std::string output;
  bool ended = false;

  explicit Candidate(std::uint64_t at) : offset(at) {}
  ~Candidate() { inflateEnd(&zs); }
  Candidate(const Candidate&) = delete;
  Candidate& operator=(const Candidate&) = delete;

  // Feeds bytes; false when the candidate is dead (bad data, wrong output, too long).
  bool Feed(std::string_view data) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    char buffer[16384];
    while (zs.avail_in > 0 && !ended) {
      zs.next_out = reinterpret_cast<Bytef*>(buffer);
      zs.avail_out = sizeof(buffer);
      const int ret = inflate(&zs, Z_NO_FLUSH);
      const std::size_t produced = sizeof(buffer) - zs.avail_out;
      if (output.size() + produced > DepV0Scanner::kMaxJson) {
        return false;
      }
      output.append(buffer, produced);
      if (output.size() >= 1 && output[0] != '{') {
        return false;
      }
      if (output.size() >= 2 && output[1] != '"') {
        return false;
      }
      if (ret == Z_STREAM_END) {
        ended = true;
      } else if (ret != Z_OK) {
        return false;
      }
      if (produced == 0 && zs.avail_in > 0 && ret == Z_OK && zs.avail_out != 0) {
        return false;  // no progress
      }
    }
    return true;
  }
};

std::string_view CString(std::string_view table, std::uint64_t offset) {
  if (offset >= table.size()) {
    return {};
  }
  std::string_view rest = table.substr(static_cast<std::size_t>(offset));
  return rest.substr(0, rest.find('\0'));
}

}  // namespace

Result<std::vector<Package>> ParseAuditableJson(std::string_view json, std::string_view location) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("packages") || !doc["packages"].is_array()) {
    return MakeError(ErrorCode::kCorrupt, "not cargo-auditable JSON (no \"packages\" array)");
  }
  std::vector<Package> packages;
  for (const auto& entry : doc["packages"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() || !entry.contains("version") ||
        !entry["version"].is_string()) {
      return MakeError(ErrorCode::kCorrupt, "a package without a name or version");
    }
    Package package;
    package.type = PackageType::kCargo;
    package.name = entry["name"].get<std::string>();
    package.version = entry["version"].get<std::string>();
    package.location = std::string(location);
    package.evidence = std::string(kEvidence);
    package.confidence = Confidence::kHigh;
    const std::string source =
        entry.contains("source") && entry["source"].is_string() ? entry["source"].get<std::string>() : "";
    const bool build = entry.contains("kind") && entry["kind"] == "build";
    if (build) {
      package.evidence += " (build dependency)";
    }
    if (source != "crates.io") {
      package.unmatchable = true;
      package.unmatchable_reason =
          source.empty() ? "no source" : fmt::format("source \"{}\" is not the crates.io registry", source);
    }
    packages.push_back(std::move(package));
  }
  return packages;
}

struct DepV0Scanner::State {
  std::uint64_t position = 0;
  std::string head;
  bool head_done = false;
  std::optional<ElfLayout> elf;
  std::uint64_t region_start = 0;  // speculation starts here (after the loaded segments)
  std::vector<std::unique_ptr<Candidate>> live;
  std::unique_ptr<Candidate> found;
  std::size_t tried = 0;
  bool too_many = false;
  char previous = 0;  // the byte before the current chunk (a zlib header may straddle)
  bool have_previous = false;
  StreamCaptures captures;
  std::size_t section_headers_id = static_cast<std::size_t>(-1);
  std::size_t names_window_id = static_cast<std::size_t>(-1);
  std::uint64_t names_window_start = 0;

  void StartCandidate(std::uint64_t offset, std::string_view bytes) {
    if (found || live.size() >= kMaxLiveCandidates) {
      return;
    }
    if (++tried > kMaxCandidates) {
      too_many = true;
      return;
    }
    auto candidate = std::make_unique<Candidate>(offset);
    if (inflateInit(&candidate->zs) != Z_OK) {
      return;
    }
    if (!candidate->Feed(bytes)) {
      return;
    }
    if (candidate->ended) {
      found = std::move(candidate);
      return;
    }
    live.push_back(std::move(candidate));
  }

  void Scan(std::uint64_t base, std::string_view chunk) {
    // Live candidates first (they continue with this chunk), then new ones that start inside it.
    for (std::size_t i = 0; i < live.size();) {
      if (!live[i]->Feed(chunk)) {
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      if (live[i]->ended) {
        if (!found) {
          found = std::move(live[i]);
        }
        live.clear();
        break;
      }
      if (live[i]->output.size() > kCommitted && live.size() > 1) {
        // JSON this long from a false zlib header does not happen: this is the stream. Only one candidate may grow
        // large, so the candidates together never hold much more than kMaxJson.
        std::unique_ptr<Candidate> keep = std::move(live[i]);
        live.clear();
        live.push_back(std::move(keep));
        break;
      }
      ++i;
    }
    if (found) {
      return;
    }
    if (live.size() == 1 && live[0]->output.size() > kCommitted) {
      return;
    }
    const std::uint64_t from = std::max(base, region_start);
    if (have_previous && base > 0 && base - 1 >= region_start && previous == '\x78' && !chunk.empty()) {
      CheckHeader(base - 1, '\x78', chunk[0], std::string(1, '\x78') + std::string(chunk));
    }
    for (std::uint64_t at = from; at + 1 < base + chunk.size() && !found; ++at) {
      const std::size_t i = static_cast<std::size_t>(at - base);
      const std::size_t hit = chunk.find('\x78', i);
      if (hit == std::string_view::npos || hit + 1 >= chunk.size()) {
        break;
      }
      at = base + hit;
      CheckHeader(at, chunk[hit], chunk[hit + 1], chunk.substr(hit));
    }
  }

  void CheckHeader(std::uint64_t at, char cmf, char flg, std::string_view bytes) {
    const auto c = static_cast<unsigned char>(cmf);
    const auto f = static_cast<unsigned char>(flg);
    // RFC 1950 2.2: CM 8, CINFO <= 7, FCHECK makes CMF*256+FLG a multiple of 31, no preset dictionary.
    if (c != 0x78 || ((c << 8) | f) % 31 != 0 || (f & 0x20) != 0) {
      return;
    }
    StartCandidate(at, bytes);
  }
};

DepV0Scanner::DepV0Scanner() : state_(std::make_unique<State>()) {}
DepV0Scanner::~DepV0Scanner() = default;

void DepV0Scanner::Feed(std::string_view chunk) {
  State& s = *state_;
  if (chunk.empty()) {
    return;
  }
  const std::uint64_t base = s.position;
  if (!s.head_done) {
    s.head.append(chunk.substr(0, std::min(chunk.size(), kHeadLimit - s.head.size())));
    std::size_t needed = 0;
    s.elf = ParseElfHead(s.head, &needed);
    if (s.elf || needed == 0 || needed > kHeadLimit || s.head.size() >= kHeadLimit) {
      s.head_done = true;
      s.head.clear();
      if (s.elf) {
        s.region_start = s.elf->LoadedEnd();
        const std::uint64_t table = static_cast<std::uint64_t>(s.elf->section_count) * s.elf->section_header_size;
        if (s.elf->section_headers_offset != 0 && table > 0 && table <= kMaxSectionHeaders) {
          s.section_headers_id = s.captures.Request(s.elf->section_headers_offset, static_cast<std::size_t>(table));
          s.names_window_start =
              s.elf->section_headers_offset > kNamesWindow ? s.elf->section_headers_offset - kNamesWindow : 0;
          s.names_window_id = s.captures.Request(
              s.names_window_start, static_cast<std::size_t>(s.elf->section_headers_offset - s.names_window_start));
        }
      }
    }
  }
  if (s.head_done && s.elf) {
    s.Scan(base, chunk);
  }
  s.captures.Fill(base, chunk);
  s.captures.Advance(base, chunk);
  s.previous = chunk.back();
  s.have_previous = true;
  s.position += chunk.size();
}

Result<std::string> DepV0Scanner::Finish() {
  State& s = *state_;
  // Section headers, when present, name the section; the stream must start exactly there.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> section;  // offset, size
  bool headers_read = false;
  if (s.elf && s.section_headers_id != static_cast<std::size_t>(-1) && s.captures.Complete(s.section_headers_id)) {
    const std::string& table = s.captures.Data(s.section_headers_id);
    const std::size_t entry = s.elf->section_header_size;
    const bool is64 = s.elf->is_64;
    const bool be = s.elf->big_endian;
    const std::size_t word = is64 ? 8 : 4;
    if (entry >= (is64 ? 64u : 40u) && s.elf->section_names_index < s.elf->section_count) {
      auto field = [&](std::size_t index, std::size_t at, std::size_t size) {
        return ReadUnsigned(table, index * entry + at, size, be);
      };
      // Elf_Shdr: sh_name(4) sh_type(4) sh_flags(word) sh_addr(word) sh_offset(word) sh_size(word) ...
      const std::size_t offset_at = 8 + 2 * word;
      const std::uint64_t names_offset = field(s.elf->section_names_index, offset_at, word);
      const std::uint64_t names_size = field(s.elf->section_names_index, offset_at + word, word);
      const std::string& window = s.captures.Data(s.names_window_id);
      if (names_offset >= s.names_window_start && names_offset + names_size <= s.names_window_start + window.size()) {
        headers_read = true;
        std::string_view names = std::string_view(window).substr(
            static_cast<std::size_t>(names_offset - s.names_window_start), static_cast<std::size_t>(names_size));
        for (std::size_t i = 0; i < s.elf->section_count; ++i) {
          if (CString(names, field(i, 0, 4)) == ".dep-v0") {
            section = std::make_pair(field(i, offset_at, word), field(i, offset_at + word, word));
          }
        }
      }
    }
  }
  if (headers_read && !section) {
    return MakeError(ErrorCode::kNotFound, "no .dep-v0 section");
  }
  if (!s.found) {
    if (section) {
      return MakeError(ErrorCode::kCorrupt, "the .dep-v0 section does not inflate to audit data");
    }
    return MakeError(ErrorCode::kNotFound, "no cargo-auditable data");
  }
  if (section && s.found->offset != section->first) {
    return MakeError(ErrorCode::kCorrupt, "the .dep-v0 section at offset {} does not hold the audit data",
                     section->first);
  }
  return std::move(s.found->output);
}

std::unique_ptr<LayerVisitor> RustBinaryExtractor::StartLayer(int /*layer*/, Diagnostics& diagnostics) const {
  auto to_packages = [](const std::string& json, std::string_view path) { return ParseAuditableJson(json, path); };
  return std::make_unique<ElfScanVisitor<DepV0Scanner, decltype(to_packages)>>(
      diagnostics, std::string(kSource), "unreadable cargo-auditable data", to_packages);
}

std::vector<Package> RustBinaryCataloger::Catalog(const FileTree& tree, const OsInfo& os,
                                                  Diagnostics& diagnostics) const {
  return PackagesFromRecords(tree, extractor_.name(), os, kSource, diagnostics);
}

}  // namespace customs::catalog::lang
