#include "runtime/sensor/bpf_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include "customs.skel.h"
#include "customs_event.h"
#include "runtime/rules/fields.h"
#include "runtime/sensor/process_table.h"

namespace customs::runtime {
namespace {

static_assert(CUSTOMS_EVENT_TYPE_COUNT == kEventTypeCount, "BPF and C++ event types must agree");

int64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int SilentPrint(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_WARN && std::getenv("CUSTOMS_BPF_DEBUG") != nullptr) {
    return vfprintf(stderr, format, args);
  }
  if (level == LIBBPF_DEBUG && std::getenv("CUSTOMS_BPF_DEBUG") != nullptr) {
    return vfprintf(stderr, format, args);
  }
  return 0;
}

// libbpf finds tracepoint ids through tracefs. When it is not mounted in our mount namespace, mount it in a private
// one (nothing changes for the rest of the machine).
Status EnsureTracefs() {
  if (access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ||
      access("/sys/kernel/debug/tracing/events/syscalls", F_OK) == 0) {
    return Ok();
  }
  if (unshare(CLONE_NEWNS) != 0) {
    return MakeError(ErrorCode::kPermission, "tracefs is not mounted and unshare(CLONE_NEWNS) failed: {}",
                     std::strerror(errno));
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
    return MakeError(ErrorCode::kPermission, "cannot mount tracefs at /sys/kernel/tracing: {}", std::strerror(errno));
  }
  return Ok();
}

}  // namespace

struct BpfSource::Impl {
  customs_bpf* skel = nullptr;
  ring_buffer* ring = nullptr;
  std::vector<bpf_link*> links;
  std::vector<bpf_link*> deny_links;
  std::vector<bpf_link*> policy_links;
  ContainerRegistry* registry = nullptr;
  Diagnostics* diagnostics = nullptr;
  BpfOptions options;
  ProcessTable processes;
  UserNames users;
  // What this loop knows of a cgroup: its entry and, once fetched, its container's metadata.
  struct Attribution {
    std::shared_ptr<const CgroupEntry> entry;
    std::shared_ptr<const ContainerMetadata> metadata;
  };
  std::unordered_map<uint64_t, Attribution> cgroups;
  // Events waiting for their container's first metadata (or for their cgroup's classification).
  struct Held {
    Event event;
    std::chrono::steady_clock::time_point deadline;
  };
  std::deque<Held> held;
  std::unordered_map<uint64_t, int> held_per_cgroup;
  std::unordered_map<uint64_t, uint64_t> policy_masks;  // cgroup id -> deny_cgroups value written
  uint64_t policy_domain_round = ~uint64_t{0};
  std::chrono::steady_clock::time_point next_policy_refresh;
  int64_t boot_to_wall_ns = 0;
  uint64_t user_filtered = 0;
  uint64_t sequence = 0;
  const EventHandler* handler = nullptr;
  Event event;

  ~Impl() {
    if (ring != nullptr) {
      ring_buffer__free(ring);
    }
    for (bpf_link* link : policy_links) {
      bpf_link__destroy(link);
    }
    for (bpf_link* link : deny_links) {
      bpf_link__destroy(link);
    }
    for (bpf_link* link : links) {
      bpf_link__destroy(link);
    }
    if (skel != nullptr) {
      customs_bpf__destroy(skel);
    }
  }

  // The kernel's view of a cgroup: host or container, and (once the container's metadata is known) which execs it
  // kills itself there.
  void SetVerdict(const CgroupEntry& entry, const std::shared_ptr<const ContainerMetadata>& metadata = nullptr) {
    if (entry.classifying) {
      return;  // unknown ids pass in the kernel until user space knows
    }
    uint64_t id = entry.id;
    uint8_t verdict = 0;
    if (!entry.container_id.empty()) {
      verdict = CUSTOMS_VERDICT_CONTAINER;
      if (options.kill_rules != nullptr && metadata != nullptr) {
        KernelKillPolicy kill = ComputeKernelKillPolicy(*options.kill_rules, entry.container_id, metadata);
        verdict |= (kill.memfd ? CUSTOMS_VERDICT_KILL_MEMFD : 0) | (kill.upper_layer ? CUSTOMS_VERDICT_KILL_UPPER : 0);
      }
    }
    bpf_map__update_elem(skel->maps.cgroup_verdict, &id, sizeof(id), &verdict, sizeof(verdict), BPF_ANY);
  }

  // What the kernel does for a container once its metadata is known: the execs it kills and the deny_network rules
  // that apply to it.
  void SetPolicyMask(const CgroupEntry& entry, const std::shared_ptr<const ContainerMetadata>& metadata) {
    if (entry.container_id.empty()) {
      return;
    }
    if (options.kill_rules != nullptr) {
      SetVerdict(entry, metadata);
    }
    if (options.connect_policy == nullptr || options.connect_policy->empty()) {
      return;
    }
    uint64_t mask = options.connect_policy->RuleMaskFor(entry.container_id, metadata);
    uint64_t id = entry.id;
    auto it = policy_masks.find(id);
    if (it != policy_masks.end() && it->second == mask) {
      return;
    }
    policy_masks[id] = mask;
    bpf_map__update_elem(skel->maps.deny_cgroups, &id, sizeof(id), &mask, sizeof(mask), BPF_ANY);
  }

  Attribution& Attribute(uint64_t cgroup_id, int64_t pid) {
    auto it = cgroups.find(cgroup_id);
    if (it != cgroups.end() && !it->second.entry->classifying) {
      return it->second;
    }
    std::shared_ptr<const CgroupEntry> entry = registry->Lookup(cgroup_id);
    if (entry == nullptr) {
      // Made between the start-up walk and the attach of cgroup_mkdir: read it from the process (rare).
      entry = registry->ResolvePid(pid);
      if (entry == nullptr || entry->id != cgroup_id) {
        auto host = std::make_shared<CgroupEntry>();
        host->id = cgroup_id;
        entry = host;
      }
    }
    SetVerdict(*entry);
    if (cgroups.size() > 100000) {
      cgroups.clear();
    }
    Attribution& a = cgroups[cgroup_id];
    a.entry = std::move(entry);
    return a;
  }

  // Whether the event's container is still being identified; fills event.container otherwise.
  bool NeedsHold(Attribution& a, Event& e) {
    if (a.entry->classifying) {
      return true;
    }
    if (a.entry->container_id.empty()) {
      return false;
    }
    if (a.metadata == nullptr) {
      ContainerRegistry::MetadataState state = registry->Metadata(a.entry->container_id);
      if (state.pending) {
        return true;
      }
      a.metadata = state.metadata;
      SetPolicyMask(*a.entry, a.metadata);
    }
    e.container = a.metadata;
    return false;
  }

  void Deliver(Event& e) {
    e.num = ++sequence;
    (*handler)(e);
  }

  // Releases held events whose container is identified (or whose wait is over), oldest first, keeping each cgroup's
  // order.
  void ReleaseHeld(bool all) {
    auto now = std::chrono::steady_clock::now();
    std::unordered_map<uint64_t, bool> blocked;
    for (auto it = held.begin(); it != held.end();) {
      uint64_t cgroup = it->event.cgroup_id;
      if (blocked[cgroup]) {
        ++it;
        continue;
      }
      Attribution& a = Attribute(cgroup, it->event.pid);
      bool waiting = NeedsHold(a, it->event);
      if (waiting && !all && now < it->deadline) {
        blocked[cgroup] = true;
        ++it;
        continue;
      }
      Event& e = it->event;
      e.container_id = a.entry->container_id;
      if (e.container_id.empty() && !options.include_host) {
        ++user_filtered;
      } else {
        Deliver(e);
      }
      if (--held_per_cgroup[cgroup] == 0) {
        held_per_cgroup.erase(cgroup);
      }
      it = held.erase(it);
    }
  }

  // Registry news: metadata published (refresh the cached copy and the kernel policy) and reclassified cgroups.
  void ApplyRegistryUpdates() {
    std::vector<std::string> updated = registry->TakeUpdated();
    if (updated.empty()) {
      return;
    }
    std::unordered_map<std::string, bool> ids;
    bool reclassified = false;
    for (const auto& id : updated) {
      if (id.empty()) {
        reclassified = true;
      } else {
        ids[id] = true;
      }
    }
    for (auto& [cgroup_id, a] : cgroups) {
      if (reclassified) {
        if (auto fresh = registry->Lookup(cgroup_id); fresh != nullptr && fresh != a.entry) {
          a.entry = fresh;
          a.metadata = nullptr;
          SetVerdict(*fresh);
        }
      }
      if (!a.entry->container_id.empty() && ids.count(a.entry->container_id)) {
        a.metadata = registry->Metadata(a.entry->container_id).metadata;
        SetPolicyMask(*a.entry, a.metadata);
      }
    }
    if (options.kill_rules != nullptr || (options.connect_policy != nullptr && !options.connect_policy->empty())) {
      // Containers this loop has not seen an event from yet (a new cgroup): their kernel policy now.
      for (const auto& entry : registry->Entries()) {
        if (!entry->container_id.empty() && (ids.count(entry->container_id) || reclassified)) {
          auto meta = registry->Metadata(entry->container_id);
          if (!meta.pending) {
            SetPolicyMask(*entry, meta.metadata);
          }
        }
      }
    }
  }

  // (Re)loads the kernel connect policy's address and port maps: at start, and when the domains resolve again.
  void RefreshPolicyMaps(bool force) {
    const KernelConnectPolicy* policy = options.connect_policy;
    if (policy == nullptr || policy->empty()) {
      return;
    }
    uint64_t round = 0;
    for (const auto& set : policy->address_sets()) {
      if (set.domains != nullptr) {
        round += reinterpret_cast<uintptr_t>(set.domains->Snapshot().get());
      }
    }
    if (!force && round == policy_domain_round) {
      return;
    }
    policy_domain_round = round;
    // New entries first, stale ones after: a destination stays denied while the map changes.
    std::vector<KernelConnectPolicy::Prefix> prefixes = policy->Materialize(ActiveGeoIpDatabase());
    std::set<std::pair<uint8_t, std::vector<uint8_t>>> wanted;
    for (const auto& p : prefixes) {
      if (p.cidr.family == AF_INET) {
        customs_deny_key4 key{static_cast<__u32>(p.cidr.prefix), {}};
        std::memcpy(key.addr, p.cidr.addr.data(), 4);
        bpf_map__update_elem(skel->maps.deny_net4, &key, sizeof(key), &p.bits, sizeof(p.bits), BPF_ANY);
        wanted.insert({AF_INET, std::vector<uint8_t>(reinterpret_cast<uint8_t*>(&key),
                                                     reinterpret_cast<uint8_t*>(&key) + sizeof(key))});
      } else {
        customs_deny_key6 key{static_cast<__u32>(p.cidr.prefix), {}};
        std::memcpy(key.addr, p.cidr.addr.data(), 16);
        bpf_map__update_elem(skel->maps.deny_net6, &key, sizeof(key), &p.bits, sizeof(p.bits), BPF_ANY);
        wanted.insert({AF_INET6, std::vector<uint8_t>(reinterpret_cast<uint8_t*>(&key),
                                                      reinterpret_cast<uint8_t*>(&key) + sizeof(key))});
      }
    }
    for (bpf_map* map : {skel->maps.deny_net4, skel->maps.deny_net6}) {
      uint8_t family = map == skel->maps.deny_net4 ? AF_INET : AF_INET6;
      size_t key_size = family == AF_INET ? sizeof(customs_deny_key4) : sizeof(customs_deny_key6);
      std::vector<uint8_t> key(key_size), next(key_size);
      std::vector<std::vector<uint8_t>> stale;
      bool first = true;
      while (bpf_map__get_next_key(map, first ? nullptr : key.data(), next.data(), key_size) == 0) {
        first = false;
        key = next;
        if (!wanted.count({family, key})) {
          stale.push_back(key);
        }
      }
      for (const auto& k : stale) {
        bpf_map__delete_elem(map, k.data(), key_size, 0);
      }
    }
  }

  static int OnSample(void* context, void* data, size_t size) {
    auto* self = static_cast<Impl*>(context);
    if (size < sizeof(customs_event)) {
      return 0;
    }
    self->Convert(*static_cast<const customs_event*>(data));
    return 0;
  }

  uint64_t Wall(uint64_t boot_ns) const {
    return boot_ns == 0 ? 0 : static_cast<uint64_t>(static_cast<int64_t>(boot_ns) + boot_to_wall_ns);
  }

  void Convert(const customs_event& raw) {
    if (raw.type == CUSTOMS_CGROUP_MKDIR || raw.type == CUSTOMS_CGROUP_RMDIR) {
      std::string_view path(raw.path, std::min<size_t>(raw.path_len, sizeof(raw.path)));
      if (raw.type == CUSTOMS_CGROUP_MKDIR) {
        auto entry = registry->OnCgroupCreated(raw.cgroup_id, path);
        cgroups[raw.cgroup_id] = Attribution{entry, nullptr};
        SetVerdict(*entry);
      } else {
        registry->OnCgroupRemoved(raw.cgroup_id);
        cgroups.erase(raw.cgroup_id);
        if (policy_masks.erase(raw.cgroup_id)) {
          uint64_t id = raw.cgroup_id;
          bpf_map__delete_elem(skel->maps.deny_cgroups, &id, sizeof(id), 0);
        }
        uint64_t id = raw.cgroup_id;
        bpf_map__delete_elem(skel->maps.cgroup_verdict, &id, sizeof(id), 0);
      }
      return;
    }
    Attribution& attribution = Attribute(raw.cgroup_id, raw.pid);
    if (raw.type == CUSTOMS_PROCEXIT) {
      processes.OnExit(raw.pid);
    }
    if (attribution.entry->container_id.empty() && !attribution.entry->classifying && !options.include_host) {
      ++user_filtered;  // a host cgroup seen for the first time: the kernel filters it from now on
      return;
    }
    Event& e = event;
    e.Clear();
    e.type = static_cast<EventType>(raw.type);
    e.time_ns = Wall(raw.ts_ns);
    e.res = raw.res;
    e.pid = raw.pid;
    e.tid = raw.tid;
    e.ppid = raw.ppid;
    e.uid = raw.uid;
    e.gid = raw.gid;
    e.loginuid = raw.loginuid;
    e.tty = raw.tty;
    e.exe_from_memfd = raw.flags & CUSTOMS_F_MEMFD;
    e.exe_upper_layer = raw.flags & CUSTOMS_F_UPPER;
    e.killed_by_sensor = raw.flags & CUSTOMS_F_KILLED;
    e.fd_connected = raw.flags & CUSTOMS_F_CONNECTED;
    e.fd_name_changed = raw.flags & CUSTOMS_F_NAME_CHANGED;
    e.server_is_local = raw.flags & CUSTOMS_F_SERVER_LOCAL;
    e.name.assign(raw.comm, strnlen(raw.comm, sizeof(raw.comm)));
    e.cgroup_id = raw.cgroup_id;
    e.container_id = attribution.entry->container_id;
    e.proc_start_ns = Wall(raw.proc_start_ns);
    e.caps_known = true;
    e.cap_effective = raw.cap_effective;
    e.cap_permitted = raw.cap_permitted;
    e.cap_inheritable = raw.cap_inheritable;
    e.pidns_init_pid = raw.pidns_init_pid;
    e.pidns_init_start_ns = Wall(raw.pidns_init_start_ns);
    std::string_view path(raw.path, std::min<size_t>(raw.path_len, sizeof(raw.path)));
    std::string_view path2(raw.path2, std::min<size_t>(raw.path2_len, sizeof(raw.path2)));
    if (e.type == EventType::kExecve || e.type == EventType::kExecveat) {
      e.exepath.assign(path);
      std::string_view argv(raw.args, std::min<size_t>(raw.args_len, sizeof(raw.args)));
      while (!argv.empty() && argv.back() == '\0') {
        argv.remove_suffix(1);
      }
      size_t nul = argv.find('\0');
      e.exe.assign(argv.substr(0, nul));
      if (nul != std::string_view::npos) {
        e.args.assign(argv.substr(nul + 1));
        for (char& c : e.args) {
          if (c == '\0') {
            c = ' ';
          }
        }
      }
      FinishEvent(e);
      processes.OnExec(e.pid, e.ppid, e.name, e.exepath, e.cmdline);
      e.cwd = ProcPathInRoot(e.pid, "cwd");
    } else {
      if (const ProcessEntry* entry = processes.Lookup(e.pid)) {
        e.exepath = entry->exepath;
        size_t space = entry->cmdline.find(' ');
        if (space != std::string::npos) {
          e.args.assign(entry->cmdline, space + 1);
        }
      }
      FinishEvent(e);
      e.path.assign(path);
      e.path2.assign(path2);
      e.flags = static_cast<uint32_t>(raw.arg0);
      e.mode = static_cast<uint32_t>(raw.arg1);
      e.fd = raw.fd;
      e.arg0 = static_cast<int64_t>(raw.arg0);
      e.arg1 = static_cast<int64_t>(raw.arg1);
      e.arg2 = static_cast<int64_t>(raw.arg2);
      e.fd_kind = static_cast<FdKind>(raw.fd_kind);
      e.l4proto = raw.l4proto;
      if (raw.family != 0) {
        e.family = static_cast<uint8_t>(raw.family);
        std::memcpy(e.remote_addr.data(), raw.addr, sizeof(raw.addr));
        std::memcpy(e.local_addr.data(), raw.laddr, sizeof(raw.laddr));
        e.remote_port = raw.port;
        e.local_port = raw.lport;
      }
      switch (e.type) {
        case EventType::kChmod:
        case EventType::kFchmodat:
          e.mode = static_cast<uint32_t>(raw.arg1);
          e.flags = 0;
          [[fallthrough]];
        case EventType::kOpen:
        case EventType::kOpenat:
        case EventType::kOpenat2:
        case EventType::kUnlinkat: {
          // fd.nameraw is what the program passed; fd.name the normalised absolute path.
          e.path_raw.assign(path);
          if (!e.path.empty() && e.path[0] != '/') {
            int64_t dirfd = e.arg2;
            std::string base =
                dirfd == -100 ? ProcPathInRoot(e.pid, "cwd") : ProcPathInRoot(e.pid, "fd/" + std::to_string(dirfd));
            e.path = NormalizePath(e.path, base);
          } else if (!e.path.empty() &&
                     (e.path.find("//") != std::string::npos || e.path.find("/.") != std::string::npos ||
                      (e.path.size() > 1 && e.path.back() == '/'))) {
            e.path = NormalizePath(e.path, "/");
          }
          if (e.type == EventType::kUnlinkat) {
            e.flags = 0;
          }
          break;
        }
        case EventType::kSymlink:
        case EventType::kSymlinkat:
          e.flags = 0;
          e.mode = 0;
          break;
        case EventType::kDup2:
        case EventType::kDup3:
          e.flags = static_cast<uint32_t>(raw.arg1);
          e.mode = 0;
          break;
        case EventType::kSocket:
        case EventType::kDup:
        case EventType::kListen:
        case EventType::kClose:
          e.flags = 0;
          e.mode = 0;
          break;
        default: break;
      }
    }
    e.user_name.assign(users.User(e.container_id, e.pid, e.uid));
    e.group_name.assign(users.Group(e.container_id, e.pid, e.gid));
    if (e.loginuid != UINT32_MAX) {
      e.login_name.assign(users.User(e.container_id, e.pid, e.loginuid));
    }
    processes.FillAncestors(e);
    // Hold while the container is still being identified (and behind earlier held events of the same cgroup).
    if (held_per_cgroup.count(raw.cgroup_id) || NeedsHold(attribution, e)) {
      held.push_back(Held{e, std::chrono::steady_clock::now() + options.metadata_hold});
      ++held_per_cgroup[raw.cgroup_id];
      return;
    }
    Deliver(e);
  }
};

BpfSource::BpfSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfSource::~BpfSource() = default;

bool BpfAvailable(std::string* reason) {
  if (geteuid() != 0) {
    *reason = "not root";
    return false;
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    *reason = "kernel has no BTF (/sys/kernel/btf/vmlinux)";
    return false;
  }
  return true;
}

Result<std::unique_ptr<BpfSource>> BpfSource::Open(const BpfOptions& options, ContainerRegistry& registry,
                                                   Diagnostics& diagnostics) {
  std::string reason;
  if (!BpfAvailable(&reason)) {
    return MakeError(ErrorCode::kPermission, "BPF sensor unavailable: {}", reason);
  }
  libbpf_set_print(SilentPrint);
  auto impl = std::make_unique<Impl>();
  impl->registry = &registry;
  impl->diagnostics = &diagnostics;
  impl->options = options;

  struct SyscallProgs {
    EventType type;
    bpf_program* exit;  // one program at the syscall's exit (the arguments are read from the saved registers)
  };
  impl->skel = customs_bpf__open();
  if (impl->skel == nullptr) {
    return MakeError(ErrorCode::kInternal, "opening the BPF object failed");
  }
  customs_bpf* skel = impl->skel;
  const SyscallProgs syscalls[] = {
      {EventType::kConnect, skel->progs.exit_connect},
      {EventType::kOpen, skel->progs.exit_open},
      {EventType::kOpenat, skel->progs.exit_openat},
      {EventType::kOpenat2, skel->progs.exit_openat2},
      {EventType::kSetuid, skel->progs.exit_setuid},
      {EventType::kSetgid, skel->progs.exit_setgid},
      {EventType::kSetreuid, skel->progs.exit_setreuid},
      {EventType::kSetregid, skel->progs.exit_setregid},
      {EventType::kSetresuid, skel->progs.exit_setresuid},
      {EventType::kSetresgid, skel->progs.exit_setresgid},
      {EventType::kPtrace, skel->progs.exit_ptrace},
      {EventType::kMount, skel->progs.exit_mount},
      {EventType::kInitModule, skel->progs.exit_init_module},
      {EventType::kFinitModule, skel->progs.exit_finit_module},
      {EventType::kUnlink, skel->progs.exit_unlink},
      {EventType::kUnlinkat, skel->progs.exit_unlinkat},
      {EventType::kRename, skel->progs.exit_rename},
      {EventType::kRenameat, skel->progs.exit_renameat},
      {EventType::kRenameat2, skel->progs.exit_renameat2},
      {EventType::kAccept, skel->progs.exit_accept},
      {EventType::kAccept4, skel->progs.exit_accept4},
      {EventType::kBind, skel->progs.exit_bind},
      {EventType::kListen, skel->progs.exit_listen},
      {EventType::kSocket, skel->progs.exit_socket},
      {EventType::kDup, skel->progs.exit_dup},
      {EventType::kDup2, skel->progs.exit_dup2},
      {EventType::kDup3, skel->progs.exit_dup3},
      {EventType::kClose, skel->progs.exit_close},
      {EventType::kChmod, skel->progs.exit_chmod},
      {EventType::kFchmod, skel->progs.exit_fchmod},
      {EventType::kFchmodat, skel->progs.exit_fchmodat},
      {EventType::kMemfdCreate, skel->progs.exit_memfd_create},
      {EventType::kSymlink, skel->progs.exit_symlink},
      {EventType::kSymlinkat, skel->progs.exit_symlinkat},
      {EventType::kLink, skel->progs.exit_link},
      {EventType::kLinkat, skel->progs.exit_linkat},
      {EventType::kSendto, skel->progs.exit_sendto},
      {EventType::kSendmsg, skel->progs.exit_sendmsg},
      {EventType::kRecvfrom, skel->progs.exit_recvfrom},
  };
  bool any_syscall = false;
  for (const auto& sc : syscalls) {
    any_syscall = any_syscall || options.event_types.test(static_cast<size_t>(sc.type));
  }
  bool want_execveat = options.event_types.test(static_cast<size_t>(EventType::kExecveat));
  bpf_program__set_autoload(skel->progs.enter_execveat, want_execveat);
  bpf_program__set_autoload(skel->progs.exit_execveat, want_execveat);
  if (any_syscall || want_execveat) {
    CUSTOMS_RETURN_IF_ERROR(EnsureTracefs());
  }
  std::string tracing =
      access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ? "/sys/kernel/tracing" : "/sys/kernel/debug/tracing";
  EventTypeSet attached_types;
  for (const auto& sc : syscalls) {
    bool needed = options.event_types.test(static_cast<size_t>(sc.type));
    if (needed) {
      // A syscall this kernel does not trace (init_module without CONFIG_MODULES): warn, do not fail.
      std::string name(EventTypeName(sc.type));
      std::string tracepoint = tracing;
      tracepoint += "/events/syscalls/sys_exit_";
      tracepoint += name;
      if (access(tracepoint.c_str(), F_OK) != 0) {
        diagnostics.Warn("runtime/bpf", name,
                         "this kernel has no syscalls/sys_exit_" + name + " tracepoint: rules on it cannot fire");
        needed = false;
      }
    }
    if (needed) {
      attached_types.set(static_cast<size_t>(sc.type));
    }
    bpf_program__set_autoload(sc.exit, needed);
  }
  skel->rodata->self_tgid = static_cast<uint32_t>(getpid());
  skel->rodata->include_host = options.include_host ? 1 : 0;
  bool policy = options.connect_policy != nullptr && !options.connect_policy->empty();
  bpf_program__set_autoload(skel->progs.policy_connect4, policy);
  bpf_program__set_autoload(skel->progs.policy_connect6, policy);
  if (int err = customs_bpf__load(skel); err != 0) {
    return MakeError(ErrorCode::kInternal,
                     "loading the BPF programs failed: {} (set CUSTOMS_BPF_DEBUG=1 for the "
                     "verifier log)",
                     std::strerror(-err));
  }
  // Classify every existing cgroup before attaching, so host events are filtered in the kernel from the start.
  registry.Scan();
  registry.Start();
  for (const auto& entry : registry.Entries()) {
    impl->SetVerdict(*entry);
  }
  impl->processes.Scan();
  impl->boot_to_wall_ns = ClockNs(CLOCK_REALTIME) - ClockNs(CLOCK_BOOTTIME);
  if (policy || options.kill_rules != nullptr) {
    // Existing containers: what the kernel does for each, once their metadata is in (bounded wait).
    registry.WaitIdle(std::chrono::milliseconds(2000));
    for (const auto& entry : registry.Entries()) {
      if (!entry->container_id.empty()) {
        auto meta = registry.Metadata(entry->container_id);
        impl->SetPolicyMask(*entry, meta.metadata);
      }
    }
  }
  if (policy) {
    // The kernel connect policy: terms, ports and addresses now; per-cgroup rule masks as containers become known.
    const KernelConnectPolicy& connect = *options.connect_policy;
    for (uint32_t i = 0; i < connect.terms().size(); ++i) {
      const auto& t = connect.terms()[i];
      customs_deny_term term{uint64_t{1} << t.rule, t.ip_must, t.ip_must_not, t.port_must, t.port_must_not};
      bpf_map__update_elem(skel->maps.deny_terms, &i, sizeof(i), &term, sizeof(term), BPF_ANY);
    }
    for (const auto& [port, bits] : connect.PortBits()) {
      bpf_map__update_elem(skel->maps.deny_ports, &port, sizeof(port), &bits, sizeof(bits), BPF_ANY);
    }
    impl->RefreshPolicyMaps(true);
    int root = open(registry.cgroup_root().c_str(), O_RDONLY | O_DIRECTORY);
    if (root < 0) {
      return MakeError(ErrorCode::kNotFound, "open {}: {}", registry.cgroup_root().string(), std::strerror(errno));
    }
    for (bpf_program* prog : {skel->progs.policy_connect4, skel->progs.policy_connect6}) {
      bpf_link* link = bpf_program__attach_cgroup(prog, root);
      if (link == nullptr) {
        int err = errno;
        close(root);
        return MakeError(ErrorCode::kInternal, "attaching {} to {} failed: {}", bpf_program__name(prog),
                         registry.cgroup_root().string(), std::strerror(err));
      }
      impl->policy_links.push_back(link);
    }
    close(root);
  }

  std::vector<bpf_program*> to_attach = {skel->progs.handle_exec, skel->progs.handle_exit,
                                         skel->progs.handle_cgroup_mkdir, skel->progs.handle_cgroup_rmdir};
  if (options.event_types.test(static_cast<size_t>(EventType::kExecveat))) {
    to_attach.push_back(skel->progs.enter_execveat);
    to_attach.push_back(skel->progs.exit_execveat);
  }
  for (const auto& sc : syscalls) {
    if (attached_types.test(static_cast<size_t>(sc.type))) {
      to_attach.push_back(sc.exit);
    }
  }
  for (bpf_program* prog : to_attach) {
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      return MakeError(ErrorCode::kInternal, "attaching {} failed: {}", bpf_program__name(prog), std::strerror(errno));
    }
    impl->links.push_back(link);
  }
  impl->ring = ring_buffer__new(bpf_map__fd(skel->maps.events), &Impl::OnSample, impl.get(), nullptr);
  if (impl->ring == nullptr) {
    return MakeError(ErrorCode::kInternal, "ring buffer setup failed: {}", std::strerror(errno));
  }
  return std::unique_ptr<BpfSource>(new BpfSource(std::move(impl)));
}

Result<bool> BpfSource::Poll(const EventHandler& handler, int timeout_ms) {
  impl_->handler = &handler;
  impl_->ApplyRegistryUpdates();
  if (!impl_->held.empty()) {
    impl_->ReleaseHeld(false);
  }
  auto now = std::chrono::steady_clock::now();
  if (now >= impl_->next_policy_refresh) {
    impl_->RefreshPolicyMaps(false);
    impl_->next_policy_refresh = now + std::chrono::seconds(1);
  }
  // Producers do not wake us (BPF_RB_NO_WAKEUP): drain, then sleep about 1 ms.
  int n = ring_buffer__consume(impl_->ring);
  if (n < 0 && n != -EINTR) {
    return MakeError(ErrorCode::kInternal, "ring buffer: {}", std::strerror(-n));
  }
  if (n == 0 && timeout_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  }
  impl_->handler = nullptr;
  return true;
}

void BpfSource::RefreshKernelPolicy() {
  impl_->RefreshPolicyMaps(false);
}

uint64_t BpfSource::DeniedConnects() const {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return 0;
  }
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  uint32_t key = CUSTOMS_STAT_DENIED;
  uint64_t total = 0;
  if (bpf_map__lookup_elem(impl_->skel->maps.stats, &key, sizeof(key), values.data(), values.size() * sizeof(uint64_t),
                           0) == 0) {
    for (uint64_t v : values) {
      total += v;
    }
  }
  return total;
}

SourceStats BpfSource::Stats() const {
  SourceStats stats;
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return stats;
  }
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  uint64_t* targets[] = {&stats.seen, &stats.dropped, &stats.filtered};
  for (uint32_t key = 0; key < 3; ++key) {
    if (bpf_map__lookup_elem(impl_->skel->maps.stats, &key, sizeof(key), values.data(),
                             values.size() * sizeof(uint64_t), 0) == 0) {
      for (uint64_t v : values) {
        *targets[key] += v;
      }
    }
  }
  stats.filtered += impl_->user_filtered;
  return stats;
}

Status BpfSource::DenyCgroup(const std::filesystem::path& cgroup_dir) {
  int fd = open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    return MakeError(ErrorCode::kNotFound, "open {}: {}", cgroup_dir.string(), std::strerror(errno));
  }
  for (bpf_program* prog : {impl_->skel->progs.deny_connect4, impl_->skel->progs.deny_connect6}) {
    bpf_link* link = bpf_program__attach_cgroup(prog, fd);
    if (link == nullptr) {
      int err = errno;
      close(fd);
      return MakeError(ErrorCode::kInternal, "attaching {} to {} failed: {}", bpf_program__name(prog),
                       cgroup_dir.string(), std::strerror(err));
    }
    impl_->deny_links.push_back(link);
  }
  close(fd);
  return Ok();
}

}  // namespace customs::runtime
