// NVD CVE API 2.0 pages, the CISA KEV catalog and EPSS daily CSV.
#include <simdjson.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

std::string_view StrOr(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get(s)) {
    return {};
  }
  return s;
}

}  // namespace

// https://nvd.nist.gov/developers/vulnerabilities: {resultsPerPage, startIndex, totalResults, vulnerabilities: [{cve:
// {id, published, lastModified, vulnStatus, descriptions, references, metrics: {cvssMetricV2|V30|V31|V40: [...]}}}]}
Status ParseNvd(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(content.data(), content.size()).get(doc)) {
    return MakeError(ErrorCode::kCorrupt, "{}: {}", origin, simdjson::error_message(error));
  }
  simdjson::dom::array vulnerabilities;
  if (doc["vulnerabilities"].get(vulnerabilities)) {
    return MakeError(ErrorCode::kCorrupt, "{}: no vulnerabilities array", origin);
  }
  for (simdjson::dom::element item : vulnerabilities) {
    simdjson::dom::element cve;
    std::string_view id;
    if (item["cve"].get(cve) || cve["id"].get(id)) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/nvd", std::string(origin), "entry without cve.id skipped");
      continue;
    }
    FeedRecord record;
    record.source = "nvd";
    Vulnerability& v = record.vulnerability;
    v.id = std::string(id);
    v.published = std::string(StrOr(cve, "published"));
    v.modified = std::string(StrOr(cve, "lastModified"));
    if (StrOr(cve, "vulnStatus") == "Rejected") {
      v.withdrawn = v.modified.empty() ? "rejected" : v.modified;
    }
    simdjson::dom::array descriptions;
    if (!cve["descriptions"].get(descriptions)) {
      for (simdjson::dom::element d : descriptions) {
        if (StrOr(d, "lang") == "en") {
          v.details = std::string(StrOr(d, "value"));
          break;
        }
      }
    }
    simdjson::dom::array references;
    if (!cve["references"].get(references)) {
      for (simdjson::dom::element r : references) {
        std::string_view url = StrOr(r, "url");
        if (!url.empty()) {
          v.references.emplace_back(url);
        }
      }
    }
    simdjson::dom::object metrics;
    if (!cve["metrics"].get(metrics)) {
      for (auto [key, list] : metrics) {
        simdjson::dom::array entries;
        if (list.get(entries)) {
          continue;
        }
        for (simdjson::dom::element m : entries) {
          simdjson::dom::element data;
          if (m["cvssData"].get(data)) {
            continue;
          }
          std::string_view vector = StrOr(data, "vectorString");
          std::string source(StrOr(m, "source"));
          if (vector.empty()) {
            continue;
          }
          std::string full_vector(vector);
          if (key == "cvssMetricV2" && !full_vector.starts_with("AV:") && !full_vector.starts_with("(")) {
            continue;
          }
          Cvss cvss = MakeCvss(source, full_vector, v.id, diagnostics);
          double printed = 0;
          if (!data["baseScore"].get(printed) && cvss.base_score != printed) {
            diagnostics.Warn("vulndb/nvd", v.id,
                             fmt::format("computed CVSS {} base score {} differs from the feed's {} for {}",
                                         cvss.version, cvss.base_score, printed, full_vector));
          }
          // NVD's own rating (Primary, nvd@nist.gov); v2 keeps its severity beside cvssData.
          std::string_view severity = StrOr(data, "baseSeverity");
          if (severity.empty()) {
            severity = StrOr(m, "baseSeverity");
          }
          if (!severity.empty()) {
            std::string label = source == "nvd@nist.gov" ? "nvd" : source;
            bool duplicate = false;
            for (const auto& s : v.severities) {
              duplicate = duplicate || (s.source == label && s.raw == severity);
            }
            if (!duplicate) {
              v.severities.push_back({label, SeverityFromWord(severity), std::string(severity)});
            }
          }
          v.cvss.push_back(std::move(cvss));
        }
      }
    }
    batch.Add(std::move(record));
  }
  return Ok();
}

// https://www.cisa.gov/known-exploited-vulnerabilities-catalog: {catalogVersion, count, vulnerabilities: [{cveID,
// dateAdded, dueDate, knownRansomwareCampaignUse: "Known"|"Unknown", ...}]}
Status ParseKev(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  nlohmann::json doc = nlohmann::json::parse(content.begin(), content.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "{}: not valid JSON", origin);
  }
  auto list = doc.find("vulnerabilities");
  if (list == doc.end() || !list->is_array()) {
    return MakeError(ErrorCode::kCorrupt, "{}: no vulnerabilities", origin);
  }
  for (const auto& entry : *list) {
    if (!entry.is_object() || !entry.contains("cveID") || !entry["cveID"].is_string()) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/kev", std::string(origin), "entry without cveID skipped");
      continue;
    }
    Kev kev;
    try {
      kev.date_added = entry.value("dateAdded", "");
      kev.due_date = entry.value("dueDate", "");
      kev.known_ransomware = entry.value("knownRansomwareCampaignUse", "") == "Known";
    } catch (const std::exception& e) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/kev", entry["cveID"].get<std::string>(), fmt::format("entry skipped: {}", e.what()));
      continue;
    }
    batch.kev[entry["cveID"].get<std::string>()] = kev;
    ++batch.counts["kev"];
  }
  return Ok();
}

// https://www.first.org/epss/data_stats: "#model_version:...,score_date:..." then "cve,epss,percentile".
Status ParseEpss(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  bool header_seen = false;
  std::size_t line_number = 0;
  std::int64_t& count = batch.counts["epss"];
  while (!content.empty()) {
    std::size_t newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view{} : content.substr(newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (!header_seen) {
      if (!line.starts_with("cve,epss,percentile")) {
        return MakeError(ErrorCode::kCorrupt, "{}: expected the header 'cve,epss,percentile'", origin);
      }
      header_seen = true;
      continue;
    }
    std::size_t c1 = line.find(',');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    Epss epss;
    auto parse = [](std::string_view text, double& out) {
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
      return ec == std::errc() && ptr == text.data() + text.size();
    };
    if (c2 == std::string_view::npos || !line.starts_with("CVE-") ||
        !parse(line.substr(c1 + 1, c2 - c1 - 1), epss.score) || !parse(line.substr(c2 + 1), epss.percentile)) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/epss", fmt::format("{}:{}", origin, line_number), "malformed EPSS line skipped");
      continue;
    }
    batch.epss.emplace_back(std::string(line.substr(0, c1)), epss);
    ++count;
  }
  if (!header_seen) {
    return MakeError(ErrorCode::kCorrupt, "{}: no EPSS header", origin);
  }
  return Ok();
}

}  // namespace customs::vulndb
