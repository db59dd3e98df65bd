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

std::string NormalizePackageName(std::string_view ecosystem, std::string_view name) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  std::string out;
  out.reserve(name.size());
  if (ecosystem == "PyPI") {
    // PEP 503: re.sub(r"[-_.]+", "-", name).lower()
    for (char c : name) {
      if (c == '-' || c == '_' || c == '.') {
        if (out.empty() || out.back() != '-') {
          out.push_back('-');
        }
      } else {
        out.push_back(lower(c));
      }
    }
    return out;
  }
  if (ecosystem == "NuGet" || ecosystem == "Packagist") {
    for (char c : name) {
      out.push_back(lower(c));
    }
    return out;
  }
  if (ecosystem == "crates.io") {
    for (char c : name) {
      out.push_back(c == '_' ? '-' : lower(c));
    }
    return out;
  }
  return std::string(name);
}

std::string_view MavenArtifactId(std::string_view name) {
  std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string RecordAuthority(std::string_view record_id, std::string_view source) {
  if (record_id.starts_with("GHSA-")) {
    return "ghsa";
  }
  return std::string(source);
}

}  // namespace customs::vulndb
