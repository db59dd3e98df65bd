#include "vulndb/json_codec.h"

namespace customs::vulndb {

using nlohmann::json;

namespace {

const char* RangeTypeName(version::Range::Type type) {
  switch (type) {
    case version::Range::Type::kEcosystem: return "ECOSYSTEM";
    case version::Range::Type::kSemver: return "SEMVER";
    case version::Range::Type::kGit: return "GIT";
  }
  return "ECOSYSTEM";
}

const char* EventKey(version::RangeEvent::Kind kind) {
  switch (kind) {
    case version::RangeEvent::Kind::kIntroduced: return "introduced";
    case version::RangeEvent::Kind::kFixed: return "fixed";
    case version::RangeEvent::Kind::kLastAffected: return "last_affected";
    case version::RangeEvent::Kind::kLimit: return "limit";
  }
  return "introduced";
}

std::vector<std::string> Strings(const json& doc, const char* key) {
  std::vector<std::string> out;
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    return out;
  }
  for (const auto& s : *it) {
    if (s.is_string()) {
      out.push_back(s.get<std::string>());
    }
  }
  return out;
}

}  // namespace

json ToJson(const version::AffectedSpec& spec) {
  json out = json::object();
  if (!spec.ranges.empty()) {
    json ranges = json::array();
    for (const auto& range : spec.ranges) {
      json events = json::array();
      for (const auto& event : range.events) {
        events.push_back({{EventKey(event.kind), event.version}});
      }
      ranges.push_back({{"type", RangeTypeName(range.type)}, {"events", events}});
    }
    out["ranges"] = ranges;
  }
  if (!spec.versions.empty()) {
    out["versions"] = spec.versions;
  }
  return out;
}

json ToJson(const Cvss& cvss) {
  return {{"source", cvss.source}, {"version", cvss.version}, {"vector", cvss.vector}, {"base_score", cvss.base_score}};
}

json ToJson(const Vulnerability& v) {
  json out = {{"id", v.id}};
  auto put = [&out](const char* key, const std::string& value) {
    if (!value.empty()) {
      out[key] = value;
    }
  };
  if (!v.aliases.empty()) {
    out["aliases"] = v.aliases;
  }
  if (!v.related.empty()) {
    out["related"] = v.related;
  }
  put("summary", v.summary);
  put("details", v.details);
  put("published", v.published);
  put("modified", v.modified);
  put("withdrawn", v.withdrawn);
  if (!v.references.empty()) {
    out["references"] = v.references;
  }
  if (!v.cvss.empty()) {
    json list = json::array();
    for (const auto& c : v.cvss) {
      list.push_back(ToJson(c));
    }
    out["cvss"] = list;
  }
  if (!v.severities.empty()) {
    json list = json::array();
    for (const auto& s : v.severities) {
      list.push_back({{"source", s.source}, {"severity", SeverityName(s.severity)}, {"raw", s.raw}});
    }
    out["severities"] = list;
  }
  if (v.kev) {
    out["kev"] = {{"date_added", v.kev->date_added},
                  {"due_date", v.kev->due_date},
                  {"known_ransomware", v.kev->known_ransomware}};
  }
  if (v.epss) {
    out["epss"] = {{"score", v.epss->score}, {"percentile", v.epss->percentile}};
  }
  return out;
}

json ToJson(const AffectedPackage& a) {
  json out = {{"vulnerability_id", a.vulnerability_id},
              {"record_id", a.record_id},
              {"source", a.source},
              {"ecosystem", a.ecosystem},
              {"package", a.package},
              {"status", AffectedStatusName(a.status)}};
  if (!a.fixed_version.empty()) {
    out["fixed_version"] = a.fixed_version;
  }
  json spec = ToJson(a.spec);
  if (!spec.empty()) {
    out["spec"] = spec;
  }
  if (a.severity) {
    out["severity"] = SeverityName(*a.severity);
  }
  if (!a.severity_raw.empty()) {
    out["severity_raw"] = a.severity_raw;
  }
  if (!a.informational.empty()) {
    out["informational"] = a.informational;
  }
  return out;
}

json ToJson(const FeedRecord& record) {
  json out = ToJson(record.vulnerability);
  out["source"] = record.source;
  if (!record.subject.empty()) {
    out["subject"] = record.subject;
  }
  if (!record.upstream.empty()) {
    out["upstream"] = record.upstream;
  }
  return out;
}

Result<FeedRecord> RecordFromJson(const json& doc) {
  if (!doc.is_object() || !doc.contains("id") || !doc["id"].is_string()) {
    return MakeError(ErrorCode::kCorrupt, "stored record document without an id");
  }
  FeedRecord record;
  Vulnerability& v = record.vulnerability;
  v.id = doc["id"].get<std::string>();
  record.source = doc.value("source", "");
  record.subject = doc.value("subject", "");
  record.upstream = Strings(doc, "upstream");
  v.aliases = Strings(doc, "aliases");
  v.related = Strings(doc, "related");
  v.summary = doc.value("summary", "");
  v.details = doc.value("details", "");
  v.published = doc.value("published", "");
  v.modified = doc.value("modified", "");
  v.withdrawn = doc.value("withdrawn", "");
  v.references = Strings(doc, "references");
  if (auto it = doc.find("cvss"); it != doc.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (!c.is_object()) {
        continue;
      }
      v.cvss.push_back(
          {c.value("source", ""), c.value("version", ""), c.value("vector", ""), c.value("base_score", 0.0)});
    }
  }
  if (auto it = doc.find("severities"); it != doc.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (!s.is_object()) {
        continue;
      }
      v.severities.push_back({s.value("source", ""),
                              ParseSeverityName(s.value("severity", "UNKNOWN")).value_or(Severity::kUnknown),
                              s.value("raw", "")});
    }
  }
  return record;
}

std::string EncodeSpec(const version::AffectedSpec& spec) {
  std::string out;
  auto line = [&out](char tag, const std::string& value) {
    if (value.find('\n') != std::string::npos) {
      return;
    }
    out += tag;
    out += value;
    out += '\n';
  };
  for (const auto& range : spec.ranges) {
    out += range.type == version::Range::Type::kSemver ? "RS\n"
           : range.type == version::Range::Type::kGit  ? "RG\n"
                                                       : "RE\n";
    for (const auto& event : range.events) {
      char tag = 'i';
      switch (event.kind) {
        case version::RangeEvent::Kind::kIntroduced: tag = 'i'; break;
        case version::RangeEvent::Kind::kFixed: tag = 'f'; break;
        case version::RangeEvent::Kind::kLastAffected: tag = 'l'; break;
        case version::RangeEvent::Kind::kLimit: tag = 'x'; break;
      }
      line(tag, event.version);
    }
  }
  for (const auto& v : spec.versions) {
    line('V', v);
  }
  return out;
}

version::AffectedSpec DecodeSpec(std::string_view text) {
  version::AffectedSpec spec;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.empty()) {
      continue;
    }
    char tag = line.front();
    std::string value(line.substr(1));
    if (tag == 'R') {
      version::Range range;
      range.type = value == "S"   ? version::Range::Type::kSemver
                   : value == "G" ? version::Range::Type::kGit
                                  : version::Range::Type::kEcosystem;
      spec.ranges.push_back(std::move(range));
    } else if (tag == 'V') {
      spec.versions.push_back(std::move(value));
    } else if (!spec.ranges.empty()) {
      version::RangeEvent event;
      event.kind = tag == 'f'   ? version::RangeEvent::Kind::kFixed
                   : tag == 'l' ? version::RangeEvent::Kind::kLastAffected
                   : tag == 'x' ? version::RangeEvent::Kind::kLimit
                                : version::RangeEvent::Kind::kIntroduced;
      event.version = std::move(value);
      spec.ranges.back().events.push_back(std::move(event));
    }
  }
  return spec;
}

}  // namespace customs::vulndb
