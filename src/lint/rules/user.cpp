// Rule family "User": which user the final image runs as, and how users are created.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "lint/rules/check_util.h"
#include "lint/rules/families.h"

namespace customs::lint {
namespace {

bool IsRootUser(std::string user) {
  user = user.substr(0, user.find(':'));
  return user.empty() || user == "root" || user == "0";
}

// The last USER instruction of the whole file (Trivy DS002 and checkov CKV_DOCKER_3/8 look at the file, not the
// final stage), or nullptr.
const Instruction* LastUserInFile(const CheckContext& c) {
  const Instruction* last = nullptr;
  for (const auto& inst : c.file.instructions) {
    if (inst.cmd == "USER" && !inst.args.empty()) {
      last = &inst;
    }
  }
  return last;
}

// Judged on the final stage and what it inherits through FROM <stage> (hadolint DL3002 judges every stage: a
// builder stage that ends as root is not a finding here).
void CheckRootUser(const CheckContext& c) {
  const Stage* final_stage = FinalStage(c);
  if (final_stage == nullptr) {
    return;
  }
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
  if (has_user && !IsRootUser(user)) {
    return;
  }
  if (!has_user) {
    // The base image's own config may set a user; only the well-known non-root tags are trusted for that.
    const ImageRef& base = c.model.stages[static_cast<std::size_t>(c.model.Chain(c.model.final_stage).back())].base;
    if (!base.resolved) {
      return;
    }
    const std::string tag = Lower(base.tag);
    if (tag.find("nonroot") != std::string::npos || tag.find("rootless") != std::string::npos) {
      return;
    }
  }
  if (has_user && user.find('$') != std::string::npos) {
    return;  // unresolved: unknown
  }
  std::string elsewhere;
  auto chain = c.model.Chain(c.model.final_stage);
  for (const Stage& stage : c.model.stages) {
    if (std::find(chain.begin(), chain.end(), stage.index) != chain.end()) {
      continue;
    }
    ForStageInstructions(c, stage.index, [&](std::size_t, const Instruction& inst) {
      if (inst.cmd == "USER" && !inst.args.empty() && !IsRootUser(inst.args[0])) {
        elsewhere = fmt::format(" (USER {} in stage {} is not inherited by the final stage)", inst.args[0],
                                stage.name.empty() ? std::to_string(stage.index) : stage.name);
      }
    });
  }
  const Instruction* last_in_file = LastUserInFile(c);
  if (has_user) {
    Finding& f = c.Report(user_instruction, fmt::format("the final stage runs as root (USER {}){}", user, elsewhere),
                          "switch to an unprivileged user: USER 10001:10001");
    const bool last = last_in_file == &c.file.instructions[user_instruction];
    if (!last) {
      KeepAliases(f, {"DL3002"});
    } else if (user != "root") {
      KeepAliases(f, {"DL3002", "AVD-DS-0002"});
    }
  } else {
    Finding& f =
        c.Report(final_stage->from_instruction, "the final stage never sets USER, so it runs as root" + elsewhere,
                 "add USER <non-root uid> to the final stage");
    if (last_in_file == nullptr) {
      KeepAliases(f, {"AVD-DS-0002", "CKV_DOCKER_3"});
    } else {
      f.aliases.clear();
    }
  }
}

// hadolint DL3066: USER by name may not resolve on the host (numeric uid, or an ARG that holds it, is fine).
void CheckUserNumeric(const CheckContext& c) {
  std::set<std::string> args;
  ForAllInstructions(c, [&](std::size_t i, const Instruction& inst) {
    if (inst.cmd == "ARG") {
      for (const auto& word : inst.args) {
        args.insert(word.substr(0, word.find('=')));
      }
    }
    if (inst.cmd != "USER" || inst.args.empty()) {
      return;
    }
    const std::string& user = inst.args[0];
    std::string uid = user.substr(0, user.find(':'));
    if (std::all_of(uid.begin(), uid.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      return;
    }
    for (const auto& a : args) {
      if (user.find("${" + a + "}") != std::string::npos || user.find("$" + a) != std::string::npos) {
        return;
      }
    }
    c.Report(i, fmt::format("USER {} is not a numeric uid; the host may not resolve it", user), "USER 10001:10001");
  });
}

// hadolint DL3046: useradd -u <long uid> without -l writes a huge sparse /var/log/lastlog into the layer.
void CheckUseradd(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const CommandView& v : run.views) {
      if (v.name != "useradd" || v.HasAnyFlag({"l", "no-log-init"}) || !v.HasAnyFlag({"u", "uid"})) {
        continue;
      }
      auto uids = v.FlagValues("u");
      if (std::any_of(uids.begin(), uids.end(), [](const std::string& u) { return u.size() > 5; })) {
        c.Report(i, "useradd with a high uid and without -l makes the image large", "useradd -l -u ...");
        return;
      }
    }
  });
}

// checkov CKV2_DOCKER_17: chpasswd sets passwords baked into the image.
void CheckChpasswd(const CheckContext& c) {
  ForRuns(c, [&](std::size_t i, const Instruction&, const RunAnalysis& run) {
    for (const auto& command : run.commands) {
      if (command.Program() == "chpasswd") {
        c.Report(i, "RUN sets a password with chpasswd; it stays in the image",
                 "do not bake passwords into images; lock the account instead");
        return;
      }
    }
  });
}

constexpr Rule kUserRules[] = {
    {"root-user",
     Severity::kHigh,
     "Final stage runs as root",
     "Without USER (or with USER root/0) the container runs as root, which turns a container escape or a writable "
     "mount into host root. A USER in a builder stage does not carry over to the final stage.",
     {"DL3002", "AVD-DS-0002", "CKV_DOCKER_3", "CKV_DOCKER_8"},
     CheckRootUser},
    {"user-not-numeric",
     Severity::kInfo,
     "USER is a name, not a numeric uid",
     "Kubernetes' runAsNonRoot and the host cannot check a user name; a numeric uid (or an ARG holding it) can be.",
     {"DL3066"},
     CheckUserNumeric},
    {"useradd-without-l",
     Severity::kLow,
     "useradd with a high uid and without -l",
     "useradd -u <large uid> without -l (--no-log-init) writes a sparse lastlog of gigabytes into the layer.",
     {"DL3046"},
     CheckUseradd},
    {"chpasswd",
     Severity::kMedium,
     "Password set with chpasswd",
     "A password set during the build is part of the image and known to everyone who can read the Dockerfile.",
     {"CKV2_DOCKER_17"},
     CheckChpasswd},
};

}  // namespace

std::span<const Rule> UserRules() {
  return kUserRules;
}

}  // namespace customs::lint
