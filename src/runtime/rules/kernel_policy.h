// Which deny_network rules the kernel can check before a connect happens, and how.
//
// A connect rule with the deny_network action is checked in the kernel (cgroup/connect4|6, before any packet
// leaves) when its condition, after macro, list and exception expansion, is a conjunction of:
//   - event-type tests that admit connect;
//   - container-level tests: fields of container.* and k8s.* only (evaluated in user space per container, when its
//     metadata is known, and stored as a per-cgroup rule mask);
//   - destination tests, combined with and/or/not: fd.sip/fd.rip/fd.snet/fd.rnet (addresses, CIDRs), fd.sip.name/
//     fd.rip.name (domains, resolved), fd.sip.country/fd.rip.country (country codes), fd.sport/fd.rport (=, !=, in),
//     fd.typechar/fd.type (ipv4/ipv6) and `exists` on those.
// Anything else (process fields, the result of the call, ...) is something the kernel cannot know before the call:
// such a rule is still enforced after the fact (the connect is seen, the container's later connects are denied), and
// Compile() says why in `notes`.
//
// The destination tests become a disjunction of terms over address sets (bits of a longest-prefix map) and port sets
// (bits of a port map); see customs_event.h. Pure: no kernel, no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/rules/condition.h"
#include "runtime/rules/network.h"
#include "runtime/rules/rules.h"

namespace customs::runtime {

class KernelConnectPolicy {
 public:
  static constexpr size_t kMaxTerms = 32;  // CUSTOMS_DENY_TERMS_MAX
  static constexpr size_t kMaxSets = 64;   // bits of a u64 mask

  struct AddressSet {
    std::vector<Cidr> cidrs;
    std::shared_ptr<DomainSet> domains;  // resolved addresses (refreshed on a timer)
    std::vector<std::string> countries;  // ISO codes, expanded with the country database
  };
  struct Term {
    int rule = 0;  // index into rules()
    uint64_t ip_must = 0, ip_must_not = 0, port_must = 0, port_must_not = 0;
  };
  struct RulePolicy {
    const Rule* rule = nullptr;
    std::unique_ptr<Filter> container_filter;  // container.*/k8s.* tests; null: every container
  };

  // Compiles every enabled connect rule that has the deny_network action. `notes` gets one line per such rule that
  // the kernel cannot check (and why).
  static KernelConnectPolicy Compile(const RuleSet& rules, std::vector<LoadMessage>* notes);

  bool empty() const { return terms_.empty(); }
  const std::vector<AddressSet>& address_sets() const { return address_sets_; }
  const std::vector<std::vector<uint16_t>>& port_sets() const { return port_sets_; }
  const std::vector<Term>& terms() const { return terms_; }
  const std::vector<RulePolicy>& rules() const { return rules_; }

  // Which rules apply to a container (bit i = rules()[i]): evaluates each rule's container tests on a connect from
  // that container.
  uint64_t RuleMaskFor(const std::string& container_id, std::shared_ptr<const ContainerMetadata> metadata) const;

  // The prefixes to load into the longest-prefix maps: each with the bits of every address set that contains it
  // (a longest-prefix lookup then yields every set the address is in). `geoip` expands countries (may be null).
  struct Prefix {
    Cidr cidr;
    uint64_t bits = 0;
  };
  std::vector<Prefix> Materialize(const GeoIpDatabase* geoip) const;
  // Port -> bits of the port sets that contain it.
  std::vector<std::pair<uint16_t, uint64_t>> PortBits() const;

  // Whether a destination would be denied for a container with `rule_mask` (the kernel's decision, for tests).
  bool Denies(uint64_t rule_mask, uint8_t family, const uint8_t* addr, uint16_t port, const GeoIpDatabase* geoip) const;

 private:
  std::vector<AddressSet> address_sets_;
  std::vector<std::vector<uint16_t>> port_sets_;
  std::vector<Term> terms_;
  std::vector<RulePolicy> rules_;
};

// Which exec kills the kernel may do itself for one container (bpf_send_signal before the new program runs): a flag
// qualifies when an enabled kill_process rule matches an exec probe from that container because of that flag (and
// not without it). Evaluated per container, with its metadata, so rules scoped by container name or image apply.
struct KernelKillPolicy {
  bool memfd = false;
  bool upper_layer = false;
};
KernelKillPolicy ComputeKernelKillPolicy(const RuleSet& rules, const std::string& container_id,
                                         std::shared_ptr<const ContainerMetadata> metadata);

}  // namespace customs::runtime
