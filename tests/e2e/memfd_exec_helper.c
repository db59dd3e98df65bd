// Test helper for the runtime e2e tests: copies a program into a memfd and executes it from there (fileless
// execution, as dropped malware does). Usage: memfd_exec_helper PROGRAM [ARGS...]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int in = open(argv[1], O_RDONLY);
  if (in < 0) {
    perror("open");
    return 3;
  }
  int fd = memfd_create("payload", MFD_CLOEXEC);
  if (fd < 0) {
    perror("memfd_create");
    return 4;
  }
  char buffer[65536];
  ssize_t n;
  while ((n = read(in, buffer, sizeof(buffer))) > 0) {
    if (write(fd, buffer, (size_t)n) != n) return 5;
  }
  close(in);
  fexecve(fd, argv + 1, environ);
  perror("fexecve");
  return 6;
}
