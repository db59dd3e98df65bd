// customs.policy.yaml: parse, select, judge and generate rules from arbitrary bytes. Must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/policy.h"
#include "policy/runtime_rules.h"
#include "policy/stages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::policy;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = ParsePolicy(text, "fuzz.yaml");
  if (!file) return 0;
  ImageIdentity image;
  image.names = {"registry:5000/app:1.0"};
  image.names_known = true;
  image.labels = {{"tier", "db"}};
  image.labels_known = true;
  Applicable applicable = ApplicableControls(*file, image);
  std::vector<Verdict> verdicts = JudgeLint(applicable, {{"root-user", "line 1"}});
  auto audit =
      JudgeAudit(applicable, {{"shell-present", "/bin/sh"}}, {"80/tcp"}, {{"CVE-1", "p", "HIGH", true, false}}, true);
  verdicts.insert(verdicts.end(), audit.begin(), audit.end());
  (void)RenderVerdictTable(applicable, verdicts);
  (void)RenderVerdictJson(applicable, verdicts);
  RuntimeImage runtime_image;
  runtime_image.names = {"app:1"};
  runtime_image.executables = {"/usr/bin/app", "/bin/sh"};
  RuleOptions options;
  (void)GenerateRuntimeRules(*file, options);
  options.image = &runtime_image;
  (void)GenerateRuntimeRules(*file, options);
  return 0;
}
