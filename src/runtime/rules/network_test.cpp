// Network values in rules: the country database (a small one, and Debian's real tor-geoipdb, read without sending
// anything), CIDR arithmetic, hosts files, the domain refresher's timer, and what the kernel connect policy denies.
#include "runtime/rules/network.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/file_util.h"
#include "runtime/rules/kernel_policy.h"
#include "runtime/rules/rules.h"

namespace customs::runtime {
namespace {

std::array<uint8_t, 16> Addr(const char* text, uint8_t* family) {
  std::array<uint8_t, 16> out{};
  EXPECT_TRUE(ParseAddress(text, family, &out)) << text;
  return out;
}

std::string Country(const GeoIpDatabase& db, const char* text) {
  uint8_t family = 0;
  auto addr = Addr(text, &family);
  return std::string(db.Lookup(family, addr.data()));
}

TEST(GeoIpTest, SmallDatabase) {
  auto db = GeoIpDatabase::Parse(
      "# comment\n"
      "2130706434,2130706434,RU\n"  // 127.0.0.2
      "16777216,16777471,au\n"      // 1.0.0.0-1.0.0.255, lower case accepted
      "10.0.0.0,10.255.255.255,??\n"
      "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,DE\n");
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_EQ((*db)->ranges4(), 3u);
  EXPECT_EQ((*db)->ranges6(), 1u);
  EXPECT_EQ(Country(**db, "127.0.0.2"), "RU");
  EXPECT_EQ(Country(**db, "127.0.0.3"), "");
  EXPECT_EQ(Country(**db, "1.0.0.200"), "AU");
  EXPECT_EQ(Country(**db, "1.0.1.0"), "");
  EXPECT_EQ(Country(**db, "10.1.2.3"), "");  // "??" is unknown
  EXPECT_EQ(Country(**db, "2001:db8::1"), "DE");
  EXPECT_EQ(Country(**db, "2001:db9::1"), "");
  std::vector<Cidr> cidrs;
  (*db)->CountryCidrs("ru", &cidrs);
  ASSERT_EQ(cidrs.size(), 1u);
  EXPECT_EQ(cidrs[0].prefix, 32);
  for (const char* bad : {"1,2", "1,2,RUS", "x,2,RU", "5,4,RU", "1.2.3.4,::1,RU", "", "# only a comment\n"}) {
    EXPECT_FALSE(GeoIpDatabase::Parse(bad)) << bad;
  }
}

// Debian's tor-geoipdb, read from disk: nothing is sent anywhere.
TEST(GeoIpTest, DebianTorGeoipdb) {
  auto files = GeoIpDatabase::DefaultFiles();
  if (files.size() < 2) {
    GTEST_SKIP() << "tor-geoipdb is not installed (scripts/install-deps.sh)";
  }
  auto db = GeoIpDatabase::Load(files);
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_GT((*db)->ranges4(), 100000u);
  EXPECT_GT((*db)->ranges6(), 50000u);
  // The first ranges of both files (APNIC's 1.0.0.0/24, assigned in Australia) and well-known assignments.
  EXPECT_EQ(Country(**db, "1.0.0.1"), "AU");
  EXPECT_EQ(Country(**db, "127.0.0.1"), "");
  EXPECT_EQ(Country(**db, "10.0.0.1"), "");
  std::vector<Cidr> ru;
  (*db)->CountryCidrs("RU", &ru);
  EXPECT_GT(ru.size(), 1000u);  // what the kernel deny map would hold for a RU deny list
  // Every one of those prefixes maps back to RU.
  for (size_t i = 0; i < ru.size(); i += ru.size() / 50 + 1) {
    EXPECT_EQ((*db)->Lookup(ru[i].family, ru[i].addr.data()), "RU");
  }
}

TEST(CidrTest, RangesBecomeExactPrefixes) {
  auto cidrs = [](const char* low, const char* high) {
    IpAddress a, b;
    EXPECT_TRUE(ParseAddress(low, &a.family, &a.bytes));
    EXPECT_TRUE(ParseAddress(high, &b.family, &b.bytes));
    std::vector<Cidr> out;
    RangeToCidrs(a, b, &out);
    std::vector<std::string> text;
    for (const auto& c : out) {
      text.push_back(FormatIp(c.family, c.addr.data()) + "/" + std::to_string(c.prefix));
    }
    return text;
  };
  EXPECT_EQ(cidrs("10.0.0.0", "10.255.255.255"), std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(cidrs("1.0.0.1", "1.0.0.6"),
            (std::vector<std::string>{"1.0.0.1/32", "1.0.0.2/31", "1.0.0.4/31", "1.0.0.6/32"}));
  EXPECT_EQ(cidrs("0.0.0.0", "255.255.255.255"), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(cidrs("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), std::vector<std::string>{"::/0"});
  EXPECT_EQ(cidrs("2001:db8::", "2001:db8::1"), std::vector<std::string>{"2001:db8::/127"});
  EXPECT_TRUE(cidrs("10.0.0.2", "10.0.0.1").empty());
  Cidr c;
  EXPECT_TRUE(ParseCidr("fd00::/8", &c));
  EXPECT_FALSE(ParseCidr("10.0.0.0/33", &c));
  EXPECT_FALSE(ParseCidr("10.0.0.0/", &c));
}

TEST(DomainRefresherTest, HostsFileAndTimer) {
  auto dir = TempDir::Create("runtime-domains");
  ASSERT_TRUE(dir);
  auto hosts = dir->path() / "hosts";
  std::ofstream(hosts) << "127.0.0.3 pool.minexmr.com # a miner\n::1 ip6-localhost\n";
  auto parsed = ParseHosts(ReadFile(hosts, 1 << 20).value());
  ASSERT_EQ(parsed.size(), 2u);
  auto set = std::make_shared<DomainSet>(std::vector<std::string>{"POOL.minexmr.com", "absent.example"});
  DomainRefresher refresher({set}, HostsFileResolver(hosts), std::chrono::milliseconds(20));
  EXPECT_EQ(refresher.Start(), 1u);  // one of the two names resolves
  uint8_t family = 0;
  auto pool = Addr("127.0.0.3", &family);
  EXPECT_TRUE(set->Contains(family, pool.data()));
  // The file changes: the timer's next round sees it.
  std::ofstream(hosts) << "127.0.0.4 pool.minexmr.com\n";
  auto moved = Addr("127.0.0.4", &family);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!set->Contains(family, moved.data()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(set->Contains(family, moved.data()));
  EXPECT_FALSE(set->Contains(family, pool.data()));
  EXPECT_GE(refresher.rounds(), 2u);
}

RuleSet Load(const std::string& text, LoadReport* report) {
  RulesLoader loader;
  (void)loader.AddText("test.yaml", text);
  return loader.Finish(report);
}

TEST(KernelConnectPolicyTest, WhatTheKernelChecks) {
  LoadReport report;
  RuleSet set = Load(R"(
- list: pools
  items: [pool.minexmr.com]
- list: denied
  items: [RU]
- macro: in_container
  condition: container.id != host
- rule: miners and countries
  condition: evt.type = connect and in_container and (fd.sip.name in (pools) or fd.sip.country in (denied))
  output: x
  priority: CRITICAL
  actions: [deny_network, kill_container]
- rule: web only, not on 443
  condition: >
    evt.type = connect and container.name = frontend-web and fd.snet in (203.0.113.0/24) and not fd.sport = 443
  output: x
  priority: ERROR
  actions: [deny_network]
- rule: process based
  condition: evt.type = connect and in_container and proc.name = curl and fd.sport = 80
  output: x
  priority: ERROR
  actions: [deny_network]
- rule: result based
  condition: evt.type = connect and in_container and evt.res = SUCCESS and fd.sport = 25
  output: x
  priority: ERROR
  actions: [deny_network]
- rule: everything
  condition: evt.type = connect and in_container
  output: x
  priority: ERROR
  actions: [deny_network]
- rule: alert only
  condition: evt.type = connect and fd.sport = 22
  output: x
  priority: ERROR
)",
                     &report);
  ASSERT_TRUE(report.ok()) << report.errors[0].ToString();
  std::vector<LoadMessage> notes;
  KernelConnectPolicy policy = KernelConnectPolicy::Compile(set, &notes);
  ASSERT_EQ(policy.rules().size(), 2u);
  EXPECT_EQ(policy.rules()[0].rule->name, "miners and countries");
  EXPECT_EQ(policy.rules()[1].rule->name, "web only, not on 443");
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_NE(notes[0].message.find("uses proc.name"), std::string::npos) << notes[0].message;
  EXPECT_NE(notes[1].message.find("uses evt.res"), std::string::npos) << notes[1].message;
  EXPECT_NE(notes[2].message.find("no destination test"), std::string::npos) << notes[2].message;

  // Resolve the pool, and a country database with 127.0.0.2 in RU.
  IpAddress pool;
  ASSERT_TRUE(ParseAddress("127.0.0.3", &pool.family, &pool.bytes));
  auto resolved = std::make_shared<ResolvedAddresses>();
  resolved->addresses = {pool};
  for (const auto& set : policy.address_sets()) {
    if (set.domains) set.domains->Publish(resolved);
  }
  auto db = GeoIpDatabase::Parse("2130706434,2130706434,RU\n");
  ASSERT_TRUE(db);
  const std::string id = "c0ffee0000000000000000000000000000000000000000000000000000000001";
  auto web = std::make_shared<ContainerMetadata>();
  web->id = id;
  web->name = "frontend-web";
  uint64_t web_mask = policy.RuleMaskFor(id, web);
  EXPECT_EQ(web_mask, 3u);
  auto db_container = std::make_shared<ContainerMetadata>(*web);
  db_container->name = "database";
  uint64_t db_mask = policy.RuleMaskFor(id, db_container);
  EXPECT_EQ(db_mask, 1u);
  EXPECT_EQ(policy.RuleMaskFor("", nullptr), 0u);  // never the host

  auto denies = [&](uint64_t mask, const char* address, uint16_t port) {
    uint8_t family = 0;
    auto addr = Addr(address, &family);
    return policy.Denies(mask, family, addr.data(), port, db->get());
  };
  EXPECT_TRUE(denies(db_mask, "127.0.0.3", 3333));   // the pool
  EXPECT_TRUE(denies(db_mask, "127.0.0.2", 443));    // RU
  EXPECT_FALSE(denies(db_mask, "127.0.0.4", 3333));  // neither
  EXPECT_FALSE(denies(db_mask, "203.0.113.9", 80));  // the web rule does not apply to the database
  EXPECT_TRUE(denies(web_mask, "203.0.113.9", 80));
  EXPECT_FALSE(denies(web_mask, "203.0.113.9", 443));  // `not fd.sport = 443`
  EXPECT_FALSE(denies(web_mask, "198.51.100.1", 80));
  // The longest-prefix map carries every set an address is in.
  auto prefixes = policy.Materialize(db->get());
  EXPECT_GE(prefixes.size(), 3u);
}

}  // namespace
}  // namespace customs::runtime
