// Rule family "User": Which user the final image runs as.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

bool IsRootUser(std::string user) {
  user = user.substr(0, user.find(':'));
  return user.empty() || user == "root" || user == "0";
}

void CheckRootUser(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) return;
  std::string user;
  std::size_t user_instruction = 0;
  bool has_user = false;
  for (int stage : FinalChain(c)) {
    ForStageInstructions(c, stage, [&](std::size_t i, const Instruction& inst) {
      if (inst.cmd == "USER" && !inst.args.empty()) {
        user = inst.args[0];
        user_instruction = i;
        has_user = true;
      }
    });
  }
  if (has_user && !IsRootUser(user)) return;
  if (!has_user) {
    // The base image's own config may set a user; only the well-known non-root tags are trusted for that.
    const ImageRef& base = c.model.stages[static_cast<std::size_t>(c.model.Chain(c.model.final_stage).back())].base;
    if (!base.resolved) return;
    const std::string tag = Lower(base.tag);
    if (tag.find("nonroot") != std::string::npos || tag.find("rootless") != std::string::npos) return;
  }
  if (has_user && user.find('$') != std::string::npos) return;  // unresolved: unknown
  std::string elsewhere;
  auto chain = c.model.Chain(c.model.final_stage);
  for (const Stage& stage : c.model.stages) {
    if (std::find(chain.begin(), chain.end(), stage.index) != chain.end()) continue;
    ForStageInstructions(c, stage.index, [&](std::size_t, const Instruction& inst) {
      if (inst.cmd == "USER" && !inst.args.empty() && !IsRootUser(inst.args[0])) {
        elsewhere = fmt::format(" (USER {} in stage {} is not inherited by the final stage)", inst.args[0],
                                stage.name.empty() ? std::to_string(stage.index) : stage.name);
      }
    });
  }
  if (has_user) {
    c.Report(user_instruction, fmt::format("the final stage runs as root (USER {}){}", user, elsewhere),
             "switch to an unprivileged user: USER 10001:10001");
  } else {
    c.Report(final_stage->from_instruction, "the final stage never sets USER, so it runs as root" + elsewhere,
             "add USER <non-root uid> to the final stage");
  }
}

constexpr Rule kUserRules[] = {
    {"root-user",
     Severity::kHigh,
     "Final stage runs as root",
     "Without USER (or with USER root/0) the container runs as root, which turns a container escape or a writable "
     "mount into host root. A USER in a builder stage does not carry over to the final stage.",
     {"DL3002", "AVD-DS-0002", ""},
     CheckRootUser},
};

}  // namespace

std::span<const Rule> UserRules() {
  return kUserRules;
}

}  // namespace customs::lint
