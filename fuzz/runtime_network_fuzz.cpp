// Fuzzes the network inputs of runtime rules: an IP-to-country database (Tor's geoip format, --geoip), a hosts(5)
// file (--hosts-file), CIDRs, and the prefixes a country's ranges become. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/rules/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  if (size == 0) {
    return 0;
  }
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto db = GeoIpDatabase::Parse(text);
      if (db) {
        uint8_t v4[4] = {127, 0, 0, 2};
        uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
        (void)(*db)->Lookup(2, v4);
        (void)(*db)->Lookup(10, v6);
        std::vector<Cidr> cidrs;
        (*db)->CountryCidrs("RU", &cidrs);
      }
      break;
    }
    case 1: (void)ParseHosts(text); break;
    case 2: {
      Cidr cidr;
      (void)ParseCidr(text, &cidr);
      break;
    }
  }
  return 0;
}
