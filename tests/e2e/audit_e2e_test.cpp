// End-to-end tests of `customs audit` and `customs image --scanners` on real images built from Debian packages by
// scripts/testimages.sh (audit-root, distroless, audit-secrets), with an independent oracle (audit_oracle.py:
// dpkg-query and the files on disk), and on hostile layers generated here (a 2 GB file of one pattern, 10 million
// short lines, binary garbage) under a memory limit.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/sha256.h"
#include "e2e_util.h"

namespace customs::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Image(const std::string& name) {
  return TestImagesDir() + "/" + name;
}

json AuditJson(const std::string& target, const std::string& extra = "") {
  CommandResult r =
      RunCommand(Quote(CustomsBinary()) + " audit --no-cache --quiet --format json " + extra + " " + Quote(target));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.out.substr(0, 500);
  return doc;
}

// (rule, first word after "tool " in the message) for tool findings; (rule, path) for file findings.
std::multiset<std::pair<std::string, std::string>> Keys(const json& doc, const std::string& scanner) {
  std::multiset<std::pair<std::string, std::string>> out;
  for (const auto& f : doc["audit"]) {
    if (f["scanner"] != scanner) continue;
    std::string rule = f["rule"];
    std::string message = f["message"];
    std::string key;
    for (const char* prefix : {"attacker tool ", "build tool ", "package manager "}) {
      if (message.starts_with(prefix)) {
        std::string rest = message.substr(std::string(prefix).size());
        key = rest.substr(0, rest.find(':'));
      }
    }
    if (key.empty() && f["path"].is_string()) key = f["path"];
    out.insert({rule, key});
  }
  return out;
}

json Oracle(const std::string& rootfs) {
  CommandResult r =
      RunCommand("python3 " + Quote(std::string(CUSTOMS_SOURCE_DIR) + "/tests/e2e/audit_oracle.py") + " " +
                 Quote(rootfs) + " " + Quote(std::string(CUSTOMS_SOURCE_DIR) + "/src/core/data/tools.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

TEST(AuditE2e, RootImageWithToolsGetsExactlyItsFindings) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json doc = AuditJson(Image("audit-root/oci"));
  json oracle = Oracle(Image("audit-root/rootfs"));
  std::multiset<std::pair<std::string, std::string>> expected;
  // From the recipe (scripts/testimages.sh): no USER, no HEALTHCHECK, a Debian base with apt.
  expected.insert({"image-runs-as-root", ""});
  expected.insert({"healthcheck-missing", ""});
  expected.insert({"full-os-base", ""});
  expected.insert({"sshd-installed", "/usr/sbin/sshd"});
  // From the oracle: the tools dpkg-query and the files on disk show, and every setuid/setgid file.
  const std::map<std::string, std::string> rule_of = {{"attacker-tool", "attacker-tool-present"},
                                                      {"compiler", "compiler-present"},
                                                      {"package-manager", "package-manager-present"}};
  for (const auto& [kind, rule] : rule_of) {
    for (const auto& name : oracle["tools"][kind]) expected.insert({rule, name});
  }
  if (!oracle["tools"]["shell"].empty()) expected.insert({"shell-present", "/usr/bin/sh"});
  for (const auto& path : oracle["setuid"]) expected.insert({"setuid-setgid-file", path});
  // The brief's dangers are all there: the oracle agrees the recipe did what it says.
  for (const char* tool : {"curl", "netcat", "nmap"}) {
    EXPECT_TRUE(expected.contains({"attacker-tool-present", tool})) << tool;
  }
  EXPECT_TRUE(expected.contains({"compiler-present", "gcc"}));
  EXPECT_TRUE(expected.contains({"setuid-setgid-file", "/usr/local/bin/customs-setuid-helper"}));

  auto actual = Keys(doc, "config");
  EXPECT_EQ(actual, expected) << doc["audit"].dump(2).substr(0, 4000);
  // Each tool finding names the package and the layer that installed it.
  for (const auto& f : doc["audit"]) {
    if (f["rule"] == "attacker-tool-present") {
      ASSERT_TRUE(f["layer"].is_object());
      EXPECT_EQ(f["layer"]["index"], 1);
      EXPECT_NE(f["layer"]["created_by"].get<std::string>().find("apt-get install"), std::string::npos);
    }
  }
}

TEST(AuditE2e, DistrolessNonRootImageHasNoneOfTheBriefsDangers) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json doc = AuditJson(Image("distroless/oci"));
  json oracle = Oracle(Image("distroless/rootfs"));
  EXPECT_TRUE(oracle["tools"]["shell"].empty()) << "the test image must have no shell";
  for (const auto& f : doc["audit"]) {
    for (const char* rule : {"image-runs-as-root", "full-os-base", "attacker-tool-present", "compiler-present",
                             "shell-present", "package-manager-present"}) {
      EXPECT_NE(f["rule"], rule) << f.dump();
    }
  }
  EXPECT_TRUE(doc["audit"].is_array());
}

TEST(AuditE2e, SecretsInLayersIncludingADeletedKeyAndNoFalsePositives) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json doc = AuditJson(Image("audit-secrets/oci"), "--scanners secret");
  std::map<std::string, json> by_rule;
  for (const auto& f : doc["audit"]) {
    EXPECT_EQ(f["scanner"], "secret");
    by_rule[f["rule"].get<std::string>() + " " + f["path"].get<std::string>()] = f;
  }
  ASSERT_TRUE(by_rule.contains("aws-access-key-id /app/config.env")) << doc["audit"].dump(2);
  EXPECT_EQ(by_rule["aws-access-key-id /app/config.env"]["line"], 3);
  EXPECT_EQ(by_rule["aws-access-key-id /app/config.env"]["match"], "AKIA*****");
  EXPECT_TRUE(by_rule.contains("aws-secret-access-key /app/config.env"));
  EXPECT_TRUE(by_rule.contains("github-token /app/.github_token"));
  ASSERT_TRUE(by_rule.contains("private-key /root/.ssh/id_rsa"));
  const json& key = by_rule["private-key /root/.ssh/id_rsa"];
  EXPECT_EQ(key["layer"]["index"], 2);
  EXPECT_EQ(key["removed_in_layer"], 3);
  EXPECT_NE(key["message"].get<std::string>().find("removed in layer 3 but still in the image"), std::string::npos);
  // The look-alikes are not secrets.
  EXPECT_EQ(by_rule.size(), 4u) << doc["audit"].dump(2);
}

TEST(AuditE2e, ASecretNeverAppearsUnmaskedInAnyFormat) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  // The full secrets as planted (the token is read back from the rootfs-less image through its layer: use the known
  // AWS pair and the PEM body marker).
  const std::vector<std::string> secrets = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                            "IOSFODNN7", "MIIE"};
  for (const char* format : {"table", "json", "sarif", "cyclonedx", "junit", "markdown"}) {
    CommandResult r = RunCommand(Quote(CustomsBinary()) + " audit --no-cache --quiet --format " + format + " " +
                                 Quote(Image("audit-secrets/oci")));
    EXPECT_EQ(r.exit_code, 0) << format << ": " << r.err;
    EXPECT_NE(r.out.find("AKIA*****"), std::string::npos) << format;
    for (const auto& secret : secrets) EXPECT_EQ(r.out.find(secret), std::string::npos) << format << ": " << secret;
  }
}

TEST(AuditE2e, OsPackageFixturesAreNotSecretsButAreCounted) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json doc = AuditJson(Image("audit-root/oci"), "--scanners secret");
  for (const auto& f : doc["audit"]) {
    EXPECT_FALSE(f["path"].get<std::string>().starts_with("/usr/share/gocode/")) << f.dump();
  }
  bool counted = false;
  for (const auto& d : doc["diagnostics"]) {
    if (d["message"].get<std::string>().find("belong to OS packages") != std::string::npos) counted = true;
  }
  EXPECT_TRUE(counted) << "golang-golang-x-crypto-dev's test keys must have been seen and set aside";
}

TEST(AuditE2e, TheRe2FallbackFindsTheSameSecrets) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json hyperscan = AuditJson(Image("audit-secrets/oci"), "--scanners secret --secret-engine hyperscan");
  json re2 = AuditJson(Image("audit-secrets/oci"), "--scanners secret --secret-engine re2");
  EXPECT_EQ(hyperscan["audit"], re2["audit"]);
  EXPECT_EQ(hyperscan["audit"].size(), 4u);
}

TEST(AuditE2e, OneGateForEveryScanner) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  auto run = [](const std::string& args) { return RunCommand(Quote(CustomsBinary()) + " " + args).exit_code; };
  EXPECT_EQ(run("audit --no-cache --quiet --fail-on HIGH " + Quote(Image("audit-root/oci"))), 1);
  EXPECT_EQ(run("audit --no-cache --quiet --fail-on HIGH " + Quote(Image("distroless/oci"))), 0);
  EXPECT_EQ(run("audit --no-cache --quiet --scanners secret --fail-on CRITICAL " + Quote(Image("audit-secrets/oci"))),
            1);
  EXPECT_EQ(run("audit --no-cache --quiet --scanners config --fail-on CRITICAL " + Quote(Image("audit-secrets/oci"))),
            0);
  EXPECT_EQ(run("audit --no-cache --quiet --scanners bogus " + Quote(Image("distroless/oci"))), 2);
  // An ignore file entry by rule id and path suppresses exactly that finding.
  fs::path ignore = fs::temp_directory_path() / ("customs-audit-ignore-" + std::to_string(::getpid()));
  std::ofstream(ignore) << "private-key /root/.ssh/id_rsa # rotated\naws-access-key-id\naws-secret-access-key\n"
                           "github-token\n";
  EXPECT_EQ(run("audit --no-cache --quiet --scanners secret --fail-on LOW --ignore-file " + Quote(ignore.string()) +
                " " + Quote(Image("audit-secrets/oci"))),
            0);
  fs::remove(ignore);
}

// ---- hostile layers ----

// Writes an OCI layout with one gzip layer holding `path` whose content comes from `fill(write)`.
void WriteOneFileImage(const fs::path& dir, const std::string& path, std::uint64_t size,
                       const std::function<void(const std::function<void(std::string_view)>&)>& fill) {
  fs::create_directories(dir / "blobs/sha256");
  fs::path tmp = dir / "layer.tar.gz";
  gzFile gz = gzopen(tmp.c_str(), "wb1");
  ASSERT_NE(gz, nullptr);
  Sha256 diff_id;
  auto write = [&](std::string_view data) {
    diff_id.Update(data);
    gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  };
  // A ustar header for one regular file (size in octal, 11 digits: up to 8 GiB).
  std::string header(512, '\0');
  std::copy(path.begin(), path.end(), header.begin());
  auto put = [&](std::size_t at, const std::string& text) { std::copy(text.begin(), text.end(), header.begin() + at); };
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  char octal[13];
  std::snprintf(octal, sizeof octal, "%011llo", static_cast<unsigned long long>(size));
  put(124, octal);
  put(136, "00000000000");
  header[156] = '0';
  put(257, "ustar");
  put(263, "00");
  std::fill(header.begin() + 148, header.begin() + 156, ' ');
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(octal, sizeof octal, "%06o", sum);
  put(148, octal);
  header[154] = '\0';
  write(header);
  std::uint64_t written = 0;
  fill([&](std::string_view data) {
    write(data);
    written += data.size();
  });
  ASSERT_EQ(written, size);
  write(std::string((512 - size % 512) % 512 + 1024, '\0'));
  gzclose(gz);
  std::string layer_digest = Sha256::HexOf(ReadAll(tmp));  // small: the content compresses to almost nothing
  fs::rename(tmp, dir / "blobs/sha256" / layer_digest);
  std::string diff = diff_id.FinishHex();
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", {{"User", "1000"}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + diff}}}}};
  std::string config_text = config.dump();
  std::string config_hex = Sha256::HexOf(config_text);
  std::ofstream(dir / "blobs/sha256" / config_hex) << config_text;
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", "sha256:" + config_hex},
                     {"size", config_text.size()}}},
                   {"layers",
                    {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                      {"digest", "sha256:" + layer_digest},
                      {"size", fs::file_size(dir / "blobs/sha256" / layer_digest)}}}}};
  std::string manifest_text = manifest.dump();
  std::string manifest_hex = Sha256::HexOf(manifest_text);
  std::ofstream(dir / "blobs/sha256" / manifest_hex) << manifest_text;
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", "sha256:" + manifest_hex},
                   {"size", manifest_text.size()}}}}};
  std::ofstream(dir / "index.json") << index.dump();
  std::ofstream(dir / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
}

struct Measured {
  int exit_code = -1;
  long max_rss_kb = -1;
  std::string out;
};

Measured RunMeasured(const std::string& args) {
  CommandResult r = RunCommand("/usr/bin/time -f 'customs-max-rss-kb=%M' " + Quote(CustomsBinary()) + " " + args);
  Measured m;
  m.exit_code = r.exit_code;
  m.out = r.out;
  if (auto at = r.err.rfind("customs-max-rss-kb="); at != std::string::npos) {
    m.max_rss_kb = std::stol(r.err.substr(at + 19));
  }
  return m;
}

class HostileAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/bin/time")) GTEST_SKIP() << "/usr/bin/time missing (scripts/install-deps.sh installs time)";
    dir_ = fs::temp_directory_path() / ("customs-audit-hostile-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(HostileAuditTest, TwoGigabytesOfOnePatternAreScannedInBoundedMemory) {
  const std::uint64_t size = 2ull << 30;
  std::string line = "password_hint = see the wiki; api access is configured elsewhere\n";  // keywords, no secret
  WriteOneFileImage(dir_ / "img", "data/big.txt", size, [&](const auto& write) {
    std::string block;
    while (block.size() < (1 << 20)) block += line;
    block.resize(1 << 20);
    for (std::uint64_t done = 0; done < size; done += block.size()) write(block);
  });
  Measured m = RunMeasured("audit --no-cache --quiet --format json --scanners secret --secret-max-size 4294967296 " +
                           Quote((dir_ / "img").string()));
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_GT(m.max_rss_kb, 0);
  EXPECT_LT(m.max_rss_kb, 64 * 1024) << "peak memory must not follow the file size";
  json doc = json::parse(m.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(doc["audit"].empty());
}

TEST_F(HostileAuditTest, ARepeatedKeyStopsAtTheCapAndSaysSo) {
  std::string line = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
  const std::uint64_t lines = 2'000'000;
  WriteOneFileImage(dir_ / "img", "data/keys.txt", line.size() * lines, [&](const auto& write) {
    std::string block;
    for (int i = 0; i < 10000; ++i) block += line;
    for (std::uint64_t done = 0; done < lines; done += 10000) write(block);
  });
  Measured m = RunMeasured("audit --no-cache --quiet --format json --scanners secret --secret-max-size 4294967296 " +
                           Quote((dir_ / "img").string()));
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_LT(m.max_rss_kb, 64 * 1024);
  json doc = json::parse(m.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["audit"].size(), 100u);
  bool said = false;
  for (const auto& d : doc["diagnostics"]) {
    if (d["message"].get<std::string>().find("rest of each was not scanned") != std::string::npos) said = true;
  }
  EXPECT_TRUE(said);
}

TEST_F(HostileAuditTest, TenMillionShortLines) {
  const std::uint64_t lines = 10'000'000;
  WriteOneFileImage(dir_ / "img", "data/lines.txt", lines * 2, [&](const auto& write) {
    std::string block;
    for (int i = 0; i < 100000; ++i) block += "a\n";
    for (std::uint64_t done = 0; done < lines; done += 100000) write(block);
  });
  for (const char* engine : {"hyperscan", "re2"}) {
    Measured m = RunMeasured(std::string("audit --no-cache --quiet --format json --scanners secret --secret-engine ") +
                             engine + " --secret-max-size 4294967296 " + Quote((dir_ / "img").string()));
    EXPECT_EQ(m.exit_code, 0) << engine;
    EXPECT_LT(m.max_rss_kb, 64 * 1024) << engine;
  }
}

TEST_F(HostileAuditTest, BinaryGarbageIsSkippedUnlessAskedAndBoundedEitherWay) {
  std::uint64_t state = 88172645463325252ull;
  const std::uint64_t size = 64ull << 20;
  WriteOneFileImage(dir_ / "img", "data/garbage.bin", size, [&](const auto& write) {
    std::string block(1 << 20, '\0');
    for (std::uint64_t done = 0; done < size; done += block.size()) {
      for (auto& c : block) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        c = static_cast<char>(state);
      }
      write(block);
    }
  });
  Measured skipped =
      RunMeasured("audit --no-cache --quiet --format json --scanners secret --secret-max-size 1073741824 " +
                  Quote((dir_ / "img").string()));
  EXPECT_EQ(skipped.exit_code, 0);
  EXPECT_LT(skipped.max_rss_kb, 64 * 1024);
  EXPECT_NE(skipped.out.find("binary files were not scanned"), std::string::npos);
  Measured scanned = RunMeasured(
      "audit --no-cache --quiet --format json --scanners secret --secret-scan-binaries --secret-max-size 1073741824 " +
      Quote((dir_ / "img").string()));
  EXPECT_EQ(scanned.exit_code, 0);
  EXPECT_LT(scanned.max_rss_kb, 64 * 1024);
}

}  // namespace
}  // namespace customs::e2e
