#include "policy/policy.h"

#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/file_util.h"

namespace customs::policy {
namespace {

constexpr std::size_t kMaxPolicyBytes = 1 << 20;
constexpr std::size_t kMaxPolicies = 1000;
constexpr std::size_t kMaxListItems = 10000;

constexpr std::array<std::string_view, kControlCount> kControlNames = {
    "no-shell", "non-root", "no-attacker-tools", "no-compilers", "immutable", "egress", "vulnerabilities"};

constexpr std::array<std::string_view, 6> kSeverities = {"UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

// Errors carry the file and line.
class Parser {
 public:
  explicit Parser(const std::string& origin) : origin_(origin) {}

  template <class... Args>
  tl::unexpected<Error> Fail(const YAML::Node& node, fmt::format_string<Args...> format, Args&&... args) const {
    int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    return tl::unexpected<Error>(
        Error(ErrorCode::kInvalidArgument,
              fmt::format("{}:{}: {}", origin_, line, fmt::format(format, std::forward<Args>(args)...))));
  }

  Result<std::string> Scalar(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) {
      return Fail(node, "{} must be a string", what);
    }
    return node.Scalar();
  }

  Result<std::vector<std::string>> StringList(const YAML::Node& node, std::string_view what) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) {
      return Fail(node, "{} must be a list", what);
    }
    if (node.size() > kMaxListItems) {
      return Fail(node, "{}: more than {} items", what, kMaxListItems);
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        return Fail(item, "{}: every item must be a string", what);
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  Result<bool> Bool(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) {
      return Fail(node, "{} must be true or false", what);
    }
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "yes") {
      return true;
    }
    if (s == "false" || s == "False" || s == "no") {
      return false;
    }
    return Fail(node, "{} must be true or false, not \"{}\"", what, s);
  }

  Result<Mode> ParseMode(const YAML::Node& node) const {
    auto text = Scalar(node, "mode");
    if (!text) {
      return tl::unexpected(text.error());
    }
    if (*text == "enforce") {
      return Mode::kEnforce;
    }
    if (*text == "warn") {
      return Mode::kWarn;
    }
    return Fail(node, "mode must be enforce or warn, not \"{}\"", *text);
  }

  // Values that end up inside generated rule conditions are restricted to characters that need no quoting rules
  // beyond double quotes: an image pattern cannot smuggle a condition or YAML into `customs policy rules`.
  Status CheckValue(const YAML::Node& node, std::string_view what, const std::string& value,
                    std::string_view extra) const {
    if (value.empty()) {
      return Fail(node, "{}: empty value", what);
    }
    if (value.size() > 512) {
      return Fail(node, "{}: value longer than 512 characters", what);
    }
    for (char ch : value) {
      if (std::isalnum(static_cast<unsigned char>(ch)) || extra.find(ch) != std::string_view::npos) {
        continue;
      }
      return Fail(node, "{}: character '{}' is not allowed in \"{}\"", what,
                  std::isprint(static_cast<unsigned char>(ch))
                      ? std::string(1, ch)
                      : fmt::format("\\x{:02x}", static_cast<unsigned char>(ch)),
                  value);
    }
    return Ok();
  }

  Status ParseSelector(const YAML::Node& node, Selector* out) const {
    if (node.IsNull()) {
      return Ok();
    }
    if (!node.IsMap()) {
      return Fail(node, "match must be a mapping (images, digests, labels, namespaces)");
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (key == "images" || key == "digests" || key == "namespaces") {
        auto list = StringList(value, "match." + key);
        if (!list) {
          return tl::unexpected(list.error());
        }
        for (const auto& item : *list) {
          if (key == "images") {
            CUSTOMS_RETURN_IF_ERROR(CheckValue(value, "match.images", item, "._-/:@*?[]+"));
          } else if (key == "digests") {
            CUSTOMS_RETURN_IF_ERROR(CheckValue(value, "match.digests", item, ":"));
            if (item.rfind("sha256:", 0) != 0 || item.size() != 71) {
              return Fail(value, "match.digests: \"{}\" is not sha256:<64 hex digits>", item);
            }
          } else {
            CUSTOMS_RETURN_IF_ERROR(CheckValue(value, "match.namespaces", item, "-."));
          }
        }
        auto& target = key == "images" ? out->images : key == "digests" ? out->digests : out->namespaces;
        target = std::move(*list);
      } else if (key == "labels") {
        if (!value.IsMap()) {
          return Fail(value, "match.labels must be a mapping (label: value)");
        }
        for (const auto& label : value) {
          if (!label.first.IsScalar() || !label.second.IsScalar()) {
            return Fail(label.first, "match.labels: keys and values must be strings");
          }
          CUSTOMS_RETURN_IF_ERROR(CheckValue(label.first, "match.labels", label.first.Scalar(), "._-/"));
          CUSTOMS_RETURN_IF_ERROR(CheckValue(label.second, "match.labels", label.second.Scalar(), "._-/:@+= "));
          out->labels.emplace_back(label.first.Scalar(), label.second.Scalar());
        }
      } else {
        return Fail(kv.first, "match: unknown key \"{}\" (images, digests, labels, namespaces)", key);
      }
    }
    return Ok();
  }

  Status ParseEgress(const YAML::Node& node, EgressSettings* out) const {
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (key == "mode") {
        continue;
      }
      if (key == "allow_cidrs" || key == "allow_domains" || key == "deny_countries") {
        auto list = StringList(value, "egress." + key);
        if (!list) {
          return tl::unexpected(list.error());
        }
        for (const auto& item : *list) {
          if (key == "allow_cidrs") {
            CUSTOMS_RETURN_IF_ERROR(CheckValue(value, "egress.allow_cidrs", item, ".:/"));
            if (item.find('/') == std::string::npos) {
              return Fail(value, "egress.allow_cidrs: \"{}\" is not a CIDR (address/prefix)", item);
            }
          } else if (key == "allow_domains") {
            CUSTOMS_RETURN_IF_ERROR(CheckValue(value, "egress.allow_domains", item, ".-"));
          } else if (item.size() != 2 || !std::isupper(static_cast<unsigned char>(item[0])) ||
                     !std::isupper(static_cast<unsigned char>(item[1]))) {
            return Fail(value, "egress.deny_countries: \"{}\" is not an ISO 3166 code (two capital letters)", item);
          }
        }
        auto& target = key == "allow_cidrs"     ? out->allow_cidrs
                       : key == "allow_domains" ? out->allow_domains
                                                : out->deny_countries;
        target = std::move(*list);
      } else if (key == "allow_ports") {
        auto list = StringList(value, "egress.allow_ports");
        if (!list) {
          return tl::unexpected(list.error());
        }
        for (const auto& item : *list) {
          int port = 0;
          bool ok = !item.empty() && item.size() <= 5 &&
                    std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
          if (ok) {
            port = std::stoi(item);
          }
          if (!ok || port < 1 || port > 65535) {
            return Fail(value, "egress.allow_ports: \"{}\" is not a port", item);
          }
          out->allow_ports.push_back(port);
        }
      } else {
        return Fail(kv.first,
                    "egress: unknown key \"{}\" (mode, allow_cidrs, allow_domains, allow_ports, deny_countries)", key);
      }
    }
    return Ok();
  }

  Status ParseVulnerabilities(const YAML::Node& node, VulnerabilitySettings* out) const {
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (key == "mode") {
        continue;
      }
      if (key == "fail_on") {
        auto text = Scalar(value, "vulnerabilities.fail_on");
        if (!text) {
          return tl::unexpected(text.error());
        }
        std::string upper = *text;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
        if (SeverityRank(upper) < 0) {
          return Fail(value, "vulnerabilities.fail_on: \"{}\" is not a severity (LOW, MEDIUM, HIGH, CRITICAL...)",
                      *text);
        }
        out->fail_on = upper;
      } else if (key == "ignore_unfixed") {
        auto b = Bool(value, "vulnerabilities.ignore_unfixed");
        if (!b) {
          return tl::unexpected(b.error());
        }
        out->ignore_unfixed = *b;
      } else if (key == "kev") {
        auto text = Scalar(value, "vulnerabilities.kev");
        if (!text) {
          return tl::unexpected(text.error());
        }
        if (*text != "fail") {
          return Fail(value, "vulnerabilities.kev: a known exploited vulnerability always fails (only `kev: fail`)");
        }
      } else {
        return Fail(kv.first, "vulnerabilities: unknown key \"{}\" (mode, fail_on, ignore_unfixed, kev)", key);
      }
    }
    return Ok();
  }

  Status ParseControls(const YAML::Node& node, Policy* out) const {
    if (!node.IsMap()) {
      return Fail(node, "controls must be a mapping (control: enforce|warn or {{mode: ...}})");
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      auto control = ControlFromName(key);
      if (!control) {
        return Fail(kv.first,
                    "unknown control \"{}\" (no-shell, non-root, no-attacker-tools, no-compilers, immutable, egress, "
                    "vulnerabilities)",
                    key);
      }
      ControlSetting& setting = out->controls[static_cast<int>(*control)];
      if (setting.enabled) {
        return Fail(kv.first, "control \"{}\" given twice", key);
      }
      setting.enabled = true;
      const YAML::Node& value = kv.second;
      if (value.IsScalar()) {
        auto mode = ParseMode(value);
        if (!mode) {
          return tl::unexpected(mode.error());
        }
        setting.mode = *mode;
      } else if (value.IsMap()) {
        if (value["mode"]) {
          auto mode = ParseMode(value["mode"]);
          if (!mode) {
            return tl::unexpected(mode.error());
          }
          setting.mode = *mode;
        }
        if (*control == Control::kEgress) {
          CUSTOMS_RETURN_IF_ERROR(ParseEgress(value, &out->egress));
        } else if (*control == Control::kVulnerabilities) {
          CUSTOMS_RETURN_IF_ERROR(ParseVulnerabilities(value, &out->vulnerabilities));
        } else {
          for (const auto& item : value) {
            if (item.first.Scalar() != "mode") {
              return Fail(item.first, "{}: unknown key \"{}\" (mode)", key, item.first.Scalar());
            }
          }
        }
      } else if (value.IsNull()) {
        setting.mode = Mode::kEnforce;
      } else {
        return Fail(value, "control \"{}\": enforce, warn or a mapping", key);
      }
    }
    if (out->enabled(Control::kEgress) && !out->egress.has_allow_list() && out->egress.deny_countries.empty()) {
      return Fail(node, "control egress: give allow_cidrs, allow_domains, allow_ports or deny_countries");
    }
    return Ok();
  }

  Result<Policy> ParseOne(const YAML::Node& node) const {
    if (!node.IsMap()) {
      return Fail(node, "a policy must be a mapping (name, match, controls)");
    }
    Policy policy;
    policy.line = node.Mark().line + 1;
    bool has_controls = false;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (key == "name") {
        auto name = Scalar(kv.second, "name");
        if (!name) {
          return tl::unexpected(name.error());
        }
        policy.name = *name;
      } else if (key == "match") {
        CUSTOMS_RETURN_IF_ERROR(ParseSelector(kv.second, &policy.selector));
      } else if (key == "controls") {
        CUSTOMS_RETURN_IF_ERROR(ParseControls(kv.second, &policy));
        has_controls = true;
      } else if (key == "description") {
        continue;
      } else {
        return Fail(kv.first, "policy: unknown key \"{}\" (name, description, match, controls)", key);
      }
    }
    if (policy.name.empty()) {
      return Fail(node, "a policy needs a name");
    }
    if (policy.name.size() > 64 || !std::isalnum(static_cast<unsigned char>(policy.name[0])) ||
        !std::all_of(policy.name.begin(), policy.name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; })) {
      return Fail(node, "policy name \"{}\": lowercase letters, digits and '-' (at most 64)", policy.name);
    }
    if (!has_controls) {
      return Fail(node, "policy \"{}\" has no controls", policy.name);
    }
    return policy;
  }

  Result<PolicyFile> Parse(std::string_view text) const {
    PolicyFile file;
    file.origin = origin_;
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      return Fail(root, "a policy file is a mapping with `policies:` (a list)");
    }
    YAML::Node policies;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key == "version") {
        if (!kv.second.IsScalar() || kv.second.Scalar() != "1") {
          return Fail(kv.second, "version: only 1 is known");
        }
      } else if (key == "policies") {
        policies = kv.second;
      } else {
        return Fail(kv.first, "unknown key \"{}\" (version, policies)", key);
      }
    }
    if (!policies || !policies.IsSequence()) {
      return Fail(root, "`policies:` must be a list of policies");
    }
    if (policies.size() > kMaxPolicies) {
      return Fail(policies, "more than {} policies", kMaxPolicies);
    }
    std::set<std::string> names;
    for (const auto& node : policies) {
      auto policy = ParseOne(node);
      if (!policy) {
        return tl::unexpected(policy.error());
      }
      if (!names.insert(policy->name).second) {
        return Fail(node, "policy name \"{}\" used twice", policy->name);
      }
      file.policies.push_back(std::move(*policy));
    }
    return file;
  }

 private:
  const std::string& origin_;
};

bool GlobMatch(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

// "docker.io/library/postgres:16" also answers to "postgres:16", "library/postgres" and "postgres"; a name without a
// tag to its repository.
std::vector<std::string> NameVariants(const std::string& name) {
  std::vector<std::string> out = {name};
  std::string base = name.substr(0, name.find('@'));
  std::size_t slash = base.rfind('/');
  std::size_t colon = base.rfind(':');
  std::string repository = base;
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    repository = base.substr(0, colon);
    out.push_back(base);
    out.push_back(repository);
  } else if (base != name) {
    out.push_back(base);
  }
  for (std::string_view prefix : {"docker.io/library/", "docker.io/", "index.docker.io/library/"}) {
    for (std::size_t i = 0, n = out.size(); i < n; ++i) {
      if (out[i].rfind(prefix, 0) == 0) {
        out.push_back(out[i].substr(prefix.size()));
      }
    }
  }
  return out;
}

}  // namespace

std::string_view ControlName(Control control) {
  int i = static_cast<int>(control);
  return i >= 0 && i < kControlCount ? kControlNames[i] : "unknown";
}

std::optional<Control> ControlFromName(std::string_view name) {
  for (int i = 0; i < kControlCount; ++i) {
    if (kControlNames[i] == name) {
      return static_cast<Control>(i);
    }
  }
  return std::nullopt;
}

std::string_view ModeName(Mode mode) {
  return mode == Mode::kEnforce ? "enforce" : "warn";
}

int SeverityRank(std::string_view name) {
  for (std::size_t i = 0; i < kSeverities.size(); ++i) {
    if (kSeverities[i] == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

Result<PolicyFile> ParsePolicy(std::string_view text, const std::string& origin) {
  if (text.size() > kMaxPolicyBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: policy file larger than 1 MiB", origin);
  }
  if (text.find('\0') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: not a text file (NUL byte)", origin);
  }
  try {
    return Parser(origin).Parse(text);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}:{}: YAML: {}", origin, e.mark.line + 1, e.msg);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", origin, e.what());
  }
}

Result<PolicyFile> LoadPolicy(const std::filesystem::path& path) {
  auto text = ReadFile(path, kMaxPolicyBytes + 1);
  if (!text) {
    return tl::unexpected(text.error());
  }
  return ParsePolicy(*text, path.string());
}

bool Matches(const Selector& selector, const ImageIdentity& image) {
  if (!selector.images.empty() && image.names_known) {
    bool any = false;
    for (const auto& name : image.names) {
      for (const auto& variant : NameVariants(name)) {
        for (const auto& pattern : selector.images) {
          any = any || GlobMatch(pattern, variant);
        }
      }
    }
    if (!any) {
      return false;
    }
  }
  if (!selector.digests.empty() && image.digests_known) {
    bool any = false;
    for (const auto& digest : image.digests) {
      any = any || std::find(selector.digests.begin(), selector.digests.end(), digest) != selector.digests.end();
    }
    if (!any) {
      return false;
    }
  }
  if (!selector.labels.empty() && image.labels_known) {
    for (const auto& wanted : selector.labels) {
      auto it = std::find_if(image.labels.begin(), image.labels.end(),
                             [&](const auto& l) { return l.first == wanted.first; });
      if (it == image.labels.end() || it->second != wanted.second) {
        return false;
      }
    }
  }
  if (!selector.namespaces.empty() && image.namespace_known) {
    if (std::find(selector.namespaces.begin(), selector.namespaces.end(), image.k8s_namespace) ==
        selector.namespaces.end()) {
      return false;
    }
  }
  return true;
}

const EffectiveControl* Applicable::Find(Control control) const {
  for (const auto& c : controls) {
    if (c.control == control) {
      return &c;
    }
  }
  return nullptr;
}

Applicable ApplicableControls(const PolicyFile& file, const ImageIdentity& image) {
  Applicable out;
  std::array<std::optional<EffectiveControl>, kControlCount> merged;
  bool vuln_seen = false;
  for (const Policy& policy : file.policies) {
    if (!Matches(policy.selector, image)) {
      continue;
    }
    for (int i = 0; i < kControlCount; ++i) {
      const ControlSetting& setting = policy.controls[i];
      if (!setting.enabled) {
        continue;
      }
      auto& slot = merged[i];
      if (!slot) {
        slot = EffectiveControl{static_cast<Control>(i), setting.mode, {}};
      } else if (setting.mode == Mode::kEnforce) {
        slot->mode = Mode::kEnforce;
      }
      slot->policies.push_back(policy.name);
    }
    if (policy.enabled(Control::kEgress)) {
      auto append = [](auto& to, const auto& from) {
        for (const auto& item : from) {
          if (std::find(to.begin(), to.end(), item) == to.end()) {
            to.push_back(item);
          }
        }
      };
      append(out.egress.allow_cidrs, policy.egress.allow_cidrs);
      append(out.egress.allow_domains, policy.egress.allow_domains);
      append(out.egress.allow_ports, policy.egress.allow_ports);
      append(out.egress.deny_countries, policy.egress.deny_countries);
    }
    if (policy.enabled(Control::kVulnerabilities)) {
      if (!vuln_seen) {
        out.vulnerabilities = policy.vulnerabilities;
        vuln_seen = true;
      } else {
        if (SeverityRank(policy.vulnerabilities.fail_on) < SeverityRank(out.vulnerabilities.fail_on)) {
          out.vulnerabilities.fail_on = policy.vulnerabilities.fail_on;
        }
        out.vulnerabilities.ignore_unfixed =
            out.vulnerabilities.ignore_unfixed && policy.vulnerabilities.ignore_unfixed;
      }
    }
  }
  for (auto& slot : merged) {
    if (slot) {
      out.controls.push_back(std::move(*slot));
    }
  }
  return out;
}

}  // namespace customs::policy
