// Alpine secdb (https://secdb.alpinelinux.org/): v3.20/main.json, and the legacy YAML of the same schema.
// {distroversion: "v3.20", reponame, packages: [{pkg: {name, secfixes: {"1.2-r0": ["CVE-..."], "0": [...]}}}]}
// A fixed version "0" means the CVE never affected Alpine's package.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "vulndb/feeds/feed.h"

namespace customs::vulndb {
namespace {

using nlohmann::json;

json YamlNodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& item : node) {
        object[item.first.as<std::string>()] = YamlNodeToJson(item.second);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) {
        array.push_back(YamlNodeToJson(item));
      }
      return array;
    }
    case YAML::NodeType::Scalar: return node.Scalar();
    default: return nullptr;
  }
}

// "CVE-2019-1234", "CVE-2019-1234 CVE-2019-5678", "XSA-123 CVE-2019-1" -> ids (tokens shaped like PREFIX-digits).
std::vector<std::string> IdsIn(std::string_view text) {
  std::vector<std::string> ids;
  while (!text.empty()) {
    std::size_t sp = text.find_first_of(" \t,");
    std::string_view token = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view{} : text.substr(sp + 1);
    std::size_t dash = token.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 >= token.size()) {
      continue;
    }
    bool upper = true;
    for (char c : token.substr(0, dash)) {
      upper = upper && std::isupper(static_cast<unsigned char>(c));
    }
    if (upper && std::isdigit(static_cast<unsigned char>(token[dash + 1]))) {
      ids.emplace_back(token);
    }
  }
  return ids;
}

}  // namespace

Status ParseAlpineSecdb(std::string_view content, std::string_view origin, FeedBatch& batch, Diagnostics& diagnostics) {
  json doc;
  std::string_view body = content;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) {
    body.remove_prefix(1);
  }
  if (body.starts_with("{")) {
    doc = json::parse(content.begin(), content.end(), nullptr, false);
    if (doc.is_discarded()) {
      return MakeError(ErrorCode::kCorrupt, "{}: not valid JSON", origin);
    }
  } else {
    try {
      doc = YamlNodeToJson(YAML::Load(std::string(content)));
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kCorrupt, "{}: not valid YAML: {}", origin, e.what());
    }
  }
  if (!doc.is_object() || !doc.contains("distroversion") || !doc["distroversion"].is_string()) {
    return MakeError(ErrorCode::kCorrupt, "{}: no distroversion", origin);
  }
  std::string release = doc["distroversion"].get<std::string>();
  if (release.starts_with("v")) {
    release.erase(0, 1);
  }
  std::string ecosystem = "alpine:" + release;
  auto packages = doc.find("packages");
  if (packages == doc.end() || !packages->is_array()) {
    return Ok();  // an empty repository
  }
  for (const json& entry : *packages) {
    const json* pkg = entry.is_object() && entry.contains("pkg") ? &entry["pkg"] : nullptr;
    if (pkg == nullptr || !pkg->is_object() || !pkg->contains("name") || !(*pkg)["name"].is_string()) {
      ++batch.skipped;
      diagnostics.Warn("vulndb/alpine", std::string(origin), "package entry without pkg.name skipped");
      continue;
    }
    std::string name = (*pkg)["name"].get<std::string>();
    auto secfixes = pkg->find("secfixes");
    if (secfixes == pkg->end() || !secfixes->is_object()) {
      continue;
    }
    for (const auto& [fixed, ids] : secfixes->items()) {
      if (!ids.is_array()) {
        ++batch.skipped;
        diagnostics.Warn("vulndb/alpine", fmt::format("{} {} {}", origin, name, fixed),
                         "secfixes entry is not a list; skipped");
        continue;
      }
      for (const json& text : ids) {
        if (!text.is_string()) {
          continue;
        }
        for (const std::string& id : IdsIn(text.get<std::string>())) {
          FeedRecord record;
          record.source = "alpine";
          record.subject = name;
          record.vulnerability.id = id;
          AffectedPackage row;
          row.record_id = id;
          row.source = "alpine";
          row.ecosystem = ecosystem;
          row.package = name;
          if (fixed == "0") {
            row.status = AffectedStatus::kNotAffected;
          } else {
            row.status = AffectedStatus::kFixed;
            row.fixed_version = fixed;
          }
          record.affected.push_back(std::move(row));
          batch.Add(std::move(record));
        }
      }
    }
  }
  return Ok();
}

}  // namespace customs::vulndb
