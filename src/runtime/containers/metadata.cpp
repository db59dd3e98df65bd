#include "runtime/containers/metadata.h"

#include <algorithm>

namespace customs::runtime {

std::string_view ContainerEngineName(ContainerEngine engine) {
  switch (engine) {
    case ContainerEngine::kDocker: return "docker";
    case ContainerEngine::kPodman: return "podman";
    case ContainerEngine::kContainerd: return "containerd";
    case ContainerEngine::kCri: return "cri";
    case ContainerEngine::kCrio: return "cri-o";
    case ContainerEngine::kRunc: return "runc";
    case ContainerEngine::kUnknown: break;
  }
  return "unknown";
}

void SplitImageReference(std::string_view image, std::string_view* repository, std::string_view* tag,
                         std::string_view* digest) {
  *digest = {};
  size_t at = image.find('@');
  if (at != std::string_view::npos) {
    *digest = image.substr(at + 1);
    image = image.substr(0, at);
  }
  // A ':' after the last '/' is a tag; one before it belongs to a registry host:port.
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    *repository = image.substr(0, colon);
    *tag = image.substr(colon + 1);
  } else {
    *repository = image;
    *tag = {};
  }
}

std::string_view ContainerMetadata::ImageRepository() const {
  std::string_view repository, tag, digest;
  SplitImageReference(image, &repository, &tag, &digest);
  return repository;
}

std::string_view ContainerMetadata::ImageTag() const {
  std::string_view repository, tag, digest;
  SplitImageReference(image, &repository, &tag, &digest);
  return tag;
}

std::string_view ContainerMetadata::ImageDigest() const {
  if (!image_digest.empty()) {
    return image_digest;
  }
  std::string_view repository, tag, digest;
  SplitImageReference(image, &repository, &tag, &digest);
  return digest;
}

const std::string* FindLabel(const Labels& labels, std::string_view key) {
  auto it = std::lower_bound(labels.begin(), labels.end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  if (it == labels.end() || it->first != key) {
    return nullptr;
  }
  return &it->second;
}

void SortLabels(Labels* labels) {
  std::stable_sort(labels->begin(), labels->end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Keep the last value of each key.
  Labels out;
  for (auto& entry : *labels) {
    if (!out.empty() && out.back().first == entry.first) {
      out.back().second = std::move(entry.second);
    } else {
      out.push_back(std::move(entry));
    }
  }
  *labels = std::move(out);
}

std::string JoinLabels(const Labels& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) {
      out += ',';
    }
    out += key;
    out += ':';
    out += value;
  }
  return out;
}

}  // namespace customs::runtime
