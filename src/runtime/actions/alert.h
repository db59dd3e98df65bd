// Alerts (Falco's JSON output shape) and where they go: a stream/file, syslog, an HTTP webhook.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "runtime/event.h"
#include "runtime/rules/rules.h"

namespace customs::runtime {

// One action taken (or, in dry run, that would have been taken) for an alert.
struct ActionReport {
  Action action = Action::kAlert;
  bool dry_run = true;
  bool ok = false;
  uint64_t time_ns = 0;
  std::string target;  // "pid 1234", "container abc123 (/sys/fs/cgroup/unified/...)"
  std::string result;  // what happened, or what would have happened
};

struct Alert {
  std::string rule;
  Priority priority = Priority::kWarning;
  uint64_t time_ns = 0;
  std::string output;                                              // rendered template
  std::vector<std::pair<std::string, std::string>> output_fields;  // "%proc.name" key without '%', text value
  std::vector<bool> output_field_numeric;
  std::vector<std::string> tags;
  std::string container_id;  // container.id (12 chars or "host")
  std::vector<ActionReport> actions;
};

// Builds the alert for `rule` matching `event` (actions are filled in by the caller).
Alert MakeAlert(const Rule& rule, const Event& event);

// Falco-style JSON line: time, rule, priority, output, output_fields, tags, source, hostname, container.id, actions.
std::string AlertToJson(const Alert& alert);
// One human line: "HH:MM:SS.nnnnnnnnn: Priority output [actions...]".
std::string AlertToText(const Alert& alert);

enum class AlertFormat { kJson, kText };

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Must not block on the network: the event loop calls it.
  virtual void Write(const Alert& alert) = 0;
  virtual void Flush() {}
};

// Writes lines to a FILE* (stdout) or a file it owns.
class StreamSink final : public AlertSink {
 public:
  StreamSink(FILE* file, AlertFormat format, bool owns = false) : file_(file), format_(format), owns_(owns) {}
  static Result<std::unique_ptr<StreamSink>> Open(const std::string& path, AlertFormat format);
  ~StreamSink() override;
  void Write(const Alert& alert) override;
  void Flush() override;

 private:
  FILE* file_;
  AlertFormat format_;
  bool owns_;
  std::mutex mutex_;
};

// syslog(3), LOG_DAEMON, priority mapped from the rule priority. The message is the JSON line.
class SyslogSink final : public AlertSink {
 public:
  SyslogSink();
  void Write(const Alert& alert) override;
};

// POSTs each alert as JSON from a background thread with retries (1 s, 2 s, 4 s). The queue is bounded
// (max_queue); when full the oldest alert is dropped and counted. Write() never blocks on the network.
class WebhookSink final : public AlertSink {
 public:
  explicit WebhookSink(std::string url, size_t max_queue = 10000, int max_attempts = 4);
  ~WebhookSink() override;  // delivers what is queued (bounded by the retry schedule), then stops
  void Write(const Alert& alert) override;
  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }
  uint64_t dropped() const { return dropped_; }

 private:
  void Run();
  std::string url_;
  size_t max_queue_;
  int max_attempts_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> delivered_{0}, failed_{0}, dropped_{0};
  std::thread thread_;
};

// Fans out to several sinks.
class MultiSink final : public AlertSink {
 public:
  void Add(std::unique_ptr<AlertSink> sink) { sinks_.push_back(std::move(sink)); }
  void Write(const Alert& alert) override {
    for (auto& sink : sinks_) {
      sink->Write(alert);
    }
  }
  void Flush() override {
    for (auto& sink : sinks_) {
      sink->Flush();
    }
  }

 private:
  std::vector<std::unique_ptr<AlertSink>> sinks_;
};

// Collects alerts in memory (tests).
class CollectingSink final : public AlertSink {
 public:
  void Write(const Alert& alert) override {
    std::lock_guard lock(mutex_);
    alerts_.push_back(alert);
  }
  std::vector<Alert> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(alerts_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<Alert> alerts_;
};

}  // namespace customs::runtime
