// Where an image comes from: a docker-archive, an OCI layout, an oci-archive, a registry, or a root filesystem.
// CONTRACT shared with the registry client: keep these names; the image module owns and may extend them.
//
// An ImageSource resolves the manifest (choosing the platform from an index), exposes the config JSON and the
// ordered layer list, and opens each layer as a stream. Streams verify the blob digest as they are read: the read
// that reaches the end returns kCorrupt when the sha256 does not match, so nothing unverified is ever accepted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace customs::image {

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;
  std::string ToString() const;  // "linux/amd64", "linux/arm/v7"
};
// "linux/amd64", "linux/arm64/v8" -> Platform. kInvalidArgument on a malformed string.
[[nodiscard]] Result<Platform> ParsePlatform(std::string_view text);

struct LayerDescriptor {
  std::string digest;      // "sha256:<hex>" of the blob as stored (compressed or not)
  std::string media_type;  // as the manifest says; compression is still detected from magic bytes
  std::int64_t size = -1;  // -1 when unknown (docker-archive)
};

// A sequential byte stream. Read returns 0 at the end; a digest mismatch is reported by the read that hits the end.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  [[nodiscard]] virtual Result<std::size_t> Read(void* buffer, std::size_t size) = 0;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // Human-readable name for reports: the path or the reference.
  virtual std::string Name() const = 0;
  // "docker-archive", "oci-layout", "oci-archive", "registry", "rootfs".
  virtual std::string Kind() const = 0;
  // Digest of the chosen image manifest ("sha256:..."), empty for docker-archive/rootfs when none exists.
  virtual std::string ManifestDigest() const = 0;
  // The raw image config JSON (empty for a root filesystem).
  virtual const std::string& ConfigJson() const = 0;
  virtual const std::vector<LayerDescriptor>& Layers() const = 0;
  // Opens layer `index` (0 = base). May be called concurrently for different layers.
  [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> OpenLayer(std::size_t index) const = 0;
  // True when OpenLayer's streams verify the blob digest themselves. When false (a docker-archive with layers named
  // by path), the layer walker verifies the uncompressed stream against the config's rootfs.diff_ids instead.
  virtual bool VerifiesLayerDigests() const { return true; }
  // Names the exact bytes OpenLayer(index) would return, cheaply, so that a cached analysis may stand in for reading
  // them: equal identities mean identical bytes. Local files give their device, inode, size, modification and change
  // times and the member's range (a file cut short or rewritten gets another identity); a registry gives its
  // content address. Empty when no such proof exists: the layer is then always read.
  virtual std::string LayerIdentity(std::size_t index) const {
    (void)index;
    return {};
  }
};

}  // namespace customs::image
