#include "image/registry/registry_source.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/sha256.h"

namespace customs::image::registry {
namespace {

constexpr std::size_t kStreamBufferLimit = std::size_t{4} << 20;

bool IsIndexType(std::string_view type) {
  return type == kOciIndex || type == kDockerManifestList;
}
bool IsManifestType(std::string_view type) {
  return type == kOciManifest || type == kDockerManifest;
}

// Streams one blob: the producer thread runs the transfer and fills a bounded queue; Read() drains it.
class StreamingBlobReader final : public BlobReader {
 public:
  StreamingBlobReader(std::shared_ptr<RegistryClient> client, LayerDescriptor layer)
      : client_(std::move(client)), layer_(std::move(layer)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StreamingBlobReader() override {
    cancel_.store(true);
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    space_.notify_all();
    thread_.join();
  }

  Result<std::size_t> Read(void* buffer, std::size_t size) override {
    std::unique_lock lock(mutex_);
    data_.wait(lock, [&] { return !chunks_.empty() || done_; });
    if (chunks_.empty()) {
      if (!final_status_) {
        return tl::unexpected(final_status_.error());
      }
      return std::size_t{0};
    }
    std::size_t copied = 0;
    auto* out = static_cast<char*>(buffer);
    while (copied < size && !chunks_.empty()) {
      std::string& front = chunks_.front();
      std::size_t n = std::min(size - copied, front.size() - front_offset_);
      std::copy_n(front.data() + front_offset_, n, out + copied);
      copied += n;
      front_offset_ += n;
      buffered_ -= n;
      if (front_offset_ == front.size()) {
        chunks_.pop_front();
        front_offset_ = 0;
      }
    }
    lock.unlock();
    space_.notify_all();
    return copied;
  }

 private:
  void Run() {
    ByteSink sink = [this](const char* data, std::size_t size) -> Status {
      std::unique_lock lock(mutex_);
      space_.wait(lock, [&] { return buffered_ < kStreamBufferLimit || closed_; });
      if (closed_) {
        return MakeError(ErrorCode::kCancelled, "reader closed");
      }
      chunks_.emplace_back(data, size);
      buffered_ += size;
      lock.unlock();
      data_.notify_all();
      return Ok();
    };
    Status status = client_->StreamBlob(layer_.digest, layer_.size, sink, &cancel_);
    {
      std::lock_guard lock(mutex_);
      final_status_ = std::move(status);
      done_ = true;
    }
    data_.notify_all();
  }

  std::shared_ptr<RegistryClient> client_;
  LayerDescriptor layer_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable data_;
  std::condition_variable space_;
  std::deque<std::string> chunks_;
  std::size_t front_offset_ = 0;
  std::size_t buffered_ = 0;
  bool done_ = false;
  bool closed_ = false;
  Status final_status_ = Ok();
  std::thread thread_;  // last: started after every member above exists
};

std::string DescribeType(const nlohmann::json& document, const std::string& header_type) {
  if (document.contains("mediaType") && document["mediaType"].is_string()) {
    return document["mediaType"].get<std::string>();
  }
  if (!header_type.empty() && header_type != "application/json") {
    return header_type;
  }
  if (document.contains("manifests")) {
    return std::string(kOciIndex);
  }
  if (document.contains("config") && document.contains("layers")) {
    return std::string(kOciManifest);
  }
  return header_type;
}

}  // namespace

Result<Platform> ParsePlatformText(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return MakeError(ErrorCode::kInvalidArgument, "platform \"{}\": expected os/arch[/variant], e.g. linux/amd64",
                     text);
  }
  for (const std::string& part : parts) {
    if (part.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "platform \"{}\": empty component", text);
    }
    for (char c : part) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
        return MakeError(ErrorCode::kInvalidArgument, "platform \"{}\": invalid character", text);
      }
    }
  }
  Platform platform;
  platform.os = parts[0];
  platform.architecture = parts[1];
  if (parts.size() == 3) {
    platform.variant = parts[2];
  }
  return platform;
}

std::string PlatformText(const Platform& platform) {
  std::string out = platform.os + "/" + platform.architecture;
  if (!platform.variant.empty()) {
    out += "/" + platform.variant;
  }
  return out;
}

Result<IndexChoice> ChooseFromIndex(std::string_view index_json, const Platform& want) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(index_json);
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kCorrupt, "image index is not valid JSON");
  }
  if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
    return MakeError(ErrorCode::kCorrupt, "image index has no manifests array");
  }
  // arm64's default variant is v8 (containerd platforms.Normalize).
  auto normal_variant = [](const std::string& arch, const std::string& variant) {
    return arch == "arm64" && variant.empty() ? std::string("v8") : variant;
  };
  std::vector<std::string> available;
  const nlohmann::json* best = nullptr;
  bool best_exact = false;
  for (const nlohmann::json& entry : index["manifests"]) {
    if (!entry.is_object() || !entry.contains("platform") || !entry["platform"].is_object()) {
      continue;
    }
    const nlohmann::json& platform = entry["platform"];
    Platform have;
    have.os = platform.value("os", "");
    have.architecture = platform.value("architecture", "");
    have.variant = platform.value("variant", "");
    if (have.os == "unknown" || have.architecture == "unknown") {
      continue;  // attestation manifests
    }
    available.push_back(PlatformText(have));
    if (have.os != want.os || have.architecture != want.architecture) {
      continue;
    }
    std::string have_variant = normal_variant(have.architecture, have.variant);
    std::string want_variant = normal_variant(want.architecture, want.variant);
    bool exact = have_variant == want_variant;
    if (!want.variant.empty() && !exact) {
      continue;
    }
    if (best == nullptr || (exact && !best_exact)) {
      best = &entry;
      best_exact = exact;
    }
  }
  if (best == nullptr) {
    std::string list;
    for (const std::string& item : available) {
      list += (list.empty() ? "" : ", ") + item;
    }
    return MakeError(ErrorCode::kNotFound, "no image for platform {} in the index; available: {}", PlatformText(want),
                     list.empty() ? "none" : list);
  }
  IndexChoice choice;
  try {
    choice.digest = best->value("digest", "");
    choice.size = best->value("size", std::int64_t{-1});
    choice.media_type = best->value("mediaType", "");
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kCorrupt, "image index entry has malformed fields");
  }
  if (!IsValidDigest(choice.digest)) {
    return MakeError(ErrorCode::kCorrupt, "image index entry has no sha256 digest");
  }
  return choice;
}

Result<std::unique_ptr<RegistrySource>> RegistrySource::Open(const Reference& reference,
                                                             const RegistryOptions& options) {
  CUSTOMS_ASSIGN_OR_RETURN(auto client,
                           RegistryClient::Create(reference.ApiHost(), reference.repository, options.client));
  std::unique_ptr<RegistrySource> source(new RegistrySource());
  source->reference_ = reference;
  source->client_ = client;

  CUSTOMS_ASSIGN_OR_RETURN(FetchedManifest fetched, client->GetManifest(reference.ManifestReference()));
  nlohmann::json document;
  for (int depth = 0;; ++depth) {
    try {
      document = nlohmann::json::parse(fetched.body);
    } catch (const nlohmann::json::exception&) {
      return MakeError(ErrorCode::kCorrupt, "manifest {} is not valid JSON", fetched.digest);
    }
    if (!document.is_object()) {
      return MakeError(ErrorCode::kCorrupt, "manifest {} is not a JSON object", fetched.digest);
    }
    std::string type = DescribeType(document, fetched.media_type);
    if (type.find("distribution.manifest.v1") != std::string::npos) {
      return MakeError(ErrorCode::kUnsupported, "{}: Docker schema 1 manifests are not supported",
                       reference.ToString());
    }
    if (IsManifestType(type)) {
      fetched.media_type = type;
      break;
    }
    if (!IsIndexType(type)) {
      return MakeError(ErrorCode::kUnsupported, "{}: unsupported manifest media type \"{}\"", reference.ToString(),
                       type);
    }
    if (depth > 0) {
      return MakeError(ErrorCode::kCorrupt, "{}: an index points to another index", reference.ToString());
    }
    auto choice = ChooseFromIndex(fetched.body, options.platform);
    if (!choice) {
      return tl::unexpected(std::move(choice).error().WithContext(reference.ToString()));
    }
    CUSTOMS_ASSIGN_OR_RETURN(fetched, client->GetManifest(choice->digest));
    if (choice->size >= 0 && static_cast<std::int64_t>(fetched.body.size()) != choice->size) {
      return MakeError(ErrorCode::kCorrupt, "manifest {}: {} bytes, the index declares {}", choice->digest,
                       fetched.body.size(), choice->size);
    }
  }
  CUSTOMS_RETURN_IF_ERROR(source->ReadImageManifest(document, std::move(fetched), options.max_config_size));
  return source;
}

Status RegistrySource::ReadImageManifest(const nlohmann::json& document, FetchedManifest fetched,
                                         std::size_t max_config_size) {
  try {
    const nlohmann::json& config = document.at("config");
    config_digest_ = config.at("digest").get<std::string>();
    config_media_type_ = config.value("mediaType", "");
    std::int64_t config_size = config.value("size", std::int64_t{-1});
    if (!IsValidDigest(config_digest_)) {
      return MakeError(ErrorCode::kCorrupt, "manifest {}: config digest is not sha256", fetched.digest);
    }
    for (const nlohmann::json& layer : document.at("layers")) {
      LayerDescriptor descriptor;
      descriptor.digest = layer.at("digest").get<std::string>();
      descriptor.media_type = layer.value("mediaType", "");
      descriptor.size = layer.value("size", std::int64_t{-1});
      if (!IsValidDigest(descriptor.digest)) {
        return MakeError(ErrorCode::kCorrupt, "manifest {}: layer digest \"{}\" is not sha256", fetched.digest,
                         descriptor.digest);
      }
      layers_.push_back(std::move(descriptor));
    }
    auto config_json = client_->GetBlob(config_digest_, config_size, max_config_size);
    if (!config_json) {
      return tl::unexpected(std::move(config_json).error().WithContext("image config"));
    }
    config_json_ = std::move(*config_json);
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kCorrupt, "manifest {}: {}", fetched.digest, e.what());
  }
  manifest_digest_ = fetched.digest;
  manifest_json_ = std::move(fetched.body);
  manifest_media_type_ = fetched.media_type;
  return Ok();
}

Result<std::unique_ptr<RegistrySource>> RegistrySource::FromManifest(const Reference& reference,
                                                                     std::string_view manifest_body,
                                                                     std::string_view media_type,
                                                                     const RegistryOptions& options) {
  CUSTOMS_ASSIGN_OR_RETURN(auto client,
                           RegistryClient::Create(reference.ApiHost(), reference.repository, options.client));
  std::unique_ptr<RegistrySource> source(new RegistrySource());
  source->reference_ = reference;
  source->client_ = client;
  if (manifest_body.size() > options.client.max_manifest_size) {
    return MakeError(ErrorCode::kCorrupt, "manifest of {} bytes is over the {} byte limit", manifest_body.size(),
                     options.client.max_manifest_size);
  }
  FetchedManifest fetched;
  fetched.body = std::string(manifest_body);
  fetched.digest = "sha256:" + Sha256::HexOf(fetched.body);
  nlohmann::json document = nlohmann::json::parse(fetched.body, nullptr, false);
  if (!document.is_object()) {
    return MakeError(ErrorCode::kCorrupt, "manifest {} is not a JSON object", fetched.digest);
  }
  fetched.media_type = DescribeType(document, std::string(media_type));
  if (!IsManifestType(fetched.media_type)) {
    return MakeError(ErrorCode::kUnsupported, "{}: not an image manifest (\"{}\")", reference.ToString(),
                     fetched.media_type);
  }
  CUSTOMS_RETURN_IF_ERROR(source->ReadImageManifest(document, std::move(fetched), options.max_config_size));
  return source;
}

Result<std::unique_ptr<BlobReader>> RegistrySource::OpenLayer(std::size_t index) const {
  if (index >= layers_.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "layer {} out of range ({} layers)", index, layers_.size());
  }
  return std::unique_ptr<BlobReader>(new StreamingBlobReader(client_, layers_[index]));
}

}  // namespace customs::image::registry
