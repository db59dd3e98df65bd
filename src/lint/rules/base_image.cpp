// Rule family "Base image": Rules on FROM: the base image of the final stage, tags, digests, registries and platforms.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

const std::vector<std::string> kFullOsImages = {"ubuntu",         "debian",
                                                "centos",         "fedora",
                                                "rockylinux",     "almalinux",
                                                "amazonlinux",    "oraclelinux",
                                                "opensuse/leap",  "opensuse/tumbleweed",
                                                "archlinux",      "kalilinux/kali-rolling",
                                                "buildpack-deps", "redhat/ubi8",
                                                "redhat/ubi9",    "ubi8/ubi",
                                                "ubi9/ubi",       "clearlinux",
                                                "photon",         "mageia",
                                                "gentoo/stage3"};

// Language images whose default tags are a full Debian.
const std::vector<std::string> kFullOsByDefault = {
    "python", "node",   "golang",          "ruby",           "openjdk", "php",    "perl",  "rust", "gcc",
    "maven",  "gradle", "eclipse-temurin", "amazoncorretto", "haskell", "elixir", "erlang"};

const std::vector<std::string> kMinimalMarkers = {"slim",       "alpine",   "minimal", "distroless", "micro", "busybox",
                                                  "nanoserver", "chiseled", "scratch", "wolfi",      "static"};

bool IsAllowedBase(const CheckContext& c, const ImageRef& ref) {
  for (const auto& allowed : c.settings.allowed_base_images) {
    std::string full = ref.repository + (ref.tag.empty() ? "" : ":" + ref.tag);
    if (Glob(allowed, ref.raw) || Glob(allowed, ref.name) || Glob(allowed, ref.repository) ||
        Glob("library/" + allowed, ref.repository) || Glob(allowed, full) || Glob("library/" + allowed, full)) {
      return true;
    }
  }
  return false;
}

void CheckFullOsBase(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) return;
  auto chain = c.model.Chain(c.model.final_stage);
  const Stage& root = c.model.stages[static_cast<std::size_t>(chain.back())];
  const ImageRef& ref = root.base;
  if (!ref.resolved || ref.scratch) return;
  std::string repo = StartsWith(ref.repository, "library/") ? ref.repository.substr(8) : ref.repository;
  std::string lower_tag = Lower(ref.tag);
  std::string lower_repo = Lower(repo);
  for (const auto& marker : kMinimalMarkers) {
    if (lower_tag.find(marker) != std::string::npos || lower_repo.find(marker) != std::string::npos) return;
  }
  bool full = false;
  for (const auto& image : kFullOsImages) {
    if (lower_repo == image || EndsWith(lower_repo, "/" + image)) full = true;
  }
  for (const auto& image : kFullOsByDefault) {
    if (lower_repo == image) full = true;
  }
  if (!full || IsAllowedBase(c, ref)) return;
  c.Report(root.from_instruction,
           fmt::format("final image is based on the full OS image \"{}\"{}", ref.raw,
                       root.index == c.model.final_stage ? "" : fmt::format(" (through stage {})", final_stage->index)),
           "use a slim, distroless or alpine base for the final stage (or add the image to allowed_base_images)");
}

void CheckLatestTag(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) continue;
    if (stage.base.tag.empty()) {
      c.Report(stage.from_instruction, fmt::format("base image \"{}\" has no tag (implies :latest)", stage.base.raw),
               fmt::format("pin a version: {}:<version>@sha256:<digest>", stage.base.raw));
    } else if (Lower(stage.base.tag) == "latest") {
      c.Report(stage.from_instruction, fmt::format("base image \"{}\" uses the :latest tag", stage.base.raw),
               "pin a specific version tag, ideally with a digest");
    }
  }
}

void CheckDigestPin(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) continue;
    if (stage.base.tag.empty() || Lower(stage.base.tag) == "latest") continue;  // base-image-latest covers it
    c.Report(stage.from_instruction, fmt::format("base image \"{}\" is not pinned by digest", stage.base.raw),
             fmt::format("{}@sha256:<digest>", stage.base.raw));
  }
}

void CheckTrustedRegistry(const CheckContext& c) {
  if (c.settings.trusted_registries.empty()) return;
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch) continue;
    bool trusted = std::any_of(c.settings.trusted_registries.begin(), c.settings.trusted_registries.end(),
                               [&](const std::string& r) { return Glob(r, stage.base.registry); });
    if (!trusted) {
      c.Report(stage.from_instruction,
               fmt::format("base image \"{}\" comes from untrusted registry {}", stage.base.raw, stage.base.registry),
               "pull base images only from the registries in trusted_registries");
    }
  }
}

void CheckFromPlatform(const CheckContext& c) {
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd != "FROM") return;
    std::string platform = FlagValue(inst, "platform");
    if (!platform.empty() && platform.find('$') == std::string::npos) {
      c.Report(i, fmt::format("FROM --platform={} hard-codes the platform", platform),
               "drop --platform or use $BUILDPLATFORM/$TARGETPLATFORM");
    }
  });
}

constexpr Rule kBaseImageRules[] = {
    {"base-image-full-os",
     Severity::kHigh,
     "Final image is based on a full OS distribution",
     "Full distributions (ubuntu, debian, centos, fedora, ...) ship a shell, a package manager and hundreds of "
     "packages the application never uses: each is attack surface and a source of CVEs. Use a slim, minimal, "
     "distroless or alpine base for the final stage. Configurable with allowed_base_images.",
     {"", "", ""},
     CheckFullOsBase},
    {"base-image-latest",
     Severity::kMedium,
     "Base image uses :latest or no tag",
     "A floating tag makes builds unreproducible and can silently pull a different, possibly compromised, image.",
     {"DL3007", "AVD-DS-0001", ""},
     CheckLatestTag},
    {"base-image-no-digest",
     Severity::kInfo,
     "Base image is not pinned by digest",
     "Tags are mutable; only a digest pins the exact image that was reviewed.",
     {"", "", ""},
     CheckDigestPin},
    {"untrusted-registry",
     Severity::kMedium,
     "Base image from a registry outside trusted_registries",
     "Only registries the organisation trusts should supply base images (active when trusted_registries is set).",
     {"", "", ""},
     CheckTrustedRegistry},
    {"from-platform-flag",
     Severity::kLow,
     "FROM --platform with a constant",
     "A fixed platform breaks multi-platform builds.",
     {"DL3029", "", "FromPlatformFlagConstDisallowed"},
     CheckFromPlatform},
};

}  // namespace

std::span<const Rule> BaseImageRules() {
  return kBaseImageRules;
}

}  // namespace customs::lint
