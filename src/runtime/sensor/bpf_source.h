// The kernel sensor: libbpf CO-RE programs (bpf/customs.bpf.c, bpftool skeleton) on tracepoints for exec, exit,
// connect, accept, bind, listen, socket, dup*, close, open*, chmod*, memfd_create, (sym)link*, sendto/sendmsg/
// recvfrom, the setuid family, ptrace, mount, init_module/finit_module, unlink and rename, plus cgroup_mkdir/rmdir
// (a container is known before its first process runs). Only the programs the loaded rules need are attached;
// events from host cgroups are dropped in the kernel unless include_host is set. Events come through an 8 MiB ring
// buffer written with BPF_RB_NO_WAKEUP and drained by a ~1 ms consume loop. Processes started before the sensor are
// attributed from /proc.
//
// Container metadata comes from the ContainerRegistry (its worker thread asks the engines). An event of a container
// whose metadata is still being fetched for the first time is held back, in order per cgroup, until it arrives or
// `metadata_hold` passes: rules on container.name see the name from the container's first event on.
//
// With a KernelConnectPolicy (deny_network rules the kernel can check), a cgroup/connect4|6 program at the root of
// the unified hierarchy refuses those connects (EPERM) before any packet leaves.
//
// Requires root (CAP_BPF, CAP_PERFMON) and a BTF kernel. Not thread-safe: one thread polls.
#pragma once

#include <chrono>
#include <memory>

#include "core/diagnostics.h"
#include "runtime/actions/actions.h"
#include "runtime/containers/registry.h"
#include "runtime/rules/condition.h"
#include "runtime/rules/kernel_policy.h"
#include "runtime/rules/rules.h"
#include "runtime/sensor/event_source.h"

namespace customs::runtime {

struct BpfOptions {
  EventTypeSet event_types;   // what to capture (RuleSet::NeededEventTypes)
  bool include_host = false;  // deliver host (non-container) events too
  // With rules (--enforce): exec events of container processes whose executable is a memfd or in the overlay upper
  // layer are killed in the kernel with bpf_send_signal(SIGKILL) before the new program runs, in the containers
  // where a kill_process rule on such execs applies (ComputeKernelKillPolicy, per container).
  const RuleSet* kill_rules = nullptr;
  // deny_network rules checked in the kernel before the connect (--enforce); null or empty: none.
  const KernelConnectPolicy* connect_policy = nullptr;
  // How long an event may wait for its container's first metadata.
  std::chrono::milliseconds metadata_hold{500};
};

class BpfSource final : public EventSource, public NetworkDenier {
 public:
  static Result<std::unique_ptr<BpfSource>> Open(const BpfOptions& options, ContainerRegistry& registry,
                                                 Diagnostics& diagnostics);
  ~BpfSource() override;
  Result<bool> Poll(const EventHandler& handler, int timeout_ms) override;
  SourceStats Stats() const override;
  Status DenyCgroup(const std::filesystem::path& cgroup_dir) override;
  // Connects refused in the kernel by the connect policy.
  uint64_t DeniedConnects() const;
  // Reloads the connect policy's addresses now (after the domain names in rules resolved), instead of at the next
  // poll's periodic check.
  void RefreshKernelPolicy();

  struct Impl;

 private:
  explicit BpfSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether BPF can be used here (root and BTF); `reason` says why not.
bool BpfAvailable(std::string* reason);

}  // namespace customs::runtime
