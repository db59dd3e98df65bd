#include "scan/policy_check.h"

#include <fmt/format.h>

#include <algorithm>

namespace customs::scan {

policy::ImageIdentity DockerfileIdentity(const std::vector<std::string>& names) {
  policy::ImageIdentity identity;
  identity.names = names;
  identity.names_known = !names.empty();
  return identity;
}

policy::ImageIdentity ImageIdentityOf(const std::string& target, const std::string& kind,
                                      const std::string& manifest_digest, const std::string& config_digest,
                                      const std::vector<std::pair<std::string, std::string>>& labels,
                                      const std::vector<std::string>& names) {
  policy::ImageIdentity identity;
  identity.names = names;
  if (kind == "registry" && std::find(names.begin(), names.end(), target) == names.end()) {
    identity.names.push_back(target);
  }
  identity.names_known = !identity.names.empty();
  for (const std::string* digest : {&manifest_digest, &config_digest}) {
    if (!digest->empty()) {
      identity.digests.push_back(*digest);
    }
  }
  identity.digests_known = !identity.digests.empty();
  identity.labels = labels;
  identity.labels_known = kind != "rootfs";  // a root filesystem has no config, so no labels to judge
  return identity;
}

void EnablePolicyLintRules(const policy::Applicable& applicable, lint::LintConfig* config) {
  for (const auto& control : applicable.controls) {
    std::string_view rule = policy::LintRuleFor(control.control);
    if (rule.empty()) {
      continue;
    }
    config->enabled.insert(std::string(rule));
    config->ignored.erase(std::string(rule));  // a policy control is not ignorable by the lint config
  }
}

std::vector<policy::Verdict> JudgeLintReports(const policy::Applicable& applicable,
                                              const std::vector<lint::FileReport>& reports) {
  std::vector<policy::StageFinding> findings;
  for (const auto& report : reports) {
    for (const auto& f : report.findings) {
      findings.push_back({f.rule, fmt::format("{}:{}: {}", report.file, f.line, f.message)});
    }
  }
  return policy::JudgeLint(applicable, findings);
}

policy::RuntimeImage RuntimeImageOf(const Inventory& inventory, const std::vector<std::string>& names) {
  policy::RuntimeImage image;
  image.names = names;
  if (inventory.kind == "registry" && std::find(names.begin(), names.end(), inventory.target) == names.end()) {
    image.names.push_back(inventory.target);
  }
  for (const std::string* digest : {&inventory.config_digest, &inventory.manifest_digest}) {
    if (!digest->empty()) {
      image.digests.push_back(*digest);
    }
  }
  image.executables = inventory.executables;
  return image;
}

}  // namespace customs::scan
