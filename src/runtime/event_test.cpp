#include "runtime/event.h"

#include <gtest/gtest.h>

namespace customs::runtime {
namespace {

TEST(EventTest, JsonRoundTrip) {
  Event e;
  e.type = EventType::kConnect;
  e.time_ns = 1700000000123456789ULL;
  e.res = -111;
  e.pid = 42;
  e.tid = 43;
  e.ppid = 1;
  e.uid = 1000;
  e.loginuid = 7;
  e.name = "curl";
  e.exepath = "/usr/bin/curl";
  e.args = "http://x";
  e.cgroup_id = 99;
  e.container_id = std::string(64, 'a');
  e.ancestor_count = 1;
  e.ancestors[0] = {1, "bash", "/bin/bash", "bash -i"};
  ASSERT_TRUE(ParseAddress("2001:db8::1", &e.family, &e.remote_addr));
  e.remote_port = 443;
  FinishEvent(e);
  std::string json = EventToJson(e);
  Event back;
  ASSERT_TRUE(EventFromJson(json, back));
  EXPECT_EQ(EventToJson(back), json);
  EXPECT_EQ(back.cmdline, "curl http://x");
  EXPECT_EQ(FormatAddress(back), "2001:db8::1");
  EXPECT_EQ(back.ancestors[0].cmdline, "bash -i");
  EXPECT_EQ(ResultName(back.res), "ECONNREFUSED");
}

TEST(EventTest, BadJsonIsAnError) {
  Event e;
  for (const char* bad :
       {"", "[]", "{", "{\"type\":\"nope\"}", "{\"name\":\"x\"}", "{\"type\":\"execve\",\"pid\":\"1\"}",
        "{\"type\":\"connect\",\"addr\":\"1.2.3\"}", "{\"type\":\"execve\",\"ancestors\":[1]}"}) {
    auto status = EventFromJson(bad, e);
    EXPECT_FALSE(status) << bad;
    if (!status) {
      EXPECT_EQ(status.error().code(), ErrorCode::kCorrupt);
    }
  }
}

TEST(EventTest, OpenFlags) {
  EXPECT_EQ(FormatOpenFlags(0), "O_RDONLY");
  EXPECT_EQ(FormatOpenFlags(01 | 0100 | 01000), "O_WRONLY|O_CREAT|O_TRUNC");
}

}  // namespace
}  // namespace customs::runtime
