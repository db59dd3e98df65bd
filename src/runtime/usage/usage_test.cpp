// Usage records: what is counted, the bound, the file format (round trip, merge on load, hostile lines).
#include "runtime/usage/usage.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace customs::runtime {
namespace {

std::string ReadFileForTest(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Event ContainerEvent(EventType type, const std::string& path, const std::string& image_id = "sha256:aa") {
  Event e;
  e.type = type;
  e.time_ns = 1'764'770'000'000'000'000ull;
  e.container_id = std::string(64, 'b');
  auto meta = std::make_shared<ContainerMetadata>();
  meta->image = "registry:5000/app:1";
  meta->image_id = image_id;
  meta->from_engine = true;
  e.container = meta;
  if (type == EventType::kExecve) {
    e.exepath = path;
  } else {
    e.path = path;
    e.flags = O_RDONLY | O_CLOEXEC;
    e.fd_kind = FdKind::kFile;
  }
  return e;
}

TEST(Usage, CountsExecsAndReadsOfContainerProcesses) {
  UsageRecorder r;
  EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kExecve, "/usr/bin/curl")));
  EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kOpenat, "/usr/lib/x86_64-linux-gnu/libcurl.so.4")));
  EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kOpenat, "/usr/lib/x86_64-linux-gnu/libcurl.so.4")));
  Event write = ContainerEvent(EventType::kOpenat, "/tmp/out");
  write.flags = O_WRONLY | O_CREAT;
  EXPECT_FALSE(r.Observe(write));
  EXPECT_FALSE(r.Observe(ContainerEvent(EventType::kOpenat, "/proc/self/maps")));
  Event failed = ContainerEvent(EventType::kOpenat, "/etc/missing");
  failed.res = -2;
  EXPECT_FALSE(r.Observe(failed));
  Event host = ContainerEvent(EventType::kExecve, "/usr/bin/ls");
  host.container_id.clear();
  EXPECT_FALSE(r.Observe(host));
  EXPECT_FALSE(r.Observe(ContainerEvent(EventType::kConnect, "")));
  EXPECT_FALSE(r.Observe(ContainerEvent(EventType::kExecve, "/usr/bin/evil\tname")));
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.Serialize(),
            "# customs usage v1: image-key, image-name, path, how, count, last-seen\n"
            "sha256:aa\tregistry:5000/app:1\t/usr/bin/curl\texec\t1\t1764770000\n"
            "sha256:aa\tregistry:5000/app:1\t/usr/lib/x86_64-linux-gnu/libcurl.so.4\topen\t2\t1764770000\n");
}

TEST(Usage, TheImageKeyIsTheDigestThenTheIdThenTheName) {
  ContainerMetadata m;
  m.image = "app:1";
  EXPECT_EQ(UsageImageKey(m), "app:1");
  m.image_id = "sha256:id";
  EXPECT_EQ(UsageImageKey(m), "sha256:id");
  m.image_digest = "sha256:digest";
  EXPECT_EQ(UsageImageKey(m), "sha256:digest");
}

TEST(Usage, BoundedAndOrdinaryEventsDoNotGrowIt) {
  UsageRecorder r(2);
  EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kExecve, "/a")));
  EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kExecve, "/b")));
  EXPECT_FALSE(r.Observe(ContainerEvent(EventType::kExecve, "/c")));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(r.Observe(ContainerEvent(EventType::kExecve, "/a")));
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.dropped(), 1u);
  EXPECT_NE(r.Serialize().find("/a\texec\t1001\t"), std::string::npos);
}

TEST(Usage, SaveLoadMergesInPlace) {
  char dir_template[] = "/tmp/customs-usage-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::filesystem::path file = std::filesystem::path(dir_template) / "usage.tsv";
  UsageRecorder first;
  ASSERT_TRUE(first.Load(file).has_value());  // no file yet: nothing, no error
  first.Observe(ContainerEvent(EventType::kExecve, "/usr/bin/curl"));
  ASSERT_TRUE(first.Save(file).has_value());
  UsageRecorder second;
  ASSERT_TRUE(second.Load(file).has_value());
  second.Observe(ContainerEvent(EventType::kExecve, "/usr/bin/curl"));
  second.Observe(ContainerEvent(EventType::kOpenat, "/usr/bin/curl"));
  second.Observe(ContainerEvent(EventType::kExecve, "/usr/bin/true", "sha256:bb"));
  ASSERT_TRUE(second.Save(file).has_value());
  auto entries = ParseUsage(ReadFileForTest(file));
  ASSERT_TRUE(entries.has_value()) << entries.error().message();
  ASSERT_EQ(entries->size(), 2u);  // one line per (image, file)
  EXPECT_EQ((*entries)[0].path, "/usr/bin/curl");
  EXPECT_EQ((*entries)[0].count, 3u);
  EXPECT_EQ((*entries)[0].how, kUsageExec | kUsageOpen);
  EXPECT_EQ((*entries)[1].image_key, "sha256:bb");
  std::filesystem::remove_all(dir_template);
}

TEST(Usage, HostileLinesAreErrorsWithTheLine) {
  for (const char* text : {"a\tb\t/x\tfly\t1\t2\n", "a\tb\trelative\topen\t1\t2\n", "a\tb\t/x\topen\tmany\t2\n",
                           "# ok\na\tb\t/x\topen\t1\n", "a\tb\t/x\topen\t1\t2\textra\n", "\tb\t/x\topen\t1\t2\n"}) {
    auto parsed = ParseUsage(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(parsed.error().message().find("usage line"), std::string::npos);
  }
}

}  // namespace
}  // namespace customs::runtime
