// Rule family "COPY and ADD": COPY and ADD sources, destinations and --from references.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

bool IsRemote(const std::string& s) {
  return StartsWith(s, "http://") || StartsWith(s, "https://") || StartsWith(s, "ftp://");
}

void CheckAddRemote(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || HasFlag(inst, "checksum") || inst.args.size() < 2) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      if (IsRemote(inst.args[k])) {
        c.Report(i, fmt::format("ADD downloads {} without --checksum", inst.args[k]),
                 "ADD --checksum=sha256:<digest> <url> <dest>");
      }
    }
  });
}

void CheckCopyFromUnknown(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") return;
    std::string from = FlagValue(inst, "from");
    int stage = c.model.stage_of[i];
    if (from.empty() || stage < 0 || from.find('$') != std::string::npos) return;
    if (from.find('/') != std::string::npos || from.find(':') != std::string::npos) return;  // an image
    if (c.model.FindStage(from, stage) >= 0) return;
    if (Lower(from) == Lower(c.model.stages[static_cast<std::size_t>(stage)].name)) return;  // copy-from-self
    c.Report(i, fmt::format("COPY --from={} does not name an earlier stage (it will be pulled as an image)", from),
             "define the stage before this one or use a full image reference");
  });
}

void CheckCopyFromSelf(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "COPY") return;
    std::string from = FlagValue(inst, "from");
    int stage = c.model.stage_of[i];
    if (from.empty() || stage < 0) return;
    const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
    if ((!s.name.empty() && Lower(from) == Lower(s.name)) || from == std::to_string(stage)) {
      c.Report(i, fmt::format("COPY --from={} refers to the stage it is in", from), "copy from an earlier stage");
    }
  });
}

void CheckAddForCopy(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "ADD" || inst.args.size() < 2 || !inst.heredocs.empty()) return;
    for (std::size_t k = 0; k + 1 < inst.args.size(); ++k) {
      const std::string& src = inst.args[k];
      std::string lower = Lower(src);
      if (IsRemote(src) || StartsWith(src, "git@") || EndsWith(lower, ".tar") ||
          lower.find(".tar.") != std::string::npos || EndsWith(lower, ".tgz") || EndsWith(lower, ".tbz2") ||
          EndsWith(lower, ".txz") || src.find('$') != std::string::npos) {
        return;
      }
    }
    c.Report(i, "ADD used to copy local files", "use COPY; ADD only for archives to extract or checksummed URLs");
  });
}

void CheckCopyDestSlash(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if ((inst.cmd != "COPY" && inst.cmd != "ADD") || inst.args.size() < 3 || !inst.heredocs.empty()) return;
    const std::string& dest = inst.args.back();
    if (!EndsWith(dest, "/") && dest.find('$') == std::string::npos) {
      c.Report(i, fmt::format("{} with several sources needs a destination ending in /", inst.cmd), dest + "/");
    }
  });
}

constexpr Rule kCopyAddRules[] = {
    {"add-remote-without-checksum",
     Severity::kMedium,
     "ADD of a remote URL without --checksum",
     "The download is not verified and can change between builds.",
     {"", "", ""},
     CheckAddRemote},
    {"add-instead-of-copy",
     Severity::kLow,
     "ADD used for local files",
     "ADD's implicit extraction and URL handling surprise; COPY is explicit.",
     {"DL3020", "AVD-DS-0005", ""},
     CheckAddForCopy},
    {"copy-destination-slash",
     Severity::kMedium,
     "Several sources need a destination ending in /",
     "With several sources the destination must be a directory.",
     {"DL3021", "AVD-DS-0011", ""},
     CheckCopyDestSlash},
    {"copy-from-unknown-stage",
     Severity::kMedium,
     "COPY --from names no earlier stage",
     "An unknown name is pulled as an image from a registry, which is rarely what was meant.",
     {"DL3022", "", ""},
     CheckCopyFromUnknown},
    {"copy-from-own-stage",
     Severity::kHigh,
     "COPY --from refers to its own stage",
     "A stage cannot copy from itself; the build fails.",
     {"DL3023", "AVD-DS-0006", ""},
     CheckCopyFromSelf},
};

}  // namespace

std::span<const Rule> CopyAddRules() {
  return kCopyAddRules;
}

}  // namespace customs::lint
