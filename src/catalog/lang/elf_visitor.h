// The LayerVisitor shared by the executable catalogers (go-binary, rust-binary): it asks for regular files with an
// execute bit, peeks for the ELF magic, streams the file through a Scanner and turns the scanner's result into the
// file's packages. Not part of the module's interface.
//   Scanner: Feed(std::string_view), Finish() -> Result<T>, where kNotFound means "not this kind of binary" (silent),
//   kUnsupported is an info diagnostic (a packed binary) and any other error a warning.
//   ToPackages: (const T&, std::string_view path) -> Result<std::vector<Package>>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/lang/elf_stream.h"
#include "catalog/lang/record.h"
#include "core/diagnostics.h"
#include "core/file_extractor.h"

namespace customs::catalog::lang {

// Whether the walker should offer `header`'s file to the binary catalogers: an execute bit and at least 64 bytes.
inline bool MaybeExecutable(const EntryHeader& header) {
  return (header.mode & 0111) != 0 && header.size >= 64;
}

template <class Scanner, class ToPackages>
class ElfScanVisitor final : public LayerVisitor {
 public:
  // `source` names the diagnostics' source; `what` prefixes warnings ("unreadable Go build info").
  ElfScanVisitor(Diagnostics& diagnostics, std::string source, std::string what, ToPackages to_packages)
      : diagnostics_(diagnostics), source_(std::move(source)), what_(std::move(what)), to_packages_(to_packages) {}

  Interest Inspect(const EntryHeader& header) override {
    return MaybeExecutable(header) ? Interest::kPeek : Interest::kSkip;
  }
  bool InspectHead(const EntryHeader& header, std::string_view head) override {
    if (!IsElf(head)) {
      return false;
    }
    scanner_ = std::make_unique<Scanner>();
    path_ = header.path;
    return true;
  }
  void Data(std::string_view chunk) override {
    if (scanner_) {
      scanner_->Feed(chunk);
    }
  }
  void EndFile(bool complete) override {
    if (!scanner_) {
      return;
    }
    auto result = scanner_->Finish();
    scanner_.reset();
    if (!complete) {
      return;
    }
    if (!result) {
      Report(result.error());
      return;
    }
    auto packages = to_packages_(*result, path_);
    if (!packages) {
      Report(packages.error());
      return;
    }
    files_.push_back({path_, std::move(*packages)});
  }
  std::string Finish() override { return files_.empty() ? std::string() : EncodeRecord(files_); }

 private:
  void Report(const Error& error) {
    if (error.code() == ErrorCode::kNotFound) {
      return;
    }
    if (error.code() == ErrorCode::kUnsupported) {
      diagnostics_.Info(source_, path_, error.message());
    } else {
      diagnostics_.Warn(source_, path_, what_ + ": " + error.message());
    }
  }

  Diagnostics& diagnostics_;
  std::string source_;
  std::string what_;
  ToPackages to_packages_;
  std::unique_ptr<Scanner> scanner_;
  std::string path_;
  std::vector<FileFindings> files_;
};

}  // namespace customs::catalog::lang
