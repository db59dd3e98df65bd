#include "tty/terminal.h"

#include <unistd.h>

#include <cstdlib>

namespace customs::cli {

bool IsTerminal(std::FILE* stream) {
  return ::isatty(::fileno(stream)) == 1;
}

bool ColorEnabled(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string(term) == "dumb") return false;
  return IsTerminal(stream);
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(IsTerminal(stderr)) {}

ProgressBar::~ProgressBar() {
  Finish();
}

void ProgressBar::Update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kWidth = 30;
  double mib = static_cast<double>(done) / (1024.0 * 1024.0);
  if (total > 0) {
    double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '-');
    std::fprintf(stderr, "\r%s [%s] %3d%% %.1f MiB", label_.c_str(), bar.c_str(), static_cast<int>(fraction * 100),
                 mib);
  } else {
    std::fprintf(stderr, "\r%s %.1f MiB", label_.c_str(), mib);
  }
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace customs::cli
