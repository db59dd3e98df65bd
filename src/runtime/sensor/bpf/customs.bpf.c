// SPDX-License-Identifier: GPL-2.0
// customs kernel sensor. Tracepoints only (kprobes/fentry/LSM do not work on the target kernel): tp_btf for
// sched_process_exec/exit and cgroup_mkdir/rmdir, syscalls/sys_enter_* + sys_exit_* for the rest, cgroup/connect4|6
// for deny_network (a deny-all program per container, and a policy program at the root of the unified hierarchy).
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
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SS_CONNECTED 3
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFIFO 0010000

const volatile __u32 self_tgid = 0;
const volatile __u8 include_host = 0;

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

/* cgroup id -> CUSTOMS_VERDICT_* bits (0: host). Unknown ids pass so user space can classify them and fill the map. */
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

/* deny_network policy in the kernel (see customs_event.h). */
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 262144);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct customs_deny_key4);
  __type(value, __u64);
} deny_net4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 262144);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct customs_deny_key6);
  __type(value, __u64);
} deny_net6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u16);
  __type(value, __u64);
} deny_ports SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, CUSTOMS_DENY_TERMS_MAX);
  __type(key, __u32);
  __type(value, struct customs_deny_term);
} deny_terms SEC(".maps");

/* cgroup id -> bit mask of the rules (deny_terms[].rule) that apply to it. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u64);
  __type(value, __u64);
} deny_cgroups SEC(".maps");

struct pidns_init {
  __u64 start_ns;
  __u32 pid;
};

/* cgroup id -> the init of its processes' pid namespace (see reserve()). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct pidns_init);
} pidns_inits SEC(".maps");

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
  if (verdict && !(*verdict & CUSTOMS_VERDICT_CONTAINER)) return 0;
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
  e->arg0 = e->arg1 = e->arg2 = 0;
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
  e->lport = 0;
  e->fd_kind = CUSTOMS_FD_NONE;
  e->l4proto = 0;
  __builtin_memset(e->addr, 0, sizeof(e->addr));
  __builtin_memset(e->laddr, 0, sizeof(e->laddr));
  e->proc_start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
  /* cap_inheritable, cap_permitted and cap_effective are adjacent in struct cred: one read for the three. */
  const struct cred* cred = BPF_CORE_READ(task, cred);
  __u64 caps[3] = {};
  bpf_probe_read_kernel(caps, sizeof(caps), &cred->cap_inheritable);
  e->cap_inheritable = caps[0];
  e->cap_permitted = caps[1];
  e->cap_effective = caps[2];
  /* The init of the task's pid namespace: the container's init (its pid and start identify the instance). Cached per
   * cgroup: a restarted container gets a new cgroup, and walking the namespace costs five reads per event. Only a
   * task in a child namespace fills the cache: the runtime's first stage (runc init before it clones into the new
   * namespace) already sits in the container's cgroup, and caching the host's init for it would give every instance
   * of a restarted container the same key. */
  struct pidns_init* init = bpf_map_lookup_elem(&pidns_inits, &cgroup_id);
  if (init) {
    e->pidns_init_pid = init->pid;
    e->pidns_init_start_ns = init->start_ns;
  } else {
    struct pidns_init found = {};
    struct pid* tpid = BPF_CORE_READ(task, thread_pid);
    unsigned int level = BPF_CORE_READ(tpid, level);
    struct upid upid = {};
    if (bpf_probe_read_kernel(&upid, sizeof(upid), &tpid->numbers[level & 31]) == 0 && upid.ns) {
      struct task_struct* reaper = BPF_CORE_READ(upid.ns, child_reaper);
      if (reaper) {
        found.pid = BPF_CORE_READ(reaper, tgid);
        found.start_ns = BPF_CORE_READ(reaper, start_boottime);
        if (level > 0) bpf_map_update_elem(&pidns_inits, &cgroup_id, &found, BPF_ANY);
      }
    }
    e->pidns_init_pid = found.pid;
    e->pidns_init_start_ns = found.start_ns;
  }
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
  __u8 bits = verdict ? *verdict : 0;
  if ((bits & CUSTOMS_VERDICT_CONTAINER) && (((bits & CUSTOMS_VERDICT_KILL_MEMFD) && (e->flags & CUSTOMS_F_MEMFD)) ||
                                             ((bits & CUSTOMS_VERDICT_KILL_UPPER) && (e->flags & CUSTOMS_F_UPPER)))) {
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

/* ---- syscalls: one program at the exit, with the result; the arguments are still in the task's saved user
 * registers (x86-64 keeps rdi, rsi, rdx, r10, r8 across the call), so no entry program and no per-thread map are
 * needed. ---- */

static __always_inline void read_user_path(char* dst, __u16* len, __u64 ptr) {
  long n = bpf_probe_read_user_str(dst, CUSTOMS_PATH_MAX, (const void*)ptr);
  *len = n > 0 ? n - 1 : 0;
  if (n <= 0) dst[0] = 0;
}

/* A sockaddr from user memory into the remote (or, for bind, the local) endpoint. */
static __always_inline void read_sockaddr(struct customs_event* e, __u64 ptr, int local) {
  __u16 family = 0;
  if (!ptr || bpf_probe_read_user(&family, sizeof(family), (void*)ptr) != 0) return;
  if (family == AF_INET) {
    struct sockaddr_in sin = {};
    bpf_probe_read_user(&sin, sizeof(sin), (void*)ptr);
    e->family = AF_INET;
    if (local) {
      e->lport = __builtin_bswap16(sin.sin_port);
      __builtin_memcpy(e->laddr, &sin.sin_addr.s_addr, 4);
    } else {
      e->port = __builtin_bswap16(sin.sin_port);
      __builtin_memcpy(e->addr, &sin.sin_addr.s_addr, 4);
    }
  } else if (family == AF_INET6) {
    struct sockaddr_in6 sin6 = {};
    bpf_probe_read_user(&sin6, sizeof(sin6), (void*)ptr);
    e->family = AF_INET6;
    if (local) {
      e->lport = __builtin_bswap16(sin6.sin6_port);
      __builtin_memcpy(e->laddr, &sin6.sin6_addr, 16);
    } else {
      e->port = __builtin_bswap16(sin6.sin6_port);
      __builtin_memcpy(e->addr, &sin6.sin6_addr, 16);
    }
  } else if (family == AF_UNIX) {
    e->family = AF_UNIX;
  }
}

/* The file behind `fd` in the current task's fd table, or 0. */
static __always_inline struct file* fd_file(long fd) {
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  unsigned int max_fds = BPF_CORE_READ(fdt, max_fds);
  if (fd < 0 || fd >= max_fds) return 0;
  struct file** fds = BPF_CORE_READ(fdt, fd);
  struct file* file = 0;
  bpf_probe_read_kernel(&file, sizeof(file), &fds[fd & 0xfffff]);
  return file;
}

/* Describes `fd` from the kernel's fd table: its kind, and for sockets the family, protocol, both endpoints and
 * whether it is connected. Endpoints already taken from the syscall's arguments are kept. */
static __noinline void fill_fd_info(struct customs_event* e, long fd) {
  struct file* file = fd_file(fd);
  if (!file) return;
  struct inode* inode = BPF_CORE_READ(file, f_inode);
  __u16 mode = BPF_CORE_READ(inode, i_mode);
  __u32 fmt = mode & S_IFMT;
  if (fmt == S_IFSOCK) {
    struct socket* sock = BPF_CORE_READ(file, private_data);
    struct sock* sk = BPF_CORE_READ(sock, sk);
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    __u16 type = BPF_CORE_READ(sock, type);
    __u16 protocol = BPF_CORE_READ(sk, sk_protocol);
    if (BPF_CORE_READ(sock, state) == SS_CONNECTED) e->flags |= CUSTOMS_F_CONNECTED;
    if (family == AF_INET || family == AF_INET6) {
      e->fd_kind = family == AF_INET ? CUSTOMS_FD_IPV4 : CUSTOMS_FD_IPV6;
      e->l4proto = type == SOCK_RAW ? 255 : (__u8)protocol;
      e->family = family;
      __u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
      __u16 rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
      if (e->lport == 0) e->lport = lport;
      if (e->port == 0 && rport != 0) {
        e->port = rport;
        if (family == AF_INET) {
          __u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
          __builtin_memcpy(e->addr, &daddr, 4);
        } else {
          BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_daddr);
        }
      }
      if (family == AF_INET) {
        __u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        if (saddr) __builtin_memcpy(e->laddr, &saddr, 4);
      } else {
        BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
      }
    } else if (family == AF_UNIX) {
      e->fd_kind = CUSTOMS_FD_UNIX;
      e->family = AF_UNIX;
    } else if (family == AF_NETLINK) {
      e->fd_kind = CUSTOMS_FD_NETLINK;
    } else {
      e->fd_kind = CUSTOMS_FD_OTHER;
    }
    return;
  }
  if (fmt == S_IFIFO) {
    e->fd_kind = CUSTOMS_FD_PIPE;
    return;
  }
  if (fmt == S_IFDIR) {
    e->fd_kind = CUSTOMS_FD_DIRECTORY;
    return;
  }
  /* anon inodes and memfds are told apart by their dentry name ("[eventfd]", "memfd:x", "inotify") */
  char name[12] = {};
  bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name));
  if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':') {
    e->fd_kind = CUSTOMS_FD_MEMFD;
  } else if (name[0] == '[' && name[1] == 'e' && name[2] == 'v' && name[3] == 'e' && name[4] == 'n' && name[5] == 't' &&
             name[6] == 'f') {
    e->fd_kind = CUSTOMS_FD_EVENT;
  } else if (name[0] == '[' && name[1] == 'e' && name[2] == 'v' && name[3] == 'e' && name[4] == 'n' && name[5] == 't' &&
             name[6] == 'p') {
    e->fd_kind = CUSTOMS_FD_EVENTPOLL;
  } else if (name[0] == '[' && name[1] == 's' && name[2] == 'i' && name[3] == 'g') {
    e->fd_kind = CUSTOMS_FD_SIGNALFD;
  } else if (name[0] == '[' && name[1] == 't' && name[2] == 'i' && name[3] == 'm') {
    e->fd_kind = CUSTOMS_FD_TIMERFD;
  } else if (name[0] == 'i' && name[1] == 'n' && name[2] == 'o' && name[3] == 't') {
    e->fd_kind = CUSTOMS_FD_INOTIFY;
  } else if (fmt == S_IFREG || fmt == 0020000 /* S_IFCHR */ || fmt == 0060000 /* S_IFBLK */) {
    e->fd_kind = CUSTOMS_FD_FILE;
  } else {
    e->fd_kind = CUSTOMS_FD_OTHER;
  }
}

static __always_inline int exit_(struct trace_event_raw_sys_exit* ctx, __u32 type) {
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  if (!wanted(cgroup_id)) {
    count(CUSTOMS_STAT_FILTERED);
    return 0;
  }
  struct pt_regs* regs = (struct pt_regs*)bpf_task_pt_regs(bpf_get_current_task_btf());
  struct syscall_args a = {};
  a.type = type;
  a.a0 = BPF_CORE_READ(regs, di);
  a.a1 = BPF_CORE_READ(regs, si);
  a.a2 = BPF_CORE_READ(regs, dx);
  a.a3 = BPF_CORE_READ(regs, r10);
  a.a4 = BPF_CORE_READ(regs, r8);
  /* sendto/sendmsg/recvfrom are frequent: keep only the calls that name a peer address (an unconnected socket
   * talking to a new destination, Falco's fd.name_changed). */
  if ((type == CUSTOMS_SENDTO || type == CUSTOMS_RECVFROM) && a.a4 == 0) return 0;
  if (type == CUSTOMS_SENDMSG) {
    void* name = 0;
    bpf_probe_read_user(&name, sizeof(name), &((struct user_msghdr*)a.a1)->msg_name);
    if (!name) return 0;
    a.a4 = (__u64)name;
  }
  long ret = ctx->ret;
  /* sendto/sendmsg on a TCP socket: the peer is fixed; not the event Falco's rules look for. */
  if (a.type == CUSTOMS_SENDTO || a.type == CUSTOMS_SENDMSG) {
    struct file* file = fd_file((long)a.a0);
    if (file) {
      struct socket* sock = BPF_CORE_READ(file, private_data);
      if (BPF_CORE_READ(sock, type) == SOCK_STREAM) return 0;
    }
  }
  struct customs_event* e = reserve(a.type, cgroup_id);
  if (!e) return 0;
  e->res = ret;
  switch (a.type) {
    case CUSTOMS_CONNECT:
      e->fd = (__s64)a.a0;
      read_sockaddr(e, a.a1, 0);
      if (e->family != AF_INET && e->family != AF_INET6) {
        bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP); /* unix sockets etc.: not a network connect */
        return 0;
      }
      e->flags |= CUSTOMS_F_NAME_CHANGED;
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_ACCEPT:
    case CUSTOMS_ACCEPT4:
      e->fd = (__s64)a.a0;
      e->flags |= CUSTOMS_F_SERVER_LOCAL;
      if (a.type == CUSTOMS_ACCEPT4) e->arg0 = a.a3;
      if (ret >= 0) fill_fd_info(e, ret);
      break;
    case CUSTOMS_BIND:
      e->fd = (__s64)a.a0;
      e->flags |= CUSTOMS_F_SERVER_LOCAL;
      read_sockaddr(e, a.a1, 1);
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_LISTEN:
      e->fd = (__s64)a.a0;
      e->arg0 = a.a1;
      e->flags |= CUSTOMS_F_SERVER_LOCAL;
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_SOCKET:
      e->arg0 = a.a0;
      e->arg1 = a.a1;
      e->arg2 = a.a2;
      if (ret >= 0) fill_fd_info(e, ret);
      break;
    case CUSTOMS_DUP:
    case CUSTOMS_DUP2:
    case CUSTOMS_DUP3:
      e->fd = (__s64)a.a0;
      if (a.type != CUSTOMS_DUP) e->arg0 = a.a1;
      if (a.type == CUSTOMS_DUP3) e->arg1 = a.a2;
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_CLOSE: e->fd = (__s64)a.a0; break;
    case CUSTOMS_CHMOD:
      read_user_path(e->path, &e->path_len, a.a0);
      e->arg1 = a.a1;
      e->arg2 = (__u64)(-100); /* AT_FDCWD */
      break;
    case CUSTOMS_FCHMODAT:
      read_user_path(e->path, &e->path_len, a.a1);
      e->arg1 = a.a2;
      e->arg2 = a.a0;
      break;
    case CUSTOMS_FCHMOD:
      e->fd = (__s64)a.a0;
      e->arg1 = a.a1;
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_MEMFD_CREATE:
      read_user_path(e->path, &e->path_len, a.a0);
      e->arg0 = a.a1;
      break;
    case CUSTOMS_SYMLINK:
      read_user_path(e->path, &e->path_len, a.a0);
      read_user_path(e->path2, &e->path2_len, a.a1);
      e->arg2 = (__u64)(-100);
      break;
    case CUSTOMS_SYMLINKAT:
      read_user_path(e->path, &e->path_len, a.a0);
      read_user_path(e->path2, &e->path2_len, a.a2);
      e->arg2 = a.a1;
      break;
    case CUSTOMS_LINK:
      read_user_path(e->path, &e->path_len, a.a0);
      read_user_path(e->path2, &e->path2_len, a.a1);
      break;
    case CUSTOMS_LINKAT:
      read_user_path(e->path, &e->path_len, a.a1);
      read_user_path(e->path2, &e->path2_len, a.a3);
      e->arg0 = a.a4;
      break;
    case CUSTOMS_SENDTO:
    case CUSTOMS_SENDMSG:
    case CUSTOMS_RECVFROM:
      e->fd = (__s64)a.a0;
      read_sockaddr(e, a.a4, 0);
      if (a.type != CUSTOMS_RECVFROM) e->flags |= CUSTOMS_F_NAME_CHANGED;
      fill_fd_info(e, (long)a.a0);
      break;
    case CUSTOMS_OPEN:
      read_user_path(e->path, &e->path_len, a.a0);
      e->arg0 = a.a1;
      e->arg1 = a.a2;
      e->arg2 = (__u64)(-100);
      break;
    case CUSTOMS_OPENAT:
      read_user_path(e->path, &e->path_len, a.a1);
      e->arg0 = a.a2;
      e->arg1 = a.a3;
      e->arg2 = a.a0;
      break;
    case CUSTOMS_OPENAT2: {
      read_user_path(e->path, &e->path_len, a.a1);
      struct open_how how = {};
      bpf_probe_read_user(&how, sizeof(how), (void*)a.a2);
      e->arg0 = how.flags;
      e->arg1 = how.mode;
      e->arg2 = a.a0;
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
    case CUSTOMS_UNLINKAT:
      read_user_path(e->path, &e->path_len, a.a1);
      e->arg2 = a.a0;
      break;
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

#define SYSCALL_PAIR(name, type, nargs)                   \
  SEC("tracepoint/syscalls/sys_exit_" #name)              \
  int exit_##name(struct trace_event_raw_sys_exit* ctx) { \
    return exit_(ctx, type);                              \
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
SYSCALL_PAIR(accept, CUSTOMS_ACCEPT, 3)
SYSCALL_PAIR(accept4, CUSTOMS_ACCEPT4, 4)
SYSCALL_PAIR(bind, CUSTOMS_BIND, 3)
SYSCALL_PAIR(listen, CUSTOMS_LISTEN, 2)
SYSCALL_PAIR(socket, CUSTOMS_SOCKET, 3)
SYSCALL_PAIR(dup, CUSTOMS_DUP, 1)
SYSCALL_PAIR(dup2, CUSTOMS_DUP2, 2)
SYSCALL_PAIR(dup3, CUSTOMS_DUP3, 3)
SYSCALL_PAIR(close, CUSTOMS_CLOSE, 1)
SYSCALL_PAIR(chmod, CUSTOMS_CHMOD, 2)
SYSCALL_PAIR(fchmod, CUSTOMS_FCHMOD, 2)
SYSCALL_PAIR(fchmodat, CUSTOMS_FCHMODAT, 3)
SYSCALL_PAIR(memfd_create, CUSTOMS_MEMFD_CREATE, 2)
SYSCALL_PAIR(symlink, CUSTOMS_SYMLINK, 2)
SYSCALL_PAIR(symlinkat, CUSTOMS_SYMLINKAT, 3)
SYSCALL_PAIR(link, CUSTOMS_LINK, 2)
SYSCALL_PAIR(linkat, CUSTOMS_LINKAT, 5)
SYSCALL_PAIR(sendto, CUSTOMS_SENDTO, 5)
SYSCALL_PAIR(sendmsg, CUSTOMS_SENDMSG, 3)
SYSCALL_PAIR(recvfrom, CUSTOMS_RECVFROM, 5)

/* ---- cgroups: the sensor learns of a container's cgroup when it is made, before any process runs in it ---- */

static __always_inline int cgroup_event(__u32 type, struct cgroup* cgrp, const char* path) {
  /* The unified (v2) hierarchy only: the ids bpf_get_current_cgroup_id() returns. */
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0;
  __u64 id = BPF_CORE_READ(cgrp, kn, id);
  if (type == CUSTOMS_CGROUP_RMDIR) bpf_map_delete_elem(&pidns_inits, &id);
  struct customs_event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    count(CUSTOMS_STAT_DROPPED);
    return 0;
  }
  e->type = type;
  e->ts_ns = bpf_ktime_get_boot_ns();
  e->cgroup_id = id;
  long n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
  e->path_len = n > 0 ? n - 1 : 0;
  e->path2_len = 0;
  e->args_len = 0;
  submit(e);
  return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup* cgrp, const char* path) {
  return cgroup_event(CUSTOMS_CGROUP_MKDIR, cgrp, path);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup* cgrp, const char* path) {
  return cgroup_event(CUSTOMS_CGROUP_RMDIR, cgrp, path);
}

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

/* deny_network rules checked before the connect happens (attached at the root of the unified hierarchy). Returns 0
 * (EPERM, nothing is sent) when a term of a rule that applies to the caller's cgroup holds. */
static __always_inline int policy_verdict(__u64 ip_bits, __u16 port) {
  __u64 cgroup_id = bpf_get_current_cgroup_id();
  __u64* rules = bpf_map_lookup_elem(&deny_cgroups, &cgroup_id);
  if (!rules || *rules == 0) return 1;
  __u64 port_bits = 0;
  __u64* p = bpf_map_lookup_elem(&deny_ports, &port);
  if (p) port_bits = *p;
    /* Unrolled: the map key lives on the stack, where the verifier cannot follow a loop counter. */
#pragma clang loop unroll(full)
  for (__u32 i = 0; i < CUSTOMS_DENY_TERMS_MAX; i++) {
    __u32 key = i;
    struct customs_deny_term* term = bpf_map_lookup_elem(&deny_terms, &key);
    if (!term || term->rule == 0) break;
    if (!(term->rule & *rules)) continue;
    if ((ip_bits & term->ip_must) != term->ip_must || (ip_bits & term->ip_must_not) != 0) continue;
    if ((port_bits & term->port_must) != term->port_must || (port_bits & term->port_must_not) != 0) continue;
    count(CUSTOMS_STAT_DENIED);
    return 0;
  }
  return 1;
}

SEC("cgroup/connect4")
int policy_connect4(struct bpf_sock_addr* ctx) {
  struct customs_deny_key4 key = {.prefixlen = 32};
  __u32 ip = ctx->user_ip4;
  __builtin_memcpy(key.addr, &ip, 4);
  __u64* bits = bpf_map_lookup_elem(&deny_net4, &key);
  return policy_verdict(bits ? *bits : 0, __builtin_bswap16((__u16)ctx->user_port));
}

SEC("cgroup/connect6")
int policy_connect6(struct bpf_sock_addr* ctx) {
  struct customs_deny_key6 key = {.prefixlen = 128};
  __u32 ip[4];
  ip[0] = ctx->user_ip6[0];
  ip[1] = ctx->user_ip6[1];
  ip[2] = ctx->user_ip6[2];
  ip[3] = ctx->user_ip6[3];
  __builtin_memcpy(key.addr, ip, 16);
  __u64* bits = bpf_map_lookup_elem(&deny_net6, &key);
  return policy_verdict(bits ? *bits : 0, __builtin_bswap16((__u16)ctx->user_port));
}
