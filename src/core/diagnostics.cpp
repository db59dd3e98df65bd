#include "core/diagnostics.h"

namespace customs {

const char* DiagnosticLevelName(DiagnosticLevel level) {
  switch (level) {
    case DiagnosticLevel::kInfo: return "info";
    case DiagnosticLevel::kWarning: return "warning";
    case DiagnosticLevel::kError: return "error";
  }
  return "warning";
}

}  // namespace customs
