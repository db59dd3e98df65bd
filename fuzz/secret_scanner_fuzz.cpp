// Fuzzes the secret matcher with hostile file content: both engines (Hyperscan streaming, RE2) must agree, whatever
// the bytes and however they are chunked, and a mask never shows more than four characters.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "audit/secrets/scanner.h"

namespace {
using namespace customs::audit::secrets;

std::vector<SecretHit> Scan(const SecretScanner& scanner, std::string_view text, std::size_t chunk, bool* truncated) {
  auto scan = scanner.NewFileScan();
  scan->Begin();
  for (std::size_t at = 0; at < text.size(); at += chunk) scan->Feed(text.substr(at, chunk));
  auto hits = scan->End();
  *truncated = scan->truncated();
  return hits;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<SecretScanner> hyperscan =
      std::move(*SecretScanner::Create(DefaultRuleSet(), Engine::kHyperscan));
  static std::unique_ptr<SecretScanner> re2 = std::move(*SecretScanner::Create(DefaultRuleSet(), Engine::kRe2));
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t chunk = size > 0 ? 1 + data[0] % 64 : 1;
  bool truncated_a = false, truncated_b = false;
  auto a = Scan(*hyperscan, input, chunk, &truncated_a);
  auto b = Scan(*re2, input, 1 << 16, &truncated_b);
  if (a.size() > SecretScanner::kMaxHitsPerFile || b.size() > SecretScanner::kMaxHitsPerFile) __builtin_trap();
  if (truncated_a || truncated_b) return 0;  // the engines stop at different points; both stopped
  if (a.size() != b.size()) __builtin_trap();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].rule != b[i].rule || a[i].line != b[i].line || a[i].masked != b[i].masked) __builtin_trap();
    if (!a[i].masked.ends_with("*****")) __builtin_trap();
  }
  return 0;
}
