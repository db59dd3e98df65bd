/* The record the BPF sensor writes to the ring buffer; shared by customs.bpf.c and bpf_source.cpp. */
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
  CUSTOMS_EVENT_TYPE_COUNT,
};

/* flags */
#define CUSTOMS_F_MEMFD 1u
#define CUSTOMS_F_UPPER 2u
#define CUSTOMS_F_KILLED 4u /* bpf_send_signal(SIGKILL) was sent in the exec tracepoint */

/* counters (per-CPU array indexes) */
#define CUSTOMS_STAT_SEEN 0
#define CUSTOMS_STAT_DROPPED 1
#define CUSTOMS_STAT_FILTERED 2
#define CUSTOMS_STAT_COUNT 3

struct customs_event {
  __u64 ts_ns; /* bpf_ktime_get_boot_ns() */
  __u64 cgroup_id;
  __s64 res;
  __u64 arg0; /* open flags, setuid target, ptrace request, mount flags */
  __u64 arg1; /* open mode, ptrace pid */
  __s64 fd;
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
  __u16 port; /* host byte order */
  __u8 addr[16];
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
