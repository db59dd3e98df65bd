#include "image/registry/registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/sha256.h"
#include "image/registry/registry_reference.h"

namespace customs::image::registry {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The registry's own error text, e.g. {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}.
std::string RegistryErrorText(const std::string& body) {
  try {
    nlohmann::json json = nlohmann::json::parse(body);
    if (json.is_object() && json.contains("errors") && json["errors"].is_array() && !json["errors"].empty()) {
      const auto& first = json["errors"][0];
      std::string code = first.value("code", "");
      std::string message = first.value("message", "");
      if (!code.empty() || !message.empty()) {
        return fmt::format(" ({}: {})", code, message);
      }
    }
  } catch (const nlohmann::json::exception&) {
  }
  return "";
}

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercased names, last value wins (final response only)
  std::string error_body;                      // non-2xx bodies, bounded
  CURLcode curl_code = CURLE_OK;
  std::string curl_message;
  bool sink_failed = false;
};

struct TransferState {
  Response* response;
  CURL* curl;
  const ByteSink* sink;
  std::size_t skip;  // bytes to drop at the start (a 200 answer to a Range request)
  Status sink_status;
  const std::atomic<bool>* cancel;
};

size_t HeaderCallback(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    state->response->headers.clear();  // a new response (after a redirect or 100-continue)
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    state->response->headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t WriteCallback(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::size_t total = size * count;
  if (state->cancel != nullptr && state->cancel->load(std::memory_order_relaxed)) {
    state->sink_status = MakeError(ErrorCode::kCancelled, "transfer cancelled");
    state->response->sink_failed = true;
    return 0;
  }
  long status = 0;
  curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300 || state->sink == nullptr) {
    std::string& body = state->response->error_body;
    if (body.size() < 65536) {
      body.append(data, std::min<std::size_t>(total, 65536 - body.size()));
    }
    return total;
  }
  const char* begin = data;
  std::size_t left = total;
  if (state->skip > 0) {
    std::size_t dropped = std::min(state->skip, left);
    state->skip -= dropped;
    begin += dropped;
    left -= dropped;
  }
  if (left > 0) {
    Status sink_status = (*state->sink)(begin, left);
    if (!sink_status) {
      state->sink_status = std::move(sink_status);
      state->response->sink_failed = true;
      return 0;
    }
  }
  return total;
}

// Lets a cancelled reader stop a transfer that is waiting on a stalled server, not only one that is receiving.
int ProgressCallback(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<TransferState*>(user);
  return state->cancel != nullptr && state->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR: return true;
    default: return false;
  }
}

std::string EscapeQuery(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// "http://host:port/path" -> "host:port".
std::string UrlHost(std::string_view url) {
  if (std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url = url.substr(scheme + 3);
  }
  return std::string(url.substr(0, url.find('/')));
}

}  // namespace

struct RegistryClient::Impl {
  ClientOptions options;
  std::string host;
  std::string repository;
  CURLSH* share = nullptr;
  std::mutex share_locks[CURL_LOCK_DATA_LAST];

  std::mutex mutex;           // guards the fields below
  std::string base_url;       // "https://host" once decided
  std::string authorization;  // current "Authorization: ..." header, empty for anonymous
  bool plain_http_allowed = false;

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->share_locks[data].unlock(); }

  // One HTTP exchange, no retries.
  Response PerformOnce(const std::string& url, const std::vector<std::string>& headers, const ByteSink* sink,
                       std::size_t skip, Status* sink_status, const std::atomic<bool>* cancel,
                       bool follow_redirects = true) {
    Response response;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      response.curl_code = CURLE_FAILED_INIT;
      response.curl_message = "curl_easy_init failed";
      return response;
    }
    TransferState state{&response, curl, sink, skip, Ok(), cancel};
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_slist* header_list = nullptr;
    for (const std::string& header : headers) {
      header_list = curl_slist_append(header_list, header.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
    // Authorization set through CURLOPT_HTTPHEADER is dropped on a redirect to another host (CURLOPT_UNRESTRICTED_AUTH
    // stays off); plain HTTP redirect targets are refused unless this registry may use plain HTTP.
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, plain_http_allowed ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // blobs are served as is; this only affects gzip'd JSON
    if (!options.ca_cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_cert_file.c_str());
    }
    if (options.insecure_skip_tls_verify) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &HeaderCallback);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteCallback);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    if (cancel != nullptr) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &ProgressCallback);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    }
    response.curl_code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    if (response.curl_code != CURLE_OK) {
      response.curl_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(response.curl_code);
    }
    curl_slist_free_all(header_list);
    curl_easy_cleanup(curl);
    if (sink_status != nullptr) {
      *sink_status = std::move(state.sink_status);
    }
    return response;
  }

  // Decides between https and http once: plain HTTP only for loopback/--insecure-registry hosts whose HTTPS
  // handshake fails outright (the server speaks HTTP). An untrusted certificate is not a reason to fall back.
  std::string BaseUrl() {
    std::lock_guard lock(mutex);
    if (!base_url.empty()) {
      return base_url;
    }
    bool allowed = IsLoopbackHost(host) ||
                   std::find(options.insecure_registries.begin(), options.insecure_registries.end(), host) !=
                       options.insecure_registries.end();
    base_url = "https://" + host;
    if (allowed) {
      plain_http_allowed = true;
      Response probe = PerformOnce("https://" + host + "/v2/", {}, nullptr, 0, nullptr, nullptr, false);
      if (probe.curl_code == CURLE_SSL_CONNECT_ERROR || probe.curl_code == CURLE_UNSUPPORTED_PROTOCOL ||
          probe.curl_code == CURLE_RECV_ERROR || probe.curl_code == CURLE_GOT_NOTHING) {
        base_url = "http://" + host;
      }
    }
    return base_url;
  }

  std::string CurrentAuthorization() {
    std::lock_guard lock(mutex);
    return authorization;
  }

  Error CurlError(const Response& response, std::string_view what) {
    switch (response.curl_code) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return Error(ErrorCode::kNetwork,
                     fmt::format("{}: TLS certificate of {} is not trusted ({}); pass --ca-cert FILE with the "
                                 "registry's CA, or --insecure to skip verification",
                                 what, host, response.curl_message));
      case CURLE_TOO_MANY_REDIRECTS:
        return Error(ErrorCode::kNetwork,
                     fmt::format("{}: more than {} redirects (a redirect loop?)", what, options.max_redirects));
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Error(ErrorCode::kNetwork, fmt::format("{}: refused redirect or URL with a disallowed protocol ({})",
                                                      what, response.curl_message));
      default: return Error(ErrorCode::kNetwork, fmt::format("{}: {}", what, response.curl_message));
    }
  }

  void Backoff(int attempt) {
    auto delay = options.initial_backoff * (1 << std::min(attempt - 1, 6));
    std::this_thread::sleep_for(delay);
  }

  // Fetches a bearer token from the challenge's realm, or installs Basic credentials.
  Status Authenticate(const std::string& header, std::string_view what) {
    auto challenges = ParseWwwAuthenticate(header);
    if (!challenges) {
      return MakeError(ErrorCode::kPermission, "{}: 401 Unauthorized with an unreadable WWW-Authenticate header", what);
    }
    const Challenge* bearer = nullptr;
    const Challenge* basic = nullptr;
    for (const Challenge& challenge : *challenges) {
      if (challenge.scheme == "bearer" && bearer == nullptr) {
        bearer = &challenge;
      }
      if (challenge.scheme == "basic" && basic == nullptr) {
        basic = &challenge;
      }
    }
    const std::optional<Credentials>& credentials = options.credentials;
    if (bearer == nullptr) {
      if (basic == nullptr) {
        return MakeError(ErrorCode::kUnsupported, "{}: registry asks for an unsupported auth scheme \"{}\"", what,
                         (*challenges)[0].scheme);
      }
      if (!credentials) {
        return MakeError(ErrorCode::kPermission,
                         "{}: 401 Unauthorized: {} requires a login (give --username with --password-stdin, "
                         "CUSTOMS_REGISTRY_USERNAME/CUSTOMS_REGISTRY_PASSWORD, or docker login)",
                         what, host);
      }
      std::lock_guard lock(mutex);
      authorization = "Authorization: Basic " + Base64Encode(credentials->username + ":" + credentials->password);
      return Ok();
    }
    auto realm_it = bearer->params.find("realm");
    if (realm_it == bearer->params.end() || realm_it->second.empty()) {
      return MakeError(ErrorCode::kPermission, "{}: bearer challenge without a realm", what);
    }
    const std::string& realm = realm_it->second;
    std::string realm_host = UrlHost(realm);
    if (realm.rfind("https://", 0) != 0) {
      bool plain_ok = realm.rfind("http://", 0) == 0 && (IsLoopbackHost(realm_host) || plain_http_allowed);
      if (!plain_ok) {
        return MakeError(ErrorCode::kPermission, "{}: refusing token realm \"{}\" (not https)", what, realm);
      }
    }
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    if (auto service = bearer->params.find("service"); service != bearer->params.end()) {
      url += "service=" + EscapeQuery(service->second) + "&";
    }
    auto scope = bearer->params.find("scope");
    url += "scope=" + EscapeQuery(scope != bearer->params.end() ? scope->second : "repository:" + repository + ":pull");
    std::vector<std::string> headers = {"Accept: application/json"};
    if (credentials && credentials->username != "<token>") {
      headers.push_back("Authorization: Basic " + Base64Encode(credentials->username + ":" + credentials->password));
    }
    Response response;
    for (int attempt = 1;; ++attempt) {
      response = PerformOnce(url, headers, nullptr, 0, nullptr, nullptr);
      bool retry = (response.curl_code != CURLE_OK && IsRetryableCurlError(response.curl_code)) ||
                   (response.curl_code == CURLE_OK && response.status >= 500);
      if (!retry || attempt >= options.max_attempts) {
        break;
      }
      Backoff(attempt);
    }
    std::string token_what = fmt::format("{}: fetching a token from {}", what, realm_host);
    if (response.curl_code != CURLE_OK) {
      return tl::unexpected(CurlError(response, token_what));
    }
    if (response.status == 401 || response.status == 403) {
      return MakeError(ErrorCode::kPermission, "{}: {} {}", token_what, response.status,
                       credentials
                           ? fmt::format("the token server rejected the credentials from {}", credentials->origin)
                           : std::string("anonymous access denied; a login is required"));
    }
    if (response.status != 200) {
      return MakeError(ErrorCode::kNetwork, "{}: unexpected HTTP status {}", token_what, response.status);
    }
    std::string token;
    try {
      nlohmann::json json = nlohmann::json::parse(response.error_body);
      token = json.value("token", "");
      if (token.empty()) {
        token = json.value("access_token", "");
      }
    } catch (const nlohmann::json::exception&) {
      return MakeError(ErrorCode::kNetwork, "{}: the token response is not JSON", token_what);
    }
    if (token.empty()) {
      return MakeError(ErrorCode::kNetwork, "{}: the token response has no token", token_what);
    }
    for (char c : token) {
      if (c == '\r' || c == '\n') {
        return MakeError(ErrorCode::kNetwork, "{}: malformed token", token_what);
      }
    }
    std::lock_guard lock(mutex);
    authorization = "Authorization: Bearer " + token;
    return Ok();
  }

  // GET `path` on the registry with auth, retries and clear status errors. For 2xx, the body goes to `sink` (or
  // is returned in error_body when sink is null). `resumable` turns on Range resumption after a partial transfer.
  Result<Response> Get(const std::string& path, const std::vector<std::string>& headers, const ByteSink* sink,
                       std::string_view what, const std::atomic<bool>* cancel, std::size_t* delivered,
                       const std::function<void()>& before_attempt = {}) {
    std::string url = BaseUrl() + path;
    bool reauthenticated = false;
    int attempt = 0;
    int rate_limit_waits = 0;
    for (;;) {
      ++attempt;
      if (before_attempt) {
        before_attempt();
      }
      std::vector<std::string> request_headers = headers;
      if (std::string auth = CurrentAuthorization(); !auth.empty()) {
        request_headers.push_back(auth);
      }
      std::size_t already = delivered != nullptr ? *delivered : 0;
      if (already > 0) {
        request_headers.push_back(fmt::format("Range: bytes={}-", already));
      }
      Status sink_status = Ok();
      Response response = PerformOnce(url, request_headers, sink, 0, &sink_status, cancel);
      if (response.sink_failed) {
        return tl::unexpected(std::move(sink_status).error());
      }
      if (response.curl_code == CURLE_ABORTED_BY_CALLBACK) {
        return MakeError(ErrorCode::kCancelled, "{}: cancelled", what);
      }
      if (response.curl_code != CURLE_OK) {
        if (IsRetryableCurlError(response.curl_code) && attempt < options.max_attempts) {
          Backoff(attempt);
          continue;
        }
        Error error = CurlError(response, what);
        if (attempt > 1) {
          error = std::move(error).WithContext(fmt::format("after {} attempts", attempt));
        }
        return tl::unexpected(std::move(error));
      }
      long status = response.status;
      if (status >= 200 && status < 300) {
        if (already > 0 && status != 206) {
          return MakeError(ErrorCode::kNetwork, "{}: connection dropped and the server cannot resume (no Range)", what);
        }
        return response;
      }
      std::string registry_text = RegistryErrorText(response.error_body);
      if (status == 401) {
        auto challenge = response.headers.find("www-authenticate");
        if (!reauthenticated && challenge != response.headers.end()) {
          reauthenticated = true;
          --attempt;
          CUSTOMS_RETURN_IF_ERROR(Authenticate(challenge->second, what));
          continue;
        }
        return MakeError(ErrorCode::kPermission, "{}: 401 Unauthorized{}: {}", what, registry_text,
                         options.credentials
                             ? fmt::format("the registry rejected the credentials from {}", options.credentials->origin)
                             : std::string("a login is required"));
      }
      if (status == 403) {
        return MakeError(ErrorCode::kPermission, "{}: 403 Forbidden{}: access to {} denied", what, registry_text,
                         repository);
      }
      if (status == 404) {
        return MakeError(ErrorCode::kNotFound, "{}: 404 not found{}", what, registry_text);
      }
      if (status == 429) {
        std::string retry_after = "unspecified";
        long seconds = -1;
        if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
          retry_after = it->second;
          char* end = nullptr;
          seconds = std::strtol(it->second.c_str(), &end, 10);
          if (end == it->second.c_str() || *end != '\0') {
            seconds = -1;
          }
        }
        if (seconds >= 0 && seconds <= options.max_retry_after.count() && rate_limit_waits < options.max_attempts) {
          ++rate_limit_waits;
          --attempt;
          std::this_thread::sleep_for(std::chrono::seconds(seconds));
          continue;
        }
        return MakeError(ErrorCode::kNetwork, "{}: 429 Too Many Requests: rate limited by {} (Retry-After: {}{})", what,
                         host, retry_after, seconds >= 0 ? " s" : "");
      }
      if (status >= 500) {
        if (attempt < options.max_attempts) {
          Backoff(attempt);
          continue;
        }
        return MakeError(ErrorCode::kNetwork, "{}: server error {}{} after {} attempts", what, status, registry_text,
                         attempt);
      }
      return MakeError(ErrorCode::kNetwork, "{}: unexpected HTTP status {}{}", what, status, registry_text);
    }
  }
};

RegistryClient::RegistryClient(std::string host, std::string repository, ClientOptions options)
    : impl_(std::make_unique<Impl>()), host_(std::move(host)), repository_(std::move(repository)) {
  impl_->options = std::move(options);
  if (!impl_->options.authorization.empty()) {
    impl_->authorization = "Authorization: " + impl_->options.authorization;
  }
  impl_->host = host_;
  impl_->repository = repository_;
  impl_->share = curl_share_init();
  curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
  curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
  curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

RegistryClient::~RegistryClient() {
  if (impl_ && impl_->share != nullptr) {
    curl_share_cleanup(impl_->share);
  }
}

Result<std::shared_ptr<RegistryClient>> RegistryClient::Create(std::string host, std::string repository,
                                                               ClientOptions options) {
  GlobalInit();
  if (host.empty() || repository.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "empty registry or repository");
  }
  if (!options.ca_cert_file.empty() && ::access(options.ca_cert_file.c_str(), R_OK) != 0) {
    return MakeError(ErrorCode::kNotFound, "--ca-cert {}: cannot read the file", options.ca_cert_file);
  }
  return std::shared_ptr<RegistryClient>(
      new RegistryClient(std::move(host), std::move(repository), std::move(options)));
}

Result<FetchedManifest> RegistryClient::GetManifest(std::string_view reference) {
  std::string what = fmt::format("manifest {}/{}:{}", host_, repository_, reference);
  std::string body;
  std::size_t limit = impl_->options.max_manifest_size;
  ByteSink sink = [&](const char* data, std::size_t size) -> Status {
    if (body.size() + size > limit) {
      return MakeError(ErrorCode::kCorrupt, "{}: larger than the {} byte manifest limit", what, limit);
    }
    body.append(data, size);
    return Ok();
  };
  std::vector<std::string> headers = {
      fmt::format("Accept: {}, {}, {}, {}", kOciManifest, kOciIndex, kDockerManifest, kDockerManifestList)};
  CUSTOMS_ASSIGN_OR_RETURN(Response response,
                           impl_->Get(fmt::format("/v2/{}/manifests/{}", repository_, reference), headers, &sink, what,
                                      nullptr, nullptr, [&] { body.clear(); }));
  FetchedManifest manifest;
  manifest.digest = "sha256:" + Sha256::HexOf(body);
  if (reference.rfind("sha256:", 0) == 0 && manifest.digest != reference) {
    return MakeError(ErrorCode::kCorrupt, "{}: content digest {} does not match the requested digest", what,
                     manifest.digest);
  }
  if (auto header = response.headers.find("docker-content-digest"); header != response.headers.end() &&
                                                                    header->second.rfind("sha256:", 0) == 0 &&
                                                                    header->second != manifest.digest) {
    return MakeError(ErrorCode::kCorrupt, "{}: content digest {} differs from Docker-Content-Digest {}", what,
                     manifest.digest, header->second);
  }
  if (auto type = response.headers.find("content-type"); type != response.headers.end()) {
    manifest.media_type = Trim(std::string_view(type->second).substr(0, type->second.find(';')));
  }
  manifest.body = std::move(body);
  return manifest;
}

Status RegistryClient::StreamBlob(std::string_view digest, std::int64_t expected_size, const ByteSink& sink,
                                  const std::atomic<bool>* cancel) {
  std::string what = fmt::format("blob {}", digest);
  if (!IsValidDigest(digest)) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: not a sha256 digest", what);
  }
  Sha256 hash;
  std::size_t delivered = 0;
  ByteSink verifying = [&](const char* data, std::size_t size) -> Status {
    if (expected_size >= 0 && delivered + size > static_cast<std::size_t>(expected_size)) {
      return MakeError(ErrorCode::kCorrupt, "{}: larger than the {} bytes the manifest declares", what, expected_size);
    }
    hash.Update(data, size);
    delivered += size;
    return sink(data, size);
  };
  std::vector<std::string> headers = {"Accept: */*"};
  CUSTOMS_ASSIGN_OR_RETURN(Response response, impl_->Get(fmt::format("/v2/{}/blobs/{}", repository_, digest), headers,
                                                         &verifying, what, cancel, &delivered));
  (void)response;
  if (expected_size >= 0 && delivered != static_cast<std::size_t>(expected_size)) {
    return MakeError(ErrorCode::kCorrupt, "{}: got {} bytes, the manifest declares {}", what, delivered, expected_size);
  }
  std::string actual = "sha256:" + hash.FinishHex();
  if (actual != digest) {
    return MakeError(ErrorCode::kCorrupt, "{}: digest mismatch, content hashes to {}", what, actual);
  }
  return Ok();
}

Result<std::string> RegistryClient::GetBlob(std::string_view digest, std::int64_t expected_size, std::size_t max_size) {
  if (expected_size > static_cast<std::int64_t>(max_size)) {
    return MakeError(ErrorCode::kCorrupt, "blob {}: {} bytes is over the {} byte limit", digest, expected_size,
                     max_size);
  }
  std::string body;
  ByteSink sink = [&](const char* data, std::size_t size) -> Status {
    if (body.size() + size > max_size) {
      return MakeError(ErrorCode::kCorrupt, "blob {}: over the {} byte limit", digest, max_size);
    }
    body.append(data, size);
    return Ok();
  };
  CUSTOMS_RETURN_IF_ERROR(StreamBlob(digest, expected_size, sink));
  return body;
}

}  // namespace customs::image::registry
