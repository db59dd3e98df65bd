// Makes the syscalls some Falco rules watch for that no Debian tool in the test root filesystem makes on demand.
// Built static so it runs inside any test container. Exit status 0 when the syscall was made (its result does not
// matter: the rules look at the attempt).
//   ptrace-traceme          ptrace(PTRACE_TRACEME)
//   ptrace-attach PID       ptrace(PTRACE_ATTACH, PID), then PTRACE_DETACH
//   packet-socket           socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)
//   socket-loop N           N socket(AF_INET, SOCK_DGRAM) + close pairs (the overhead benchmark's workload)
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
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
  if (strcmp(argv[1], "socket-loop") == 0 && argc > 2) {
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) {
      int fd = socket(AF_INET, SOCK_DGRAM, 0);
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
