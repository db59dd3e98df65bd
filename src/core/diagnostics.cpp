#include "core/diagnostics.h"

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

bool AnyIncomplete(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.level == DiagnosticLevel::kIncomplete) return true;
  }
  return false;
}

}  // namespace customs
