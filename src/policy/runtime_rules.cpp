#include "policy/runtime_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/known_tools.h"

namespace customs::policy {
namespace {

// Characters a value may have to be written as a double-quoted string inside a condition inside a YAML string. The
// policy parser already restricts selector values; executables from an image are filtered here.
bool SafeValue(std::string_view value) {
  if (value.empty() || value.size() > 1024) {
    return false;
  }
  return std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/._+-@:*?[]=").find(c) != std::string_view::npos;
  });
}

std::string Quote(std::string_view value) {
  return fmt::format("\"{}\"", value);
}

// A YAML flow list of quoted items, wrapped at about 110 columns.
std::string FlowList(const std::vector<std::string>& items, bool quote) {
  std::string out = "[";
  std::size_t column = 9;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = quote ? Quote(items[i]) : items[i];
    if (i > 0) {
      out += ",";
      if (column + item.size() + 2 > 110) {
        out += "\n          ";
        column = 10;
      } else {
        out += " ";
        ++column;
      }
    }
    out += item;
    column += item.size() + 1;
  }
  return out + "]";
}

std::vector<std::string> ToolBinaries(ToolKind kind) {
  std::set<std::string> names;
  for (const KnownTool& tool : KnownTools()) {
    if (tool.kind != kind) {
      continue;
    }
    for (const auto& binary : tool.binaries) {
      names.insert(binary);
    }
  }
  return {names.begin(), names.end()};
}

std::string Ident(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

bool HasGlob(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

std::string SelectorCondition(const Selector& selector) {
  std::vector<std::string> parts;
  if (!selector.images.empty()) {
    std::vector<std::string> alternatives;
    for (const auto& pattern : selector.images) {
      const char* op = HasGlob(pattern) ? "glob" : "=";
      alternatives.push_back(fmt::format("container.image {} {}", op, Quote(pattern)));
      alternatives.push_back(fmt::format("container.image.repository {} {}", op, Quote(pattern)));
      // Docker Hub names as engines report them: "postgres" is docker.io/library/postgres, "bitnami/redis" is
      // docker.io/bitnami/redis.
      std::size_t slash = pattern.find('/');
      bool has_registry =
          slash != std::string::npos && pattern.substr(0, slash).find_first_of(".:") != std::string::npos;
      if (slash == std::string::npos) {
        alternatives.push_back(
            fmt::format("container.image.repository {} {}", op, Quote("docker.io/library/" + pattern)));
      } else if (!has_registry) {
        alternatives.push_back(fmt::format("container.image.repository {} {}", op, Quote("docker.io/" + pattern)));
      }
    }
    parts.push_back("(" + fmt::format("{}", fmt::join(alternatives, " or ")) + ")");
  }
  if (!selector.digests.empty()) {
    std::vector<std::string> quoted;
    for (const auto& d : selector.digests) {
      quoted.push_back(Quote(d));
    }
    std::string list = fmt::format("{}", fmt::join(quoted, ", "));
    parts.push_back(fmt::format("(container.image.id in ({0}) or container.image.digest in ({0}))", list));
  }
  for (const auto& [key, value] : selector.labels) {
    parts.push_back(fmt::format("container.label[{}] = {}", key, Quote(value)));
  }
  if (!selector.namespaces.empty()) {
    std::vector<std::string> quoted;
    for (const auto& n : selector.namespaces) {
      quoted.push_back(Quote(n));
    }
    parts.push_back(fmt::format("k8s.ns.name in ({})", fmt::join(quoted, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

std::string ImageCondition(const RuntimeImage& image) {
  std::vector<std::string> alternatives;
  for (const auto& name : image.names) {
    if (!SafeValue(name)) {
      continue;
    }
    // The exact reference: another tag of the repository is other content, with other executables.
    alternatives.push_back(fmt::format("container.image = {}", Quote(name)));
  }
  for (const auto& digest : image.digests) {
    if (!SafeValue(digest)) {
      continue;
    }
    alternatives.push_back(fmt::format("container.image.id = {}", Quote(digest)));
    alternatives.push_back(fmt::format("container.image.digest = {}", Quote(digest)));
  }
  std::sort(alternatives.begin(), alternatives.end());
  alternatives.erase(std::unique(alternatives.begin(), alternatives.end()), alternatives.end());
  if (alternatives.empty()) {
    return "container.id = \"<no image identity>\"";
  }
  return "(" + fmt::format("{}", fmt::join(alternatives, " or ")) + ")";
}

struct RuleText {
  std::string name;
  std::string desc;
  std::string condition;
  std::string output;
  std::string priority;
  std::vector<std::string> tags;
  std::vector<std::string> actions;
};

// A YAML double-quoted scalar (names, descriptions and outputs contain ": ").
std::string YamlQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

void Emit(std::string& out, const RuleText& rule) {
  out += fmt::format("- rule: {}\n", YamlQuote(rule.name));
  out += fmt::format("  desc: {}\n", YamlQuote(rule.desc));
  out += fmt::format("  condition: >\n    {}\n", rule.condition);
  out += fmt::format("  output: {}\n", YamlQuote(rule.output));
  out += fmt::format("  priority: {}\n", rule.priority);
  out += fmt::format("  tags: [{}]\n", fmt::join(rule.tags, ", "));
  out += fmt::format("  actions: [{}]\n\n", fmt::join(rule.actions, ", "));
}

constexpr std::string_view kSpawned = "evt.type in (execve, execveat) and evt.res = SUCCESS";
constexpr std::string_view kProcessOutput =
    "process=%proc.name exe=%proc.exepath command=%proc.cmdline parent=%proc.pname user=%user.name uid=%user.uid "
    "container_id=%container.id container_name=%container.name image=%container.image k8s_ns=%k8s.ns.name "
    "k8s_pod=%k8s.pod.name";

}  // namespace

std::string ScopeMacroName(const std::string& policy_name) {
  return "customs_policy_" + Ident(policy_name) + "_scope";
}

std::string GenerateRuntimeRules(const PolicyFile& file, const RuleOptions& options) {
  std::string out;
  out += fmt::format(
      "# Runtime rules generated by `customs policy rules` from {}{}.\n"
      "# Falco rule language; `actions` is customs' extension (Falco warns about the unknown key and ignores it).\n"
      "# Regenerate instead of editing: the policy file is the source.\n\n",
      options.source_name.empty() ? file.origin : options.source_name,
      options.image != nullptr ? " for one image" : "");
  out += "- required_engine_version: 0.57.0\n\n";

  // Which policies: with an image, those whose selector can match it (namespaces and labels are unknown until the
  // image runs, so they do not exclude it here; the scope macro still checks them).
  std::vector<const Policy*> policies;
  ImageIdentity identity;
  if (options.image != nullptr) {
    identity.names = options.image->names;
    identity.names_known = !identity.names.empty();
    identity.digests = options.image->digests;
    identity.digests_known = !identity.digests.empty();
  }
  bool any_exec_rule = false;
  for (const Policy& policy : file.policies) {
    if (options.image != nullptr && !Matches(policy.selector, identity)) {
      continue;
    }
    bool has_runtime_control = false;
    for (int i = 0; i < kControlCount; ++i) {
      has_runtime_control =
          has_runtime_control || (policy.controls[i].enabled && static_cast<Control>(i) != Control::kVulnerabilities);
    }
    if (!has_runtime_control) {
      continue;
    }
    policies.push_back(&policy);
    any_exec_rule = true;
  }
  if (!any_exec_rule) {
    out += "# No policy with a runtime control applies.\n";
    return out;
  }

  out += fmt::format("- list: customs_policy_shell_binaries\n  items: {}\n\n",
                     FlowList(ToolBinaries(ToolKind::kShell), false));
  out += fmt::format("- list: customs_policy_attacker_tool_binaries\n  items: {}\n\n",
                     FlowList(ToolBinaries(ToolKind::kAttackerTool), false));
  out += fmt::format("- list: customs_policy_compiler_binaries\n  items: {}\n\n",
                     FlowList(ToolBinaries(ToolKind::kCompiler), false));

  std::string image_list;
  if (options.image != nullptr) {
    std::vector<std::string> executables;
    std::vector<std::string> shells;
    auto shell_names = ToolBinaries(ToolKind::kShell);
    for (const auto& path : options.image->executables) {
      if (!SafeValue(path) || path[0] != '/') {
        continue;
      }
      std::string base = path.substr(path.rfind('/') + 1);
      if (std::binary_search(shell_names.begin(), shell_names.end(), base)) {
        shells.push_back(path);
      } else {
        executables.push_back(path);
      }
    }
    std::sort(executables.begin(), executables.end());
    std::sort(shells.begin(), shells.end());
    out += "# The executables this image shipped (shells listed apart: no-shell does not allow them).\n";
    out += fmt::format("- list: customs_policy_image_executables\n  items: {}\n\n", FlowList(executables, true));
    out += fmt::format("- list: customs_policy_image_shells\n  items: {}\n\n", FlowList(shells, true));
  }

  for (const Policy* policy : policies) {
    std::string scope = "container.id != host";
    std::string selector = SelectorCondition(policy->selector);
    if (!selector.empty()) {
      scope += " and " + selector;
    }
    if (options.image != nullptr) {
      scope += " and " + ImageCondition(*options.image);
    }
    const std::string macro = ScopeMacroName(policy->name);
    out += fmt::format("- macro: {}\n  condition: ({})\n\n", macro, scope);

    auto rule_for = [&](Control control, std::string what) {
      const ControlSetting& setting = policy->setting(control);
      RuleText rule;
      rule.name = fmt::format("customs policy {}: {}", policy->name, what);
      rule.priority = setting.mode == Mode::kEnforce ? "CRITICAL" : "WARNING";
      rule.tags = {"customs_policy", std::string(ControlName(control)), "policy_" + Ident(policy->name)};
      rule.actions = {"alert"};
      return rule;
    };
    auto enforce = [&](Control control) { return policy->setting(control).mode == Mode::kEnforce; };

    if (policy->enabled(Control::kNoShell)) {
      RuleText rule = rule_for(Control::kNoShell, "no-shell");
      rule.desc = "A shell ran in a container whose policy forbids shells (no-shell).";
      rule.condition = fmt::format("{} and {} and proc.name in (customs_policy_shell_binaries)", kSpawned, macro);
      rule.output = fmt::format("Shell in a container where policy {} forbids it ({})", policy->name, kProcessOutput);
      if (enforce(Control::kNoShell)) {
        rule.actions.push_back("kill_container");
      }
      Emit(out, rule);
    }
    if (policy->enabled(Control::kNonRoot)) {
      RuleText rule = rule_for(Control::kNonRoot, "non-root");
      rule.desc = "A process ran as uid 0, or switched to uid 0, in a container whose policy forbids root (non-root).";
      rule.condition = fmt::format(
          "{} and (({} and user.uid = 0) or (evt.type in (setuid, setreuid, setresuid) and evt.res = SUCCESS and "
          "evt.arg.uid = 0))",
          macro, kSpawned);
      rule.output =
          fmt::format("Process as root in a container where policy {} forbids it ({})", policy->name, kProcessOutput);
      if (enforce(Control::kNonRoot)) {
        rule.actions.push_back("kill_container");
      }
      Emit(out, rule);
    }
    if (policy->enabled(Control::kNoAttackerTools)) {
      RuleText rule = rule_for(Control::kNoAttackerTools, "no-attacker-tools");
      rule.desc = "An attacker tool (curl, wget, netcat, nmap...) ran in a container whose policy forbids them.";
      rule.condition =
          fmt::format("{} and {} and proc.name in (customs_policy_attacker_tool_binaries)", kSpawned, macro);
      rule.output =
          fmt::format("Attacker tool in a container where policy {} forbids it ({})", policy->name, kProcessOutput);
      if (enforce(Control::kNoAttackerTools)) {
        rule.actions.push_back("kill_container");
      }
      Emit(out, rule);
    }
    if (policy->enabled(Control::kNoCompilers)) {
      RuleText rule = rule_for(Control::kNoCompilers, "no-compilers");
      rule.desc = "A compiler or build tool ran in a container whose policy forbids them.";
      rule.condition = fmt::format("{} and {} and proc.name in (customs_policy_compiler_binaries)", kSpawned, macro);
      rule.output =
          fmt::format("Compiler in a container where policy {} forbids it ({})", policy->name, kProcessOutput);
      if (enforce(Control::kNoCompilers)) {
        rule.actions.push_back("kill_container");
      }
      Emit(out, rule);
    }
    if (policy->enabled(Control::kImmutable)) {
      RuleText rule = rule_for(Control::kImmutable, "immutable");
      rule.desc =
          "A program ran from the container's writable upper layer or from memory (memfd): it was not in the image. "
          "With --enforce the kernel kills it before it runs.";
      rule.condition = fmt::format("{} and {} and (proc.is_exe_upper_layer = true or proc.is_exe_from_memfd = true)",
                                   kSpawned, macro);
      rule.output = fmt::format(
          "Executable not from the image where policy {} makes containers immutable "
          "(upper_layer=%proc.is_exe_upper_layer "
          "memfd=%proc.is_exe_from_memfd {})",
          policy->name, kProcessOutput);
      if (enforce(Control::kImmutable)) {
        rule.actions.push_back("kill_process");
      }
      Emit(out, rule);
    }
    // The image's own executables as the allow-list (with --image): an exec of any other path, or of a shell the
    // image shipped when no-shell is on, is not what the image was built to run.
    if (options.image != nullptr && (policy->enabled(Control::kImmutable) || policy->enabled(Control::kNoShell))) {
      const bool no_shell = policy->enabled(Control::kNoShell);
      const bool immutable = policy->enabled(Control::kImmutable);
      Control control = immutable ? Control::kImmutable : Control::kNoShell;
      RuleText rule = rule_for(control, "executable not shipped by the image");
      rule.desc = "A path ran that the image did not ship as an executable: the image's file list is the allow-list.";
      std::string allowed = no_shell ? "proc.exepath in (customs_policy_image_executables)"
                                     : "(proc.exepath in (customs_policy_image_executables) or proc.exepath in "
                                       "(customs_policy_image_shells))";
      rule.condition = fmt::format("{} and {} and not {}", kSpawned, macro, allowed);
      rule.output = fmt::format("Executable the image did not ship (policy {}, {}) ({})", policy->name,
                                no_shell && immutable ? "no-shell, immutable" : ControlName(control), kProcessOutput);
      rule.tags = {"customs_policy", std::string(ControlName(control)), "policy_" + Ident(policy->name)};
      bool enforced = (immutable && enforce(Control::kImmutable)) || (no_shell && enforce(Control::kNoShell));
      rule.priority = enforced ? "CRITICAL" : "WARNING";
      if (enforced) {
        rule.actions.push_back("kill_container");
      }
      Emit(out, rule);
    }
    if (policy->enabled(Control::kEgress)) {
      const EgressSettings& egress = policy->egress;
      if (egress.has_allow_list()) {
        RuleText rule = rule_for(Control::kEgress, "egress outside the allow list");
        rule.desc = "A connection to a destination outside the policy's allowed networks, domains and ports.";
        std::vector<std::string> allowed;
        if (!egress.allow_cidrs.empty()) {
          std::vector<std::string> quoted;
          for (const auto& c : egress.allow_cidrs) {
            quoted.push_back(Quote(c));
          }
          allowed.push_back(fmt::format("fd.snet in ({})", fmt::join(quoted, ", ")));
        }
        if (!egress.allow_domains.empty()) {
          std::vector<std::string> quoted;
          for (const auto& d : egress.allow_domains) {
            quoted.push_back(Quote(d));
          }
          allowed.push_back(fmt::format("fd.sip.name in ({})", fmt::join(quoted, ", ")));
        }
        if (!egress.allow_ports.empty()) {
          allowed.push_back(fmt::format("fd.sport in ({})", fmt::join(egress.allow_ports, ", ")));
        }
        rule.condition = fmt::format("evt.type = connect and {} and fd.type in (ipv4, ipv6) and not ({})", macro,
                                     fmt::join(allowed, " or "));
        rule.output = fmt::format(
            "Connection outside the egress allow list of policy {} (destination=%fd.name result=%evt.res {})",
            policy->name, kProcessOutput);
        if (enforce(Control::kEgress)) {
          rule.actions.push_back("deny_network");
        }
        Emit(out, rule);
      }
      if (!egress.deny_countries.empty()) {
        RuleText rule = rule_for(Control::kEgress, "egress to a denied country");
        rule.desc = "A connection to an address in a country the policy denies.";
        rule.condition = fmt::format("evt.type = connect and {} and fd.sip.country in ({})", macro,
                                     fmt::join(egress.deny_countries, ", "));
        rule.output = fmt::format(
            "Connection to a denied country (policy {}, destination=%fd.name country=%fd.sip.country result=%evt.res "
            "{})",
            policy->name, kProcessOutput);
        if (enforce(Control::kEgress)) {
          rule.actions.push_back("deny_network");
        }
        Emit(out, rule);
      }
    }
  }
  return out;
}

}  // namespace customs::policy
