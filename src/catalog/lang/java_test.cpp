// The Java cataloger against real jars (npm's amplify-dynamodb-simulator, Debian's liblog4j2-java and
// libcommons-lang3-java) and archives built from them with zip, jar and Python's zipfile (scripts/
// lang-binary-artifacts.sh). Python's zipfile, reading the central directory, is the oracle for pom.properties.
#include "catalog/lang/java.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "catalog/lang/lang_test_util.h"
#include "catalog/lang/record.h"

namespace customs::catalog::lang {
namespace {

using testing::ArtifactsDir;
using testing::ReadFile;

std::vector<Package> Analyze(const std::string& path, const std::string& content, Diagnostics& diagnostics,
                             std::uint32_t seed = 0, std::size_t max_chunk = 0, JavaLimits limits = {}) {
  JarAnalyzer analyzer(path, content.size(), diagnostics, limits);
  testing::FeedChunked(content, seed, max_chunk, [&](std::string_view chunk) { analyzer.Data(chunk); });
  std::vector<Package> packages = analyzer.Finish();
  std::sort(packages.begin(), packages.end(), [](const Package& a, const Package& b) {
    return std::tie(a.location, a.name, a.version) < std::tie(b.location, b.name, b.version);
  });
  return packages;
}

std::string Describe(const Package& p) {
  return p.location + "\t" + p.name + "\t" + p.version + "\t" + p.evidence + "\t" + ConfidenceName(p.confidence) +
         (p.group_unknown ? "\tgroup?" : "") + (p.unmatchable ? "\t!" + p.unmatchable_reason : "");
}

std::vector<std::string> Describe(const std::vector<Package>& packages) {
  std::vector<std::string> out;
  for (const Package& p : packages) {
    out.push_back(Describe(p));
  }
  return out;
}

std::vector<std::filesystem::path> Archives(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && IsJavaArchiveName(entry.path().string())) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Hostile(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return name == "bomb.jar" || name == "nested50.jar" || name.starts_with("truncated");
}

TEST(Java, PomPropertiesMatchPythonZipfileAndChunkingChangesNothing) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  // The oracle: every pom.properties Python's zipfile finds, nested archives included.
  std::map<std::string, std::set<std::string>> oracle;  // archive path -> "location\tname\tversion"
  std::istringstream lines(ReadFile(ArtifactsDir() / "oracle" / "java.tsv"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) {
      continue;
    }
    oracle[line.substr(0, line.find('!'))].insert(line);
  }
  int archives = 0;
  int poms = 0;
  for (const auto& path : Archives(ArtifactsDir() / "java")) {
    if (Hostile(path)) {
      continue;
    }
    ++archives;
    const std::string content = ReadFile(path);
    NullDiagnostics diagnostics;
    std::vector<Package> whole = Analyze(path.string(), content, diagnostics);
    std::set<std::string> found;
    for (const Package& p : whole) {
      if (p.evidence == "pom.properties") {
        found.insert(p.location + "\t" + p.name + "\t" + p.version);
      }
    }
    EXPECT_EQ(found, oracle[path.string()]) << path;
    poms += static_cast<int>(found.size());
    for (auto [seed, max_chunk] : {std::pair<std::uint32_t, std::size_t>{1, 1}, {2, 7}, {3, 4096}, {4, 300000}}) {
      if (max_chunk == 1 && content.size() > 400000) {
        continue;  // byte-at-a-time only on the small ones
      }
      EXPECT_EQ(Describe(Analyze(path.string(), content, diagnostics, seed, max_chunk)), Describe(whole))
          << path << " chunks<=" << max_chunk;
    }
  }
  EXPECT_GE(archives, 60);
  EXPECT_GE(poms, 50);
}

TEST(Java, JarsWithoutPomPropertiesAreNamedByFileNameAndManifest) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  const auto lib = ArtifactsDir() / "java" / "dynamodb" / "DynamoDBLocal_lib";
  std::map<std::string, Package> by_file;
  DiagnosticsCollector diagnostics;
  for (const char* name : {"log4j-core-2.8.jar", "Log4j-api-2.x.jar", "commons-lang3-3.x.jar", "sqlite4java.jar",
                           "joda-time-2.8.2.jar", "jetty-util-8.1.12.v20130726.jar"}) {
    std::vector<Package> packages = Analyze((lib / name).string(), ReadFile(lib / name), diagnostics, 5, 8192);
    ASSERT_EQ(packages.size(), 1u) << name << ": " << ::testing::PrintToString(Describe(packages));
    by_file[name] = packages[0];
  }
  const Package& log4j = by_file["log4j-core-2.8.jar"];
  EXPECT_EQ(log4j.name, "log4j-core");
  EXPECT_EQ(log4j.version, "2.8");
  EXPECT_TRUE(log4j.group_unknown);
  EXPECT_FALSE(log4j.unmatchable);
  EXPECT_EQ(log4j.evidence, "file name");
  EXPECT_EQ(log4j.confidence, Confidence::kLow);
  EXPECT_EQ(log4j.location, (lib / "log4j-core-2.8.jar").string());

  const Package& api = by_file["Log4j-api-2.x.jar"];
  EXPECT_TRUE(api.unmatchable);
  EXPECT_NE(api.unmatchable_reason.find("\"2.x\""), std::string::npos) << api.unmatchable_reason;
  bool warned = false;
  for (const Diagnostic& d : diagnostics.Snapshot()) {
    if (d.subject.ends_with("Log4j-api-2.x.jar") && d.message.find("2.x") != std::string::npos) {
      warned = true;
    }
    EXPECT_FALSE(d.subject.ends_with("commons-lang3-3.x.jar")) << "the manifest's version replaces 3.x silently";
  }
  EXPECT_TRUE(warned);

  const Package& lang = by_file["commons-lang3-3.x.jar"];
  EXPECT_EQ(lang.name, "commons-lang3");
  EXPECT_EQ(lang.version, "3.1");  // Implementation-Version; Implementation-Vendor-Id org.apache is not a groupId
  EXPECT_TRUE(lang.group_unknown);
  EXPECT_EQ(lang.evidence, "MANIFEST.MF");
  EXPECT_EQ(lang.confidence, Confidence::kMedium);
  EXPECT_TRUE(lang.location.ends_with("commons-lang3-3.x.jar!/META-INF/MANIFEST.MF"));

  EXPECT_EQ(by_file["sqlite4java.jar"].version, "392");
  EXPECT_EQ(by_file["joda-time-2.8.2.jar"].version, "2.8.2");
  // Its pom.properties sits one level deeper than Maven writes it (the groupId split into directories).
  const auto dynamodb = ArtifactsDir() / "java" / "dynamodb" / "DynamoDBLocal.jar";
  std::vector<Package> local = Analyze(dynamodb.string(), ReadFile(dynamodb), diagnostics, 3, 65536);
  ASSERT_EQ(local.size(), 1u) << ::testing::PrintToString(Describe(local));
  EXPECT_EQ(local[0].name, "com.amazonaws:DynamoDBLocal");
  EXPECT_EQ(local[0].version, "1.11.459");
  const Package& jetty = by_file["jetty-util-8.1.12.v20130726.jar"];
  EXPECT_EQ(jetty.name, "org.eclipse.jetty:jetty-util");
  EXPECT_EQ(jetty.evidence, "pom.properties");
  EXPECT_FALSE(jetty.group_unknown);
}

TEST(Java, NestedArchivesCarryTheirLocationChain) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  const auto built = ArtifactsDir() / "java" / "built";
  NullDiagnostics diagnostics;
  const std::string fat_path = (built / "demo-app-0.0.1-SNAPSHOT.jar").string();
  std::vector<Package> fat = Analyze(fat_path, ReadFile(fat_path), diagnostics, 9, 65536);
  std::set<std::string> described;
  for (const Package& p : fat) {
    described.insert(p.location + " " + p.name + " " + p.version);
  }
  EXPECT_TRUE(described.count(fat_path + "!/META-INF/maven/com.example/demo-app/pom.properties com.example:demo-app "
                                         "0.0.1-SNAPSHOT"));
  EXPECT_TRUE(described.count(fat_path +
                              "!/BOOT-INF/lib/log4j-api.jar!/META-INF/maven/org.apache.logging.log4j/log4j-api/"
                              "pom.properties org.apache.logging.log4j:log4j-api 2.19.0"))
      << ::testing::PrintToString(described);
  // A jar in a war in a jar, named by its file name.
  EXPECT_TRUE(described.count(fat_path + "!/BOOT-INF/lib/app.war!/WEB-INF/lib/log4j-core-2.8.jar log4j-core 2.8"))
      << ::testing::PrintToString(described);
  // The launch script in front changes nothing but the file name.
  const std::string exec_path = (built / "demo-app-exec.jar").string();
  std::vector<Package> exec = Analyze(exec_path, ReadFile(exec_path), diagnostics, 9, 65536);
  ASSERT_EQ(exec.size(), fat.size());
  for (std::size_t i = 0; i < fat.size(); ++i) {
    EXPECT_EQ(exec[i].name, fat[i].name);
    EXPECT_EQ(exec[i].version, fat[i].version);
  }
}

TEST(Java, HostileArchivesHitLimitsWithDiagnostics) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  const auto built = ArtifactsDir() / "java" / "built";
  {
    DiagnosticsCollector diagnostics;
    Analyze((built / "nested50.jar").string(), ReadFile(built / "nested50.jar"), diagnostics, 1, 4096);
    auto all = diagnostics.Snapshot();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].level, DiagnosticLevel::kIncomplete);
    EXPECT_NE(all[0].message.find("nested more than 16 deep"), std::string::npos) << all[0].message;
  }
  {
    DiagnosticsCollector diagnostics;
    JavaLimits limits;
    limits.min_inflated_bytes = 64 << 20;
    std::vector<Package> packages =
        Analyze((built / "bomb.jar").string(), ReadFile(built / "bomb.jar"), diagnostics, 1, 65536, limits);
    bool limit = false;
    for (const Diagnostic& d : diagnostics.Snapshot()) {
      if (d.level == DiagnosticLevel::kIncomplete && d.message.find("limit") != std::string::npos) {
        limit = true;
      }
    }
    EXPECT_TRUE(limit) << ::testing::PrintToString(diagnostics.Snapshot().size());
  }
  {
    DiagnosticsCollector diagnostics;
    std::vector<Package> packages =
        Analyze((built / "truncated-header.jar").string(), ReadFile(built / "truncated-header.jar"), diagnostics);
    auto all = diagnostics.Snapshot();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all[0].level, DiagnosticLevel::kWarning);
    EXPECT_NE(all[0].message.find("unreadable archive"), std::string::npos);
  }
  {
    // A truncated war: the entries before the cut are still read, and they are a subset of the whole war's.
    DiagnosticsCollector diagnostics;
    std::vector<Package> cut = Analyze("/x.war", ReadFile(built / "truncated.war"), diagnostics, 1, 1000);
    std::vector<Package> whole = Analyze("/x.war", ReadFile(built / "app.war"), diagnostics, 1, 1000);
    std::set<std::string> whole_set;
    for (const auto& d : Describe(whole)) {
      whole_set.insert(d);
    }
    for (const auto& d : Describe(cut)) {
      EXPECT_TRUE(whole_set.count(d)) << d;
    }
    bool warned = false;
    for (const Diagnostic& d : diagnostics.Snapshot()) {
      warned |= d.subject == "/x.war";
    }
    EXPECT_TRUE(warned);
  }
}

TEST(Java, FileNames) {
  auto check = [](std::string_view file, std::string_view artifact, std::string_view version) {
    JarFileName parsed = ParseJarFileName(file);
    EXPECT_EQ(parsed.artifact_id, artifact) << file;
    EXPECT_EQ(parsed.version, version) << file;
  };
  check("log4j-core-2.8.jar", "log4j-core", "2.8");
  check("/a/b/log4j-1.2-api-2.17.1.jar", "log4j-1.2-api", "2.17.1");
  check("guava-31.1-jre.jar", "guava", "31.1-jre");
  check("sqlite4java.jar", "sqlite4java", "");
  check("jetty-util-8.1.12.v20130726.jar", "jetty-util", "8.1.12.v20130726");
  check("commons-lang3-3.x.jar", "commons-lang3", "3.x");
  check("foo-1.0.0-beta-2.jar", "foo", "1.0.0-beta-2");
  EXPECT_FALSE(IsPlausibleVersion("2.x"));
  EXPECT_FALSE(IsPlausibleVersion("2.6.x"));
  EXPECT_FALSE(IsPlausibleVersion("${project.version}"));
  EXPECT_TRUE(IsPlausibleVersion("8.1.12.v20130726"));
  EXPECT_TRUE(IsPlausibleVersion("0.0.1-SNAPSHOT"));
}

TEST(Java, PomPropertiesFormat) {
  PomProperties p = ParsePomProperties(
      "#Generated by Maven\r\n#Tue Dec 14 2021\r\nversion = 2.15.0\r\ngroupId=org.apache.logging.log4j\r\n"
      "artifactId:log4j-\\\n    core\r\n");
  EXPECT_EQ(p.group_id, "org.apache.logging.log4j");
  EXPECT_EQ(p.artifact_id, "log4j-core");
  EXPECT_EQ(p.version, "2.15.0");
}

TEST(Java, DeletedJarsDoNotSurviveAndRecordsRoundTrip) {
  CUSTOMS_REQUIRE_LANG_ARTIFACTS();
  const auto lib = ArtifactsDir() / "java" / "dynamodb" / "DynamoDBLocal_lib";
  JavaCataloger cataloger;
  FileTree tree;
  DiagnosticsCollector diagnostics;
  testing::AddLayer(tree, *cataloger.extractor(),
                    {{"/opt/lib/log4j-core-2.8.jar", ReadFile(lib / "log4j-core-2.8.jar")},
                     {"/opt/lib/commons-cli-1.2.jar", ReadFile(lib / "commons-cli-1.2.jar")},
                     {"/opt/lib/README.txt", "not a jar"}},
                    0, diagnostics);
  testing::AddLayer(tree, *cataloger.extractor(),
                    {{"/opt/lib/joda-time-2.8.2.jar", ReadFile(lib / "joda-time-2.8.2.jar")}}, 1, diagnostics,
                    {"/opt/lib/commons-cli-1.2.jar"});
  auto decoded = DecodeRecord(*tree.Record(0, "java"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->size(), 2u);
  std::vector<Package> packages = cataloger.Catalog(tree, OsInfo{}, diagnostics);
  ASSERT_EQ(packages.size(), 2u) << ::testing::PrintToString(Describe(packages));
  EXPECT_EQ(packages[0].name, "joda-time");
  EXPECT_EQ(packages[0].layer.index, 1);
  EXPECT_EQ(packages[1].name, "log4j-core");
  EXPECT_EQ(packages[1].layer.index, 0);
  EXPECT_EQ(packages[1].files, std::vector<std::string>{"/opt/lib/log4j-core-2.8.jar"});
  EXPECT_EQ(packages[1].type, PackageType::kMaven);
  // A record that does not decode is an incomplete diagnostic, not a crash.
  tree.SetRecord(0, "java", "CLR1\x05truncated");
  DiagnosticsCollector bad;
  cataloger.Catalog(tree, OsInfo{}, bad);
  ASSERT_EQ(bad.Snapshot().size(), 1u);
  EXPECT_EQ(bad.Snapshot()[0].level, DiagnosticLevel::kIncomplete);
}

}  // namespace
}  // namespace customs::catalog::lang
