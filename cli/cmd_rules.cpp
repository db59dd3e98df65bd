// `customs rules validate FILE...`, `customs rules explain FILE...` and `customs rules list [--rules FILE...]`.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "core/file_util.h"
#include "runtime/rules/kernel_policy.h"
#include "runtime/rules/rules.h"

namespace customs::cli {
namespace {

using runtime::LoadReport;
using runtime::RuleSet;
using runtime::RulesLoader;

// Loads the default rules (unless `files` is given and `with_defaults` is false) and the files, printing
// structural errors. Returns false if a file could not be read.
bool Load(const std::vector<std::string>& files, bool with_defaults, RuleSet* set, LoadReport* report) {
  RulesLoader loader;
  bool ok = true;
  if (with_defaults) {
    (void)loader.AddText("<default customs_rules.yaml>", runtime::DefaultRulesText());
  }
  for (const auto& file : files) {
    auto status = loader.AddFile(file);
    if (!status && status.error().code() != ErrorCode::kCorrupt) {
      // kCorrupt (bad YAML) is also in the report; other failures (missing, too big) are not.
      report->errors.push_back(runtime::LoadMessage{file, 0, "", status.error().message()});
      ok = false;
    }
  }
  LoadReport loaded;
  *set = loader.Finish(&loaded);
  report->errors.insert(report->errors.end(), loaded.errors.begin(), loaded.errors.end());
  report->warnings.insert(report->warnings.end(), loaded.warnings.begin(), loaded.warnings.end());
  return ok;
}

std::string Actions(const runtime::Rule& rule) {
  std::string out;
  for (auto action : {runtime::Action::kAlert, runtime::Action::kKillProcess, runtime::Action::kKillContainer,
                      runtime::Action::kDenyNetwork}) {
    if (rule.HasAction(action)) {
      out += (out.empty() ? "" : ",") + std::string(runtime::ActionName(action));
    }
  }
  return out;
}

}  // namespace

void AddRulesCommand(CLI::App& app, CommandContext& context) {
  auto* rules = app.add_subcommand("rules", "Validate, explain and list runtime rules (Falco rule language)");
  rules->require_subcommand(1);

  auto* validate =
      rules->add_subcommand("validate", "Load and compile rule files; print errors as file:line, exit 1 on any error");
  auto files = std::make_shared<std::vector<std::string>>();
  auto quiet = std::make_shared<bool>(false);
  validate->add_option("files", *files, "Falco/customs rule files, applied in order")->required();
  validate->add_flag("-q,--quiet", *quiet, "Do not print warnings");
  validate->callback([files, quiet, &context] {
    RuleSet set;
    LoadReport report;
    bool read_ok = Load(*files, false, &set, &report);
    std::vector<runtime::LoadMessage> notes;
    (void)runtime::KernelConnectPolicy::Compile(set, &notes);
    report.warnings.insert(report.warnings.end(), notes.begin(), notes.end());
    for (const auto& error : report.errors) {
      std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
    }
    if (!*quiet) {
      for (const auto& warning : report.warnings) {
        std::fprintf(stderr, "warning: %s\n", warning.ToString().c_str());
      }
    }
    size_t enabled = 0;
    for (const auto& rule : set.rules()) {
      enabled += rule->enabled ? 1 : 0;
    }
    std::printf("%zu rules loaded (%zu enabled), %zu errors, %zu warnings\n", set.rules().size(), enabled,
                report.errors.size(), report.warnings.size());
    context.exit_code = !read_ok ? kExitFailure : report.errors.empty() ? kExitOk : kExitFindings;
  });

  auto* explain = rules->add_subcommand(
      "explain",
      "Print each rule's condition as it runs: macros and lists inlined, exceptions appended (Falco's canonical form)");
  auto explain_files = std::make_shared<std::vector<std::string>>();
  auto explain_rule = std::make_shared<std::string>();
  auto explain_event = std::make_shared<std::string>();
  explain->add_option("files", *explain_files, "Falco/customs rule files, applied in order")->required();
  explain->add_option("--rule", *explain_rule, "Only this rule");
  explain->add_option("--event", *explain_event,
                      "An event (one JSON object, the --record format): show which parts of each condition it meets");
  explain->callback([explain_files, explain_rule, explain_event, &context] {
    RuleSet set;
    LoadReport report;
    bool read_ok = Load(*explain_files, false, &set, &report);
    for (const auto& error : report.errors) {
      std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
    }
    std::vector<runtime::LoadMessage> notes;
    runtime::KernelConnectPolicy policy = runtime::KernelConnectPolicy::Compile(set, &notes);
    std::unique_ptr<runtime::Event> event;
    if (!explain_event->empty()) {
      auto text = ReadFile(*explain_event, 1 << 20);
      event = std::make_unique<runtime::Event>();
      Status parsed = text ? runtime::EventFromJson(*text, *event) : Status(tl::unexpected(text.error()));
      if (!parsed) {
        std::fprintf(stderr, "error: %s: %s\n", explain_event->c_str(), parsed.error().message().c_str());
        context.exit_code = kExitFailure;
        return;
      }
    }
    size_t shown = 0;
    for (const auto& rule : set.rules()) {
      if (!explain_rule->empty() && rule->name != *explain_rule) {
        continue;
      }
      ++shown;
      std::printf("- rule: %s\n  source: %s:%d\n  enabled: %s\n  actions: [%s]\n", rule->name.c_str(),
                  rule->file.c_str(), rule->line, rule->enabled ? "true" : "false", Actions(*rule).c_str());
      std::string types;
      for (int t = 0; t < runtime::kEventTypeCount; ++t) {
        if (rule->event_types.test(t)) {
          types +=
              (types.empty() ? "" : ", ") + std::string(runtime::EventTypeName(static_cast<runtime::EventType>(t)));
        }
      }
      std::printf("  event types: [%s]\n", rule->event_types.all() ? "every event" : types.c_str());
      if (!rule->uncaptured_event_types.empty()) {
        std::string uncaptured;
        for (const auto& t : rule->uncaptured_event_types) {
          uncaptured += (uncaptured.empty() ? "" : ", ") + t;
        }
        std::printf("  not captured: [%s]\n", uncaptured.c_str());
      }
      for (const auto& p : policy.rules()) {
        if (p.rule == rule.get()) {
          std::printf("  kernel: deny_network checked before the connect (cgroup/connect4|6)\n");
        }
      }
      for (const auto& note : notes) {
        if (note.rule == rule->name) {
          std::printf("  kernel: %s\n", note.message.c_str());
        }
      }
      std::printf("  condition: %s\n", runtime::AstToString(*rule->expanded).c_str());
      if (event != nullptr) {
        bool matched = false;
        set.Match(*event, [&](const runtime::Rule& r) { matched = matched || &r == rule.get(); });
        std::printf("  event: %s\n", matched ? "matches" : "does not match");
        // Each top-level conjunct on its own (after expansion), so a miss can be traced to its cause.
        std::vector<const runtime::AstNode*> parts;
        std::vector<const runtime::AstNode*> stack = {rule->expanded.get()};
        while (!stack.empty()) {
          const runtime::AstNode* node = stack.back();
          stack.pop_back();
          if (node->kind == runtime::AstNode::Kind::kAnd) {
            for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) {
              stack.push_back(it->get());
            }
          } else {
            parts.push_back(node);
          }
        }
        for (const runtime::AstNode* part : parts) {
          auto compiled = runtime::CompileCondition(*part, runtime::CompileEnv{});
          const char* verdict = !compiled ? "error" : compiled->filter->Eval(*event) ? "true " : "FALSE";
          std::printf("    %s %s\n", verdict, runtime::AstToString(*part).c_str());
        }
      }
    }
    if (!explain_rule->empty() && shown == 0) {
      std::fprintf(stderr, "error: no loaded rule named '%s'\n", explain_rule->c_str());
      context.exit_code = kExitFailure;
      return;
    }
    context.exit_code = !read_ok ? kExitFailure : report.errors.empty() ? kExitOk : kExitFindings;
  });

  auto* list = rules->add_subcommand("list", "List the loaded rules with priority, tags and actions");
  auto list_files = std::make_shared<std::vector<std::string>>();
  auto no_defaults = std::make_shared<bool>(false);
  list->add_option("--rules", *list_files, "Rule files (after the built-in defaults)");
  list->add_flag("--no-defaults", *no_defaults, "Do not load the built-in customs rules");
  list->callback([list_files, no_defaults, &context] {
    RuleSet set;
    LoadReport report;
    bool read_ok = Load(*list_files, !*no_defaults, &set, &report);
    for (const auto& error : report.errors) {
      std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
    }
    for (const auto& rule : set.rules()) {
      std::string tags;
      for (const auto& tag : rule->tags) {
        tags += (tags.empty() ? "" : ",") + tag;
      }
      std::string types;
      for (int t = 0; t < runtime::kEventTypeCount; ++t) {
        if (rule->event_types.test(t)) {
          types += (types.empty() ? "" : ",") + std::string(runtime::EventTypeName(static_cast<runtime::EventType>(t)));
        }
      }
      if (rule->event_types.all()) {
        types = "*";
      }
      std::printf("%-13s %-8s %-60s actions=%s events=%s tags=%s\n",
                  std::string(runtime::PriorityName(rule->priority)).c_str(), rule->enabled ? "enabled" : "disabled",
                  rule->name.c_str(), Actions(*rule).c_str(), types.c_str(), tags.c_str());
    }
    context.exit_code = !read_ok ? kExitFailure : report.errors.empty() ? kExitOk : kExitFindings;
  });
}

}  // namespace customs::cli
