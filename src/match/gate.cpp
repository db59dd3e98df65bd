#include "match/gate.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

namespace customs::match {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool ValidDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  }
  return true;
}

// "pkg:deb/debian/curl@7.88?arch=amd64" -> "pkg:deb/debian/curl@7.88"
std::string StripQualifiers(std::string_view purl) {
  std::size_t cut = purl.find_first_of("?#");
  return std::string(purl.substr(0, cut));
}

bool PurlMatches(std::string_view pattern, std::string_view purl) {
  std::string p = StripQualifiers(pattern);
  std::string f = StripQualifiers(purl);
  if (p == f) return true;
  // A pattern without a version matches every version.
  if (p.find('@') == std::string::npos) return f.substr(0, f.find('@')) == p;
  return false;
}

bool PackageMatches(std::string_view pattern, const catalog::Package& package) {
  if (pattern.empty()) return true;
  if (pattern.starts_with("pkg:")) return PurlMatches(pattern, package.purl);
  return pattern == package.name || pattern == package.source_name;
}

bool IdMatches(std::string_view id, const Finding& finding) {
  if (id == finding.id) return true;
  return std::find(finding.aliases.begin(), finding.aliases.end(), id) != finding.aliases.end();
}

bool Suppresses(std::string_view status) {
  return status == "not_affected" || status == "fixed" || status == "resolved" || status == "false_positive" ||
         status == "resolved_with_pedigree";
}

}  // namespace

Result<std::vector<IgnoreRule>> ParseIgnoreFile(std::string_view text) {
  std::vector<IgnoreRule> rules;
  std::istringstream in{std::string(text)};
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::string reason;
    if (std::size_t hash = line.find('#'); hash != std::string::npos) {
      reason = Trim(std::string_view(line).substr(hash + 1));
      line.resize(hash);
    }
    std::istringstream words(line);
    std::vector<std::string> tokens;
    for (std::string w; words >> w;) tokens.push_back(w);
    if (tokens.empty()) continue;
    IgnoreRule rule;
    rule.id = tokens[0];
    rule.reason = reason;
    rule.line = number;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
      if (tokens[i].starts_with("exp:")) {
        rule.expires = tokens[i].substr(4);
        if (!ValidDate(rule.expires)) {
          return MakeError(ErrorCode::kInvalidArgument, "ignore file line {}: expiry '{}' is not YYYY-MM-DD", number,
                           rule.expires);
        }
      } else if (rule.package.empty()) {
        rule.package = tokens[i];
      } else {
        return MakeError(ErrorCode::kInvalidArgument, "ignore file line {}: unexpected '{}'", number, tokens[i]);
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::vector<VexStatement>> ParseVex(std::string_view text, std::string_view document) {
  using nlohmann::json;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: not a JSON document", document);
  }
  std::vector<VexStatement> out;
  auto str = [](const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto statements = doc.find("statements"); statements != doc.end() && statements->is_array()) {
    // OpenVEX
    for (const auto& s : *statements) {
      if (!s.is_object()) continue;
      VexStatement v;
      v.document = std::string(document);
      v.status = str(s, "status");
      v.justification = str(s, "justification");
      if (auto vuln = s.find("vulnerability"); vuln != s.end()) {
        v.vulnerability = vuln->is_string() ? vuln->get<std::string>() : str(*vuln, "name");
      }
      if (auto products = s.find("products"); products != s.end() && products->is_array()) {
        for (const auto& p : *products) {
          if (p.is_string()) v.products.push_back(p.get<std::string>());
          if (p.is_object()) {
            std::string id = str(p, "@id");
            if (!id.empty()) v.products.push_back(id);
            if (auto ids = p.find("identifiers"); ids != p.end() && ids->is_object()) {
              std::string purl = str(*ids, "purl");
              if (!purl.empty()) v.products.push_back(purl);
            }
          }
        }
      }
      if (!v.vulnerability.empty() && Suppresses(v.status)) out.push_back(std::move(v));
    }
    return out;
  }
  if (auto vulns = doc.find("vulnerabilities"); vulns != doc.end() && vulns->is_array()) {
    // CycloneDX VEX
    for (const auto& item : *vulns) {
      if (!item.is_object()) continue;
      VexStatement v;
      v.document = std::string(document);
      v.vulnerability = str(item, "id");
      if (auto analysis = item.find("analysis"); analysis != item.end() && analysis->is_object()) {
        v.status = str(*analysis, "state");
        v.justification = str(*analysis, "justification");
      }
      if (auto affects = item.find("affects"); affects != item.end() && affects->is_array()) {
        for (const auto& a : *affects) {
          std::string ref = a.is_object() ? str(a, "ref") : std::string();
          if (!ref.empty()) v.products.push_back(ref);
        }
      }
      if (!v.vulnerability.empty() && Suppresses(v.status)) out.push_back(std::move(v));
    }
    return out;
  }
  return MakeError(ErrorCode::kInvalidArgument, "{}: neither OpenVEX (statements) nor CycloneDX VEX (vulnerabilities)",
                   document);
}

Result<std::set<vulndb::Severity>> ParseSeverityList(std::string_view text) {
  std::set<vulndb::Severity> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string word = Trim(text.substr(start, comma - start));
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!word.empty()) {
      auto severity = vulndb::ParseSeverityName(word);
      if (!severity) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown severity '{}' (UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH, CRITICAL)", word);
      }
      out.insert(*severity);
    }
    start = comma + 1;
  }
  return out;
}

GateResult ApplyGate(std::vector<Finding> findings, const GateOptions& options, const std::vector<IgnoreRule>& ignores,
                     const std::vector<VexStatement>& vex, Diagnostics& diagnostics) {
  GateResult result;
  std::vector<bool> expired_reported(ignores.size(), false);
  for (auto& finding : findings) {
    std::string by, reason;
    for (std::size_t i = 0; i < ignores.size() && by.empty(); ++i) {
      const IgnoreRule& rule = ignores[i];
      if (!IdMatches(rule.id, finding) || !PackageMatches(rule.package, finding.package)) continue;
      if (!rule.expires.empty() && !options.today.empty() && rule.expires < options.today) {
        if (!expired_reported[i]) {
          expired_reported[i] = true;
          diagnostics.Warn(
              "gate/ignore", fmt::format("line {}", rule.line),
              fmt::format("ignore entry for {} expired on {}; it no longer ignores", rule.id, rule.expires));
        }
        continue;
      }
      by = fmt::format("ignore-file:{}", rule.line);
      reason = rule.reason;
    }
    for (const auto& statement : vex) {
      if (!by.empty()) break;
      if (!IdMatches(statement.vulnerability, finding)) continue;
      bool product = statement.products.empty();
      for (const auto& p : statement.products) product = product || PackageMatches(p, finding.package);
      if (!product) continue;
      by = "vex:" + statement.document;
      reason = statement.status + (statement.justification.empty() ? "" : " (" + statement.justification + ")");
    }
    if (by.empty() && options.ignore_unfixed && finding.fixed_version.empty()) {
      by = "ignore-unfixed";
      reason = "no fixed version";
    }
    if (by.empty() && !options.severities.empty() && !options.severities.count(finding.severity)) {
      ++result.filtered;  // not shown, not "suppressed": the user asked not to see this severity
      continue;
    }
    if (by.empty()) {
      if (options.fail_on && finding.severity >= *options.fail_on) result.exit_code = options.exit_code;
      result.shown.push_back(std::move(finding));
    } else {
      result.suppressed.push_back({std::move(finding), std::move(by), std::move(reason)});
    }
  }
  return result;
}

}  // namespace customs::match
