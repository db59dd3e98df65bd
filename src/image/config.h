// The image configuration (OCI image-spec config.md; the Docker image JSON is the same shape).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace customs::image {

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

struct ImageConfig {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> exposed_ports;
  std::string working_dir;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> healthcheck;  // Healthcheck.Test ("CMD-SHELL", "curl -f ..."); {"NONE"} disables
  bool HasHealthcheck() const { return !healthcheck.empty() && healthcheck[0] != "NONE"; }
  std::vector<std::string> diff_ids;
  std::vector<HistoryEntry> history;

  // The history entry that created non-empty layer `layer_index` ("" when the history does not say).
  std::string CreatedBy(std::size_t layer_index) const;
  // The layer each history entry made (-1 for an empty_layer entry), parallel to `history`.
  std::vector<int> HistoryLayers() const;
};

// Parses a config JSON. kCorrupt on malformed JSON or wrong field types.
[[nodiscard]] Result<ImageConfig> ParseImageConfig(std::string_view json);

}  // namespace customs::image
