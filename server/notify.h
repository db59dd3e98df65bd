// Announcing images whose findings changed when a new advisory snapshot arrived (Clair's notifier, for customs).
//
// A re-match job compares the new result with the image's previous one; findings that are new (by vulnerability,
// package and version) are recorded as one notification per (image, snapshot) in the `notifications` table, with the
// most severe new finding. Any worker with notify.webhook set delivers due notifications: one JSON POST each, 5 s
// timeout, retried with exponential backoff (1 s doubling to 1 h) and failed after 10 attempts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "report/scan_report.h"
#include "server/pg.h"

namespace customs::server {

// Findings of `current` whose (id, package name, package version) `previous` does not have, most severe first.
std::vector<match::Finding> NewFindings(const report::ScanReport& previous, const report::ScanReport& current);

// {"event":"customs.new_findings","manifest_digest":...,"repositories":[...],"snapshot":...,"previous_snapshot":...,
//  "new_findings":N,"most_severe":{"id","severity","package","version","fixed_version","title"},
//  "findings":[{"id","severity","package","version"}, ... at most 100, most severe first]}
nlohmann::json NotificationPayload(std::string_view manifest_digest, const std::vector<std::string>& repositories,
                                   std::string_view snapshot_digest, std::string_view previous_snapshot,
                                   const std::vector<match::Finding>& new_findings);

// Repositories (registry/repository, without tag or digest) that scan requests named for `digest`.
[[nodiscard]] Result<std::vector<std::string>> RepositoriesFor(PgConnection& connection, std::string_view digest);

// Inserts the notification once per (digest, snapshot). true when inserted.
[[nodiscard]] Result<bool> RecordNotification(PgConnection& connection, std::string_view manifest_digest,
                                              std::string_view snapshot_digest, std::string_view previous_snapshot,
                                              const nlohmann::json& payload);

// Delivers up to `max` due notifications to `webhook`; returns how many were delivered.
[[nodiscard]] Result<int> DeliverNotifications(PgConnection& connection, const std::string& webhook, int max = 20);

}  // namespace customs::server
