/* The record the BPF sensor writes to the ring buffer, and the maps shared with user space; included by
 * customs.bpf.c and bpf_source.cpp. */
#ifndef CUSTOMS_RUNTIME_BPF_CUSTOMS_EVENT_H_
#define CUSTOMS_RUNTIME_BPF_CUSTOMS_EVENT_H_

#define CUSTOMS_PATH_MAX 256
#define CUSTOMS_ARGS_MAX 1024
#define CUSTOMS_COMM_LEN 16

/* Event types: the numeric values of customs::runtime::EventType. */
enum customs_event_type {
  CUSTOMS_EXECVE = 0,
  CUSTOMS_EXECVEAT,
  CUSTOMS_PROCEXIT,
  CUSTOMS_CONNECT,
  CUSTOMS_OPEN,
  CUSTOMS_OPENAT,
  CUSTOMS_OPENAT2,
  CUSTOMS_SETUID,
  CUSTOMS_SETGID,
  CUSTOMS_SETREUID,
  CUSTOMS_SETREGID,
  CUSTOMS_SETRESUID,
  CUSTOMS_SETRESGID,
  CUSTOMS_PTRACE,
  CUSTOMS_MOUNT,
  CUSTOMS_INIT_MODULE,
  CUSTOMS_FINIT_MODULE,
  CUSTOMS_UNLINK,
  CUSTOMS_UNLINKAT,
  CUSTOMS_RENAME,
  CUSTOMS_RENAMEAT,
  CUSTOMS_RENAMEAT2,
  CUSTOMS_ACCEPT,
  CUSTOMS_ACCEPT4,
  CUSTOMS_BIND,
  CUSTOMS_LISTEN,
  CUSTOMS_SOCKET,
  CUSTOMS_DUP,
  CUSTOMS_DUP2,
  CUSTOMS_DUP3,
  CUSTOMS_CLOSE,
  CUSTOMS_CHMOD,
  CUSTOMS_FCHMOD,
  CUSTOMS_FCHMODAT,
  CUSTOMS_MEMFD_CREATE,
  CUSTOMS_SYMLINK,
  CUSTOMS_SYMLINKAT,
  CUSTOMS_LINK,
  CUSTOMS_LINKAT,
  CUSTOMS_SENDTO,
  CUSTOMS_SENDMSG,
  CUSTOMS_RECVFROM,
  CUSTOMS_EVENT_TYPE_COUNT,
  /* Internal to the sensor (not rule event types): a cgroup appeared in or left the unified hierarchy. */
  CUSTOMS_CGROUP_MKDIR = 100,
  CUSTOMS_CGROUP_RMDIR = 101,
};

/* flags */
#define CUSTOMS_F_MEMFD 1u
#define CUSTOMS_F_UPPER 2u
#define CUSTOMS_F_KILLED 4u        /* bpf_send_signal(SIGKILL) was sent in the exec tracepoint */
#define CUSTOMS_F_CONNECTED 8u     /* the socket is connected */
#define CUSTOMS_F_NAME_CHANGED 16u /* this call set the socket's peer (connect, sendto with an address) */
#define CUSTOMS_F_SERVER_LOCAL 32u /* the local end serves (accept, bind, listen) */

/* cgroup_verdict bits: a container's cgroup, and which execs the kernel kills in it (kill_process rules on memfd or
 * upper-layer executables that apply to that container) */
#define CUSTOMS_VERDICT_CONTAINER 1u
#define CUSTOMS_VERDICT_KILL_MEMFD 2u
#define CUSTOMS_VERDICT_KILL_UPPER 4u

/* fd kinds (customs::runtime::FdKind) */
#define CUSTOMS_FD_NONE 0
#define CUSTOMS_FD_FILE 1
#define CUSTOMS_FD_DIRECTORY 2
#define CUSTOMS_FD_IPV4 3
#define CUSTOMS_FD_IPV6 4
#define CUSTOMS_FD_UNIX 5
#define CUSTOMS_FD_PIPE 6
#define CUSTOMS_FD_EVENT 7
#define CUSTOMS_FD_SIGNALFD 8
#define CUSTOMS_FD_EVENTPOLL 9
#define CUSTOMS_FD_INOTIFY 10
#define CUSTOMS_FD_TIMERFD 11
#define CUSTOMS_FD_NETLINK 12
#define CUSTOMS_FD_MEMFD 13
#define CUSTOMS_FD_OTHER 14

/* counters (per-CPU array indexes) */
#define CUSTOMS_STAT_SEEN 0
#define CUSTOMS_STAT_DROPPED 1
#define CUSTOMS_STAT_FILTERED 2
#define CUSTOMS_STAT_DENIED 3 /* connects refused in the kernel by a deny_network rule */
#define CUSTOMS_STAT_COUNT 4

/* Kernel-side connect policy (deny_network rules whose condition the kernel can check): a connect from a cgroup in
 * deny_cgroups is refused when one of the terms of a rule that applies to that cgroup holds. A term holds when the
 * destination address's set bits (deny_net4/6, longest prefix) and the port's set bits (deny_ports) contain every
 * `must` bit and no `must_not` bit. */
#define CUSTOMS_DENY_TERMS_MAX 32
struct customs_deny_term {
  __u64 rule; /* the rule's bit; 0 ends the list */
  __u64 ip_must;
  __u64 ip_must_not;
  __u64 port_must;
  __u64 port_must_not;
};
struct customs_deny_key4 {
  __u32 prefixlen;
  __u8 addr[4];
};
struct customs_deny_key6 {
  __u32 prefixlen;
  __u8 addr[16];
};

struct customs_event {
  __u64 ts_ns; /* bpf_ktime_get_boot_ns() */
  __u64 cgroup_id;
  __s64 res;
  __u64 arg0; /* open flags, setuid target, ptrace request, mount flags, socket domain, dup2 new fd */
  __u64 arg1; /* open mode, ptrace pid, socket type */
  __u64 arg2; /* socket protocol */
  __s64 fd;
  __u64 proc_start_ns;       /* boot clock */
  __u64 pidns_init_start_ns; /* boot clock */
  __u64 cap_effective;
  __u64 cap_permitted;
  __u64 cap_inheritable;
  __u32 pidns_init_pid;
  __u32 type;
  __u32 pid;
  __u32 tid;
  __u32 ppid;
  __u32 uid;
  __u32 gid;
  __u32 loginuid;
  __u32 tty;
  __u32 flags;
  __u16 family;
  __u16 port;  /* remote, host byte order */
  __u16 lport; /* local, host byte order */
  __u8 fd_kind;
  __u8 l4proto;
  __u8 addr[16];  /* remote */
  __u8 laddr[16]; /* local */
  __u16 path_len;
  __u16 path2_len;
  __u16 args_len;
  __u16 pad;
  char comm[CUSTOMS_COMM_LEN];
  char path[CUSTOMS_PATH_MAX];
  char path2[CUSTOMS_PATH_MAX];
  char args[CUSTOMS_ARGS_MAX];
};

#endif
