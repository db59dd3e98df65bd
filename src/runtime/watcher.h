// The event loop of `customs watch`: events from a source -> rules -> alerts and actions. Single-threaded; the
// sinks must not block (the webhook sink queues).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>

#include "runtime/actions/actions.h"
#include "runtime/actions/alert.h"
#include "runtime/rules/rules.h"
#include "runtime/sensor/event_source.h"

namespace customs::runtime {

struct WatchOptions {
  bool enforce = false;      // without it, actions other than alert are reported as dry run
  int64_t duration_ms = -1;  // stop after this long (-1: until stopped or the source is exhausted)
  FILE* record = nullptr;    // --record: every event as JSONL
  int poll_timeout_ms = 1;   // how long a Poll may wait (the ~1 ms consume loop)
  // Called with every event before the rules (customs watch --usage-out); on the event loop's thread, so it must be
  // cheap and must not block.
  std::function<void(const Event&)> observe;
};

struct WatchStats {
  uint64_t events = 0;
  uint64_t alerts = 0;
  uint64_t actions = 0;
  SourceStats source;
};

class Watcher {
 public:
  // `executor` is used only for actions other than alert when enforcing; otherwise DryRunExecutor is used.
  Watcher(const RuleSet& rules, EventSource& source, AlertSink& sink, ActionExecutor& executor, WatchOptions options)
      : rules_(rules), source_(source), sink_(sink), executor_(executor), options_(options) {}

  // Runs until `stop` is set, the duration passes, or the source is exhausted.
  [[nodiscard]] Status Run(const std::atomic<bool>& stop);
  WatchStats stats() const { return stats_; }

 private:
  void OnEvent(Event& event);
  void CheckDrops();
  const RuleSet& rules_;
  EventSource& source_;
  AlertSink& sink_;
  ActionExecutor& executor_;
  DryRunExecutor dry_run_;
  WatchOptions options_;
  WatchStats stats_;
  uint64_t reported_drops_ = 0;
};

}  // namespace customs::runtime
