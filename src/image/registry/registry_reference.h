// Image references: `[registry[:port]/]repository[:tag][@digest]`, with Docker Hub defaults.
// Follows the grammar of distribution/reference (reference.go) and Docker's normalisation:
//   alpine            -> docker.io/library/alpine:latest
//   ghcr.io/org/app   -> ghcr.io/org/app:latest
//   localhost:5000/x  -> registry "localhost:5000"
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace customs::image::registry {

struct Reference {
  std::string registry;    // "docker.io", "ghcr.io", "127.0.0.1:5000" (as named, normalised for Docker Hub)
  std::string repository;  // "library/alpine"
  std::string tag;         // "latest" when neither tag nor digest was given; may be set along with a digest
  std::string digest;      // "sha256:<64 hex>" or empty; when set it pins the content and wins over the tag

  // The host:port the API lives on: docker.io -> registry-1.docker.io.
  std::string ApiHost() const;
  // What manifests are fetched by: the digest when pinned, else the tag.
  std::string ManifestReference() const { return digest.empty() ? tag : digest; }
  // Fully qualified "docker.io/library/alpine:latest" or "...@sha256:...".
  std::string ToString() const;
  // "docker.io/library/alpine:latest" without a digest (for RepoTags and ref.name annotations).
  std::string NameWithTag() const;
};

// Parses and normalises a reference. kInvalidArgument with the reason on malformed input.
[[nodiscard]] Result<Reference> ParseReference(std::string_view text);

// True for "sha256:<64 lowercase hex>" (the only algorithm verified here).
bool IsValidDigest(std::string_view digest);

// True when `host` (with or without a port) names the loopback interface: localhost, 127.0.0.0/8, [::1].
bool IsLoopbackHost(std::string_view host_port);

}  // namespace customs::image::registry
