#include "server/gate.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/sha256.h"
#include "image/registry/registry_client.h"
#include "image/registry/registry_reference.h"
#include "image/registry/registry_source.h"
#include "report/sbom.h"
#include "scan/codec.h"
#include "scan/inventory.h"
#include "scan/scan.h"
#include "server/file_identity.h"
#include "server/log.h"
#include "server/state.h"
#include "vulndb/snapshot.h"
#include "vulndb/store.h"

namespace customs::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// distribution's own manifest limit (registry/handlers/manifests.go: maxManifestBodySize).
constexpr std::size_t kMaxManifestBytes = std::size_t{4} << 20;
// Up to this much of an upstream response is held to answer it whole; beyond, it streams.
constexpr std::size_t kResponseBuffer = std::size_t{64} * 1024;

constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Hop-by-hop headers (RFC 9110 section 7.6.1) and the framing the HTTP layer sets itself.
bool IsHopByHop(std::string_view name) {
  for (std::string_view h :
       {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "content-length", "host", "expect", "server"}) {
    if (EqualsIgnoreCase(name, h)) {
      return true;
    }
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// One path component of a repository name (distribution-spec "Pulling manifests": [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*).
bool IsNameComponent(std::string_view c) {
  if (c.empty() || !std::isalnum(static_cast<unsigned char>(c.front())) ||
      !std::isalnum(static_cast<unsigned char>(c.back()))) {
    return false;
  }
  for (std::size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (alnum) {
      continue;
    }
    if (ch == '.' || ch == '_' || ch == '-') {
      // '.' alone, '_' or '__', any run of '-'
      std::size_t j = i;
      while (j < c.size() && (c[j] == '.' || c[j] == '_' || c[j] == '-')) {
        ++j;
      }
      std::string_view run = c.substr(i, j - i);
      bool ok = run == "." || run == "_" || run == "__" || run.find_first_not_of('-') == std::string_view::npos;
      if (!ok) {
        return false;
      }
      i = j - 1;
      continue;
    }
    return false;
  }
  return true;
}

bool IsRepositoryName(std::string_view name) {
  if (name.empty() || name.size() > 255) {
    return false;
  }
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = name.find('/', start);
    if (!IsNameComponent(name.substr(start, slash == std::string_view::npos ? slash : slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

// A tag ([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}) or a digest (algorithm:hex).
bool IsManifestReference(std::string_view r) {
  if (r.empty() || r.size() > 200) {
    return false;
  }
  return std::all_of(r.begin(), r.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == ':' || c == '+' ||
           c == '=';
  });
}

std::string PlatformOf(const json& descriptor) {
  if (!descriptor.contains("platform") || !descriptor["platform"].is_object()) {
    return "";
  }
  const json& p = descriptor["platform"];
  std::string os = p.contains("os") && p["os"].is_string() ? p["os"].get<std::string>() : "";
  std::string arch =
      p.contains("architecture") && p["architecture"].is_string() ? p["architecture"].get<std::string>() : "";
  std::string variant = p.contains("variant") && p["variant"].is_string() ? p["variant"].get<std::string>() : "";
  std::string out = os + "/" + arch;
  if (!variant.empty()) {
    out += "/" + variant;
  }
  return out;
}

struct Upstream {
  std::string scheme;  // http, https
  std::string host;    // host:port as in the URL
  std::string Origin() const { return scheme + "://" + host; }
};

Result<Upstream> ParseUpstream(std::string_view url) {
  Upstream u;
  std::size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "upstream \"{}\" is not a URL (http://HOST:PORT or https://HOST)",
                     url);
  }
  u.scheme = std::string(url.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https") {
    return MakeError(ErrorCode::kInvalidArgument, "upstream \"{}\": only http and https are supported", url);
  }
  std::string_view rest = url.substr(colon + 3);
  while (rest.ends_with('/')) {
    rest.remove_suffix(1);
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "upstream \"{}\": give the registry's origin only (scheme://host[:port], no path or user)", url);
  }
  u.host = std::string(rest);
  return u;
}

// --- the proxy -----------------------------------------------------------------------------------------------------

struct ProxyCall {
  HttpExchange* exchange = nullptr;
  const std::string* preloaded = nullptr;  // a body already read (a judged manifest); else the client's is streamed
  std::size_t preloaded_offset = 0;
  bool head = false;
  std::string upstream_origin;
  std::string gate_origin;

  int status = 0;
  std::vector<HttpHeader> headers;
  std::optional<std::uint64_t> content_length;
  std::string buffered;
  bool begun = false;
  bool client_failed = false;
  std::optional<Error> read_error;

  Status Begin() {
    begun = true;
    return exchange->BeginResponse(status, headers, content_length);
  }
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* call = static_cast<ProxyCall*>(user);
  size_t length = size * count;
  std::string_view line = Trim(std::string_view(data, length));
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, too): start over.
    std::size_t space = line.find(' ');
    call->status = space == std::string_view::npos ? 502 : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    call->headers.clear();
    call->content_length.reset();
    return length;
  }
  std::size_t colon = line.find(':');
  if (line.empty() || colon == std::string_view::npos) {
    return length;
  }
  std::string_view name = Trim(line.substr(0, colon));
  std::string value(Trim(line.substr(colon + 1)));
  if (EqualsIgnoreCase(name, "content-length")) {
    call->content_length = std::strtoull(value.c_str(), nullptr, 10);
    return length;
  }
  if (IsHopByHop(name)) {
    return length;
  }
  if (EqualsIgnoreCase(name, "location") && !call->gate_origin.empty() && value.starts_with(call->upstream_origin) &&
      (value.size() == call->upstream_origin.size() || value[call->upstream_origin.size()] == '/')) {
    value = call->gate_origin + value.substr(call->upstream_origin.size());
  }
  call->headers.push_back({std::string(name), std::move(value)});
  return length;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* call = static_cast<ProxyCall*>(user);
  size_t length = size * count;
  if (!call->begun) {
    call->buffered.append(data, length);
    if (call->buffered.size() < kResponseBuffer) {
      return length;
    }
    if (!call->Begin() || !call->exchange->WriteBody(call->buffered)) {
      call->client_failed = true;
      return 0;
    }
    call->buffered.clear();
    call->buffered.shrink_to_fit();
    return length;
  }
  if (!call->exchange->WriteBody(std::string_view(data, length))) {
    call->client_failed = true;
    return 0;
  }
  return length;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* call = static_cast<ProxyCall*>(user);
  size_t room = size * count;
  if (call->preloaded != nullptr) {
    size_t n = std::min(room, call->preloaded->size() - call->preloaded_offset);
    std::copy_n(call->preloaded->data() + call->preloaded_offset, n, buffer);
    call->preloaded_offset += n;
    return n;
  }
  auto read = call->exchange->ReadBodySome(buffer, room);
  if (!read) {
    call->read_error = read.error();
    return CURL_READFUNC_ABORT;
  }
  return *read;
}

}  // namespace

DistributionRoute ClassifyDistributionPath(std::string_view path) {
  DistributionRoute route;
  if (path == "/v2" || path == "/v2/") {
    route.kind = DistributionRoute::Kind::kBase;
    return route;
  }
  if (!path.starts_with("/v2/")) {
    return route;
  }
  std::string_view rest = path.substr(4);
  if (rest == "_catalog") {
    route.kind = DistributionRoute::Kind::kCatalog;
    return route;
  }
  auto split = [&](std::string_view marker, DistributionRoute::Kind kind, bool reference_required) {
    std::size_t at = rest.rfind(marker);
    if (at == std::string_view::npos || at == 0) {
      return false;
    }
    std::string_view name = rest.substr(0, at);
    std::string_view reference = rest.substr(at + marker.size());
    if (!IsRepositoryName(name) || reference.find('/') != std::string_view::npos ||
        (reference_required && !IsManifestReference(reference))) {
      return false;
    }
    route.kind = kind;
    route.repository = std::string(name);
    route.reference = std::string(reference);
    return true;
  };
  if (rest.ends_with("/tags/list")) {
    std::string_view name = rest.substr(0, rest.size() - 10);
    if (IsRepositoryName(name)) {
      route.kind = DistributionRoute::Kind::kTags;
      route.repository = std::string(name);
    }
    return route;
  }
  if (split("/blobs/uploads/", DistributionRoute::Kind::kUpload, false) ||
      split("/manifests/", DistributionRoute::Kind::kManifest, true) ||
      split("/blobs/", DistributionRoute::Kind::kBlob, true) ||
      split("/referrers/", DistributionRoute::Kind::kReferrers, true)) {
    return route;
  }
  if (rest.ends_with("/blobs/uploads")) {
    std::string_view name = rest.substr(0, rest.size() - 14);
    if (IsRepositoryName(name)) {
      route.kind = DistributionRoute::Kind::kUpload;
      route.repository = std::string(name);
    }
  }
  return route;
}

Result<PushedManifest> ParsePushedManifest(std::string_view body, std::string_view content_type) {
  PushedManifest out;
  out.digest = "sha256:" + Sha256::HexOf(body);
  json document = json::parse(body, nullptr, false);
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the manifest is not a JSON object");
  }
  std::string type;
  if (document.contains("mediaType")) {
    if (!document["mediaType"].is_string()) {
      return MakeError(ErrorCode::kInvalidArgument, "the manifest's mediaType is not a string");
    }
    type = document["mediaType"].get<std::string>();
  }
  std::string header(Trim(content_type.substr(0, content_type.find(';'))));
  if (type.empty() && !header.empty() && header != "application/json") {
    type = header;
  }
  if (type.empty()) {
    if (document.contains("manifests")) {
      type = std::string(image::registry::kOciIndex);
    } else if (document.contains("config") && document.contains("layers")) {
      type = std::string(image::registry::kOciManifest);
    }
  }
  out.media_type = type;
  if (type.find("distribution.manifest.v1") != std::string::npos ||
      (document.contains("schemaVersion") && document["schemaVersion"] == 1)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "Docker schema 1 manifests cannot be judged; push with a client that writes schema 2 or OCI");
  }
  auto valid_digest = [](const json& descriptor) {
    return descriptor.is_object() && descriptor.contains("digest") && descriptor["digest"].is_string() &&
           image::registry::IsValidDigest(descriptor["digest"].get<std::string>());
  };
  if (type == image::registry::kOciIndex || type == image::registry::kDockerManifestList) {
    out.is_index = true;
    if (!document.contains("manifests") || !document["manifests"].is_array()) {
      return MakeError(ErrorCode::kInvalidArgument, "the index has no manifests array");
    }
    for (const json& descriptor : document["manifests"]) {
      if (!valid_digest(descriptor)) {
        return MakeError(ErrorCode::kInvalidArgument, "an index entry has no sha256 digest");
      }
      PushedManifest::Child child;
      child.digest = descriptor["digest"].get<std::string>();
      child.media_type = descriptor.contains("mediaType") && descriptor["mediaType"].is_string()
                             ? descriptor["mediaType"].get<std::string>()
                             : "";
      child.size = descriptor.contains("size") && descriptor["size"].is_number_integer()
                       ? descriptor["size"].get<std::int64_t>()
                       : -1;
      child.platform = PlatformOf(descriptor);
      out.children.push_back(std::move(child));
    }
    return out;
  }
  if (document.contains("config")) {
    if (!valid_digest(document["config"])) {
      return MakeError(ErrorCode::kInvalidArgument, "the manifest's config has no sha256 digest");
    }
    const json& config = document["config"];
    out.config_media_type =
        config.contains("mediaType") && config["mediaType"].is_string() ? config["mediaType"].get<std::string>() : "";
    if (!document.contains("layers") || !document["layers"].is_array()) {
      return MakeError(ErrorCode::kInvalidArgument, "the manifest has no layers array");
    }
    for (const json& layer : document["layers"]) {
      if (!valid_digest(layer)) {
        return MakeError(ErrorCode::kInvalidArgument, "a layer has no sha256 digest");
      }
    }
    bool image_manifest = type == image::registry::kOciManifest || type == image::registry::kDockerManifest;
    // An OCI manifest with an empty config media type is an image per the spec's default; artifacts name theirs.
    out.is_image = image_manifest && (out.config_media_type == kOciConfig || out.config_media_type == kDockerConfig ||
                                      out.config_media_type.empty());
  }
  return out;
}

std::string DistributionErrorBody(std::string_view code, std::string_view message) {
  return json{{"errors", json::array({json{{"code", code}, {"message", message}}})}}.dump();
}

std::string DenialMessage(const Verdict& verdict, std::string_view platform, const Policy& policy) {
  std::string rule = policy.fail_on ? fmt::format("findings at or above {}", vulndb::SeverityName(*policy.fail_on))
                                    : std::string("the policy");
  std::string out = fmt::format("customs: image {}{} is denied", verdict.manifest_digest,
                                platform.empty() ? std::string() : fmt::format(" ({})", platform));
  if (verdict.exit_code == scan::kExitIncomplete) {
    out += ": the scan was incomplete (allow_incomplete is off)";
  } else {
    int total = 0;
    for (const auto& [severity, count] : verdict.counts) {
      total += count;
    }
    out += fmt::format(": {} finding(s), worst {}; fails on {}", total, verdict.worst_severity, rule);
  }
  if (!verdict.worst.empty()) {
    out += "; worst:";
    for (std::size_t i = 0; i < verdict.worst.size(); ++i) {
      const WorstFinding& w = verdict.worst[i];
      out += fmt::format("{} {} {} {} {}", i == 0 ? "" : ",", w.id, w.severity, w.package, w.version);
      if (!w.fixed_version.empty()) {
        out += fmt::format(" (fixed in {})", w.fixed_version);
      }
    }
  }
  return out;
}

// --- the gate ------------------------------------------------------------------------------------------------------

struct Gate::Impl {
  ServerConfig config;
  PgPool* pool = nullptr;
  Metrics* metrics = nullptr;
  Upstream upstream;
  // The local advisory store, reopened when `customs db update` swaps the file. Scans hold their own reference, so a
  // swap never pulls the store from under a running scan.
  mutable std::mutex store_mutex;
  std::shared_ptr<const vulndb::Store> store;
  std::optional<FileIdentity> store_identity;
  std::string snapshot_digest;
  std::string built_at;
  std::string analyzer_version = scan::AnalyzerVersion();
  std::string policy_digest;

  // The result of judging one image manifest.
  struct Judgement {
    bool judged = false;  // false: not an image (an artifact, an attestation): passes
    Verdict verdict;
    std::string platform;
  };

  // Opens the store, or reopens it when the file was replaced. Returns the store and its snapshot digest to use.
  Result<std::pair<std::shared_ptr<const vulndb::Store>, std::string>> CurrentStore() {
    std::lock_guard lock(store_mutex);
    auto identity = Identify(config.db);
    if (!store || (identity && identity != store_identity)) {
      auto opened = vulndb::Store::Open(config.db);
      if (!opened) {
        if (store) {
          LogEvent("warning", "gate_store_reopen_failed", {{"error", opened.error().message()}});
          return std::make_pair(store, snapshot_digest);  // keep judging with the store we have
        }
        return tl::unexpected(std::move(opened).error().WithContext(fmt::format(
            "the gate scans with the advisory store {} (install one with `customs db update`)", config.db)));
      }
      CUSTOMS_ASSIGN_OR_RETURN(auto info, (*opened)->Info());
      CUSTOMS_ASSIGN_OR_RETURN(std::string digest, vulndb::FileDigest(config.db));
      store = std::shared_ptr<const vulndb::Store>(std::move(*opened));
      store_identity = identity;
      built_at = info.built_at;
      snapshot_digest = digest;
      LogEvent("info", "gate_store_opened", {{"snapshot", snapshot_digest}, {"built_at", built_at}});
    }
    return std::make_pair(store, snapshot_digest);
  }

  std::string StoreTooOld() const {
    std::lock_guard lock(store_mutex);
    auto too_old =
        vulndb::SnapshotTooOld(built_at, std::chrono::duration_cast<std::chrono::seconds>(config.max_db_age),
                               fmt::format("the advisory store {} (snapshot {})", config.db, snapshot_digest),
                               "install a fresh snapshot (`customs db update`; the gate picks it up) or raise "
                               "max_db_age; until then every manifest push is refused");
    return too_old ? *too_old : std::string();
  }

  image::registry::RegistryOptions RegistryOptionsFor(const HttpRequest& request) const {
    image::registry::RegistryOptions options;
    if (const std::string* authorization = request.Header("Authorization"); authorization != nullptr) {
      options.client.authorization = *authorization;
    }
    options.client.ca_cert_file = config.registry_ca_cert;
    options.client.insecure_skip_tls_verify = config.registry_insecure;
    options.client.insecure_registries = config.insecure_registries;
    if (upstream.scheme == "http") {
      options.client.insecure_registries.push_back(upstream.host);
    }
    options.client.max_attempts = 2;
    options.client.user_agent = "customs-gate";
    return options;
  }

  image::registry::Reference ReferenceFor(const std::string& repository, const std::string& digest) const {
    image::registry::Reference reference;
    reference.registry = upstream.host;
    reference.repository = repository;
    reference.digest = digest;
    return reference;
  }

  // Records what the gate learned in PostgreSQL (best effort: the push is judged either way).
  void Record(const std::string& reference, const std::string& digest, const std::string& snapshot,
              const scan::Inventory* inventory, const std::string& result, const Verdict& verdict) {
    auto saved = pool->Run([&](PgConnection& c) -> Status {
      return PgTransaction(c, [&]() -> Status {
        if (inventory != nullptr) {
          CUSTOMS_RETURN_IF_ERROR(SaveInventory(c, digest, analyzer_version, scan::EncodeInventory(*inventory)));
        }
        if (!result.empty()) {
          CUSTOMS_RETURN_IF_ERROR(SaveResult(c, digest, snapshot, analyzer_version, result));
        }
        CUSTOMS_RETURN_IF_ERROR(SavePolicy(c, config.policy));
        CUSTOMS_RETURN_IF_ERROR(SaveVerdict(c, verdict));
        ScanRequestRecord record;
        record.id = report::RandomUuid();
        record.source = "gate";
        record.reference = reference;
        record.manifest_digest = digest;
        record.policy_digest = policy_digest;
        record.state = "done";
        record.snapshot_digest = snapshot;
        return InsertScanRequest(c, record);
      });
    });
    if (!saved) {
      LogEvent("warning", "gate_record_failed", {{"digest", digest}, {"error", saved.error().message()}});
    }
  }

  // "linux/arm64/v8" from the image config of the inventory just built, else of the stored one; "" when unknown.
  std::string PlatformOfInventory(const std::optional<scan::Inventory>& built, const std::string& digest) {
    std::optional<scan::Inventory> stored;
    if (!built) {
      auto text = pool->Run([&](PgConnection& c) { return LoadInventory(c, digest, analyzer_version); });
      if (text && *text) {
        if (auto decoded = scan::DecodeInventory(**text)) {
          stored = std::move(*decoded);
        }
      }
    }
    const std::optional<scan::Inventory>& inventory = built ? built : stored;
    if (!inventory || inventory->config.os.empty() || inventory->config.architecture.empty()) {
      return {};
    }
    std::string out = inventory->config.os + "/" + inventory->config.architecture;
    if (!inventory->config.variant.empty()) {
      out += "/" + inventory->config.variant;
    }
    return out;
  }

  // Judges one image manifest (its body as pushed or as read back for an index child).
  using StoreRef = std::pair<std::shared_ptr<const vulndb::Store>, std::string>;  // the store, its snapshot digest

  Result<Judgement> JudgeImage(const HttpRequest& request, const StoreRef& current, const std::string& repository,
                               const std::string& body, const PushedManifest& manifest, const std::string& platform) {
    const std::string& snapshot = current.second;
    Judgement judgement;
    judgement.platform = platform;
    if (!manifest.is_image) {
      return judgement;
    }
    judgement.judged = true;
    const std::string& digest = manifest.digest;
    std::string reference = fmt::format("{}/{}@{}", upstream.host, repository, digest);
    // A result stored for this image and snapshot (a re-push, or a scan by a worker) answers without a scan.
    auto stored = pool->Run([&](PgConnection& c) { return LoadResult(c, digest, snapshot); });
    std::optional<report::ScanReport> report;
    if (stored && *stored) {
      auto decoded = scan::DecodeReport(**stored);
      if (decoded) {
        report = std::move(*decoded);
      }
    }
    std::optional<scan::Inventory> inventory_kept;
    std::string encoded_result;
    if (!report) {
      auto started = Clock::now();
      CUSTOMS_ASSIGN_OR_RETURN(
          auto source, image::registry::RegistrySource::FromManifest(ReferenceFor(repository, digest), body,
                                                                     manifest.media_type, RegistryOptionsFor(request)));
      scan::InventoryOptions options;
      options.target = reference;
      options.source = source.get();
      options.cache_dir = config.cache_dir;
      CUSTOMS_ASSIGN_OR_RETURN(scan::Inventory inventory, scan::BuildInventory(options));
      scan::Inventory copy = inventory;
      CUSTOMS_ASSIGN_OR_RETURN(scan::ScanResult full,
                               scan::Evaluate(std::move(inventory), current.first.get(), scan::ScanPolicy{}));
      encoded_result = scan::EncodeReport(full.report);
      inventory_kept = std::move(copy);
      report = std::move(full.report);
      metrics->ObserveScan(std::chrono::duration<double>(Clock::now() - started).count());
    }
    scan::ScanResult gated = scan::ApplyPolicy(std::move(*report), ToScanPolicy(config.policy));
    judgement.verdict = MakeVerdict(gated, digest, policy_digest, snapshot);
    metrics->CountVerdict(judgement.verdict.passed);
    if (judgement.platform.empty() && !judgement.verdict.passed) {
      // A platform manifest pushed by digest (before its index) is named by its config's platform.
      judgement.platform = PlatformOfInventory(inventory_kept, digest);
    }
    Record(reference, digest, snapshot, inventory_kept ? &*inventory_kept : nullptr, encoded_result, judgement.verdict);
    LogEvent("info", "gate_verdict",
             {{"repository", repository},
              {"digest", digest},
              {"platform", platform},
              {"passed", judgement.verdict.passed},
              {"worst", judgement.verdict.worst_severity},
              {"scanned", !encoded_result.empty()}});
    return judgement;
  }

  void Reply(HttpExchange& exchange, int status, std::string_view code, std::string_view message,
             std::vector<HttpHeader> extra = {}) {
    HttpResponse response;
    response.status = status;
    response.Set("Content-Type", "application/json; charset=utf-8");
    response.Set("Docker-Distribution-API-Version", "registry/2.0");
    for (auto& header : extra) {
      response.headers.push_back(std::move(header));
    }
    response.body = DistributionErrorBody(code, message);
    metrics->CountHttp(status);
    (void)exchange.Respond(response);
  }

  // The upstream's WWW-Authenticate challenge for an anonymous GET /v2/ ("" when it has none or is unreachable).
  std::string UpstreamChallenge() const {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      return {};
    }
    std::string challenge;
    auto on_header = +[](char* data, size_t size, size_t count, void* user) -> size_t {
      std::string_view line = Trim(std::string_view(data, size * count));
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && EqualsIgnoreCase(Trim(line.substr(0, colon)), "www-authenticate")) {
        *static_cast<std::string*>(user) = std::string(Trim(line.substr(colon + 1)));
      }
      return size * count;
    };
    std::string url = upstream.Origin() + "/v2/";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &challenge);
    if (!config.registry_ca_cert.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, config.registry_ca_cert.c_str());
    }
    if (config.registry_insecure) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    (void)curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return challenge;
  }

  // A failure to read or scan the pushed image, as the client sees it.
  void ReplyScanError(HttpExchange& exchange, const Error& error) {
    LogEvent("warning", "gate_scan_failed", {{"error", error.message()}});
    switch (error.code()) {
      case ErrorCode::kNetwork:
        return Reply(
            exchange, 502, "UNAVAILABLE",
            fmt::format("customs: the upstream registry {} could not be read: {}", upstream.Origin(), error.message()));
      case ErrorCode::kPermission: {
        // The client's credentials do not let it read what it pushed (or it sent none): answer as the registry
        // would, with its challenge, so the client authenticates and tries again.
        std::vector<HttpHeader> challenge;
        if (std::string value = UpstreamChallenge(); !value.empty()) {
          challenge.push_back({"WWW-Authenticate", value});
        }
        return Reply(exchange, 401, "UNAUTHORIZED",
                     fmt::format("customs: the pushed image cannot be read from the registry with these credentials: "
                                 "{}",
                                 error.message()),
                     std::move(challenge));
      }
      case ErrorCode::kNotFound:
        return Reply(
            exchange, 400, "MANIFEST_BLOB_UNKNOWN",
            fmt::format("customs: the manifest references content the registry does not have: {}", error.message()));
      default:
        return Reply(exchange, 403, "DENIED",
                     fmt::format("customs: the image could not be scanned, so it is refused: {}", error.message()));
    }
  }

  void PutManifest(HttpExchange& exchange, const DistributionRoute& route) {
    const HttpRequest& request = exchange.request();
    auto body = exchange.ReadBody(kMaxManifestBytes);
    if (!body) {
      if (body.error().code() == ErrorCode::kInvalidArgument) {
        return Reply(exchange, 413, "SIZE_INVALID",
                     fmt::format("customs: manifests are limited to {} bytes", kMaxManifestBytes));
      }
      return;  // the client went away
    }
    const std::string* content_type = request.Header("Content-Type");
    auto manifest = ParsePushedManifest(*body, content_type ? *content_type : std::string());
    if (!manifest) {
      return Reply(exchange, 400, "MANIFEST_INVALID", "customs: " + manifest.error().message());
    }
    auto current = CurrentStore();
    if (!current) {
      return Reply(exchange, 503, "UNAVAILABLE", "customs: " + current.error().message());
    }
    if (std::string too_old = StoreTooOld(); !too_old.empty()) {
      return Reply(exchange, 503, "UNAVAILABLE", "customs: " + too_old);
    }
    std::vector<Judgement> judgements;
    if (manifest->is_index) {
      auto client =
          image::registry::RegistryClient::Create(upstream.host, route.repository, RegistryOptionsFor(request).client);
      if (!client) {
        return ReplyScanError(exchange, client.error());
      }
      for (const auto& child : manifest->children) {
        if (child.platform == "unknown/unknown") {
          continue;  // an attestation manifest (BuildKit provenance/SBOM), not a runnable image
        }
        auto fetched = (*client)->GetManifest(child.digest);
        if (!fetched) {
          return ReplyScanError(exchange, fetched.error().WithContext(fmt::format("platform {}", child.platform)));
        }
        auto parsed = ParsePushedManifest(fetched->body, fetched->media_type);
        if (!parsed) {
          return Reply(
              exchange, 400, "MANIFEST_INVALID",
              fmt::format("customs: platform {} ({}): {}", child.platform, child.digest, parsed.error().message()));
        }
        if (parsed->is_index) {
          return Reply(exchange, 400, "MANIFEST_INVALID",
                       fmt::format("customs: index entry {} is another index", child.digest));
        }
        auto judged = JudgeImage(request, *current, route.repository, fetched->body, *parsed, child.platform);
        if (!judged) {
          return ReplyScanError(exchange, judged.error().WithContext(fmt::format("platform {}", child.platform)));
        }
        judgements.push_back(std::move(*judged));
      }
    } else {
      auto judged = JudgeImage(request, *current, route.repository, *body, *manifest, "");
      if (!judged) {
        return ReplyScanError(exchange, judged.error());
      }
      judgements.push_back(std::move(*judged));
    }
    std::vector<std::string> denials;
    for (const auto& judgement : judgements) {
      if (judgement.judged && !judgement.verdict.passed) {
        denials.push_back(DenialMessage(judgement.verdict, judgement.platform, config.policy));
      }
    }
    if (!denials.empty()) {
      std::string message = denials.front();
      for (std::size_t i = 1; i < denials.size(); ++i) {
        message += "; " + denials[i].substr(std::string_view("customs: ").size());
      }
      LogEvent("info", "gate_denied",
               {{"repository", route.repository}, {"reference", route.reference}, {"digest", manifest->digest}});
      return Reply(exchange, 403, "DENIED", message);
    }
    LogEvent("info", "gate_passed",
             {{"repository", route.repository}, {"reference", route.reference}, {"digest", manifest->digest}});
    Proxy(exchange, &*body);
  }

  // Forwards the request to the upstream and its answer to the client, streaming both bodies.
  void Proxy(HttpExchange& exchange, const std::string* preloaded) {
    const HttpRequest& request = exchange.request();
    ProxyCall call;
    call.exchange = &exchange;
    call.preloaded = preloaded;
    call.head = request.method == "HEAD";
    call.upstream_origin = upstream.Origin();
    std::string forwarded_proto = request.tls ? "https" : "http";
    if (const std::string* host = request.Header("Host"); host != nullptr && !host->empty()) {
      call.gate_origin = forwarded_proto + "://" + *host;
    }

    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      return Reply(exchange, 500, "UNKNOWN", "customs: cannot create an HTTP client");
    }
    std::string url = upstream.Origin() + request.target;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &call);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &call);
    if (!config.registry_ca_cert.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, config.registry_ca_cert.c_str());
    }
    if (config.registry_insecure) {
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    bool has_body = preloaded != nullptr || request.chunked ||
                    (request.content_length && *request.content_length > 0) || request.method == "PUT" ||
                    request.method == "POST" || request.method == "PATCH";
    if (call.head) {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(curl, CURLOPT_READDATA, &call);
      if (preloaded != nullptr) {
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(preloaded->size()));
      } else if (request.content_length) {
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*request.content_length));
      }
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_slist* headers = nullptr;
    for (const auto& header : request.headers) {
      if (IsHopByHop(header.name) || EqualsIgnoreCase(header.name, "x-forwarded-host") ||
          EqualsIgnoreCase(header.name, "x-forwarded-proto")) {
        continue;
      }
      headers = curl_slist_append(headers, fmt::format("{}: {}", header.name, header.value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 1 s wait for 100 Continue
    if (!call.gate_origin.empty()) {
      headers = curl_slist_append(headers, fmt::format("X-Forwarded-Host: {}", *request.Header("Host")).c_str());
      headers = curl_slist_append(headers, fmt::format("X-Forwarded-Proto: {}", forwarded_proto).c_str());
    }
    if (!request.Header("Accept-Encoding")) {
      headers = curl_slist_append(headers, "Accept-Encoding:");
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (rc != CURLE_OK) {
      if (call.begun || call.client_failed || call.read_error) {
        // Mid-stream: the response (or the request) is broken; the connection closes without a complete answer.
        LogEvent("warning", "gate_proxy_broken",
                 {{"target", request.target},
                  {"error", call.read_error ? call.read_error->message()
                                            : std::string(error_buffer[0] ? error_buffer : curl_easy_strerror(rc))}});
        return;
      }
      return Reply(exchange, 502, "UNAVAILABLE",
                   fmt::format("customs: the upstream registry {} is unreachable: {}", upstream.Origin(),
                               error_buffer[0] ? error_buffer : curl_easy_strerror(rc)));
    }
    metrics->CountHttp(call.status);
    if (call.begun) {
      (void)exchange.EndResponse();
      return;
    }
    if (call.head) {
      if (exchange.BeginResponse(call.status, call.headers, call.content_length.value_or(0))) {
        (void)exchange.EndResponse();
      }
      return;
    }
    HttpResponse response;
    response.status = call.status;
    response.headers = std::move(call.headers);
    response.body = std::move(call.buffered);
    (void)exchange.Respond(response);
  }

  void Handle(HttpExchange& exchange) {
    const HttpRequest& request = exchange.request();
    DistributionRoute route = ClassifyDistributionPath(request.path);
    if (route.kind == DistributionRoute::Kind::kManifest && request.method == "PUT") {
      return PutManifest(exchange, route);
    }
    Proxy(exchange, nullptr);
  }
};

Gate::Gate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gate::~Gate() = default;

Result<std::unique_ptr<Gate>> Gate::Create(const ServerConfig& config, PgPool* pool, Metrics* metrics) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->pool = pool;
  impl->metrics = metrics;
  CUSTOMS_ASSIGN_OR_RETURN(impl->upstream, ParseUpstream(config.upstream));
  std::filesystem::path db = config.db.empty() ? vulndb::DefaultStorePath() : std::filesystem::path(config.db);
  impl->config.db = db.string();
  CUSTOMS_ASSIGN_OR_RETURN(auto current, impl->CurrentStore());
  impl->policy_digest = PolicyDigest(config.policy);
  LogEvent(
      "info", "gate_ready",
      {{"upstream", impl->upstream.Origin()}, {"snapshot", current.second}, {"policy", PolicyJson(config.policy)}});
  return std::unique_ptr<Gate>(new Gate(std::move(impl)));
}

bool Gate::Handles(std::string_view path) {
  return path == "/v2" || path.starts_with("/v2/");
}

void Gate::Handle(HttpExchange& exchange) {
  impl_->Handle(exchange);
}

std::string Gate::NotReadyReason() const {
  if (auto current = impl_->CurrentStore(); !current) {
    return current.error().message();
  }
  return impl_->StoreTooOld();
}

}  // namespace customs::server
