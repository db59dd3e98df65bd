#include "lint/shell/shell_commands.h"

#include <gtest/gtest.h>

#include "lint/shell/packages.h"

namespace customs::lint {
namespace {

std::vector<std::string> Programs(std::string_view script) {
  std::vector<std::string> out;
  for (const auto& c : SplitShellCommands(script)) out.push_back(c.Program());
  return out;
}

TEST(ShellCommands, ListsPipesAndSubstitutions) {
  EXPECT_EQ(Programs("a && b; c | d || e & f"), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(Programs("sh -c 'apt-get install -y x && rm -rf y'"), (std::vector<std::string>{"sh", "apt-get", "rm"}));
  EXPECT_EQ(Programs("echo $(curl -s x | sha256sum) `wget y`"),
            (std::vector<std::string>{"echo", "curl", "sha256sum", "wget"}));
  EXPECT_EQ(Programs("FOO=1 sudo -u app env A=b /usr/bin/pip install x"), (std::vector<std::string>{"pip"}));

  auto cmds = SplitShellCommands("curl -fsSL x 2>/dev/null | bash -s -- -y");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_TRUE(cmds[0].pipes_to_next);
  EXPECT_TRUE(cmds[1].piped_from_previous);
  EXPECT_EQ(cmds[0].argv, (std::vector<std::string>{"curl", "-fsSL", "x"}));
}

TEST(ShellCommands, QuotesAndContinuations) {
  auto cmds = SplitShellCommands("apt-get install -y \\\n  \"a b\" 'c'\\\n  d # comment && rm x\nls");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].argv, (std::vector<std::string>{"apt-get", "install", "-y", "a b", "c", "d"}));
  EXPECT_EQ(cmds[1].Program(), "ls");
}

TEST(ShellCommands, Pipefail) {
  EXPECT_TRUE(SetsPipefail("set -eux -o pipefail; a | b"));
  EXPECT_TRUE(SetsPipefail("set -o pipefail && a | b"));
  EXPECT_FALSE(SetsPipefail("a | b; set -o pipefail"));
}

TEST(Packages, AptGet) {
  auto run = AnalyzeRun(
      "apt-get update && apt-get -q install -y --no-install-recommends curl=7.88 libssl-dev nmap/bookworm "
      "&& rm -rf /var/lib/apt/lists/*",
      {});
  ASSERT_EQ(run.installs.size(), 1u);
  const auto& in = run.installs[0];
  EXPECT_EQ(in.manager, "apt-get");
  EXPECT_TRUE(in.assume_yes);
  EXPECT_TRUE(in.no_install_recommends);
  ASSERT_EQ(in.packages.size(), 3u);
  EXPECT_EQ(in.packages[0].name, "curl");
  EXPECT_TRUE(in.packages[0].pinned);
  EXPECT_EQ(in.packages[1].name, "libssl-dev");
  EXPECT_FALSE(in.packages[1].pinned);
  EXPECT_EQ(in.packages[2].name, "nmap");
  EXPECT_TRUE(run.apt_lists_removed);
  EXPECT_TRUE(run.apt_update);
}

TEST(Packages, OtherManagers) {
  struct Case {
    const char* script;
    const char* manager;
    const char* first;
    bool pinned;
  };
  const Case cases[] = {
      {"apk add --no-cache --virtual .deps gcc=13.2 musl-dev", "apk", "gcc", true},
      {"yum install -y httpd-2.4.6 && yum clean all", "yum", "httpd", true},
      {"dnf -y install nginx", "dnf", "nginx", false},
      {"microdnf install -y shadow-utils", "microdnf", "shadow-utils", false},
      {"zypper --non-interactive install curl", "zypper", "curl", false},
      {"pip3 install --no-cache-dir -r req.txt flask==3.0", "pip", "flask", true},
      {"python3 -m pip install 'requests>=2'", "pip", "requests", true},
      {"npm install -g @angular/cli@17.0.0", "npm", "@angular/cli", true},
      {"gem install bundler -v 2.5", "gem", "bundler", false},
      {"go install golang.org/x/tools/cmd/goimports@v0.20.0", "go", "golang.org/x/tools/cmd/goimports", true},
  };
  for (const auto& c : cases) {
    auto run = AnalyzeRun(c.script, {});
    ASSERT_EQ(run.installs.size(), 1u) << c.script;
    EXPECT_EQ(run.installs[0].manager, c.manager) << c.script;
    ASSERT_FALSE(run.installs[0].packages.empty()) << c.script;
    EXPECT_EQ(run.installs[0].packages[0].name, c.first) << c.script;
    EXPECT_EQ(run.installs[0].packages[0].pinned, c.pinned) << c.script;
  }
}

TEST(Packages, CacheMount) {
  auto run = AnalyzeRun("apt-get install -y x", {"--mount=type=cache,target=/var/lib/apt,sharing=locked"});
  EXPECT_TRUE(run.CacheMounted("/var/lib/apt"));
  EXPECT_FALSE(run.CacheMounted("/root/.cache"));
}

}  // namespace
}  // namespace customs::lint
