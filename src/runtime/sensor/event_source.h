// Part `sensor/` of runtime: where events come from. It owns the kernel programs (bpf/), the live BpfSource, the
// recorded ReplaySource and the FakeSource, and the /proc process table that enriches events. It hands out fully
// enriched Events (process, ancestry, container attribution) and knows nothing about rules or actions beyond the set
// of event types it is asked to capture.
//
// Event sources behind one interface (the shape of Falco's scap_vtable engines): BpfSource (the kernel sensor,
// bpf_source.h), ReplaySource (recorded JSONL), FakeSource (tests). A source hands events to a handler; the Event
// it passes is reused for the next event, so handlers must copy what they keep.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "runtime/event.h"

namespace customs::runtime {

struct SourceStats {
  uint64_t seen = 0;      // events the kernel (or file) produced
  uint64_t dropped = 0;   // lost: ring buffer full
  uint64_t filtered = 0;  // discarded in the kernel (host cgroups, unneeded syscalls)
};

using EventHandler = std::function<void(Event&)>;

class EventSource {
 public:
  virtual ~EventSource() = default;
  // Delivers the events available within `timeout_ms`. Returns false once the source is exhausted (end of a
  // replay file); a live source never is. Errors are fatal for the source.
  [[nodiscard]] virtual Result<bool> Poll(const EventHandler& handler, int timeout_ms) = 0;
  virtual SourceStats Stats() const { return {}; }
};

// Reads recorded events, one JSON object per line (EventToJson). Bad lines are reported to `diagnostics` with
// their line number and skipped.
class ReplaySource final : public EventSource {
 public:
  static Result<std::unique_ptr<ReplaySource>> Open(const std::string& path, Diagnostics& diagnostics);
  ~ReplaySource() override;
  Result<bool> Poll(const EventHandler& handler, int timeout_ms) override;
  SourceStats Stats() const override { return stats_; }

 private:
  ReplaySource(FILE* file, std::string path, Diagnostics& diagnostics)
      : file_(file), path_(std::move(path)), diagnostics_(diagnostics) {}
  FILE* file_;
  std::string path_;
  Diagnostics& diagnostics_;
  Event event_;
  std::string line_;
  uint64_t line_number_ = 0;
  SourceStats stats_;
};

// Hands out a fixed list of events (tests; the "kernel that cannot exist here" seam).
class FakeSource final : public EventSource {
 public:
  explicit FakeSource(std::vector<Event> events) : events_(std::move(events)) {}
  Result<bool> Poll(const EventHandler& handler, int) override {
    while (next_ < events_.size()) {
      Event& event = events_[next_++];
      ++stats_.seen;
      handler(event);
    }
    return false;
  }
  SourceStats Stats() const override { return stats_; }
  void set_dropped(uint64_t dropped) { stats_.dropped = dropped; }

 private:
  std::vector<Event> events_;
  size_t next_ = 0;
  SourceStats stats_;
};

}  // namespace customs::runtime
