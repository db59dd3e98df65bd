// JSON forms of the advisory model: used for the store's per-record documents and `customs db show --format json`.
#pragma once

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "vulndb/advisory.h"
#include "vulndb/feeds/feed.h"

namespace customs::vulndb {

nlohmann::json ToJson(const version::AffectedSpec& spec);
nlohmann::json ToJson(const Cvss& cvss);
nlohmann::json ToJson(const Vulnerability& vulnerability);
nlohmann::json ToJson(const AffectedPackage& affected);
nlohmann::json ToJson(const FeedRecord& record);  // without its affected rows

// Inverse of ToJson(FeedRecord) (affected rows are not part of the document). kCorrupt on a malformed document.
[[nodiscard]] Result<FeedRecord> RecordFromJson(const nlohmann::json& doc);

// The compact text form of an AffectedSpec kept in the store's `affected.spec` column: one line per item,
// "R<E|S|G>" opens a range, "i<v>" "f<v>" "l<v>" "x<v>" are introduced/fixed/last_affected/limit events, "V<v>" a
// listed version. Versions containing a newline cannot occur in any feed we read and are dropped.
std::string EncodeSpec(const version::AffectedSpec& spec);
version::AffectedSpec DecodeSpec(std::string_view text);

}  // namespace customs::vulndb
