// Where a writer sends the text it produces, piece by piece: a report of 200,000 packages is written as it is made,
// never held as one string. Peak memory then follows what is kept (the inventory), not what is printed.
//
// Write() never throws and never fails loudly: an output that cannot be written remembers its first error, drops the
// rest, and says so from Finish()/Commit(). Not thread-safe: one writer at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace customs {

class Output {
 public:
  virtual ~Output() = default;
  virtual void Write(std::string_view text) = 0;
};

// Collects everything in memory (tests, small documents).
class StringOutput final : public Output {
 public:
  void Write(std::string_view text) override { text_.append(text); }
  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

// Buffered writes to an open file descriptor that it does not own (stdout).
class FdOutput : public Output {
 public:
  explicit FdOutput(int fd) : fd_(fd) {}
  ~FdOutput() override;
  void Write(std::string_view text) override;
  // Writes what is buffered; the first write error (kIo), if any.
  [[nodiscard]] Status Finish();

 protected:
  void Drain();
  int fd_;
  std::string buffer_;
  int error_ = 0;  // errno of the first failed write
};

// Writes `path` atomically: everything goes to a temporary file in the same directory, and Commit() fsyncs it and
// renames it over `path`. Destroyed without a successful Commit(), it removes the temporary file: a crash or an error
// leaves either the old file or the new one, never a partial one.
class AtomicFileOutput final : public FdOutput {
 public:
  // kIo when the temporary file cannot be created.
  [[nodiscard]] static Result<std::unique_ptr<AtomicFileOutput>> Create(const std::filesystem::path& path);
  ~AtomicFileOutput() override;
  // Flushes, fsyncs, renames, and fsyncs the directory. kIo on the first write error or any step that fails.
  [[nodiscard]] Status Commit();

 private:
  AtomicFileOutput(std::filesystem::path path, std::filesystem::path tmp, int fd);
  std::filesystem::path path_;
  std::filesystem::path tmp_;
  bool committed_ = false;
};

}  // namespace customs
