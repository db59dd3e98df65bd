#include "core/diagnostics.h"

#include <fmt/format.h>

namespace customs {

const char* DiagnosticLevelName(DiagnosticLevel level) {
  switch (level) {
    case DiagnosticLevel::kInfo: return "info";
    case DiagnosticLevel::kWarning: return "warning";
    case DiagnosticLevel::kIncomplete: return "incomplete";
    case DiagnosticLevel::kError: return "error";
  }
  return "warning";
}

void BoundedDiagnostics::Report(Diagnostic diagnostic) {
  {
    std::lock_guard lock(mutex_);
    Count& count = counts_[{diagnostic.level, diagnostic.source}];
    if (++count.seen > limit_) return;
  }
  target_.Report(std::move(diagnostic));
}

void BoundedDiagnostics::Finish() {
  std::vector<Diagnostic> summaries;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, count] : counts_) {
      if (count.seen <= limit_ + count.summarised) continue;
      const std::size_t dropped = count.seen - limit_ - count.summarised;
      count.summarised += dropped;
      summaries.push_back({key.first, key.second, "(more)",
                           fmt::format("{} more {} diagnostics from {} were left out (the first {} are listed)",
                                       dropped, DiagnosticLevelName(key.first), key.second, limit_)});
    }
  }
  for (auto& summary : summaries) target_.Report(std::move(summary));
}

bool AnyIncomplete(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.level == DiagnosticLevel::kIncomplete) return true;
  }
  return false;
}

}  // namespace customs
