#include "catalog/lang/go.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "catalog/internal.h"
#include "catalog/lang/elf_visitor.h"
#include "catalog/lang/record.h"

namespace customs::catalog::lang {
namespace {

constexpr std::string_view kSource = "catalog/go-binary";
constexpr std::string_view kEvidence = "go buildinfo";
// Go's src/debug/buildinfo/buildinfo.go: the magic at a 16-byte-aligned offset, then a 32-byte header.
constexpr std::string_view kMagic = "\xff Go buildinf:";
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kAlign = 16;
// cmd/go/internal/modload/build.go wraps the module information in these 16-byte sentinels (infoStart, infoEnd).
constexpr std::string_view kInfoStart("\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
constexpr std::string_view kInfoEnd("\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);
constexpr std::size_t kVersionWindow = 64;
constexpr std::size_t kHeadLimit = std::size_t{64} * 1024;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// encoding/binary.Uvarint: returns the value and the number of bytes (0: need more bytes, -1: overflow).
std::pair<std::uint64_t, int> Uvarint(std::string_view data, std::size_t at) {
  std::uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (at + i >= data.size()) {
      return {0, 0};
    }
    const auto byte = static_cast<unsigned char>(data[at + i]);
    if (i == 9 && byte > 1) {
      return {0, -1};
    }
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      return {value, i + 1};
    }
  }
  return {0, -1};
}

// Go's debug/buildinfo: module information shorter than the two sentinels, or not ending in a newline before the end
// sentinel, is treated as absent.
std::string_view StripSentinels(std::string_view mod) {
  if (mod.size() >= 33 && mod[mod.size() - 17] == '\n') {
    return mod.substr(16, mod.size() - 32);
  }
  return {};
}

bool IsVersionText(std::string_view text) {
  if (!text.starts_with("go") && !text.starts_with("devel")) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

Status ParseModInfo(std::string_view text, GoBuildInfo* info) {
  GoModule* last = nullptr;
  std::size_t line_number = 0;
  for (std::string_view line : internal::Split(text, '\n')) {
    ++line_number;
    if (line.empty()) {
      continue;
    }
    const auto fields = internal::Split(line, '\t');
    const std::string_view kind = fields[0];
    if (kind == "path" && fields.size() >= 2) {
      info->path = std::string(fields[1]);
    } else if ((kind == "mod" || kind == "dep") && fields.size() >= 3) {
      GoModule module{std::string(fields[1]), std::string(fields[2]), fields.size() >= 4 ? std::string(fields[3]) : ""};
      if (module.path.empty()) {
        return MakeError(ErrorCode::kCorrupt, "line {}: module without a path", line_number);
      }
      if (kind == "mod") {
        info->main = std::move(module);
        last = &*info->main;
      } else {
        info->deps.push_back(std::move(module));
        last = &info->deps.back();
      }
    } else if (kind == "=>" && fields.size() >= 3) {
      if (last == nullptr || !last->replace_path.empty()) {
        return MakeError(ErrorCode::kCorrupt, "line {}: replacement without a module", line_number);
      }
      last->replace_path = std::string(fields[1]);
      last->replace_version = std::string(fields[2]);
      last = nullptr;
    } else if (kind == "path" || kind == "mod" || kind == "dep" || kind == "=>") {
      return MakeError(ErrorCode::kCorrupt, "line {}: malformed \"{}\" line", line_number, kind);
    }
    // "build" settings and kinds added by later Go versions carry no module.
  }
  return Ok();
}

std::optional<std::string> GoToolchainSemver(std::string_view go_version) {
  if (!go_version.starts_with("go")) {
    return std::nullopt;
  }
  std::string_view v = go_version.substr(2);
  v = v.substr(0, v.find(' '));  // " X:boringcrypto" and other experiment suffixes
  std::vector<std::string> numbers;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      ++i;
    }
    if (i == start || i - start > 9) {
      return std::nullopt;
    }
    numbers.emplace_back(v.substr(start, i - start));
    if (i < v.size() && v[i] == '.' && numbers.size() < 3) {
      ++i;
      continue;
    }
    break;
  }
  std::string pre;
  std::string_view rest = v.substr(i);
  for (std::string_view tag : {"rc", "beta"}) {
    if (rest.starts_with(tag) && rest.size() > tag.size() &&
        std::all_of(rest.begin() + static_cast<std::ptrdiff_t>(tag.size()), rest.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      pre = fmt::format("-{}.{}", tag, rest.substr(tag.size()));
      rest = {};
    }
  }
  if (!rest.empty()) {
    return std::nullopt;
  }
  while (numbers.size() < 3) {
    numbers.emplace_back("0");
  }
  return fmt::format("{}.{}.{}{}", numbers[0], numbers[1], numbers[2], pre);
}

std::vector<Package> GoPackages(const GoBuildInfo& info, std::string_view location) {
  std::vector<Package> packages;
  auto make = [&](std::string name, std::string version) {
    Package package;
    package.type = PackageType::kGolang;
    package.name = std::move(name);
    package.version = std::move(version);
    package.location = std::string(location);
    package.evidence = std::string(kEvidence);
    package.confidence = Confidence::kHigh;
    return package;
  };
  if (!info.go_version.empty()) {
    if (auto semver = GoToolchainSemver(info.go_version)) {
      packages.push_back(make("stdlib", *semver));
    } else {
      Package package = make("stdlib", info.go_version);
      package.unmatchable = true;
      package.unmatchable_reason = fmt::format("toolchain \"{}\" is not a release", info.go_version);
      packages.push_back(std::move(package));
    }
  }
  auto add_module = [&](const GoModule& module, bool is_main) {
    // cmd/go: a replacement by a directory has no version ("(devel)" when printed) and a path starting with ./ ../ or
    // /.
    const bool local_replacement =
        !module.replace_path.empty() && (module.replace_version.empty() || module.replace_version == "(devel)" ||
                                         module.replace_path[0] == '.' || module.replace_path[0] == '/');
    if (!module.replace_path.empty() && !local_replacement) {
      Package package = make(module.replace_path, module.replace_version);
      package.evidence = fmt::format("{} (replaces {} {})", kEvidence, module.path, module.version);
      packages.push_back(std::move(package));
      return;
    }
    Package package = make(module.path, module.version);
    if (!module.replace_path.empty()) {
      package.unmatchable = true;
      package.unmatchable_reason = fmt::format("replaced by the local directory {}", module.replace_path);
    } else if (is_main && (module.version.empty() || module.version == "(devel)")) {
      package.unmatchable = true;
      package.unmatchable_reason = "the main module, built from source (devel)";
    } else if (module.version.empty() || module.version == "(devel)") {
      package.unmatchable = true;
      package.unmatchable_reason = "no module version";
    }
    packages.push_back(std::move(package));
  };
  if (info.main) {
    add_module(*info.main, true);
  }
  for (const GoModule& dep : info.deps) {
    add_module(dep, false);
  }
  return packages;
}

struct GoBuildInfoScanner::State {
  enum class Phase { kSearching, kHeader, kInline, kPointers, kDone, kFailed };

  std::uint64_t position = 0;
  std::string head;
  bool head_done = false;
  std::optional<ElfLayout> elf;
  bool upx = false;
  StreamCaptures captures;
  StreamMatcher magic{std::string(kMagic)};
  StreamMatcher go_version{"go1."};
  StreamMatcher devel_version{"devel "};
  StreamMatcher info_start{std::string(kInfoStart)};
  std::vector<std::pair<std::uint64_t, std::size_t>> version_candidates;  // offset, capture id
  bool version_overflow = false;
  struct ModInfoCandidate {
    std::uint64_t offset = 0;
    std::size_t id = 0;
    std::size_t searched = 0;  // bytes searched for the end sentinel
    bool ended = false;
  };
  std::vector<ModInfoCandidate> modinfo_candidates;
  Phase phase = Phase::kSearching;
  std::string error;
  std::uint64_t header_offset = 0;
  std::size_t header_id = kNone;
  std::size_t inline_id = kNone;
  // Pointer layout.
  std::size_t pointer_size = 0;
  bool big_endian = false;
  std::size_t string_header_id[2] = {kNone, kNone};  // version, module information
  std::uint64_t string_offset[2] = {0, 0};
  std::uint64_t string_length[2] = {0, 0};
  std::size_t string_data_id[2] = {kNone, kNone};  // when the bytes lie ahead of the stream
  bool strings_known = false;
  GoBuildInfo result;

  void Fail(std::string message) {
    phase = Phase::kFailed;
    error = std::move(message);
  }

  // Moves the state machine on with what was captured; true when it made new capture requests.
  bool Step() {
    switch (phase) {
      case Phase::kHeader: return StepHeader();
      case Phase::kInline: StepInline(); return false;
      case Phase::kPointers: return StepPointers();
      default: return false;
    }
  }

  bool StepHeader() {
    if (!captures.Complete(header_id)) {
      return false;
    }
    const std::string& h = captures.Data(header_id);
    pointer_size = static_cast<unsigned char>(h[14]);
    const auto flags = static_cast<unsigned char>(h[15]);
    big_endian = (flags & 1) != 0;
    if ((flags & 2) != 0) {
      result.inline_layout = true;
      inline_id = captures.Request(header_offset + kHeaderSize, kMaxModInfo + 64);
      phase = Phase::kInline;
      return true;
    }
    if (pointer_size != 4 && pointer_size != 8) {
      Fail(fmt::format("build info with pointer size {}", pointer_size));
      return false;
    }
    if (!elf) {
      Fail("a pre-go1.18 build info needs the ELF program headers to resolve its pointers");
      return false;
    }
    for (int i = 0; i < 2; ++i) {
      const std::uint64_t address = ReadUnsigned(h, 16 + i * pointer_size, pointer_size, big_endian);
      auto offset = elf->FileOffset(address);
      if (!offset) {
        Fail(fmt::format("build info pointer 0x{:x} is outside the file's loaded segments", address));
        return false;
      }
      string_header_id[i] = captures.Request(*offset, 2 * pointer_size);
    }
    phase = Phase::kPointers;
    return true;
  }

  void StepInline() {
    const std::string& data = captures.Data(inline_id);
    auto [version_size, n1] = Uvarint(data, 0);
    if (n1 == 0) {
      return;
    }
    if (n1 < 0 || version_size > 1024) {
      Fail(fmt::format("the Go version string claims {} bytes", version_size));
      return;
    }
    const std::size_t modinfo_at = static_cast<std::size_t>(n1 + version_size);
    auto [modinfo_size, n2] = Uvarint(data, modinfo_at);
    if (n2 == 0) {
      return;
    }
    if (n2 < 0 || modinfo_size > kMaxModInfo) {
      Fail(fmt::format("the module information claims {} bytes (limit {})", modinfo_size, kMaxModInfo));
      return;
    }
    const std::size_t total = modinfo_at + static_cast<std::size_t>(n2 + modinfo_size);
    captures.Shrink(inline_id, total);
    if (data.size() < total) {
      return;
    }
    Parse(std::string_view(data).substr(static_cast<std::size_t>(n1), version_size),
          std::string_view(data).substr(modinfo_at + n2, modinfo_size));
  }

  bool StepPointers() {
    if (strings_known) {
      return false;
    }
    if (!captures.Complete(string_header_id[0]) || !captures.Complete(string_header_id[1])) {
      return false;
    }
    bool requested = false;
    for (int i = 0; i < 2; ++i) {
      const std::string& sh = captures.Data(string_header_id[i]);
      const std::uint64_t address = ReadUnsigned(sh, 0, pointer_size, big_endian);
      string_length[i] = ReadUnsigned(sh, pointer_size, pointer_size, big_endian);
      const std::uint64_t limit = i == 0 ? kVersionWindow : kMaxModInfoCandidate;
      if (string_length[i] > limit) {
        Fail(fmt::format("the build info's {} claims {} bytes (limit {})", i == 0 ? "Go version" : "module information",
                         string_length[i], limit));
        return false;
      }
      if (string_length[i] == 0) {
        continue;
      }
      auto offset = elf->FileOffset(address);
      if (!offset) {
        Fail(fmt::format("build info string at 0x{:x} is outside the file's loaded segments", address));
        return false;
      }
      string_offset[i] = *offset;
      if (*offset >= captures.position()) {
        string_data_id[i] = captures.Request(*offset, static_cast<std::size_t>(string_length[i]));
        requested = true;
      }
    }
    strings_known = true;
    return requested;
  }

  // The bytes of string i of the pointer layout: captured ahead, or a candidate kept as the stream passed.
  std::optional<std::string_view> PointerString(int i) {
    if (string_length[i] == 0) {
      return std::string_view();
    }
    const std::size_t length = static_cast<std::size_t>(string_length[i]);
    if (string_data_id[i] != kNone) {
      if (captures.Complete(string_data_id[i])) {
        return std::string_view(captures.Data(string_data_id[i]));
      }
      return std::nullopt;
    }
    if (i == 0) {
      for (const auto& [offset, id] : version_candidates) {
        if (offset == string_offset[0] && captures.Data(id).size() >= length) {
          return std::string_view(captures.Data(id)).substr(0, length);
        }
      }
    } else {
      for (const ModInfoCandidate& candidate : modinfo_candidates) {
        if (candidate.offset == string_offset[1] && captures.Data(candidate.id).size() >= length) {
          return std::string_view(captures.Data(candidate.id)).substr(0, length);
        }
      }
    }
    return std::nullopt;
  }

  void Parse(std::string_view version, std::string_view modinfo) {
    if (!version.empty() && !IsVersionText(version)) {
      Fail("the Go version string is not text");
      return;
    }
    result.go_version = std::string(version);
    auto parsed = ParseModInfo(StripSentinels(modinfo), &result);
    if (!parsed) {
      Fail("module information: " + parsed.error().message());
      return;
    }
    phase = Phase::kDone;
  }

  void WatchModInfoCandidates() {
    for (ModInfoCandidate& candidate : modinfo_candidates) {
      if (candidate.ended) {
        continue;
      }
      const std::string& data = captures.Data(candidate.id);
      const std::size_t from = candidate.searched > kInfoEnd.size() ? candidate.searched - kInfoEnd.size() : 0;
      const std::size_t at = data.find(kInfoEnd, std::max<std::size_t>(from, kInfoStart.size()));
      if (at != std::string::npos) {
        captures.Shrink(candidate.id, at + kInfoEnd.size());
        candidate.ended = true;
      }
      candidate.searched = data.size();
    }
  }
};

GoBuildInfoScanner::GoBuildInfoScanner() : state_(std::make_unique<State>()) {}
GoBuildInfoScanner::~GoBuildInfoScanner() = default;

void GoBuildInfoScanner::Feed(std::string_view chunk) {
  State& s = *state_;
  if (s.phase == State::Phase::kDone || s.phase == State::Phase::kFailed || chunk.empty()) {
    return;
  }
  const std::uint64_t base = s.position;
  if (!s.head_done) {
    s.head.append(chunk.substr(0, std::min(chunk.size(), kHeadLimit - s.head.size())));
    std::size_t needed = 0;
    s.elf = ParseElfHead(s.head, &needed);
    // UPX writes its "UPX!" marks right after the program headers of the packed file.
    s.upx =
        IsElf(s.head) && s.head.substr(0, std::min<std::size_t>(s.head.size(), 1024)).find("UPX!") != std::string::npos;
    if (s.elf || needed == 0 || needed > kHeadLimit || s.head.size() >= kHeadLimit) {
      s.head_done = true;
      s.head.clear();
      s.head.shrink_to_fit();
    }
  }
  if (s.phase == State::Phase::kSearching) {
    s.magic.Feed(base, chunk, [&](std::uint64_t offset) {
      if (s.phase != State::Phase::kSearching || offset % kAlign != 0) {
        return;
      }
      s.header_offset = offset;
      s.header_id = s.captures.Request(offset, kHeaderSize);
      s.phase = State::Phase::kHeader;
    });
    // Candidates for the pre-go1.18 layout, whose strings precede the header.
    auto add_version = [&](std::uint64_t offset) {
      if (s.version_candidates.size() >= kMaxVersionCandidates) {
        s.version_overflow = true;
        return;
      }
      s.version_candidates.emplace_back(offset, s.captures.Request(offset, kVersionWindow));
    };
    s.go_version.Feed(base, chunk, add_version);
    s.devel_version.Feed(base, chunk, add_version);
    s.info_start.Feed(base, chunk, [&](std::uint64_t offset) {
      if (s.modinfo_candidates.size() >= kMaxModInfoCandidates) {
        return;
      }
      s.modinfo_candidates.push_back({offset, s.captures.Request(offset, kMaxModInfoCandidate), 0, false});
    });
  }
  s.captures.Fill(base, chunk);
  s.WatchModInfoCandidates();
  while (s.Step()) {
    s.captures.Fill(base, chunk);
  }
  s.captures.Advance(base, chunk);
  s.position += chunk.size();
  if (s.phase == State::Phase::kInline || s.phase == State::Phase::kDone) {
    // The candidates only serve the pointer layout.
    for (auto& [offset, id] : s.version_candidates) {
      s.captures.Drop(id);
    }
    for (auto& candidate : s.modinfo_candidates) {
      s.captures.Drop(candidate.id);
    }
    s.version_candidates.clear();
    s.modinfo_candidates.clear();
  }
}

Result<GoBuildInfo> GoBuildInfoScanner::Finish() {
  State& s = *state_;
  switch (s.phase) {
    case State::Phase::kDone: return std::move(s.result);
    case State::Phase::kFailed: return MakeError(ErrorCode::kCorrupt, "{}", s.error);
    case State::Phase::kSearching:
      if (s.upx) {
        return MakeError(ErrorCode::kUnsupported, "UPX-packed executable: its contents cannot be read");
      }
      return MakeError(ErrorCode::kNotFound, "no Go build info");
    case State::Phase::kHeader: return MakeError(ErrorCode::kCorrupt, "truncated Go build info header");
    case State::Phase::kInline: return MakeError(ErrorCode::kCorrupt, "truncated Go build info");
    case State::Phase::kPointers: break;
  }
  if (!s.strings_known) {
    return MakeError(ErrorCode::kCorrupt, "the build info's string headers are not in the file");
  }
  auto version = s.PointerString(0);
  if (!version) {
    return MakeError(ErrorCode::kCorrupt, "the Go version string at file offset {} was not found{}", s.string_offset[0],
                     s.version_overflow ? " (too many candidates)" : "");
  }
  auto modinfo = s.PointerString(1);
  if (!modinfo) {
    return MakeError(ErrorCode::kCorrupt, "the module information at file offset {} was not found", s.string_offset[1]);
  }
  s.Parse(*version, *modinfo);
  if (s.phase == State::Phase::kFailed) {
    return MakeError(ErrorCode::kCorrupt, "{}", s.error);
  }
  return std::move(s.result);
}

std::unique_ptr<LayerVisitor> GoBinaryExtractor::StartLayer(int /*layer*/, Diagnostics& diagnostics) const {
  auto to_packages = [](const GoBuildInfo& info, std::string_view path) -> Result<std::vector<Package>> {
    return GoPackages(info, path);
  };
  return std::make_unique<ElfScanVisitor<GoBuildInfoScanner, decltype(to_packages)>>(
      diagnostics, std::string(kSource), "unreadable Go build info", to_packages);
}

std::vector<Package> GoBinaryCataloger::Catalog(const FileTree& tree, const OsInfo& os,
                                                Diagnostics& diagnostics) const {
  return PackagesFromRecords(tree, extractor_.name(), os, kSource, diagnostics);
}

}  // namespace customs::catalog::lang
