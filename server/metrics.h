// Prometheus text exposition (format 0.0.4) of what this process did, plus gauges the caller reads at scrape time
// (the queue depth comes from PostgreSQL, so every role reports the same queue).
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace customs::server {

class Metrics {
 public:
  // Bucket upper bounds of the scan latency histogram, in seconds.
  static constexpr std::array<double, 11> kScanBuckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

  void ObserveScan(double seconds);
  void CountVerdict(bool passed);
  void CountJob(const std::string& kind, const std::string& outcome);  // outcome: done, retried, failed, lost
  void CountHttp(int status);
  void CountAlert();

  // The exposition text. `queue` holds jobs by state (empty when PostgreSQL could not be read, and then
  // customs_queue_up is 0); `gauges` are extra "name value" samples (e.g. customs_snapshot_age_seconds).
  std::string Render(const std::map<std::string, std::int64_t>& queue, bool queue_up,
                     const std::map<std::string, double>& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::array<std::uint64_t, kScanBuckets.size()> scan_buckets_{};
  std::uint64_t scan_count_ = 0;
  double scan_sum_ = 0;
  std::uint64_t verdicts_pass_ = 0;
  std::uint64_t verdicts_fail_ = 0;
  std::uint64_t alerts_ = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> jobs_;
  std::map<int, std::uint64_t> http_;
};

}  // namespace customs::server
