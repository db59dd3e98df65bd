#include "runtime/sensor/bpf_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <ctime>
#include <thread>
#include <unordered_map>

#include "customs.skel.h"
#include "customs_event.h"
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
  ContainerResolver* resolver = nullptr;
  Diagnostics* diagnostics = nullptr;
  BpfOptions options;
  ProcessTable processes;
  UserNames users;
  std::unordered_map<uint64_t, ContainerInfo> cgroups;
  int64_t boot_to_wall_ns = 0;
  uint64_t user_filtered = 0;
  uint64_t sequence = 0;
  const EventHandler* handler = nullptr;
  Event event;

  ~Impl() {
    if (ring != nullptr) {
      ring_buffer__free(ring);
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

  const ContainerInfo& Container(uint64_t cgroup_id) {
    auto it = cgroups.find(cgroup_id);
    if (it != cgroups.end()) {
      return it->second;
    }
    ContainerInfo info = resolver->Resolve(cgroup_id);
    uint8_t verdict = info.id.empty() ? 0 : 1;
    bpf_map__update_elem(skel->maps.cgroup_verdict, &cgroup_id, sizeof(cgroup_id), &verdict, sizeof(verdict), BPF_ANY);
    if (cgroups.size() > 100000) {
      cgroups.clear();
    }
    return cgroups[cgroup_id] = std::move(info);
  }

  static int OnSample(void* context, void* data, size_t size) {
    auto* self = static_cast<Impl*>(context);
    if (size < sizeof(customs_event)) {
      return 0;
    }
    self->Convert(*static_cast<const customs_event*>(data));
    return 0;
  }

  void Convert(const customs_event& raw) {
    const ContainerInfo& container = Container(raw.cgroup_id);
    if (raw.type == CUSTOMS_PROCEXIT) {
      processes.OnExit(raw.pid);
    }
    if (container.id.empty() && !options.include_host) {
      ++user_filtered;  // a host cgroup seen for the first time: the kernel filters it from now on
      return;
    }
    Event& e = event;
    e.Clear();
    e.type = static_cast<EventType>(raw.type);
    e.num = ++sequence;
    e.time_ns = static_cast<uint64_t>(static_cast<int64_t>(raw.ts_ns) + boot_to_wall_ns);
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
    e.name.assign(raw.comm, strnlen(raw.comm, sizeof(raw.comm)));
    e.cgroup_id = raw.cgroup_id;
    e.container_id = container.id;
    e.container_name = container.name;
    e.container_image = container.image;
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
      char cwd[4096];
      ssize_t n = readlink(("/proc/" + std::to_string(e.pid) + "/cwd").c_str(), cwd, sizeof(cwd) - 1);
      if (n > 0) {
        e.cwd.assign(cwd, static_cast<size_t>(n));
      }
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
      if (raw.family != 0) {
        e.family = static_cast<uint8_t>(raw.family);
        std::memcpy(e.remote_addr.data(), raw.addr, sizeof(raw.addr));
        e.remote_port = raw.port;
      }
      if (!e.path.empty() && e.path[0] != '/' &&
          (e.type == EventType::kOpen || e.type == EventType::kOpenat || e.type == EventType::kOpenat2)) {
        char cwd[4096];
        ssize_t n = readlink(("/proc/" + std::to_string(e.pid) + "/cwd").c_str(), cwd, sizeof(cwd) - 1);
        if (n > 0) {
          e.path = std::string(cwd, static_cast<size_t>(n)) + "/" + e.path;
        }
      }
    }
    e.user_name.assign(users.User(container.id, e.pid, e.uid));
    e.group_name.assign(users.Group(container.id, e.pid, e.gid));
    processes.FillAncestors(e);
    (*handler)(e);
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

Result<std::unique_ptr<BpfSource>> BpfSource::Open(const BpfOptions& options, ContainerResolver& resolver,
                                                   Diagnostics& diagnostics) {
  std::string reason;
  if (!BpfAvailable(&reason)) {
    return MakeError(ErrorCode::kPermission, "BPF sensor unavailable: {}", reason);
  }
  libbpf_set_print(SilentPrint);
  auto impl = std::make_unique<Impl>();
  impl->resolver = &resolver;
  impl->diagnostics = &diagnostics;
  impl->options = options;

  struct SyscallProgs {
    EventType type;
    bpf_program* enter;
    bpf_program* exit;
  };
  impl->skel = customs_bpf__open();
  if (impl->skel == nullptr) {
    return MakeError(ErrorCode::kInternal, "opening the BPF object failed");
  }
  customs_bpf* skel = impl->skel;
  const SyscallProgs syscalls[] = {
      {EventType::kConnect, skel->progs.enter_connect, skel->progs.exit_connect},
      {EventType::kOpen, skel->progs.enter_open, skel->progs.exit_open},
      {EventType::kOpenat, skel->progs.enter_openat, skel->progs.exit_openat},
      {EventType::kOpenat2, skel->progs.enter_openat2, skel->progs.exit_openat2},
      {EventType::kSetuid, skel->progs.enter_setuid, skel->progs.exit_setuid},
      {EventType::kSetgid, skel->progs.enter_setgid, skel->progs.exit_setgid},
      {EventType::kSetreuid, skel->progs.enter_setreuid, skel->progs.exit_setreuid},
      {EventType::kSetregid, skel->progs.enter_setregid, skel->progs.exit_setregid},
      {EventType::kSetresuid, skel->progs.enter_setresuid, skel->progs.exit_setresuid},
      {EventType::kSetresgid, skel->progs.enter_setresgid, skel->progs.exit_setresgid},
      {EventType::kPtrace, skel->progs.enter_ptrace, skel->progs.exit_ptrace},
      {EventType::kMount, skel->progs.enter_mount, skel->progs.exit_mount},
      {EventType::kInitModule, skel->progs.enter_init_module, skel->progs.exit_init_module},
      {EventType::kFinitModule, skel->progs.enter_finit_module, skel->progs.exit_finit_module},
      {EventType::kUnlink, skel->progs.enter_unlink, skel->progs.exit_unlink},
      {EventType::kUnlinkat, skel->progs.enter_unlinkat, skel->progs.exit_unlinkat},
      {EventType::kRename, skel->progs.enter_rename, skel->progs.exit_rename},
      {EventType::kRenameat, skel->progs.enter_renameat, skel->progs.exit_renameat},
      {EventType::kRenameat2, skel->progs.enter_renameat2, skel->progs.exit_renameat2},
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
      tracepoint += "/events/syscalls/sys_enter_";
      tracepoint += name;
      if (access(tracepoint.c_str(), F_OK) != 0) {
        diagnostics.Warn("runtime/bpf", name,
                         "this kernel has no syscalls/sys_enter_" + name + " tracepoint: rules on it cannot fire");
        needed = false;
      }
    }
    if (needed) {
      attached_types.set(static_cast<size_t>(sc.type));
    }
    bpf_program__set_autoload(sc.enter, needed);
    bpf_program__set_autoload(sc.exit, needed);
  }
  skel->rodata->self_tgid = static_cast<uint32_t>(getpid());
  skel->rodata->include_host = options.include_host ? 1 : 0;
  skel->rodata->kill_exec_memfd = options.kill_exec_memfd ? 1 : 0;
  skel->rodata->kill_exec_upper = options.kill_exec_upper_layer ? 1 : 0;
  if (int err = customs_bpf__load(skel); err != 0) {
    return MakeError(ErrorCode::kInternal,
                     "loading the BPF programs failed: {} (set CUSTOMS_BPF_DEBUG=1 for the "
                     "verifier log)",
                     std::strerror(-err));
  }
  // Classify every existing cgroup before attaching, so host events are filtered in the kernel from the start.
  resolver.Scan();
  for (const auto& [id, info] : resolver.Known()) {
    uint8_t verdict = info.id.empty() ? 0 : 1;
    uint64_t key = id;
    bpf_map__update_elem(skel->maps.cgroup_verdict, &key, sizeof(key), &verdict, sizeof(verdict), BPF_ANY);
    impl->cgroups[id] = info;
  }
  impl->processes.Scan();
  impl->boot_to_wall_ns = ClockNs(CLOCK_REALTIME) - ClockNs(CLOCK_BOOTTIME);

  std::vector<bpf_program*> to_attach = {skel->progs.handle_exec, skel->progs.handle_exit};
  if (options.event_types.test(static_cast<size_t>(EventType::kExecveat))) {
    to_attach.push_back(skel->progs.enter_execveat);
    to_attach.push_back(skel->progs.exit_execveat);
  }
  for (const auto& sc : syscalls) {
    if (attached_types.test(static_cast<size_t>(sc.type))) {
      to_attach.push_back(sc.enter);
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

SourceStats BpfSource::Stats() const {
  SourceStats stats;
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return stats;
  }
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  uint64_t* targets[] = {&stats.seen, &stats.dropped, &stats.filtered};
  for (uint32_t key = 0; key < CUSTOMS_STAT_COUNT; ++key) {
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
