#include "runtime/watcher.h"

#include <chrono>

namespace customs::runtime {

void Watcher::OnEvent(Event& event) {
  ++stats_.events;
  if (options_.observe) {
    options_.observe(event);
  }
  if (options_.record != nullptr) {
    std::string line = EventToJson(event);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), options_.record);
  }
  rules_.Match(event, [&](const Rule& rule) {
    ++stats_.alerts;
    Alert alert = MakeAlert(rule, event);
    // Network first (no further connect while the rest happens), then the kills.
    for (Action action : {Action::kDenyNetwork, Action::kKillProcess, Action::kKillContainer}) {
      if (!rule.HasAction(action)) {
        continue;
      }
      ++stats_.actions;
      alert.actions.push_back(options_.enforce ? executor_.Execute(action, event) : dry_run_.Execute(action, event));
    }
    sink_.Write(alert);
  });
}

void Watcher::CheckDrops() {
  SourceStats stats = source_.Stats();
  if (stats.dropped <= reported_drops_) {
    return;
  }
  Alert alert;
  alert.rule = "customs sensor dropped events";
  alert.priority = Priority::kCritical;
  alert.time_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  alert.output = fmt::format(
      "Events were dropped by the kernel sensor: rules may have missed activity (dropped={} "
      "new={} seen={})",
      stats.dropped, stats.dropped - reported_drops_, stats.seen);
  alert.output_fields = {{"customs.dropped", std::to_string(stats.dropped)},
                         {"customs.seen", std::to_string(stats.seen)}};
  alert.output_field_numeric = {true, true};
  alert.tags = {"customs", "sensor"};
  alert.container_id = "host";
  reported_drops_ = stats.dropped;
  ++stats_.alerts;
  sink_.Write(alert);
}

Status Watcher::Run(const std::atomic<bool>& stop) {
  auto start = std::chrono::steady_clock::now();
  EventHandler handler = [this](Event& event) { OnEvent(event); };
  auto last_drop_check = start;
  while (!stop.load(std::memory_order_relaxed)) {
    if (options_.duration_ms >= 0 &&
        std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(options_.duration_ms)) {
      break;
    }
    uint64_t before = stats_.events;
    auto more = source_.Poll(handler, options_.poll_timeout_ms);
    if (!more) {
      return tl::unexpected(more.error());
    }
    // Keep the recording readable while watching (tail -f): one flush per batch, not per event.
    if (options_.record != nullptr && stats_.events != before) {
      std::fflush(options_.record);
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_drop_check > std::chrono::milliseconds(200) || !*more) {
      CheckDrops();
      last_drop_check = now;
    }
    if (!*more) {
      break;
    }
  }
  CheckDrops();
  stats_.source = source_.Stats();
  if (options_.record != nullptr) {
    std::fflush(options_.record);
  }
  sink_.Flush();
  return Ok();
}

}  // namespace customs::runtime
