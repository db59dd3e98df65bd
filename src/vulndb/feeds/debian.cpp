// Debian security tracker: the JSON export (https://security-tracker.debian.org/tracker/data/json) and the
// data/DSA/list, data/DLA/list advisory lists. The JSON export is large (tens of MB), so it is read with simdjson's
// on-demand API without building a tree.
#include <simdjson.h>

#include <string>

#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

namespace od = simdjson::ondemand;

std::string GetString(od::object& object, std::string_view key) {
  auto field = object.find_field_unordered(key);
  if (field.error()) {
    return {};
  }
  if (field.type().value_unsafe() == od::json_type::string) {
    std::string_view s;
    if (!field.get_string().get(s)) {
      return std::string(s);
    }
  }
  return {};
}

// Maps one release entry of one (package, CVE) to a row. Statuses per the tracker's JSON export:
//   resolved + fixed_version "0"  -> not affected (the vulnerable code never shipped in this release)
//   resolved + fixed_version      -> fixed
//   open, urgency "end-of-life"   -> end of life (no security support)
//   open, nodsa_reason "ignored"  -> will not fix
//   open / undetermined           -> affected, no fix yet ("postponed" fixes come later)
AffectedPackage ReleaseRow(std::string_view package, std::string_view cve, std::string_view release,
                           od::object& entry) {
  AffectedPackage row;
  row.record_id = std::string(cve);
  row.source = "debian";
  auto number = DebianReleaseNumber(release);
  row.ecosystem = "debian:" + (number ? *number : std::string(release));
  row.package = std::string(package);
  std::string status = GetString(entry, "status");
  std::string fixed = GetString(entry, "fixed_version");
  std::string urgency = GetString(entry, "urgency");
  std::string nodsa_reason = GetString(entry, "nodsa_reason");
  if (status == "resolved") {
    if (fixed == "0") {
      row.status = AffectedStatus::kNotAffected;
    } else {
      row.status = AffectedStatus::kFixed;
      row.fixed_version = fixed;
    }
  } else if (urgency == "end-of-life") {
    row.status = AffectedStatus::kEndOfLife;
  } else if (nodsa_reason == "ignored") {
    row.status = AffectedStatus::kWillNotFix;
  } else {
    row.status = AffectedStatus::kAffectedNoFix;
  }
  if (!urgency.empty() && urgency != "end-of-life") {
    row.severity = SeverityFromWord(urgency);
    row.severity_raw = urgency;
  }
  return row;
}

}  // namespace

Status ParseDebianTracker(std::string_view content, std::string_view origin, FeedBatch& batch,
                          Diagnostics& diagnostics) {
  simdjson::padded_string padded(content);
  od::parser parser;
  od::document doc;
  if (auto error = parser.iterate(padded).get(doc)) {
    return MakeError(ErrorCode::kCorrupt, "{}: {}", origin, simdjson::error_message(error));
  }
  od::object packages;
  if (auto error = doc.get_object().get(packages)) {
    return MakeError(ErrorCode::kCorrupt, "{}: top level is not an object: {}", origin, simdjson::error_message(error));
  }
  for (auto package_field : packages) {
    std::string_view package_key;
    if (auto error = package_field.unescaped_key().get(package_key)) {
      return MakeError(ErrorCode::kCorrupt, "{}: {}", origin, simdjson::error_message(error));
    }
    std::string package(package_key);
    od::object cves;
    if (package_field.value().get_object().get(cves)) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/debian", package, "package entry is not an object; skipped");
      continue;
    }
    for (auto cve_field : cves) {
      std::string_view cve_key;
      if (auto error = cve_field.unescaped_key().get(cve_key)) {
        return MakeError(ErrorCode::kCorrupt, "{}: {}", origin, simdjson::error_message(error));
      }
      std::string cve(cve_key);
      od::object entry;
      if (cve_field.value().get_object().get(entry)) {
        ++batch.skipped;
        diagnostics.Warn("vulndb/debian", fmt::format("{} {}", package, cve), "entry is not an object; skipped");
        continue;
      }
      FeedRecord record;
      record.source = "debian";
      record.subject = package;
      record.vulnerability.id = cve;
      bool bad = false;
      // Fields in document order: the on-demand parser reads forward only.
      for (auto field : entry) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
          bad = true;
          break;
        }
        od::value value;
        if (field.value().get(value)) {
          bad = true;
          break;
        }
        if (key == "description") {
          std::string_view s;
          if (!value.get_string().get(s)) {
            record.vulnerability.details = std::string(s);
          }
        } else if (key == "debianbug") {
          int64_t bug = 0;
          if (!value.get_int64().get(bug)) {
            record.vulnerability.references.push_back(fmt::format("https://bugs.debian.org/{}", bug));
          }
        } else if (key == "releases") {
          od::json_type type;
          if (value.type().get(type) || type != od::json_type::object) {
            continue;  // "releases": [] in old exports
          }
          od::object releases = value.get_object().value_unsafe();
          for (auto release_field : releases) {
            std::string_view release;
            if (release_field.unescaped_key().get(release)) {
              bad = true;
              break;
            }
            std::string release_name(release);
            od::object release_entry;
            if (release_field.value().get_object().get(release_entry)) {
              diagnostics.Warn("vulndb/debian", fmt::format("{} {} {}", package, cve, release_name),
                               "release entry is not an object; skipped");
              continue;
            }
            record.affected.push_back(ReleaseRow(package, cve, release_name, release_entry));
          }
        }
      }
      if (bad) {
        return MakeError(ErrorCode::kCorrupt, "{}: damaged entry {} {}", origin, package, cve);
      }
      batch.Add(std::move(record));
    }
  }

  return Ok();
}

namespace {

std::string IsoDate(std::string_view day_month_year) {
  // "01 Aug 2002" -> "2002-08-01"
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (day_month_year.size() != 11) {
    return std::string(day_month_year);
  }
  std::string_view month = day_month_year.substr(3, 3);
  for (int i = 0; i < 12; ++i) {
    if (month == kMonths[i]) {
      return fmt::format("{}-{:02}-{}", day_month_year.substr(7, 4), i + 1, day_month_year.substr(0, 2));
    }
  }
  return std::string(day_month_year);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

// data/DSA/list: "[DD Mon YYYY] DSA-NNNN-N package - summary", then tab-indented "{CVE ...}",
// "[release] - package version", "[release] - package <not-affected> (reason)" and "NOTE:" lines.
Status ParseDebianDsaList(std::string_view content, std::string_view origin, FeedBatch& batch,
                          Diagnostics& diagnostics) {
  FeedRecord current;
  bool have_current = false;
  auto flush = [&]() {
    if (have_current) {
      batch.Add(std::move(current));
    }
    current = FeedRecord{};
    have_current = false;
  };
  std::size_t line_number = 0;
  while (!content.empty()) {
    std::size_t newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view{} : content.substr(newline + 1);
    ++line_number;
    if (line.empty() || Trim(line).empty()) {
      continue;
    }
    if (line.front() == '[') {
      flush();
      std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        ++batch.skipped;
        diagnostics.Warn("vulndb/debian-dsa", fmt::format("{}:{}", origin, line_number), "malformed header line");
        continue;
      }
      std::string_view rest = Trim(line.substr(close + 1));
      std::size_t space = rest.find(' ');
      std::string id(rest.substr(0, space));
      if (!(id.starts_with("DSA-") || id.starts_with("DLA-"))) {
        ++batch.skipped;
        diagnostics.Warn("vulndb/debian-dsa", fmt::format("{}:{}", origin, line_number), "header without DSA/DLA id");
        continue;
      }
      have_current = true;
      current.source = id.starts_with("DSA-") ? "debian-dsa" : "debian-dla";
      current.vulnerability.id = id;
      current.vulnerability.published = IsoDate(line.substr(1, close - 1));
      if (space != std::string_view::npos) {
        current.vulnerability.summary = std::string(Trim(rest.substr(space + 1)));
      }
      continue;
    }
    if (!have_current) {
      continue;
    }
    std::string_view body = Trim(line);
    if (body.starts_with("{")) {
      std::size_t end = body.find('}');
      std::string_view ids = body.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
      while (!ids.empty()) {
        std::size_t sp = ids.find(' ');
        std::string_view token = ids.substr(0, sp);
        ids = sp == std::string_view::npos ? std::string_view{} : ids.substr(sp + 1);
        if (!token.empty()) {
          current.vulnerability.aliases.emplace_back(token);
        }
      }
    } else if (body.starts_with("[")) {
      // [release] - package version | <not-affected> (reason)
      std::size_t close = body.find(']');
      if (close == std::string_view::npos) {
        continue;
      }
      std::string release(body.substr(1, close - 1));
      std::string_view rest = Trim(body.substr(close + 1));
      if (!rest.starts_with("- ")) {
        continue;
      }
      rest = Trim(rest.substr(2));
      std::size_t sp = rest.find(' ');
      if (sp == std::string_view::npos) {
        continue;
      }
      AffectedPackage row;
      row.record_id = current.vulnerability.id;
      row.source = current.source;
      auto number = DebianReleaseNumber(release);
      row.ecosystem = "debian:" + (number ? *number : release);
      row.package = std::string(rest.substr(0, sp));
      std::string_view version = Trim(rest.substr(sp + 1));
      if (version.starts_with("<not-affected>")) {
        row.status = AffectedStatus::kNotAffected;
      } else if (version.starts_with("<")) {
        row.status = AffectedStatus::kAffectedNoFix;
      } else {
        row.status = AffectedStatus::kFixed;
        row.fixed_version = std::string(version.substr(0, version.find(' ')));
      }
      current.affected.push_back(std::move(row));
    } else if (body.starts_with("NOTE:")) {
      std::string_view note = Trim(body.substr(5));
      if (!current.vulnerability.details.empty()) {
        current.vulnerability.details += "\n";
      }
      current.vulnerability.details += std::string(note);
    }
  }
  flush();
  return Ok();
}

// data/CVE/list: "CVE-YYYY-N (description ...)" or "CVE-YYYY-N [description]", then tab-indented lines:
// "- pkg version|<state> (notes)" for unstable (debian:sid), "[release] - pkg version|<state> (notes)" for a
// release, "{DSA-... DLA-...}" advisories, "NOTE:", "RESERVED", "REJECTED", "NOT-FOR-US: ...". A release the entry
// does not name gets no row: the tracker derives those from archive versions this file does not carry.
// States: <not-affected> -> not_affected; <ignored> -> will_not_fix; <end-of-life> -> end_of_life; <unfixed>,
// <postponed>, <no-dsa>, <undetermined> -> affected; <removed>, <itp> -> no row. "(unimportant...)" sets urgency.
Status ParseDebianCveList(std::string_view content, std::string_view origin, FeedBatch& batch,
                          Diagnostics& diagnostics) {
  FeedRecord current;
  bool have_current = false;
  auto flush = [&]() {
    if (have_current) batch.Add(std::move(current));
    current = FeedRecord{};
    have_current = false;
  };
  std::size_t line_number = 0;
  while (!content.empty()) {
    std::size_t newline = content.find('\n');
    std::string_view line = content.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view{} : content.substr(newline + 1);
    ++line_number;
    if (Trim(line).empty()) {
      continue;
    }
    if (line.front() != '\t' && line.front() != ' ') {
      flush();
      std::size_t space = line.find(' ');
      std::string id(line.substr(0, space));
      if (!id.starts_with("CVE-") && !id.starts_with("TEMP-")) {
        ++batch.skipped;
        diagnostics.Warn("vulndb/debian-cve-list", fmt::format("{}:{}", origin, line_number),
                         "entry header without a CVE id skipped");
        continue;
      }
      have_current = true;
      current.source = "debian";
      current.vulnerability.id = id;
      if (space != std::string_view::npos) {
        std::string_view description = Trim(line.substr(space + 1));
        if (description.size() >= 2 && (description.front() == '(' || description.front() == '[')) {
          description = description.substr(1, description.size() - 2);
        }
        current.vulnerability.details = std::string(description);
      }
      continue;
    }
    if (!have_current) {
      continue;
    }
    std::string_view body = Trim(line);
    if (body == "REJECTED") {
      current.vulnerability.withdrawn = "rejected";
      continue;
    }
    if (body.starts_with("{")) {
      std::size_t end = body.find('}');
      std::string_view ids = body.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
      while (!ids.empty()) {
        std::size_t sp = ids.find(' ');
        std::string_view token = ids.substr(0, sp);
        ids = sp == std::string_view::npos ? std::string_view{} : ids.substr(sp + 1);
        if (!token.empty()) {
          current.vulnerability.related.emplace_back(token);
        }
      }
      continue;
    }
    std::string release = "sid";
    if (body.starts_with("[")) {
      std::size_t close = body.find(']');
      if (close == std::string_view::npos) {
        continue;
      }
      release = std::string(body.substr(1, close - 1));
      body = Trim(body.substr(close + 1));
    }
    if (!body.starts_with("- ")) {
      continue;  // NOTE:, RESERVED, NOT-FOR-US, TODO ...
    }
    body = Trim(body.substr(2));
    std::size_t sp = body.find(' ');
    AffectedPackage row;
    row.record_id = current.vulnerability.id;
    row.source = "debian";
    auto number = DebianReleaseNumber(release);
    row.ecosystem = "debian:" + (number ? *number : release);
    row.package = std::string(body.substr(0, sp));
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : Trim(body.substr(sp + 1));
    std::string_view notes;
    if (std::size_t paren = rest.find('('); paren != std::string_view::npos) {
      notes = rest.substr(paren + 1);
      rest = Trim(rest.substr(0, paren));
    }
    if (rest.empty() || rest == "<unfixed>" || rest == "<postponed>" || rest == "<no-dsa>" ||
        rest == "<undetermined>") {
      row.status = AffectedStatus::kAffectedNoFix;
    } else if (rest == "<not-affected>") {
      row.status = AffectedStatus::kNotAffected;
    } else if (rest == "<ignored>") {
      row.status = AffectedStatus::kWillNotFix;
    } else if (rest == "<end-of-life>") {
      row.status = AffectedStatus::kEndOfLife;
    } else if (rest.starts_with("<")) {
      continue;  // <removed>, <itp>: the package is not in that release
    } else {
      row.status = AffectedStatus::kFixed;
      row.fixed_version = std::string(rest);
    }
    if (notes.starts_with("unimportant")) {
      row.severity = Severity::kNegligible;
      row.severity_raw = "unimportant";
    } else if (notes.starts_with("low") || notes.starts_with("medium") || notes.starts_with("high")) {
      std::string_view word = notes.substr(0, notes.find_first_of(";) "));
      row.severity = SeverityFromWord(word);
      row.severity_raw = std::string(word);
    }
    current.affected.push_back(std::move(row));
  }
  flush();
  return Ok();
}

}  // namespace customs::vulndb
