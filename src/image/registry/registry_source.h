// RegistrySource: an ImageSource backed by an OCI distribution registry.
//
// Open() resolves the reference: fetches the manifest (choosing the platform from an OCI index or Docker manifest
// list), then the config blob, both verified against their digests. OpenLayer() streams a layer: a reader thread
// runs the HTTP transfer into a bounded buffer (4 MiB) and Read() drains it, so layers are never written to disk and
// several layers can be fetched at once. The read that reaches the end reports a size or digest mismatch (kCorrupt).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "image/registry/registry_client.h"
#include "image/registry/registry_reference.h"
#include "image/source.h"

namespace customs::image::registry {

struct RegistryOptions {
  ClientOptions client;
  Platform platform;  // wanted platform when the reference names an index; default linux/amd64
  std::size_t max_config_size = std::size_t{16} << 20;
};

// Platform helpers (private to the registry module: image/source.h's ParsePlatform is the image module's).
// "linux/arm64/v8" -> Platform; kInvalidArgument when malformed.
[[nodiscard]] Result<Platform> ParsePlatformText(std::string_view text);
std::string PlatformText(const Platform& platform);

// Chooses the manifest for `want` from an OCI index / Docker manifest list body. Returns the descriptor's digest and
// size. kNotFound lists the platforms the index offers.
struct IndexChoice {
  std::string digest;
  std::int64_t size = -1;
  std::string media_type;
};
[[nodiscard]] Result<IndexChoice> ChooseFromIndex(std::string_view index_json, const Platform& want);

class RegistrySource final : public ImageSource {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RegistrySource>> Open(const Reference& reference,
                                                                    const RegistryOptions& options);
  // An image manifest the caller already holds (the push gate: the body of a manifest PUT, not yet in the registry),
  // whose config and layers are in `reference`'s repository. Only the config is fetched now (verified); layers stream
  // on OpenLayer. ManifestDigest() is the sha256 of `manifest_body`. kUnsupported for an index or another type,
  // kCorrupt for malformed JSON, plus whatever fetching the config gives (kNotFound, kPermission, kNetwork).
  [[nodiscard]] static Result<std::unique_ptr<RegistrySource>> FromManifest(const Reference& reference,
                                                                            std::string_view manifest_body,
                                                                            std::string_view media_type,
                                                                            const RegistryOptions& options);

  std::string Name() const override { return reference_.ToString(); }
  std::string Kind() const override { return "registry"; }
  std::string ManifestDigest() const override { return manifest_digest_; }
  const std::string& ConfigJson() const override { return config_json_; }
  const std::vector<LayerDescriptor>& Layers() const override { return layers_; }
  [[nodiscard]] Result<std::unique_ptr<BlobReader>> OpenLayer(std::size_t index) const override;
  // A registry is content-addressed and OpenLayer verifies the blob digest: fetching the digest yields those bytes
  // or an error, so the digest itself names them.
  std::string LayerIdentity(std::size_t index) const override {
    return index < layers_.size() && !layers_[index].digest.empty() ? "content:" + layers_[index].digest
                                                                    : std::string();
  }

  const Reference& reference() const { return reference_; }
  // The chosen image manifest, byte for byte as served (its sha256 is ManifestDigest()).
  const std::string& ManifestJson() const { return manifest_json_; }
  const std::string& ManifestMediaType() const { return manifest_media_type_; }
  const std::string& ConfigDigest() const { return config_digest_; }
  const std::string& ConfigMediaType() const { return config_media_type_; }

 private:
  RegistrySource() = default;
  // Reads config and layer descriptors of an image manifest, fetches the config, and keeps the manifest.
  [[nodiscard]] Status ReadImageManifest(const nlohmann::json& document, FetchedManifest fetched,
                                         std::size_t max_config_size);
  Reference reference_;
  std::shared_ptr<RegistryClient> client_;
  std::string manifest_digest_;
  std::string manifest_json_;
  std::string manifest_media_type_;
  std::string config_digest_;
  std::string config_media_type_;
  std::string config_json_;
  std::vector<LayerDescriptor> layers_;
};

}  // namespace customs::image::registry
