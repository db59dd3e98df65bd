// Makes the syscalls some Falco rules watch for that no Debian tool in the test root filesystem makes on demand.
// Built static so it runs inside any test container. Exit status 0 when the syscall was made (its result does not
// matter: the rules look at the attempt).
//   ptrace-traceme          ptrace(PTRACE_TRACEME)
//   ptrace-attach PID       ptrace(PTRACE_ATTACH, PID), then PTRACE_DETACH
//   packet-socket           socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)
// The overhead benchmark's workloads (bench/runtime_container_overhead.sh):
//   exec-loop N             N fork + exec of /bin/true, each waited for
//   open-loop N             N open("/etc/hostname") + close
//   connect-loop N          N TCP connects to 127.0.0.1:9 (refused) + close
//   open-rate RATE SECONDS  about RATE opens per second for SECONDS (in 10 ms batches)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ptrace-traceme | ptrace-attach PID | packet-socket | socket-loop N\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[1], "ptrace-traceme") == 0) {
    long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    printf("ptrace(PTRACE_TRACEME) = %ld\n", r);
    return 0;
  }
  if (strcmp(argv[1], "ptrace-attach") == 0 && argc > 2) {
    pid_t pid = (pid_t)atoi(argv[2]);
    long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
    printf("ptrace(PTRACE_ATTACH, %d) = %ld\n", pid, r);
    if (r == 0) {
      waitpid(pid, NULL, 0);
      ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    return 0;
  }
  if (strcmp(argv[1], "packet-socket") == 0) {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
    printf("socket(AF_PACKET) = %d\n", fd);
    if (fd >= 0) close(fd);
    return 0;
  }
  if (strcmp(argv[1], "exec-loop") == 0 && argc > 2) {
    long n = atol(argv[2]);
    char* child[] = {"/bin/true", NULL};
    for (long i = 0; i < n; i++) {
      pid_t pid;
      if (posix_spawn(&pid, "/bin/true", NULL, NULL, child, NULL) == 0) waitpid(pid, NULL, 0);
    }
    return 0;
  }
  if (strcmp(argv[1], "open-loop") == 0 && argc > 2) {
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) {
      int fd = open("/etc/hostname", O_RDONLY);
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  if (strcmp(argv[1], "connect-loop") == 0 && argc > 2) {
    long n = atol(argv[2]);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (long i = 0; i < n; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0) continue;
      connect(fd, (struct sockaddr*)&addr, sizeof(addr));
      close(fd);
    }
    return 0;
  }
  if (strcmp(argv[1], "open-rate") == 0 && argc > 3) {
    long rate = atol(argv[2]);
    double seconds = atof(argv[3]);
    long batch = rate / 100;
    struct timespec start, now, next;
    clock_gettime(CLOCK_MONOTONIC, &start);
    next = start;
    long total = 0;
    while (1) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      if ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds) break;
      for (long i = 0; i < batch; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) close(fd);
      }
      total += batch;
      next.tv_nsec += 10 * 1000 * 1000;
      if (next.tv_nsec >= 1000000000) {
        next.tv_sec += 1;
        next.tv_nsec -= 1000000000;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    printf("%ld opens\n", total);
    return 0;
  }
  fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
