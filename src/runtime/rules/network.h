// Network values that rules name: CIDRs, address ranges, an IP-to-country database (fd.*.country), and the domain
// names behind fd.*.name with the addresses they resolve to.
//
// GeoIpDatabase reads Tor's geoip format (Debian tor-geoipdb: /usr/share/tor/geoip and geoip6, CC BY-SA 4.0, IPFire
// location data): "low,high,CC" lines, where low/high are IPv4 addresses as decimal integers or dotted quads, or
// IPv6 addresses. It is loaded once into sorted arrays and then read-only (thread-safe lookups, no allocation).
//
// DomainSet is shared between a compiled filter (reads, on the event loop) and DomainRefresher (writes, on its own
// thread): the resolved addresses are swapped in as one immutable snapshot, so a reader never blocks on a resolver.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"

namespace customs::runtime {

// 128-bit unsigned integer (IPv6 ranges); __extension__ keeps -Wpedantic quiet about the GNU type.
__extension__ using Uint128 = unsigned __int128;

struct IpAddress {
  uint8_t family = 0;  // AF_INET (2) or AF_INET6 (10)
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
  auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr): a clang-tidy false positive
};

struct Cidr {
  uint8_t family = 0;
  std::array<uint8_t, 16> addr{};
  int prefix = 0;
};

// "10.0.0.0/8", "::1", "127.0.0.1" (a single address is a /32 or /128). False on bad input.
bool ParseCidr(std::string_view text, Cidr* out);
bool CidrContains(const Cidr& cidr, uint8_t family, const uint8_t* addr);
// The smallest set of prefixes that covers exactly [low, high] (both of `family`), appended to `out`.
void RangeToCidrs(const IpAddress& low, const IpAddress& high, std::vector<Cidr>* out);

class GeoIpDatabase {
 public:
  // Reads files (tor's geoip and geoip6, or one file with both). Errors: kNotFound, kCorrupt (a malformed line, with
  // its number, or no range at all). `max_bytes` bounds each file.
  static Result<std::shared_ptr<GeoIpDatabase>> Load(const std::vector<std::filesystem::path>& files,
                                                     size_t max_bytes = size_t{256} << 20);
  // The same from text (tests, fuzzing); `name` labels errors.
  static Result<std::shared_ptr<GeoIpDatabase>> Parse(std::string_view text, std::string_view name = "geoip");
  // Debian's tor-geoipdb files, if installed.
  static std::vector<std::filesystem::path> DefaultFiles();

  // The ISO 3166 code ("RU") of an address; empty when unknown ("??" ranges are unknown too).
  std::string_view Lookup(uint8_t family, const uint8_t* addr) const;
  // Every range of a country as CIDR prefixes (the kernel's deny map), appended to `out`.
  void CountryCidrs(std::string_view country, std::vector<Cidr>* out) const;
  size_t ranges4() const { return v4_.size(); }
  size_t ranges6() const { return v6_.size(); }

 private:
  struct Range4 {
    uint32_t low, high;
    std::array<char, 2> country;
  };
  struct Range6 {
    Uint128 low, high;
    std::array<char, 2> country;
  };
  Status AddText(std::string_view text, std::string_view name);
  Status Finish(std::string_view name);
  std::vector<Range4> v4_;
  std::vector<Range6> v6_;
};

// The address sets a DomainSet resolves to: sorted, immutable.
struct ResolvedAddresses {
  std::vector<IpAddress> addresses;  // sorted
  bool Contains(uint8_t family, const uint8_t* addr) const;
};

class DomainSet {
 public:
  explicit DomainSet(std::vector<std::string> names);
  const std::vector<std::string>& names() const { return names_; }
  // Hot path: whether the address is one the names resolved to at the last refresh.
  bool Contains(uint8_t family, const uint8_t* addr) const;
  std::shared_ptr<const ResolvedAddresses> Snapshot() const { return addresses_.load(std::memory_order_acquire); }
  void Publish(std::shared_ptr<const ResolvedAddresses> addresses) {
    addresses_.store(std::move(addresses), std::memory_order_release);
  }

 private:
  std::vector<std::string> names_;
  std::atomic<std::shared_ptr<const ResolvedAddresses>> addresses_;
};

// Resolves one name to its addresses (empty when it does not resolve).
using NameResolver = std::function<std::vector<IpAddress>(const std::string& name)>;
// getaddrinfo(3): /etc/hosts, then DNS, as the system is configured.
NameResolver SystemResolver();
// Only the given hosts(5)-format file (re-read at every resolution round, so edits show at the next refresh); no
// DNS. For air-gapped hosts, and for tests, which must not send DNS queries.
NameResolver HostsFileResolver(std::filesystem::path path);
// Parses hosts(5) text into name -> addresses (lower-cased names).
std::vector<std::pair<std::string, IpAddress>> ParseHosts(std::string_view text);

// Resolves every DomainSet on its own thread when started and then every `interval`, as Falco refreshes the names
// in its rules; names resolve in parallel (a slow DNS server costs one timeout per round, not one per name). Also
// publishes address -> names for output (SetAddressNames).
class DomainRefresher {
 public:
  DomainRefresher(std::vector<std::shared_ptr<DomainSet>> sets, NameResolver resolver,
                  std::chrono::milliseconds interval);
  ~DomainRefresher();  // stops the thread (after the round in progress)
  // Starts the thread and waits up to `first_round` for its first round. Returns how many distinct names resolved
  // to at least one address in it (0 if it is still running).
  size_t Start(std::chrono::milliseconds first_round = std::chrono::seconds(5));
  // One round on the calling thread (tests).
  size_t RefreshNow();
  uint64_t rounds() const { return rounds_.load(); }

 private:
  void Run();
  std::vector<std::shared_ptr<DomainSet>> sets_;
  NameResolver resolver_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<uint64_t> rounds_{0};
  size_t last_found_ = 0;
  std::thread thread_;
};

}  // namespace customs::runtime
