// The push gate's and admission's parsers and messages, without a network or a database (the components are
// exercised end to end in tests/e2e/server/gate_e2e.py and admission_e2e.py).
#include "server/gate.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/admission.h"

namespace customs::server {
namespace {

using nlohmann::json;
using Kind = DistributionRoute::Kind;

const std::string kDigest = "sha256:" + std::string(64, 'b');

TEST(DistributionPathTest, ClassifiesTheEndpoints) {
  EXPECT_EQ(ClassifyDistributionPath("/v2/").kind, Kind::kBase);
  EXPECT_EQ(ClassifyDistributionPath("/v2/_catalog").kind, Kind::kCatalog);
  auto manifest = ClassifyDistributionPath("/v2/library/app/manifests/v1.2");
  EXPECT_EQ(manifest.kind, Kind::kManifest);
  EXPECT_EQ(manifest.repository, "library/app");
  EXPECT_EQ(manifest.reference, "v1.2");
  auto by_digest = ClassifyDistributionPath("/v2/a/b/c/manifests/" + kDigest);
  EXPECT_EQ(by_digest.repository, "a/b/c");
  EXPECT_EQ(by_digest.reference, kDigest);
  EXPECT_EQ(ClassifyDistributionPath("/v2/app/blobs/" + kDigest).kind, Kind::kBlob);
  EXPECT_EQ(ClassifyDistributionPath("/v2/app/blobs/uploads/").kind, Kind::kUpload);
  EXPECT_EQ(ClassifyDistributionPath("/v2/app/blobs/uploads/3f2a-1").reference, "3f2a-1");
  EXPECT_EQ(ClassifyDistributionPath("/v2/app/tags/list").kind, Kind::kTags);
  // A repository may itself contain "manifests": the last marker splits.
  EXPECT_EQ(ClassifyDistributionPath("/v2/manifests/manifests/x").repository, "manifests");
  for (std::string_view bad : {"/v2/App/manifests/1", "/v2/a//b/manifests/1", "/v2/a/manifests/", "/v2/-a/manifests/1",
                               "/v2/a/manifests/x/y", "/v1/a/manifests/1", "/v2/a..b/manifests/1"}) {
    EXPECT_EQ(ClassifyDistributionPath(bad).kind, Kind::kOther) << bad;
  }
}

TEST(PushedManifestTest, TellsImagesIndexesAndArtifactsApart) {
  json image = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", kDigest}}},
                {"layers", json::array({{{"digest", kDigest}}})}};
  auto parsed = ParsePushedManifest(image.dump(), "");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_TRUE(parsed->is_image);
  EXPECT_FALSE(parsed->is_index);
  EXPECT_EQ(parsed->digest.size(), 71U);

  image["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json";
  auto artifact = ParsePushedManifest(image.dump(), "");
  ASSERT_TRUE(artifact);
  EXPECT_FALSE(artifact->is_image);

  json docker = image;
  docker.erase("mediaType");
  docker["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json";
  auto by_header =
      ParsePushedManifest(docker.dump(), "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8");
  ASSERT_TRUE(by_header);
  EXPECT_EQ(by_header->media_type, "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_TRUE(by_header->is_image);

  json index = {{"schemaVersion", 2},
                {"manifests",
                 json::array({{{"digest", kDigest},
                               {"size", 10},
                               {"platform", {{"os", "linux"}, {"architecture", "arm"}, {"variant", "v7"}}}},
                              {{"digest", kDigest}, {"platform", {{"os", "unknown"}, {"architecture", "unknown"}}}}})}};
  auto parsed_index = ParsePushedManifest(index.dump(), "application/vnd.oci.image.index.v1+json");
  ASSERT_TRUE(parsed_index);
  EXPECT_TRUE(parsed_index->is_index);
  ASSERT_EQ(parsed_index->children.size(), 2U);
  EXPECT_EQ(parsed_index->children[0].platform, "linux/arm/v7");
  EXPECT_EQ(parsed_index->children[0].size, 10);
  EXPECT_EQ(parsed_index->children[1].platform, "unknown/unknown");

  for (std::string_view bad :
       {"", "[]", "{\"schemaVersion\":1,\"fsLayers\":[]}", "{\"config\":{\"digest\":\"sha256:00\"},\"layers\":[]}",
        "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":{}}"}) {
    EXPECT_FALSE(ParsePushedManifest(bad, "")) << bad;
  }
}

TEST(GateMessagesTest, DeniedBodyNamesTheWorstFindings) {
  json body = json::parse(DistributionErrorBody("DENIED", "customs: no"));
  EXPECT_EQ(body["errors"][0]["code"], "DENIED");
  EXPECT_EQ(body["errors"][0]["message"], "customs: no");

  Verdict verdict;
  verdict.manifest_digest = kDigest;
  verdict.passed = false;
  verdict.exit_code = 1;
  verdict.worst_severity = "CRITICAL";
  verdict.counts = {{"CRITICAL", 1}, {"HIGH", 2}};
  verdict.worst = {{"CVE-2023-38545", "CRITICAL", "curl", "7.88.1-10", "7.88.1-10+deb12u4"},
                   {"CVE-2023-0001", "HIGH", "libssl3", "3.0.9", ""}};
  Policy policy;
  policy.fail_on = vulndb::Severity::kHigh;
  std::string message = DenialMessage(verdict, "linux/arm64", policy);
  EXPECT_EQ(message.rfind("customs: image " + kDigest + " (linux/arm64) is denied: 3 finding(s), worst CRITICAL", 0),
            0U)
      << message;
  EXPECT_NE(message.find("fails on findings at or above HIGH"), std::string::npos) << message;
  EXPECT_NE(message.find("CVE-2023-38545 CRITICAL curl 7.88.1-10 (fixed in 7.88.1-10+deb12u4)"), std::string::npos);
  EXPECT_NE(message.find(", CVE-2023-0001 HIGH libssl3 3.0.9"), std::string::npos);
}

json Review(json object, json kind) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request", {{"uid", "u-1"}, {"operation", "CREATE"}, {"kind", {{"kind", kind}}}, {"object", object}}}};
}

TEST(AdmissionReviewTest, FindsEveryContainerOfEveryWorkloadKind) {
  json pod_spec = {{"initContainers", json::array({{{"image", "init:1"}}})},
                   {"containers", json::array({{{"image", "app:1"}}, {{"image", "sidecar@" + kDigest}}})},
                   {"ephemeralContainers", json::array({{{"image", "debug:1"}}})}};
  auto pod = ParseAdmissionReview(Review({{"spec", pod_spec}}, "Pod").dump());
  ASSERT_TRUE(pod) << pod.error().message();
  ASSERT_EQ(pod->images.size(), 4U);
  EXPECT_EQ(pod->images[0].image, "init:1");
  EXPECT_EQ(pod->images[0].container, "spec.initContainers[0]");
  EXPECT_EQ(pod->images[3].image, "debug:1");
  EXPECT_EQ(pod->uid, "u-1");

  auto deployment = ParseAdmissionReview(Review({{"spec", {{"template", {{"spec", pod_spec}}}}}}, "Deployment").dump());
  ASSERT_TRUE(deployment);
  EXPECT_EQ(deployment->images.size(), 4U);
  EXPECT_EQ(deployment->images[1].container, "spec.template.spec.containers[0]");
  auto cron = ParseAdmissionReview(
      Review({{"spec", {{"jobTemplate", {{"spec", {{"template", {{"spec", pod_spec}}}}}}}}}}, "CronJob").dump());
  ASSERT_TRUE(cron);
  EXPECT_EQ(cron->images.size(), 4U);
  auto config_map = ParseAdmissionReview(Review({{"data", {{"a", "b"}}}}, "ConfigMap").dump());
  ASSERT_TRUE(config_map);
  EXPECT_TRUE(config_map->images.empty());

  json dry = Review(nullptr, "Pod");
  dry["request"]["dryRun"] = true;
  dry["request"]["operation"] = "DELETE";
  auto deleted = ParseAdmissionReview(dry.dump());
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->dry_run);
  EXPECT_TRUE(deleted->images.empty());

  EXPECT_FALSE(ParseAdmissionReview(Review({{"spec", {{"containers", 1}}}}, "Pod").dump()));
  EXPECT_FALSE(ParseAdmissionReview(Review({{"spec", {{"template", 1}}}}, "Deployment").dump()));
  json no_uid = Review({{"spec", pod_spec}}, "Pod");
  no_uid["request"].erase("uid");
  EXPECT_FALSE(ParseAdmissionReview(no_uid.dump()));
  EXPECT_FALSE(ParseAdmissionReview("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}"));
}

TEST(ImageReviewTest, ReadsTheContainers) {
  auto review = ParseImageReview(
      R"({"apiVersion":"imagepolicy.k8s.io/v1alpha1","kind":"ImageReview","spec":{"containers":[{"image":"a:1"}],"namespace":"n"}})");
  ASSERT_TRUE(review) << review.error().message();
  ASSERT_EQ(review->images.size(), 1U);
  EXPECT_EQ(review->images[0].image, "a:1");
  EXPECT_EQ(review->namespace_, "n");
  EXPECT_FALSE(ParseImageReview(R"({"apiVersion":"imagepolicy.k8s.io/v1alpha1","kind":"ImageReview","spec":{}})"));
}

TEST(RegistryEventsTest, KeepsManifestPushesOnly) {
  json envelope = {
      {"events", json::array({{{"action", "push"},
                               {"target",
                                {{"mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
                                 {"repository", "a"},
                                 {"digest", kDigest}}}},
                              {{"action", "push"},
                               {"target",
                                {{"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                                 {"repository", "library/app"},
                                 {"digest", kDigest},
                                 {"tag", "1"},
                                 {"url", "https://registry.example:5000/v2/library/app/manifests/" + kDigest}}}},
                              {{"action", "pull"}, {"target", {{"mediaType", "x"}}}}})}};
  auto pushes = ParseRegistryEvents(envelope.dump());
  ASSERT_TRUE(pushes) << pushes.error().message();
  ASSERT_EQ(pushes->size(), 1U);
  EXPECT_EQ((*pushes)[0].registry, "registry.example:5000");
  EXPECT_EQ((*pushes)[0].repository, "library/app");
  EXPECT_EQ((*pushes)[0].tag, "1");
  EXPECT_FALSE(ParseRegistryEvents("{\"events\":{}}"));
  EXPECT_FALSE(ParseRegistryEvents(
      R"({"events":[{"action":"push","target":{"mediaType":"application/vnd.oci.image.index.v1+json","repository":"a","digest":"sha256:1"}}]})"));
}

}  // namespace
}  // namespace customs::server
