// customs.policy.yaml: one policy, enforced at every stage where it can be (Dockerfile lint, image audit, runtime).
//
// A policy file holds named policies. Each selects images (by name, digest, label, Kubernetes namespace) and turns on
// named controls, each with `mode: enforce` (a violation fails the gate / kills at runtime) or `mode: warn` (reported
// only). The controls and what each stage checks are in docs/policy.md; stages.h maps them to the lint and audit rules
// and runtime_rules.h generates the runtime rules.
//
// The module depends on core only: it parses and decides, the callers (scan, cli) run lint, audit and watch.
// Pure functions; thread-safe; nothing throws (yaml-cpp's exceptions are caught here).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace customs::policy {

enum class Control {
  kNoShell,
  kNonRoot,
  kNoAttackerTools,
  kNoCompilers,
  kImmutable,
  kEgress,
  kVulnerabilities,
  kCount,
};
inline constexpr int kControlCount = static_cast<int>(Control::kCount);
std::string_view ControlName(Control control);  // "no-shell", "non-root", ...
std::optional<Control> ControlFromName(std::string_view name);

enum class Mode { kEnforce, kWarn };
std::string_view ModeName(Mode mode);  // "enforce", "warn"

// Which images a policy applies to. Every kind given must match (AND); within a kind any value may match (OR). An
// empty selector matches every image.
struct Selector {
  std::vector<std::string> images;   // image name patterns: "postgres", "registry:5000/db/*", "app:1.2" (fnmatch)
  std::vector<std::string> digests;  // "sha256:<64 hex>": the manifest digest or the config digest (image id)
  std::vector<std::pair<std::string, std::string>> labels;  // image (container) labels, all must be equal
  std::vector<std::string> namespaces;                      // Kubernetes namespaces
  bool empty() const { return images.empty() && digests.empty() && labels.empty() && namespaces.empty(); }
};

struct EgressSettings {
  std::vector<std::string> allow_cidrs;     // "10.0.0.0/8", "::1/128"
  std::vector<std::string> allow_domains;   // "api.example.com"
  std::vector<int> allow_ports;             // 443
  std::vector<std::string> deny_countries;  // ISO 3166 alpha-2: "RU"
  // Whether any allow list was given: only then is every other destination refused.
  bool has_allow_list() const { return !allow_cidrs.empty() || !allow_domains.empty() || !allow_ports.empty(); }
};

struct VulnerabilitySettings {
  // Findings at or above this severity fail ("UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL").
  std::string fail_on = "HIGH";
  bool ignore_unfixed = false;  // findings without a fixed version do not fail (KEV ones still do)
  // A finding in CISA's Known Exploited Vulnerabilities catalog always fails, whatever its severity. Always true; the
  // key exists so that a file saying `kev: false` is refused rather than silently ignored.
  bool kev_fails = true;
};

struct ControlSetting {
  bool enabled = false;
  Mode mode = Mode::kEnforce;
};

struct Policy {
  std::string name;  // [a-z0-9][a-z0-9-]*, unique in the file
  int line = 0;      // 1-based line in the file
  Selector selector;
  std::array<ControlSetting, kControlCount> controls{};
  EgressSettings egress;
  VulnerabilitySettings vulnerabilities;

  const ControlSetting& setting(Control control) const { return controls[static_cast<int>(control)]; }
  bool enabled(Control control) const { return setting(control).enabled; }
};

struct PolicyFile {
  std::string origin;  // the file name, for messages
  std::vector<Policy> policies;
};

// Parses a policy file. Errors: kInvalidArgument naming the file, line and what is wrong (unknown keys and controls
// are errors: a typo in a security policy must not switch a control off silently). Input over 1 MiB is refused.
[[nodiscard]] Result<PolicyFile> ParsePolicy(std::string_view text, const std::string& origin);
// Reads and parses a file (kIo / kNotFound when it cannot be read).
[[nodiscard]] Result<PolicyFile> LoadPolicy(const std::filesystem::path& path);

// What is known about an image at a stage. Unknown parts (`*_known` false) cannot exclude a policy: a selector kind
// that cannot be evaluated at a stage is taken to match, so a check is never skipped for lack of information (a
// Dockerfile has no digest; an image has no namespace until it runs).
struct ImageIdentity {
  std::vector<std::string> names;  // "registry:5000/app:1.0", "app:1.0" (any may match)
  bool names_known = false;
  std::vector<std::string> digests;  // manifest digest, config digest
  bool digests_known = false;
  std::vector<std::pair<std::string, std::string>> labels;
  bool labels_known = false;
  std::string k8s_namespace;
  bool namespace_known = false;
};

bool Matches(const Selector& selector, const ImageIdentity& image);

// One control's effective setting for an image: enabled if any applicable policy enables it; enforce wins over warn.
// `policies` names the policies that contributed.
struct EffectiveControl {
  Control control = Control::kNoShell;
  Mode mode = Mode::kWarn;
  std::vector<std::string> policies;
};

// The controls that apply to `image`, in Control order, with merged settings: egress allow lists are the union
// (deny countries too); vulnerabilities take the strictest fail_on, and ignore_unfixed only if every contributing
// policy says so.
struct Applicable {
  std::vector<EffectiveControl> controls;
  EgressSettings egress;
  VulnerabilitySettings vulnerabilities;
  const EffectiveControl* Find(Control control) const;
};
Applicable ApplicableControls(const PolicyFile& file, const ImageIdentity& image);

// Severity names in order, lowest first; -1 for an unknown name.
int SeverityRank(std::string_view name);

}  // namespace customs::policy
