// Kubernetes admission and registry notifications (served by the api and all roles):
//   POST /v1/admission/validate  an AdmissionReview v1 (admission.k8s.io/v1) from a ValidatingWebhookConfiguration
//   POST /v1/imagereview         an ImageReview (imagepolicy.k8s.io/v1alpha1) from the ImagePolicyWebhook plugin
//   POST /v1/registry/events     a registry's notification envelope (application/vnd.docker.distribution.events.v1+json
//                                or .v2+json): every pushed manifest gets a scan job
//
// Admission never scans inline: each container image is looked up by digest in the stored verdicts (under the
// server's default policy). A reference by tag is resolved to its digest at the registry with the server's registry
// credentials first (bounded by admission.resolve_timeout). An index is judged by its platform manifests' verdicts;
// any failing one denies. An image without a verdict ("a miss") gets a scan enqueued (unless the request is a dry
// run: no side effects) and is denied, or allowed with a warning when admission.on_miss is "warn". Malformed reviews
// get 400; the uid of an AdmissionReview is echoed in its response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/config.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/pg.h"

namespace customs::server {

// One container image named by a reviewed object.
struct ReviewedImage {
  std::string container;  // "spec.containers[0]" (where in the object), or the container name for ImageReview
  std::string image;      // as written: "registry/repo:tag", "repo@sha256:..."
};

struct AdmissionRequest {
  std::string uid;
  std::string kind;       // the object's kind: "Pod", "Deployment", "CronJob", ...
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string namespace_;
  std::string name;
  bool dry_run = false;
  std::vector<ReviewedImage> images;  // every container, init container and ephemeral container image
};
// Reads an AdmissionReview v1 (apiVersion admission.k8s.io/v1, kind AdmissionReview, request.uid required). Pod
// specs are found in Pods, pod templates (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController,
// PodTemplate) and CronJobs; other kinds carry no images. kInvalidArgument naming what is wrong: answer 400.
[[nodiscard]] Result<AdmissionRequest> ParseAdmissionReview(std::string_view body);

struct ImageReviewRequest {
  std::string api_version;  // echoed in the response
  std::string namespace_;
  std::vector<ReviewedImage> images;
};
// Reads an ImageReview (imagepolicy.k8s.io/v1alpha1, kind ImageReview, spec.containers[].image). kInvalidArgument.
[[nodiscard]] Result<ImageReviewRequest> ParseImageReview(std::string_view body);

// A pushed manifest from a registry notification.
struct RegistryPush {
  std::string registry;    // host[:port] from target.url, else request.host
  std::string repository;  // target.repository
  std::string digest;      // target.digest
  std::string tag;         // target.tag (may be empty)
  std::string media_type;  // target.mediaType
};
// Reads a notification envelope ({"events":[...]}); keeps push events of manifests and indexes (blob pushes, pulls
// and deletes are not images to scan). kInvalidArgument for a body that is not an envelope.
[[nodiscard]] Result<std::vector<RegistryPush>> ParseRegistryEvents(std::string_view body);

struct AdmissionContext {
  const ServerConfig* config = nullptr;
  PgPool* pool = nullptr;
  Metrics* metrics = nullptr;
};

// The three endpoints, given the request body (and, for events, its Content-Type). They answer every outcome
// themselves: 200 with the review's response, 400 for malformed input, 415 for an events media type not listed
// above, 503 when PostgreSQL is unreachable.
HttpResponse HandleAdmissionReview(const AdmissionContext& context, std::string_view body);
HttpResponse HandleImageReview(const AdmissionContext& context, std::string_view body);
HttpResponse HandleRegistryEvents(const AdmissionContext& context, std::string_view body,
                                  std::string_view content_type);

}  // namespace customs::server
