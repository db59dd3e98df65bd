#include "vulndb/advisory.h"

namespace customs::vulndb {

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

const char* AffectedStatusName(AffectedStatus status) {
  switch (status) {
    case AffectedStatus::kFixed: return "fixed";
    case AffectedStatus::kAffectedNoFix: return "affected";
    case AffectedStatus::kWillNotFix: return "will_not_fix";
    case AffectedStatus::kNotAffected: return "not_affected";
    case AffectedStatus::kEndOfLife: return "end_of_life";
  }
  return "affected";
}

std::optional<Severity> ParseSeverityName(std::string_view name) {
  for (Severity s : {Severity::kUnknown, Severity::kNegligible, Severity::kLow, Severity::kMedium, Severity::kHigh,
                     Severity::kCritical}) {
    if (name == SeverityName(s)) {
      return s;
    }
  }
  return std::nullopt;
}

std::optional<AffectedStatus> ParseAffectedStatusName(std::string_view name) {
  for (AffectedStatus s : {AffectedStatus::kFixed, AffectedStatus::kAffectedNoFix, AffectedStatus::kWillNotFix,
                           AffectedStatus::kNotAffected, AffectedStatus::kEndOfLife}) {
    if (name == AffectedStatusName(s)) {
      return s;
    }
  }
  return std::nullopt;
}

}  // namespace customs::vulndb
