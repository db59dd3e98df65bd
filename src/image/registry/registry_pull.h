// Saves a RegistrySource to disk for offline scanning: an OCI image layout directory, or a tar file that is both a
// docker-archive (manifest.json) and an oci-archive (oci-layout, index.json), as `docker save` does since Docker 25.
//
// Layers are fetched concurrently and verified while they stream. Output is written atomically: everything goes to
// a temporary sibling of the output and is renamed into place only when every blob verified, so a failed pull
// leaves no output and no temporary files behind.
#pragma once

#include <filesystem>
#include <functional>

#include "image/registry/registry_source.h"

namespace customs::image::registry {

enum class PullFormat { kOciLayout, kArchive };

struct PullOptions {
  std::filesystem::path output;
  PullFormat format = PullFormat::kOciLayout;
  int concurrency = 4;
  // Called from worker threads with (layer index, bytes so far); may be empty.
  std::function<void(std::size_t, std::uint64_t)> progress;
};

// kInvalidArgument when the output directory exists and is not empty; errors from the source otherwise.
[[nodiscard]] Status PullImage(const RegistrySource& source, const PullOptions& options);

}  // namespace customs::image::registry
