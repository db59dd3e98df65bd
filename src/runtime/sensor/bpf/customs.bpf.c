// SPDX-License-Identifier: GPL-2.0
// customs kernel sensor. Tracepoints only (kprobes/fentry/LSM do not work on the target kernel): tp_btf for
// sched_process_exec/exit, syscalls/sys_enter_* + sys_exit_* for the rest, cgroup/connect4|6 for deny_network.
// The user-space side decides which programs to load (only what the rules need).
// vmlinux.h must come first: it defines the kernel types the libbpf headers use.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "customs_event.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9
#define AF_INET 2
#define AF_INET6 10
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

const volatile __u32 self_tgid = 0;
const volatile __u8 include_host = 0;
const volatile __u8 kill_exec_memfd = 0;
const volatile __u8 kill_exec_upper = 0;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, CUSTOMS_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

/* cgroup id -> 1 container, 0 host. Unknown ids pass so user space can classify them and fill the map. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u64);
  __type(value, __u8);
} cgroup_verdict SEC(".maps");

/* Threads inside execveat (set at sys_enter_execveat, consumed by the exec tracepoint or sys_exit_execveat). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, __u8);
} execveat_tids SEC(".maps");

struct syscall_args {
  __u64 a0, a1, a2, a3, a4;
  __u32 type;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct syscall_args);
} pending SEC(".maps");

static __always_inline void count(__u32 index) {
  __u64* value = bpf_map_lookup_elem(&stats, &index);
  if (value) *value += 1;
}

/* True if events of the current task should be delivered. */
static __always_inline int wanted(__u64 cgroup_id) {
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (tgid == self_tgid) return 0;
  if (include_host) return 1;
  __u8* verdict = bpf_map_lookup_elem(&cgroup_verdict, &cgroup_id);
  if (verdict && *verdict == 0) return 0;
  return 1;
}

static __always_inline struct customs_event* reserve(__u32 type, __u64 cgroup_id) {
  count(CUSTOMS_STAT_SEEN);
  struct customs_event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count(CUSTOMS_STAT_DROPPED);
    return 0;
  }
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u64 uid_gid = bpf_get_current_uid_gid();
  e->ts_ns = bpf_ktime_get_boot_ns();
  e->cgroup_id = cgroup_id;
  e->res = 0;
  e->arg0 = e->arg1 = 0;
  e->fd = -1;
  e->type = type;
  e->pid = pid_tgid >> 32;
  e->tid = (__u32)pid_tgid;
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->uid = (__u32)uid_gid;
  e->gid = uid_gid >> 32;
  e->loginuid = BPF_CORE_READ(task, loginuid.val);
  e->tty = 0;
  e->flags = 0;
  e->family = 0;
  e->port = 0;
  __builtin_memset(e->addr, 0, sizeof(e->addr));
  e->path_len = e->path2_len = e->args_len = 0;
  e->path[0] = 0;
  e->path2[0] = 0;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  return e;
}

static __always_inline void submit(struct customs_event* e) {
  bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  if (!wanted(cgroup_id)) {
    count(CUSTOMS_STAT_FILTERED);
    return 0;
  }
  struct customs_event* e = reserve(CUSTOMS_EXECVE, cgroup_id);
  if (!e) return 0;
  /* execve or execveat (fexecve): sys_enter_execveat marked the thread (old_pid: the tid before de_thread). */
  __u32 old_tid = old_pid;
  if (bpf_map_lookup_elem(&execveat_tids, &old_tid)) {
    e->type = CUSTOMS_EXECVEAT;
    bpf_map_delete_elem(&execveat_tids, &old_tid);
  }
  const char* filename = BPF_CORE_READ(bprm, filename);
  long n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), filename);
  e->path_len = n > 0 ? n - 1 : 0;

  /* argv from the new mm */
  struct mm_struct* mm = BPF_CORE_READ(p, mm);
  unsigned long arg_start = BPF_CORE_READ(mm, arg_start);
  unsigned long arg_end = BPF_CORE_READ(mm, arg_end);
  unsigned long len = arg_end - arg_start;
  if (len > CUSTOMS_ARGS_MAX) len = CUSTOMS_ARGS_MAX;
  if (len > 0 && bpf_probe_read_user(e->args, len & (CUSTOMS_ARGS_MAX - 1 + CUSTOMS_ARGS_MAX), (void*)arg_start) == 0) {
    e->args_len = len;
  } else if (len == CUSTOMS_ARGS_MAX && bpf_probe_read_user(e->args, CUSTOMS_ARGS_MAX, (void*)arg_start) == 0) {
    e->args_len = len;
  }

  /* controlling tty: Falco's encoding (major << 20 | minor) */
  struct tty_struct* tty = BPF_CORE_READ(p, signal, tty);
  if (tty) {
    int index = BPF_CORE_READ(tty, index);
    int major = BPF_CORE_READ(tty, driver, major);
    int minor_start = BPF_CORE_READ(tty, driver, minor_start);
    e->tty = ((__u32)major << 20) | (__u32)(minor_start + index);
  }

  /* where the executable lives: memfd (no links, "memfd:" name) or the overlay upper layer */
  struct file* file = BPF_CORE_READ(bprm, file);
  struct inode* inode = BPF_CORE_READ(file, f_inode);
  char name[8] = {};
  bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name));
  if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':' &&
      BPF_CORE_READ(inode, __i_nlink) == 0) {
    e->flags |= CUSTOMS_F_MEMFD;
  }
  unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
  if (magic == OVERLAYFS_SUPER_MAGIC) {
    struct ovl_inode* oi = container_of(inode, struct ovl_inode, vfs_inode);
    struct dentry* upper = BPF_CORE_READ(oi, __upperdentry);
    if (upper) e->flags |= CUSTOMS_F_UPPER;
  }
  __u8* verdict = bpf_map_lookup_elem(&cgroup_verdict, &cgroup_id);
  int in_container = verdict && *verdict == 1;
  if (in_container &&
      ((kill_exec_memfd && (e->flags & CUSTOMS_F_MEMFD)) || (kill_exec_upper && (e->flags & CUSTOMS_F_UPPER)))) {
    /* The process dies before it runs one instruction of the new program. */
    if (bpf_send_signal(SIGKILL) == 0) e->flags |= CUSTOMS_F_KILLED;
  }
  submit(e);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct* p) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  if ((__u32)pid_tgid != (pid_tgid >> 32)) return 0; /* threads: only the group leader's exit */
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  if (!wanted(cgroup_id)) {
    count(CUSTOMS_STAT_FILTERED);
    return 0;
  }
  struct customs_event* e = reserve(CUSTOMS_PROCEXIT, cgroup_id);
  if (!e) return 0;
  e->res = BPF_CORE_READ(p, exit_code);
  submit(e);
  return 0;
}

/* ---- syscalls: remember the arguments at entry, emit at exit with the result ---- */

/* Reads only the syscall's own arguments: the kernel refuses to attach a program that reads past the end of the
 * tracepoint's record (max_ctx_offset check -> EACCES). */
static __always_inline int enter(struct trace_event_raw_sys_enter* ctx, __u32 type, int nargs) {
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  if (!wanted(cgroup_id)) {
    count(CUSTOMS_STAT_FILTERED);
    return 0;
  }
  struct syscall_args args = {};
  args.a0 = ctx->args[0];
  if (nargs > 1) args.a1 = ctx->args[1];
  if (nargs > 2) args.a2 = ctx->args[2];
  if (nargs > 3) args.a3 = ctx->args[3];
  if (nargs > 4) args.a4 = ctx->args[4];
  args.type = type;
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_update_elem(&pending, &tid, &args, BPF_ANY);
  return 0;
}

static __always_inline void read_user_path(char* dst, __u16* len, __u64 ptr) {
  long n = bpf_probe_read_user_str(dst, CUSTOMS_PATH_MAX, (const void*)ptr);
  *len = n > 0 ? n - 1 : 0;
  if (n <= 0) dst[0] = 0;
}

static __always_inline int exit_(struct trace_event_raw_sys_exit* ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct syscall_args* args = bpf_map_lookup_elem(&pending, &tid);
  if (!args) return 0;
  struct syscall_args a = *args;
  bpf_map_delete_elem(&pending, &tid);
  struct customs_event* e = reserve(a.type, bpf_get_current_cgroup_id());
  if (!e) return 0;
  e->res = ctx->ret;
  switch (a.type) {
    case CUSTOMS_CONNECT: {
      e->fd = (__s64)a.a0;
      __u16 family = 0;
      bpf_probe_read_user(&family, sizeof(family), (void*)a.a1);
      if (family == AF_INET) {
        struct sockaddr_in sin = {};
        bpf_probe_read_user(&sin, sizeof(sin), (void*)a.a1);
        e->family = AF_INET;
        e->port = __builtin_bswap16(sin.sin_port);
        __builtin_memcpy(e->addr, &sin.sin_addr.s_addr, 4);
      } else if (family == AF_INET6) {
        struct sockaddr_in6 sin6 = {};
        bpf_probe_read_user(&sin6, sizeof(sin6), (void*)a.a1);
        e->family = AF_INET6;
        e->port = __builtin_bswap16(sin6.sin6_port);
        __builtin_memcpy(e->addr, &sin6.sin6_addr, 16);
      } else {
        bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP); /* unix sockets etc.: not a network connect */
        return 0;
      }
      break;
    }
    case CUSTOMS_OPEN:
      read_user_path(e->path, &e->path_len, a.a0);
      e->arg0 = a.a1;
      e->arg1 = a.a2;
      break;
    case CUSTOMS_OPENAT:
      read_user_path(e->path, &e->path_len, a.a1);
      e->arg0 = a.a2;
      e->arg1 = a.a3;
      break;
    case CUSTOMS_OPENAT2: {
      read_user_path(e->path, &e->path_len, a.a1);
      struct open_how how = {};
      bpf_probe_read_user(&how, sizeof(how), (void*)a.a2);
      e->arg0 = how.flags;
      e->arg1 = how.mode;
      break;
    }
    case CUSTOMS_SETUID:
    case CUSTOMS_SETGID: e->arg0 = a.a0; break;
    case CUSTOMS_SETREUID:
    case CUSTOMS_SETREGID:
      e->arg0 = a.a1; /* the effective id */
      break;
    case CUSTOMS_SETRESUID:
    case CUSTOMS_SETRESGID: e->arg0 = a.a1; break;
    case CUSTOMS_PTRACE:
      e->arg0 = a.a0;
      e->arg1 = a.a1;
      break;
    case CUSTOMS_MOUNT:
      read_user_path(e->path2, &e->path2_len, a.a0); /* source */
      read_user_path(e->path, &e->path_len, a.a1);   /* target */
      e->arg0 = a.a3;
      break;
    case CUSTOMS_INIT_MODULE:
      e->arg0 = a.a1; /* length */
      break;
    case CUSTOMS_FINIT_MODULE:
      e->fd = (__s64)a.a0;
      e->arg0 = a.a2;
      break;
    case CUSTOMS_UNLINK: read_user_path(e->path, &e->path_len, a.a0); break;
    case CUSTOMS_UNLINKAT: read_user_path(e->path, &e->path_len, a.a1); break;
    case CUSTOMS_RENAME:
      read_user_path(e->path, &e->path_len, a.a0);
      read_user_path(e->path2, &e->path2_len, a.a1);
      break;
    case CUSTOMS_RENAMEAT:
    case CUSTOMS_RENAMEAT2:
      read_user_path(e->path, &e->path_len, a.a1);
      read_user_path(e->path2, &e->path2_len, a.a3);
      break;
  }
  submit(e);
  return 0;
}

#define SYSCALL_PAIR(name, type, nargs)                     \
  SEC("tracepoint/syscalls/sys_enter_" #name)               \
  int enter_##name(struct trace_event_raw_sys_enter* ctx) { \
    return enter(ctx, type, nargs);                         \
  }                                                         \
  SEC("tracepoint/syscalls/sys_exit_" #name)                \
  int exit_##name(struct trace_event_raw_sys_exit* ctx) {   \
    return exit_(ctx);                                      \
  }

SYSCALL_PAIR(connect, CUSTOMS_CONNECT, 3)
SYSCALL_PAIR(open, CUSTOMS_OPEN, 3)
SYSCALL_PAIR(openat, CUSTOMS_OPENAT, 4)
SYSCALL_PAIR(openat2, CUSTOMS_OPENAT2, 4)
SYSCALL_PAIR(setuid, CUSTOMS_SETUID, 1)
SYSCALL_PAIR(setgid, CUSTOMS_SETGID, 1)
SYSCALL_PAIR(setreuid, CUSTOMS_SETREUID, 2)
SYSCALL_PAIR(setregid, CUSTOMS_SETREGID, 2)
SYSCALL_PAIR(setresuid, CUSTOMS_SETRESUID, 3)
SYSCALL_PAIR(setresgid, CUSTOMS_SETRESGID, 3)
SYSCALL_PAIR(ptrace, CUSTOMS_PTRACE, 4)
SYSCALL_PAIR(mount, CUSTOMS_MOUNT, 5)
SYSCALL_PAIR(init_module, CUSTOMS_INIT_MODULE, 3)
SYSCALL_PAIR(finit_module, CUSTOMS_FINIT_MODULE, 3)
SYSCALL_PAIR(unlink, CUSTOMS_UNLINK, 1)
SYSCALL_PAIR(unlinkat, CUSTOMS_UNLINKAT, 3)
SYSCALL_PAIR(rename, CUSTOMS_RENAME, 2)
SYSCALL_PAIR(renameat, CUSTOMS_RENAMEAT, 4)
SYSCALL_PAIR(renameat2, CUSTOMS_RENAMEAT2, 5)

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter* ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u8 one = 1;
  bpf_map_update_elem(&execveat_tids, &tid, &one, BPF_ANY);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit* ctx) {
  /* A failed execveat never reaches the exec tracepoint: forget the mark. */
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_delete_elem(&execveat_tids, &tid);
  return 0;
}

/* deny_network: attached to a container's cgroup; every connect fails with EPERM. */
SEC("cgroup/connect4")
int deny_connect4(struct bpf_sock_addr* ctx) {
  return 0;
}

SEC("cgroup/connect6")
int deny_connect6(struct bpf_sock_addr* ctx) {
  return 0;
}
