#include "server/notify.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <tuple>

#include "report/sbom.h"
#include "server/log.h"

namespace customs::server {
namespace {

using nlohmann::json;

std::size_t Discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

// POSTs `body`; the HTTP status, or an error for a transport failure.
Result<long> Post(const std::string& url, const std::string& body) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &Discard);
  CURLcode code = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kNetwork, "{}", error[0] != '\0' ? error : curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace

std::vector<match::Finding> NewFindings(const report::ScanReport& previous, const report::ScanReport& current) {
  std::set<std::tuple<std::string, std::string, std::string>> known;
  for (const auto& f : previous.findings) {
    known.emplace(f.id, f.package.name, f.package.version);
  }
  std::vector<match::Finding> out;
  for (const auto& f : current.findings) {
    if (known.count({f.id, f.package.name, f.package.version}) == 0) {
      out.push_back(f);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.severity > b.severity; });
  return out;
}

json NotificationPayload(std::string_view manifest_digest, const std::vector<std::string>& repositories,
                         std::string_view snapshot_digest, std::string_view previous_snapshot,
                         const std::vector<match::Finding>& new_findings) {
  json findings = json::array();
  for (std::size_t i = 0; i < new_findings.size() && i < 100; ++i) {
    const match::Finding& f = new_findings[i];
    findings.push_back({{"id", f.id},
                        {"severity", vulndb::SeverityName(f.severity)},
                        {"package", f.package.name},
                        {"version", f.package.version}});
  }
  json out = {{"event", "customs.new_findings"},
              {"manifest_digest", std::string(manifest_digest)},
              {"repositories", repositories},
              {"snapshot", std::string(snapshot_digest)},
              {"previous_snapshot", std::string(previous_snapshot)},
              {"new_findings", new_findings.size()},
              {"findings", findings},
              {"created_at", report::NowRfc3339()}};
  if (!new_findings.empty()) {
    const match::Finding& f = new_findings.front();
    out["most_severe"] = {{"id", f.id},
                          {"severity", vulndb::SeverityName(f.severity)},
                          {"package", f.package.name},
                          {"version", f.package.version},
                          {"fixed_version", f.fixed_version},
                          {"title", f.title}};
  }
  return out;
}

Result<std::vector<std::string>> RepositoriesFor(PgConnection& connection, std::string_view digest) {
  // The reference minus "@digest" or ":tag" (a ':' after the last '/' is a tag; before it, a port).
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult rows,
      connection.Exec("SELECT DISTINCT CASE WHEN strpos(r, '@') > 0 THEN split_part(r, '@', 1) "
                      "WHEN r ~ ':[^/]*$' THEN regexp_replace(r, ':[^/]*$', '') ELSE r END "
                      "FROM (SELECT reference AS r FROM scan_requests WHERE manifest_digest = $1) s ORDER BY 1",
                      {std::string(digest)}));
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back(rows.Text(i, 0));
  }
  return out;
}

Result<bool> RecordNotification(PgConnection& connection, std::string_view manifest_digest,
                                std::string_view snapshot_digest, std::string_view previous_snapshot,
                                const json& payload) {
  CUSTOMS_ASSIGN_OR_RETURN(
      PgResult inserted,
      connection.Exec("INSERT INTO notifications (manifest_digest, snapshot_digest, previous_snapshot, payload) "
                      "VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (manifest_digest, snapshot_digest) DO NOTHING "
                      "RETURNING id",
                      {std::string(manifest_digest), std::string(snapshot_digest), std::string(previous_snapshot),
                       payload.dump(-1, ' ', false, json::error_handler_t::replace)}));
  return inserted.rows() == 1;
}

Result<int> DeliverNotifications(PgConnection& connection, const std::string& webhook, int max) {
  int delivered = 0;
  for (int i = 0; i < max; ++i) {
    // Claim one due notification for 30 s (next_attempt_at moves forward), so two workers never post it twice at once.
    CUSTOMS_ASSIGN_OR_RETURN(
        PgResult claimed,
        connection.Exec("UPDATE notifications SET attempts = attempts + 1, next_attempt_at = now() + interval '30 "
                        "seconds' WHERE id = (SELECT id FROM notifications WHERE state = 'pending' AND "
                        "next_attempt_at <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        "RETURNING id, payload::text, attempts"));
    if (claimed.rows() == 0) {
      break;
    }
    std::int64_t id = claimed.Int(0, 0);
    int attempts = static_cast<int>(claimed.Int(0, 2));
    auto status = Post(webhook, claimed.Text(0, 1));
    if (status && *status >= 200 && *status < 300) {
      CUSTOMS_RETURN_IF_ERROR(connection.Exec(
          "UPDATE notifications SET state = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1",
          {PgInt(id)}));
      LogEvent("info", "notification_delivered", {{"id", id}, {"attempts", attempts}});
      ++delivered;
      continue;
    }
    std::string error = status ? fmt::format("HTTP {}", *status) : status.error().message();
    CUSTOMS_RETURN_IF_ERROR(connection.Exec(
        "UPDATE notifications SET last_error = $2, state = CASE WHEN attempts >= 10 THEN 'failed' ELSE 'pending' "
        "END, next_attempt_at = now() + make_interval(secs => least(3600, power(2, attempts - 1))) WHERE id = $1",
        {PgInt(id), error}));
    LogEvent("warning", "notification_failed", {{"id", id}, {"attempts", attempts}, {"error", error}});
  }
  return delivered;
}

}  // namespace customs::server
