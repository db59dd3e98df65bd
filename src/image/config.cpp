#include "image/config.h"

#include <nlohmann/json.hpp>

namespace customs::image {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> StringList(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::string ImageConfig::CreatedBy(std::size_t layer_index) const {
  std::size_t seen = 0;
  for (const auto& entry : history) {
    if (entry.empty_layer) continue;
    if (seen == layer_index) return entry.created_by;
    ++seen;
  }
  return {};
}

std::vector<int> ImageConfig::HistoryLayers() const {
  std::vector<int> out;
  int next = 0;
  for (const auto& entry : history) out.push_back(entry.empty_layer ? -1 : next++);
  return out;
}

Result<ImageConfig> ParseImageConfig(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "image config is not a JSON object");
  }
  ImageConfig config;
  config.architecture = StringField(doc, "architecture");
  config.os = StringField(doc, "os");
  config.variant = StringField(doc, "variant");
  config.created = StringField(doc, "created");
  if (auto it = doc.find("config"); it != doc.end() && it->is_object()) {
    const json& c = *it;
    config.user = StringField(c, "User");
    config.env = StringList(c, "Env");
    config.entrypoint = StringList(c, "Entrypoint");
    config.cmd = StringList(c, "Cmd");
    config.working_dir = StringField(c, "WorkingDir");
    if (auto ports = c.find("ExposedPorts"); ports != c.end() && ports->is_object()) {
      for (const auto& [port, _] : ports->items()) config.exposed_ports.push_back(port);
    }
    // Docker's Healthcheck.Test: ["NONE"] disables an inherited check; anything else is a check.
    if (auto check = c.find("Healthcheck"); check != c.end() && check->is_object()) {
      config.healthcheck = StringList(*check, "Test");
    }
    if (auto labels = c.find("Labels"); labels != c.end() && labels->is_object()) {
      for (const auto& [key, value] : labels->items()) {
        if (value.is_string()) config.labels.emplace_back(key, value.get<std::string>());
      }
    }
  }
  if (auto it = doc.find("rootfs"); it != doc.end() && it->is_object()) {
    config.diff_ids = StringList(*it, "diff_ids");
  }
  if (auto it = doc.find("history"); it != doc.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      HistoryEntry entry;
      entry.created = StringField(item, "created");
      entry.created_by = StringField(item, "created_by");
      entry.comment = StringField(item, "comment");
      if (auto empty = item.find("empty_layer"); empty != item.end() && empty->is_boolean()) {
        entry.empty_layer = empty->get<bool>();
      }
      config.history.push_back(std::move(entry));
    }
  }
  return config;
}

}  // namespace customs::image
