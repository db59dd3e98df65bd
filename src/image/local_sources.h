// Image sources on the local disk: an OCI image layout directory, an oci-archive (an OCI layout inside a tar), and a
// docker-archive (what `docker save` writes). The kind is detected from content by OpenLocalImage.
#pragma once

#include <filesystem>
#include <memory>

#include "core/diagnostics.h"
#include "core/error.h"
#include "image/source.h"

namespace customs::image {

struct SourceOptions {
  Platform platform;            // chosen from a multi-platform index
  bool platform_given = false;  // true when the user asked for a platform explicitly
  std::size_t max_manifest_size = 4u << 20;
};

// Detects and opens a local image. Directories without an `oci-layout` file are not images (the caller treats them
// as root filesystems). kNotFound when the path does not exist; kUnsupported when the content is not a known kind.
[[nodiscard]] Result<std::unique_ptr<ImageSource>> OpenLocalImage(const std::filesystem::path& path,
                                                                  const SourceOptions& options,
                                                                  Diagnostics& diagnostics);

// True when `path` is a directory holding an OCI layout.
bool IsOciLayoutDirectory(const std::filesystem::path& path);

}  // namespace customs::image
