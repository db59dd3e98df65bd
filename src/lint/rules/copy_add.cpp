// Rule family "COPY and ADD": sources, destinations, --from references and the build context's .dockerignore.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "lint/dockerfile/shell_lex.h"
#include "lint/dockerignore.h"
#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

bool IsRemote(const std::string& s) {
  return StartsWith(s, "http://") || StartsWith(s, "https://") || StartsWith(s, "ftp://");
}

// hadolint's dropQuotes.
std::string DropQuotes(std::string_view s) {
  while (!s.empty() && (s.front() == '"' || s.front() == '\'')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '"' || s.back() == '\'')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// hadolint's archiveFileFormatExtensions.
bool IsArchive(std::string_view path) {
  static const std::vector<std::string_view> kExtensions = {".tar",  ".Z",   ".bz2", ".gz",  ".lz",
                                                            ".lzma", ".tZ",  ".tb2", ".tbz", ".tbz2",
                                                            ".tgz",  ".tlz", ".tpz", ".txz", ".xz"};
  std::string p = DropQuotes(path);
  return std::any_of(kExtensions.begin(), kExtensions.end(), [&](std::string_view e) { return EndsWith(p, e); });
}

// The source words of a COPY/ADD (heredoc sources excluded) and its destination.
std::vector<std::string> Sources(const Instruction& inst) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
    if (!StartsWith(inst.args[k], "<<")) {
      out.push_back(inst.args[k]);
    }
  }
  return out;
}

void CheckAddRemote(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || HasFlag(inst, "checksum") || inst.args.size() < 2) {
      return;
    }
    for (const auto& src : Sources(inst)) {
      if (IsRemote(src)) {
        ReportInstruction(c, i, inst, fmt::format("ADD downloads {} without --checksum", src),
                          "ADD --checksum=sha256:<digest> <url> <dest>");
      }
    }
  });
}

// hadolint DL3020: ADD where some source is neither an archive nor a URL. Trivy DS005 keeps its id when no
// argument mentions .tar, http(s):// or git@; checkov CKV_DOCKER_4 reports every ADD (ADD of archives and
// checksummed URLs is deliberately not a finding here).
void CheckAddForCopy(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || inst.args.size() < 2 || !inst.heredocs.empty()) {
      return;
    }
    auto sources = Sources(inst);
    if (std::all_of(sources.begin(), sources.end(), [](const std::string& s) {
          std::string p = DropQuotes(s);
          return IsArchive(p) || StartsWith(p, "https://") || StartsWith(p, "http://");
        })) {
      return;
    }
    Finding& f =
        ReportInstruction(c, i, inst, "ADD used to copy local files", "use COPY; ADD only for archives to extract");
    std::string joined = Join(inst.args, " ");
    for (std::string_view s : {".tar", "http://", "https://", "git@"}) {
      if (joined.find(s) != std::string::npos) {
        KeepAliases(f, {"DL3020", "CKV_DOCKER_4"});
      }
    }
  });
}

// hadolint DL3021 and Trivy DS011: COPY with several sources needs a directory destination.
void CheckCopyDestSlash(const CheckContext& c) {
  ForInstructionsAndTriggers(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || inst.args.size() < 3 || !inst.heredocs.empty()) {
      return;
    }
    std::string dest = DropQuotes(inst.args.back());
    if (EndsWith(dest, "/")) {
      return;
    }
    Finding& f =
        ReportInstruction(c, i, inst, fmt::format("{} with several sources needs a destination ending in /", inst.cmd),
                          inst.args.back() + "/");
    if (inst.cmd == "ADD") {
      f.aliases.clear();
    }
  });
}

// hadolint DL3022: --from must name an earlier (or the current) stage, a stage index, or an image ("name:tag").
void CheckCopyFromUnknown(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") {
      return;
    }
    if (!HasFlag(inst, "from")) {
      return;
    }
    std::string from = DropQuotes(FlagValue(inst, "from"));
    if (from.find(':') != std::string::npos || from.find('$') != std::string::npos) {
      return;
    }
    int stage = c.model.stage_of[i];
    int stages_so_far = stage + 1;
    for (int s = 0; s < stages_so_far; ++s) {
      if (c.model.stages[static_cast<std::size_t>(s)].name == from) {
        return;
      }
    }
    if (!from.empty() && from.size() < 6 &&
        std::all_of(from.begin(), from.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) &&
        std::stoi(from) < stages_so_far) {
      return;
    }
    c.Report(i, fmt::format("COPY --from={} does not name an earlier stage (it will be pulled as an image)", from),
             "define the stage before this one or use a full image reference (name:tag)");
  });
}

void CheckCopyFromSelf(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") {
      return;
    }
    std::string from = FlagValue(inst, "from");
    int stage = c.model.stage_of[i];
    if (from.empty() || stage < 0) {
      return;
    }
    const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
    if ((!s.name.empty() && Lower(from) == Lower(s.name)) || from == std::to_string(stage)) {
      c.Report(i, fmt::format("COPY --from={} refers to the stage it is in", from), "copy from an earlier stage");
    }
  });
}

// hadolint DL3067: COPY --from=<stage> / / copies a whole filesystem.
void CheckCopyEntireFilesystem(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY" || !HasFlag(inst, "from") || inst.args.size() < 2) {
      return;
    }
    auto sources = Sources(inst);
    if (DropQuotes(inst.args.back()) == "/" &&
        std::any_of(sources.begin(), sources.end(), [](const std::string& s) { return DropQuotes(s) == "/"; })) {
      c.Report(i, "COPY --from copies a whole filesystem over /", "copy only the files the image needs");
    }
  });
}

// hadolint DL3045: COPY to a relative destination before any WORKDIR in the stage (or the stages it is built
// FROM). ONBUILD COPY is left alone: the image built FROM this one decides its WORKDIR.
void CheckCopyRelative(const CheckContext& c) {
  std::map<int, bool> workdir;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    int stage = c.model.stage_of[i];
    if (inst.cmd == "FROM" && stage >= 0) {
      int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
      workdir[stage] = parent >= 0 && workdir[parent];
    }
    if (inst.cmd == "WORKDIR") {
      workdir[stage] = true;
    }
    if (inst.cmd != "COPY" || inst.args.size() < 2 || workdir[stage]) {
      return;
    }
    std::string dest = DropQuotes(inst.args.back());
    if (dest.empty() || dest[0] == '/' || dest[0] == '$') {
      return;
    }
    if (dest.size() >= 2 && std::isalpha(static_cast<unsigned char>(dest[0])) && dest[1] == ':') {
      return;
    }
    c.Report(i, fmt::format("COPY to the relative path \"{}\" without a WORKDIR", inst.args.back()),
             "set WORKDIR first, or copy to an absolute path");
  });
}

std::string Basename(std::string_view path) {
  std::string p = DropQuotes(path);
  std::size_t slash = p.find_last_of("/\\");
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// hadolint DL3010: an archive COPY'd in and then extracted by a RUN of the same stage: ADD extracts it in one
// layer.
void CheckCopyThenExtract(const CheckContext& c) {
  std::map<std::string, std::size_t> archives;  // basename -> COPY instruction
  std::set<std::size_t> reported;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "FROM") {
      archives.clear();
    }
    if (inst.cmd == "COPY" && !HasFlag(inst, "from") && inst.args.size() >= 2) {
      if (IsArchive(inst.args.back())) {
        archives[Basename(inst.args.back())] = i;
      } else {
        for (const auto& src : Sources(inst)) {
          if (IsArchive(Basename(src))) {
            archives[Basename(src)] = i;
          }
        }
      }
    }
    if (inst.cmd != "RUN" || archives.empty()) {
      return;
    }
    const RunAnalysis* run = c.model.RunAt(i);
    if (run == nullptr) {
      return;
    }
    static const std::set<std::string> kUnzip = {"unzip", "gunzip",     "bunzip2", "unlzma", "unxz",
                                                 "zgz",   "uncompress", "zcat",    "gzcat"};
    for (const CommandView& v : run->views) {
      bool tar_extract = v.name == "tar" && (v.HasAnyArg({"--extract", "--get"}) ||
                                             std::any_of(v.args.begin(), v.args.end(), [](const std::string& a) {
                                               return StartsWith(a, "-") && a.find('x') != std::string::npos;
                                             }));
      if (!tar_extract && !kUnzip.count(v.name)) {
        continue;
      }
      for (const auto& word : v.ArgsNoFlags()) {
        auto it = archives.find(Basename(word));
        if (it != archives.end() && reported.insert(it->second).second) {
          c.Report(it->second, fmt::format("{} is copied in and then extracted by a later RUN", it->first),
                   "use ADD, which extracts local archives in one layer");
        }
      }
    }
  });
}

// BuildKit's CopyIgnoredFile: a COPY/ADD source from the build context that .dockerignore excludes. BuildKit skips
// the check when the .dockerignore has exclusions ("!"), and reports "." or "/" only when everything at the root
// is excluded.
void CheckCopyIgnored(const CheckContext& c) {
  if (c.dockerignore == nullptr || c.dockerignore->HasExclusions()) {
    return;
  }
  // Values of ARG/ENV seen so far in each stage, for sources like $FILE (unknown ones skip the source).
  std::map<int, std::map<std::string, std::string>> vars;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    int stage = c.model.stage_of[i];
    if (inst.cmd == "FROM" && stage >= 0) {
      int parent = c.model.stages[static_cast<std::size_t>(stage)].parent_stage;
      vars[stage] = parent >= 0 ? vars[parent] : std::map<std::string, std::string>{};
    }
    if (inst.cmd == "ENV") {
      for (std::size_t k = 0; k + 1 < inst.args.size(); k += 3) {
        vars[stage][inst.args[k]] = inst.args[k + 1];
      }
    }
    if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        std::size_t eq = word.find('=');
        if (eq != std::string::npos) {
          vars[stage][word.substr(0, eq)] = word.substr(eq + 1);
        }
      }
    }
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || HasFlag(inst, "from") || stage < 0) {
      return;
    }
    const auto& known = vars[stage];
    for (const auto& src : Sources(inst)) {
      auto expanded = ProcessShellWord(src, [&](std::string_view name) -> std::optional<std::string> {
        auto it = known.find(std::string(name));
        if (it == known.end()) {
          return std::nullopt;
        }
        return it->second;
      });
      if (!expanded || !expanded->unmatched.empty()) {
        continue;
      }
      const std::string& path = expanded->result;
      if (IsRemote(path) || StartsWith(path, "git@") || path.find(".git#") != std::string::npos) {
        continue;
      }
      std::string cleaned = CleanPath(path);
      if ((cleaned == "." || cleaned == "/") && !c.dockerignore->ExcludesContextRoot()) {
        continue;
      }
      if (!c.dockerignore->MatchesOrParentMatches(cleaned)) {
        continue;
      }
      c.Report(i, fmt::format("{} of \"{}\", which .dockerignore excludes", inst.cmd, cleaned),
               "remove the file from .dockerignore or stop copying it");
    }
  });
}

constexpr Rule kCopyAddRules[] = {
    {"add-remote-without-checksum",
     Severity::kMedium,
     "ADD of a remote URL without --checksum",
     "The download is not verified and can change between builds.",
     {"CKV_DOCKER_4"},
     CheckAddRemote},
    {"add-instead-of-copy",
     Severity::kLow,
     "ADD used for local files",
     "ADD's implicit extraction and URL handling surprise; COPY is explicit. ADD of archives (to extract them) and "
     "of URLs is not reported here.",
     {"DL3020", "AVD-DS-0005", "CKV_DOCKER_4"},
     CheckAddForCopy},
    {"copy-archive-then-extract",
     Severity::kInfo,
     "Archive copied in and extracted by a later RUN",
     "COPY of an archive followed by tar/unzip in a RUN keeps the archive in a layer; ADD extracts it directly.",
     {"DL3010"},
     CheckCopyThenExtract},
    {"copy-destination-slash",
     Severity::kMedium,
     "Several sources need a destination ending in /",
     "With several sources the destination must be a directory.",
     {"DL3021", "AVD-DS-0011"},
     CheckCopyDestSlash},
    {"copy-relative-without-workdir",
     Severity::kLow,
     "COPY to a relative path without WORKDIR",
     "A relative destination depends on the base image's WORKDIR, which can change under you.",
     {"DL3045"},
     CheckCopyRelative},
    {"copy-from-unknown-stage",
     Severity::kMedium,
     "COPY --from names no earlier stage",
     "An unknown name is pulled as an image from a registry, which is rarely what was meant.",
     {"DL3022"},
     CheckCopyFromUnknown},
    {"copy-from-own-stage",
     Severity::kHigh,
     "COPY --from refers to its own stage",
     "A stage cannot copy from itself; the build fails.",
     {"DL3023", "AVD-DS-0006"},
     CheckCopyFromSelf},
    {"copy-entire-filesystem",
     Severity::kMedium,
     "COPY --from copies a whole filesystem",
     "COPY --from=<stage> / / brings the builder's every file, tool and secret into the image.",
     {"DL3067"},
     CheckCopyEntireFilesystem},
    {"copy-ignored-file",
     Severity::kMedium,
     "COPY/ADD of a file that .dockerignore excludes",
     "The build fails (or copies less than intended) because the file is not in the build context. The "
     ".dockerignore next to the Dockerfile (or <Dockerfile>.dockerignore) is read with Docker's pattern rules.",
     {"CopyIgnoredFile"},
     CheckCopyIgnored},
};

}  // namespace

std::span<const Rule> CopyAddRules() {
  return kCopyAddRules;
}

}  // namespace customs::lint
