// The Java cataloger: Maven packages in jar, war, ear and par archives (and Jenkins' jpi/hpi), nested to any depth
// within limits, read as a stream inside the layer walk (core/file_extractor.h) and never held in memory.
//
// For every archive, top-level or nested (a fat jar's BOOT-INF/lib, a war's WEB-INF/lib, a jar in a jar):
//   - every META-INF/maven/<groupId>/<artifactId>/pom.properties (or deeper) is a package ("groupId:artifactId", high
//     confidence); a shaded jar holds many;
//   - when no pom.properties names the archive itself, the archive is a package named by its file name's artifactId
//     ("log4j-core-2.8.jar" -> "log4j-core", group_unknown), with the version from MANIFEST.MF (Implementation-Version,
//     then Bundle-Version) or else from the file name. The manifest's vendor ids (Implementation-Vendor-Id:
//     org.apache) are not Maven groupIds and are never used as one. A version that is not a version ("2.x") makes the
//     package unmatchable with a warning;
//   - `location` is the chain "/app/app.war!/WEB-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties".
// Limits (JavaLimits) bound nesting depth, entries and decompressed bytes per top-level file: a zip bomb or a jar
// nested 50 deep stops with an incomplete diagnostic, and what was found before the limit is kept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/cataloger.h"
#include "catalog/package.h"
#include "core/diagnostics.h"
#include "core/file_extractor.h"

namespace customs::catalog::lang {

struct JavaLimits {
  int max_depth = 16;                            // the top-level archive is depth 1
  std::uint64_t max_entries = 1'000'000;         // local headers, all levels, per top-level file
  std::uint64_t min_inflated_bytes = 256 << 20;  // decompressed bytes, all levels, per top-level file: at least this,
  std::uint64_t inflated_bytes_per_byte = 64;    // or this many times the file's size when that is more
  std::size_t max_packages = 100'000;            // per top-level file
};

// Whether `path` names a Java archive by its extension (.jar .war .ear .par .jpi .hpi, any case).
bool IsJavaArchiveName(std::string_view path);

struct PomProperties {
  std::string group_id;
  std::string artifact_id;
  std::string version;
};
// java.util.Properties format, the keys pom.properties uses.
PomProperties ParsePomProperties(std::string_view text);

struct JarFileName {
  std::string artifact_id;  // "log4j-core"; the whole base name when no version follows
  std::string version;      // "2.8", "2.x" (as written; may not be a plausible version), or empty
};
// "log4j-core-2.8.jar" -> {log4j-core, 2.8}; "log4j-1.2-api-2.17.1.jar" -> {log4j-1.2-api, 2.17.1};
// "guava-31.1-jre.jar" -> {guava, 31.1-jre}; "sqlite4java.jar" -> {sqlite4java, ""}.
JarFileName ParseJarFileName(std::string_view file_name);

class JavaArchive;

// Analyses one archive pushed in chunks: what the extractor's visitor does for one file. `path` is the file's path
// (the start of every location chain); `size` sizes the decompression budget.
class JarAnalyzer {
 public:
  JarAnalyzer(std::string path, std::uint64_t size, Diagnostics& diagnostics, JavaLimits limits = {});
  ~JarAnalyzer();
  JarAnalyzer(const JarAnalyzer&) = delete;
  JarAnalyzer& operator=(const JarAnalyzer&) = delete;
  void Data(std::string_view chunk);
  // The packages found (unsorted). `complete` false: the stream was cut short by the reader (not by the archive).
  std::vector<Package> Finish(bool complete = true);

  struct Context;

 private:
  std::unique_ptr<Context> context_;
  std::unique_ptr<JavaArchive> root_;
};

class JavaExtractor final : public FileExtractor {
 public:
  explicit JavaExtractor(JavaLimits limits = {}) : limits_(limits) {}
  std::string_view name() const override { return "java"; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const override;

 private:
  JavaLimits limits_;
};

class JavaCataloger final : public Cataloger {
 public:
  std::string_view name() const override { return "java"; }
  int version() const override { return 1; }
  bool WantsContent(std::string_view) const override { return false; }
  const FileExtractor* extractor() const override { return &extractor_; }
  std::vector<Package> Catalog(const FileTree& tree, const OsInfo& os, Diagnostics& diagnostics) const override;

 private:
  JavaExtractor extractor_;
};

}  // namespace customs::catalog::lang
