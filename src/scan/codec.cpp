#include "scan/codec.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/utf8.h"

namespace customs::scan {
namespace {

using nlohmann::json;

// A string that is not valid UTF-8 (a package field or a path from a hostile image) cannot be a JSON string as it
// is: the JSON text would not be UTF-8, and PostgreSQL refuses such text. It is stored as {"hex": "<its bytes>"} so
// the decode gives back the same bytes and the server's reports say what `customs image` says (the sanitised value
// and the escaped bytes next to it), not a U+FFFD already baked in.
constexpr std::string_view kHexKey = "hex";

json EncodeString(const std::string& value) {
  if (IsValidUtf8(value)) {
    return value;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(value.size() * 2);
  for (unsigned char c : value) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xF];
  }
  return json{{std::string(kHexKey), std::move(hex)}};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Whether `j` is a string, or the {"hex": ...} form of one; the bytes into `out`.
bool DecodeString(const json& j, std::string& out) {
  if (j.is_string()) {
    out = j.get<std::string>();
    return true;
  }
  if (!j.is_object() || j.size() != 1) {
    return false;
  }
  auto it = j.find(std::string(kHexKey));
  if (it == j.end() || !it->is_string()) {
    return false;
  }
  const auto& hex = it->get_ref<const std::string&>();
  if (hex.size() % 2 != 0) {
    return false;
  }
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = HexDigit(hex[i]);
    int low = HexDigit(hex[i + 1]);
    if (high < 0 || low < 0) {
      return false;
    }
    bytes += static_cast<char>((high << 4) | low);
  }
  out = std::move(bytes);
  return true;
}

// One member of a struct and the key it is stored under.
template <class T, class M>
struct Field {
  std::string_view name;
  M T::*member;
};
template <class T, class M>
constexpr Field<T, M> F(std::string_view name, M T::*member) {
  return {name, member};
}

// Fields<T>::kAll lists every member of T. Keep the C++ member names: they are the storage keys.
template <class T>
struct Fields;

template <>
struct Fields<LayerInfo> {
  static constexpr auto kAll =
      std::make_tuple(F("index", &LayerInfo::index), F("digest", &LayerInfo::digest), F("diff_id", &LayerInfo::diff_id),
                      F("created_by", &LayerInfo::created_by));
};

template <>
struct Fields<catalog::Package> {
  using P = catalog::Package;
  static constexpr auto kAll = std::make_tuple(
      F("type", &P::type), F("name", &P::name), F("version", &P::version), F("arch", &P::arch),
      F("source_name", &P::source_name), F("source_version", &P::source_version), F("epoch", &P::epoch),
      F("rpm_version", &P::rpm_version), F("rpm_release", &P::rpm_release), F("modularity_label", &P::modularity_label),
      F("installed_size", &P::installed_size), F("status", &P::status), F("files", &P::files), F("purl", &P::purl),
      F("layer", &P::layer), F("db_path", &P::db_path), F("location", &P::location), F("evidence", &P::evidence),
      F("confidence", &P::confidence), F("group_unknown", &P::group_unknown), F("unmatchable", &P::unmatchable),
      F("unmatchable_reason", &P::unmatchable_reason), F("owner", &P::owner));
};

template <>
struct Fields<catalog::OsInfo> {
  using O = catalog::OsInfo;
  static constexpr auto kAll =
      std::make_tuple(F("family", &O::family), F("version", &O::version), F("codename", &O::codename),
                      F("pretty_name", &O::pretty_name), F("variant", &O::variant));
};

template <>
struct Fields<Diagnostic> {
  static constexpr auto kAll = std::make_tuple(F("level", &Diagnostic::level), F("source", &Diagnostic::source),
                                               F("subject", &Diagnostic::subject), F("message", &Diagnostic::message));
};

template <>
struct Fields<image::HistoryEntry> {
  using H = image::HistoryEntry;
  static constexpr auto kAll = std::make_tuple(F("created", &H::created), F("created_by", &H::created_by),
                                               F("comment", &H::comment), F("empty_layer", &H::empty_layer));
};

template <>
struct Fields<image::ImageConfig> {
  using C = image::ImageConfig;
  static constexpr auto kAll = std::make_tuple(
      F("architecture", &C::architecture), F("os", &C::os), F("variant", &C::variant), F("created", &C::created),
      F("user", &C::user), F("env", &C::env), F("entrypoint", &C::entrypoint), F("cmd", &C::cmd),
      F("exposed_ports", &C::exposed_ports), F("working_dir", &C::working_dir), F("labels", &C::labels),
      F("healthcheck", &C::healthcheck), F("diff_ids", &C::diff_ids), F("history", &C::history));
};

template <>
struct Fields<audit::AuditFinding> {
  using A = audit::AuditFinding;
  static constexpr auto kAll = std::make_tuple(
      F("scanner", &A::scanner), F("rule", &A::rule), F("aliases", &A::aliases), F("severity", &A::severity),
      F("title", &A::title), F("message", &A::message), F("path", &A::path), F("line", &A::line), F("match", &A::match),
      F("layer", &A::layer), F("layer_digest", &A::layer_digest), F("created_by", &A::created_by),
      F("removed_in_layer", &A::removed_in_layer), F("fix", &A::fix));
};

template <>
struct Fields<Inventory> {
  using I = Inventory;
  static constexpr auto kAll = std::make_tuple(
      F("target", &I::target), F("kind", &I::kind), F("manifest_digest", &I::manifest_digest),
      F("config_digest", &I::config_digest), F("config", &I::config), F("os", &I::os), F("layers", &I::layers),
      F("packages", &I::packages), F("audit_findings", &I::audit_findings), F("audited_config", &I::audited_config),
      F("audited_secrets", &I::audited_secrets), F("executables", &I::executables), F("diagnostics", &I::diagnostics),
      F("layers_read", &I::layers_read), F("layers_from_cache", &I::layers_from_cache));
};

template <>
struct Fields<vulndb::Cvss> {
  using C = vulndb::Cvss;
  static constexpr auto kAll = std::make_tuple(F("source", &C::source), F("version", &C::version),
                                               F("vector", &C::vector), F("base_score", &C::base_score));
};

template <>
struct Fields<vulndb::Kev> {
  using K = vulndb::Kev;
  static constexpr auto kAll = std::make_tuple(F("date_added", &K::date_added), F("due_date", &K::due_date),
                                               F("known_ransomware", &K::known_ransomware));
};

template <>
struct Fields<vulndb::Epss> {
  using E = vulndb::Epss;
  static constexpr auto kAll = std::make_tuple(F("score", &E::score), F("percentile", &E::percentile));
};

template <>
struct Fields<match::Finding> {
  using M = match::Finding;
  static constexpr auto kAll = std::make_tuple(
      F("id", &M::id), F("aliases", &M::aliases), F("severity", &M::severity),
      F("severity_source", &M::severity_source), F("status", &M::status), F("package", &M::package),
      F("fixed_version", &M::fixed_version), F("cvss", &M::cvss), F("kev", &M::kev), F("epss", &M::epss),
      F("title", &M::title), F("references", &M::references), F("source", &M::source), F("record_id", &M::record_id),
      F("matched_as", &M::matched_as), F("in_use", &M::in_use));
};

template <>
struct Fields<match::Suppressed> {
  using S = match::Suppressed;
  static constexpr auto kAll = std::make_tuple(F("finding", &S::finding), F("by", &S::by), F("reason", &S::reason));
};

template <>
struct Fields<report::ScanReport> {
  using R = report::ScanReport;
  static constexpr auto kAll = std::make_tuple(
      F("target", &R::target), F("kind", &R::kind), F("manifest_digest", &R::manifest_digest), F("os", &R::os),
      F("packages", &R::packages), F("findings", &R::findings), F("suppressed", &R::suppressed),
      F("diagnostics", &R::diagnostics), F("fail_on", &R::fail_on), F("filtered", &R::filtered),
      F("audit_findings", &R::audit_findings), F("audit_suppressed", &R::audit_suppressed),
      F("audited_config", &R::audited_config), F("audited_secrets", &R::audited_secrets),
      F("scanned_vulnerabilities", &R::scanned_vulnerabilities), F("usage_evaluated", &R::usage_evaluated));
};

template <class T>
concept HasFields = requires {
  Fields<T>::kAll;
};

// Enums are stored by name, so reordering enumerators never changes what a stored document means.
const char* EnumName(catalog::PackageType v) {
  return catalog::PackageTypeName(v);
}
const char* EnumName(catalog::Confidence v) {
  return catalog::ConfidenceName(v);
}
const char* EnumName(vulndb::Severity v) {
  return vulndb::SeverityName(v);
}
const char* EnumName(match::FindingStatus v) {
  return match::FindingStatusName(v);
}
const char* EnumName(match::InUse v) {
  return match::InUseName(v);
}
const char* EnumName(DiagnosticLevel v) {
  return DiagnosticLevelName(v);
}
const char* EnumName(audit::Scanner v) {
  return audit::ScannerName(v);
}
const char* EnumName(audit::Severity v) {
  return audit::SeverityName(v);
}

// The inverse, by trying each enumerator: every enum here is small, dense and starts at 0; a name no enumerator has
// (a document from a newer build) is kCorrupt.
template <class E>
std::optional<E> ParseEnumName(std::string_view name) {
  for (int i = 0; i < 64; ++i) {
    const char* candidate = EnumName(static_cast<E>(i));
    if (candidate != nullptr && name == candidate) {
      return static_cast<E>(i);
    }
  }
  return std::nullopt;
}
template <>
std::optional<catalog::PackageType> ParseEnumName(std::string_view name) {
  return catalog::ParsePackageTypeName(name);
}
template <>
std::optional<vulndb::Severity> ParseEnumName(std::string_view name) {
  return vulndb::ParseSeverityName(name);
}

template <class T>
concept NamedEnum = std::is_enum_v<T> && requires(T v) {
  EnumName(v);
};

// Declarations first: the templates below call each other through unqualified names, which find only what is
// declared before them (argument-dependent lookup does not reach this namespace).
template <class T>
json Encode(const T& value);
template <class T>
json Encode(const std::vector<T>& values, std::vector<T>*);
template <class T>
json Encode(const std::optional<T>& value, std::optional<T>*);
template <class A, class B>
json Encode(const std::pair<A, B>& value, std::pair<A, B>*);
template <class T>
Status Decode(const json& j, T& out);
template <class T>
Status Decode(const json& j, std::vector<T>& out, std::vector<T>*);
template <class T>
Status Decode(const json& j, std::optional<T>& out, std::optional<T>*);
template <class A, class B>
Status Decode(const json& j, std::pair<A, B>& out, std::pair<A, B>*);

template <class T>
json Encode(const T& value) {
  if constexpr (HasFields<T>) {
    json out = json::object();
    std::apply([&](const auto&... field) { ((out[std::string(field.name)] = Encode(value.*(field.member))), ...); },
               Fields<T>::kAll);
    return out;
  } else if constexpr (NamedEnum<T>) {
    return EnumName(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return EncodeString(value);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return value;
  } else {
    return Encode(value, static_cast<T*>(nullptr));
  }
}

template <class T>
json Encode(const std::vector<T>& values, std::vector<T>*) {
  json out = json::array();
  for (const auto& v : values) {
    out.push_back(Encode(v));
  }
  return out;
}
template <class T>
json Encode(const std::optional<T>& value, std::optional<T>*) {
  return value ? Encode(*value) : json(nullptr);
}
template <class A, class B>
json Encode(const std::pair<A, B>& value, std::pair<A, B>*) {
  return json::array({Encode(value.first), Encode(value.second)});
}

Error WrongType(std::string_view expected, const json& j) {
  return Error(ErrorCode::kCorrupt, fmt::format("expected {}, found {}", expected, j.type_name()));
}

template <class T>
Status DecodeVector(const json& j, std::vector<T>& out) {
  if (!j.is_array()) {
    return tl::unexpected(WrongType("an array", j));
  }
  out.clear();
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    T item{};
    if (auto status = Decode(j[i], item); !status) {
      return tl::unexpected(std::move(status).error().WithContext(fmt::format("[{}]", i)));
    }
    out.push_back(std::move(item));
  }
  return Ok();
}

template <class T>
Status Decode(const json& j, T& out) {
  if constexpr (HasFields<T>) {
    if (!j.is_object()) {
      return tl::unexpected(WrongType("an object", j));
    }
    Status status = Ok();
    auto one = [&](const auto& field) {
      if (!status) {
        return;
      }
      auto it = j.find(std::string(field.name));
      if (it == j.end()) {
        return;
      }
      if (auto decoded = Decode(*it, out.*(field.member)); !decoded) {
        status = tl::unexpected(std::move(decoded).error().WithContext(field.name));
      }
    };
    std::apply([&](const auto&... field) { (one(field), ...); }, Fields<T>::kAll);
    return status;
  } else if constexpr (NamedEnum<T>) {
    if (!j.is_string()) {
      return tl::unexpected(WrongType("a name", j));
    }
    auto parsed = ParseEnumName<T>(j.get_ref<const std::string&>());
    if (!parsed) {
      return MakeError(ErrorCode::kCorrupt, "unknown value '{}'", j.get_ref<const std::string&>());
    }
    out = *parsed;
    return Ok();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!DecodeString(j, out)) {
      return tl::unexpected(WrongType("a string", j));
    }
    return Ok();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) {
      return tl::unexpected(WrongType("a boolean", j));
    }
    out = j.get<bool>();
    return Ok();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) {
      return tl::unexpected(WrongType("a number", j));
    }
    out = j.get<T>();
    return Ok();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) {
      return tl::unexpected(WrongType("an integer", j));
    }
    // Range-checked: a hostile document must not wrap a negative count into a huge unsigned one.
    if (j.is_number_unsigned()) {
      auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        return MakeError(ErrorCode::kCorrupt, "integer {} out of range", v);
      }
      out = static_cast<T>(v);
    } else {
      auto v = j.get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
        return MakeError(ErrorCode::kCorrupt, "integer {} out of range", v);
      }
      out = static_cast<T>(v);
    }
    return Ok();
  } else {
    return Decode(j, out, static_cast<T*>(nullptr));
  }
}

template <class T>
Status Decode(const json& j, std::vector<T>& out, std::vector<T>*) {
  return DecodeVector(j, out);
}
template <class T>
Status Decode(const json& j, std::optional<T>& out, std::optional<T>*) {
  if (j.is_null()) {
    out.reset();
    return Ok();
  }
  T value{};
  CUSTOMS_RETURN_IF_ERROR(Decode(j, value));
  out = std::move(value);
  return Ok();
}
template <class A, class B>
Status Decode(const json& j, std::pair<A, B>& out, std::pair<A, B>*) {
  if (!j.is_array() || j.size() != 2) {
    return tl::unexpected(WrongType("a two-element array", j));
  }
  CUSTOMS_RETURN_IF_ERROR(Decode(j[0], out.first));
  return Decode(j[1], out.second);
}

std::string Dump(const json& j) {
  // Every string that is not UTF-8 is in its {"hex"} form already (EncodeString); replace is the last resort.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

template <class T>
Result<T> DecodeDocument(std::string_view text, std::string_view codec) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kCorrupt, "{}: not JSON", codec);
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "{}: not a JSON object", codec);
  }
  auto name = j.find("codec");
  if (name == j.end() || !name->is_string() || name->get_ref<const std::string&>() != codec) {
    return MakeError(ErrorCode::kCorrupt, "not a {} document", codec);
  }
  T out{};
  if (auto status = Decode(j, out); !status) {
    return tl::unexpected(std::move(status).error().WithContext(codec));
  }
  return out;
}

}  // namespace

std::string EncodeInventory(const Inventory& inventory) {
  json j = Encode(inventory);
  j["codec"] = kInventoryCodec;
  return Dump(j);
}

Result<Inventory> DecodeInventory(std::string_view json_text) {
  return DecodeDocument<Inventory>(json_text, kInventoryCodec);
}

std::string EncodeReport(const report::ScanReport& report, const ReportEncodeOptions& options) {
  json j = Encode(report);
  if (options.drop_finding_files) {
    for (auto* list : {&j["findings"], &j["suppressed"]}) {
      for (auto& item : *list) {
        json& finding = item.contains("finding") ? item["finding"] : item;
        finding["package"].erase("files");
      }
    }
  }
  j["codec"] = kReportCodec;
  return Dump(j);
}

Result<report::ScanReport> DecodeReport(std::string_view json_text) {
  return DecodeDocument<report::ScanReport>(json_text, kReportCodec);
}

}  // namespace customs::scan
