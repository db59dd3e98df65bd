// The JSON and YAML entry points of the server (request bodies, alerts, policies, the config file) and the documents
// it renders, without a database.
#include "server/api.h"

#include <gtest/gtest.h>

#include "server/config.h"
#include "server/harbor.h"
#include "server/metrics.h"
#include "server/notify.h"
#include "server/policy.h"

namespace customs::server {
namespace {

using nlohmann::json;

const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string HarborBody(json registry, json artifact) {
  return json{{"registry", std::move(registry)}, {"artifact", std::move(artifact)}}.dump();
}

TEST(HarborRequestTest, BuildsTheReferenceAndKeepsTheAuthorizationApart) {
  auto r = ParseHarborScanRequest(HarborBody({{"url", "https://core.harbor.domain/"}, {"authorization", "Bearer tok"}},
                                             {{"repository", "library/mongo"},
                                              {"digest", kDigest},
                                              {"tag", "3.14"},
                                              {"mime_type", std::string(kOciManifest)}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->reference, "core.harbor.domain/library/mongo@" + kDigest);
  EXPECT_EQ(r->authorization, "Bearer tok");
  EXPECT_FALSE(r->plain_http);
  auto plain = ParseHarborScanRequest(
      HarborBody({{"url", "http://registry.local:5000"}}, {{"repository", "a/b"}, {"digest", kDigest}}));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->plain_http);
  auto loopback = ParseHarborScanRequest(
      HarborBody({{"url", "http://127.0.0.1:5000"}}, {{"repository", "a/b"}, {"digest", kDigest}}));
  ASSERT_TRUE(loopback);
  EXPECT_FALSE(loopback->plain_http);
}

TEST(HarborRequestTest, ErrorsMapToTheSpecsStatuses) {
  struct Case {
    std::string body;
    ErrorCode code;  // kInvalidArgument 400, kCorrupt 422, kUnsupported 501
  };
  json ok_artifact = {{"repository", "a/b"}, {"digest", kDigest}};
  json ok_registry = {{"url", "https://r"}};
  const Case cases[] = {
      {"", ErrorCode::kInvalidArgument},
      {"{", ErrorCode::kInvalidArgument},
      {"[]", ErrorCode::kInvalidArgument},
      {R"({"registry":1,"artifact":{}})", ErrorCode::kInvalidArgument},
      {HarborBody({{"url", 5}}, ok_artifact), ErrorCode::kInvalidArgument},
      {R"({"artifact":{}})", ErrorCode::kCorrupt},
      {HarborBody({{"url", "ftp://r"}}, ok_artifact), ErrorCode::kCorrupt},
      {HarborBody({{"url", "https://r/path"}}, ok_artifact), ErrorCode::kCorrupt},
      {HarborBody({{"url", "https://user@r"}}, ok_artifact), ErrorCode::kCorrupt},
      {HarborBody(ok_registry, {{"repository", "a/b"}, {"digest", "sha256:abc"}}), ErrorCode::kCorrupt},
      {HarborBody(ok_registry, {{"repository", "../x"}, {"digest", kDigest}}), ErrorCode::kCorrupt},
      {HarborBody(ok_registry, {{"repository", ""}, {"digest", kDigest}}), ErrorCode::kCorrupt},
      {HarborBody({{"url", "https://r"}, {"authorization", "Basic a\r\nX-Evil: 1"}}, ok_artifact), ErrorCode::kCorrupt},
      {HarborBody({{"url", "https://r"}, {"authorization", "Digest x"}}, ok_artifact), ErrorCode::kCorrupt},
      {HarborBody(ok_registry, {{"repository", "a/b"}, {"digest", kDigest}, {"mime_type", "application/x-helm"}}),
       ErrorCode::kUnsupported},
      {json{{"registry", ok_registry}, {"artifact", ok_artifact}, {"enabled_capabilities", {{{"type", "malware"}}}}}
           .dump(),
       ErrorCode::kUnsupported},
  };
  for (const auto& c : cases) {
    auto r = ParseHarborScanRequest(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code(), c.code) << c.body << ": " << r.error().message();
  }
}

TEST(HarborMediaTypeTest, AcceptChoosesWhatCustomsProduces) {
  auto choose = [](const char* accept) {
    std::string header = accept;
    auto chosen = ChooseReportMediaType(&header);
    return chosen ? std::string(*chosen) : std::string("none");
  };
  EXPECT_EQ(std::string(*ChooseReportMediaType(nullptr)), kHarborVulnReport);
  EXPECT_EQ(choose("*/*"), kHarborVulnReport);
  EXPECT_EQ(choose("application/vnd.security.vulnerability.report; version=1.1"), kSecurityVulnReport);
  EXPECT_EQ(choose("application/vnd.security.vulnerability.report;version=1.1"), kSecurityVulnReport);
  EXPECT_EQ(choose("text/html, application/vnd.security.sbom.report+json; version=1.0"), kHarborSbomReport);
  EXPECT_EQ(choose("application/vnd.scanner.adapter.vuln.report.raw"), kHarborRawReport);
  EXPECT_EQ(choose("application/vnd.security.vulnerability.report; version=9.9"), "none");
  EXPECT_EQ(choose("text/html"), "none");
}

TEST(ScanSubmissionTest, ReferencesDigestsAndPolicies) {
  auto s = ParseScanSubmission(R"({"reference":"127.0.0.1:5000/app:1","policy":{"fail_on":"high"}})");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->reference, "127.0.0.1:5000/app:1");
  EXPECT_TRUE(s->digest.empty());
  EXPECT_TRUE(s->has_policy);
  EXPECT_EQ(s->policy.fail_on, vulndb::Severity::kHigh);
  auto pinned = ParseScanSubmission(json{{"reference", "registry.example/app@" + kDigest}}.dump());
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->digest, kDigest);
  auto digest_only = ParseScanSubmission(json{{"digest", kDigest}}.dump());
  ASSERT_TRUE(digest_only);
  EXPECT_TRUE(digest_only->reference.empty());
  for (const char* bad :
       {"", "[]", "{}", R"({"reference":5})", R"({"reference":"alpine"})", R"({"reference":"UPPER/Case"})",
        R"({"digest":"sha256:1"})", R"({"refrence":"x/y"})", R"({"reference":"r.io/a","policy":{"fail_on":"SEVERE"}})",
        R"({"reference":"r.io/a","policy":{"ignore_unfixd":true}})", R"({"reference":"r.io/a","policy":[]})"}) {
    auto parsed = ParseScanSubmission(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    }
  }
  auto mismatch = ParseScanSubmission(
      json{{"reference", "r.io/a@" + kDigest}, {"digest", "sha256:" + std::string(64, 'b')}}.dump());
  EXPECT_FALSE(mismatch);
}

TEST(AlertTest, AcceptsWhatWatchPostsAndRefusesTheRest) {
  const char* watch = R"({"time":"2026-11-28T16:20:00.123456789Z","rule":"Shell spawned in a container",)"
                      R"("priority":"Warning","output":"16:20:00.123456789: Warning shell","output_fields":)"
                      R"({"proc.name":"bash","proc.pid":7},"tags":["shell"],"source":"syscall","hostname":"h",)"
                      R"("container.id":"abcdef012345","actions":[]})";
  auto a = ParseAlert(watch);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->rule, "Shell spawned in a container");
  EXPECT_EQ(a->container_id, "abcdef012345");
  EXPECT_EQ(a->document["output_fields"]["proc.pid"], 7);
  for (const char* bad :
       {"", "[]", "{}", R"({"rule":"r","priority":"p"})", R"({"rule":"r","priority":"p","time":"yesterday"})",
        R"({"rule":"r","priority":"p","time":"2026-13-01T00:00:00Z"})",
        R"({"rule":1,"priority":"p","time":"2026-11-28T16:20:00Z"})",
        R"({"rule":"r","priority":"p","time":"2026-11-28T16:20:00Z","tags":"x"})",
        R"({"rule":"r\u0000x","priority":"p","time":"2026-11-28T16:20:00Z"})"}) {
    EXPECT_FALSE(ParseAlert(bad)) << bad;
  }
  EXPECT_TRUE(ParseAlert(R"({"rule":"r","priority":"p","time":"2026-11-28T16:20:00+01:00"})"));
}

TEST(PolicyTest, CanonicalJsonAndDigest) {
  auto a = ParsePolicy(json::parse(R"({"severities":["low","HIGH"],"fail_on":"critical","ignore_unfixed":true})"));
  auto b = ParsePolicy(json::parse(R"({"ignore_unfixed":true,"fail_on":"CRITICAL","severities":["HIGH","LOW"]})"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(PolicyJson(*a),
            R"({"allow_incomplete":false,"fail_on":"CRITICAL","ignore_unfixed":true,"severities":["HIGH","LOW"]})");
  EXPECT_EQ(PolicyDigest(*a), PolicyDigest(*b));
  EXPECT_NE(PolicyDigest(*a), PolicyDigest(Policy{}));
  auto back = ParsePolicy(json::parse(PolicyJson(*a)));
  ASSERT_TRUE(back);
  EXPECT_EQ(PolicyJson(*back), PolicyJson(*a));
}

TEST(ConfigTest, FileKeysAndFlagsShareOneTable) {
  ServerConfig config;
  auto loaded = LoadConfigText(R"(
role: worker
postgres: "host=/run/pg dbname=customs"
fail_on: HIGH
ignore_unfixed: true
max_db_age: 48
worker:
  lease: 30s
  poll_interval: 250ms
registry:
  insecure_registries: [a:5000, b:5000]
retention:
  alerts: 14d
)",
                               "test.yaml", config);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(config.role, Role::kWorker);
  EXPECT_EQ(config.policy.fail_on, vulndb::Severity::kHigh);
  EXPECT_TRUE(config.policy.ignore_unfixed);
  EXPECT_EQ(config.max_db_age, std::chrono::hours(48));
  EXPECT_EQ(config.lease, std::chrono::seconds(30));
  EXPECT_EQ(config.poll_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(config.insecure_registries, (std::vector<std::string>{"a:5000", "b:5000"}));
  EXPECT_EQ(config.retention_alerts, std::chrono::hours(24 * 14));
  EXPECT_TRUE(FinishConfig(config));
  // A flag is the same setting by another name.
  ASSERT_TRUE(ApplySetting(config, "worker.lease", "2m"));
  EXPECT_EQ(config.lease, std::chrono::minutes(2));
  EXPECT_EQ(FlagName("worker.poll_interval"), "--worker-poll-interval");
  for (const auto& setting : ConfigSettings()) {
    EXPECT_FALSE(setting.help.empty()) << setting.key;
    EXPECT_EQ(FlagName(setting.key).find_first_of("._"), std::string::npos) << setting.key;
  }
}

TEST(ConfigTest, MistakesAreNamed) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"wroker:\n  lease: 5s\n", "unknown setting 'wroker.lease'"},
      {"worker:\n  lease: soon\n", "worker.lease: 'soon' is not a duration"},
      {"role: boss\n", "'boss' is not a role"},
      {"fail_on: SEVERE\n", "not a severity"},
      {"harbor:\n  refresh_after: 500\n", "outside 1..127"},
      {"[1, 2]\n", "must be a YAML mapping"},
      {"a: [b: {c\n", "not YAML"},
      {"ignore_unfixed: maybe\n", "not true or false"},
  };
  for (const auto& c : cases) {
    ServerConfig config;
    auto loaded = LoadConfigText(c.yaml, "c.yaml", config);
    ASSERT_FALSE(loaded) << c.yaml;
    EXPECT_NE(loaded.error().message().find(c.message), std::string::npos) << loaded.error().message();
    EXPECT_NE(loaded.error().message().find("c.yaml"), std::string::npos) << loaded.error().message();
  }
  ServerConfig missing;
  auto finished = FinishConfig(missing);
  ASSERT_FALSE(finished);
  EXPECT_NE(finished.error().message().find("--postgres"), std::string::npos);
  ServerConfig gate;
  gate.postgres = "x";
  gate.role = Role::kGate;
  EXPECT_FALSE(FinishConfig(gate));
  ServerConfig half_tls;
  half_tls.postgres = "x";
  half_tls.tls_cert = "c.pem";
  EXPECT_FALSE(FinishConfig(half_tls));
}

report::ScanReport SampleReport() {
  report::ScanReport r;
  r.target = "127.0.0.1:5000/app@" + kDigest;
  r.kind = "registry";
  r.manifest_digest = kDigest;
  r.os = {"debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)", ""};
  catalog::Package curl;
  curl.name = "curl";
  curl.version = "7.88.1-10+deb12u5";
  curl.source_name = "curl";
  curl.source_version = curl.version;
  curl.purl = "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12";
  curl.layer.index = 1;
  r.packages = {curl};
  match::Finding high;
  high.id = "CVE-2024-2398";
  high.severity = vulndb::Severity::kHigh;
  high.status = match::FindingStatus::kFixed;
  high.package = curl;
  high.fixed_version = "7.88.1-10+deb12u6";
  high.cvss = vulndb::Cvss{"nvd", "3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5};
  high.references = {"https://curl.se/docs/CVE-2024-2398.html", "not a url"};
  match::Finding low = high;
  low.id = "CVE-2023-0001";
  low.severity = vulndb::Severity::kLow;
  low.cvss.reset();
  low.references.clear();
  r.findings = {high, low};
  return r;
}

TEST(HarborReportTest, VulnerabilitiesMirrorTheFindings) {
  HarborArtifact artifact{"app", kDigest, "1", std::string(kOciManifest)};
  json report = HarborVulnerabilityReport(SampleReport(), artifact, "0.1.0", "2026-11-28T16:20:00Z");
  EXPECT_EQ(report["severity"], "High");
  ASSERT_EQ(report["vulnerabilities"].size(), 2u);
  const json& v = report["vulnerabilities"][0];
  EXPECT_EQ(v["id"], "CVE-2024-2398");
  EXPECT_EQ(v["package"], "curl");
  EXPECT_EQ(v["version"], "7.88.1-10+deb12u5");
  EXPECT_EQ(v["fix_version"], "7.88.1-10+deb12u6");
  EXPECT_EQ(v["severity"], "High");
  EXPECT_EQ(v["preferred_cvss"]["score_v3"], 7.5);
  EXPECT_EQ(v["links"], json::array({"https://curl.se/docs/CVE-2024-2398.html"}));  // "not a url" is dropped
  EXPECT_EQ(report["vulnerabilities"][1]["links"][0], "https://nvd.nist.gov/vuln/detail/CVE-2023-0001");
  EXPECT_EQ(report["artifact"]["repository"], "app");

  json sbom = HarborSbomReport(SampleReport(), artifact, kCycloneDxJson, "0.1.0", "2026-11-28T16:20:00Z");
  EXPECT_EQ(sbom["media_type"], kCycloneDxJson);
  EXPECT_EQ(sbom["sbom"]["bomFormat"], "CycloneDX");
  json spdx = HarborSbomReport(SampleReport(), artifact, kSpdxJson, "0.1.0", "2026-11-28T16:20:00Z");
  EXPECT_EQ(spdx["sbom"]["spdxVersion"], "SPDX-2.3");
  json metadata = HarborMetadata("0.1.0", "2026-11-28T16:20:00Z");
  EXPECT_EQ(metadata["capabilities"].size(), 2u);
  EXPECT_EQ(metadata["properties"]["harbor.scanner-adapter/vulnerability-database-updated-at"], "2026-11-28T16:20:00Z");
}

TEST(VerdictTest, PolicyDecidesAndTheWorstAreNamed) {
  report::ScanReport sample = SampleReport();
  Policy policy;
  policy.fail_on = vulndb::Severity::kHigh;
  scan::ScanResult gated = scan::ApplyPolicy(sample, ToScanPolicy(policy));
  Verdict verdict = MakeVerdict(gated, kDigest, PolicyDigest(policy), "sha256:s");
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.exit_code, 1);
  EXPECT_EQ(verdict.worst_severity, "HIGH");
  EXPECT_EQ(verdict.counts["HIGH"], 1);
  ASSERT_EQ(verdict.worst.size(), 2u);
  EXPECT_EQ(verdict.worst[0].id, "CVE-2024-2398");
  policy.fail_on = vulndb::Severity::kCritical;
  EXPECT_TRUE(MakeVerdict(scan::ApplyPolicy(sample, ToScanPolicy(policy)), kDigest, "p", "s").passed);
  policy.severities = {vulndb::Severity::kLow};
  scan::ScanResult filtered = scan::ApplyPolicy(sample, ToScanPolicy(policy));
  EXPECT_EQ(filtered.report.findings.size(), 1u);
  EXPECT_EQ(filtered.report.filtered, 1);
}

TEST(NotifyTest, NewFindingsAreThoseThePreviousResultLacked) {
  report::ScanReport before = SampleReport();
  before.findings.erase(before.findings.begin());  // only the LOW one was known
  std::vector<match::Finding> added = NewFindings(before, SampleReport());
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].id, "CVE-2024-2398");
  json payload = NotificationPayload(kDigest, {"127.0.0.1:5000/app"}, "sha256:new", "sha256:old", added);
  EXPECT_EQ(payload["most_severe"]["id"], "CVE-2024-2398");
  EXPECT_EQ(payload["most_severe"]["severity"], "HIGH");
  EXPECT_EQ(payload["new_findings"], 1);
  EXPECT_TRUE(NewFindings(SampleReport(), SampleReport()).empty());
}

TEST(MetricsTest, RendersPrometheusText) {
  Metrics metrics;
  metrics.ObserveScan(0.3);
  metrics.ObserveScan(42);
  metrics.CountVerdict(true);
  metrics.CountVerdict(false);
  metrics.CountJob("scan", "done");
  metrics.CountHttp(200);
  std::string text = metrics.Render({{"queued", 3}, {"running", 1}}, true, {{"customs_snapshot_age_seconds", 60}});
  EXPECT_NE(text.find("customs_queue_jobs{state=\"queued\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("customs_scan_duration_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("customs_scan_duration_seconds_bucket{le=\"60\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("customs_scan_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("customs_verdicts_total{result=\"fail\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("customs_jobs_total{kind=\"scan\",outcome=\"done\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("customs_snapshot_age_seconds 60\n"), std::string::npos);
  EXPECT_NE(text.find("customs_queue_up 1\n"), std::string::npos);
}

}  // namespace
}  // namespace customs::server
