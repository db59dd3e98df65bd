// OSV records (https://ossf.github.io/osv-schema/): JSON documents, pypa's YAML form, and zips of either.
// Records are small (a few KB), so nlohmann is fast enough; the zip is streamed member by member.
#include <archive.h>
#include <archive_entry.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

using nlohmann::json;

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return {};
  }
  return it->get<std::string>();
}

std::vector<std::string> StrList(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) {
    return out;
  }
  for (const json& item : *it) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string SourceForEcosystem(std::string_view ecosystem) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  if (base == "Ubuntu") {
    return "ubuntu";
  }
  std::string lower(base);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return "osv-" + lower;
}

std::string SourceForId(std::string_view id) {
  if (id.starts_with("GO-")) {
    return "osv-go";
  }
  if (id.starts_with("RUSTSEC-")) {
    return "osv-crates.io";
  }
  if (id.starts_with("PYSEC-")) {
    return "osv-pypi";
  }
  if (id.starts_with("USN-") || id.starts_with("UBUNTU-") || id.starts_with("LSN-")) {
    return "ubuntu";
  }
  return "osv";
}

version::Range::Type RangeType(std::string_view type) {
  if (type == "SEMVER") {
    return version::Range::Type::kSemver;
  }
  if (type == "GIT") {
    return version::Range::Type::kGit;
  }
  return version::Range::Type::kEcosystem;
}

// Converts one OSV document; throws nlohmann exceptions on type errors (caught by the caller per record).
Result<FeedRecord> ConvertOsv(const json& doc, Diagnostics& diagnostics) {
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "OSV record is not an object");
  }
  FeedRecord record;
  Vulnerability& v = record.vulnerability;
  v.id = Str(doc, "id");
  if (v.id.empty()) {
    return MakeError(ErrorCode::kCorrupt, "OSV record without an id");
  }
  v.aliases = StrList(doc, "aliases");
  v.related = StrList(doc, "related");
  record.upstream = StrList(doc, "upstream");
  v.summary = Str(doc, "summary");
  v.details = Str(doc, "details");
  v.published = Str(doc, "published");
  v.modified = Str(doc, "modified");
  v.withdrawn = Str(doc, "withdrawn");
  if (auto refs = doc.find("references"); refs != doc.end() && refs->is_array()) {
    for (const json& ref : *refs) {
      if (ref.is_object()) {
        std::string url = Str(ref, "url");
        if (!url.empty()) {
          v.references.push_back(std::move(url));
        }
      }
    }
  }

  // The source: the first affected package's ecosystem, else the id prefix.
  std::string first_ecosystem;
  if (auto affected = doc.find("affected"); affected != doc.end() && affected->is_array() && !affected->empty()) {
    const json& first = (*affected)[0];
    if (first.is_object() && first.contains("package") && first["package"].is_object()) {
      first_ecosystem = Str(first["package"], "ecosystem");
    }
  }
  record.source = first_ecosystem.empty() ? SourceForId(v.id) : SourceForEcosystem(first_ecosystem);

  // The record's own ratings carry its author's name: "ghsa" for GitHub's advisories, the feed otherwise.
  const std::string authority = RecordAuthority(v.id, record.source);
  std::optional<Severity> vendor_severity;
  std::string vendor_severity_raw;
  auto add_severity_list = [&](const json& list) {
    if (!list.is_array()) {
      return;
    }
    for (const json& s : list) {
      if (!s.is_object()) {
        continue;
      }
      std::string type = Str(s, "type");
      std::string score = Str(s, "score");
      if (score.empty()) {
        continue;
      }
      if (type.starts_with("CVSS_V")) {
        Cvss cvss = MakeCvss(authority, score, v.id, diagnostics);
        bool duplicate = std::any_of(v.cvss.begin(), v.cvss.end(),
                                     [&](const Cvss& c) { return c.vector == cvss.vector && c.source == cvss.source; });
        if (!duplicate) {
          v.cvss.push_back(std::move(cvss));
        }
      } else if (type == "Ubuntu") {
        vendor_severity = SeverityFromWord(score);
        vendor_severity_raw = score;
        v.severities.push_back({"ubuntu", *vendor_severity, score});
      }
    }
  };
  if (auto severity = doc.find("severity"); severity != doc.end()) {
    add_severity_list(*severity);
  }
  // GitHub's qualitative rating (GHSA database_specific.severity: LOW, MODERATE, HIGH, CRITICAL).
  if (auto db = doc.find("database_specific"); db != doc.end() && db->is_object()) {
    std::string word = Str(*db, "severity");
    if (!word.empty()) {
      v.severities.push_back({authority, SeverityFromWord(word), word});
    }
  }

  if (auto affected = doc.find("affected"); affected != doc.end() && affected->is_array()) {
    for (const json& a : *affected) {
      if (!a.is_object()) {
        continue;
      }
      AffectedPackage row;
      row.record_id = v.id;
      row.source = record.source;
      if (auto pkg = a.find("package"); pkg != a.end() && pkg->is_object()) {
        row.ecosystem = NormalizeEcosystem(Str(*pkg, "ecosystem"));
        row.package = Str(*pkg, "name");
      }
      if (row.ecosystem.empty() || row.package.empty()) {
        diagnostics.Warn("vulndb/osv", v.id, "affected entry without package ecosystem/name skipped");
        continue;
      }
      bool has_fix = false;
      if (auto ranges = a.find("ranges"); ranges != a.end() && ranges->is_array()) {
        for (const json& r : *ranges) {
          if (!r.is_object()) {
            continue;
          }
          version::Range range;
          range.type = RangeType(Str(r, "type"));
          if (auto events = r.find("events"); events != r.end() && events->is_array()) {
            for (const json& e : *events) {
              if (!e.is_object()) {
                continue;
              }
              for (const auto& [key, value] : e.items()) {
                if (!value.is_string()) {
                  continue;
                }
                version::RangeEvent event;
                if (key == "introduced") {
                  event.kind = version::RangeEvent::Kind::kIntroduced;
                } else if (key == "fixed") {
                  event.kind = version::RangeEvent::Kind::kFixed;
                  has_fix = true;
                  if (row.fixed_version.empty() && range.type != version::Range::Type::kGit) {
                    row.fixed_version = value.get<std::string>();
                  }
                } else if (key == "last_affected") {
                  event.kind = version::RangeEvent::Kind::kLastAffected;
                } else if (key == "limit") {
                  event.kind = version::RangeEvent::Kind::kLimit;
                } else {
                  continue;
                }
                event.version = value.get<std::string>();
                range.events.push_back(std::move(event));
              }
            }
          }
          row.spec.ranges.push_back(std::move(range));
        }
      }
      row.spec.versions = StrList(a, "versions");
      row.status = has_fix ? AffectedStatus::kFixed : AffectedStatus::kAffectedNoFix;
      // A record's own (distro) rating applies to its packages; Ubuntu rates per record.
      if (vendor_severity) {
        row.severity = vendor_severity;
        row.severity_raw = vendor_severity_raw;
      }
      // OSV 1.5 lets one package carry its own severity; it joins the record's vectors.
      if (auto own = a.find("severity"); own != a.end()) {
        add_severity_list(*own);
      }
      // RustSec: "informational": "unmaintained" | "unsound" | "notice" marks an advisory that is no vulnerability.
      if (auto db = a.find("database_specific"); db != a.end() && db->is_object()) {
        row.informational = Str(*db, "informational");
      }
      if (auto eco = a.find("ecosystem_specific"); eco != a.end() && eco->is_object()) {
        std::string urgency = Str(*eco, "urgency");
        if (!urgency.empty()) {
          row.severity = SeverityFromWord(urgency);
          row.severity_raw = urgency;
        }
      }
      // Several rows for one multi-CVE record may later fan out; the fixed version for distro rows is enough.
      if (row.ecosystem.find(':') == std::string::npos) {
        row.fixed_version.clear();
      }
      record.affected.push_back(std::move(row));
    }
  }
  return record;
}

// libarchive may have no message for an error.
const char* ArchiveError(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown archive error";
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& item : node) {
        object[item.first.as<std::string>()] = YamlToJson(item.second);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) {
        array.push_back(YamlToJson(item));
      }
      return array;
    }
    case YAML::NodeType::Scalar: return node.Scalar();  // OSV fields are strings; keep "1.10" as written
    default: return nullptr;
  }
}

Status AddConverted(const json& doc, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  try {
    auto record = ConvertOsv(doc, diagnostics);
    if (!record) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/osv", std::string(origin), record.error().message());
      return Ok();
    }
    batch.Add(std::move(*record));
  } catch (const std::exception& e) {
    ++batch.skipped;
    diagnostics.Warn("vulndb/osv", std::string(origin), fmt::format("record skipped: {}", e.what()));
  }
  return Ok();
}

}  // namespace

Status ParseOsvJson(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  json doc = json::parse(content.begin(), content.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    ++batch.skipped;
    diagnostics.Warn("vulndb/osv", std::string(origin), "record skipped: not valid JSON");
    return Ok();
  }
  return AddConverted(doc, origin, batch, diagnostics);
}

Status ParseOsvYaml(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  json doc;
  try {
    doc = YamlToJson(YAML::Load(std::string(content)));
  } catch (const std::exception& e) {
    ++batch.skipped;
    diagnostics.Warn("vulndb/osv", std::string(origin), fmt::format("record skipped: not valid YAML: {}", e.what()));
    return Ok();
  }
  return AddConverted(doc, origin, batch, diagnostics);
}

Status ParseOsvZip(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_memory(reader.get(), content.data(), content.size()) != ARCHIVE_OK) {
    return MakeError(ErrorCode::kCorrupt, "{}: not a readable zip: {}", origin, ArchiveError(reader.get()));
  }
  archive_entry* entry = nullptr;
  std::string buffer;
  std::int64_t members = 0;
  while (true) {
    int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) {
      break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return MakeError(ErrorCode::kCorrupt, "{}: zip is damaged after {} members: {}", origin, members,
                       ArchiveError(reader.get()));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) {
      continue;
    }
    std::string name = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
    bool is_json = name.ends_with(".json");
    bool is_yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if (!is_json && !is_yaml) {
      continue;
    }
    buffer.clear();
    char chunk[65536];
    while (true) {
      la_ssize_t n = archive_read_data(reader.get(), chunk, sizeof(chunk));
      if (n < 0) {
        return MakeError(ErrorCode::kCorrupt, "{}: zip member {} is damaged: {}", origin, name,
                         ArchiveError(reader.get()));
      }
      if (n == 0) {
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (buffer.size() > (std::size_t{64} << 20)) {
        return MakeError(ErrorCode::kCorrupt, "{}: zip member {} is larger than 64 MiB", origin, name);
      }
    }
    ++members;
    std::string member_origin = fmt::format("{}:{}", origin, name);
    // A zip of a repository (GitHub's advisory-database, cvelistV5) holds more than OSV records: each member goes
    // to the parser its content names; members that are no feed (package.json, workflow files) are skipped.
    FeedFormat format = DetectFormat(name, std::string_view(buffer).substr(0, 4096));
    if (format == FeedFormat::kCveRecord) {
      CUSTOMS_RETURN_IF_ERROR(ParseCveRecord(buffer, member_origin, batch, diagnostics));
    } else if (format == FeedFormat::kOsvJson || format == FeedFormat::kOsvYaml) {
      CUSTOMS_RETURN_IF_ERROR(format == FeedFormat::kOsvJson ? ParseOsvJson(buffer, member_origin, batch, diagnostics)
                                                             : ParseOsvYaml(buffer, member_origin, batch, diagnostics));
    } else if (is_json) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/osv", member_origin, "neither an OSV nor a CVE record; skipped");
    } else {
      diagnostics.Info("vulndb/osv", member_origin, "not an advisory record; skipped");
    }
  }
  return Ok();
}

}  // namespace customs::vulndb
