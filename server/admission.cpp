#include "server/admission.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "image/registry/registry_auth.h"
#include "image/registry/registry_client.h"
#include "image/registry/registry_reference.h"
#include "report/sbom.h"
#include "server/gate.h"
#include "server/log.h"
#include "server/policy.h"
#include "server/queue.h"
#include "server/state.h"

namespace customs::server {
namespace {

using nlohmann::json;

constexpr std::string_view kAdmissionApi = "admission.k8s.io/v1";
constexpr std::string_view kImageReviewApi = "imagepolicy.k8s.io/v1alpha1";

const json* Member(const json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// Container images of a PodSpec: containers, initContainers, ephemeralContainers (core/v1 PodSpec).
Status CollectPodSpec(const json& spec, std::string_view where, std::vector<ReviewedImage>& out) {
  if (!spec.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "{} is not an object", where);
  }
  for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
    const json* containers = Member(spec, list);
    if (containers == nullptr || containers->is_null()) {
      continue;
    }
    if (!containers->is_array()) {
      return MakeError(ErrorCode::kInvalidArgument, "{}.{} is not an array", where, list);
    }
    for (std::size_t i = 0; i < containers->size(); ++i) {
      const json& container = (*containers)[i];
      const json* image = Member(container, "image");
      if (image == nullptr || !image->is_string() || image->get_ref<const std::string&>().empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "{}.{}[{}] has no image", where, list, i);
      }
      out.push_back({fmt::format("{}.{}[{}]", where, list, i), image->get<std::string>()});
    }
  }
  return Ok();
}

// Finds the PodSpec of a workload object by its kind.
Status CollectObject(const json& object, const std::string& kind, std::vector<ReviewedImage>& out) {
  auto at = [&](std::initializer_list<std::string_view> path) -> const json* {
    const json* node = &object;
    for (std::string_view key : path) {
      node = Member(*node, key);
      if (node == nullptr) {
        return nullptr;
      }
    }
    return node;
  };
  const json* spec = nullptr;
  std::string where;
  if (kind == "Pod") {
    spec = at({"spec"});
    where = "spec";
  } else if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "Job" || kind == "ReplicationController") {
    spec = at({"spec", "template", "spec"});
    where = "spec.template.spec";
  } else if (kind == "PodTemplate") {
    spec = at({"template", "spec"});
    where = "template.spec";
  } else if (kind == "CronJob") {
    spec = at({"spec", "jobTemplate", "spec", "template", "spec"});
    where = "spec.jobTemplate.spec.template.spec";
  } else {
    return Ok();  // not a workload: no images
  }
  if (spec == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "the {} has no {}", kind, where);
  }
  return CollectPodSpec(*spec, where, out);
}

json ParseObject(std::string_view body) {
  json document = json::parse(body, nullptr, false);
  return document.is_discarded() ? json() : document;
}

// --- verdicts ------------------------------------------------------------------------------------------------------

struct ImageOutcome {
  enum class State { kPass, kFail, kMiss };
  State state = State::kMiss;
  std::string message;
};

std::string Quote(std::string_view image) {
  return fmt::format("\"{}\"", image);
}

// Enqueues a scan of `reference` unless one is already queued or running for it. Returns whether one was enqueued.
Result<bool> EnqueueScan(PgConnection& c, const ServerConfig& config, const std::string& reference,
                         const std::string& digest, const std::string& source) {
  bool enqueued = false;
  auto done = PgTransaction(c, [&]() -> Status {
    CUSTOMS_ASSIGN_OR_RETURN(PgResult pending,
                             c.Exec("SELECT 1 FROM scan_requests WHERE state IN ('queued', 'running') AND "
                                    "((manifest_digest <> '' AND manifest_digest = $1) OR reference = $2) LIMIT 1",
                                    {digest, reference}));
    if (pending.rows() > 0) {
      return Ok();
    }
    ScanRequestRecord record;
    record.id = report::RandomUuid();
    record.source = source;
    record.reference = reference;
    record.manifest_digest = digest;
    record.policy_digest = PolicyDigest(config.policy);
    record.request = {{"reference", reference}, {"digest", digest}};
    CUSTOMS_RETURN_IF_ERROR(SavePolicy(c, config.policy));
    EnqueueRequest job;
    job.kind = "scan";
    job.payload = json{
        {"scan_id", record.id},
        {"reference", reference},
        {"digest", digest},
        {"policy_digest", record.policy_digest},
        {"plain_http",
         false}}.dump();
    job.max_attempts = config.max_attempts;
    CUSTOMS_ASSIGN_OR_RETURN(record.job_id, EnqueueJob(c, job));
    CUSTOMS_RETURN_IF_ERROR(InsertScanRequest(c, record));
    enqueued = true;
    return Ok();
  });
  if (!done) {
    return tl::unexpected(done.error());
  }
  return enqueued;
}

// Verdicts found in PostgreSQL, kept for a few seconds: admission answers the same few digests again and again (every
// replica of a Deployment, every retry of the apiserver), and a verdict by digest changes only when a new advisory
// snapshot re-judges it. Misses are never kept (a scan may store the verdict any moment). Keyed by the DSN too, so two
// servers in one process (the tests) never share entries.
class VerdictCache {
 public:
  static constexpr auto kTtl = std::chrono::seconds(5);
  static constexpr std::size_t kMaxEntries = 10000;

  static VerdictCache& Instance() {
    static VerdictCache cache;
    return cache;
  }

  std::optional<Verdict> Find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || std::chrono::steady_clock::now() > it->second.expires) {
      return std::nullopt;
    }
    return it->second.verdict;
  }

  void Put(const std::string& key, const Verdict& verdict) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) {
      entries_.clear();
    }
    entries_[key] = {verdict, std::chrono::steady_clock::now() + kTtl};
  }

 private:
  struct Entry {
    Verdict verdict;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

class Judge {
 public:
  Judge(const AdmissionContext& context, bool dry_run, std::string source)
      : context_(context), config_(*context.config), dry_run_(dry_run), source_(std::move(source)) {
    policy_digest_ = PolicyDigest(config_.policy);
  }

  // kNetwork etc. only for PostgreSQL failures (answer 503); registry failures are misses.
  Result<ImageOutcome> Image(const std::string& text) {
    ImageOutcome outcome;
    auto reference = image::registry::ParseReference(text);
    if (!reference) {
      outcome.state = ImageOutcome::State::kFail;
      outcome.message =
          fmt::format("customs: image {} is not a valid reference: {}", Quote(text), reference.error().message());
      return outcome;
    }
    std::string repository = reference->registry + "/" + reference->repository;
    if (!reference->digest.empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto verdict, Lookup(reference->digest));
      if (verdict) {
        return FromVerdict(text, *verdict, "");
      }
    }
    // A tag, or a digest without a verdict (an index?): ask the registry what it names.
    auto fetched = Resolve(*reference);
    if (!fetched) {
      return Miss(text, reference->ToString(), reference->digest,
                  fmt::format("its digest could not be resolved ({})", fetched.error().message()));
    }
    auto manifest = ParsePushedManifest(fetched->body, fetched->media_type);
    if (!manifest) {
      outcome.state = ImageOutcome::State::kFail;
      outcome.message = fmt::format("customs: image {}: {}", Quote(text), manifest.error().message());
      return outcome;
    }
    if (!manifest->is_index) {
      CUSTOMS_ASSIGN_OR_RETURN(auto verdict, Lookup(fetched->digest));
      if (verdict) {
        return FromVerdict(text, *verdict, "");
      }
      return Miss(text, repository + "@" + fetched->digest, fetched->digest, "no verdict yet");
    }
    // An index: every platform's verdict counts; one failing platform denies.
    std::vector<std::string> missing;
    for (const auto& child : manifest->children) {
      if (child.platform == "unknown/unknown") {
        continue;
      }
      CUSTOMS_ASSIGN_OR_RETURN(auto verdict, Lookup(child.digest));
      if (!verdict) {
        missing.push_back(child.digest);
        continue;
      }
      if (!verdict->passed) {
        return FromVerdict(text, *verdict, child.platform);
      }
    }
    if (missing.empty()) {
      outcome.state = ImageOutcome::State::kPass;
      return outcome;
    }
    ImageOutcome miss;
    for (const auto& digest : missing) {
      std::string child = repository;
      child += "@" + digest;
      CUSTOMS_ASSIGN_OR_RETURN(miss, Miss(text, child, digest, "a platform has no verdict yet"));
    }
    return miss;
  }

  bool enqueued_any() const { return enqueued_any_; }

 private:
  Result<std::optional<Verdict>> Lookup(const std::string& digest) {
    std::string key = config_.postgres + "\n" + policy_digest_ + "\n" + digest;
    if (auto cached = VerdictCache::Instance().Find(key)) {
      return cached;
    }
    CUSTOMS_ASSIGN_OR_RETURN(
        auto verdict, context_.pool->Run([&](PgConnection& c) { return LoadVerdict(c, digest, policy_digest_); }));
    if (verdict) {
      VerdictCache::Instance().Put(key, *verdict);
    }
    return verdict;
  }

  ImageOutcome FromVerdict(const std::string& text, const Verdict& verdict, std::string_view platform) const {
    ImageOutcome outcome;
    outcome.state = verdict.passed ? ImageOutcome::State::kPass : ImageOutcome::State::kFail;
    if (!verdict.passed) {
      std::string message = DenialMessage(verdict, platform, config_.policy);
      outcome.message =
          fmt::format("customs: {}: {}", Quote(text), message.substr(std::string_view("customs: ").size()));
    }
    return outcome;
  }

  Result<ImageOutcome> Miss(const std::string& text, const std::string& reference, const std::string& digest,
                            std::string_view why) {
    ImageOutcome outcome;
    outcome.state = ImageOutcome::State::kMiss;
    std::string action = "a scan is queued";
    if (dry_run_) {
      action = "dry run: no scan enqueued";
    } else {
      CUSTOMS_ASSIGN_OR_RETURN(bool enqueued, context_.pool->Run([&](PgConnection& c) {
        return EnqueueScan(c, config_, reference, digest, source_);
      }));
      enqueued_any_ = enqueued_any_ || enqueued;
    }
    outcome.message = fmt::format("customs: image {} has no verdict ({}); {}", Quote(text), why, action);
    return outcome;
  }

  Result<image::registry::FetchedManifest> Resolve(const image::registry::Reference& reference) const {
    image::registry::ClientOptions options;
    image::registry::CredentialOptions credential_options;
    CUSTOMS_ASSIGN_OR_RETURN(options.credentials,
                             image::registry::ResolveCredentials(credential_options, reference.registry));
    options.ca_cert_file = config_.registry_ca_cert;
    options.insecure_skip_tls_verify = config_.registry_insecure;
    options.insecure_registries = config_.insecure_registries;
    auto timeout = std::max(std::chrono::seconds(1),
                            std::chrono::duration_cast<std::chrono::seconds>(config_.admission_resolve_timeout));
    options.connect_timeout = timeout;
    options.stall_timeout = timeout;
    options.max_attempts = 1;
    options.user_agent = "customs-admission";
    CUSTOMS_ASSIGN_OR_RETURN(
        auto client, image::registry::RegistryClient::Create(reference.ApiHost(), reference.repository, options));
    return client->GetManifest(reference.ManifestReference());
  }

  const AdmissionContext& context_;
  const ServerConfig& config_;
  bool dry_run_;
  std::string source_;
  std::string policy_digest_;
  bool enqueued_any_ = false;
};

struct Decision {
  bool allowed = true;
  std::vector<std::string> denials;
  std::vector<std::string> warnings;
};

// Judges every image; a PostgreSQL failure is returned (answer 503).
Result<Decision> Decide(const AdmissionContext& context, const std::vector<ReviewedImage>& images, bool dry_run,
                        const std::string& source) {
  Decision decision;
  Judge judge(context, dry_run, source);
  bool warn = context.config->admission_on_miss == "warn";
  std::vector<std::string> seen;
  for (const auto& reviewed : images) {
    if (std::find(seen.begin(), seen.end(), reviewed.image) != seen.end()) {
      continue;
    }
    seen.push_back(reviewed.image);
    CUSTOMS_ASSIGN_OR_RETURN(ImageOutcome outcome, judge.Image(reviewed.image));
    switch (outcome.state) {
      case ImageOutcome::State::kPass: break;
      case ImageOutcome::State::kFail: decision.denials.push_back(outcome.message); break;
      case ImageOutcome::State::kMiss:
        if (warn) {
          decision.warnings.push_back(outcome.message + " (allowed: admission.on_miss is warn)");
        } else {
          decision.denials.push_back(outcome.message);
        }
        break;
    }
  }
  decision.allowed = decision.denials.empty();
  return decision;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "; ") + part;
  }
  return out;
}

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.Set("Content-Type", "application/json");
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return response;
}

HttpResponse ErrorJson(int status, std::string_view message) {
  return JsonResponse(status, {{"error", {{"message", message}}}});
}

HttpResponse DatabaseFailure(const Error& error) {
  return ErrorJson(error.code() == ErrorCode::kNetwork || error.code() == ErrorCode::kCancelled ? 503 : 500,
                   "database: " + error.message());
}

bool IsManifestMediaType(std::string_view type) {
  return type == image::registry::kOciManifest || type == image::registry::kDockerManifest ||
         type == image::registry::kOciIndex || type == image::registry::kDockerManifestList;
}

}  // namespace

Result<AdmissionRequest> ParseAdmissionReview(std::string_view body) {
  json document = ParseObject(body);
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body is not a JSON object");
  }
  if (StringMember(document, "apiVersion") != kAdmissionApi || StringMember(document, "kind") != "AdmissionReview") {
    return MakeError(ErrorCode::kInvalidArgument, "not an AdmissionReview {} (apiVersion and kind)", kAdmissionApi);
  }
  const json* request = Member(document, "request");
  if (request == nullptr || !request->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the AdmissionReview has no request object");
  }
  AdmissionRequest out;
  out.uid = StringMember(*request, "uid");
  if (out.uid.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "request.uid is missing");
  }
  out.operation = StringMember(*request, "operation");
  out.namespace_ = StringMember(*request, "namespace");
  out.name = StringMember(*request, "name");
  if (const json* dry_run = Member(*request, "dryRun"); dry_run != nullptr && !dry_run->is_null()) {
    if (!dry_run->is_boolean()) {
      return MakeError(ErrorCode::kInvalidArgument, "request.dryRun is not a boolean");
    }
    out.dry_run = dry_run->get<bool>();
  }
  if (const json* kind = Member(*request, "kind"); kind != nullptr) {
    out.kind = StringMember(*kind, "kind");
  }
  const json* object = Member(*request, "object");
  if (object == nullptr || object->is_null()) {
    return out;  // DELETE, CONNECT: nothing to run
  }
  if (!object->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "request.object is not an object");
  }
  if (out.kind.empty()) {
    out.kind = StringMember(*object, "kind");
  }
  CUSTOMS_RETURN_IF_ERROR(CollectObject(*object, out.kind, out.images));
  return out;
}

Result<ImageReviewRequest> ParseImageReview(std::string_view body) {
  json document = ParseObject(body);
  if (!document.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the body is not a JSON object");
  }
  ImageReviewRequest out;
  out.api_version = StringMember(document, "apiVersion");
  if (out.api_version != kImageReviewApi || StringMember(document, "kind") != "ImageReview") {
    return MakeError(ErrorCode::kInvalidArgument, "not an ImageReview {} (apiVersion and kind)", kImageReviewApi);
  }
  const json* spec = Member(document, "spec");
  if (spec == nullptr || !spec->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the ImageReview has no spec object");
  }
  out.namespace_ = StringMember(*spec, "namespace");
  const json* containers = Member(*spec, "containers");
  if (containers == nullptr || !containers->is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, "spec.containers is not an array");
  }
  for (std::size_t i = 0; i < containers->size(); ++i) {
    std::string image = StringMember((*containers)[i], "image");
    if (image.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "spec.containers[{}] has no image", i);
    }
    out.images.push_back({fmt::format("spec.containers[{}]", i), image});
  }
  return out;
}

Result<std::vector<RegistryPush>> ParseRegistryEvents(std::string_view body) {
  json document = ParseObject(body);
  const json* events = Member(document, "events");
  if (events == nullptr || !events->is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a notification envelope (no events array)");
  }
  std::vector<RegistryPush> out;
  for (const json& event : *events) {
    if (!event.is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "an event is not an object");
    }
    if (StringMember(event, "action") != "push") {
      continue;
    }
    const json* target = Member(event, "target");
    if (target == nullptr || !target->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "a push event has no target");
    }
    RegistryPush push;
    push.media_type = StringMember(*target, "mediaType");
    if (!IsManifestMediaType(push.media_type)) {
      continue;  // a blob, or an artifact that is not an image
    }
    push.repository = StringMember(*target, "repository");
    push.digest = StringMember(*target, "digest");
    push.tag = StringMember(*target, "tag");
    if (push.repository.empty() || !image::registry::IsValidDigest(push.digest)) {
      return MakeError(ErrorCode::kInvalidArgument, "a manifest push event without repository or sha256 digest");
    }
    // target.url: "http://127.0.0.1:5000/v2/library/app/manifests/sha256:..."; else the request's Host.
    std::string url = StringMember(*target, "url");
    if (std::size_t scheme = url.find("://"); scheme != std::string::npos) {
      std::size_t start = scheme + 3;
      push.registry = url.substr(start, url.find('/', start) - start);
    }
    if (push.registry.empty()) {
      if (const json* request = Member(event, "request"); request != nullptr) {
        push.registry = StringMember(*request, "host");
      }
    }
    if (push.registry.empty() || push.registry.find_first_of(" /@") != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "a push event names no registry host (target.url, request.host)");
    }
    out.push_back(std::move(push));
  }
  return out;
}

HttpResponse HandleAdmissionReview(const AdmissionContext& context, std::string_view body) {
  auto request = ParseAdmissionReview(body);
  if (!request) {
    return ErrorJson(400, request.error().message());
  }
  json response = {{"uid", request->uid}, {"allowed", true}};
  if (request->operation != "DELETE" && request->operation != "CONNECT" && !request->images.empty()) {
    auto decision = Decide(context, request->images, request->dry_run, "admission");
    if (!decision) {
      return DatabaseFailure(decision.error());
    }
    response["allowed"] = decision->allowed;
    if (!decision->allowed) {
      response["status"] = {{"code", 403}, {"reason", "Forbidden"}, {"message", Join(decision->denials)}};
    }
    if (!decision->warnings.empty()) {
      response["warnings"] = decision->warnings;
    }
    LogEvent("info", "admission",
             {{"uid", request->uid},
              {"kind", request->kind},
              {"namespace", request->namespace_},
              {"name", request->name},
              {"dry_run", request->dry_run},
              {"allowed", decision->allowed},
              {"images", request->images.size()}});
  }
  return JsonResponse(200, {{"apiVersion", kAdmissionApi}, {"kind", "AdmissionReview"}, {"response", response}});
}

HttpResponse HandleImageReview(const AdmissionContext& context, std::string_view body) {
  auto request = ParseImageReview(body);
  if (!request) {
    return ErrorJson(400, request.error().message());
  }
  auto decision = Decide(context, request->images, false, "imagereview");
  if (!decision) {
    return DatabaseFailure(decision.error());
  }
  json status = {{"allowed", decision->allowed}};
  if (!decision->allowed) {
    status["reason"] = Join(decision->denials);
  }
  if (!decision->warnings.empty()) {
    status["auditAnnotations"] = {{"customs.io/warning", Join(decision->warnings)}};
  }
  return JsonResponse(200, {{"apiVersion", request->api_version}, {"kind", "ImageReview"}, {"status", status}});
}

HttpResponse HandleRegistryEvents(const AdmissionContext& context, std::string_view body,
                                  std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') {
    type.remove_suffix(1);
  }
  if (type != "application/vnd.docker.distribution.events.v1+json" &&
      type != "application/vnd.docker.distribution.events.v2+json" && type != "application/json") {
    return ErrorJson(415, fmt::format("unsupported media type \"{}\": send application/vnd.docker.distribution."
                                      "events.v1+json or .v2+json",
                                      type));
  }
  auto pushes = ParseRegistryEvents(body);
  if (!pushes) {
    return ErrorJson(400, pushes.error().message());
  }
  json enqueued = json::array();
  for (const auto& push : *pushes) {
    std::string reference = fmt::format("{}/{}@{}", push.registry, push.repository, push.digest);
    auto done = context.pool->Run(
        [&](PgConnection& c) { return EnqueueScan(c, *context.config, reference, push.digest, "registry"); });
    if (!done) {
      return DatabaseFailure(done.error());
    }
    if (*done) {
      enqueued.push_back(reference);
    }
    LogEvent("info", "registry_push", {{"reference", reference}, {"tag", push.tag}, {"enqueued", *done}});
  }
  return JsonResponse(200, {{"manifests", pushes->size()}, {"enqueued", enqueued}});
}

}  // namespace customs::server
