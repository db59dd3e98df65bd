// Replays a fuzz corpus under the normal (non-libFuzzer) build: every file below the given paths is fed to
// LLVMFuzzerTestOneInput once. A crash or sanitizer report fails the CTest case; an empty corpus is an error too,
// so a missing corpus never passes silently.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    std::filesystem::path root(argv[i]);
    if (std::filesystem::is_regular_file(root)) {
      files.push_back(root);
    } else if (std::filesystem::is_directory(root)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      std::fprintf(stderr, "replay: %s: no such corpus\n", argv[i]);
      return 1;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "replay: empty corpus\n");
    return 1;
  }
  std::printf("replayed %zu inputs\n", count);
  return 0;
}
