// Fuzzes the outer-archive tar indexer (docker-archive / oci-archive): arbitrary bytes must give an index or an
// error, never a crash or an unbounded allocation.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "image/tar_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  char path[] = "/tmp/customs-fuzz-tar-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  std::size_t written = 0;
  while (written < size) {
    ssize_t n = write(fd, data + written, size - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(fd);
  auto index = customs::image::TarIndex::Build(path);
  if (index) {
    for (const auto& [name, member] : index->members()) (void)index->Find(name);
  }
  unlink(path);
  return 0;
}
