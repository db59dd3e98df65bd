#include "runtime/rules/network.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

#include "core/file_util.h"
#include "runtime/event.h"
#include "runtime/rules/fields.h"

namespace customs::runtime {
namespace {

Uint128 ToU128(const std::array<uint8_t, 16>& bytes) {
  Uint128 value = 0;
  for (uint8_t b : bytes) {
    value = (value << 8) | b;
  }
  return value;
}

std::array<uint8_t, 16> FromU128(Uint128 value) {
  std::array<uint8_t, 16> bytes{};
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
  return bytes;
}

// Parses one end of a geoip range: a decimal IPv4 integer, a dotted quad, or an IPv6 address.
bool ParseRangeEnd(std::string_view text, IpAddress* out) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value > 0xffffffffULL) {
      return false;
    }
    out->family = AF_INET;
    out->bytes = {};
    out->bytes[0] = static_cast<uint8_t>(value >> 24);
    out->bytes[1] = static_cast<uint8_t>(value >> 16);
    out->bytes[2] = static_cast<uint8_t>(value >> 8);
    out->bytes[3] = static_cast<uint8_t>(value);
    return true;
  }
  return ParseAddress(text, &out->family, &out->bytes);
}

uint32_t V4(const uint8_t* addr) {
  return (uint32_t{addr[0]} << 24) | (uint32_t{addr[1]} << 16) | (uint32_t{addr[2]} << 8) | addr[3];
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

bool ParseCidr(std::string_view text, Cidr* out) {
  size_t slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  if (!ParseAddress(address, &out->family, &out->addr)) {
    return false;
  }
  int max = out->family == AF_INET ? 32 : 128;
  if (slash == std::string_view::npos) {
    out->prefix = max;
    return true;
  }
  std::string_view bits = text.substr(slash + 1);
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), out->prefix);
  return ec == std::errc() && ptr == bits.data() + bits.size() && out->prefix >= 0 && out->prefix <= max;
}

bool CidrContains(const Cidr& cidr, uint8_t family, const uint8_t* addr) {
  if (family != cidr.family) {
    return false;
  }
  int full = cidr.prefix / 8;
  if (std::memcmp(addr, cidr.addr.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  int rest = cidr.prefix % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == (cidr.addr[full] & mask);
}

void RangeToCidrs(const IpAddress& low, const IpAddress& high, std::vector<Cidr>* out) {
  if (low.family != high.family || (low.family != AF_INET && low.family != AF_INET6)) {
    return;
  }
  const int bits = low.family == AF_INET ? 32 : 128;
  auto to_value = [&](const IpAddress& a) -> Uint128 {
    if (a.family == AF_INET) {
      return V4(a.bytes.data());
    }
    return ToU128(a.bytes);
  };
  Uint128 start = to_value(low);
  Uint128 end = to_value(high);
  if (start > end) {
    return;
  }
  while (true) {
    // The largest block that starts at `start` (aligned) and does not pass `end`.
    int size = 0;  // log2 of the block size
    const Uint128 one = 1;
    while (size < bits) {
      int next = size + 1;
      if (next == 128) {
        if (start == 0 && end == ~static_cast<Uint128>(0)) {
          size = 128;
        }
        break;
      }
      Uint128 block_mask = (one << next) - 1;
      if ((start & block_mask) != 0 || end - start < block_mask) {
        break;
      }
      size = next;
    }
    Cidr cidr;
    cidr.family = low.family;
    cidr.prefix = bits - size;
    if (low.family == AF_INET) {
      auto v = static_cast<uint32_t>(start);
      cidr.addr[0] = static_cast<uint8_t>(v >> 24);
      cidr.addr[1] = static_cast<uint8_t>(v >> 16);
      cidr.addr[2] = static_cast<uint8_t>(v >> 8);
      cidr.addr[3] = static_cast<uint8_t>(v);
    } else {
      cidr.addr = FromU128(start);
    }
    out->push_back(cidr);
    Uint128 last = size == 128 ? ~static_cast<Uint128>(0) : start + ((static_cast<Uint128>(1) << size) - 1);
    if (last >= end) {
      return;
    }
    start = last + 1;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// GeoIpDatabase.

std::vector<std::filesystem::path> GeoIpDatabase::DefaultFiles() {
  std::vector<std::filesystem::path> files;
  for (const char* path : {"/usr/share/tor/geoip", "/usr/share/tor/geoip6"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      files.emplace_back(path);
    }
  }
  return files;
}

Status GeoIpDatabase::AddText(std::string_view text, std::string_view name) {
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = Trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    size_t c1 = line.find(',');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string_view::npos) {
      return MakeError(ErrorCode::kCorrupt, "{}:{}: expected 'low,high,CC'", name, line_number);
    }
    IpAddress low, high;
    std::string_view country = Trim(line.substr(c2 + 1));
    if (!ParseRangeEnd(Trim(line.substr(0, c1)), &low) ||
        !ParseRangeEnd(Trim(line.substr(c1 + 1, c2 - c1 - 1)), &high) || low.family != high.family ||
        country.size() != 2) {
      return MakeError(ErrorCode::kCorrupt, "{}:{}: bad range '{}'", name, line_number, line.substr(0, 80));
    }
    std::array<char, 2> cc = {static_cast<char>(std::toupper(static_cast<unsigned char>(country[0]))),
                              static_cast<char>(std::toupper(static_cast<unsigned char>(country[1])))};
    if (low.family == AF_INET) {
      uint32_t lo = V4(low.bytes.data()), hi = V4(high.bytes.data());
      if (lo > hi) {
        return MakeError(ErrorCode::kCorrupt, "{}:{}: range ends before it starts", name, line_number);
      }
      v4_.push_back(Range4{lo, hi, cc});
    } else {
      Uint128 lo = ToU128(low.bytes), hi = ToU128(high.bytes);
      if (lo > hi) {
        return MakeError(ErrorCode::kCorrupt, "{}:{}: range ends before it starts", name, line_number);
      }
      v6_.push_back(Range6{lo, hi, cc});
    }
  }
  return Ok();
}

Status GeoIpDatabase::Finish(std::string_view name) {
  if (v4_.empty() && v6_.empty()) {
    return MakeError(ErrorCode::kCorrupt, "{}: no address range in the country database", name);
  }
  std::sort(v4_.begin(), v4_.end(), [](const Range4& a, const Range4& b) { return a.low < b.low; });
  std::sort(v6_.begin(), v6_.end(), [](const Range6& a, const Range6& b) { return a.low < b.low; });
  // Overlaps would make a lookup depend on the order: keep the earlier range and drop the overlapping one.
  auto dedupe = [](auto& ranges) {
    size_t kept = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (kept > 0 && ranges[i].low <= ranges[kept - 1].high) {
        continue;
      }
      ranges[kept++] = ranges[i];
    }
    ranges.resize(kept);
  };
  dedupe(v4_);
  dedupe(v6_);
  v4_.shrink_to_fit();
  v6_.shrink_to_fit();
  return Ok();
}

Result<std::shared_ptr<GeoIpDatabase>> GeoIpDatabase::Parse(std::string_view text, std::string_view name) {
  auto db = std::make_shared<GeoIpDatabase>();
  CUSTOMS_RETURN_IF_ERROR(db->AddText(text, name));
  CUSTOMS_RETURN_IF_ERROR(db->Finish(name));
  return db;
}

Result<std::shared_ptr<GeoIpDatabase>> GeoIpDatabase::Load(const std::vector<std::filesystem::path>& files,
                                                           size_t max_bytes) {
  if (files.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "no IP-to-country database: install Debian's tor-geoipdb or pass --geoip FILE");
  }
  auto db = std::make_shared<GeoIpDatabase>();
  std::string names;
  for (const auto& file : files) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(file, max_bytes));
    CUSTOMS_RETURN_IF_ERROR(db->AddText(text, file.string()));
    names += (names.empty() ? "" : ", ") + file.string();
  }
  CUSTOMS_RETURN_IF_ERROR(db->Finish(names));
  return db;
}

std::string_view GeoIpDatabase::Lookup(uint8_t family, const uint8_t* addr) const {
  auto country = [](const std::array<char, 2>& cc) -> std::string_view {
    if (cc[0] == '?') {
      return {};
    }
    return std::string_view(cc.data(), 2);
  };
  if (family == AF_INET) {
    uint32_t value = V4(addr);
    auto it = std::upper_bound(v4_.begin(), v4_.end(), value, [](uint32_t v, const Range4& r) { return v < r.low; });
    if (it == v4_.begin()) {
      return {};
    }
    --it;
    return value <= it->high ? country(it->country) : std::string_view();
  }
  if (family == AF_INET6) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), addr, 16);
    Uint128 value = ToU128(bytes);
    auto it = std::upper_bound(v6_.begin(), v6_.end(), value, [](Uint128 v, const Range6& r) { return v < r.low; });
    if (it == v6_.begin()) {
      return {};
    }
    --it;
    return value <= it->high ? country(it->country) : std::string_view();
  }
  return {};
}

void GeoIpDatabase::CountryCidrs(std::string_view country, std::vector<Cidr>* out) const {
  if (country.size() != 2) {
    return;
  }
  auto same = [&](const std::array<char, 2>& cc) {
    return std::toupper(static_cast<unsigned char>(country[0])) == cc[0] &&
           std::toupper(static_cast<unsigned char>(country[1])) == cc[1];
  };
  for (const Range4& r : v4_) {
    if (same(r.country)) {
      IpAddress low, high;
      low.family = high.family = AF_INET;
      for (int i = 0; i < 4; ++i) {
        low.bytes[i] = static_cast<uint8_t>(r.low >> (24 - 8 * i));
        high.bytes[i] = static_cast<uint8_t>(r.high >> (24 - 8 * i));
      }
      RangeToCidrs(low, high, out);
    }
  }
  for (const Range6& r : v6_) {
    if (same(r.country)) {
      IpAddress low, high;
      low.family = high.family = AF_INET6;
      low.bytes = FromU128(r.low);
      high.bytes = FromU128(r.high);
      RangeToCidrs(low, high, out);
    }
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Domains.

bool ResolvedAddresses::Contains(uint8_t family, const uint8_t* addr) const {
  IpAddress key;
  key.family = family;
  std::memcpy(key.bytes.data(), addr, family == AF_INET ? 4 : 16);
  return std::binary_search(addresses.begin(), addresses.end(), key);
}

DomainSet::DomainSet(std::vector<std::string> names) : names_(std::move(names)) {
  for (auto& name : names_) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  addresses_.store(std::make_shared<const ResolvedAddresses>());
}

bool DomainSet::Contains(uint8_t family, const uint8_t* addr) const {
  return addresses_.load(std::memory_order_acquire)->Contains(family, addr);
}

NameResolver SystemResolver() {
  return [](const std::string& name) {
    std::vector<IpAddress> out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    if (getaddrinfo(name.c_str(), nullptr, &hints, &result) != 0) {
      return out;
    }
    for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
      IpAddress address;
      if (ai->ai_family == AF_INET) {
        address.family = AF_INET;
        std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
      } else if (ai->ai_family == AF_INET6) {
        address.family = AF_INET6;
        std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
      } else {
        continue;
      }
      out.push_back(address);
    }
    freeaddrinfo(result);
    return out;
  };
}

std::vector<std::pair<std::string, IpAddress>> ParseHosts(std::string_view text) {
  std::vector<std::pair<std::string, IpAddress>> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) {
        ++i;
      }
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) {
        ++j;
      }
      if (j > i) {
        words.push_back(line.substr(i, j - i));
      }
      i = j;
    }
    if (words.size() < 2) {
      continue;
    }
    IpAddress address;
    if (!ParseAddress(words[0], &address.family, &address.bytes)) {
      continue;
    }
    for (size_t w = 1; w < words.size(); ++w) {
      std::string name(words[w]);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      out.emplace_back(std::move(name), address);
    }
  }
  return out;
}

NameResolver HostsFileResolver(std::filesystem::path path) {
  return [path = std::move(path)](const std::string& name) {
    std::vector<IpAddress> out;
    auto text = ReadFile(path, size_t{64} << 20);
    if (!text) {
      return out;
    }
    for (const auto& [host, address] : ParseHosts(*text)) {
      if (host == name) {
        out.push_back(address);
      }
    }
    return out;
  };
}

namespace {

class AddressNameMap final : public AddressNames {
 public:
  explicit AddressNameMap(std::map<IpAddress, std::string> names) : names_(std::move(names)) {}
  std::string NameOf(uint8_t family, const uint8_t* addr) const override {
    IpAddress key;
    key.family = family;
    std::memcpy(key.bytes.data(), addr, family == AF_INET ? 4 : 16);
    auto it = names_.find(key);
    return it == names_.end() ? std::string() : it->second;
  }

 private:
  std::map<IpAddress, std::string> names_;
};

}  // namespace

DomainRefresher::DomainRefresher(std::vector<std::shared_ptr<DomainSet>> sets, NameResolver resolver,
                                 std::chrono::milliseconds interval)
    : sets_(std::move(sets)), resolver_(std::move(resolver)), interval_(interval) {}

DomainRefresher::~DomainRefresher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

size_t DomainRefresher::RefreshNow() {
  // One resolution per distinct name per round, however many rules name it; up to 8 at a time.
  std::map<std::string, std::vector<IpAddress>> resolved;
  for (const auto& set : sets_) {
    for (const auto& name : set->names()) {
      resolved[name];
    }
  }
  std::vector<std::pair<const std::string, std::vector<IpAddress>>*> work;
  work.reserve(resolved.size());
  for (auto& entry : resolved) {
    work.push_back(&entry);
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < work.size(); i = next++) {
      work[i]->second = resolver_(work[i]->first);
    }
  };
  std::vector<std::thread> threads;
  size_t count = std::min<size_t>(8, work.size());
  for (size_t i = 1; i < count; ++i) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
  std::map<IpAddress, std::string> reverse;
  size_t found = 0;
  for (const auto& [name, addresses] : resolved) {
    found += addresses.empty() ? 0 : 1;
    for (const auto& address : addresses) {
      std::string& names = reverse[address];
      names += (names.empty() ? "" : ",") + name;
    }
  }
  for (const auto& set : sets_) {
    auto snapshot = std::make_shared<ResolvedAddresses>();
    for (const auto& name : set->names()) {
      const auto& addresses = resolved[name];
      snapshot->addresses.insert(snapshot->addresses.end(), addresses.begin(), addresses.end());
    }
    std::sort(snapshot->addresses.begin(), snapshot->addresses.end());
    snapshot->addresses.erase(std::unique(snapshot->addresses.begin(), snapshot->addresses.end()),
                              snapshot->addresses.end());
    set->Publish(std::move(snapshot));
  }
  SetAddressNames(std::make_shared<AddressNameMap>(std::move(reverse)));
  {
    std::lock_guard lock(mutex_);
    last_found_ = found;
    ++rounds_;
  }
  cv_.notify_all();
  return found;
}

size_t DomainRefresher::Start(std::chrono::milliseconds first_round) {
  if (sets_.empty()) {
    return 0;
  }
  thread_ = std::thread([this] { Run(); });
  std::unique_lock lock(mutex_);
  if (cv_.wait_for(lock, first_round, [this] { return rounds_.load() > 0; })) {
    return last_found_;
  }
  return 0;
}

void DomainRefresher::Run() {
  RefreshNow();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      break;
    }
    lock.unlock();
    RefreshNow();
    lock.lock();
  }
}

}  // namespace customs::runtime
