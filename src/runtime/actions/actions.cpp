#include "runtime/actions/actions.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace customs::runtime {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string ShortId(const Event& event) {
  return event.container_id.empty() ? "host" : event.container_id.substr(0, 12);
}

std::vector<pid_t> CgroupPids(const std::filesystem::path& dir) {
  std::vector<pid_t> pids;
  std::error_code ec;
  std::vector<std::filesystem::path> dirs = {dir};
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      dirs.push_back(it->path());
    }
  }
  for (const auto& d : dirs) {
    std::ifstream in(d / "cgroup.procs");
    pid_t pid;
    while (in >> pid) {
      pids.push_back(pid);
    }
  }
  return pids;
}

}  // namespace

ActionReport DryRunExecutor::Execute(Action action, const Event& event) {
  ActionReport report;
  report.action = action;
  report.dry_run = true;
  report.ok = true;
  report.time_ns = NowNs();
  switch (action) {
    case Action::kAlert: report.result = "alerted"; break;
    case Action::kKillProcess:
      report.target = fmt::format("pid {}", event.pid);
      report.result =
          fmt::format("would kill process {} ({}) with SIGKILL (dry run: --enforce not given)", event.pid, event.name);
      break;
    case Action::kKillContainer:
      report.target = fmt::format("container {}", ShortId(event));
      report.result =
          event.container_id.empty()
              ? std::string("would not kill: the process is not in a container")
              : fmt::format("would kill every process of container {} (dry run: --enforce not given)", ShortId(event));
      break;
    case Action::kDenyNetwork:
      report.target = fmt::format("container {}", ShortId(event));
      report.result = event.container_id.empty()
                          ? std::string("would not deny: the process is not in a container")
                          : fmt::format("would deny further connects of container {} (dry run: --enforce not given)",
                                        ShortId(event));
      break;
  }
  return report;
}

Result<std::string> KillCgroup(const std::filesystem::path& cgroup_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(cgroup_dir, ec)) {
    return MakeError(ErrorCode::kNotFound, "cgroup {} does not exist", cgroup_dir.string());
  }
  auto start = std::chrono::steady_clock::now();
  std::string method;
  {
    std::ofstream kill_file(cgroup_dir / "cgroup.kill");
    if (kill_file) {
      kill_file << "1";
      kill_file.flush();
      if (kill_file) {
        method = "cgroup.kill";
      }
    }
  }
  size_t signalled = 0;
  while (true) {
    auto pids = CgroupPids(cgroup_dir);
    if (pids.empty()) {
      break;
    }
    if (method.empty() || std::chrono::steady_clock::now() - start > std::chrono::milliseconds(100)) {
      if (method.empty()) {
        method = "SIGKILL per pid";
      }
      for (pid_t pid : pids) {
        if (kill(pid, SIGKILL) == 0) {
          ++signalled;
        }
      }
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(1)) {
      return MakeError(ErrorCode::kInternal, "cgroup {} still has {} processes after 1 s ({})", cgroup_dir.string(),
                       pids.size(), method);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  return fmt::format("killed with {}{}: cgroup empty after {:.1f} ms", method,
                     signalled ? fmt::format(" ({} pids signalled)", signalled) : std::string(),
                     elapsed.count() / 1000.0);
}

std::filesystem::path EnforcingExecutor::CgroupDir(const Event& event) {
  std::shared_ptr<const CgroupEntry> entry;
  if (event.cgroup_id != 0) {
    entry = registry_.Lookup(event.cgroup_id);
  }
  if (entry == nullptr || entry->container_id.empty()) {
    entry = registry_.ResolvePid(event.pid);
  }
  return entry == nullptr || entry->container_id.empty() ? std::filesystem::path() : entry->container_dir;
}

std::string EnforcingExecutor::InstanceKey(const Event& event, const std::filesystem::path& container_dir) {
  if (event.pidns_init_pid > 1 && event.pidns_init_start_ns != 0) {
    return fmt::format("{} init {} started {}", event.container_id, event.pidns_init_pid, event.pidns_init_start_ns);
  }
  // No pid namespace of its own (a container in the host's): the cgroup directory, which an engine's restart reuses;
  // KillContainer tells the instances apart by whether the cgroup has processes.
  return fmt::format("{} cgroup {}", event.container_id, container_dir.string());
}

void EnforcingExecutor::Remember(std::map<std::string, std::string>* done, const std::string& key, std::string result) {
  if (done->size() >= 10000) {
    done->clear();  // bound: a watcher that runs for months kills many instances
  }
  (*done)[key] = std::move(result);
}

ActionReport EnforcingExecutor::KillContainer(const Event& event, ActionReport report) {
  report.target = fmt::format("container {}", ShortId(event));
  if (event.container_id.empty()) {
    report.result = "refused: the process is not in a container";
    return report;
  }
  std::filesystem::path dir = CgroupDir(event);
  std::string key = InstanceKey(event, dir);
  // A key naming the pid namespace's init names one instance: a second event from it was queued before the kill. A
  // cgroup key cannot tell a restarted instance from the killed one: it counts as killed only while the cgroup stays
  // empty, and a process found in it is killed again, never reported as done.
  bool instance_key = event.pidns_init_pid > 1 && event.pidns_init_start_ns != 0;
  if (auto it = killed_instances_.find(key);
      it != killed_instances_.end() && (instance_key || dir.empty() || CgroupPids(dir).empty())) {
    report.ok = true;
    report.result = "this instance was already killed: " + it->second;
    return report;
  }
  if (dir.empty()) {
    report.result = "failed: cannot find the container's cgroup";
    return report;
  }
  report.target += fmt::format(" ({})", dir.string());
  if (event.pidns_init_pid > 1) {
    report.target += fmt::format(" instance init pid {}", event.pidns_init_pid);
  }
  auto result = KillCgroup(dir);
  report.ok = result.has_value();
  report.result = result ? *result : "failed: " + result.error().message();
  if (report.ok) {
    Remember(&killed_instances_, key, report.result);
  }
  return report;
}

ActionReport EnforcingExecutor::DenyNetwork(const Event& event, ActionReport report) {
  report.target = fmt::format("container {}", ShortId(event));
  if (event.container_id.empty()) {
    report.result = "refused: the process is not in a container";
    return report;
  }
  std::filesystem::path dir = CgroupDir(event);
  std::string key = InstanceKey(event, dir);
  std::string before = event.res == -EPERM && event.type == EventType::kConnect
                           ? "this connect was refused in the kernel before any packet left (EPERM); "
                           : "";
  if (denied_instances_.count(key)) {
    report.ok = true;
    report.result = before + "later connects already denied";
    return report;
  }
  if (denier_ == nullptr) {
    report.result = "failed: no BPF sensor loaded to attach the cgroup connect hook";
    return report;
  }
  if (dir.empty()) {
    report.result = "failed: cannot find the container's cgroup";
    return report;
  }
  auto status = denier_->DenyCgroup(dir);
  report.ok = status.has_value();
  report.result = status ? fmt::format("{}connects from {} now fail with EPERM", before, dir.string())
                         : "failed: " + status.error().message();
  if (report.ok) {
    Remember(&denied_instances_, key, report.result);
  }
  return report;
}

ActionReport EnforcingExecutor::Execute(Action action, const Event& event) {
  ActionReport report;
  report.action = action;
  report.dry_run = false;
  report.time_ns = NowNs();
  switch (action) {
    case Action::kAlert:
      report.ok = true;
      report.result = "alerted";
      return report;
    case Action::kKillProcess:
      report.target = fmt::format("pid {}", event.pid);
      if (event.killed_by_sensor) {
        report.ok = true;
        report.result = fmt::format(
            "killed {} ({}) in the kernel: bpf_send_signal(SIGKILL) in the exec tracepoint, before the new program ran",
            event.pid, event.exepath);
      } else if (event.pid <= 1) {
        report.result = "refused: pid <= 1";
      } else if (kill(static_cast<pid_t>(event.pid), SIGKILL) == 0) {
        report.ok = true;
        report.result = fmt::format("sent SIGKILL to {} ({})", event.pid, event.name);
      } else {
        report.result = fmt::format("kill({}) failed: {}", event.pid, std::strerror(errno));
      }
      return report;
    case Action::kKillContainer: report = KillContainer(event, report); break;
    case Action::kDenyNetwork: report = DenyNetwork(event, report); break;
  }
  report.time_ns = NowNs();
  return report;
}

}  // namespace customs::runtime
