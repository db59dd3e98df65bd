// Fuzzes the streaming zip reader: the input is pushed in chunks whose sizes come from its first byte, and every
// entry is read (so stored, deflated, data-descriptor and ZIP64 paths all run).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/lang/zip_stream.h"

namespace {
class ReadAll final : public customs::catalog::lang::ZipEntrySink {
 public:
  bool StartEntry(const customs::catalog::lang::ZipEntryInfo& entry) override { return !entry.name.empty(); }
  void EntryData(std::string_view data) override { bytes_ += data.size(); }
  void EndEntry(bool) override {}

 private:
  std::size_t bytes_ = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + (data[0] % 64) * 97;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReadAll sink;
  customs::catalog::lang::ZipBudget budget{64 << 20, 10000, false};
  customs::catalog::lang::ZipStreamReader reader(&sink, &budget);
  while (!input.empty()) {
    const std::size_t n = input.size() < chunk ? input.size() : chunk;
    reader.Feed(input.substr(0, n));
    input.remove_prefix(n);
  }
  reader.Finish();
  return 0;
}
