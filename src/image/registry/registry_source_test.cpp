#include "image/registry/registry_source.h"

#include <gtest/gtest.h>

namespace customs::image::registry {
namespace {

constexpr char kIndex[] = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":10,
  "digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
  "platform":{"os":"linux","architecture":"amd64"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":11,
  "digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222",
  "platform":{"os":"linux","architecture":"arm","variant":"v7"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":12,
  "digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333",
  "platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
 {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":13,
  "digest":"sha256:4444444444444444444444444444444444444444444444444444444444444444",
  "platform":{"os":"unknown","architecture":"unknown"}}]})";

TEST(RegistrySource, ChoosesPlatformFromIndex) {
  struct Case {
    std::string platform;
    char digit;
  };
  for (const Case& c :
       {Case{"linux/amd64", '1'}, Case{"linux/arm/v7", '2'}, Case{"linux/arm64", '3'}, Case{"linux/arm64/v8", '3'}}) {
    SCOPED_TRACE(c.platform);
    auto platform = ParsePlatformText(c.platform);
    ASSERT_TRUE(platform);
    auto choice = ChooseFromIndex(kIndex, *platform);
    ASSERT_TRUE(choice) << choice.error().ToString();
    EXPECT_EQ(choice->digest, "sha256:" + std::string(64, c.digit));
  }
}

TEST(RegistrySource, MissingPlatformListsAvailable) {
  auto choice = ChooseFromIndex(kIndex, Platform{"linux", "s390x", ""});
  ASSERT_FALSE(choice);
  EXPECT_EQ(choice.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(choice.error().message().find("linux/amd64, linux/arm/v7, linux/arm64/v8"), std::string::npos)
      << choice.error().message();
  EXPECT_EQ(choice.error().message().find("unknown"), std::string::npos);
  auto arm_v6 = ChooseFromIndex(kIndex, Platform{"linux", "arm", "v6"});
  EXPECT_FALSE(arm_v6);
}

TEST(RegistrySource, RejectsBrokenIndex) {
  EXPECT_FALSE(ChooseFromIndex("{", Platform{}));
  EXPECT_FALSE(ChooseFromIndex(R"({"manifests":{}})", Platform{}));
  EXPECT_FALSE(ChooseFromIndex(
      R"({"manifests":[{"digest":"sha256:x","platform":{"os":"linux","architecture":"amd64"}}]})", Platform{}));
}

TEST(RegistrySource, PlatformText) {
  EXPECT_FALSE(ParsePlatformText("linux"));
  EXPECT_FALSE(ParsePlatformText("linux//v7"));
  EXPECT_FALSE(ParsePlatformText("a/b/c/d"));
  auto platform = ParsePlatformText("linux/arm/v7");
  ASSERT_TRUE(platform);
  EXPECT_EQ(PlatformText(*platform), "linux/arm/v7");
}

TEST(RegistrySource, UnreachableRegistryIsANetworkError) {
  // Port 1 on loopback: nothing listens there; the error must be a clear network error, quickly.
  auto reference = ParseReference("127.0.0.1:1/nothing/here:1");
  ASSERT_TRUE(reference);
  RegistryOptions options;
  options.client.max_attempts = 1;
  options.client.connect_timeout = std::chrono::seconds(2);
  auto source = RegistrySource::Open(*reference, options);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code(), ErrorCode::kNetwork) << source.error().ToString();
}

TEST(RegistrySource, FromManifestRefusesWhatIsNotAnImageManifestBeforeAnyTraffic) {
  // No registry listens on port 1: each case must fail on the manifest itself, before the config is fetched.
  auto reference = ParseReference("127.0.0.1:1/library/app@sha256:" + std::string(64, '5'));
  ASSERT_TRUE(reference);
  RegistryOptions options;
  options.client.max_attempts = 1;
  auto index = RegistrySource::FromManifest(*reference, kIndex, "", options);
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code(), ErrorCode::kUnsupported);
  auto garbage = RegistrySource::FromManifest(*reference, "{not json", "", options);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code(), ErrorCode::kCorrupt);
  std::string bad_layer =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:)" +
      std::string(64, '6') + R"("},"layers":[{"digest":"md5:00"}]})";
  auto layer = RegistrySource::FromManifest(*reference, bad_layer, "", options);
  ASSERT_FALSE(layer);
  EXPECT_EQ(layer.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(layer.error().message().find("md5:00"), std::string::npos);
}

}  // namespace
}  // namespace customs::image::registry
