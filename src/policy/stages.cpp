#include "policy/stages.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/json_writer.h"
#include "core/output.h"
#include "core/utf8.h"

namespace customs::policy {
namespace {

struct StageRules {
  std::string_view lint;
  std::string_view audit;
};

// Indexed by Control.
constexpr std::array<StageRules, kControlCount> kStageRules = {{
    {"shell-in-final-stage", "shell-present"},
    {"root-user", "image-runs-as-root"},
    {"attacker-tools", "attacker-tool-present"},
    {"compilers-in-final-stage", "compiler-present"},
    {"", ""},
    {"", ""},
    {"", ""},
}};

Status Violated(Mode mode) {
  return mode == Mode::kEnforce ? Status::kFail : Status::kWarn;
}

// Up to three messages, then "and N more".
std::string Summarise(const std::vector<std::string>& messages) {
  std::string out;
  for (std::size_t i = 0; i < messages.size() && i < 3; ++i) {
    out += (i ? "; " : "") + messages[i];
  }
  if (messages.size() > 3) {
    out += fmt::format("; and {} more", messages.size() - 3);
  }
  return out;
}

Verdict ByRule(const EffectiveControl& control, Stage stage, std::string_view rule,
               const std::vector<StageFinding>& findings) {
  Verdict v{control.control, stage, Status::kNotApplicable, ""};
  if (rule.empty()) {
    return v;
  }
  std::vector<std::string> hits;
  for (const auto& f : findings) {
    if (f.rule == rule) {
      hits.push_back(f.message);
    }
  }
  v.status = hits.empty() ? Status::kPass : Violated(control.mode);
  v.detail = hits.empty() ? fmt::format("no {} finding", rule) : fmt::format("{}: {}", rule, Summarise(hits));
  return v;
}

}  // namespace

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kLint: return "lint";
    case Stage::kAudit: return "audit";
    case Stage::kRuntime: return "runtime";
  }
  return "unknown";
}

std::string_view LintRuleFor(Control control) {
  return kStageRules[static_cast<int>(control)].lint;
}

std::string_view AuditRuleFor(Control control) {
  return kStageRules[static_cast<int>(control)].audit;
}

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kPass: return "pass";
    case Status::kFail: return "FAIL";
    case Status::kWarn: return "warn";
    case Status::kNotApplicable: return "-";
    case Status::kInfo: return "info";
    case Status::kEnforced: return "enforced";
    case Status::kAlertOnly: return "alert";
    case Status::kNotChecked: return "not run";
  }
  return "unknown";
}

std::vector<Verdict> JudgeLint(const Applicable& applicable, const std::vector<StageFinding>& findings) {
  std::vector<Verdict> out;
  for (const auto& control : applicable.controls) {
    out.push_back(ByRule(control, Stage::kLint, LintRuleFor(control.control), findings));
  }
  return out;
}

std::vector<Verdict> JudgeAudit(const Applicable& applicable, const std::vector<StageFinding>& findings,
                                const std::vector<std::string>& exposed_ports, const std::vector<VulnFinding>& vulns,
                                bool vulns_scanned) {
  std::vector<Verdict> out;
  for (const auto& control : applicable.controls) {
    if (control.control == Control::kEgress) {
      Verdict v{control.control, Stage::kAudit, Status::kInfo, ""};
      v.detail = exposed_ports.empty() ? "the image exposes no ports"
                                       : "EXPOSE " + Summarise(exposed_ports) + " (checked at runtime)";
      out.push_back(std::move(v));
      continue;
    }
    if (control.control == Control::kVulnerabilities) {
      Verdict v{control.control, Stage::kAudit, Status::kNotChecked, "vulnerabilities were not scanned"};
      if (vulns_scanned) {
        const VulnerabilitySettings& s = applicable.vulnerabilities;
        const int threshold = SeverityRank(s.fail_on);
        std::vector<std::string> failing;
        for (const auto& f : vulns) {
          bool fails = f.kev || (SeverityRank(f.severity) >= threshold && (f.fixable || !s.ignore_unfixed));
          if (fails) {
            failing.push_back(fmt::format("{} {} ({}{})", f.id, f.package, f.severity, f.kev ? ", KEV" : ""));
          }
        }
        v.status = failing.empty() ? Status::kPass : Violated(control.mode);
        v.detail =
            failing.empty()
                ? fmt::format("nothing at or above {}{}, no KEV", s.fail_on, s.ignore_unfixed ? " with a fix" : "")
                : fmt::format("{} finding{}: {}", failing.size(), failing.size() == 1 ? "" : "s", Summarise(failing));
      }
      out.push_back(std::move(v));
      continue;
    }
    out.push_back(ByRule(control, Stage::kAudit, AuditRuleFor(control.control), findings));
  }
  return out;
}

std::vector<Verdict> JudgeRuntime(const Applicable& applicable) {
  std::vector<Verdict> out;
  for (const auto& control : applicable.controls) {
    Verdict v{control.control, Stage::kRuntime, Status::kNotApplicable, ""};
    const bool enforce = control.mode == Mode::kEnforce;
    switch (control.control) {
      case Control::kNoShell:
      case Control::kNoAttackerTools:
      case Control::kNoCompilers:
        v.status = enforce ? Status::kEnforced : Status::kAlertOnly;
        v.detail = enforce ? "exec: kill_container" : "exec: alert";
        break;
      case Control::kNonRoot:
        v.status = enforce ? Status::kEnforced : Status::kAlertOnly;
        v.detail = enforce ? "uid 0: kill_process" : "uid 0: alert";
        break;
      case Control::kImmutable:
        v.status = enforce ? Status::kEnforced : Status::kAlertOnly;
        v.detail = enforce ? "exec not from the image: kill_process (in the kernel)" : "exec not from the image: alert";
        break;
      case Control::kEgress:
        v.status = enforce ? Status::kEnforced : Status::kAlertOnly;
        v.detail = enforce ? "connect outside the allow list: deny_network (in the kernel)" : "connect: alert";
        break;
      case Control::kVulnerabilities:
      case Control::kCount: break;
    }
    out.push_back(std::move(v));
  }
  return out;
}

bool AnyFailure(const std::vector<Verdict>& verdicts) {
  return std::any_of(verdicts.begin(), verdicts.end(), [](const Verdict& v) { return v.status == Status::kFail; });
}

std::string RenderVerdictTable(const Applicable& applicable, const std::vector<Verdict>& verdicts) {
  // Columns: control, mode, lint, audit, runtime; details below the table.
  std::string out = fmt::format("{:<19} {:<8} {:<9} {:<9} {:<9}\n", "CONTROL", "MODE", "LINT", "AUDIT", "RUNTIME");
  std::string details;
  for (const auto& control : applicable.controls) {
    std::map<Stage, const Verdict*> by_stage;
    for (const auto& v : verdicts) {
      if (v.control == control.control) {
        by_stage[v.stage] = &v;
      }
    }
    auto cell = [&](Stage stage) -> std::string {
      auto it = by_stage.find(stage);
      return std::string(it == by_stage.end() ? StatusName(Status::kNotChecked) : StatusName(it->second->status));
    };
    out += fmt::format("{:<19} {:<8} {:<9} {:<9} {:<9}\n", ControlName(control.control), ModeName(control.mode),
                       cell(Stage::kLint), cell(Stage::kAudit), cell(Stage::kRuntime));
    for (Stage stage : {Stage::kLint, Stage::kAudit, Stage::kRuntime}) {
      auto it = by_stage.find(stage);
      if (it == by_stage.end() || it->second->detail.empty()) {
        continue;
      }
      details += fmt::format("  {} / {}: {}\n", ControlName(control.control), StageName(stage),
                             Sanitized(it->second->detail, TextContext::kLine));
    }
  }
  return out + details;
}

std::string RenderVerdictJson(const Applicable& applicable, const std::vector<Verdict>& verdicts) {
  StringOutput text;
  JsonWriter json(text);
  json.BeginObject().Key("controls").BeginArray();
  for (const auto& control : applicable.controls) {
    json.BeginObject();
    json.Field("control", ControlName(control.control));
    json.Field("mode", ModeName(control.mode));
    json.Field("policies", control.policies);
    json.Key("stages").BeginObject();
    for (const auto& v : verdicts) {
      if (v.control != control.control) {
        continue;
      }
      json.Key(StageName(v.stage)).BeginObject();
      json.Field("status", StatusName(v.status));
      json.Field("detail", v.detail);
      json.EndObject();
    }
    json.EndObject().EndObject();
  }
  json.EndArray();
  json.Field("failed", AnyFailure(verdicts));
  json.EndObject();
  return text.Take() + "\n";
}

}  // namespace customs::policy
