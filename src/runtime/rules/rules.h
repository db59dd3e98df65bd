// Part `rules/` of runtime: the Falco rule language. Fields (fields.h), conditions (condition.h) and rule files
// (this header) compile to an immutable RuleSet that the watcher matches events against. Nothing here touches the
// kernel, the engines or the network.
//
// Falco rule files: loading (rule, macro, list, exceptions, override/append, enabled, priority, tags, output,
// required_engine_version, skip-if-unknown-filter, and customs' `actions` extension), compiling, and matching.
//
// Usage: RulesLoader loader; loader.AddFile(a); loader.AddFile(b); RuleSet set = loader.Finish(&report);
// Files are applied in order (later files override/append earlier definitions, as in Falco). Finish() compiles
// every rule; a rule that fails (unknown field, bad value, recursion...) is left out and reported as an error with
// file:line, unless it carries `skip-if-unknown-filter: true` (or LoadOptions::skip_unsupported is set) and the
// failure is an unsupported field, in which case it is a warning. As in Falco's loader, these are warnings and the
// rule is kept or skipped, never an error: a rule whose event types customs does not capture (kept; it cannot
// fire), a rule of another source (skipped), unknown keys and unknown top-level items (ignored).
//
// RuleSet is immutable after Finish(); Match() is thread-compatible and does not allocate.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/event.h"
#include "runtime/rules/condition.h"
#include "runtime/rules/fields.h"

namespace customs::runtime {

// The engine version we implement (Falco's rule schema). Files requiring a newer engine are rejected.
inline constexpr std::string_view kEngineVersion = "0.57.0";

enum class Priority : uint8_t { kEmergency, kAlert, kCritical, kError, kWarning, kNotice, kInformational, kDebug };
std::string_view PriorityName(Priority priority);  // "Critical", as Falco prints it
std::optional<Priority> ParsePriority(std::string_view text);

enum class Action : uint8_t { kAlert = 1, kKillProcess = 2, kKillContainer = 4, kDenyNetwork = 8 };
std::string_view ActionName(Action action);
std::optional<Action> ParseAction(std::string_view text);

// An output template: literal text and %field references.
class OutputTemplate {
 public:
  struct Segment {
    std::string literal;  // used when field.spec == nullptr and !unknown
    FieldRef field;
    std::string field_text;  // "%proc.aname[2]" as written (key for output_fields)
    bool unknown = false;    // an unsupported field: renders <NA>
  };
  // Parses; unsupported fields are recorded in `unknown_fields` and render as <NA>.
  static OutputTemplate Parse(std::string_view text, std::vector<std::string>* unknown_fields);
  std::string Render(const Event& event) const;
  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
};

struct Rule {
  std::string name;
  std::string desc;
  std::string condition_text;  // after appends and exceptions, for `rules list -v`
  std::string output_text;
  Priority priority = Priority::kWarning;
  std::vector<std::string> tags;
  bool enabled = true;
  uint32_t actions = static_cast<uint32_t>(Action::kAlert);  // bitmask of Action
  std::string file;
  int line = 0;
  EventTypeSet event_types;
  std::unique_ptr<Filter> filter;
  OutputTemplate output;
  // The condition with macros and lists inlined and exceptions appended (what `customs rules explain` prints and what
  // the kernel policy compiler reads).
  std::shared_ptr<const AstNode> expanded;
  // evt.type values the condition names that customs does not capture (the rule cannot fire on them).
  std::vector<std::string> uncaptured_event_types;

  bool HasAction(Action action) const { return (actions & static_cast<uint32_t>(action)) != 0; }
};

struct LoadMessage {
  std::string file;
  int line = 0;
  std::string rule;  // rule/macro/list name when known
  std::string message;
  std::string ToString() const;  // "file:line: rule 'x': message"
};

struct LoadReport {
  std::vector<LoadMessage> errors;
  std::vector<LoadMessage> warnings;
  bool ok() const { return errors.empty(); }
};

struct LoadOptions {
  bool skip_unsupported = false;            // unsupported fields/event types: warn and skip the rule
  size_t max_file_size = size_t{32} << 20;  // bigger rule files are refused (hostile input)
  size_t max_list_items = 1'000'000;
};

class RuleSet {
 public:
  RuleSet() = default;
  RuleSet(RuleSet&&) = default;
  RuleSet& operator=(RuleSet&&) = default;

  // Calls on_match(const Rule&) for every enabled rule whose condition matches, in file order.
  template <class Fn>
  void Match(const Event& event, Fn&& on_match) const {
    for (const Rule* rule : by_type_[static_cast<size_t>(event.type)]) {
      if (rule->filter->Eval(event)) {
        on_match(*rule);
      }
    }
  }
  // Number of matching rules (benchmark helper).
  size_t CountMatches(const Event& event) const;

  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  // Event types at least one enabled rule can match: what the sensor must capture.
  EventTypeSet NeededEventTypes() const;
  // The domain-name sets of fd.*.name comparisons (a DomainRefresher resolves them).
  const std::vector<std::shared_ptr<DomainSet>>& domain_sets() const { return domain_sets_; }
  // Whether an enabled rule's condition or output uses this field.
  bool UsesField(FieldId id) const;

 private:
  friend class RulesLoader;
  void Index();
  std::vector<std::unique_ptr<Rule>> rules_;
  std::array<std::vector<const Rule*>, kEventTypeCount> by_type_;
  std::vector<std::shared_ptr<DomainSet>> domain_sets_;
  std::vector<FieldId> fields_used_;
};

class RulesLoader {
 public:
  explicit RulesLoader(LoadOptions options = {});
  ~RulesLoader();

  // Reads and applies one file. Structural errors (bad YAML, bad override, a newer required_engine_version) go to the
  // report given to Finish(); the return value is an error only when the file cannot be read or parsed as YAML at all.
  Status AddFile(const std::filesystem::path& path);
  Status AddText(std::string_view file_name, std::string_view text);

  // Compiles every definition. Returns the loaded rules; `report` gets errors and warnings.
  RuleSet Finish(LoadReport* report);

 private:
  struct State;
  LoadOptions options_;
  std::unique_ptr<State> state_;
};

// The built-in default rules file shipped with customs (rules/customs_rules.yaml), embedded at build time.
std::string_view DefaultRulesText();

}  // namespace customs::runtime
