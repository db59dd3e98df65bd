#include "core/file_tree.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

FileNode Regular(std::string content, int layer = 0) {
  FileNode node;
  node.layer = layer;
  node.size = content.size();
  node.content = std::make_shared<const std::string>(std::move(content));
  return node;
}

FileNode Link(std::string target, FileType type = FileType::kSymlink) {
  FileNode node;
  node.type = type;
  node.link_target = std::move(target);
  return node;
}

TEST(NormalizePathTest, Cases) {
  EXPECT_EQ(NormalizePath("./a//b/../c/"), "/a/c");
  EXPECT_EQ(NormalizePath("../../etc/shadow"), "/etc/shadow");
  EXPECT_EQ(NormalizePath("/"), "");
  EXPECT_EQ(NormalizePath("etc/os-release"), "/etc/os-release");
}

TEST(FileTreeTest, SymlinksStayInsideTheRoot) {
  FileTree tree;
  tree.Put("/usr/lib/os-release", Regular("ID=debian"));
  tree.Put("/etc/os-release", Link("../usr/lib/os-release"));
  tree.Put("/evil", Link("/../../../../etc/shadow"));
  EXPECT_EQ(**tree.ReadContent("/etc/os-release"), "ID=debian");
  auto evil = tree.Resolve("/evil");
  ASSERT_TRUE(evil);
  EXPECT_EQ(*evil, "/etc/shadow");  // inside the image, never the host's
  EXPECT_FALSE(tree.ReadContent("/evil"));
}

TEST(FileTreeTest, DirectorySymlinkInTheMiddle) {
  FileTree tree;
  tree.Put("/lib", Link("usr/lib"));
  tree.Put("/usr/lib/apk/db/installed", Regular("P:musl"));
  EXPECT_EQ(**tree.ReadContent("/lib/apk/db/installed"), "P:musl");
}

TEST(FileTreeTest, SymlinkLoopIsAnError) {
  FileTree tree;
  tree.Put("/a", Link("/b"));
  tree.Put("/b", Link("/a"));
  auto result = tree.Resolve("/a");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kCorrupt);
}

TEST(FileTreeTest, HardLinkReadsItsTarget) {
  FileTree tree;
  tree.Put("/bin/a", Regular("x"));
  tree.Put("/bin/b", Link("bin/a", FileType::kHardLink));
  EXPECT_EQ(**tree.ReadContent("/bin/b"), "x");
}

TEST(FileTreeTest, WhiteoutRemovesSubtreeOnly) {
  FileTree tree;
  tree.Put("/a", Regular("1"));
  tree.Put("/a/b", Regular("2"));
  tree.Put("/ab", Regular("3"));
  EXPECT_EQ(tree.Remove("/a"), 2u);
  EXPECT_EQ(tree.Find("/a/b"), nullptr);
  EXPECT_NE(tree.Find("/ab"), nullptr);
}

TEST(FileTreeTest, OpaqueKeepsSameLayerChildren) {
  FileTree tree;
  tree.Put("/d/old", Regular("1", 0));
  tree.Put("/d/new", Regular("2", 1));
  EXPECT_EQ(tree.RemoveChildrenOlderThan("/d", 1), 1u);
  EXPECT_EQ(tree.Find("/d/old"), nullptr);
  EXPECT_NE(tree.Find("/d/new"), nullptr);
}

}  // namespace
}  // namespace customs
