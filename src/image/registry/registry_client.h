// An OCI distribution client for one repository (distribution-spec v1.1 "Pulling manifests" / "Pulling blobs").
//
// Transport: libcurl, HTTP/2 where offered, TLS verified unless `insecure_skip_tls_verify`; plain HTTP only for
// registries in `insecure_registries` or on loopback (and then only when the HTTPS handshake fails because the
// server speaks plain HTTP: a TLS server with an untrusted certificate stays an error). Proxies come from the
// environment (http_proxy, https_proxy, no_proxy) as libcurl reads them. Retries with exponential backoff on
// connection errors and 5xx, waits out 429 Retry-After up to `max_retry_after`. Redirects are followed (blob
// storage on another host) up to `max_redirects`; the Authorization header is never sent to another host.
//
// Auth: anonymous, Basic, and the Bearer token flow (on 401, parse WWW-Authenticate, fetch a token from the realm
// with service and scope, retry once). Error messages never contain credentials or tokens.
//
// Thread safety: every method may be called concurrently; each request uses its own curl handle, and connections,
// DNS and TLS sessions are shared.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "image/registry/registry_auth.h"

namespace customs::image::registry {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

struct ClientOptions {
  std::string ca_cert_file;                      // PEM CA bundle trusted INSTEAD of the system store (CURLOPT_CAINFO)
  bool insecure_skip_tls_verify = false;         // --insecure
  std::vector<std::string> insecure_registries;  // hosts (host:port) that may be reached over plain HTTP
  std::optional<Credentials> credentials;
  // An Authorization header value sent from the first request on ("Bearer <token>", "Basic <base64>"): a token the
  // caller already holds (Harbor hands its scanner one per scan). A 401 still runs the challenge flow above.
  std::string authorization;
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds stall_timeout{30};  // a transfer slower than 1 byte/s for this long is aborted
  int max_attempts = 4;                    // per request, counting the first
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::seconds max_retry_after{10};  // a 429 asking to wait longer is an error, not a wait
  int max_redirects = 5;
  std::size_t max_manifest_size = std::size_t{4} << 20;
  std::string user_agent = "customs";
};

struct FetchedManifest {
  std::string media_type;  // from the document's mediaType, else Content-Type
  std::string digest;      // sha256 of `body`, verified against the requested digest when one was asked for
  std::string body;
};

// Receives blob bytes as they arrive; a returned error aborts the transfer and is returned by StreamBlob.
using ByteSink = std::function<Status(const char* data, std::size_t size)>;

class RegistryClient {
 public:
  // `host` is the API host[:port] ("registry-1.docker.io", "127.0.0.1:5000"). No network traffic yet.
  static Result<std::shared_ptr<RegistryClient>> Create(std::string host, std::string repository,
                                                        ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/<repo>/manifests/<reference> with Accept for every media type above. Bounded by max_manifest_size.
  // kNotFound (404), kPermission (401/403), kNetwork, kCorrupt (digest mismatch), kCorrupt (over the size limit).
  [[nodiscard]] Result<FetchedManifest> GetManifest(std::string_view reference);

  // Streams blob `digest` into `sink`, verifying size (when expected_size >= 0) and sha256 as it goes: the
  // mismatch is reported after the last byte was handed to the sink. A dropped connection is resumed with a Range
  // request when retries remain. `cancel`, when set, aborts the transfer with kCancelled.
  [[nodiscard]] Status StreamBlob(std::string_view digest, std::int64_t expected_size, const ByteSink& sink,
                                  const std::atomic<bool>* cancel = nullptr);

  // A whole small blob (the config), verified. kCorrupt when larger than max_size.
  [[nodiscard]] Result<std::string> GetBlob(std::string_view digest, std::int64_t expected_size, std::size_t max_size);

  const std::string& host() const { return host_; }
  const std::string& repository() const { return repository_; }

 private:
  struct Impl;
  RegistryClient(std::string host, std::string repository, ClientOptions options);
  std::unique_ptr<Impl> impl_;
  std::string host_;
  std::string repository_;
};

}  // namespace customs::image::registry
