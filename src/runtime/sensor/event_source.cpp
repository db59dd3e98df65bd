#include "runtime/sensor/event_source.h"

#include <cerrno>
#include <cstring>

namespace customs::runtime {

Result<std::unique_ptr<ReplaySource>> ReplaySource::Open(const std::string& path, Diagnostics& diagnostics) {
  FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    return MakeError(ErrorCode::kNotFound, "cannot open {}: {}", path, std::strerror(errno));
  }
  return std::unique_ptr<ReplaySource>(new ReplaySource(file, path, diagnostics));
}

ReplaySource::~ReplaySource() {
  if (file_ != nullptr && file_ != stdin) {
    std::fclose(file_);
  }
}

Result<bool> ReplaySource::Poll(const EventHandler& handler, int) {
  // Deliver in batches so a caller's stop flag and --duration are honoured during long replays.
  char* buffer = nullptr;
  size_t capacity = 0;
  for (int batch = 0; batch < 4096; ++batch) {
    ssize_t length = getline(&buffer, &capacity, file_);
    if (length < 0) {
      std::free(buffer);
      return false;
    }
    ++line_number_;
    std::string_view line(buffer, static_cast<size_t>(length));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    auto status = EventFromJson(line, event_);
    if (!status) {
      diagnostics_.Warn("runtime/replay", fmt::format("{}:{}", path_, line_number_), status.error().message());
      continue;
    }
    ++stats_.seen;
    event_.num = stats_.seen;
    handler(event_);
  }
  std::free(buffer);
  return true;
}

}  // namespace customs::runtime
