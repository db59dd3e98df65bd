// Makes the syscalls some Falco rules watch for that no Debian tool in the test root filesystem makes on demand.
// Built static so it runs inside any test container. Exit status 0 when the syscall was made (its result does not
// matter: the rules look at the attempt).
//   ptrace-traceme          ptrace(PTRACE_TRACEME)
//   ptrace-attach PID       ptrace(PTRACE_ATTACH, PID), then PTRACE_DETACH
//   packet-socket           socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)
//   loopback6-connect PORT  in a network namespace of its own (loopback only, so nothing can leave the machine):
//                           lo up, a listener on [::1]:PORT, one TCP connect to it (installed as .../ssh, this is an
//                           SSH client on a non-standard port to Falco: ::1 is neither 127.0.0.0/8 nor RFC 1918)
// The overhead benchmark's workloads (bench/runtime_container_overhead.sh):
//   exec-loop N             N fork + exec of /bin/true, each waited for
//   open-loop N             N open("/etc/hostname") + close
//   connect-loop N          N TCP connects to 127.0.0.1:9 (refused) + close
//   open-rate RATE SECONDS  about RATE opens per second for SECONDS (in 10 ms batches)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s COMMAND [ARGS] (see the comment at the top)\n", argv[0]);
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
  if (strcmp(argv[1], "loopback6-connect") == 0 && argc > 2) {
    if (unshare(CLONE_NEWNET) != 0) {
      perror("unshare(CLONE_NEWNET)");
      return 1;
    }
    int control = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if (control < 0 || ioctl(control, SIOCSIFFLAGS, &ifr) != 0) {
      perror("lo up");
      return 1;
    }
    close(control);
    struct sockaddr_in6 addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons((unsigned short)atoi(argv[2]));
    addr.sin6_addr = in6addr_loopback;
    int server = socket(AF_INET6, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (server < 0 || bind(server, (struct sockaddr*)&addr, sizeof(addr)) != 0 || listen(server, 1) != 0) {
      perror("listen on [::1]");
      return 1;
    }
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int r = connect(fd, (struct sockaddr*)&addr, sizeof(addr));
    printf("connect([::1]:%s) = %d\n", argv[2], r);
    close(fd);
    close(server);
    return r == 0 ? 0 : 1;
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
