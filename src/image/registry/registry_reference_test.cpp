#include "image/registry/registry_reference.h"

#include <gtest/gtest.h>

namespace customs::image::registry {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Case {
  std::string input;
  std::string registry;
  std::string repository;
  std::string tag;
  std::string digest;
  std::string api_host;
};

TEST(RegistryReference, NormalisesTable) {
  const Case cases[] = {
      {"alpine", "docker.io", "library/alpine", "latest", "", "registry-1.docker.io"},
      {"alpine:3.20", "docker.io", "library/alpine", "3.20", "", "registry-1.docker.io"},
      {"library/alpine", "docker.io", "library/alpine", "latest", "", "registry-1.docker.io"},
      {"docker.io/alpine", "docker.io", "library/alpine", "latest", "", "registry-1.docker.io"},
      {"index.docker.io/user/app:v1", "docker.io", "user/app", "v1", "", "registry-1.docker.io"},
      {"user/app", "docker.io", "user/app", "latest", "", "registry-1.docker.io"},
      {"ghcr.io/org/app", "ghcr.io", "org/app", "latest", "", "ghcr.io"},
      {"ghcr.io/org/sub/app:1.2.3-rc_1", "ghcr.io", "org/sub/app", "1.2.3-rc_1", "", "ghcr.io"},
      {"localhost/app", "localhost", "app", "latest", "", "localhost"},
      {"localhost:5000/app:tag", "localhost:5000", "app", "tag", "", "localhost:5000"},
      {"127.0.0.1:40000/test/bookworm:1", "127.0.0.1:40000", "test/bookworm", "1", "", "127.0.0.1:40000"},
      {"[::1]:5000/x", "[::1]:5000", "x", "latest", "", "[::1]:5000"},
      {"alpine@" + kDigest, "docker.io", "library/alpine", "", kDigest, "registry-1.docker.io"},
      {"ghcr.io/org/app:1@" + kDigest, "ghcr.io", "org/app", "1", kDigest, "ghcr.io"},
      {"registry.example.com:443/a__b/c-d/e.f:x", "registry.example.com:443", "a__b/c-d/e.f", "x", "",
       "registry.example.com:443"},
      {"a---b", "docker.io", "library/a---b", "latest", "", "registry-1.docker.io"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto ref = ParseReference(c.input);
    ASSERT_TRUE(ref) << ref.error().ToString();
    EXPECT_EQ(ref->registry, c.registry);
    EXPECT_EQ(ref->repository, c.repository);
    EXPECT_EQ(ref->tag, c.tag);
    EXPECT_EQ(ref->digest, c.digest);
    EXPECT_EQ(ref->ApiHost(), c.api_host);
    EXPECT_EQ(ref->ManifestReference(), c.digest.empty() ? c.tag : c.digest);
    auto again = ParseReference(ref->ToString());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->ToString(), ref->ToString());
  }
}

TEST(RegistryReference, RejectsMalformedTable) {
  const std::string rejected[] = {
      "",
      "Alpine",     // uppercase repository
      "alpine:",    // empty tag
      "alpine:-x",  // tag may not start with -
      "alpine:" + std::string(129, 'a'),
      "alpine@sha256:abc",  // short digest
      "alpine@md5:" + std::string(32, 'a'),
      "alpine@sha256:" + std::string(64, 'A'),  // uppercase hex
      "ghcr.io/",                               // no repository
      "ghcr.io//app",
      "app_",  // separator at the end
      "a..b",
      "https://ghcr.io/org/app",
      "alpine latest",
      "-bad.host/app",
      "host:port/app",
      "ghcr.io/org/app:1\n",
  };
  for (const std::string& input : rejected) {
    auto ref = ParseReference(input);
    EXPECT_FALSE(ref) << "accepted \"" << input << "\" as " << (ref ? ref->ToString() : "");
    if (!ref) {
      EXPECT_EQ(ref.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(RegistryReference, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("localhost:1"));
  EXPECT_TRUE(IsLoopbackHost("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackHost("127.example.com"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackHost("localhost.evil.com"));
}

}  // namespace
}  // namespace customs::image::registry
