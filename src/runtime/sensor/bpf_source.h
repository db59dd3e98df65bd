// The kernel sensor: libbpf CO-RE programs (bpf/customs.bpf.c, bpftool skeleton) on tracepoints for exec, exit,
// connect, open/openat/openat2, the setuid family, ptrace, mount, init_module/finit_module, unlink and rename.
// Only the programs the loaded rules need are attached; events from host cgroups are dropped in the kernel unless
// include_host is set. Events come through an 8 MiB ring buffer written with BPF_RB_NO_WAKEUP and drained by a
// ~1 ms consume loop. Processes started before the sensor are attributed from /proc.
//
// Requires root (CAP_BPF, CAP_PERFMON) and a BTF kernel. Not thread-safe: one thread polls.
#pragma once

#include <memory>

#include "core/diagnostics.h"
#include "runtime/actions/actions.h"
#include "runtime/containers/container.h"
#include "runtime/rules/condition.h"
#include "runtime/sensor/event_source.h"

namespace customs::runtime {

struct BpfOptions {
  EventTypeSet event_types;   // what to capture (RuleSet::NeededEventTypes)
  bool include_host = false;  // deliver host (non-container) events too
  // Exec events of container processes whose executable is a memfd or in the overlay upper layer are killed in the
  // kernel with bpf_send_signal(SIGKILL) before the new program runs (rules with kill_process on such execs).
  bool kill_exec_memfd = false;
  bool kill_exec_upper_layer = false;
};

class BpfSource final : public EventSource, public NetworkDenier {
 public:
  static Result<std::unique_ptr<BpfSource>> Open(const BpfOptions& options, ContainerResolver& resolver,
                                                 Diagnostics& diagnostics);
  ~BpfSource() override;
  Result<bool> Poll(const EventHandler& handler, int timeout_ms) override;
  SourceStats Stats() const override;
  Status DenyCgroup(const std::filesystem::path& cgroup_dir) override;

  struct Impl;

 private:
  explicit BpfSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether BPF can be used here (root and BTF); `reason` says why not.
bool BpfAvailable(std::string* reason);

}  // namespace customs::runtime
