#include "audit/secrets/secret_rules.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace customs::audit::secrets {
namespace {

Result<Severity> ParseSeverity(const std::string& text, std::string_view where) {
  for (Severity s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical, Severity::kNegligible}) {
    if (text == SeverityName(s)) return s;
  }
  return MakeError(ErrorCode::kInvalidArgument, "{}: severity '{}' is not LOW, MEDIUM, HIGH or CRITICAL", where, text);
}

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

Result<SecretRule> ParseRule(const YAML::Node& node, std::string_view what, std::size_t index) {
  std::string where = fmt::format("{}: rule {}", what, index + 1);
  if (!node.IsMap()) return MakeError(ErrorCode::kInvalidArgument, "{}: not a mapping", where);
  SecretRule rule;
  if (!node["id"] || !node["regex"]) return MakeError(ErrorCode::kInvalidArgument, "{}: needs id and regex", where);
  rule.id = node["id"].as<std::string>();
  where = fmt::format("{}: rule {}", what, rule.id);
  rule.title = node["title"] ? node["title"].as<std::string>() : rule.id;
  CUSTOMS_ASSIGN_OR_RETURN(rule.severity,
                           ParseSeverity(node["severity"] ? node["severity"].as<std::string>() : "HIGH", where));
  rule.keywords = Strings(node["keywords"]);
  for (auto& keyword : rule.keywords) {
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  rule.regex = node["regex"].as<std::string>();
  if (node["entropy"]) rule.min_entropy = node["entropy"].as<double>();
  rule.allow = Strings(node["allow"]);
  rule.allow_paths = Strings(node["paths"]);
  RE2 compiled(rule.regex, RE2::Quiet);
  if (!compiled.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: regex does not compile: {}", where, compiled.error());
  }
  if (compiled.NumberOfCapturingGroups() > 1) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: at most one capturing group (the secret)", where);
  }
  for (const auto& allow : rule.allow) {
    RE2 allow_compiled(allow, RE2::Quiet);
    if (!allow_compiled.ok()) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: allow regex '{}' does not compile: {}", where, allow,
                       allow_compiled.error());
    }
  }
  return rule;
}

Result<std::vector<SecretRule>> ParseRules(const YAML::Node& node, std::string_view what) {
  std::vector<SecretRule> rules;
  if (!node) return rules;
  if (!node.IsSequence()) return MakeError(ErrorCode::kInvalidArgument, "{}: rules is not a list", what);
  for (std::size_t i = 0; i < node.size(); ++i) {
    CUSTOMS_ASSIGN_OR_RETURN(auto rule, ParseRule(node[i], what, i));
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<YAML::Node> Load(std::string_view yaml, std::string_view what) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return MakeError(ErrorCode::kInvalidArgument, "{}: not a YAML mapping", what);
    return root;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", what, e.what());
  }
}

}  // namespace

Result<RuleSet> ParseRuleSet(std::string_view yaml, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(YAML::Node root, Load(yaml, what));
  try {
    RuleSet set;
    CUSTOMS_ASSIGN_OR_RETURN(set.rules, ParseRules(root["rules"], what));
    set.allow_paths = Strings(root["allow_paths"]);
    return set;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", what, e.what());
  }
}

const RuleSet& DefaultRuleSet() {
  static const RuleSet set = [] {
    auto parsed = ParseRuleSet(DefaultRulesText(), "built-in secret rules");
    // The built-in file is tested (audit_test DefaultRulesParse); an error here is a build defect.
    return parsed ? std::move(*parsed) : RuleSet{};
  }();
  return set;
}

Result<RuleSet> ApplySecretConfig(RuleSet base, std::string_view yaml, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(YAML::Node root, Load(yaml, what));
  try {
    for (const auto& id : Strings(root["disable"])) {
      auto it = std::find_if(base.rules.begin(), base.rules.end(), [&](const auto& r) { return r.id == id; });
      if (it == base.rules.end()) {
        return MakeError(ErrorCode::kInvalidArgument, "{}: disable: no secret rule '{}'", what, id);
      }
      base.rules.erase(it);
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto extra, ParseRules(root["rules"], what));
    for (auto& rule : extra) {
      auto it = std::find_if(base.rules.begin(), base.rules.end(), [&](const auto& r) { return r.id == rule.id; });
      if (it != base.rules.end()) {
        *it = std::move(rule);
      } else {
        base.rules.push_back(std::move(rule));
      }
    }
    for (auto& glob : Strings(root["allow_paths"])) base.allow_paths.push_back(std::move(glob));
    for (const auto& key : root) {
      std::string name = key.first.as<std::string>();
      if (name != "disable" && name != "rules" && name != "allow_paths") {
        return MakeError(ErrorCode::kInvalidArgument, "{}: unknown key '{}' (rules, disable, allow_paths)", what, name);
      }
    }
    return base;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", what, e.what());
  }
}

std::string SecretRulesMarkdown(const RuleSet& rules) {
  std::string out =
      "\n# Secret rules\n\nBuilt in (`src/audit/secrets/rules.yaml`); `--secret-config FILE` adds rules (same "
      "format), disables them (`disable: [id...]`) and allows paths (`allow_paths: [glob...]`). A secret is shown "
      "masked everywhere: its first 4 characters, then `*****`.\n\n| id | severity | title |\n|---|---|---|\n";
  for (const auto& rule : rules.rules) {
    out += fmt::format("| `{}` | {} | {} |\n", rule.id, SeverityName(rule.severity), rule.title);
  }
  out += "\nFiles never scanned (global allow-list):";
  for (const auto& glob : rules.allow_paths) out += fmt::format(" `{}`", glob);
  out +=
      ". Files that an OS package installed are public (anyone can download the package): secret-like text in "
      "them (test fixtures) is counted in a diagnostic, not reported.\n";
  return out;
}

double ShannonEntropy(std::string_view text) {
  if (text.empty()) return 0;
  std::array<std::size_t, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  double entropy = 0;
  const double n = static_cast<double>(text.size());
  for (std::size_t count : counts) {
    if (count == 0) continue;
    double p = static_cast<double>(count) / n;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

std::string MaskSecret(std::string_view secret) {
  std::string out;
  std::size_t shown = 0;
  // Four characters, not four bytes: never cut a UTF-8 sequence in half.
  for (std::size_t i = 0; i < secret.size() && shown < 4; ++shown) {
    auto c = static_cast<unsigned char>(secret[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    length = std::min(length, secret.size() - i);
    out.append(secret.substr(i, length));
    i += length;
  }
  return out + "*****";
}

}  // namespace customs::audit::secrets
