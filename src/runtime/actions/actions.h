// Part `actions/` of runtime: what happens after a match. Alerts and their sinks (alert.h), and the executors that
// carry out a rule's actions (this header). Actions act on processes and cgroups only through the interfaces given
// to them (ContainerResolver, NetworkDenier).
//
// Actions: what happens when a rule with `actions:` matches. The dry-run executor only says what would be done;
// the enforcing one acts (kill_process: SIGKILL; kill_container: cgroup.kill, else SIGKILL every pid of the
// cgroup; deny_network: a cgroup/connect4|6 program attached to the container's cgroup, via NetworkDenier).
//
// The enforcing executor remembers what it did per container *instance* (the container id, its init process and that
// init's start time), never per id alone: a container that an engine restarts under the same id (docker
// --restart=always) is a new instance and is acted on again.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "runtime/actions/alert.h"
#include "runtime/containers/registry.h"
#include "runtime/event.h"
#include "runtime/rules/rules.h"

namespace customs::runtime {

// Attaches a connect-denying program to a cgroup (implemented by the BPF sensor).
class NetworkDenier {
 public:
  virtual ~NetworkDenier() = default;
  [[nodiscard]] virtual Status DenyCgroup(const std::filesystem::path& cgroup_dir) = 0;
};

class ActionExecutor {
 public:
  virtual ~ActionExecutor() = default;
  virtual ActionReport Execute(Action action, const Event& event) = 0;
};

class DryRunExecutor final : public ActionExecutor {
 public:
  ActionReport Execute(Action action, const Event& event) override;
};

class EnforcingExecutor final : public ActionExecutor {
 public:
  // `registry` finds container cgroups; `denier` may be null (deny_network then fails with a reason).
  EnforcingExecutor(ContainerRegistry& registry, NetworkDenier* denier) : registry_(registry), denier_(denier) {}
  ActionReport Execute(Action action, const Event& event) override;

  // The key of the container instance an event came from: "<id> init <pid> started <ns>" when the sensor saw the
  // pid namespace's init, else "<id> cgroup <container cgroup dir>". A remembered kill under a cgroup key counts
  // only while that cgroup is empty: a process found in it (a restarted instance) is killed again.
  static std::string InstanceKey(const Event& event, const std::filesystem::path& container_dir);

 private:
  ActionReport KillContainer(const Event& event, ActionReport report);
  ActionReport DenyNetwork(const Event& event, ActionReport report);
  std::filesystem::path CgroupDir(const Event& event);
  void Remember(std::map<std::string, std::string>* done, const std::string& key, std::string result);
  ContainerRegistry& registry_;
  NetworkDenier* denier_;
  std::map<std::string, std::string> killed_instances_;  // instance key -> first result
  std::map<std::string, std::string> denied_instances_;
};

// Kills every process of a cgroup directory (and below): cgroup.kill when the kernel has it, else SIGKILL to each
// pid in cgroup.procs, repeated until the cgroup is empty or 1 s passed. Returns a description of what happened.
Result<std::string> KillCgroup(const std::filesystem::path& cgroup_dir);

}  // namespace customs::runtime
