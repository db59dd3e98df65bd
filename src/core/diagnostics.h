// Damage that can be skipped (one corrupt package database, one bad advisory record) goes to a Diagnostics sink;
// the work goes on and the report lists what was skipped. Modelled on leveldb's log::Reader::Reporter.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace customs {

// kIncomplete marks every reason a scan may have missed something it was asked to find (a package database that
// exists but cannot be read, a layer that could not be read, an OS or ecosystem with no advisory data). A scan with an
// incomplete diagnostic must never pass the gate silently: `customs image`/`fs`/`sbom-scan` exit 3 unless
// --allow-incomplete, and every report format names these diagnostics.
enum class DiagnosticLevel { kInfo, kWarning, kIncomplete, kError };

struct Diagnostic {
  DiagnosticLevel level = DiagnosticLevel::kWarning;
  std::string source;   // what reported it: "catalog/dpkg", "vulndb/osv", "image/layer"
  std::string subject;  // what it is about: a path, a record id, a layer digest
  std::string message;
};

// Receives diagnostics. Implementations must be thread-safe: analyzers report from worker threads.
class Diagnostics {
 public:
  virtual ~Diagnostics() = default;
  virtual void Report(Diagnostic diagnostic) = 0;

  void Warn(std::string source, std::string subject, std::string message) {
    Report({DiagnosticLevel::kWarning, std::move(source), std::move(subject), std::move(message)});
  }
  void Info(std::string source, std::string subject, std::string message) {
    Report({DiagnosticLevel::kInfo, std::move(source), std::move(subject), std::move(message)});
  }
  void Incomplete(std::string source, std::string subject, std::string message) {
    Report({DiagnosticLevel::kIncomplete, std::move(source), std::move(subject), std::move(message)});
  }
};

// Collects diagnostics in memory, in arrival order. Thread-safe.
class DiagnosticsCollector final : public Diagnostics {
 public:
  void Report(Diagnostic diagnostic) override {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(diagnostic));
  }
  std::vector<Diagnostic> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(items_, {});
  }
  std::vector<Diagnostic> Snapshot() const {
    std::lock_guard lock(mutex_);
    return items_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Diagnostic> items_;
};

// Passes diagnostics on to `target`, at most `limit` of each (level, source): a hostile input that makes a parser
// complain 200,000 times (a status file of one stanza repeated) costs a hundred lines, not 200,000 kept in memory and
// printed. Finish() then reports, per (level, source) that went over, one diagnostic of the same level saying how many
// were left out, so nothing is silently lost and an incomplete scan stays incomplete. Thread-safe.
class BoundedDiagnostics final : public Diagnostics {
 public:
  explicit BoundedDiagnostics(Diagnostics& target, std::size_t limit = 100) : target_(target), limit_(limit) {}
  ~BoundedDiagnostics() override { Finish(); }
  void Report(Diagnostic diagnostic) override;
  // Reports the summaries (once; later calls add only what came since).
  void Finish();

 private:
  struct Count {
    std::size_t seen = 0;
    std::size_t summarised = 0;  // of the dropped ones, how many a summary already named
  };
  Diagnostics& target_;
  const std::size_t limit_;
  std::mutex mutex_;
  std::map<std::pair<DiagnosticLevel, std::string>, Count> counts_;
};

// Drops everything: for callers that do not care.
class NullDiagnostics final : public Diagnostics {
 public:
  void Report(Diagnostic) override {}
};

// "info", "warning", "incomplete", "error".
const char* DiagnosticLevelName(DiagnosticLevel level);

// Whether any diagnostic in `diagnostics` is kIncomplete.
bool AnyIncomplete(const std::vector<Diagnostic>& diagnostics);

}  // namespace customs
