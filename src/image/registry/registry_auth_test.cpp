#include "image/registry/registry_auth.h"

#include <gtest/gtest.h>

namespace customs::image::registry {
namespace {

TEST(RegistryAuth, ParsesBearerChallenge) {
  auto challenges = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  ASSERT_TRUE(challenges);
  ASSERT_EQ(challenges->size(), 1u);
  EXPECT_EQ((*challenges)[0].scheme, "bearer");
  EXPECT_EQ((*challenges)[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*challenges)[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ((*challenges)[0].params.at("scope"), "repository:library/alpine:pull");
}

TEST(RegistryAuth, ParsesSeveralChallengesAndEscapes) {
  auto challenges =
      ParseWwwAuthenticate(R"(Basic realm="Registry \"x\"", Bearer realm=https://t/token,error=invalid_token)");
  ASSERT_TRUE(challenges);
  ASSERT_EQ(challenges->size(), 2u);
  EXPECT_EQ((*challenges)[0].scheme, "basic");
  EXPECT_EQ((*challenges)[0].params.at("realm"), "Registry \"x\"");
  EXPECT_EQ((*challenges)[1].scheme, "bearer");
  EXPECT_EQ((*challenges)[1].params.at("realm"), "https://t/token");
  EXPECT_EQ((*challenges)[1].params.at("error"), "invalid_token");
}

TEST(RegistryAuth, RejectsBrokenChallenges) {
  EXPECT_FALSE(ParseWwwAuthenticate(""));
  EXPECT_FALSE(ParseWwwAuthenticate(R"(Bearer realm="unterminated)"));
}

TEST(RegistryAuth, Base64RoundTrip) {
  for (std::string text : {"", "a", "ab", "abc", "user:pa:ss", "\xff\x00\x01"}) {
    auto decoded = Base64Decode(Base64Encode(text));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
}

Result<std::string> FakeHelper(std::string_view helper, std::string_view server_url) {
  if (helper == "fail") return MakeError(ErrorCode::kPermission, "helper failed");
  return fmt::format(R"({{"ServerURL":"{}","Username":"{}-user","Secret":"s3cret"}})", server_url, helper);
}

TEST(RegistryAuth, DockerConfigAuths) {
  std::string config = R"({"auths":{
      "https://index.docker.io/v1/":{"auth":"aHViOmh1YnBhc3M="},
      "127.0.0.1:5000":{"username":"u","password":"p"},
      "https://ghcr.io":{"auth":"Z2g6dG9rZW4="}}})";
  auto hub = LookupDockerConfig(config, "docker.io", &FakeHelper);
  ASSERT_TRUE(hub && *hub);
  EXPECT_EQ((*hub)->username, "hub");
  EXPECT_EQ((*hub)->password, "hubpass");
  auto local = LookupDockerConfig(config, "127.0.0.1:5000", &FakeHelper);
  ASSERT_TRUE(local && *local);
  EXPECT_EQ((*local)->username, "u");
  auto ghcr = LookupDockerConfig(config, "ghcr.io", &FakeHelper);
  ASSERT_TRUE(ghcr && *ghcr);
  EXPECT_EQ((*ghcr)->password, "token");
  auto none = LookupDockerConfig(config, "quay.io", &FakeHelper);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(RegistryAuth, DockerConfigHelpers) {
  std::string config = R"({"auths":{"quay.io":{}},"credHelpers":{"ghcr.io":"gh"},"credsStore":"desktop"})";
  auto ghcr = LookupDockerConfig(config, "ghcr.io", &FakeHelper);
  ASSERT_TRUE(ghcr && *ghcr);
  EXPECT_EQ((*ghcr)->username, "gh-user");
  EXPECT_EQ((*ghcr)->origin, "docker-credential-gh");
  auto quay = LookupDockerConfig(config, "quay.io", &FakeHelper);
  ASSERT_TRUE(quay && *quay);
  EXPECT_EQ((*quay)->username, "desktop-user");
  auto broken = LookupDockerConfig(R"({"credHelpers":{"x.io":"fail"}})", "x.io", &FakeHelper);
  EXPECT_FALSE(broken);
  EXPECT_FALSE(LookupDockerConfig("{not json", "x.io", &FakeHelper));
}

TEST(RegistryAuth, RealCredentialHelperProcess) {
  // A real helper executable on PATH: a shell script printing JSON, as docker-credential-* helpers do.
  char dir_template[] = "/tmp/customs-helper-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string script = dir + "/docker-credential-testhelper";
  FILE* file = std::fopen(script.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(
      "#!/bin/sh\nread url\necho \"{\\\"ServerURL\\\":\\\"$url\\\",\\\"Username\\\":\\\"$1-ok\\\","
      "\\\"Secret\\\":\\\"x\\\"}\"\n",
      file);
  std::fclose(file);
  ::chmod(script.c_str(), 0755);
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir + ":" + old_path).c_str(), 1);
  auto output = RunCredentialHelper("testhelper", "127.0.0.1:5000");
  auto missing = RunCredentialHelper("does-not-exist-customs", "x");
  ::setenv("PATH", old_path.c_str(), 1);
  std::remove(script.c_str());
  ::rmdir(dir.c_str());
  ASSERT_TRUE(output) << output.error().ToString();
  EXPECT_NE(output->find("\"Username\":\"get-ok\""), std::string::npos) << *output;
  EXPECT_NE(output->find("127.0.0.1:5000"), std::string::npos);
  EXPECT_FALSE(missing);
}

TEST(RegistryAuth, ExplicitCredentialsNeedBoth) {
  CredentialOptions options;
  options.username = "u";
  options.use_docker_config = false;
  EXPECT_FALSE(ResolveCredentials(options, "x.io"));
  options.password = "secret";
  auto found = ResolveCredentials(options, "x.io");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->origin, "--username");
}

}  // namespace
}  // namespace customs::image::registry
