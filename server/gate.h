// The registry push gate (`customs server --role gate --upstream URL`): a reverse proxy for the Distribution API
// (distribution-spec v1.1, "Endpoints") in front of any registry, which refuses to store a failing image.
//
// - Everything but a manifest PUT is proxied as is: blob uploads (POST/PATCH/PUT), HEAD and GET stream through in
//   bounded memory (the body never sits whole in the gate), with the client's own Authorization header. Redirects are
//   passed to the client, not followed. Upload `Location`s the upstream names with its own address are rewritten to
//   the gate's (X-Forwarded-Host/-Proto are also sent, which the distribution registry uses to build them).
// - A manifest PUT (by tag or digest) is read whole (at most 4 MiB, as distribution allows) and judged before anything
//   reaches the upstream: the config and layers it references, already uploaded, are read back from the upstream with
//   the client's credentials and scanned with the library pipeline the workers use (scan::BuildInventory,
//   scan::Evaluate under an empty policy, scan::ApplyPolicy under the server's policy). A stored result for (digest,
//   snapshot) in PostgreSQL answers without a scan; a new one is stored with its verdict, so admission finds it.
//   - failing: 403 {"errors":[{"code":"DENIED","message":"customs: ..."}]} naming the worst findings; the manifest is
//     not forwarded, so the tag never appears upstream;
//   - passing: the body is forwarded byte for byte (the upstream computes the same digest);
//   - an index (OCI image index, Docker manifest list) is judged per platform: each child manifest, already pushed by
//     digest, is read back and judged; one failing platform denies the index and the message names it. Attestation
//     manifests (platform unknown/unknown) and non-image artifacts (a config media type that is not an image config)
//     are not images and pass unjudged;
//   - the upstream unreachable: 502 UNAVAILABLE and nothing forwarded; blobs it does not have: 400
//     MANIFEST_BLOB_UNKNOWN; the client's credentials cannot read them: 401 UNAUTHORIZED with the upstream's
//     challenge; an image that cannot be read or scanned otherwise: 403 DENIED (the gate fails closed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/config.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/pg.h"
#include "server/policy.h"

namespace customs::server {

// Where a request path points in the Distribution API.
struct DistributionRoute {
  enum class Kind { kBase, kManifest, kBlob, kUpload, kTags, kReferrers, kCatalog, kOther };
  Kind kind = Kind::kOther;
  std::string repository;  // "library/app" (empty for base, catalog, other)
  std::string reference;   // manifests: tag or digest; blobs: digest; uploads: the session id (may be empty)
};
// "/v2/", "/v2/<name>/manifests/<reference>", "/v2/<name>/blobs/<digest>", "/v2/<name>/blobs/uploads/[<id>]",
// "/v2/<name>/tags/list", "/v2/<name>/referrers/<digest>", "/v2/_catalog". Repository names follow the spec's
// grammar ([a-z0-9]+ separated by '.', '_', '__', '-'s, in '/' components); anything else is kOther.
DistributionRoute ClassifyDistributionPath(std::string_view path);

// A manifest body as a client pushes it.
struct PushedManifest {
  struct Child {
    std::string digest;
    std::string media_type;
    std::int64_t size = -1;
    std::string platform;  // "linux/amd64", "linux/arm64/v8"; "unknown/unknown" for attestations; "" when absent
  };
  std::string media_type;  // from the document's mediaType, else Content-Type, else inferred from its shape
  std::string digest;      // "sha256:" + hex of the body
  bool is_index = false;   // an OCI image index or a Docker manifest list
  bool is_image = false;   // an image manifest whose config is an image config (OCI or Docker)
  std::string config_media_type;
  std::vector<Child> children;  // index only
};
// kInvalidArgument (answer 400 MANIFEST_INVALID) for a body that is not a JSON object, a Docker schema 1 manifest
// (refused: it cannot be judged), or descriptors without a sha256 digest.
[[nodiscard]] Result<PushedManifest> ParsePushedManifest(std::string_view body, std::string_view content_type);

// A Distribution error body: {"errors":[{"code":CODE,"message":MESSAGE}]}.
std::string DistributionErrorBody(std::string_view code, std::string_view message);

// "customs: ..." naming the image (and platform, for an index child), the policy and the worst findings.
std::string DenialMessage(const Verdict& verdict, std::string_view platform, const Policy& policy);

class Gate {
 public:
  // Opens the advisory store (`config.db`; reopened whenever `customs db update` swaps the file, running scans keep the
  // one they started with) and parses `config.upstream` ("http://127.0.0.1:5000", "https://r.io").
  // kInvalidArgument for a malformed upstream, the store's error when it cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<Gate>> Create(const ServerConfig& config, PgPool* pool, Metrics* metrics);
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // True for the paths the gate answers (/v2 and below); everything else is the api's (health, metrics).
  static bool Handles(std::string_view path);
  // Proxies or judges one request; never throws.
  void Handle(HttpExchange& exchange);
  // "" when ready; else why not (no usable store, or one older than max_db_age). Also notices a swapped store file.
  std::string NotReadyReason() const;

 private:
  struct Impl;
  explicit Gate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace customs::server
