#include "runtime/rules/kernel_policy.h"

#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace customs::runtime {
namespace {

enum class FieldClass { kEventType, kContainer, kDestination, kOther };

FieldClass ClassOf(const FieldSpec& spec) {
  std::string_view name = spec.name;
  if (spec.id == FieldId::kEvtType) {
    return FieldClass::kEventType;
  }
  if (name.rfind("container.", 0) == 0 || name.rfind("k8s.", 0) == 0) {
    return FieldClass::kContainer;
  }
  switch (spec.id) {
    case FieldId::kFdSip:
    case FieldId::kFdRip:
    case FieldId::kFdSnet:
    case FieldId::kFdRnet:
    case FieldId::kFdSipName:
    case FieldId::kFdRipName:
    case FieldId::kFdSipCountry:
    case FieldId::kFdRipCountry:
    case FieldId::kFdSport:
    case FieldId::kFdRport:
    case FieldId::kFdTypechar:
    case FieldId::kFdType:
    case FieldId::kFdSockfamily: return FieldClass::kDestination;
    default: return FieldClass::kOther;
  }
}

// The class of a subtree, or kOther with the offending field in *field. Mixed classes are kOther.
FieldClass SubtreeClass(const AstNode& node, std::string* field) {
  if (node.kind == AstNode::Kind::kCompare) {
    auto ref = ResolveField(node.field, node.has_field_arg, node.field_arg);
    if (!ref || !node.transformers.empty() || (!node.values.empty() && node.values[0].field_ref)) {
      *field = node.field;
      return FieldClass::kOther;
    }
    FieldClass c = ClassOf(*ref->spec);
    if (c == FieldClass::kOther) {
      *field = node.field;
    }
    return c;
  }
  std::optional<FieldClass> common;
  for (const auto& child : node.children) {
    FieldClass c = SubtreeClass(*child, field);
    if (c == FieldClass::kOther) {
      return c;
    }
    if (common && *common != c) {
      *field = "a mix of container and destination tests in one or/not";
      return FieldClass::kOther;
    }
    common = c;
  }
  return common.value_or(FieldClass::kOther);
}

void Flatten(const AstNode& node, std::vector<const AstNode*>* out) {
  if (node.kind == AstNode::Kind::kAnd) {
    for (const auto& child : node.children) {
      Flatten(*child, out);
    }
    return;
  }
  out->push_back(&node);
}

struct Literal {
  enum class Kind { kTrue, kFalse, kIp, kPort } kind = Kind::kTrue;
  int set = 0;
  bool negated = false;
};
using Conjunction = std::vector<Literal>;
using Dnf = std::vector<Conjunction>;

constexpr size_t kMaxDnf = 256;  // while building; the final term count is bounded by kMaxTerms

class DnfBuilder {
 public:
  DnfBuilder(std::vector<KernelConnectPolicy::AddressSet>* ip_sets, std::vector<std::vector<uint16_t>>* port_sets)
      : ip_sets_(ip_sets), port_sets_(port_sets) {}

  Result<Dnf> Build(const AstNode& node, bool negated) {
    switch (node.kind) {
      case AstNode::Kind::kNot: return Build(*node.children[0], !negated);
      case AstNode::Kind::kAnd:
      case AstNode::Kind::kOr: {
        bool conjunction = (node.kind == AstNode::Kind::kAnd) != negated;
        Dnf result;
        if (conjunction) {
          result.push_back({});  // the empty conjunction: true
        }
        for (const auto& child : node.children) {
          CUSTOMS_ASSIGN_OR_RETURN(Dnf part, Build(*child, negated));
          if (conjunction) {
            Dnf product;
            for (const auto& a : result) {
              for (const auto& b : part) {
                Conjunction c = a;
                c.insert(c.end(), b.begin(), b.end());
                product.push_back(std::move(c));
                if (product.size() > kMaxDnf) {
                  return MakeError(ErrorCode::kUnsupported, "the destination tests expand to too many cases");
                }
              }
            }
            result = std::move(product);
          } else {
            result.insert(result.end(), part.begin(), part.end());
            if (result.size() > kMaxDnf) {
              return MakeError(ErrorCode::kUnsupported, "the destination tests expand to too many cases");
            }
          }
        }
        return result;
      }
      case AstNode::Kind::kMacro: return MakeError(ErrorCode::kInternal, "unexpanded macro");
      case AstNode::Kind::kCompare: {
        CUSTOMS_ASSIGN_OR_RETURN(Literal literal, Atom(node));
        if (negated) {
          if (literal.kind == Literal::Kind::kTrue || literal.kind == Literal::Kind::kFalse) {
            literal.kind = literal.kind == Literal::Kind::kTrue ? Literal::Kind::kFalse : Literal::Kind::kTrue;
          } else {
            literal.negated = !literal.negated;
          }
        }
        return Dnf{Conjunction{literal}};
      }
    }
    return MakeError(ErrorCode::kInternal, "bad node");
  }

 private:
  Result<Literal> Atom(const AstNode& node) {
    auto ref = ResolveField(node.field, node.has_field_arg, node.field_arg);
    if (!ref) {
      return tl::unexpected(ref.error());
    }
    FieldId id = ref->spec->id;
    Literal literal;
    if (node.op == CompareOp::kExists || id == FieldId::kFdSockfamily) {
      // A connect the kernel hook sees is an IPv4/IPv6 one: these hold.
      if (id == FieldId::kFdSockfamily && node.op != CompareOp::kExists) {
        bool ip = !node.values.empty() && node.values[0].text == "ip";
        literal.kind = ip != (node.op == CompareOp::kNe) ? Literal::Kind::kTrue : Literal::Kind::kFalse;
      }
      return literal;
    }
    bool positive_op = node.op == CompareOp::kEq || node.op == CompareOp::kIn || node.op == CompareOp::kIntersects;
    if (!positive_op && node.op != CompareOp::kNe) {
      return MakeError(ErrorCode::kUnsupported, "'{} {}' (the kernel checks =, != and in)", node.field,
                       CompareOpName(node.op));
    }
    literal.negated = node.op == CompareOp::kNe;
    std::vector<std::string> values;
    for (const auto& v : node.values) {
      values.push_back(v.text);
    }
    switch (id) {
      case FieldId::kFdSport:
      case FieldId::kFdRport: {
        std::vector<uint16_t> ports;
        for (const auto& v : values) {
          int port = 0;
          auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
          if (ec != std::errc() || ptr != v.data() + v.size() || port < 0 || port > 65535) {
            return MakeError(ErrorCode::kUnsupported, "port '{}'", v);
          }
          ports.push_back(static_cast<uint16_t>(port));
        }
        std::sort(ports.begin(), ports.end());
        ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
        literal.kind = Literal::Kind::kPort;
        CUSTOMS_ASSIGN_OR_RETURN(literal.set, PortSet(std::move(ports)));
        return literal;
      }
      case FieldId::kFdTypechar:
      case FieldId::kFdType: {
        KernelConnectPolicy::AddressSet set;
        for (const auto& v : values) {
          Cidr cidr;
          if (v == "4" || v == "ipv4") {
            ParseCidr("0.0.0.0/0", &cidr);
            set.cidrs.push_back(cidr);
          } else if (v == "6" || v == "ipv6") {
            ParseCidr("::/0", &cidr);
            set.cidrs.push_back(cidr);
          }
        }
        if (set.cidrs.empty()) {
          literal.kind = literal.negated ? Literal::Kind::kTrue : Literal::Kind::kFalse;
          literal.negated = false;
          return literal;
        }
        literal.kind = Literal::Kind::kIp;
        CUSTOMS_ASSIGN_OR_RETURN(literal.set, IpSet(std::move(set), "family:" + Join(values)));
        return literal;
      }
      case FieldId::kFdSipName:
      case FieldId::kFdRipName: {
        KernelConnectPolicy::AddressSet set;
        set.domains = std::make_shared<DomainSet>(values);
        literal.kind = Literal::Kind::kIp;
        CUSTOMS_ASSIGN_OR_RETURN(literal.set, IpSet(std::move(set), "names:" + Join(values)));
        return literal;
      }
      case FieldId::kFdSipCountry:
      case FieldId::kFdRipCountry: {
        KernelConnectPolicy::AddressSet set;
        for (auto v : values) {
          if (v.size() != 2) {
            return MakeError(ErrorCode::kUnsupported, "country '{}' is not an ISO 3166 code", v);
          }
          std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
          set.countries.push_back(v);
        }
        std::sort(set.countries.begin(), set.countries.end());
        literal.kind = Literal::Kind::kIp;
        CUSTOMS_ASSIGN_OR_RETURN(literal.set, IpSet(std::move(set), "countries:" + Join(values)));
        return literal;
      }
      default: {
        KernelConnectPolicy::AddressSet set;
        for (const auto& v : values) {
          Cidr cidr;
          if (!ParseCidr(v, &cidr)) {
            return MakeError(ErrorCode::kUnsupported, "address '{}'", v);
          }
          set.cidrs.push_back(cidr);
        }
        literal.kind = Literal::Kind::kIp;
        CUSTOMS_ASSIGN_OR_RETURN(literal.set, IpSet(std::move(set), "cidrs:" + Join(values)));
        return literal;
      }
    }
  }

  static std::string Join(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) {
      out += v;
      out += ',';
    }
    return out;
  }

  Result<int> IpSet(KernelConnectPolicy::AddressSet set, const std::string& key) {
    auto it = ip_keys_.find(key);
    if (it != ip_keys_.end()) {
      return it->second;
    }
    if (ip_sets_->size() >= KernelConnectPolicy::kMaxSets) {
      return MakeError(ErrorCode::kUnsupported, "more than {} address sets", KernelConnectPolicy::kMaxSets);
    }
    ip_sets_->push_back(std::move(set));
    return ip_keys_[key] = static_cast<int>(ip_sets_->size() - 1);
  }

  Result<int> PortSet(std::vector<uint16_t> ports) {
    for (size_t i = 0; i < port_sets_->size(); ++i) {
      if ((*port_sets_)[i] == ports) {
        return static_cast<int>(i);
      }
    }
    if (port_sets_->size() >= KernelConnectPolicy::kMaxSets) {
      return MakeError(ErrorCode::kUnsupported, "more than {} port sets", KernelConnectPolicy::kMaxSets);
    }
    port_sets_->push_back(std::move(ports));
    return static_cast<int>(port_sets_->size() - 1);
  }

  std::vector<KernelConnectPolicy::AddressSet>* ip_sets_;
  std::vector<std::vector<uint16_t>>* port_sets_;
  std::map<std::string, int> ip_keys_;
};

}  // namespace

KernelConnectPolicy KernelConnectPolicy::Compile(const RuleSet& rules, std::vector<LoadMessage>* notes) {
  KernelConnectPolicy policy;
  auto note = [&](const Rule& rule, std::string message) {
    if (notes != nullptr) {
      notes->push_back(LoadMessage{rule.file, rule.line, rule.name, std::move(message)});
    }
  };
  for (const auto& rule_ptr : rules.rules()) {
    const Rule& rule = *rule_ptr;
    if (!rule.enabled || !rule.HasAction(Action::kDenyNetwork) ||
        !rule.event_types.test(static_cast<size_t>(EventType::kConnect)) || rule.expanded == nullptr) {
      continue;
    }
    std::vector<const AstNode*> conjuncts;
    Flatten(*rule.expanded, &conjuncts);
    std::vector<const AstNode*> container_tests;
    std::vector<const AstNode*> destination_tests;
    std::string problem;
    for (const AstNode* c : conjuncts) {
      std::string field;
      switch (SubtreeClass(*c, &field)) {
        case FieldClass::kEventType: break;  // the rule matches connect (event_types says so)
        case FieldClass::kContainer: container_tests.push_back(c); break;
        case FieldClass::kDestination: destination_tests.push_back(c); break;
        case FieldClass::kOther:
          problem = fmt::format("uses {}, which the kernel cannot know before the connect", field);
          break;
      }
      if (!problem.empty()) {
        break;
      }
    }
    if (problem.empty() && destination_tests.empty()) {
      problem = "has no destination test (it would deny every connect)";
    }
    if (!problem.empty()) {
      note(rule, "deny_network: not checked in the kernel before the connect: the condition " + problem +
                     "; the connect is seen after it happens and the container's later connects are denied");
      continue;
    }
    // Destination tests -> terms.
    std::vector<AddressSet> ip_sets = policy.address_sets_;
    std::vector<std::vector<uint16_t>> port_sets = policy.port_sets_;
    DnfBuilder builder(&ip_sets, &port_sets);
    auto conjunction = std::make_unique<AstNode>();
    conjunction->kind = AstNode::Kind::kAnd;
    for (const AstNode* d : destination_tests) {
      conjunction->children.push_back(CloneAst(*d));
    }
    auto dnf = builder.Build(*conjunction, false);
    if (!dnf) {
      note(rule, "deny_network: not checked in the kernel before the connect: " + dnf.error().message());
      continue;
    }
    std::vector<Term> terms;
    for (const Conjunction& c : *dnf) {
      Term term;
      term.rule = static_cast<int>(policy.rules_.size());
      bool never = false;
      for (const Literal& l : c) {
        switch (l.kind) {
          case Literal::Kind::kTrue: break;
          case Literal::Kind::kFalse: never = true; break;
          case Literal::Kind::kIp: (l.negated ? term.ip_must_not : term.ip_must) |= uint64_t{1} << l.set; break;
          case Literal::Kind::kPort: (l.negated ? term.port_must_not : term.port_must) |= uint64_t{1} << l.set; break;
        }
      }
      if (never || (term.ip_must & term.ip_must_not) != 0 || (term.port_must & term.port_must_not) != 0) {
        continue;
      }
      if (term.ip_must == 0 && term.port_must == 0 && term.ip_must_not == 0 && term.port_must_not == 0) {
        never = true;  // an always-true term: the rule would deny every connect
      }
      if (never) {
        terms.clear();
        break;
      }
      terms.push_back(term);
    }
    if (terms.empty()) {
      note(rule,
           "deny_network: not checked in the kernel before the connect: the destination tests always or never "
           "hold");
      continue;
    }
    if (policy.terms_.size() + terms.size() > kMaxTerms || policy.rules_.size() >= 64) {
      note(rule, fmt::format("deny_network: not checked in the kernel before the connect: more than {} cases in all "
                             "kernel-checked rules",
                             kMaxTerms));
      continue;
    }
    RulePolicy rule_policy;
    rule_policy.rule = &rule;
    if (!container_tests.empty()) {
      auto all = std::make_unique<AstNode>();
      all->kind = AstNode::Kind::kAnd;
      for (const AstNode* k : container_tests) {
        all->children.push_back(CloneAst(*k));
      }
      CompileEnv env;
      auto compiled = CompileCondition(*all, env);
      if (!compiled) {
        note(rule, "deny_network: not checked in the kernel: " + compiled.error().message());
        continue;
      }
      rule_policy.container_filter = std::move(compiled->filter);
    }
    policy.address_sets_ = std::move(ip_sets);
    policy.port_sets_ = std::move(port_sets);
    policy.terms_.insert(policy.terms_.end(), terms.begin(), terms.end());
    policy.rules_.push_back(std::move(rule_policy));
  }
  return policy;
}

uint64_t KernelConnectPolicy::RuleMaskFor(const std::string& container_id,
                                          std::shared_ptr<const ContainerMetadata> metadata) const {
  if (container_id.empty()) {
    return 0;  // the kernel check applies to containers only
  }
  Event probe;
  probe.type = EventType::kConnect;
  probe.container_id = container_id;
  probe.container = std::move(metadata);
  uint64_t mask = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].container_filter == nullptr || rules_[i].container_filter->Eval(probe)) {
      mask |= uint64_t{1} << i;
    }
  }
  return mask;
}

namespace {

struct PrefixKey {
  uint8_t family;
  int prefix;
  std::array<uint8_t, 16> addr;
  auto operator<=>(const PrefixKey&) const = default;  // NOLINT(modernize-use-nullptr): a clang-tidy false positive
};

PrefixKey MaskedKey(const Cidr& cidr, int prefix) {
  PrefixKey key{cidr.family, prefix, {}};
  int bytes = cidr.family == AF_INET ? 4 : 16;
  for (int i = 0; i < bytes; ++i) {
    int bits = std::clamp(prefix - 8 * i, 0, 8);
    key.addr[i] = static_cast<uint8_t>(cidr.addr[i] & (bits == 0 ? 0 : (0xff << (8 - bits))));
  }
  return key;
}

}  // namespace

std::vector<KernelConnectPolicy::Prefix> KernelConnectPolicy::Materialize(const GeoIpDatabase* geoip) const {
  std::map<PrefixKey, uint64_t> bits;
  for (size_t i = 0; i < address_sets_.size(); ++i) {
    const AddressSet& set = address_sets_[i];
    std::vector<Cidr> cidrs = set.cidrs;
    if (set.domains != nullptr) {
      for (const IpAddress& address : set.domains->Snapshot()->addresses) {
        Cidr cidr;
        cidr.family = address.family;
        cidr.addr = address.bytes;
        cidr.prefix = address.family == AF_INET ? 32 : 128;
        cidrs.push_back(cidr);
      }
    }
    if (geoip != nullptr) {
      for (const auto& country : set.countries) {
        geoip->CountryCidrs(country, &cidrs);
      }
    }
    for (const Cidr& cidr : cidrs) {
      bits[MaskedKey(cidr, cidr.prefix)] |= uint64_t{1} << i;
    }
  }
  // Every prefix also carries the bits of the shorter prefixes that contain it.
  std::set<int> lengths4, lengths6;
  for (const auto& [key, b] : bits) {
    (key.family == AF_INET ? lengths4 : lengths6).insert(key.prefix);
  }
  std::vector<Prefix> out;
  out.reserve(bits.size());
  for (const auto& [key, b] : bits) {
    uint64_t all = b;
    Cidr cidr;
    cidr.family = key.family;
    cidr.addr = key.addr;
    cidr.prefix = key.prefix;
    for (int length : key.family == AF_INET ? lengths4 : lengths6) {
      if (length >= key.prefix) {
        break;
      }
      auto it = bits.find(MaskedKey(cidr, length));
      if (it != bits.end()) {
        all |= it->second;
      }
    }
    out.push_back(Prefix{cidr, all});
  }
  return out;
}

std::vector<std::pair<uint16_t, uint64_t>> KernelConnectPolicy::PortBits() const {
  std::map<uint16_t, uint64_t> bits;
  for (size_t i = 0; i < port_sets_.size(); ++i) {
    for (uint16_t port : port_sets_[i]) {
      bits[port] |= uint64_t{1} << i;
    }
  }
  return {bits.begin(), bits.end()};
}

bool KernelConnectPolicy::Denies(uint64_t rule_mask, uint8_t family, const uint8_t* addr, uint16_t port,
                                 const GeoIpDatabase* geoip) const {
  uint64_t ip_bits = 0;
  int best = -1;
  for (const Prefix& p : Materialize(geoip)) {
    if (p.cidr.prefix > best && CidrContains(p.cidr, family, addr)) {
      best = p.cidr.prefix;
      ip_bits = p.bits;
    }
  }
  uint64_t port_bits = 0;
  for (const auto& [p, b] : PortBits()) {
    if (p == port) {
      port_bits = b;
    }
  }
  for (const Term& t : terms_) {
    if (!(rule_mask & (uint64_t{1} << t.rule))) {
      continue;
    }
    if ((ip_bits & t.ip_must) == t.ip_must && (ip_bits & t.ip_must_not) == 0 &&
        (port_bits & t.port_must) == t.port_must && (port_bits & t.port_must_not) == 0) {
      return true;
    }
  }
  return false;
}

KernelKillPolicy ComputeKernelKillPolicy(const RuleSet& rules, const std::string& container_id,
                                         std::shared_ptr<const ContainerMetadata> metadata) {
  KernelKillPolicy policy;
  if (container_id.empty()) {
    return policy;  // host processes are never killed in the kernel
  }
  Event base;
  base.type = EventType::kExecve;
  base.num = 1;
  base.name = "customs-probe";
  base.exepath = "/customs-probe";
  base.container_id = container_id;
  base.container = std::move(metadata);
  FinishEvent(base);
  auto kills = [&](const Event& event) {
    bool any = false;
    rules.Match(event, [&](const Rule& rule) { any = any || rule.HasAction(Action::kKillProcess); });
    return any;
  };
  if (kills(base)) {
    return policy;  // a generic exec is already killed: no flag is the reason
  }
  Event memfd = base;
  memfd.exe_from_memfd = true;
  policy.memfd = kills(memfd);
  Event upper = base;
  upper.exe_upper_layer = true;
  policy.upper_layer = kills(upper);
  return policy;
}

}  // namespace customs::runtime
