// Rule family "Base image": FROM: the base image of the final stage, tags, digests, registries and platforms.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "lint/dockerfile/shell_lex.h"
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
  if (final_stage == nullptr) {
    return;
  }
  auto chain = c.model.Chain(c.model.final_stage);
  const Stage& root = c.model.stages[static_cast<std::size_t>(chain.back())];
  const ImageRef& ref = root.base;
  if (!ref.resolved || ref.scratch) {
    return;
  }
  std::string repo = StartsWith(ref.repository, "library/") ? ref.repository.substr(8) : ref.repository;
  std::string lower_tag = Lower(ref.tag);
  std::string lower_repo = Lower(repo);
  for (const auto& marker : kMinimalMarkers) {
    if (lower_tag.find(marker) != std::string::npos || lower_repo.find(marker) != std::string::npos) {
      return;
    }
  }
  bool full = false;
  for (const auto& image : kFullOsImages) {
    if (lower_repo == image || EndsWith(lower_repo, "/" + image)) {
      full = true;
    }
  }
  for (const auto& image : kFullOsByDefault) {
    if (lower_repo == image) {
      full = true;
    }
  }
  if (!full || IsAllowedBase(c, ref)) {
    return;
  }
  c.Report(root.from_instruction,
           fmt::format("final image is based on the full OS image \"{}\"{}", ref.raw,
                       root.index == c.model.final_stage ? "" : fmt::format(" (through stage {})", final_stage->index)),
           "use a slim, distroless or alpine base for the final stage (or add the image to allowed_base_images)");
}

// hadolint DL3006: an external image without a tag or digest (stage names and variables are not images).
void CheckUntagged(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) {
      continue;
    }
    if (!stage.base.tag.empty()) {
      continue;
    }
    c.Report(stage.from_instruction, fmt::format("base image \"{}\" has no tag (implies :latest)", stage.base.raw),
             fmt::format("pin a version: {}:<version>@sha256:<digest>", stage.base.raw));
  }
}

// hadolint DL3007: the :latest tag without a digest.
void CheckLatestTag(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) {
      continue;
    }
    if (stage.base.tag != "latest") {
      continue;
    }
    c.Report(stage.from_instruction, fmt::format("base image \"{}\" uses the :latest tag", stage.base.raw),
             "pin a specific version tag, ideally with a digest");
  }
}

void CheckDigestPin(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    if (stage.parent_stage >= 0 || !stage.base.resolved || stage.base.scratch || !stage.base.digest.empty()) {
      continue;
    }
    if (stage.base.tag.empty() || Lower(stage.base.tag) == "latest") {
      continue;  // base-image-latest covers it
    }
    c.Report(stage.from_instruction, fmt::format("base image \"{}\" is not pinned by digest", stage.base.raw),
             fmt::format("{}@sha256:<digest>", stage.base.raw));
  }
}

// hadolint DL3026 (with trusted_registries as its allowed registries): FROM images, COPY --from images and
// RUN --mount from= images must come from a trusted registry. Stage names, scratch and unresolved variables pass.
void CheckTrustedRegistry(const CheckContext& c) {
  if (c.settings.trusted_registries.empty()) {
    return;
  }
  auto trusted = [&](const std::string& registry) {
    return std::any_of(c.settings.trusted_registries.begin(), c.settings.trusted_registries.end(),
                       [&](const std::string& r) {
                         return Glob(r, registry) || (registry == "docker.io" && Glob(r, "hub.docker.com"));
                       });
  };
  std::set<std::string> aliases;
  auto check_image = [&](std::size_t i, const std::string& text, const char* where) {
    if (text.empty() || text.find('$') != std::string::npos) {
      return;
    }
    ImageRef ref = ParseImageRef(text);
    if (ref.scratch || aliases.count(text) || aliases.count(ref.name)) {
      return;
    }
    if (trusted(ref.registry)) {
      return;
    }
    c.Report(i, fmt::format("{} image \"{}\" comes from untrusted registry {}", where, text, ref.registry),
             "use images only from the registries in trusted_registries");
  };
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "FROM") {
      int stage = c.model.stage_of[i];
      const Stage& s = c.model.stages[static_cast<std::size_t>(stage)];
      if (s.parent_stage < 0 && s.base.resolved) {
        check_image(i, s.base.raw, "base");
      }
      if (!s.name.empty()) {
        aliases.insert(s.name);
      }
    }
    if (inst.cmd == "COPY" || inst.cmd == "ADD") {
      std::string from = FlagValue(inst, "from");
      if (!from.empty() && !std::all_of(from.begin(), from.end(), [](char ch) { return std::isdigit(ch); })) {
        check_image(i, from, "COPY --from");
      }
    }
    if (inst.cmd == "RUN") {
      for (const auto& f : inst.flags) {
        if (!StartsWith(f, "--mount=")) {
          continue;
        }
        for (const auto& part : SplitList(f.substr(8), ',')) {
          if (StartsWith(part, "from=")) {
            check_image(i, part.substr(5), "RUN --mount");
          }
        }
      }
    }
  });
}

// containerd's platforms.Parse, reduced to what the checks need: "os[/arch[/variant]]" or a bare architecture.
struct Platform {
  std::string os;
  std::string arch;
};
std::optional<Platform> ParsePlatform(const std::string& text) {
  static const RE2 kPart("[A-Za-z0-9_.-]+");
  auto parts = SplitList(text, '/');
  if (parts.empty() || parts.size() > 3) {
    return std::nullopt;
  }
  for (const auto& p : parts) {
    if (!RE2::FullMatch(p, kPart)) {
      return std::nullopt;
    }
  }
  static const std::set<std::string> kOs = {"linux",   "windows", "darwin", "freebsd", "netbsd", "openbsd",  "solaris",
                                            "illumos", "android", "ios",    "plan9",   "aix",    "dragonfly"};
  Platform platform;
  std::string first = Lower(parts[0]);
  if (parts.size() == 1 && !kOs.count(first)) {
    platform.os = "linux";
    platform.arch = first;
  } else {
    platform.os = first;
    platform.arch = parts.size() > 1 ? Lower(parts[1]) : "amd64";
  }
  return platform;
}

// hadolint DL3029 (any --platform other than $BUILDPLATFORM/$TARGETPLATFORM) and BuildKit's
// FromPlatformFlagConstDisallowed (a constant platform, unless the stage name mentions its OS or architecture);
// each finding carries the ids whose test it meets.
void CheckFromPlatform(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    const Instruction& inst = c.file.instructions[stage.from_instruction];
    if (!HasFlag(inst, "platform")) {
      continue;
    }
    const std::string platform = FlagValue(inst, "platform");
    const bool hadolint =
        platform.find("BUILDPLATFORM") == std::string::npos && platform.find("TARGETPLATFORM") == std::string::npos;
    bool buildkit = false;
    auto expanded = ProcessShellWord(platform, [](std::string_view) { return std::optional<std::string>(); });
    if (expanded && expanded->matched.empty() && expanded->unmatched.empty()) {
      if (auto p = ParsePlatform(expanded->result)) {
        buildkit = stage.name.find(p->os) == std::string::npos && stage.name.find(p->arch) == std::string::npos;
      }
    }
    if (!hadolint && !buildkit) {
      continue;
    }
    Finding& f = c.Report(stage.from_instruction, fmt::format("FROM --platform={} fixes the platform", platform),
                          "drop --platform or use $BUILDPLATFORM/$TARGETPLATFORM");
    if (!buildkit) {
      KeepAliases(f, {"DL3029"});
    }
    if (!hadolint) {
      KeepAliases(f, {"FromPlatformFlagConstDisallowed"});
    }
  }
}

// BuildKit's RedundantTargetPlatform and hadolint DL3065: --platform=$TARGETPLATFORM is the default.
void CheckRedundantTargetPlatform(const CheckContext& c) {
  for (const Stage& stage : c.model.stages) {
    const Instruction& inst = c.file.instructions[stage.from_instruction];
    if (!HasFlag(inst, "platform")) {
      continue;
    }
    const std::string platform = FlagValue(inst, "platform");
    auto expanded = ProcessShellWord(platform, [](std::string_view name) -> std::optional<std::string> {
      if (name == "TARGETPLATFORM") {
        return std::string("linux/amd64");
      }
      return std::nullopt;
    });
    const bool buildkit = expanded && expanded->matched.size() == 1 && expanded->matched.count("TARGETPLATFORM") &&
                          expanded->unmatched.empty() && expanded->result == "linux/amd64";
    const bool hadolint = platform == "$TARGETPLATFORM" || platform == "${TARGETPLATFORM}";
    if (!buildkit && !hadolint) {
      continue;
    }
    Finding& f = c.Report(stage.from_instruction,
                          fmt::format("FROM --platform={} is redundant: the target platform is the default", platform),
                          "drop --platform");
    if (!buildkit) {
      KeepAliases(f, {"DL3065"});
    }
    if (!hadolint) {
      KeepAliases(f, {"RedundantTargetPlatform"});
    }
  }
}

constexpr Rule kBaseImageRules[] = {
    {"base-image-full-os",
     Severity::kHigh,
     "Final image is based on a full OS distribution",
     "Full distributions (ubuntu, debian, centos, fedora, ...) ship a shell, a package manager and hundreds of "
     "packages the application never uses: each is attack surface and a source of CVEs. Use a slim, minimal, "
     "distroless or alpine base for the final stage. Configurable with allowed_base_images.",
     {},
     CheckFullOsBase},
    {"base-image-untagged",
     Severity::kMedium,
     "Base image has no tag",
     "Without a tag the image is :latest, which floats: builds are unreproducible and can silently pull a different, "
     "possibly compromised, image. Stage names and variables are not images.",
     {"DL3006", "AVD-DS-0001", "CKV_DOCKER_7"},
     CheckUntagged},
    {"base-image-latest",
     Severity::kMedium,
     "Base image uses :latest",
     "A floating tag makes builds unreproducible and can silently pull a different, possibly compromised, image.",
     {"DL3007", "AVD-DS-0001", "CKV_DOCKER_7"},
     CheckLatestTag},
    {"base-image-no-digest",
     Severity::kInfo,
     "Base image is not pinned by digest",
     "Tags are mutable; only a digest pins the exact image that was reviewed.",
     {},
     CheckDigestPin},
    {"untrusted-registry",
     Severity::kMedium,
     "Image from a registry outside trusted_registries",
     "Only registries the organisation trusts should supply base images, COPY --from images and RUN --mount images "
     "(active when trusted_registries is set; docker.io covers images without a registry).",
     {"DL3026"},
     CheckTrustedRegistry},
    {"from-platform-flag",
     Severity::kLow,
     "FROM --platform with a fixed platform",
     "A fixed platform breaks multi-platform builds; use $BUILDPLATFORM or $TARGETPLATFORM. BuildKit accepts a "
     "constant when the stage name mentions its OS or architecture.",
     {"DL3029", "FromPlatformFlagConstDisallowed"},
     CheckFromPlatform},
    {"redundant-target-platform",
     Severity::kInfo,
     "FROM --platform=$TARGETPLATFORM is redundant",
     "Stages are built for the target platform by default.",
     {"DL3065", "RedundantTargetPlatform"},
     CheckRedundantTargetPlatform},
};

}  // namespace

std::span<const Rule> BaseImageRules() {
  return kBaseImageRules;
}

}  // namespace customs::lint
