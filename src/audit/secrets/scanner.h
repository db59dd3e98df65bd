// The secret matcher: every rule compiled into one multi-pattern database and run over each file once, as a stream.
//
// Engines:
//   - Hyperscan (libhs), streaming mode, every pattern in prefilter mode: it reports where a rule may end, and the
//     rule's own RE2 confirms the line and extracts the secret. Needs SSSE3 (hs_valid_platform).
//   - RE2 (the fallback where Hyperscan cannot run, and a test oracle): each line goes through an RE2::Set of the
//     rules, then the same confirmation.
// Both report the same hits for the same input (secrets_test checks it on every test file).
//
// Lines longer than kMaxLine are scanned in windows of that size (a minified file cannot make memory grow). Memory
// per FileScan is bounded by kMaxLine plus one read chunk.
//
// Thread safety: a SecretScanner is immutable and shared; a FileScan belongs to one thread and scans one file at a
// time (Begin ... Feed* ... End), reusable across files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/secrets/secret_rules.h"
#include "core/error.h"

namespace customs::audit::secrets {

enum class Engine { kAuto, kHyperscan, kRe2 };
const char* EngineName(Engine engine);  // "auto", "hyperscan", "re2"

struct SecretHit {
  std::size_t rule = 0;    // index into the scanner's rules()
  std::uint64_t line = 0;  // 1-based
  std::string masked;      // MaskSecret(secret)
};

class FileScan {
 public:
  virtual ~FileScan() = default;
  virtual void Begin() = 0;
  virtual void Feed(std::string_view chunk) = 0;
  // The hits of the file, ordered by line, one per (rule, line, secret); at most kMaxHitsPerFile.
  virtual std::vector<SecretHit> End() = 0;
  // Whether the last file reached kMaxHitsPerFile and the rest of it was not scanned.
  virtual bool truncated() const = 0;
};

class SecretScanner {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;
  // A file stops being scanned after this many hits (a file of one repeated key must not cost unbounded time or
  // memory); FileScan::truncated() then says so.
  static constexpr std::size_t kMaxHitsPerFile = 100;

  // kAuto takes Hyperscan when the CPU supports it, else RE2; `note` then says why (for a diagnostic). kHyperscan on
  // a CPU without SSSE3 is kUnsupported. kInvalidArgument when a rule does not compile.
  [[nodiscard]] static Result<std::unique_ptr<SecretScanner>> Create(RuleSet rules, Engine engine,
                                                                     std::string* note = nullptr);
  virtual ~SecretScanner() = default;

  virtual Engine engine() const = 0;
  virtual const RuleSet& rules() const = 0;
  virtual std::unique_ptr<FileScan> NewFileScan() const = 0;
  // Whether `path` is on the global allow-list (never scanned).
  bool PathAllowed(std::string_view path) const;
  // Whether rule `rule` applies to `path` (its own `paths` globs).
  bool RuleApplies(std::size_t rule, std::string_view path) const;
};

}  // namespace customs::audit::secrets
