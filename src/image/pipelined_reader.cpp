#include "image/pipelined_reader.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace customs::image {
namespace {

class PipelinedReader final : public BlobReader {
 public:
  PipelinedReader(std::unique_ptr<BlobReader> inner, std::size_t buffer_size, std::size_t buffers)
      : inner_(std::move(inner)), buffer_size_(buffer_size), max_buffers_(buffers) {
    producer_ = std::thread([this] { Produce(); });
  }

  ~PipelinedReader() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    space_.notify_all();
    producer_.join();
  }

  Result<std::size_t> Read(void* buffer, std::size_t size) override {
    while (current_pos_ >= current_.size()) {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) {
        if (error_) return tl::unexpected(*error_);
        return std::size_t{0};
      }
      current_ = std::move(queue_.front());
      queue_.pop_front();
      current_pos_ = 0;
      lock.unlock();
      space_.notify_one();
    }
    std::size_t n = std::min(size, current_.size() - current_pos_);
    std::memcpy(buffer, current_.data() + current_pos_, n);
    current_pos_ += n;
    return n;
  }

 private:
  void Produce() {
    for (;;) {
      std::string chunk(buffer_size_, '\0');
      std::size_t filled = 0;
      std::optional<Error> error;
      bool eof = false;
      // Fill a whole buffer (fewer hand-overs), stopping at the end of the stream or an error.
      while (filled < chunk.size()) {
        auto n = inner_->Read(chunk.data() + filled, chunk.size() - filled);
        if (!n) {
          error = n.error();
          break;
        }
        if (*n == 0) {
          eof = true;
          break;
        }
        filled += *n;
      }
      chunk.resize(filled);
      std::unique_lock lock(mutex_);
      space_.wait(lock, [this] { return queue_.size() < max_buffers_ || stopping_; });
      if (stopping_) return;
      if (!chunk.empty()) queue_.push_back(std::move(chunk));
      if (error || eof) {
        error_ = std::move(error);
        done_ = true;
        lock.unlock();
        ready_.notify_one();
        return;
      }
      lock.unlock();
      ready_.notify_one();
    }
  }

  std::unique_ptr<BlobReader> inner_;
  const std::size_t buffer_size_;
  const std::size_t max_buffers_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::string> queue_;
  bool done_ = false;
  bool stopping_ = false;
  std::optional<Error> error_;
  std::string current_;
  std::size_t current_pos_ = 0;
  std::thread producer_;
};

}  // namespace

std::unique_ptr<BlobReader> MakePipelinedReader(std::unique_ptr<BlobReader> inner, std::size_t buffer_size,
                                                std::size_t buffers) {
  return std::make_unique<PipelinedReader>(std::move(inner), buffer_size, buffers);
}

}  // namespace customs::image
