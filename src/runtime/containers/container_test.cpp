#include "runtime/containers/container.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/file_util.h"

namespace customs::runtime {
namespace {

const std::string kId = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";

TEST(ContainerIdTest, RuntimeLayouts) {
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/machine.slice/libpod-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/machine.slice/libpod-" + kId + ".scope/container"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/libpod_parent/libpod-" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods.slice/kubepods-burstable.slice/crio-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods/besteffort/pod1/cri-containerd-" + kId + ".scope"), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/" + kId), kId);  // plain runc default
  EXPECT_FALSE(ContainerIdFromCgroupPath("/"));
  EXPECT_FALSE(ContainerIdFromCgroupPath("/system.slice/ssh.service"));
  EXPECT_FALSE(ContainerIdFromCgroupPath("/user.slice/user-1000.slice/session-2.scope"));
  EXPECT_FALSE(ContainerIdFromCgroupPath("/system.slice/docker-notanid.scope"));
  EXPECT_FALSE(ContainerIdFromCgroupPath("/system.slice/crio-conmon-" + kId + ".scope"));
}

// A directory tree stands in for the cgroup hierarchy and /run/runc (cgroupfs cannot be mounted by a test).
TEST(ContainerResolverTest, AttributesByPathAndRuncState) {
  auto dir = TempDir::Create("runtime-cgroup");
  ASSERT_TRUE(dir);
  auto root = dir->path() / "cg";
  std::filesystem::create_directories(root / "system.slice" / ("docker-" + kId + ".scope"));
  std::filesystem::create_directories(root / "mytests" / "web1");
  std::filesystem::create_directories(dir->path() / "runc" / "web1");
  {
    std::ofstream state(dir->path() / "runc" / "web1" / "state.json");
    state << R"({"id":"web1","cgroup_paths":{"":")" << (root / "mytests" / "web1").string()
          << R"("},"config":{"labels":["io.kubernetes.cri.image-name=nginx:1.25"]}})";
  }
  ContainerResolver resolver(root, dir->path() / "runc");
  resolver.Scan();
  struct stat st;
  ASSERT_EQ(stat((root / "system.slice" / ("docker-" + kId + ".scope")).c_str(), &st), 0);
  EXPECT_EQ(resolver.Resolve(st.st_ino).id, kId);
  ASSERT_EQ(stat((root / "mytests" / "web1").c_str(), &st), 0);
  ContainerInfo web = resolver.Resolve(st.st_ino);
  EXPECT_EQ(web.id, "web1");
  EXPECT_EQ(web.image, "nginx:1.25");
  EXPECT_EQ(web.cgroup_dir, root / "mytests" / "web1");
  ASSERT_EQ(stat((root / "mytests").c_str(), &st), 0);
  EXPECT_TRUE(resolver.Resolve(st.st_ino).id.empty());
  EXPECT_TRUE(resolver.Resolve(123456789).id.empty());  // unknown id: host
}

}  // namespace
}  // namespace customs::runtime
