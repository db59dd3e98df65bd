#include "audit/config_audit.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "audit/secrets/secret_rules.h"

namespace customs::audit {
namespace {

class ConfigAuditTest : public ::testing::Test {
 protected:
  void File(const std::string& path, std::string content = {}, std::uint32_t mode = 0644, int layer = 0,
            std::uint32_t uid = 0) {
    FileNode node;
    node.mode = mode;
    node.layer = layer;
    node.uid = uid;
    node.size = content.size();
    if (!content.empty()) node.content = std::make_shared<const std::string>(std::move(content));
    tree_.Put(path, node);
  }
  void Dir(const std::string& path, std::uint32_t mode = 0755) {
    FileNode node;
    node.type = FileType::kDirectory;
    node.mode = mode;
    tree_.Put(path, node);
  }
  void Link(const std::string& path, const std::string& target) {
    FileNode node;
    node.type = FileType::kSymlink;
    node.link_target = target;
    tree_.Put(path, node);
  }
  void Package(const std::string& name, const std::string& version = "1.0", int layer = 0) {
    facts_.packages.push_back({"deb", name, version, layer});
  }
  std::vector<AuditFinding> Run() {
    if (tree_.layers().empty()) {
      for (int i = 0; i < 3; ++i) {
        LayerInfo info;
        info.index = i;
        info.created_by = "layer " + std::to_string(i);
        tree_.layers().push_back(info);
      }
    }
    return AuditConfig(facts_, tree_, nullptr, diagnostics_);
  }
  static std::map<std::string, int> Count(const std::vector<AuditFinding>& findings) {
    std::map<std::string, int> out;
    for (const auto& f : findings) ++out[f.rule];
    return out;
  }

  FileTree tree_;
  ImageFacts facts_;
  DiagnosticsCollector diagnostics_;
};

TEST_F(ConfigAuditTest, RootIsJudgedFromTheConfigAndTheImagesOwnPasswd) {
  File("/etc/passwd",
       "root:x:0:0:root:/root:/bin/bash\nadmin:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/false\n");
  facts_.has_healthcheck = true;
  for (const auto& [user, root] : std::vector<std::pair<std::string, bool>>{{"", true},
                                                                            {"root", true},
                                                                            {"0", true},
                                                                            {"0:0", true},
                                                                            {"admin", true},
                                                                            {"admin:app", true},
                                                                            {"app", false},
                                                                            {"1000", false},
                                                                            {"1000:0", false},
                                                                            {"ghost", false}}) {
    facts_.user = user;
    EXPECT_EQ(Count(Run())["image-runs-as-root"], root ? 1 : 0) << "User=\"" << user << "\"";
  }
}

TEST_F(ConfigAuditTest, AttackerToolsByPackageAndByFileOnDisk) {
  Dir("/usr/bin");
  Link("/bin", "usr/bin");
  Package("netcat-openbsd", "1.219-1", 1);
  File("/usr/bin/nc.openbsd", "ELF", 0755, 1);
  File("/usr/local/bin/nmap", "ELF", 0755, 2);  // a statically copied binary: no package
  Package("libcurl4");                          // the library is not the tool
  facts_.user = "1000";
  auto findings = Run();
  auto counts = Count(findings);
  EXPECT_EQ(counts["attacker-tool-present"], 2);
  for (const auto& f : findings) {
    if (f.rule != "attacker-tool-present") continue;
    if (f.message.find("netcat") != std::string::npos) {
      EXPECT_EQ(f.layer, 1);
      EXPECT_EQ(f.created_by, "layer 1");
      EXPECT_NE(f.message.find("package netcat-openbsd 1.219-1"), std::string::npos);
      EXPECT_NE(f.message.find("/usr/bin/nc.openbsd"), std::string::npos);
    } else {
      EXPECT_NE(f.message.find("nmap"), std::string::npos);
      EXPECT_EQ(f.path, "/usr/local/bin/nmap");
      EXPECT_EQ(f.layer, 2);
    }
  }
}

TEST_F(ConfigAuditTest, CompilersButNotTheirRuntimeSupport) {
  Package("gcc-12-base");
  Package("libgcc-s1");
  Package("libstdc++6");
  facts_.user = "1000";
  EXPECT_EQ(Count(Run())["compiler-present"], 0);
  Package("gcc-12");
  Package("libc6-dev");
  File("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "ELF", 0755);
  auto counts = Count(Run());
  EXPECT_EQ(counts["compiler-present"], 2);  // gcc, dev-packages
}

TEST_F(ConfigAuditTest, FullOsBaseNeedsADistroAndAPackageManager) {
  facts_.user = "1000";
  facts_.os_family = "debian";
  facts_.os_version = "12";
  for (const char* name : {"base-files", "libc6", "tzdata", "libssl3", "ca-certificates", "netbase"}) Package(name);
  EXPECT_EQ(Count(Run())["full-os-base"], 0) << "distroless-style: packages but no manager";
  Package("apt");
  Package("bash");
  auto findings = Run();
  ASSERT_EQ(Count(findings)["full-os-base"], 1);
  for (const auto& f : findings) {
    if (f.rule == "full-os-base") {
      EXPECT_NE(f.message.find("8 OS packages"), std::string::npos) << f.message;
    }
  }
  facts_.os_family = "alpine";
  EXPECT_EQ(Count(Run())["full-os-base"], 0);
}

TEST_F(ConfigAuditTest, FilesystemRules) {
  File("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  File("/etc/shadow", "root:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\n");
  File("/usr/bin/su", "ELF", 04755);
  File("/usr/bin/wall", "ELF", 02755);
  File("/opt/app/data.json", "{}", 0666);
  Dir("/tmp", 01777);
  File("/tmp/scratch", "x", 0666);
  Dir("/srv/upload", 0777);
  File("/app/build.log", "x", 0644, 0, 1001);
  File("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", std::string(100, 'x'));
  File("/var/lib/apt/lists/lock");
  facts_.user = "1000";
  auto findings = Run();
  auto counts = Count(findings);
  EXPECT_EQ(counts["setuid-setgid-file"], 2);
  EXPECT_EQ(counts["world-writable"], 1);  // one finding listing /opt/app/data.json and /srv/upload, not /tmp
  EXPECT_EQ(counts["unknown-file-owner"], 1);
  EXPECT_EQ(counts["empty-password"], 1);
  EXPECT_EQ(counts["package-cache-left"], 1);
  for (const auto& f : findings) {
    if (f.rule == "world-writable") {
      EXPECT_NE(f.message.find("2 world-writable paths"), std::string::npos) << f.message;
      EXPECT_EQ(f.message.find("/tmp"), std::string::npos);
    }
    if (f.rule == "unknown-file-owner") {
      EXPECT_NE(f.message.find("uid 1001"), std::string::npos);
    }
    if (f.rule == "empty-password") {
      EXPECT_NE(f.message.find("guest"), std::string::npos);
    }
    if (f.rule == "setuid-setgid-file") {
      EXPECT_EQ(f.aliases, std::vector<std::string>{"CIS-DI-0008"});
    }
  }
}

TEST_F(ConfigAuditTest, SecretsInEnvAndHistoryAreFoundAndMasked) {
  facts_.user = "1000";
  facts_.env = {"PATH=/usr/bin",
                "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
                "DB_PASSWORD=hunter2hunter2",
                "API_TOKEN=",
                "LIBCRYPTO3=1",
                "ACCESS_LOG=/var/log/access.log"};
  facts_.history = {"ADD rootfs.tar /", "|2 NPM_TOKEN=npm_secretvalue123 VERSION=1 /bin/sh -c npm ci",
                    "/bin/sh -c #(nop) ADD https://example.com/app.tgz in /opt/"};
  facts_.history_layer = {0, 1, 2};
  auto findings = Run();
  auto counts = Count(findings);
  EXPECT_EQ(counts["secret-in-env"], 1);
  EXPECT_EQ(counts["secret-in-history"], 1);
  EXPECT_EQ(counts["add-remote-url"], 1);
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find("hunter2hunter2"), std::string::npos);
    EXPECT_EQ(f.message.find("secretvalue"), std::string::npos);
    if (f.rule == "secret-in-env") {
      EXPECT_NE(f.message.find("DB_PASSWORD"), std::string::npos);
    }
    if (f.rule == "secret-in-history") {
      EXPECT_NE(f.message.find("NPM_TOKEN"), std::string::npos);
      EXPECT_EQ(f.layer, 1);
    }
  }
}

TEST_F(ConfigAuditTest, RuleTableIsConsistent) {
  std::set<std::string_view> ids;
  for (const auto& rule : ConfigRules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_FALSE(rule.title.empty());
    EXPECT_FALSE(rule.description.empty());
  }
  EXPECT_EQ(FindConfigRule("cis-di-0001"), FindConfigRule("image-runs-as-root"));
  EXPECT_EQ(FindConfigRule("nope"), nullptr);
  EXPECT_NE(ConfigRulesMarkdown().find("| `image-runs-as-root` | CIS-DI-0001 | HIGH |"), std::string::npos);
}

}  // namespace
}  // namespace customs::audit

namespace customs::audit {
namespace {

TEST(AuditDocsTest, RuleReferenceIsGeneratedFromTheTables) {
  std::ifstream in(std::string(CUSTOMS_SOURCE_DIR) + "/docs/rules/audit.md");
  std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(docs, ConfigRulesMarkdown() + secrets::SecretRulesMarkdown(secrets::DefaultRuleSet()))
      << "regenerate: customs audit --list-rules > docs/rules/audit.md";
}

}  // namespace
}  // namespace customs::audit
