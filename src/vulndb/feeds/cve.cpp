// CVE records in the CVE JSON 5 format (https://github.com/CVEProject/cve-schema, CVE_Record_Format.json; cvelistV5):
// the CNA's container and the ADP containers (CISA's "Vulnrichment" adds CVSS to records whose CNA gave none).
// A record contributes descriptions, references, CVSS vectors and a CNA's own text rating; its `affected` product
// list names vendors and products, not packages, so it gives no rows to match.
#include <simdjson.h>

#include <algorithm>
#include <string>

#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

constexpr const char* kSource = "vulndb/cve";

std::string_view StrOr(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e[key].get(s)) {
    return {};
  }
  return s;
}

// CVE JSON 5 "metrics" keys holding a CVSS object, newest first.
constexpr std::string_view kCvssKeys[] = {"cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"};

// One container's metrics: CVSS vectors under `label` ("cna:redhat", "adp:CISA-ADP"), and a text rating in an
// "other" metric (OpenSSL's {"text": "Moderate"}, Red Hat's {"value": "Important"}, Apache's {"other": "critical"})
// when it is a severity word.
void AddMetrics(simdjson::dom::element container, const std::string& label, Vulnerability& v,
                Diagnostics& diagnostics) {
  simdjson::dom::array metrics;
  if (container["metrics"].get(metrics)) {
    return;
  }
  for (simdjson::dom::element metric : metrics) {
    for (std::string_view key : kCvssKeys) {
      simdjson::dom::element data;
      if (metric[key].get(data)) {
        continue;
      }
      std::string vector(StrOr(data, "vectorString"));
      if (vector.empty()) {
        continue;
      }
      Cvss cvss = MakeCvss(label, vector, v.id, diagnostics);
      double printed = 0;
      if (!data["baseScore"].get(printed) && cvss.base_score != printed) {
        diagnostics.Warn(kSource, v.id,
                         fmt::format("computed CVSS {} base score {} differs from the record's {} for {} ({})",
                                     cvss.version, cvss.base_score, printed, vector, label));
      }
      bool duplicate = false;
      for (const auto& c : v.cvss) {
        duplicate = duplicate || (c.source == cvss.source && c.vector == cvss.vector);
      }
      if (!duplicate) {
        v.cvss.push_back(std::move(cvss));
      }
    }
    simdjson::dom::element other;
    if (metric["other"].get(other)) {
      continue;
    }
    simdjson::dom::element content;
    if (other["content"].get(content)) {
      continue;
    }
    std::string_view word;
    if (content.is_string()) {
      word = content.get_string().value_unsafe();
    } else {
      for (std::string_view field : {"text", "value", "other", "baseSeverity"}) {
        if (word = StrOr(content, field); !word.empty()) {
          break;
        }
      }
    }
    Severity severity = SeverityFromWord(word);
    if (severity == Severity::kUnknown) {
      continue;  // an SSVC decision, a free-text impact: no rating
    }
    bool duplicate = false;
    for (const auto& s : v.severities) {
      duplicate = duplicate || (s.source == label && s.raw == word);
    }
    if (!duplicate) {
      v.severities.push_back({label, severity, std::string(word)});
    }
  }
}

void AddReferences(simdjson::dom::element container, Vulnerability& v) {
  simdjson::dom::array references;
  if (container["references"].get(references)) {
    return;
  }
  for (simdjson::dom::element r : references) {
    std::string url(StrOr(r, "url"));
    if (!url.empty() && std::find(v.references.begin(), v.references.end(), url) == v.references.end()) {
      v.references.push_back(std::move(url));
    }
  }
}

std::string ShortName(simdjson::dom::element container, std::string_view fallback) {
  std::string_view name;
  simdjson::dom::element provider;
  if (!container["providerMetadata"].get(provider)) {
    name = StrOr(provider, "shortName");
  }
  return std::string(name.empty() ? fallback : name);
}

}  // namespace

Status ParseCveRecord(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(content.data(), content.size()).get(doc)) {
    ++batch.skipped;
    diagnostics.Warn(kSource, std::string(origin),
                     fmt::format("record skipped: not valid JSON ({})", simdjson::error_message(error)));
    return Ok();
  }
  simdjson::dom::element metadata;
  std::string_view id;
  if (doc["cveMetadata"].get(metadata) || metadata["cveId"].get(id) || !id.starts_with("CVE-")) {
    ++batch.skipped;
    diagnostics.Warn(kSource, std::string(origin), "record skipped: no cveMetadata.cveId");
    return Ok();
  }
  FeedRecord record;
  record.source = "cve";
  Vulnerability& v = record.vulnerability;
  v.id = std::string(id);
  v.published = std::string(StrOr(metadata, "datePublished"));
  v.modified = std::string(StrOr(metadata, "dateUpdated"));
  if (StrOr(metadata, "state") == "REJECTED") {
    std::string_view rejected = StrOr(metadata, "dateRejected");
    v.withdrawn = std::string(!rejected.empty() ? rejected : (!v.modified.empty() ? v.modified : "rejected"));
  }
  const std::string assigner(StrOr(metadata, "assignerShortName"));
  simdjson::dom::element containers, cna;
  if (!doc["containers"].get(containers) && !containers["cna"].get(cna)) {
    v.summary = std::string(StrOr(cna, "title"));
    simdjson::dom::array descriptions;
    if (!cna["descriptions"].get(descriptions)) {
      for (simdjson::dom::element d : descriptions) {
        if (StrOr(d, "lang").starts_with("en")) {
          v.details = std::string(StrOr(d, "value"));
          break;
        }
      }
    }
    AddReferences(cna, v);
    AddMetrics(cna, "cna:" + ShortName(cna, assigner.empty() ? "unknown" : assigner), v, diagnostics);
    simdjson::dom::array adps;
    if (!containers["adp"].get(adps)) {
      for (simdjson::dom::element adp : adps) {
        AddReferences(adp, v);
        AddMetrics(adp, "adp:" + ShortName(adp, "unknown"), v, diagnostics);
      }
    }
  }
  batch.Add(std::move(record));
  return Ok();
}

}  // namespace customs::vulndb
