#include "audit/audit.h"

namespace customs::audit {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kUnknown: return "UNKNOWN";
    case Severity::kNegligible: return "NEGLIGIBLE";
    case Severity::kLow: return "LOW";
    case Severity::kMedium: return "MEDIUM";
    case Severity::kHigh: return "HIGH";
    case Severity::kCritical: return "CRITICAL";
  }
  return "UNKNOWN";
}

const char* ScannerName(Scanner scanner) {
  return scanner == Scanner::kSecret ? "secret" : "config";
}

}  // namespace customs::audit
