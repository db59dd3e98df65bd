#include "server/metrics.h"

#include <fmt/format.h>

namespace customs::server {

void Metrics::ObserveScan(double seconds) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kScanBuckets.size(); ++i) {
    if (seconds <= kScanBuckets[i]) {
      ++scan_buckets_[i];
    }
  }
  ++scan_count_;
  scan_sum_ += seconds;
}

void Metrics::CountVerdict(bool passed) {
  std::lock_guard lock(mutex_);
  ++(passed ? verdicts_pass_ : verdicts_fail_);
}

void Metrics::CountJob(const std::string& kind, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++jobs_[{kind, outcome}];
}

void Metrics::CountHttp(int status) {
  std::lock_guard lock(mutex_);
  ++http_[status];
}

void Metrics::CountAlert() {
  std::lock_guard lock(mutex_);
  ++alerts_;
}

std::string Metrics::Render(const std::map<std::string, std::int64_t>& queue, bool queue_up,
                            const std::map<std::string, double>& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP customs_queue_up Whether the queue depth below could be read from PostgreSQL.\n";
  out += "# TYPE customs_queue_up gauge\n";
  out += fmt::format("customs_queue_up {}\n", queue_up ? 1 : 0);
  out += "# HELP customs_queue_jobs Jobs in the shared queue by state.\n# TYPE customs_queue_jobs gauge\n";
  for (const auto& [state, n] : queue) {
    out += fmt::format("customs_queue_jobs{{state=\"{}\"}} {}\n", state, n);
  }
  out += "# HELP customs_scan_duration_seconds Time this process spent on each scan job.\n";
  out += "# TYPE customs_scan_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kScanBuckets.size(); ++i) {
    out += fmt::format("customs_scan_duration_seconds_bucket{{le=\"{}\"}} {}\n", kScanBuckets[i], scan_buckets_[i]);
  }
  out += fmt::format("customs_scan_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", scan_count_);
  out += fmt::format("customs_scan_duration_seconds_sum {}\n", scan_sum_);
  out += fmt::format("customs_scan_duration_seconds_count {}\n", scan_count_);
  out += "# HELP customs_verdicts_total Verdicts this process computed, by result.\n";
  out += "# TYPE customs_verdicts_total counter\n";
  out += fmt::format("customs_verdicts_total{{result=\"pass\"}} {}\n", verdicts_pass_);
  out += fmt::format("customs_verdicts_total{{result=\"fail\"}} {}\n", verdicts_fail_);
  out += "# HELP customs_jobs_total Jobs this process finished, by kind and outcome.\n";
  out += "# TYPE customs_jobs_total counter\n";
  for (const auto& [key, n] : jobs_) {
    out += fmt::format("customs_jobs_total{{kind=\"{}\",outcome=\"{}\"}} {}\n", key.first, key.second, n);
  }
  out += "# HELP customs_http_requests_total HTTP requests this process answered, by status code.\n";
  out += "# TYPE customs_http_requests_total counter\n";
  for (const auto& [status, n] : http_) {
    out += fmt::format("customs_http_requests_total{{code=\"{}\"}} {}\n", status, n);
  }
  out += "# HELP customs_runtime_alerts_total Runtime alerts this process stored.\n";
  out += "# TYPE customs_runtime_alerts_total counter\n";
  out += fmt::format("customs_runtime_alerts_total {}\n", alerts_);
  for (const auto& [name, value] : gauges) {
    out += fmt::format("# TYPE {} gauge\n{} {}\n", name, name, value);
  }
  return out;
}

}  // namespace customs::server
