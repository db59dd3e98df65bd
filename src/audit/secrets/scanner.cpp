#include "audit/secrets/scanner.h"

#include <fnmatch.h>
#include <hs/hs.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

namespace customs::audit::secrets {
namespace {

// One compiled rule: the confirming regex and its allow-list.
struct CompiledRule {
  std::unique_ptr<RE2> regex;
  std::vector<std::unique_ptr<RE2>> allow;
  double min_entropy = 0;
};

// Everything both engines share: the rules, compiled for confirmation.
class Confirmer {
 public:
  explicit Confirmer(const RuleSet& rules) {
    RE2::Options options;
    options.set_log_errors(false);
    for (const auto& rule : rules.rules) {
      CompiledRule compiled;
      compiled.regex = std::make_unique<RE2>(rule.regex, options);
      for (const auto& allow : rule.allow) compiled.allow.push_back(std::make_unique<RE2>(allow, options));
      compiled.min_entropy = rule.min_entropy;
      rules_.push_back(std::move(compiled));
    }
  }

  // Every secret rule `rule` finds in `line`, appended to `hits`.
  void Confirm(std::size_t rule, std::string_view line, std::uint64_t line_number, std::vector<SecretHit>& hits) const {
    const CompiledRule& compiled = rules_[rule];
    const RE2& regex = *compiled.regex;
    const int groups = regex.NumberOfCapturingGroups();
    re2::StringPiece input(line.data(), line.size());
    re2::StringPiece match[2];
    std::size_t pos = 0;
    while (pos <= line.size() && regex.Match(input, pos, line.size(), RE2::UNANCHORED, match, groups >= 1 ? 2 : 1)) {
      re2::StringPiece secret = groups >= 1 && match[1].data() != nullptr ? match[1] : match[0];
      std::string_view text(secret.data(), secret.size());
      bool allowed = false;
      for (const auto& allow : compiled.allow) {
        if (RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *allow)) allowed = true;
      }
      if (!allowed && (compiled.min_entropy <= 0 || ShannonEntropy(text) >= compiled.min_entropy)) {
        hits.push_back({rule, line_number, MaskSecret(text)});
      }
      std::size_t end = static_cast<std::size_t>(match[0].data() + match[0].size() - line.data());
      pos = end > pos ? end : pos + 1;
    }
  }

  std::size_t size() const { return rules_.size(); }

 private:
  std::vector<CompiledRule> rules_;
};

// The line window shared by both engines: the bytes of the current line (capped at kMaxLine), the line number, and
// the lines the engine flagged for confirmation.
class LineWindow {
 public:
  void Reset() {
    buffer_.clear();
    buffer_offset_ = 0;
    line_ = 1;
    flagged_.clear();
  }

  std::uint64_t end_offset() const { return buffer_offset_ + buffer_.size(); }
  std::string_view buffer() const { return buffer_; }
  std::uint64_t buffer_offset() const { return buffer_offset_; }
  void Append(std::string_view chunk) { buffer_.append(chunk); }
  bool HasFlags() const { return !flagged_.empty(); }

  // A chunk with no candidate in it: count its lines and keep only what follows its last newline, without copying
  // the rest (the common case, and what makes a clean file cost little more than the engine's own scan).
  void Skip(std::string_view chunk) {
    std::size_t last_newline = chunk.rfind('\n');
    if (last_newline == std::string_view::npos) {
      buffer_.append(chunk);
      if (buffer_.size() > SecretScanner::kMaxLine) {
        std::size_t excess = buffer_.size() - SecretScanner::kMaxLine;
        buffer_.erase(0, excess);
        buffer_offset_ += excess;
      }
      return;
    }
    line_ += static_cast<std::uint64_t>(std::count(buffer_.begin(), buffer_.end(), '\n'));
    line_ += static_cast<std::uint64_t>(
        std::count(chunk.begin(), chunk.begin() + static_cast<long>(last_newline) + 1, '\n'));
    buffer_offset_ += buffer_.size() + last_newline + 1;
    buffer_.assign(chunk.substr(last_newline + 1));
  }

  // Flags `rule` as a candidate for the line holding byte `offset` (absolute).
  void Flag(std::size_t rule, std::uint64_t offset) { flagged_.push_back({offset, rule}); }

  // Confirms every flagged candidate whose line is complete (or all of them at the end of the file), then drops the
  // complete lines. `confirm(rule, line_text, line_number)`.
  template <class ConfirmFn>
  void Drain(bool at_end, ConfirmFn&& confirm) {
    std::size_t last_newline = buffer_.rfind('\n');
    std::size_t complete = at_end ? buffer_.size() : (last_newline == std::string::npos ? 0 : last_newline + 1);
    if (!flagged_.empty()) {
      std::sort(flagged_.begin(), flagged_.end());
      flagged_.erase(std::unique(flagged_.begin(), flagged_.end()), flagged_.end());
      std::vector<std::pair<std::uint64_t, std::size_t>> keep;
      std::set<std::pair<std::size_t, std::size_t>> done;  // (line start, rule)
      for (const auto& [offset, rule] : flagged_) {
        std::size_t at = offset < buffer_offset_ ? 0 : static_cast<std::size_t>(offset - buffer_offset_);
        if (at >= complete && !(at_end && at <= buffer_.size())) {
          keep.push_back({offset, rule});
          continue;
        }
        at = std::min(at, buffer_.empty() ? 0 : buffer_.size() - 1);
        std::size_t start = at == 0 ? std::string::npos : buffer_.rfind('\n', at - 1);
        start = start == std::string::npos ? 0 : start + 1;
        std::size_t end = buffer_.find('\n', at);
        if (end == std::string::npos) end = buffer_.size();
        if (!done.insert({start, rule}).second) continue;
        std::uint64_t line = line_ + static_cast<std::uint64_t>(
                                         std::count(buffer_.begin(), buffer_.begin() + static_cast<long>(start), '\n'));
        confirm(rule, std::string_view(buffer_).substr(start, end - start), line);
      }
      flagged_ = std::move(keep);
    }
    Drop(complete);
    // A line longer than kMaxLine: keep its last kMaxLine bytes (its candidates were flagged near their end).
    if (buffer_.size() > SecretScanner::kMaxLine) {
      std::size_t excess = buffer_.size() - SecretScanner::kMaxLine;
      for (const auto& [offset, rule] : flagged_) {
        if (offset - buffer_offset_ < excess) {
          // Confirm what would be lost now, on the window that ends the candidate.
          std::size_t at = static_cast<std::size_t>(offset - buffer_offset_);
          std::size_t from = at > 4096 ? at - 4096 : 0;
          confirm(rule, std::string_view(buffer_).substr(from, std::min(buffer_.size() - from, at - from + 512)),
                  line_);
        }
      }
      flagged_.erase(std::remove_if(flagged_.begin(), flagged_.end(),
                                    [&](const auto& f) { return f.first - buffer_offset_ < excess; }),
                     flagged_.end());
      buffer_.erase(0, excess);
      buffer_offset_ += excess;
    }
  }

  // Complete lines from the front, for the RE2 engine: calls fn(line_text, line_number) for each complete line not
  // seen before (or the rest at the end).
  template <class LineFn>
  void ForEachNewLine(bool at_end, LineFn&& fn) {
    std::size_t start = 0;
    std::uint64_t line = line_;
    for (;;) {
      std::size_t end = buffer_.find('\n', start);
      if (end == std::string::npos) {
        if (at_end && start < buffer_.size()) fn(std::string_view(buffer_).substr(start), line);
        break;
      }
      fn(std::string_view(buffer_).substr(start, end - start), line);
      ++line;
      start = end + 1;
    }
    if (at_end) {
      Drop(buffer_.size());
      return;
    }
    Drop(start);
    if (buffer_.size() > SecretScanner::kMaxLine) {
      // An overlong line is judged in kMaxLine windows.
      fn(std::string_view(buffer_).substr(0, SecretScanner::kMaxLine), line_);
      std::size_t excess = buffer_.size() - SecretScanner::kMaxLine / 2;
      buffer_.erase(0, excess);
      buffer_offset_ += excess;
    }
  }

 private:
  void Drop(std::size_t count) {
    line_ += static_cast<std::uint64_t>(std::count(buffer_.begin(), buffer_.begin() + static_cast<long>(count), '\n'));
    buffer_.erase(0, count);
    buffer_offset_ += count;
  }

  std::string buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::uint64_t line_ = 1;
  std::vector<std::pair<std::uint64_t, std::size_t>> flagged_;  // (offset, rule)
};

std::vector<SecretHit> SortedUnique(std::vector<SecretHit> hits) {
  auto key = [](const SecretHit& h) { return std::tie(h.line, h.rule, h.masked); };
  std::sort(hits.begin(), hits.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  hits.erase(std::unique(hits.begin(), hits.end(), [&](const auto& a, const auto& b) { return key(a) == key(b); }),
             hits.end());
  return hits;
}

std::vector<SecretHit> Capped(std::vector<SecretHit> hits) {
  if (hits.size() > SecretScanner::kMaxHitsPerFile) hits.resize(SecretScanner::kMaxHitsPerFile);
  return hits;
}

class ScannerBase : public SecretScanner {
 public:
  explicit ScannerBase(RuleSet rules) : rules_(std::move(rules)), confirmer_(rules_) {}
  const RuleSet& rules() const override { return rules_; }
  const Confirmer& confirmer() const { return confirmer_; }

 private:
  RuleSet rules_;
  Confirmer confirmer_;
};

// ---- RE2 engine ----

class Re2Scanner final : public ScannerBase {
 public:
  static Result<std::unique_ptr<Re2Scanner>> Create(RuleSet rules) {
    auto scanner = std::unique_ptr<Re2Scanner>(new Re2Scanner(std::move(rules)));
    RE2::Options options;
    options.set_log_errors(false);
    scanner->set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (const auto& rule : scanner->rules().rules) {
      std::string error;
      if (scanner->set_->Add(rule.regex, &error) < 0) {
        return MakeError(ErrorCode::kInvalidArgument, "secret rule {}: {}", rule.id, error);
      }
    }
    if (!scanner->set_->Compile()) return MakeError(ErrorCode::kInvalidArgument, "secret rules: RE2 set too large");
    return scanner;
  }
  Engine engine() const override { return Engine::kRe2; }
  std::unique_ptr<FileScan> NewFileScan() const override;
  const RE2::Set& set() const { return *set_; }

 private:
  explicit Re2Scanner(RuleSet rules) : ScannerBase(std::move(rules)) {}
  std::unique_ptr<RE2::Set> set_;
};

class Re2FileScan final : public FileScan {
 public:
  explicit Re2FileScan(const Re2Scanner& scanner) : scanner_(scanner) {}
  void Begin() override {
    window_.Reset();
    hits_.clear();
    stopped_ = false;
  }
  void Feed(std::string_view chunk) override {
    if (stopped_) return;
    window_.Append(chunk);
    Scan(false);
  }
  std::vector<SecretHit> End() override {
    if (!stopped_) Scan(true);
    return Capped(SortedUnique(std::move(hits_)));
  }
  bool truncated() const override { return stopped_; }

 private:
  void Scan(bool at_end) {
    window_.ForEachNewLine(at_end, [&](std::string_view line, std::uint64_t number) {
      if (hits_.size() >= SecretScanner::kMaxHitsPerFile) stopped_ = true;
      if (stopped_) return;
      matched_.clear();
      if (!scanner_.set().Match(re2::StringPiece(line.data(), line.size()), &matched_)) return;
      for (int rule : matched_) {
        scanner_.confirmer().Confirm(static_cast<std::size_t>(rule), line, number, hits_);
      }
    });
  }

  const Re2Scanner& scanner_;
  LineWindow window_;
  std::vector<int> matched_;
  std::vector<SecretHit> hits_;
  bool stopped_ = false;
};

std::unique_ptr<FileScan> Re2Scanner::NewFileScan() const {
  return std::make_unique<Re2FileScan>(*this);
}

// ---- Hyperscan engine ----

class HyperscanScanner final : public ScannerBase {
 public:
  static Result<std::unique_ptr<HyperscanScanner>> Create(RuleSet rules) {
    auto scanner = std::unique_ptr<HyperscanScanner>(new HyperscanScanner(std::move(rules)));
    std::vector<const char*> patterns;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    for (std::size_t i = 0; i < scanner->rules().rules.size(); ++i) {
      patterns.push_back(scanner->rules().rules[i].regex.c_str());
      // Prefilter mode: Hyperscan may report a superset (it accepts any pattern this way); RE2 confirms.
      flags.push_back(HS_FLAG_PREFILTER);
      ids.push_back(static_cast<unsigned>(i));
    }
    if (patterns.empty()) return scanner;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                         HS_MODE_STREAM, nullptr, &scanner->database_, &error) != HS_SUCCESS) {
      std::string message = error != nullptr && error->message != nullptr ? error->message : "unknown error";
      int which = error != nullptr ? error->expression : -1;
      hs_free_compile_error(error);
      std::string rule = which >= 0 && static_cast<std::size_t>(which) < scanner->rules().rules.size()
                             ? scanner->rules().rules[static_cast<std::size_t>(which)].id
                             : std::string("?");
      return MakeError(ErrorCode::kInvalidArgument, "secret rule {}: Hyperscan: {}", rule, message);
    }
    if (hs_alloc_scratch(scanner->database_, &scanner->prototype_) != HS_SUCCESS) {
      return MakeError(ErrorCode::kInternal, "Hyperscan: cannot allocate scratch space");
    }
    return scanner;
  }
  ~HyperscanScanner() override {
    if (prototype_ != nullptr) hs_free_scratch(prototype_);
    if (database_ != nullptr) hs_free_database(database_);
  }
  Engine engine() const override { return Engine::kHyperscan; }
  std::unique_ptr<FileScan> NewFileScan() const override;
  const hs_database_t* database() const { return database_; }
  hs_scratch_t* CloneScratch() const {
    hs_scratch_t* scratch = nullptr;
    if (prototype_ != nullptr) hs_clone_scratch(prototype_, &scratch);
    return scratch;
  }

 private:
  explicit HyperscanScanner(RuleSet rules) : ScannerBase(std::move(rules)) {}
  hs_database_t* database_ = nullptr;
  hs_scratch_t* prototype_ = nullptr;
};

class HyperscanFileScan final : public FileScan {
 public:
  explicit HyperscanFileScan(const HyperscanScanner& scanner) : scanner_(scanner), scratch_(scanner.CloneScratch()) {}
  ~HyperscanFileScan() override {
    CloseStream();
    if (scratch_ != nullptr) hs_free_scratch(scratch_);
  }
  void Begin() override {
    CloseStream();
    window_.Reset();
    hits_.clear();
    stopped_ = false;
    if (scanner_.database() != nullptr && scratch_ != nullptr) {
      hs_open_stream(scanner_.database(), 0, &stream_);
    }
  }
  void Feed(std::string_view chunk) override {
    if (stopped_) return;
    if (stream_ != nullptr && !chunk.empty()) {
      hs_scan_stream(stream_, chunk.data(), static_cast<unsigned>(chunk.size()), 0, scratch_, &OnMatch, this);
    }
    if (!window_.HasFlags()) {
      window_.Skip(chunk);
      return;
    }
    window_.Append(chunk);
    Confirm(false);
    if (hits_.size() >= SecretScanner::kMaxHitsPerFile) stopped_ = true;
  }
  std::vector<SecretHit> End() override {
    CloseStream();  // reports matches that end at the end of the file
    if (!stopped_) Confirm(true);
    return Capped(SortedUnique(std::move(hits_)));
  }
  bool truncated() const override { return stopped_; }

 private:
  static int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/,
                     void* context) {
    auto* self = static_cast<HyperscanFileScan*>(context);
    // `to` is one past the last byte of the match; flag the line holding that byte.
    self->window_.Flag(id, to > 0 ? to - 1 : 0);
    return 0;
  }
  void Confirm(bool at_end) {
    window_.Drain(at_end, [&](std::size_t rule, std::string_view line, std::uint64_t number) {
      scanner_.confirmer().Confirm(rule, line, number, hits_);
    });
  }
  void CloseStream() {
    if (stream_ != nullptr) {
      hs_close_stream(stream_, scratch_, &OnMatch, this);
      stream_ = nullptr;
    }
  }

  const HyperscanScanner& scanner_;
  hs_scratch_t* scratch_ = nullptr;
  hs_stream_t* stream_ = nullptr;
  LineWindow window_;
  std::vector<SecretHit> hits_;
  bool stopped_ = false;
};

std::unique_ptr<FileScan> HyperscanScanner::NewFileScan() const {
  return std::make_unique<HyperscanFileScan>(*this);
}

bool Glob(const std::string& pattern, std::string_view path) {
  return ::fnmatch(pattern.c_str(), std::string(path).c_str(), 0) == 0;
}

}  // namespace

const char* EngineName(Engine engine) {
  switch (engine) {
    case Engine::kAuto: return "auto";
    case Engine::kHyperscan: return "hyperscan";
    case Engine::kRe2: return "re2";
  }
  return "auto";
}

Result<std::unique_ptr<SecretScanner>> SecretScanner::Create(RuleSet rules, Engine engine, std::string* note) {
  bool hyperscan_ok = hs_valid_platform() == HS_SUCCESS;
  if (engine == Engine::kHyperscan && !hyperscan_ok) {
    return MakeError(ErrorCode::kUnsupported, "Hyperscan needs SSSE3, which this CPU lacks");
  }
  if (engine == Engine::kRe2 || (engine == Engine::kAuto && !hyperscan_ok)) {
    if (engine == Engine::kAuto && note != nullptr) {
      *note = "this CPU lacks SSSE3, which Hyperscan needs: secrets are matched with RE2 (slower)";
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto scanner, Re2Scanner::Create(std::move(rules)));
    return std::unique_ptr<SecretScanner>(std::move(scanner));
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto scanner, HyperscanScanner::Create(std::move(rules)));
  return std::unique_ptr<SecretScanner>(std::move(scanner));
}

bool SecretScanner::PathAllowed(std::string_view path) const {
  for (const auto& glob : rules().allow_paths) {
    if (Glob(glob, path)) return true;
  }
  return false;
}

bool SecretScanner::RuleApplies(std::size_t rule, std::string_view path) const {
  for (const auto& glob : rules().rules[rule].allow_paths) {
    if (Glob(glob, path)) return false;
  }
  return true;
}

}  // namespace customs::audit::secrets
