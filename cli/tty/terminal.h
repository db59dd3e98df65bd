// Terminal facts and smart output for the CLI (the library never prints). Colour only on a terminal and never when
// NO_COLOR is set (https://no-color.org); progress only on a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace customs::cli {

bool IsTerminal(std::FILE* stream);
// True when `stream` is a terminal and NO_COLOR is unset or empty.
bool ColorEnabled(std::FILE* stream);

// A one-line progress bar on stderr, redrawn at most every 100 ms; does nothing when stderr is not a terminal.
// Thread-safe: Update may be called from worker threads.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void Update(std::uint64_t done, std::uint64_t total);
  void Finish();

 private:
  std::string label_;
  bool enabled_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace customs::cli
