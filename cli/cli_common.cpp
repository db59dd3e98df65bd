#include "cli_common.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "commands.h"
#include "core/file_util.h"

namespace customs::cli {

namespace {
std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}
}  // namespace

int UsageError(std::string_view message) {
  std::fprintf(stderr, "customs: %s\n", OneLine(message).c_str());
  return kExitUsage;
}

int Failure(const Error& error) {
  std::fprintf(stderr, "customs: error: %s\n", OneLine(error.message()).c_str());
  return kExitFailure;
}

int Emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  if (auto written = WriteFileAtomic(output, text); !written) return Failure(written.error());
  return kExitOk;
}

std::string TimestampFromEnvironment() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return {};
  char* end = nullptr;
  long long seconds = std::strtoll(epoch, &end, 10);
  if (*end != '\0' || seconds < 0) return {};
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace customs::cli
