// What a container engine says about one container: the values behind Falco's container plugin fields
// (container.name, container.image*, container.type, container.privileged, container.label[...], k8s.*).
// Immutable once published: events share it through std::shared_ptr<const ContainerMetadata>, so attaching it to an
// event costs one reference count and no copy.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace customs::runtime {

// The engine that runs a container (Falco's container.type values).
enum class ContainerEngine : uint8_t { kUnknown, kDocker, kPodman, kContainerd, kCri, kCrio, kRunc };
std::string_view ContainerEngineName(ContainerEngine engine);  // "docker", "podman", "containerd", "cri", "cri-o"

using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by key

struct ContainerMetadata {
  std::string id;  // full id
  ContainerEngine engine = ContainerEngine::kUnknown;
  std::string name;
  std::string image;         // as the engine reports it: "docker.io/library/postgres:16", "postgres:16"
  std::string image_id;      // "sha256:..." (the image config digest)
  std::string image_digest;  // repository digest "sha256:...", when the image was pulled by digest
  int8_t privileged = -1;    // 1 privileged, 0 not, -1 unknown
  uint64_t start_ns = 0;     // wall clock, 0 unknown
  Labels labels;
  // Kubernetes (CRI engines): empty outside a pod.
  std::string k8s_namespace;
  std::string k8s_pod_name;
  std::string k8s_pod_uid;
  std::string k8s_sandbox_id;
  Labels k8s_pod_labels;
  // False when only the id is known (the engine could not be asked, or has not answered yet).
  bool from_engine = false;

  std::string_view ImageRepository() const;
  std::string_view ImageTag() const;
  // Digest from image_digest, or the "@sha256:..." part of image.
  std::string_view ImageDigest() const;
};

// Looks a label up in a sorted Labels vector; nullptr when absent.
const std::string* FindLabel(const Labels& labels, std::string_view key);
// Sorts and de-duplicates by key (the last value of a key wins).
void SortLabels(Labels* labels);
// Falco's rendering of a label set: "k1:v1,k2:v2".
std::string JoinLabels(const Labels& labels);

// Splits an image reference as Falco's container plugin does: repository, tag ("" if none) and digest ("" if none).
// "registry:5000/a/b:1.0@sha256:x" -> ("registry:5000/a/b", "1.0", "sha256:x").
void SplitImageReference(std::string_view image, std::string_view* repository, std::string_view* tag,
                         std::string_view* digest);

}  // namespace customs::runtime
