// customs.policy.yaml at the lint and audit stages, and the runtime rules of one image: the glue between the policy
// module (which only decides) and lint, the image scan and the inventory (which find). `customs lint --policy`,
// `customs image --policy`, `customs policy rules --image` and `customs policy check` call these.
#pragma once

#include <string>
#include <vector>

#include "lint/linter.h"
#include "policy/policy.h"
#include "policy/runtime_rules.h"
#include "policy/stages.h"
#include "scan/inventory.h"

namespace customs::scan {

// What a Dockerfile says of the image it builds: only the names given (--image-name); digests, labels and the
// namespace are unknown, so they do not exclude a policy.
policy::ImageIdentity DockerfileIdentity(const std::vector<std::string>& names);

// What an image read by BuildInventory says of itself: the names given plus the target when it is a registry
// reference, the manifest and config digests, the config labels. The namespace is unknown until it runs.
policy::ImageIdentity ImageIdentityOf(const std::string& target, const std::string& kind,
                                      const std::string& manifest_digest, const std::string& config_digest,
                                      const std::vector<std::pair<std::string, std::string>>& labels,
                                      const std::vector<std::string>& names);

// Turns on the lint rules the applicable controls need that are off by default (shell-in-final-stage).
void EnablePolicyLintRules(const policy::Applicable& applicable, lint::LintConfig* config);

// The lint-stage verdicts over every linted file's findings.
std::vector<policy::Verdict> JudgeLintReports(const policy::Applicable& applicable,
                                              const std::vector<lint::FileReport>& reports);

// The image's runtime identity and executables (the inventory must have been built with collect_executables).
policy::RuntimeImage RuntimeImageOf(const Inventory& inventory, const std::vector<std::string>& names);

}  // namespace customs::scan
