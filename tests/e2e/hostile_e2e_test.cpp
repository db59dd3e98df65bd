// The hostile image suite (tests/e2e/make_hostile_images.py) through the built binary: every class, with `customs
// sbom` and `customs image`, in every format, with and without the layer cache, ends with exit 0 or 3 (never a signal,
// never the last-resort "internal error"), stays under 64 MB of maximum resident memory (GNU time), and writes
// output that Python's own parsers accept (tests/e2e/check_output.py). The classes' expectations ("ok",
// "incomplete", "fail") come with the images, in classes.txt.
//
// `customs image` uses a store imported from data/advisories (the repository's Debian feed), so this suite needs
// nothing from ../shared.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "e2e_util.h"

namespace customs::e2e {
namespace {

using nlohmann::json;

constexpr long kMaxRssKb = 64 * 1024;

template <class... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  ((out += parts), ...);
  return out;
}

const char* const kSbomFormats[] = {"table", "json", "cyclonedx", "spdx"};
const char* const kImageFormats[] = {"table", "json", "sarif", "cyclonedx", "junit", "markdown"};

struct RunResult {
  int exit_code = -1;
  long max_rss_kb = -1;
  bool signalled = false;
  std::string out;
  std::string err;
};

class HostileSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("customs-hostile-suite-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    setup_ = new CommandResult(RunCommand("python3 " +
                                          Quote(std::string(CUSTOMS_SOURCE_DIR) + "/tests/e2e/make_hostile_images.py") +
                                          " " + Quote(Images())));
    if (setup_->exit_code != 0) return;
    *setup_ = RunCommand(CustomsBinary() + " db import " +
                         Quote(std::string(CUSTOMS_SOURCE_DIR) + "/data/advisories/debian-bookworm-derived.json.gz") +
                         " --db " + Quote(Db()));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete setup_;
  }
  void SetUp() override {
    ASSERT_EQ(setup_->exit_code, 0) << setup_->err;
    ASSERT_EQ(std::system("test -x /usr/bin/time"), 0) << "GNU time missing (scripts/install-deps.sh installs time)";
  }

  static std::string Images() { return *dir_ + "/images"; }
  static std::string Db() { return *dir_ + "/customs.db"; }

  // "name expectation" lines of classes.txt.
  static std::vector<std::pair<std::string, std::string>> Classes() {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream lines(ReadAll(Images() + "/classes.txt"));
    for (std::string name, expectation; lines >> name >> expectation;) out.emplace_back(name, expectation);
    return out;
  }

  // Runs `customs ARGS` under GNU time, stdout to a file.
  static RunResult Customs(const std::string& args) {
    static int counter = 0;
    const std::string base = *dir_ + "/run-" + std::to_string(counter++);
    CommandResult result =
        RunCommand("/usr/bin/time -f 'maxrss=%M' -o " + Quote(base + ".time") + " " + CustomsBinary() + " " + args);
    RunResult run;
    run.exit_code = result.exit_code;
    run.out = std::move(result.out);
    run.err = std::move(result.err);
    std::string timing = ReadAll(base + ".time");
    std::filesystem::remove(base + ".time");
    run.signalled = timing.find("terminated by signal") != std::string::npos;
    if (auto at = timing.find("maxrss="); at != std::string::npos) run.max_rss_kb = std::stol(timing.substr(at + 7));
    return run;
  }

  // Python's verdict on each (label, format, text) ("" when every one is valid), in one interpreter run.
  struct Output {
    std::string label;
    std::string format;
    std::string text;
  };
  static std::string Check(const std::vector<Output>& outputs) {
    static int counter = 0;
    std::string args;
    std::vector<std::string> paths;
    for (const auto& output : outputs) {
      paths.push_back(*dir_ + "/out-" + std::to_string(counter++) + "-" + output.format);
      std::ofstream(paths.back(), std::ios::binary) << output.text;
      args += " " + output.format + " " + Quote(paths.back());
    }
    CommandResult result =
        RunCommand("python3 " + Quote(std::string(CUSTOMS_SOURCE_DIR) + "/tests/e2e/check_output.py") + args);
    for (const auto& path : paths) std::filesystem::remove(path);
    if (result.exit_code == 0) return "";
    std::string problems = result.out + result.err;
    for (std::size_t i = 0; i < outputs.size(); ++i) {  // name the outputs, not the temporary files
      for (std::size_t at; (at = problems.find(paths[i])) != std::string::npos;) {
        problems.replace(at, paths[i].size(), outputs[i].label);
      }
    }
    return problems;
  }

  static std::string* dir_;
  static CommandResult* setup_;
};
std::string* HostileSuite::dir_ = nullptr;
CommandResult* HostileSuite::setup_ = nullptr;

// No signal, no last-resort handler, exit 0 or 3, under the memory bound.
void ExpectSurvived(const RunResult& run, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_FALSE(run.signalled) << run.err;
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 3) << "exit " << run.exit_code << "\n" << run.err;
  EXPECT_EQ(run.err.find("internal error"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("terminate called"), std::string::npos) << run.err;
  EXPECT_GT(run.max_rss_kb, 0) << "no measurement";
  EXPECT_LT(run.max_rss_kb, kMaxRssKb) << "max RSS " << run.max_rss_kb << " KB";
}

// A clean failure: exit 3, one line on stderr, nothing on stdout.
void ExpectCleanFailure(const RunResult& run, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_TRUE(run.err.starts_with("customs: error: ")) << run.err;
  EXPECT_LE(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out.substr(0, 300);
}

int IncompleteCount(const json& diagnostics) {
  int n = 0;
  for (const auto& d : diagnostics) n += d["level"] == "incomplete" ? 1 : 0;
  return n;
}

TEST_F(HostileSuite, EveryClassEveryFormatWithAndWithoutTheCache) {
  auto classes = Classes();
  ASSERT_GE(classes.size(), 30u);
  for (const auto& [name, expectation] : classes) {
    SCOPED_TRACE(name + " (" + expectation + ")");
    const std::string image = Quote(Images() + "/" + name);
    std::vector<Output> outputs;  // checked by Python at the end of the class
    // `customs sbom`, every format, no cache.
    for (const char* format : kSbomFormats) {
      RunResult run = Customs(Cat("sbom --no-cache --format ", format, " ", image));
      ExpectSurvived(run, Cat("sbom ", format));
      if (expectation == "fail") {
        ExpectCleanFailure(run, Cat("sbom ", format));
        continue;
      }
      EXPECT_EQ(run.exit_code, 0) << format << "\n" << run.err;
      outputs.push_back({Cat("sbom --format ", format), format, run.out});
      if (std::string(format) == "json") {
        json doc = json::parse(run.out, nullptr, false);
        ASSERT_FALSE(doc.is_discarded());
        EXPECT_EQ(IncompleteCount(doc["diagnostics"]) > 0, expectation == "incomplete") << doc["diagnostics"].dump();
      }
    }
    // `customs image`, every format, no cache: exit 3 exactly when the report names an incomplete diagnostic.
    int incomplete = -1;
    for (const char* format : kImageFormats) {
      RunResult run = Customs(Cat("image --quiet --no-cache --db ", Quote(Db()), " --format ", format, " ", image));
      ExpectSurvived(run, Cat("image ", format));
      if (expectation == "fail") {
        ExpectCleanFailure(run, Cat("image ", format));
        continue;
      }
      outputs.push_back({Cat("image --format ", format), format, run.out});
      if (std::string(format) == "json") {
        json doc = json::parse(run.out, nullptr, false);
        ASSERT_FALSE(doc.is_discarded());
        incomplete = doc["summary"]["incomplete"].get<int>();
        EXPECT_EQ(incomplete, IncompleteCount(doc["diagnostics"]));
        if (expectation == "incomplete") {
          EXPECT_GT(incomplete, 0);
        }
        EXPECT_EQ(run.exit_code, incomplete > 0 ? 3 : 0) << run.err;
        // --quiet never hides an incomplete line.
        EXPECT_EQ(run.err.find("customs: incomplete: ") != std::string::npos, incomplete > 0) << run.err;
      }
    }
    if (incomplete > 0) {
      RunResult allowed =
          Customs(Cat("image --quiet --no-cache --allow-incomplete --db ", Quote(Db()), " --format json ", image));
      ExpectSurvived(allowed, "image --allow-incomplete");
      EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    }
    // With the cache: a cold run writes it, a warm run reads it; both bounded, both the same verdict.
    const std::string cache = *dir_ + "/cache-" + name;
    for (const char* pass : {"cold", "warm"}) {
      RunResult sbom = Customs(Cat("sbom --format json --cache-dir ", Quote(cache), " ", image));
      ExpectSurvived(sbom, Cat("sbom cache ", pass));
      EXPECT_EQ(sbom.exit_code, expectation == "fail" ? 3 : 0) << pass << "\n" << sbom.err;
      if (expectation != "fail") outputs.push_back({Cat("sbom cached ", pass), "json", sbom.out});
      RunResult scan =
          Customs(Cat("image --quiet --format sarif --cache-dir ", Quote(cache), " --db ", Quote(Db()), " ", image));
      ExpectSurvived(scan, Cat("image cache ", pass));
      if (expectation == "fail") {
        EXPECT_EQ(scan.exit_code, 3);
      } else {
        outputs.push_back({Cat("image cached ", pass), "sarif", scan.out});
        EXPECT_EQ(scan.exit_code, incomplete > 0 ? 3 : 0) << pass << "\n" << scan.err;
      }
    }
    std::filesystem::remove_all(cache);
    if (!outputs.empty()) {
      EXPECT_EQ(Check(outputs), "");
    }
  }
}

// The Python checker can fail: it rejects what the writers must never produce.
TEST_F(HostileSuite, CheckerRejectsBrokenOutput) {
  const std::string problems = Check({{"bad-json", "json", "{\"a\": \"\xff\"}"},
                                      {"bad-surrogate", "cyclonedx", "{\"a\": \"\\udc80\"}"},
                                      {"bad-xml", "junit", "<a>\x01</a>"},
                                      {"bad-table", "table", "pkg \x1b[2J\n"},
                                      {"good-json", "json", "{\"a\": \"\xc3\xa9\"}"}});
  for (const char* label : {"bad-json", "bad-surrogate", "bad-xml", "bad-table"}) {
    EXPECT_NE(problems.find(label), std::string::npos) << label << "\n" << problems;
  }
  EXPECT_EQ(problems.find("good-json"), std::string::npos) << problems;
}

// The third image: a docker-archive whose layer member was cut short, its diff_id already in the cache from
// the intact archive. It must fail both ways: the cache stands in only for the bytes it verified.
TEST_F(HostileSuite, TruncatedLayerFailsWithAndWithoutTheCache) {
  const std::string cache = *dir_ + "/cache-truncated";
  const std::string good = Quote(Images() + "/truncated-layer-good.tar");
  const std::string cut = Quote(Images() + "/truncated-layer.tar");
  RunResult warm = Customs("sbom --format json --cache-dir " + Quote(cache) + " " + good);
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  ASSERT_FALSE(std::filesystem::is_empty(cache + "/layers")) << "the intact archive's layers are cached";
  for (const std::string& flags : {"--cache-dir " + Quote(cache), std::string("--no-cache")}) {
    SCOPED_TRACE(flags);
    RunResult sbom = Customs("sbom --format json " + flags + " " + cut);
    ExpectSurvived(sbom, "sbom");
    ExpectCleanFailure(sbom, "sbom");
    EXPECT_NE(sbom.err.find("digest mismatch"), std::string::npos) << sbom.err;
    EXPECT_EQ(sbom.err.find("layer 2"), sbom.err.rfind("layer 2")) << "the layer is named once: " << sbom.err;
    RunResult scan = Customs("image --quiet --format json --db " + Quote(Db()) + " " + flags + " " + cut);
    ExpectSurvived(scan, "image");
    ExpectCleanFailure(scan, "image");
  }
  // The intact archive still scans from the cache.
  RunResult again = Customs("sbom --format json --cache-dir " + Quote(cache) + " " + good);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, warm.out);
  std::filesystem::remove_all(cache);
}

// The first image: 2 MB of random bytes as the dpkg status. Incomplete, named on stderr and in the report.
TEST_F(HostileSuite, RandomStatusIsIncompleteNotACrash) {
  RunResult sbom = Customs("sbom --no-cache --format json " + Quote(Images() + "/dpkg-random-2m"));
  ExpectSurvived(sbom, "sbom");
  ASSERT_EQ(sbom.exit_code, 0) << sbom.err;
  json doc = json::parse(sbom.out);
  bool named = false;
  for (const auto& d : doc["diagnostics"]) {
    named = named ||
            (d["level"] == "incomplete" && d["source"] == "catalog/dpkg" && d["subject"] == "/var/lib/dpkg/status");
  }
  EXPECT_TRUE(named) << doc["diagnostics"].dump();
  RunResult scan = Customs("image --quiet --no-cache --format table --db " + Quote(Db()) + " " +
                           Quote(Images() + "/dpkg-random-2m"));
  EXPECT_EQ(scan.exit_code, 3);
  EXPECT_NE(scan.err.find("customs: incomplete: catalog/dpkg: /var/lib/dpkg/status: "), std::string::npos) << scan.err;
  EXPECT_NE(scan.out.find("\nINCOMPLETE SCAN: "), std::string::npos) << scan.out;
}

// The second image: 200,000 stanzas of one package. One package kept, a bounded list of diagnostics.
TEST_F(HostileSuite, TwoHundredThousandStanzasKeepOnePackage) {
  RunResult sbom = Customs("sbom --no-cache --format json " + Quote(Images() + "/dpkg-200k-stanzas"));
  ExpectSurvived(sbom, "sbom");
  json doc = json::parse(sbom.out);
  ASSERT_EQ(doc["packages"].size(), 1u);
  EXPECT_EQ(doc["packages"][0]["name"], "bash");
  EXPECT_LE(doc["diagnostics"].size(), 110u) << "repeated diagnostics are bounded";
  EXPECT_NE(doc["diagnostics"].dump().find("199899 more info diagnostics from catalog/dpkg were left out"),
            std::string::npos)
      << doc["diagnostics"].back().dump();
}

// Invalid UTF-8 from os-release and package fields: U+FFFD in the text, the bytes escaped beside it.
TEST_F(HostileSuite, InvalidUtf8IsReplacedAndItsBytesKept) {
  RunResult sbom = Customs("sbom --no-cache --format json " + Quote(Images() + "/utf8-apk-fields"));
  ASSERT_EQ(sbom.exit_code, 0) << sbom.err;
  json doc = json::parse(sbom.out);
  ASSERT_EQ(doc["packages"].size(), 7u);
  bool found = false;
  for (const auto& p : doc["packages"]) {
    if (p["raw_escaped"].is_object() && p["raw_escaped"].value("name", "") == "pkg\\xC0\\xAF") {
      found = true;
      EXPECT_EQ(p["name"], "pkg\xEF\xBF\xBD\xEF\xBF\xBD");
      EXPECT_EQ(p["raw_escaped"]["version"], "1.0\\xC0\\xAF-r0");
    }
  }
  EXPECT_TRUE(found) << sbom.out.substr(0, 2000);
  RunResult os = Customs("sbom --no-cache --format json " + Quote(Images() + "/utf8-os-release"));
  ASSERT_EQ(os.exit_code, 0) << os.err;
  EXPECT_EQ(json::parse(os.out)["os"]["codename"], "book\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDworm");
}

// A valid UTF-8 name in a PAX header is read as it is, whatever the caller's locale: no "can't be converted"
// warning, the package behind it kept.
TEST_F(HostileSuite, Utf8PaxNamesAreReadUnderTheCLocale) {
  const char* saved = std::getenv("LC_ALL");
  const std::string saved_value = saved ? saved : "";
  ::setenv("LC_ALL", "C", 1);  // what a CI container has
  RunResult sbom = Customs("sbom --no-cache --format json " + Quote(Images() + "/utf8-pax-names"));
  if (saved) {
    ::setenv("LC_ALL", saved_value.c_str(), 1);
  } else {
    ::unsetenv("LC_ALL");
  }
  ASSERT_EQ(sbom.exit_code, 0) << sbom.err;
  json doc = json::parse(sbom.out);
  ASSERT_EQ(doc["packages"].size(), 1u) << sbom.out.substr(0, 2000);
  EXPECT_EQ(doc["packages"][0]["name"], "cafe");
  for (const auto& diagnostic : doc["diagnostics"]) {
    EXPECT_EQ(diagnostic.value("message", "").find("locale"), std::string::npos) << diagnostic.dump();
  }
}

// Terminal escapes in the config history never reach the terminal.
TEST_F(HostileSuite, ConfigEscapesNeverReachTheTerminal) {
  RunResult table = Customs("sbom --no-cache --format table " + Quote(Images() + "/config-control-chars"));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.out.find('\x07'), std::string::npos);
  EXPECT_NE(table.out.find("]0;pwned"), std::string::npos) << "the text is shown, defused";
}

// An incomplete inventory stays incomplete through an SBOM: `customs sbom-scan` of our CycloneDX or SPDX exits 3.
TEST_F(HostileSuite, IncompleteSbomKeepsSbomScanIncomplete) {
  for (const char* format : {"cyclonedx", "spdx"}) {
    SCOPED_TRACE(format);
    const std::string sbom = *dir_ + "/corrupt-rpmdb." + format + ".json";
    RunResult made =
        Customs(Cat("sbom --no-cache --format ", format, " -o ", Quote(sbom), " ", Quote(Images() + "/corrupt-rpmdb")));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    RunResult scan = Customs(Cat("sbom-scan --quiet --format json --db ", Quote(Db()), " ", Quote(sbom)));
    EXPECT_EQ(scan.exit_code, 3) << scan.err;
    EXPECT_NE(scan.err.find("the SBOM says its inventory is incomplete: catalog/rpm: /var/lib/rpm/Packages"),
              std::string::npos)
        << scan.err;
    RunResult allowed =
        Customs(Cat("sbom-scan --quiet --allow-incomplete --format json --db ", Quote(Db()), " ", Quote(sbom)));
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    // A complete inventory's SBOM scans clean.
    RunResult good =
        Customs(Cat("sbom --no-cache --format ", format, " -o ", Quote(sbom), " ", Quote(Images() + "/good")));
    ASSERT_EQ(good.exit_code, 0);
    EXPECT_EQ(Customs(Cat("sbom-scan --quiet --format json --db ", Quote(Db()), " ", Quote(sbom))).exit_code, 0);
  }
}

// `customs lint` quotes the Dockerfile back: invalid UTF-8 and control characters in it must not break its JSON, SARIF
// or XML either.
TEST_F(HostileSuite, LintOfAHostileDockerfileWritesValidDocuments) {
  // The reports name the file: its directory's name is not UTF-8 either.
  std::filesystem::create_directories(*dir_ + "/lint-\xff\xc0\xaf");
  const std::string dockerfile = *dir_ + "/lint-\xff\xc0\xaf/Dockerfile";
  std::ofstream(dockerfile, std::ios::binary)
      << "FROM debian\nRUN echo \"\xff\xfe \x01 \x1b[2J\"\nLABEL a=\"\xc0\xaf\xed\xa0\x80\"\n"
         "USER r\xf4\x90\x80\x80t\n";
  std::vector<Output> outputs;
  for (const auto& [format, checker] : std::vector<std::pair<std::string, std::string>>{{"json", "json"},
                                                                                        {"sarif", "sarif"},
                                                                                        {"codeclimate", "json"},
                                                                                        {"checkstyle", "junit"},
                                                                                        {"junit", "junit"}}) {
    RunResult lint = Customs("lint --format " + format + " " + Quote(dockerfile));
    EXPECT_TRUE(lint.exit_code == 0 || lint.exit_code == 1) << format << " exit " << lint.exit_code << "\n" << lint.err;
    EXPECT_FALSE(lint.out.empty()) << format;
    outputs.push_back({"lint " + format, checker, lint.out});
  }
  EXPECT_EQ(Check(outputs), "");
}

// An image with no package database is not incomplete: the report says what was looked for.
TEST_F(HostileSuite, NoPackageDatabaseSaysWhatWasLookedFor) {
  RunResult scan = Customs("image --quiet --no-cache --format table --db " + Quote(Db()) + " " +
                           Quote(Images() + "/scratch-static"));
  EXPECT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_NE(scan.out.find("no OS package database in the image (looked for /var/lib/dpkg/status"), std::string::npos)
      << scan.out;
}

}  // namespace
}  // namespace customs::e2e
