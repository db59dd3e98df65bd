// Fuzzes what the push gate reads from a client: a manifest PUT body (with the Content-Type as its first line) and
// the request path it was sent to.
#include <cstdint>
#include <string>
#include <string_view>

#include "server/gate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t newline = text.find('\n');
  std::string_view head = newline == std::string_view::npos ? text : text.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  (void)customs::server::ParsePushedManifest(body, head);
  (void)customs::server::ClassifyDistributionPath(head);
  return 0;
}
