// Where each control is checked, and the verdicts. The lint and audit sides are rule ids of those modules (named here
// as text, so this module needs neither): a control is violated at a stage when a finding of one of its rules is
// there. The runtime side is the generated rules (runtime_rules.h).
//
//   control            lint (Dockerfile)          audit (image)            runtime (watch)
//   no-shell           shell-in-final-stage       shell-present            shell exec: kill_container
//   non-root           root-user                  image-runs-as-root       a process as uid 0: kill_process / alert
//   no-attacker-tools  attacker-tools             attacker-tool-present    exec of one: kill_container
//   no-compilers       compilers-in-final-stage   compiler-present         exec of one: kill_container
//   immutable          -                          -                        exec not from the image: kill_process
//   egress             -                          EXPOSE noted             connect outside the allow list: refused
//   vulnerabilities    -                          the gate (fail_on, KEV)  -
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace customs::policy {

enum class Stage { kLint, kAudit, kRuntime };
std::string_view StageName(Stage stage);  // "lint", "audit", "runtime"

// The lint / audit rule that checks a control at that stage ("" when the stage does not check it).
std::string_view LintRuleFor(Control control);
std::string_view AuditRuleFor(Control control);

enum class Status {
  kPass,           // checked; nothing violates it
  kFail,           // violated, mode enforce
  kWarn,           // violated, mode warn
  kNotApplicable,  // this stage does not check this control
  kInfo,           // noted, not judged (egress at the audit stage)
  kEnforced,       // runtime: rules generated that act (kill / refuse)
  kAlertOnly,      // runtime: rules generated in warn mode (alert only)
  kNotChecked,     // the stage was not run (no Dockerfile / no image given)
};
std::string_view StatusName(Status status);  // "pass", "FAIL", "warn", "-", "info", "enforced", "alert", "not run"

struct Verdict {
  Control control = Control::kNoShell;
  Stage stage = Stage::kLint;
  Status status = Status::kNotApplicable;
  std::string detail;  // what violated it ("line 3: bash installed"), or what runs ("kill_container")
};

// A finding of a stage, reduced to what the verdict needs.
struct StageFinding {
  std::string rule;     // lint or audit rule id
  std::string message;  // "line 3: ..." / "/bin/sh"
};

// A vulnerability finding, reduced to what the vulnerabilities gate needs.
struct VulnFinding {
  std::string id;
  std::string package;
  std::string severity;  // "HIGH" (SeverityRank)
  bool fixable = false;
  bool kev = false;
};

// The verdict of each applicable control at the lint stage, from the lint findings of the Dockerfile.
std::vector<Verdict> JudgeLint(const Applicable& applicable, const std::vector<StageFinding>& findings);

// The verdict of each applicable control at the audit stage: audit findings, the image's exposed ports (egress is
// noted) and its vulnerability findings (`vulns_scanned` false: the vulnerabilities control is kNotChecked).
std::vector<Verdict> JudgeAudit(const Applicable& applicable, const std::vector<StageFinding>& findings,
                                const std::vector<std::string>& exposed_ports, const std::vector<VulnFinding>& vulns,
                                bool vulns_scanned);

// What the runtime stage does for each applicable control (the generated rules' actions).
std::vector<Verdict> JudgeRuntime(const Applicable& applicable);

// Whether any verdict is kFail (a gate fails on it).
bool AnyFailure(const std::vector<Verdict>& verdicts);

// One table: a row per control (those enabled by some applicable policy), a column per stage.
std::string RenderVerdictTable(const Applicable& applicable, const std::vector<Verdict>& verdicts);
// The same as JSON: {"controls": [{"control", "mode", "policies", "stages": {"lint": {"status", "detail"}...}}]}.
std::string RenderVerdictJson(const Applicable& applicable, const std::vector<Verdict>& verdicts);

}  // namespace customs::policy
