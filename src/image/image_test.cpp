// Image reading tests. The archives are built here with libarchive (real tar/gzip/zstd streams, real sha256
// digests) so each case controls exactly one defect; end-to-end tests on images built from the Debian archive live
// in tests/e2e.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/file_extractor.h"
#include "core/file_util.h"
#include "core/sha256.h"
#include "image/blob_reader.h"
#include "image/config.h"
#include "image/layer_cache.h"
#include "image/layer_walker.h"
#include "image/local_sources.h"
#include "image/memory_source.h"
#include "image/tar_index.h"

namespace customs::image {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Entry {
  std::string path;
  std::string content;
  char type = '0';  // '0' file, '5' dir, '2' symlink, '1' hard link
  std::string link;
};

enum class Filter { kNone, kGzip, kZstd };

std::string MakeTar(const std::vector<Entry>& entries, Filter filter = Filter::kNone) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == Filter::kGzip) archive_write_add_filter_gzip(a);
  if (filter == Filter::kZstd) archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* data, const void* buffer, size_t size) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  for (const auto& e : entries) {
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_perm(entry, e.type == '5' ? 0755 : 0644);
    if (e.type == '5') {
      archive_entry_set_filetype(entry, AE_IFDIR);
    } else if (e.type == '2') {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.link.c_str());
    } else if (e.type == '1') {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, e.link.c_str());
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    }
    archive_write_header(a, entry);
    if (e.type == '0' && !e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string Digest(const std::string& data) {
  return "sha256:" + Sha256::HexOf(data);
}

struct TestImage {
  std::vector<std::string> blobs;         // layer blobs as stored
  std::vector<std::string> uncompressed;  // layer tars
  std::string config;
};

TestImage MakeImage(const std::vector<std::vector<Entry>>& layers, Filter filter,
                    const std::vector<std::string>& created_by) {
  TestImage image;
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                 {"history", json::array()},
                 {"config", {{"User", "app"}}}};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    image.uncompressed.push_back(MakeTar(layers[i]));
    image.blobs.push_back(filter == Filter::kNone ? image.uncompressed.back() : MakeTar(layers[i], filter));
    config["rootfs"]["diff_ids"].push_back(Digest(image.uncompressed.back()));
    config["history"].push_back({{"created_by", "/bin/sh -c #(nop) ENV X=1"}, {"empty_layer", true}});
    config["history"].push_back({{"created_by", i < created_by.size() ? created_by[i] : "layer"}});
  }
  image.config = config.dump();
  return image;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& path, const std::string& data) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// Writes an OCI image layout; returns the manifest digest.
std::string WriteOciLayout(const fs::path& dir, const TestImage& image, const std::string& media_type,
                           json platform = nullptr) {
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", Digest(image.config)},
                     {"size", image.config.size()}}},
                   {"layers", json::array()}};
  WriteFile(dir / "blobs/sha256" / Sha256::HexOf(image.config), image.config);
  for (const auto& blob : image.blobs) {
    WriteFile(dir / "blobs/sha256" / Sha256::HexOf(blob), blob);
    manifest["layers"].push_back({{"mediaType", media_type}, {"digest", Digest(blob)}, {"size", blob.size()}});
  }
  std::string manifest_text = manifest.dump();
  WriteFile(dir / "blobs/sha256" / Sha256::HexOf(manifest_text), manifest_text);
  json descriptor = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"digest", Digest(manifest_text)},
                     {"size", manifest_text.size()}};
  if (!platform.is_null()) descriptor["platform"] = platform;
  json index;
  if (fs::exists(dir / "index.json")) {
    std::ifstream in(dir / "index.json");
    index = json::parse(in);
  } else {
    index = {{"schemaVersion", 2}, {"manifests", json::array()}};
  }
  index["manifests"].push_back(descriptor);
  WriteFile(dir / "index.json", index.dump());
  WriteFile(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  return Digest(manifest_text);
}

// Tars up a directory (an oci-archive) or a set of named members.
std::string TarOfDirectory(const fs::path& dir) {
  std::vector<Entry> entries;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    if (!item.is_regular_file()) continue;
    std::ifstream in(item.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    entries.push_back({item.path().lexically_relative(dir).string(), data});
  }
  return MakeTar(entries);
}

std::string DockerArchive(const TestImage& image) {
  std::vector<Entry> entries;
  json layers = json::array();
  for (std::size_t i = 0; i < image.uncompressed.size(); ++i) {
    std::string name = Sha256::HexOf(image.uncompressed[i]).substr(0, 12) + std::to_string(i) + "/layer.tar";
    entries.push_back({name, image.uncompressed[i]});
    layers.push_back(name);
  }
  std::string config_name = Sha256::HexOf(image.config) + ".json";
  entries.push_back({config_name, image.config});
  json manifest = json::array({{{"Config", config_name}, {"RepoTags", {"test:1"}}, {"Layers", layers}}});
  entries.push_back({"manifest.json", manifest.dump()});
  return MakeTar(entries);
}

PathFilter WantEverything() {
  PathFilter filter;
  filter.wants_content = [](std::string_view) { return true; };
  filter.wants_history = [](std::string_view path) { return path == "/var/lib/dpkg/status"; };
  return filter;
}

Result<FileTree> Load(const fs::path& path, SourceOptions options = {}) {
  DiagnosticsCollector diagnostics;
  CUSTOMS_ASSIGN_OR_RETURN(auto source, OpenLocalImage(path, options, diagnostics));
  CUSTOMS_ASSIGN_OR_RETURN(auto config, ParseImageConfig(source->ConfigJson()));
  return WalkLayers(*source, config, WantEverything(), diagnostics);
}

std::vector<std::vector<Entry>> ThreeLayers() {
  return {
      {{"etc", "", '5'},
       {"etc/os-release", "ID=debian\n"},
       {"var/lib/dpkg/status", "Package: base\n"},
       {"opt/app", "", '5'},
       {"opt/app/old.txt", "old"},
       {"tmp/secret", "s3cr3t"}},
      {{"var/lib/dpkg/status", "Package: base\n\nPackage: curl\n"},
       {"usr/bin/curl", "ELF"},
       {"usr/bin/curl2", "", '1', "usr/bin/curl"},
       {"tmp/.wh.secret", ""}},
      {{"opt/app/.wh..wh..opq", ""}, {"opt/app/new.txt", "new"}, {"etc/shadow-link", "", '2', "/etc/shadow"}},
  };
}

std::map<std::string, std::string> Summary(const FileTree& tree) {
  std::map<std::string, std::string> out;
  for (const auto& [path, node] : tree.entries()) {
    out[path] = fmt::format("{}:{}:{}:{}", static_cast<int>(node.type), node.layer, node.link_target,
                            node.content ? *node.content : "-");
  }
  return out;
}

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("customs-image-test");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(*dir));
  }
  fs::path Path(const std::string& name) const { return dir_->path() / name; }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(ImageTest, WhiteoutsOpaqueDirectoriesAndLayers) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {"FROM debian", "RUN apt-get install curl", "COPY app"});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  auto tree = Load(Path("oci"));
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(tree->Find("/tmp/secret"), nullptr) << "whiteout must delete the file";
  EXPECT_EQ(tree->Find("/opt/app/old.txt"), nullptr) << "opaque directory must hide lower content";
  ASSERT_NE(tree->Find("/opt/app/new.txt"), nullptr);
  EXPECT_EQ(tree->Find("/usr/bin/curl")->layer, 1);
  EXPECT_EQ(**tree->ReadContent("/usr/bin/curl2"), "ELF");
  EXPECT_EQ(**tree->ReadContent("/var/lib/dpkg/status"), "Package: base\n\nPackage: curl\n");
  const auto& history = tree->Find("/var/lib/dpkg/status")->history;
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].layer, 0);
  EXPECT_EQ(history[1].layer, 1);
  ASSERT_EQ(tree->layers().size(), 3u);
  EXPECT_EQ(tree->layers()[1].created_by, "RUN apt-get install curl");
  EXPECT_EQ(tree->layers()[1].digest, Digest(image.blobs[1]));
  EXPECT_EQ(tree->layers()[1].diff_id, Digest(image.uncompressed[1]));
  // An absolute symlink resolves inside the image, never on the host.
  EXPECT_FALSE(tree->ReadContent("/etc/shadow-link"));
}

TEST_F(ImageTest, AllFormatsGiveTheSameTree) {
  TestImage gz = MakeImage(ThreeLayers(), Filter::kGzip, {"a", "b", "c"});
  TestImage zst = MakeImage(ThreeLayers(), Filter::kZstd, {"a", "b", "c"});
  TestImage raw = MakeImage(ThreeLayers(), Filter::kNone, {"a", "b", "c"});
  WriteOciLayout(Path("gz"), gz, "application/vnd.oci.image.layer.v1.tar+gzip");
  // Media type deliberately wrong: compression is detected from magic bytes.
  WriteOciLayout(Path("zst"), zst, "application/vnd.oci.image.layer.v1.tar");
  WriteOciLayout(Path("raw"), raw, "application/vnd.oci.image.layer.v1.tar");
  WriteFile(Path("archive.tar"), TarOfDirectory(Path("gz")));
  WriteFile(Path("docker.tar"), DockerArchive(gz));
  auto reference = Load(Path("gz"));
  ASSERT_TRUE(reference) << reference.error().ToString();
  for (const char* name : {"zst", "raw", "archive.tar", "docker.tar"}) {
    auto tree = Load(Path(name));
    ASSERT_TRUE(tree) << name << ": " << tree.error().ToString();
    EXPECT_EQ(Summary(*tree), Summary(*reference)) << name;
  }
  DiagnosticsCollector diagnostics;
  EXPECT_EQ((*OpenLocalImage(Path("archive.tar"), {}, diagnostics))->Kind(), "oci-archive");
  EXPECT_EQ((*OpenLocalImage(Path("docker.tar"), {}, diagnostics))->Kind(), "docker-archive");
  EXPECT_EQ((*OpenLocalImage(Path("gz"), {}, diagnostics))->Kind(), "oci-layout");
}

TEST_F(ImageTest, PipelinedDecompressionGivesTheSameTreeAndErrors) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {"a", "b", "c"});
  MemorySource source(image.blobs, image.config);
  auto config = ParseImageConfig(image.config);
  ASSERT_TRUE(config);
  NullDiagnostics diagnostics;
  WalkOptions plain;
  WalkOptions pipelined;
  pipelined.pipeline = true;
  auto a = WalkLayers(source, *config, WantEverything(), diagnostics, plain);
  auto b = WalkLayers(source, *config, WantEverything(), diagnostics, pipelined);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Summary(*a), Summary(*b));
  MemorySource truncated({image.blobs[0].substr(0, image.blobs[0].size() / 2)}, "{}");
  auto c = WalkLayers(truncated, ImageConfig{}, WantEverything(), diagnostics, pipelined);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kCorrupt);
}

TEST_F(ImageTest, LayerDigestMismatchIsAnError) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  // Replace layer 2's blob content but keep its name.
  std::string tampered = MakeTar({{"usr/bin/evil", "x"}}, Filter::kGzip);
  WriteFile(Path("oci") / "blobs/sha256" / Sha256::HexOf(image.blobs[1]), tampered);
  auto tree = Load(Path("oci"));
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(tree.error().message().find("digest mismatch"), std::string::npos) << tree.error().message();
}

TEST_F(ImageTest, DockerArchiveDiffIdMismatchIsAnError) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kNone, {});
  TestImage other = MakeImage({{{"x", "y"}}, {{"a", "b"}}, {{"c", "d"}}}, Filter::kNone, {});
  image.uncompressed[0] = other.uncompressed[0];  // config still names the original diff_id
  WriteFile(Path("docker.tar"), DockerArchive(image));
  auto tree = Load(Path("docker.tar"));
  ASSERT_FALSE(tree);
  EXPECT_NE(tree.error().message().find("digest mismatch"), std::string::npos) << tree.error().message();
}

TEST_F(ImageTest, TruncatedAndCorruptGzipAreErrors) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {});
  std::string& blob = image.blobs[0];
  std::string truncated = blob.substr(0, blob.size() / 2);
  std::string corrupt = blob;
  for (std::size_t i = 20; i < corrupt.size() - 20; i += 7) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  for (const auto& bad : {truncated, corrupt}) {
    MemorySource source({bad}, "{}");
    NullDiagnostics diagnostics;
    auto tree = WalkLayers(source, ImageConfig{}, WantEverything(), diagnostics);
    ASSERT_FALSE(tree);
    EXPECT_EQ(tree.error().code(), ErrorCode::kCorrupt) << tree.error().ToString();
  }
}

TEST_F(ImageTest, PathTraversalIsRejected) {
  std::string layer = MakeTar({{"../../etc/cron.d/evil", "* * * * * root sh"}});
  MemorySource source({layer}, "{}");
  NullDiagnostics diagnostics;
  auto tree = WalkLayers(source, ImageConfig{}, WantEverything(), diagnostics);
  ASSERT_FALSE(tree);
  EXPECT_NE(tree.error().message().find("path traversal"), std::string::npos);
}

TEST_F(ImageTest, MissingBlobIsNamed) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  fs::remove(Path("oci") / "blobs/sha256" / Sha256::HexOf(image.blobs[2]));
  auto tree = Load(Path("oci"));
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(tree.error().message().find(Digest(image.blobs[2])), std::string::npos);
}

TEST_F(ImageTest, BlobSymlinkOutOfTheLayoutIsRefused) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  fs::path blob = Path("oci") / "blobs/sha256" / Sha256::HexOf(image.blobs[0]);
  fs::remove(blob);
  fs::create_symlink("/etc/passwd", blob);
  auto tree = Load(Path("oci"));
  ASSERT_FALSE(tree);
}

TEST_F(ImageTest, TruncatedOuterArchiveIsAnError) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {});
  std::string archive = DockerArchive(image);
  WriteFile(Path("cut.tar"), archive.substr(0, archive.size() / 3));
  auto tree = Load(Path("cut.tar"));
  ASSERT_FALSE(tree);
}

TEST_F(ImageTest, PlatformSelectionListsWhatExists) {
  TestImage amd = MakeImage({{{"arch", "amd64"}}}, Filter::kGzip, {});
  TestImage arm = MakeImage({{{"arch", "arm64"}}}, Filter::kGzip, {});
  WriteOciLayout(Path("multi"), amd, "application/vnd.oci.image.layer.v1.tar+gzip",
                 {{"os", "linux"}, {"architecture", "amd64"}});
  WriteOciLayout(Path("multi"), arm, "application/vnd.oci.image.layer.v1.tar+gzip",
                 {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}});
  auto tree = Load(Path("multi"));
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(**tree->ReadContent("/arch"), "amd64");
  SourceOptions options;
  options.platform = *ParsePlatform("linux/arm64");
  options.platform_given = true;
  tree = Load(Path("multi"), options);
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(**tree->ReadContent("/arch"), "arm64");
  options.platform = *ParsePlatform("linux/s390x");
  tree = Load(Path("multi"), options);
  ASSERT_FALSE(tree);
  EXPECT_NE(tree.error().message().find("linux/amd64, linux/arm64/v8"), std::string::npos) << tree.error().message();
}

TEST_F(ImageTest, OversizedWantedFileIsSkippedWithADiagnostic) {
  std::string layer = MakeTar({{"var/lib/dpkg/status", std::string(5000, 'x')}});
  MemorySource source({layer}, "{}");
  DiagnosticsCollector diagnostics;
  WalkOptions options;
  options.max_content_size = 1000;
  auto tree = WalkLayers(source, ImageConfig{}, WantEverything(), diagnostics, options);
  ASSERT_TRUE(tree);
  EXPECT_FALSE(tree->ReadContent("/var/lib/dpkg/status"));
  ASSERT_EQ(diagnostics.Snapshot().size(), 1u);
  EXPECT_NE(diagnostics.Snapshot()[0].message.find("limit"), std::string::npos);
}

TEST_F(ImageTest, NotAnImageIsUnsupported) {
  WriteFile(Path("junk.bin"), std::string(3000, 'j'));
  DiagnosticsCollector diagnostics;
  auto source = OpenLocalImage(Path("junk.bin"), {}, diagnostics);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code(), ErrorCode::kUnsupported);
}

TEST_F(ImageTest, RootfsDirectoryWalk) {
  fs::create_directories(Path("root/etc"));
  WriteFile(Path("root/usr/lib/os-release"), "ID=debian\n");
  fs::create_symlink("../usr/lib/os-release", Path("root/etc/os-release"));
  fs::create_symlink("/etc/shadow", Path("root/etc/evil"));
  DiagnosticsCollector diagnostics;
  auto tree = WalkDirectory(Path("root"), WantEverything(), diagnostics);
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(**tree->ReadContent("/etc/os-release"), "ID=debian\n");
  EXPECT_FALSE(tree->ReadContent("/etc/evil"));  // the host's /etc/shadow is never read
}

TEST(TarIndexTest, NormalizeMemberName) {
  EXPECT_EQ(NormalizeMemberName("./a//b/"), "a/b");
  EXPECT_EQ(NormalizeMemberName("a/../b"), "");
}

TEST(ConfigTest, CreatedBySkipsEmptyLayers) {
  auto config = ParseImageConfig(
      R"({"history":[{"created_by":"ENV A=1","empty_layer":true},{"created_by":"ADD rootfs"},{"created_by":"RUN x"}],
          "rootfs":{"diff_ids":["sha256:a","sha256:b"]}})");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->CreatedBy(0), "ADD rootfs");
  EXPECT_EQ(config->CreatedBy(1), "RUN x");
  EXPECT_EQ(config->CreatedBy(2), "");
  EXPECT_FALSE(ParseImageConfig("[1,2"));
}

}  // namespace
}  // namespace customs::image

namespace customs::image {
namespace {

TEST_F(ImageTest, LayerCacheSkipsKnownLayersAndSurvivesCorruption) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kGzip, {"a", "b", "c"});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  LayerCache cache(Path("cache"), "test-filter:1");
  auto walk = [&](WalkStats* stats) -> Result<FileTree> {
    DiagnosticsCollector diagnostics;
    CUSTOMS_ASSIGN_OR_RETURN(auto source, OpenLocalImage(Path("oci"), {}, diagnostics));
    CUSTOMS_ASSIGN_OR_RETURN(auto config, ParseImageConfig(source->ConfigJson()));
    WalkOptions options;
    options.cache = &cache;
    options.stats = stats;
    return WalkLayers(*source, config, WantEverything(), diagnostics, options);
  };
  WalkStats cold;
  auto first = walk(&cold);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(cold.layers_read.load(), 3u);
  EXPECT_EQ(cold.layers_from_cache.load(), 0u);
  // Warm, unchanged blobs: every layer comes from the cache.
  WalkStats warm;
  auto second = walk(&warm);
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(warm.layers_read.load(), 0u);
  EXPECT_EQ(warm.layers_from_cache.load(), 3u);
  EXPECT_EQ(Summary(*second), Summary(*first));
  // A blob replaced in place (here emptied) is not the blob that was verified: the cache must not stand in for it,
  // and reading it fails verification.
  const std::string middle = Sha256::HexOf(image.blobs[1]);
  WriteFile(Path("oci") / "blobs/sha256" / middle, "");
  WalkStats emptied;
  auto third = walk(&emptied);
  ASSERT_FALSE(third) << "a changed blob must be read, not taken from the cache";
  EXPECT_EQ(third.error().code(), ErrorCode::kCorrupt);
  // Restored (new inode and times): read once and verified again, then cached under its new identity.
  WriteFile(Path("oci") / "blobs/sha256" / middle, image.blobs[1]);
  WalkStats restored;
  ASSERT_TRUE(walk(&restored));
  EXPECT_EQ(restored.layers_read.load(), 1u);
  EXPECT_EQ(restored.layers_from_cache.load(), 2u);
  // A corrupted cache entry is detected and the layer is read again.
  for (const auto& entry : fs::directory_iterator(Path("cache"))) {
    std::string data = ReadAll(entry.path());
    data[data.size() / 2] ^= 1;
    WriteFile(entry.path(), data);
  }
  WalkStats broken;
  auto fourth = walk(&broken);
  ASSERT_TRUE(fourth) << fourth.error().ToString();
  EXPECT_EQ(broken.layers_read.load(), 3u);
  EXPECT_EQ(Summary(*fourth), Summary(*first));
}

TEST_F(ImageTest, TruncatedDockerArchiveLayerIsNeverTakenFromTheCache) {
  TestImage image = MakeImage(ThreeLayers(), Filter::kNone, {"a", "b", "c"});
  std::string archive = DockerArchive(image);
  WriteFile(Path("image.tar"), archive);
  LayerCache cache(Path("cache"), "test-filter:1");
  auto walk = [&](const fs::path& path, WalkStats* stats) -> Result<FileTree> {
    DiagnosticsCollector diagnostics;
    CUSTOMS_ASSIGN_OR_RETURN(auto source, OpenLocalImage(path, {}, diagnostics));
    CUSTOMS_ASSIGN_OR_RETURN(auto config, ParseImageConfig(source->ConfigJson()));
    WalkOptions options;
    options.cache = &cache;
    options.stats = stats;
    return WalkLayers(*source, config, WantEverything(), diagnostics, options);
  };
  WalkStats cold;
  ASSERT_TRUE(walk(Path("image.tar"), &cold));
  EXPECT_EQ(cold.layers_read.load(), 3u);
  // The same archive with the second layer's member cut short: the diff_id is cached, the bytes are not it.
  TestImage cut = image;
  cut.uncompressed[1] = cut.uncompressed[1].substr(0, cut.uncompressed[1].size() / 2);
  json config = json::parse(image.config);  // keep the original diff_ids: they are what the archive claims
  cut.config = config.dump();
  WriteFile(Path("cut.tar"), DockerArchive(cut));
  WalkStats warm;
  auto tree = walk(Path("cut.tar"), &warm);
  ASSERT_FALSE(tree) << "a truncated layer must fail even when its diff_id is cached";
  // And the original, untouched archive still comes from the cache.
  WalkStats again;
  ASSERT_TRUE(walk(Path("image.tar"), &again));
  EXPECT_EQ(again.layers_from_cache.load(), 3u);
}

// Records the path, size and sha256 of every file whose name ends in ".bin" (kWant) or whose content starts with
// "MAGIC" (kPeek), and reports a diagnostic for every file named "bad.bin".
class TestExtractor final : public FileExtractor {
 public:
  std::string_view name() const override { return "test"; }
  int version() const override { return 1; }
  std::unique_ptr<LayerVisitor> StartLayer(int layer, Diagnostics& diagnostics) const override {
    return std::make_unique<Visitor>(layer, diagnostics);
  }

 private:
  class Visitor final : public LayerVisitor {
   public:
    Visitor(int layer, Diagnostics& diagnostics) : layer_(layer), diagnostics_(diagnostics) {}
    Interest Inspect(const EntryHeader& header) override {
      EXPECT_EQ(header.layer, layer_);
      path_ = std::string(header.path);
      return path_.ends_with(".bin") ? Interest::kWant : Interest::kPeek;
    }
    bool InspectHead(const EntryHeader& header, std::string_view head) override {
      EXPECT_LE(head.size(), std::min<std::uint64_t>(header.size, kHeadSize));
      return head.starts_with("MAGIC");
    }
    void Data(std::string_view chunk) override {
      hash_.Update(chunk);
      size_ += chunk.size();
    }
    void EndFile(bool complete) override {
      record_ += fmt::format("{} {} {} {}\n", path_, size_, hash_.FinishHex(), complete ? "complete" : "partial");
      if (path_.ends_with("/bad.bin")) diagnostics_.Warn("test", path_, "bad file");
      hash_ = Sha256();
      size_ = 0;
    }
    std::string Finish() override { return record_; }

   private:
    int layer_;
    Diagnostics& diagnostics_;
    std::string path_;
    Sha256 hash_;
    std::uint64_t size_ = 0;
    std::string record_;
  };
};

TEST_F(ImageTest, ExtractorsSeeEveryWantedFileOnceAndTheirRecordsAreCached) {
  std::string big(3 * LayerVisitor::kHeadSize + 17, 'x');
  std::string magic = "MAGIC" + std::string(100000, 'm');  // spans several read chunks
  std::vector<std::vector<Entry>> layers = {
      {{"app", "", '5'}, {"app/a.bin", big}, {"app/magic.dat", magic}, {"app/plain.txt", "no"}, {"app/bad.bin", "b"}},
      {{"app/.wh.a.bin", ""}, {"app/tiny", "MAG"}},
      {{"app/magic.dat", "MAGIC2"}},
  };
  TestImage image = MakeImage(layers, Filter::kGzip, {"a", "b", "c"});
  WriteOciLayout(Path("oci"), image, "application/vnd.oci.image.layer.v1.tar+gzip");
  TestExtractor extractor;
  LayerCache cache(Path("cache"), "test-filter:1,extract-test:1");
  auto walk = [&](WalkStats* stats, std::vector<Diagnostic>* out) -> Result<FileTree> {
    DiagnosticsCollector diagnostics;
    CUSTOMS_ASSIGN_OR_RETURN(auto source, OpenLocalImage(Path("oci"), {}, diagnostics));
    CUSTOMS_ASSIGN_OR_RETURN(auto config, ParseImageConfig(source->ConfigJson()));
    WalkOptions options;
    options.cache = &cache;
    options.stats = stats;
    options.extractors = {&extractor};
    auto tree = WalkLayers(*source, config, PathFilter{}, diagnostics, options);
    *out = diagnostics.Take();
    return tree;
  };
  WalkStats cold;
  std::vector<Diagnostic> cold_diagnostics;
  auto tree = walk(&cold, &cold_diagnostics);
  ASSERT_TRUE(tree) << tree.error().ToString();
  ASSERT_NE(tree->Record(0, "test"), nullptr);
  EXPECT_EQ(*tree->Record(0, "test"),
            fmt::format("/app/a.bin {} {} complete\n/app/magic.dat {} {} complete\n/app/bad.bin 1 {} complete\n",
                        big.size(), Sha256::HexOf(big), magic.size(), Sha256::HexOf(magic), Sha256::HexOf("b")));
  EXPECT_EQ(tree->Record(1, "test"), nullptr) << "a 3-byte file is shorter than the magic: not wanted";
  EXPECT_EQ(*tree->Record(2, "test"), fmt::format("/app/magic.dat 6 {} complete\n", Sha256::HexOf("MAGIC2")));
  EXPECT_FALSE(tree->SurvivesFrom("/app/a.bin", 0)) << "deleted by layer 1";
  EXPECT_FALSE(tree->SurvivesFrom("/app/magic.dat", 0)) << "overwritten by layer 2";
  EXPECT_TRUE(tree->SurvivesFrom("/app/magic.dat", 2));
  EXPECT_TRUE(tree->SurvivesFrom("/app/bad.bin", 0));
  ASSERT_EQ(cold_diagnostics.size(), 1u);
  EXPECT_EQ(cold_diagnostics[0].subject, "/app/bad.bin");
  // Warm: nothing is read, the records and the diagnostic come back from the cache.
  WalkStats warm;
  std::vector<Diagnostic> warm_diagnostics;
  auto again = walk(&warm, &warm_diagnostics);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(warm.layers_from_cache.load(), 3u);
  EXPECT_EQ(*again->Record(0, "test"), *tree->Record(0, "test"));
  EXPECT_EQ(*again->Record(2, "test"), *tree->Record(2, "test"));
  ASSERT_EQ(warm_diagnostics.size(), 1u);
  EXPECT_EQ(warm_diagnostics[0].message, "bad file");
  // A root filesystem directory gives the same records for the same files (layer 0).
  fs::create_directories(Path("root/app"));
  WriteFile(Path("root/app/a.bin"), big);
  WriteFile(Path("root/app/magic.dat"), magic);
  WriteFile(Path("root/app/plain.txt"), "no");
  DiagnosticsCollector rootfs_diagnostics;
  auto rootfs = WalkDirectory(Path("root"), PathFilter{}, rootfs_diagnostics, 256ull << 20, {&extractor});
  ASSERT_TRUE(rootfs) << rootfs.error().ToString();
  ASSERT_NE(rootfs->Record(0, "test"), nullptr);
  EXPECT_NE(rootfs->Record(0, "test")->find(fmt::format("/app/a.bin {} {} complete", big.size(), Sha256::HexOf(big))),
            std::string::npos);
  EXPECT_NE(rootfs->Record(0, "test")->find(fmt::format("/app/magic.dat {} {}", magic.size(), Sha256::HexOf(magic))),
            std::string::npos);
  EXPECT_EQ(rootfs->Record(0, "test")->find("plain.txt"), std::string::npos);
}

TEST(LayerCacheTest, RoundTripAndTruncation) {
  LayerDelta delta;
  delta.opaque_dirs = {"/opt"};
  delta.whiteouts = {"/tmp/x"};
  FileNode node;
  node.type = FileType::kSymlink;
  node.link_target = "/etc/shadow";
  node.mode = 0777;
  delta.entries.emplace_back("/etc/link", node);
  FileNode file;
  file.content = std::make_shared<const std::string>("Package: bash\n");
  file.size = 14;
  delta.entries.emplace_back("/var/lib/dpkg/status", file);
  delta.records["java"] = std::string("rec\0ord", 7);
  delta.diagnostics.push_back({DiagnosticLevel::kIncomplete, "catalog/java", "/app.jar", "zip bomb"});
  std::string data = SerializeLayerDelta(delta, {"file:1:2:3"});
  std::vector<std::string> identities;
  auto back = DeserializeLayerDelta(data, 7, &identities);
  ASSERT_TRUE(back);
  EXPECT_EQ(identities, std::vector<std::string>{"file:1:2:3"});
  EXPECT_EQ(back->records, delta.records);
  ASSERT_EQ(back->diagnostics.size(), 1u);
  EXPECT_EQ(back->diagnostics[0].level, DiagnosticLevel::kIncomplete);
  EXPECT_EQ(back->diagnostics[0].message, "zip bomb");
  EXPECT_EQ(back->opaque_dirs, delta.opaque_dirs);
  EXPECT_EQ(back->whiteouts, delta.whiteouts);
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[0].second.link_target, "/etc/shadow");
  EXPECT_EQ(back->entries[1].second.layer, 7);
  EXPECT_EQ(*back->entries[1].second.content, "Package: bash\n");
  for (std::size_t cut = 0; cut < data.size(); cut += 5) {
    EXPECT_FALSE(DeserializeLayerDelta(data.substr(0, cut), 0)) << cut;
  }
}

}  // namespace
}  // namespace customs::image
