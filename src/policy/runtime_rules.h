// The runtime side of a policy: Falco-language rules (customs' `actions` extension included) that `customs watch`
// loads, and that `customs policy rules` prints so that users can read them and run them anywhere (Falco ignores the
// `actions` key with a warning).
//
// One scope macro per policy from its selector (container.image / container.image.repository with `=` or `glob`,
// container.image.id and container.image.digest, container.label[k], k8s.ns.name), then per enabled control:
//   no-shell           exec of a shell (src/core/data/tools.txt)              kill_container (warn: alert)
//   non-root           exec as uid 0, or setuid/setreuid/setresuid to 0        kill_container (warn: alert)
//   no-attacker-tools  exec of an attacker tool                              kill_container (warn: alert)
//   no-compilers       exec of a compiler or build tool                      kill_container (warn: alert)
//   immutable          exec from the upper layer or a memfd                  kill_process, in the kernel (warn: alert)
//   egress             connect outside allow_cidrs/domains/ports; to deny_countries: deny_network (in the kernel)
// With an image (ForImage), the rules are scoped to that image as well, and `immutable` and `no-shell` add a rule
// that kills any exec of a path the image did not ship as an executable: the image's own file list is the allow-list.
//
// Output is deterministic (policy order, control order, sorted lists): a golden file can hold it.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace customs::policy {

// What is known of one image, for rules bound to it.
struct RuntimeImage {
  std::vector<std::string> names;  // image references ("registry:5000/app:1"); matched on container.image(.repository)
  std::vector<std::string> digests;  // config digest (container.image.id) and manifest digest (container.image.digest)
  // Every path the image ships as an executable (regular files with an x bit, and the symlinks that resolve to
  // them), sorted. Values outside [A-Za-z0-9/._+-@] are left out (they could not be quoted safely; an exec of one is
  // then killed as "not from the image", which errs on the safe side).
  std::vector<std::string> executables;
};

struct RuleOptions {
  const RuntimeImage* image = nullptr;  // null: every policy, scoped by its selector only
  std::string source_name;              // shown in the header comment ("customs.policy.yaml")
};

// The rules as one Falco YAML document. With `options.image`, only the policies whose selector can match the image
// (ImageIdentity from its names and digests) are emitted. The text always loads in customs' rule loader.
std::string GenerateRuntimeRules(const PolicyFile& file, const RuleOptions& options);

// The macro name a policy's scope gets ("customs_policy_<name with _>_scope").
std::string ScopeMacroName(const std::string& policy_name);

}  // namespace customs::policy
