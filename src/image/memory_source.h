// An ImageSource over in-memory layer blobs: the test and fuzzing seam (like leveldb's memenv).
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "image/source.h"

namespace customs::image {

class MemorySource final : public ImageSource {
 public:
  MemorySource(std::vector<std::string> blobs, std::string config_json)
      : blobs_(std::move(blobs)), config_(std::move(config_json)) {
    for (std::size_t i = 0; i < blobs_.size(); ++i) {
      layers_.push_back({"", "", static_cast<std::int64_t>(blobs_[i].size())});
    }
  }
  std::string Name() const override { return "memory"; }
  std::string Kind() const override { return "memory"; }
  std::string ManifestDigest() const override { return {}; }
  const std::string& ConfigJson() const override { return config_; }
  const std::vector<LayerDescriptor>& Layers() const override { return layers_; }
  bool VerifiesLayerDigests() const override { return false; }
  Result<std::unique_ptr<BlobReader>> OpenLayer(std::size_t index) const override {
    if (index >= blobs_.size()) return MakeError(ErrorCode::kInvalidArgument, "no layer {}", index);
    return std::unique_ptr<BlobReader>(std::make_unique<StringReader>(blobs_[index]));
  }

 private:
  class StringReader final : public BlobReader {
   public:
    explicit StringReader(const std::string& data) : data_(data) {}
    Result<std::size_t> Read(void* buffer, std::size_t size) override {
      std::size_t n = std::min(size, data_.size() - pos_);
      std::memcpy(buffer, data_.data() + pos_, n);
      pos_ += n;
      return n;
    }

   private:
    const std::string& data_;
    std::size_t pos_ = 0;
  };

  std::vector<std::string> blobs_;
  std::string config_;
  std::vector<LayerDescriptor> layers_;
};

}  // namespace customs::image
