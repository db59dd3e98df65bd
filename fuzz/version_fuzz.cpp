// Fuzz target for every version scheme and the OSV range evaluator. The first byte picks the scheme; the rest is
// "A\nB\n<events...>". Beyond "no crash, no hang" it checks two properties: a valid version equals itself, and
// Compare(a, b) == -Compare(b, a).
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include "version/range.h"
#include "version/version.h"

using customs::version::Scheme;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr Scheme kSchemes[] = {Scheme::kDeb,   Scheme::kRpm,     Scheme::kApk,   Scheme::kSemver,
                                        Scheme::kGo,    Scheme::kPep440,  Scheme::kMaven, Scheme::kGem,
                                        Scheme::kNuget, Scheme::kComposer};
  const Scheme scheme = kSchemes[data[0] % std::size(kSchemes)];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t nl = rest.find('\n');
  std::string_view a = rest.substr(0, nl);
  std::string_view b = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  const size_t nl2 = b.find('\n');
  std::string_view tail = nl2 == std::string_view::npos ? std::string_view() : b.substr(nl2 + 1);
  b = b.substr(0, nl2);

  auto ab = customs::version::Compare(scheme, a, b);
  auto ba = customs::version::Compare(scheme, b, a);
  if (ab.has_value() != ba.has_value()) std::abort();
  if (ab && (*ab > 0) != (*ba < 0)) std::abort();
  if (ab && (*ab == 0) != (*ba == 0)) std::abort();
  auto aa = customs::version::Compare(scheme, a, a);
  if (aa && *aa != 0) std::abort();

  // Remaining lines: events "i V", "f V", "l V", "x V" (limit) or "v V" (listed version).
  customs::version::AffectedSpec spec;
  customs::version::Range range;
  using Kind = customs::version::RangeEvent::Kind;
  while (!tail.empty()) {
    const size_t e = tail.find('\n');
    std::string_view line = tail.substr(0, e);
    tail = e == std::string_view::npos ? std::string_view() : tail.substr(e + 1);
    if (line.size() < 2) continue;
    std::string v(line.substr(2));
    switch (line[0]) {
      case 'i': range.events.push_back({Kind::kIntroduced, v}); break;
      case 'f': range.events.push_back({Kind::kFixed, v}); break;
      case 'l': range.events.push_back({Kind::kLastAffected, v}); break;
      case 'x': range.events.push_back({Kind::kLimit, v}); break;
      case 'v': spec.versions.push_back(v); break;
      default: break;
    }
  }
  spec.ranges.push_back(range);
  customs::DiagnosticsCollector diags;
  auto verdict = customs::version::Evaluate(scheme, spec, a, &diags);
  if (verdict && !verdict->fixed_version.empty()) {
    auto c = customs::version::Compare(scheme, verdict->fixed_version, a);
    if (!c || *c <= 0) std::abort();  // the nearest fix must lie above the installed version
  }
  return 0;
}
