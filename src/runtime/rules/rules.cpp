#include "runtime/rules/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/file_util.h"

namespace customs::runtime {
namespace {

struct ListDef {
  std::vector<std::string> items;
  std::string file;
  int line = 0;
};

struct MacroDef {
  std::string condition;
  std::string file;
  int line = 0;
};

struct ExceptionValue {
  std::vector<std::string> items;
  bool is_list = false;
};

struct ExceptionDef {
  std::string name;
  std::vector<std::string> fields;
  bool scalar_fields = false;
  std::vector<std::string> comps;
  std::vector<std::vector<ExceptionValue>> values;  // tuples (scalar fields: one tuple per value)
  int line = 0;
};

struct RuleDef {
  std::string name;
  std::string desc;
  std::string condition;
  std::string output;
  Priority priority = Priority::kWarning;
  bool has_priority = false;
  std::vector<std::string> tags;
  bool enabled = true;
  uint32_t actions = static_cast<uint32_t>(Action::kAlert);
  bool skip_if_unknown_filter = false;
  std::string source = "syscall";
  std::vector<ExceptionDef> exceptions;
  std::string file;
  int line = 0;
  int condition_line = 0;
};

constexpr std::string_view kPriorityNames[] = {"Emergency", "Alert",  "Critical",      "Error",
                                               "Warning",   "Notice", "Informational", "Debug"};

int Line(const YAML::Node& node) {
  return node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

// Compares dotted versions; returns <0, 0, >0.
int CompareVersions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto take = [](std::string_view& s) {
      size_t dot = s.find('.');
      std::string_view part = s.substr(0, dot);
      s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
      long value = 0;
      std::from_chars(part.data(), part.data() + part.size(), value);
      return value;
    };
    long x = take(a), y = take(b);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string_view PriorityName(Priority priority) {
  return kPriorityNames[static_cast<size_t>(priority)];
}

std::optional<Priority> ParsePriority(std::string_view text) {
  std::string lower = Lowercase(text);
  if (lower == "info") {
    return Priority::kInformational;
  }
  if (lower == "emerg") {
    return Priority::kEmergency;
  }
  if (lower == "crit") {
    return Priority::kCritical;
  }
  if (lower == "err") {
    return Priority::kError;
  }
  if (lower == "warn") {
    return Priority::kWarning;
  }
  for (size_t i = 0; i < std::size(kPriorityNames); ++i) {
    if (Lowercase(kPriorityNames[i]) == lower) {
      return static_cast<Priority>(i);
    }
  }
  return std::nullopt;
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAlert: return "alert";
    case Action::kKillProcess: return "kill_process";
    case Action::kKillContainer: return "kill_container";
    case Action::kDenyNetwork: return "deny_network";
  }
  return "?";
}

std::optional<Action> ParseAction(std::string_view text) {
  for (Action action : {Action::kAlert, Action::kKillProcess, Action::kKillContainer, Action::kDenyNetwork}) {
    if (ActionName(action) == text) {
      return action;
    }
  }
  return std::nullopt;
}

std::string LoadMessage::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += fmt::format(":{}", line);
  }
  out += ": ";
  if (!rule.empty()) {
    out += fmt::format("'{}': ", rule);
  }
  out += message;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Output templates.

OutputTemplate OutputTemplate::Parse(std::string_view text, std::vector<std::string>* unknown_fields) {
  OutputTemplate out;
  std::string literal;
  size_t i = 0;
  auto is_field_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  while (i < text.size()) {
    char c = text[i];
    if (c == '%' && i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      size_t end = i + 1;
      while (end < text.size() && is_field_char(text[end])) {
        ++end;
      }
      while (end > i + 1 && text[end - 1] == '.') {
        --end;  // "%proc.name." ends a sentence
      }
      std::string name(text.substr(i + 1, end - i - 1));
      std::string arg;
      bool has_arg = false;
      if (end < text.size() && text[end] == '[') {
        size_t close = text.find(']', end);
        if (close != std::string_view::npos) {
          arg = std::string(text.substr(end + 1, close - end - 1));
          has_arg = true;
          end = close + 1;
        }
      }
      if (!literal.empty()) {
        out.segments_.push_back(Segment{std::move(literal), {}, {}, false});
        literal.clear();
      }
      Segment segment;
      segment.field_text = std::string(text.substr(i + 1, end - i - 1));
      auto ref = ResolveField(name, has_arg, arg);
      if (ref) {
        segment.field = std::move(*ref);
      } else {
        segment.unknown = true;
        if (unknown_fields) {
          unknown_fields->push_back(segment.field_text);
        }
      }
      out.segments_.push_back(std::move(segment));
      i = end;
      continue;
    }
    literal.push_back(c);
    ++i;
  }
  if (!literal.empty()) {
    out.segments_.push_back(Segment{std::move(literal), {}, {}, false});
  }
  return out;
}

std::string OutputTemplate::Render(const Event& event) const {
  std::string out;
  for (const Segment& segment : segments_) {
    if (segment.unknown) {
      out += "<NA>";
    } else if (segment.field.spec == nullptr) {
      out += segment.literal;
    } else {
      out += FieldText(event, segment.field);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// RuleSet.

size_t RuleSet::CountMatches(const Event& event) const {
  size_t count = 0;
  Match(event, [&](const Rule&) { ++count; });
  return count;
}

EventTypeSet RuleSet::NeededEventTypes() const {
  EventTypeSet set;
  for (const auto& rule : rules_) {
    if (rule->enabled) {
      set |= rule->event_types;
    }
  }
  return set;
}

bool RuleSet::UsesField(FieldId id) const {
  return std::find(fields_used_.begin(), fields_used_.end(), id) != fields_used_.end();
}

void RuleSet::Index() {
  for (auto& list : by_type_) {
    list.clear();
  }
  for (const auto& rule : rules_) {
    if (!rule->enabled) {
      continue;
    }
    for (size_t type = 0; type < static_cast<size_t>(kEventTypeCount); ++type) {
      if (rule->event_types.test(type)) {
        by_type_[type].push_back(rule.get());
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Loading.

struct RulesLoader::State {
  std::vector<std::string> list_order;
  std::map<std::string, ListDef, std::less<>> lists;
  std::map<std::string, MacroDef, std::less<>> macros;
  std::vector<RuleDef> rules;
  std::map<std::string, size_t, std::less<>> rule_index;
  LoadReport report;
};

RulesLoader::RulesLoader(LoadOptions options) : options_(options), state_(std::make_unique<State>()) {}
RulesLoader::~RulesLoader() = default;

Status RulesLoader::AddFile(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return MakeError(ErrorCode::kNotFound, "{}: {}", path.string(), ec.message());
  }
  if (size > options_.max_file_size) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: rule file is {} bytes, more than the limit of {}", path.string(),
                     size, options_.max_file_size);
  }
  CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, options_.max_file_size));
  return AddText(path.string(), text);
}

namespace {

// Reads a scalar or a sequence of scalars as strings. Returns false on other shapes.
bool ReadStrings(const YAML::Node& node, std::vector<std::string>* out) {
  if (node.IsNull()) {
    return true;
  }
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return true;
  }
  if (!node.IsSequence()) {
    return false;
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      return false;
    }
    out->push_back(item.Scalar());
  }
  return true;
}

bool ReadBool(const YAML::Node& node, bool* out) {
  if (!node.IsScalar()) {
    return false;
  }
  std::string value = Lowercase(node.Scalar());
  if (value == "true" || value == "yes" || value == "on") {
    *out = true;
    return true;
  }
  if (value == "false" || value == "no" || value == "off") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

Status RulesLoader::AddText(std::string_view file_name, std::string_view text) {
  if (text.size() > options_.max_file_size) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: rule file larger than {} bytes", file_name,
                     options_.max_file_size);
  }
  State& st = *state_;
  std::string file(file_name);
  auto error = [&](int line, std::string name, std::string message) {
    st.report.errors.push_back(LoadMessage{file, line, std::move(name), std::move(message)});
  };
  auto warn = [&](int line, std::string name, std::string message) {
    st.report.warnings.push_back(LoadMessage{file, line, std::move(name), std::move(message)});
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    error(line, "", fmt::format("invalid YAML: {}", e.msg));
    return MakeError(ErrorCode::kCorrupt, "{}:{}: invalid YAML: {}", file, line, e.msg);
  }
  if (root.IsNull()) {
    return Ok();
  }
  if (!root.IsSequence()) {
    error(Line(root), "", "a rules file must be a YAML sequence of items");
    return Ok();
  }
  size_t total_items = 0;
  try {
    for (const YAML::Node& item : root) {
      int line = Line(item);
      if (!item.IsMap()) {
        error(line, "", "each item must be a mapping (rule, macro, list, ...)");
        continue;
      }
      if (auto v = item["required_engine_version"]) {
        std::string version = v.IsScalar() ? v.Scalar() : "";
        if (version.find('.') != std::string::npos && CompareVersions(version, kEngineVersion) > 0) {
          error(line, "", fmt::format("requires engine version {}, customs implements {}", version, kEngineVersion));
        }
        continue;
      }
      if (item["required_plugin_versions"]) {
        continue;  // container.* is built in; other plugins' fields fail later
      }
      // The `override:` block and legacy `append: true`.
      std::map<std::string, std::string> overrides;
      if (auto o = item["override"]) {
        if (!o.IsMap()) {
          error(line, "", "'override' must be a mapping of key: append|replace");
          continue;
        }
        bool bad = false;
        for (const auto& kv : o) {
          std::string mode = kv.second.IsScalar() ? kv.second.Scalar() : "";
          if (mode != "append" && mode != "replace") {
            bad = true;
          }
          overrides[kv.first.Scalar()] = mode;
        }
        if (bad) {
          error(line, "", "'override' values must be append or replace");
          continue;
        }
      }
      bool legacy_append = false;
      if (auto a = item["append"]) {
        if (!ReadBool(a, &legacy_append)) {
          error(line, "", "'append' must be true or false");
          continue;
        }
      }
      auto mode_of = [&](const std::string& key) -> std::string {
        auto it = overrides.find(key);
        if (it != overrides.end()) {
          return it->second;
        }
        return legacy_append ? "append" : "";
      };
      bool is_override = legacy_append || !overrides.empty();

      auto warn_unknown_keys = [&](const std::string& name, const std::set<std::string>& known) {
        for (const auto& kv : item) {
          if (!known.count(kv.first.Scalar())) {
            warn(Line(kv.first), name, fmt::format("unknown key '{}' ignored", kv.first.Scalar()));
          }
        }
      };
      if (auto l = item["list"]) {
        const std::string& name = l.Scalar();
        warn_unknown_keys(name, {"list", "items", "override", "append"});
        std::vector<std::string> items;
        if (!ReadStrings(item["items"], &items)) {
          error(line, name, "list 'items' must be a sequence of strings");
          continue;
        }
        total_items += items.size();
        if (total_items > options_.max_list_items) {
          error(line, name, fmt::format("lists hold more than {} items in total", options_.max_list_items));
          return Ok();
        }
        auto it = st.lists.find(name);
        if (is_override) {
          if (it == st.lists.end()) {
            error(line, name, "override/append of a list that is not defined earlier");
            continue;
          }
          if (mode_of("items") == "append") {
            it->second.items.insert(it->second.items.end(), items.begin(), items.end());
          } else {
            it->second.items = std::move(items);
          }
          continue;
        }
        if (it == st.lists.end()) {
          st.list_order.push_back(name);
        }
        st.lists[name] = ListDef{std::move(items), file, line};
        continue;
      }

      if (auto m = item["macro"]) {
        const std::string& name = m.Scalar();
        warn_unknown_keys(name, {"macro", "condition", "override", "append"});
        auto c = item["condition"];
        if (!c || !c.IsScalar()) {
          error(line, name, "macro needs a 'condition'");
          continue;
        }
        auto it = st.macros.find(name);
        if (is_override) {
          if (it == st.macros.end()) {
            error(line, name, "override/append of a macro that is not defined earlier");
            continue;
          }
          if (mode_of("condition") == "append") {
            it->second.condition += " " + c.Scalar();
          } else {
            it->second.condition = c.Scalar();
          }
          continue;
        }
        st.macros[name] = MacroDef{c.Scalar(), file, Line(c)};
        continue;
      }

      if (auto r = item["rule"]) {
        const std::string& name = r.Scalar();
        static const std::set<std::string> kKnownKeys = {
            "rule",          "desc",       "condition", "output", "priority", "tags",
            "enabled",       "exceptions", "override",  "append", "source",   "skip-if-unknown-filter",
            "warn_evttypes", "actions"};
        for (const auto& kv : item) {
          if (!kKnownKeys.count(kv.first.Scalar())) {
            warn(Line(kv.first), name, fmt::format("unknown key '{}' ignored", kv.first.Scalar()));
          }
        }
        RuleDef def;
        def.name = name;
        def.file = file;
        def.line = line;
        bool bad = false;
        if (auto v = item["desc"]) {
          def.desc = v.Scalar();
        }
        if (auto v = item["condition"]) {
          def.condition = v.Scalar();
          def.condition_line = Line(v);
        }
        if (auto v = item["output"]) {
          def.output = v.Scalar();
        }
        if (auto v = item["priority"]) {
          auto p = ParsePriority(v.Scalar());
          if (!p) {
            error(Line(v), name, fmt::format("unknown priority '{}'", v.Scalar()));
            bad = true;
          } else {
            def.priority = *p;
            def.has_priority = true;
          }
        }
        if (auto v = item["tags"]; v && !ReadStrings(v, &def.tags)) {
          error(Line(v), name, "'tags' must be a sequence of strings");
          bad = true;
        }
        if (auto v = item["enabled"]; v && !ReadBool(v, &def.enabled)) {
          error(Line(v), name, "'enabled' must be true or false");
          bad = true;
        }
        if (auto v = item["skip-if-unknown-filter"]; v && !ReadBool(v, &def.skip_if_unknown_filter)) {
          error(Line(v), name, "'skip-if-unknown-filter' must be true or false");
          bad = true;
        }
        if (auto v = item["source"]) {
          def.source = v.Scalar();
        }
        if (auto v = item["actions"]) {
          std::vector<std::string> names;
          if (!ReadStrings(v, &names)) {
            error(Line(v), name, "'actions' must be a sequence");
            bad = true;
          }
          def.actions = static_cast<uint32_t>(Action::kAlert);
          for (const auto& action_name : names) {
            auto action = ParseAction(action_name);
            if (!action) {
              error(Line(v), name,
                    fmt::format("unknown action '{}' (known: alert, kill_process, kill_container, deny_network)",
                                action_name));
              bad = true;
            } else {
              def.actions |= static_cast<uint32_t>(*action);
            }
          }
        }
        if (auto v = item["exceptions"]) {
          if (!v.IsSequence()) {
            error(Line(v), name, "'exceptions' must be a sequence");
            bad = true;
          } else {
            for (const auto& ex : v) {
              ExceptionDef exc;
              exc.line = Line(ex);
              if (!ex.IsMap() || !ex["name"]) {
                error(Line(ex), name, "each exception needs a 'name'");
                bad = true;
                continue;
              }
              exc.name = ex["name"].Scalar();
              if (auto f = ex["fields"]) {
                exc.scalar_fields = f.IsScalar();
                if (!ReadStrings(f, &exc.fields)) {
                  error(Line(f), name, fmt::format("exception '{}': bad 'fields'", exc.name));
                  bad = true;
                }
              }
              if (auto c = ex["comps"]; c && !ReadStrings(c, &exc.comps)) {
                error(Line(c), name, fmt::format("exception '{}': bad 'comps'", exc.name));
                bad = true;
              }
              if (auto vals = ex["values"]) {
                if (!vals.IsSequence()) {
                  error(Line(vals), name, fmt::format("exception '{}': 'values' must be a sequence", exc.name));
                  bad = true;
                } else {
                  for (const auto& tuple : vals) {
                    std::vector<ExceptionValue> row;
                    if (exc.scalar_fields) {
                      ExceptionValue value;
                      value.is_list = tuple.IsSequence();
                      if (!ReadStrings(tuple, &value.items)) {
                        bad = true;
                      }
                      row.push_back(std::move(value));
                    } else if (tuple.IsSequence()) {
                      for (const auto& element : tuple) {
                        ExceptionValue value;
                        value.is_list = element.IsSequence();
                        if (!ReadStrings(element, &value.items)) {
                          bad = true;
                        }
                        row.push_back(std::move(value));
                      }
                    } else {
                      bad = true;
                    }
                    if (bad) {
                      error(Line(tuple), name, fmt::format("exception '{}': bad value tuple", exc.name));
                      break;
                    }
                    exc.values.push_back(std::move(row));
                  }
                }
              }
              def.exceptions.push_back(std::move(exc));
            }
          }
        }
        if (bad) {
          continue;
        }

        auto it = st.rule_index.find(name);
        // A rule item with only `enabled` (Falco's shorthand) changes an earlier rule.
        bool only_enabled = item.size() == 2 && item["enabled"];
        if (is_override || only_enabled) {
          if (it == st.rule_index.end()) {
            error(line, name, "override/append of a rule that is not defined earlier");
            continue;
          }
          RuleDef& old = st.rules[it->second];
          if (only_enabled) {
            old.enabled = def.enabled;
            continue;
          }
          for (const auto& [key, mode] : overrides) {
            static const std::set<std::string> kAppendable = {"condition", "output",     "desc",
                                                              "tags",      "exceptions", "actions"};
            if (mode == "append" && !kAppendable.count(key)) {
              error(line, name, fmt::format("'{}' can only be replaced, not appended", key));
              bad = true;
            }
            if (!item[key]) {
              error(line, name, fmt::format("override of '{}' without a new '{}' value", key, key));
              bad = true;
            }
          }
          if (bad) {
            continue;
          }
          auto apply = [&](const std::string& key, auto&& append_fn, auto&& replace_fn) {
            if (!item[key]) {
              return;
            }
            std::string mode = mode_of(key);
            if (mode == "append") {
              append_fn();
            } else if (mode == "replace") {
              replace_fn();
            }
          };
          apply(
              "condition", [&] { old.condition += " " + def.condition; },
              [&] { old.condition = def.condition, old.condition_line = def.condition_line; });
          apply(
              "output", [&] { old.output += " " + def.output; }, [&] { old.output = def.output; });
          apply(
              "desc", [&] { old.desc += " " + def.desc; }, [&] { old.desc = def.desc; });
          apply(
              "tags", [&] { old.tags.insert(old.tags.end(), def.tags.begin(), def.tags.end()); },
              [&] { old.tags = def.tags; });
          apply(
              "priority", [] {}, [&] { old.priority = def.priority; });
          apply(
              "enabled", [] {}, [&] { old.enabled = def.enabled; });
          apply(
              "actions", [&] { old.actions |= def.actions; }, [&] { old.actions = def.actions; });
          apply(
              "exceptions",
              [&] {
                for (auto& exc : def.exceptions) {
                  auto same = std::find_if(old.exceptions.begin(), old.exceptions.end(),
                                           [&](const ExceptionDef& e) { return e.name == exc.name; });
                  if (same != old.exceptions.end()) {
                    same->values.insert(same->values.end(), exc.values.begin(), exc.values.end());
                  } else {
                    old.exceptions.push_back(exc);
                  }
                }
              },
              [&] { old.exceptions = def.exceptions; });
          continue;
        }
        if (def.condition.empty() || def.output.empty() || !def.has_priority) {
          error(line, name, "a rule needs 'condition', 'output' and 'priority'");
          continue;
        }
        if (it != st.rule_index.end()) {
          st.rules[it->second] = std::move(def);
        } else {
          st.rule_index[name] = st.rules.size();
          st.rules.push_back(std::move(def));
        }
        continue;
      }
      // Falco's loader warns about an unknown top-level item (LOAD_UNKNOWN_ITEM) and goes on.
      warn(line, "",
           "unknown top-level item ignored: expected rule, macro, list, required_engine_version or "
           "required_plugin_versions");
    }
  } catch (const YAML::Exception& e) {
    error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "", fmt::format("invalid rules file: {}", e.msg));
  }
  return Ok();
}

namespace {

// An exception field: "proc.aname[2]", or one with transformers ("tolower(proc.name)").
Status SplitField(const std::string& text, AstNode* node) {
  auto parsed = ParseCondition(text + " exists");
  if (!parsed || (*parsed)->kind != AstNode::Kind::kCompare) {
    return MakeError(ErrorCode::kInvalidArgument, "bad exception field '{}'", text);
  }
  node->field = (*parsed)->field;
  node->field_arg = (*parsed)->field_arg;
  node->has_field_arg = (*parsed)->has_field_arg;
  node->transformers = (*parsed)->transformers;
  return Ok();
}

Result<CompareOp> ParseComp(const std::string& text) {
  // Reuse the condition parser: "x.y <comp> v" gives the operator.
  auto ast = ParseCondition("a.b " + text + " v");
  if (!ast || (*ast)->kind != AstNode::Kind::kCompare) {
    auto list_ast = ParseCondition("a.b " + text + " (v)");
    if (list_ast && (*list_ast)->kind == AstNode::Kind::kCompare) {
      return (*list_ast)->op;
    }
    return MakeError(ErrorCode::kInvalidArgument, "unknown comparison '{}'", text);
  }
  return (*ast)->op;
}

// Builds `not (...)` for one exception (Falco: fields/comps/values), or nullptr when it has no values.
Result<std::unique_ptr<AstNode>> ExceptionAst(const ExceptionDef& exc) {
  if (exc.values.empty()) {
    return std::unique_ptr<AstNode>();
  }
  auto any = std::make_unique<AstNode>();
  any->kind = AstNode::Kind::kOr;
  if (exc.scalar_fields) {
    if (exc.fields.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "exception '{}': bad fields", exc.name);
    }
    // Falco: `fields: f` with a list comparison is `f comp (v1, v2, ...)`; with another comparison, one
    // `f comp v` per value, or'ed.
    auto cmp = std::make_unique<AstNode>();
    cmp->kind = AstNode::Kind::kCompare;
    CUSTOMS_RETURN_IF_ERROR(SplitField(exc.fields[0], cmp.get()));
    CUSTOMS_ASSIGN_OR_RETURN(cmp->op, ParseComp(exc.comps.empty() ? "in" : exc.comps[0]));
    bool list_op = cmp->op == CompareOp::kIn || cmp->op == CompareOp::kIntersects || cmp->op == CompareOp::kPmatch;
    if (list_op) {
      cmp->list_value = true;
      for (const auto& row : exc.values) {
        for (const auto& item : row[0].items) {
          cmp->values.push_back(AstValue{item, false, false});
        }
      }
      any->children.push_back(std::move(cmp));
    } else {
      for (const auto& row : exc.values) {
        for (const auto& item : row[0].items) {
          auto one = CloneAst(*cmp);
          one->values.push_back(AstValue{item, true, false});
          any->children.push_back(std::move(one));
        }
      }
    }
  } else {
    for (const auto& row : exc.values) {
      if (row.size() != exc.fields.size()) {
        return MakeError(ErrorCode::kInvalidArgument, "exception '{}': a value tuple has {} items for {} fields",
                         exc.name, row.size(), exc.fields.size());
      }
      auto all = std::make_unique<AstNode>();
      all->kind = AstNode::Kind::kAnd;
      for (size_t i = 0; i < row.size(); ++i) {
        auto cmp = std::make_unique<AstNode>();
        cmp->kind = AstNode::Kind::kCompare;
        CUSTOMS_RETURN_IF_ERROR(SplitField(exc.fields[i], cmp.get()));
        std::string comp = i < exc.comps.size() ? exc.comps[i] : "=";
        CUSTOMS_ASSIGN_OR_RETURN(cmp->op, ParseComp(comp));
        bool list_op = cmp->op == CompareOp::kIn || cmp->op == CompareOp::kIntersects || cmp->op == CompareOp::kPmatch;
        cmp->list_value = list_op || row[i].is_list;
        for (const auto& item : row[i].items) {
          cmp->values.push_back(AstValue{item, !cmp->list_value, false});
        }
        all->children.push_back(std::move(cmp));
      }
      any->children.push_back(std::move(all));
    }
  }
  auto negated = std::make_unique<AstNode>();
  negated->kind = AstNode::Kind::kNot;
  // A single alternative needs no "or" around it.
  negated->children.push_back(any->children.size() == 1 ? std::move(any->children[0]) : std::move(any));
  return negated;
}

}  // namespace

RuleSet RulesLoader::Finish(LoadReport* report) {
  State& st = *state_;
  RuleSet set;
  // Lists: items that name an earlier list expand to its items.
  std::map<std::string, std::vector<std::string>, std::less<>> lists;
  size_t total = 0;
  for (const auto& name : st.list_order) {
    const ListDef& def = st.lists[name];
    std::vector<std::string> items;
    for (const auto& item : def.items) {
      auto it = lists.find(item);
      if (it != lists.end() && item != name) {
        items.insert(items.end(), it->second.begin(), it->second.end());
      } else {
        items.push_back(item);
      }
      if (items.size() > options_.max_list_items) {
        break;
      }
    }
    total += items.size();
    if (items.size() > options_.max_list_items || total > 4 * options_.max_list_items) {
      st.report.errors.push_back(LoadMessage{
          def.file, def.line, name, fmt::format("list expands to more than {} items", options_.max_list_items)});
      items.clear();
    }
    lists[name] = std::move(items);
  }
  // Macros: parse once; parse errors are reported against the macro.
  std::map<std::string, std::unique_ptr<AstNode>, std::less<>> macro_asts;
  std::map<std::string, const AstNode*, std::less<>> macros;
  for (const auto& [name, def] : st.macros) {
    auto ast = ParseCondition(def.condition);
    if (!ast) {
      st.report.errors.push_back(
          LoadMessage{def.file, def.line, name, fmt::format("macro condition: {}", ast.error().message())});
      continue;
    }
    macros[name] = ast->get();
    macro_asts[name] = std::move(*ast);
  }
  CompileEnv env;
  env.macros = &macros;
  env.lists = &lists;
  env.max_list_items = options_.max_list_items;
  env.domain_sets = &set.domain_sets_;
  std::set<FieldId> fields_used;

  for (RuleDef& def : st.rules) {
    auto fail = [&](const Error& error) {
      bool unsupported = error.code() == ErrorCode::kUnsupported;
      LoadMessage message{def.file, def.condition_line ? def.condition_line : def.line, def.name, error.message()};
      if (unsupported && (def.skip_if_unknown_filter || options_.skip_unsupported)) {
        message.message = "skipped: " + message.message;
        st.report.warnings.push_back(std::move(message));
      } else {
        st.report.errors.push_back(std::move(message));
      }
    };
    if (def.source != "syscall") {
      // Falco skips a rule of a source it has not loaded with a warning; customs has only the syscall source.
      st.report.warnings.push_back(LoadMessage{
          def.file, def.line, def.name,
          fmt::format("skipped: source '{}' is not available (customs has the syscall source)", def.source)});
      continue;
    }
    auto ast = ParseCondition(def.condition);
    if (!ast) {
      fail(Error(ErrorCode::kInvalidArgument, fmt::format("condition: {}", ast.error().message())));
      continue;
    }
    std::unique_ptr<AstNode> root = std::move(*ast);
    bool bad = false;
    bool appended = false;
    for (const auto& exc : def.exceptions) {
      auto exception_ast = ExceptionAst(exc);
      if (!exception_ast) {
        fail(exception_ast.error());
        bad = true;
        break;
      }
      if (!*exception_ast) {
        continue;
      }
      // (condition) and not (...) and not (...): one "and" for the condition and every exception.
      if (!appended) {
        auto both = std::make_unique<AstNode>();
        both->kind = AstNode::Kind::kAnd;
        both->children.push_back(std::move(root));
        root = std::move(both);
        appended = true;
      }
      root->children.push_back(std::move(*exception_ast));
    }
    if (bad) {
      continue;
    }
    auto compiled = CompileCondition(*root, env);
    if (!compiled) {
      fail(compiled.error());
      continue;
    }
    auto expanded = ExpandAst(*root, env);
    if (!expanded) {
      fail(expanded.error());
      continue;
    }
    std::string uncaptured;
    for (const auto& t : compiled->unknown_event_types) {
      uncaptured += (uncaptured.empty() ? "" : ", ") + t;
    }
    if (compiled->event_types.none()) {
      // As Falco loads a rule of an unknown source with a warning: loaded, but it cannot fire here.
      st.report.warnings.push_back(
          LoadMessage{def.file, def.condition_line ? def.condition_line : def.line, def.name,
                      uncaptured.empty()
                          ? std::string("condition can never match (no event type satisfies it): the rule cannot fire")
                          : fmt::format("only matches event types customs does not capture ({}): the rule is "
                                        "loaded but cannot fire",
                                        uncaptured)});
    } else if (!uncaptured.empty()) {
      st.report.warnings.push_back(
          LoadMessage{def.file, def.condition_line ? def.condition_line : def.line, def.name,
                      fmt::format("event types customs does not capture are ignored: {}", uncaptured)});
    }
    if (compiled->event_types.all()) {
      st.report.warnings.push_back(
          LoadMessage{def.file, def.line, def.name, "condition does not restrict evt.type: evaluated for every event"});
    }
    auto rule = std::make_unique<Rule>();
    rule->name = def.name;
    rule->desc = def.desc;
    rule->condition_text = def.condition;
    rule->output_text = def.output;
    rule->priority = def.priority;
    rule->tags = def.tags;
    rule->enabled = def.enabled;
    rule->actions = def.actions;
    rule->file = def.file;
    rule->line = def.line;
    rule->event_types = compiled->event_types;
    rule->filter = std::move(compiled->filter);
    rule->uncaptured_event_types = compiled->unknown_event_types;
    std::vector<const AstNode*> stack = {expanded->get()};
    while (!stack.empty()) {
      const AstNode* node = stack.back();
      stack.pop_back();
      // A comparison with an empty list can never match: it needs no field (an empty country deny list needs no
      // country database).
      bool empty_list = node->list_value && node->values.empty();
      if (node->kind == AstNode::Kind::kCompare && def.enabled && !empty_list) {
        if (auto ref = ResolveField(node->field, node->has_field_arg, node->field_arg)) {
          fields_used.insert(ref->spec->id);
        }
      }
      for (const auto& child : node->children) {
        stack.push_back(child.get());
      }
    }
    rule->expanded = std::shared_ptr<const AstNode>(std::move(*expanded));
    std::vector<std::string> unknown_output;
    rule->output = OutputTemplate::Parse(def.output, &unknown_output);
    for (const auto& field : unknown_output) {
      st.report.warnings.push_back(LoadMessage{def.file, def.line, def.name,
                                               fmt::format("output field '%{}' is not supported: prints <NA>", field)});
    }
    if (def.enabled) {
      for (const auto& segment : rule->output.segments()) {
        if (segment.field.spec != nullptr) {
          fields_used.insert(segment.field.spec->id);
        }
      }
    }
    set.rules_.push_back(std::move(rule));
  }
  set.fields_used_.assign(fields_used.begin(), fields_used.end());
  set.Index();
  if (report != nullptr) {
    *report = std::move(st.report);
  }
  st = State();
  return set;
}

}  // namespace customs::runtime
