// Container attribution and engine metadata, on recorded data: cgroup paths of every layout (systemd ones are
// recorded strings: this machine has no systemd), documents recorded from the real docker 20.10 and podman 4.3
// daemons started by hand here (testdata/, see testdata/SOURCES.md), CRI-O documents written from its annotation keys,
// and a directory tree that stands in for cgroupfs and the engines' state.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "core/file_util.h"
#include "runtime/containers/cgroup_path.h"
#include "runtime/containers/engines.h"
#include "runtime/containers/grpc.h"
#include "runtime/containers/registry.h"

namespace customs::runtime {
namespace {

const std::string kId = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";
const std::filesystem::path kTestdata = std::filesystem::path(CUSTOMS_SOURCE_DIR) / "src/runtime/containers/testdata";

std::string Testdata(const std::string& name) {
  auto text = ReadFile(kTestdata / name, 1 << 20);
  EXPECT_TRUE(text) << name;
  return text ? *text : std::string();
}

TEST(CgroupPathTest, EveryLayout) {
  struct Case {
    std::string path;
    ContainerEngine engine;
    std::string pod_uid;
    std::string container_path;
  };
  const Case cases[] = {
      {"/docker/" + kId, ContainerEngine::kDocker, "", "/docker/" + kId},
      {"/system.slice/docker-" + kId + ".scope", ContainerEngine::kDocker, "",
       "/system.slice/docker-" + kId + ".scope"},
      {"/machine.slice/libpod-" + kId + ".scope", ContainerEngine::kPodman, "",
       "/machine.slice/libpod-" + kId + ".scope"},
      // podman with systemd puts the init in a "container" child of the scope: the scope is the container.
      {"/machine.slice/libpod-" + kId + ".scope/container", ContainerEngine::kPodman, "",
       "/machine.slice/libpod-" + kId + ".scope"},
      {"/libpod_parent/libpod-" + kId, ContainerEngine::kPodman, "", "/libpod_parent/libpod-" + kId},
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b7e2c1d_6a4f_4e8b_9c3d_2f1a0e9b8c7d.slice/"
       "crio-" +
           kId + ".scope",
       ContainerEngine::kCrio, "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d", ""},
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b7e2c1d_6a4f_4e8b_9c3d_2f1a0e9b8c7d.slice/"
       "cri-containerd-" +
           kId + ".scope",
       ContainerEngine::kCri, "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d", ""},
      // cgroupfs drivers: the pod directory and the bare id (containerd's CRI plugin here; CRI-O adds crio-).
      {"/kubepods/besteffort/pod0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d/" + kId, ContainerEngine::kCri,
       "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d", "/kubepods/besteffort/pod0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d/" + kId},
      {"/kubepods/pod0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d/" + kId, ContainerEngine::kCri,
       "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d", ""},
      {"/kubepods/burstable/pod0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d/crio-" + kId, ContainerEngine::kCrio,
       "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d", ""},
      {"/system.slice/cri-containerd-" + kId + ".scope", ContainerEngine::kContainerd, "", ""},
      {"/" + kId, ContainerEngine::kUnknown, "", "/" + kId},  // plain runc default
  };
  for (const Case& c : cases) {
    auto parsed = ParseContainerCgroup(c.path);
    ASSERT_TRUE(parsed) << c.path;
    EXPECT_EQ(parsed->id, kId) << c.path;
    EXPECT_EQ(parsed->engine, c.engine) << c.path;
    EXPECT_EQ(parsed->pod_uid, c.pod_uid) << c.path;
    if (!c.container_path.empty()) {
      EXPECT_EQ(parsed->container_path, c.container_path) << c.path;
    }
  }
  for (const std::string& host :
       {std::string("/"), std::string("/system.slice/ssh.service"),
        std::string("/user.slice/user-1000.slice/session-2.scope"), std::string("/system.slice/docker-notanid.scope"),
        "/system.slice/crio-conmon-" + kId + ".scope", "/machine.slice/libpod-conmon-" + kId + ".scope",
        std::string("/kubepods/besteffort/podXYZ"), std::string("/default/web"), std::string("/docker")}) {
    EXPECT_FALSE(ParseContainerCgroup(host)) << host;
  }
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId + "/nested"), kId);
}

TEST(EnginesTest, DockerApiAndFiles) {
  ContainerMetadata api;
  ASSERT_TRUE(ParseDockerInspect(Testdata("docker_inspect_database.json"), &api));
  EXPECT_EQ(api.id, "0a4f9d7da64ab3952ea1dcf1a162e7395c5c55f0ab8b575660d77f56a22ade02");
  EXPECT_EQ(api.name, "database");  // docker's "/database"
  EXPECT_EQ(api.image, "customs-test/base:1");
  EXPECT_EQ(api.ImageRepository(), "customs-test/base");
  EXPECT_EQ(api.ImageTag(), "1");
  EXPECT_EQ(api.image_id, "sha256:f9e642f505cd1f867e5c9e828896e79c2b9d1320e9c49d707e34fd7d2a58733d");
  EXPECT_EQ(api.privileged, 0);
  ASSERT_NE(FindLabel(api.labels, "app"), nullptr);
  EXPECT_EQ(*FindLabel(api.labels, "app"), "db");
  EXPECT_EQ(api.start_ns, ParseRfc3339Ns("2026-12-03T10:22:28.222411712Z"));
  EXPECT_NE(api.start_ns, 0u);

  // Without the API: config.v2.json and hostconfig.json give the same answer.
  ContainerMetadata files;
  ASSERT_TRUE(ParseDockerInspect(Testdata("docker_config.v2.json"), &files));
  EXPECT_EQ(files.privileged, -1);  // config.v2.json has no HostConfig
  ASSERT_TRUE(ParseDockerHostConfig(Testdata("docker_hostconfig.json"), &files));
  EXPECT_EQ(files.id, api.id);
  EXPECT_EQ(files.name, api.name);
  EXPECT_EQ(files.image, api.image);
  EXPECT_EQ(files.image_id, api.image_id);
  EXPECT_EQ(files.labels, api.labels);
  EXPECT_EQ(files.privileged, 0);
  ASSERT_TRUE(ParseDockerHostConfig(Testdata("docker_hostconfig_privileged.json"), &files));
  EXPECT_EQ(files.privileged, 1);

  ContainerMetadata image;
  ASSERT_TRUE(ParseDockerImageInspect(Testdata("docker_image_inspect.json"), &image));
  EXPECT_EQ(image.image_digest, "");  // an imported image has no repository digest
  ASSERT_TRUE(ParseDockerImageInspect(Testdata("docker_image_inspect_pulled.json"), &image));
  EXPECT_EQ(image.image_digest, "sha256:3b1eb1f5c5b6d0e3a6e9c9ffb3ec6d6d7f2ebaf0c6c3d5f2cbb0d1f8b0a2c4d1e");

  // The OCI spec docker hands to containerd: not privileged (masked paths, 14 capabilities).
  ContainerMetadata spec;
  ASSERT_TRUE(ParseOciConfig(Testdata("oci_config_docker.json"), &spec));
  EXPECT_EQ(spec.privileged, 0);
}

TEST(EnginesTest, PodmanStorage) {
  auto all = ParsePodmanContainersJson(Testdata("podman_containers.json"));
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 1u);
  const ContainerMetadata& pg = (*all)[0];
  EXPECT_EQ(pg.id, "ec3bfece5067c17586a46b11d5b039b2328e5737ccc7a858464544baf919d97b");
  EXPECT_EQ(pg.name, "pg");
  EXPECT_EQ(pg.image, "localhost/customs-test/base:1");
  EXPECT_EQ(pg.ImageRepository(), "localhost/customs-test/base");
  EXPECT_EQ(pg.image_id, "sha256:69caee59db557d2ac3a3ccc7c7b12582ebb5c009976655802ce60f94dd2447fd");
  EXPECT_EQ(pg.engine, ContainerEngine::kPodman);
  ContainerMetadata spec;
  ASSERT_TRUE(ParseOciConfig(Testdata("podman_userdata_config.json"), &spec));
  EXPECT_EQ(spec.engine, ContainerEngine::kPodman);
  EXPECT_EQ(spec.privileged, 0);  // io.podman.annotations.privileged: FALSE
}

TEST(EnginesTest, CriAnnotations) {
  // containerd 1.6's CRI plugin: the bundle config.json of a container and of its pod sandbox, recorded here.
  // (Both image tags pointed at one image then, and the plugin named the image by the sandbox image's tag.)
  ContainerMetadata containerd;
  ASSERT_TRUE(ParseOciConfig(Testdata("containerd_cri_container_config.json"), &containerd));
  EXPECT_EQ(containerd.engine, ContainerEngine::kContainerd);
  EXPECT_EQ(containerd.name, "postgres");
  EXPECT_EQ(containerd.image, "docker.io/customs-e2e/pause:1");
  EXPECT_EQ(containerd.k8s_pod_name, "db-0");
  EXPECT_EQ(containerd.k8s_namespace, "prod");
  EXPECT_EQ(containerd.k8s_pod_uid, "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d");
  EXPECT_EQ(containerd.k8s_sandbox_id, "d95a03ea71cbcd80d9df384417b37697ac6f3fe8fb71b5c616b70da0da038788");
  EXPECT_EQ(containerd.privileged, 0);
  ContainerMetadata pod;
  pod.id = "d95a03ea71cbcd80d9df384417b37697ac6f3fe8fb71b5c616b70da0da038788";
  ASSERT_TRUE(ParseOciConfig(Testdata("containerd_cri_sandbox_config.json"), &pod));
  EXPECT_EQ(pod.name, "db-0");  // a sandbox is named after its pod
  EXPECT_EQ(pod.k8s_sandbox_id, pod.id);

  ContainerMetadata crio;
  ASSERT_TRUE(ParseOciConfig(Testdata("crio_container_config.json"), &crio));
  EXPECT_EQ(crio.engine, ContainerEngine::kCrio);
  EXPECT_EQ(crio.name, "postgres");
  EXPECT_EQ(crio.image, "docker.io/library/postgres:16");
  EXPECT_EQ(crio.image_digest, "sha256:aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899");
  EXPECT_EQ(crio.k8s_pod_name, "db-0");
  EXPECT_EQ(crio.k8s_namespace, "prod");
  EXPECT_EQ(crio.k8s_sandbox_id, "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a1f0e9d8c7b6a5");
  EXPECT_EQ(crio.privileged, 0);
  ContainerMetadata sandbox;
  ASSERT_TRUE(ParseOciConfig(Testdata("crio_sandbox_config.json"), &sandbox));
  ASSERT_NE(FindLabel(sandbox.k8s_pod_labels, "app"), nullptr);
  EXPECT_EQ(*FindLabel(sandbox.k8s_pod_labels, "app"), "postgres");
}

TEST(EnginesTest, RuncStateAndPrivilegedSpec) {
  auto state = ParseRuncState(Testdata("runc_state_docker.json"));
  ASSERT_TRUE(state) << state.error().message();
  EXPECT_EQ(state->id, "0a4f9d7da64ab3952ea1dcf1a162e7395c5c55f0ab8b575660d77f56a22ade02");
  EXPECT_EQ(state->init_pid, 29548);
  EXPECT_EQ(state->init_start_ticks, 302896u);
  EXPECT_EQ(state->unified_cgroup, "/sys/fs/cgroup/unified/docker/" + state->id);
  EXPECT_EQ(state->bundle, "/tmp/dk/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/" + state->id);
  // A spec with every capability this kernel grants and no masked paths is privileged.
  ContainerMetadata privileged;
  std::string all_caps;
  for (const char* cap : {"CAP_CHOWN",
                          "CAP_DAC_OVERRIDE",
                          "CAP_DAC_READ_SEARCH",
                          "CAP_FOWNER",
                          "CAP_FSETID",
                          "CAP_KILL",
                          "CAP_SETGID",
                          "CAP_SETUID",
                          "CAP_SETPCAP",
                          "CAP_LINUX_IMMUTABLE",
                          "CAP_NET_BIND_SERVICE",
                          "CAP_NET_BROADCAST",
                          "CAP_NET_ADMIN",
                          "CAP_NET_RAW",
                          "CAP_IPC_LOCK",
                          "CAP_IPC_OWNER",
                          "CAP_SYS_MODULE",
                          "CAP_SYS_RAWIO",
                          "CAP_SYS_CHROOT",
                          "CAP_SYS_PTRACE",
                          "CAP_SYS_PACCT",
                          "CAP_SYS_ADMIN",
                          "CAP_SYS_BOOT",
                          "CAP_SYS_NICE",
                          "CAP_SYS_TIME",
                          "CAP_SYS_TTY_CONFIG",
                          "CAP_MKNOD",
                          "CAP_LEASE",
                          "CAP_AUDIT_WRITE",
                          "CAP_AUDIT_CONTROL",
                          "CAP_SETFCAP",
                          "CAP_MAC_OVERRIDE",
                          "CAP_MAC_ADMIN",
                          "CAP_SYSLOG",
                          "CAP_WAKE_ALARM",
                          "CAP_BLOCK_SUSPEND",
                          "CAP_AUDIT_READ",
                          "CAP_PERFMON",
                          "CAP_BPF",
                          "CAP_CHECKPOINT_RESTORE"}) {
    all_caps += (all_caps.empty() ? "\"" : ",\"") + std::string(cap) + "\"";
  }
  ASSERT_TRUE(
      ParseOciConfig(R"({"process":{"capabilities":{"bounding":[)" + all_caps + R"(]}},"linux":{}})", &privileged));
  EXPECT_EQ(privileged.privileged, 1);
}

TEST(EnginesTest, HostileDocumentsAreErrors) {
  ContainerMetadata m;
  EXPECT_FALSE(ParseDockerInspect("", &m));
  EXPECT_FALSE(ParseDockerInspect("[1,2]", &m));
  EXPECT_FALSE(ParseDockerInspect(R"({"Name":"/x"})", &m));  // no id
  EXPECT_TRUE(ParseDockerInspect(R"({"Id":"abc","Config":{"Labels":{"a":1,"b":"2"}},"HostConfig":7})", &m));
  EXPECT_EQ(m.labels.size(), 1u);  // non-string label values are skipped
  EXPECT_FALSE(ParsePodmanContainersJson("{}"));
  auto skipped = ParsePodmanContainersJson(R"([1, {"names":["x"]}, {"id":"a","metadata":"not json"}])");
  ASSERT_TRUE(skipped);
  ASSERT_EQ(skipped->size(), 1u);
  EXPECT_EQ((*skipped)[0].name, "");
  EXPECT_FALSE(ParseRuncState(R"({"init_process_pid":1})"));
  EXPECT_FALSE(ParseOciConfig("null", &m));
  EXPECT_EQ(ParseRfc3339Ns("0001-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(ParseRfc3339Ns("garbage"), 0u);
  EXPECT_EQ(ParseRfc3339Ns("2026-12-03T10:22:28Z"), 1796293348000000000ULL);
  EXPECT_EQ(ParseRfc3339Ns("2026-12-03T11:22:28.5+01:00"), 1796293348500000000ULL);
}

TEST(GrpcTest, ProtobufWireFormatAndFraming) {
  ProtoWriter writer;
  writer.String(1, "d95a03ea71cb");
  writer.Bool(2, true);
  std::string big(300, 'x');  // a two-byte length varint
  writer.String(7, big);
  ProtoReader reader(writer.bytes());
  uint32_t field, wire;
  uint64_t number;
  std::string_view bytes;
  ASSERT_TRUE(reader.Next(&field, &wire, &number, &bytes));
  EXPECT_EQ(field, 1u);
  EXPECT_EQ(wire, 2u);
  EXPECT_EQ(bytes, "d95a03ea71cb");
  ASSERT_TRUE(reader.Next(&field, &wire, &number, &bytes));
  EXPECT_EQ(field, 2u);
  EXPECT_EQ(wire, 0u);
  EXPECT_EQ(number, 1u);
  ASSERT_TRUE(reader.Next(&field, &wire, &number, &bytes));
  EXPECT_EQ(bytes.size(), 300u);
  EXPECT_FALSE(reader.Next(&field, &wire, &number, &bytes));
  EXPECT_TRUE(reader.ok());
  // A map<string,string> (field 7 of a PodSandboxStatus) inside a message (field 1 of the response).
  auto entry = [](const std::string& k, const std::string& v) {
    ProtoWriter e;
    e.String(1, k);
    e.String(2, v);
    return e.bytes();
  };
  ProtoWriter status;
  status.String(1, "pod-id");
  status.String(7, entry("tier", "data"));
  status.String(7, entry("app", "postgres"));
  ProtoWriter response;
  response.String(1, status.bytes());
  Labels labels = ProtoStringMap(ProtoBytes(response.bytes(), 1), 7);
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0], (std::pair<std::string, std::string>{"app", "postgres"}));
  // Hostile input: lengths past the end, truncated varints, group wire types.
  for (std::string_view bad : {std::string_view("\x0a\x05ab", 4), std::string_view("\x08\xff", 2),
                               std::string_view("\x0b", 1), std::string_view("\x00", 1)}) {
    ProtoReader hostile(bad);
    while (hostile.Next(&field, &wire, &number, &bytes)) {
    }
    EXPECT_FALSE(hostile.ok());
  }
  EXPECT_EQ(ProtoBytes(std::string_view("\x0a\x05ab", 4), 1), "");
  std::string framed = std::string("\0\0\0\0\x03", 5) + "abc";
  ASSERT_TRUE(GrpcUnframe(framed));
  EXPECT_EQ(*GrpcUnframe(framed), "abc");
  EXPECT_FALSE(GrpcUnframe(std::string("\0\0\0\0\x09", 5) + "abc"));
  EXPECT_FALSE(GrpcUnframe(std::string("\x01\0\0\0\0", 5)));
  EXPECT_FALSE(GrpcUnframe("ab"));
  // Nothing listens: a clear error, not a hang.
  auto call = GrpcUnaryCall("/nonexistent/cri.sock", "/runtime.v1.RuntimeService/Version", "", {},
                            std::chrono::milliseconds(200));
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code(), ErrorCode::kNetwork);
}

// A directory tree stands in for the unified cgroup hierarchy, docker's data root, containerd's state and runc's.
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("runtime-registry");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    root_ = dir_->path() / "cg";
    config_.docker_socket = (dir_->path() / "no-docker.sock").string();  // nothing listens: the files are read
    config_.docker_root = dir_->path() / "docker";
    config_.containerd_state = dir_->path() / "containerd";
    config_.podman_root = dir_->path() / "podman";
    config_.crio_root = dir_->path() / "crio";
    config_.runc_roots = {dir_->path() / "runc"};
    config_.timeout = std::chrono::milliseconds(200);
  }

  void Write(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  uint64_t Inode(const std::filesystem::path& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }

  std::optional<TempDir> dir_;
  std::filesystem::path root_;
  EngineConfig config_;
};

TEST_F(RegistryTest, ScanFetchesMetadataOffTheEventLoop) {
  const std::string docker_id = "0a4f9d7da64ab3952ea1dcf1a162e7395c5c55f0ab8b575660d77f56a22ade02";
  std::filesystem::create_directories(root_ / "docker" / docker_id);
  std::filesystem::create_directories(root_ / "system.slice" / "ssh.service");
  Write(config_.docker_root / "containers" / docker_id / "config.v2.json", Testdata("docker_config.v2.json"));
  Write(config_.docker_root / "containers" / docker_id / "hostconfig.json", Testdata("docker_hostconfig.json"));
  ContainerRegistry registry(config_, root_);
  registry.Scan();
  auto entry = registry.Lookup(Inode(root_ / "docker" / docker_id));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->container_id, docker_id);
  EXPECT_EQ(entry->container_dir, root_ / "docker" / docker_id);
  // Nothing was fetched yet (no worker): the event loop sees "pending", never blocks.
  EXPECT_TRUE(registry.Metadata(docker_id).pending);
  auto host = registry.Lookup(Inode(root_ / "system.slice" / "ssh.service"));
  ASSERT_NE(host, nullptr);
  EXPECT_TRUE(host->container_id.empty());
  registry.Start();
  ASSERT_TRUE(registry.WaitIdle(std::chrono::seconds(5)));
  auto state = registry.Metadata(docker_id);
  EXPECT_FALSE(state.pending);
  ASSERT_NE(state.metadata, nullptr);
  EXPECT_EQ(state.metadata->name, "database");
  EXPECT_EQ(state.metadata->image, "customs-test/base:1");
  EXPECT_EQ(state.metadata->engine, ContainerEngine::kDocker);
  EXPECT_EQ(state.metadata->privileged, 0);
  EXPECT_TRUE(state.metadata->from_engine);
  auto updated = registry.TakeUpdated();
  EXPECT_NE(std::find(updated.begin(), updated.end(), docker_id), updated.end());
  EXPECT_EQ(registry.fetches(), 1u);

  // The container starts again (new cgroup, same id): metadata is refreshed and served meanwhile.
  registry.OnCgroupCreated(4242, "/docker/" + docker_id);
  EXPECT_FALSE(registry.Metadata(docker_id).pending);
  ASSERT_TRUE(registry.WaitIdle(std::chrono::seconds(5)));
  EXPECT_EQ(registry.fetches(), 2u);
}

TEST_F(RegistryTest, CtrRunAndPlainRuncAreClassifiedByTheirState) {
  // `ctr run` puts a container in /<namespace>/<id>: only containerd's task directory says it is one.
  std::filesystem::create_directories(root_ / "default" / "web");
  Write(
      config_.containerd_state / "io.containerd.runtime.v2.task" / "default" / "web" / "config.json",
      R"({"annotations":{},"process":{"capabilities":{"bounding":["CAP_CHOWN"]}},"linux":{"maskedPaths":["/proc/kcore"]}})");
  // runc with a name of its own (not a 64-hex id): its state names the cgroup.
  std::filesystem::create_directories(root_ / "mytests" / "job1");
  Write(
      config_.runc_roots[0] / "job1" / "state.json",
      R"({"id":"job1","init_process_pid":1234,"init_process_start":99,"cgroup_paths":{"":")" +
          (root_ / "mytests" / "job1").string() +
          R"("},"config":{"labels":["bundle=/nonexistent","io.container.manager=libpod","io.podman.annotations.privileged=TRUE"]}})");
  ContainerRegistry registry(config_, root_);
  registry.Start();
  auto web = registry.OnCgroupCreated(Inode(root_ / "default" / "web"), "/default/web");
  EXPECT_TRUE(web->classifying);  // matches no layout: the worker checks the engines' state
  auto job = registry.OnCgroupCreated(Inode(root_ / "mytests" / "job1"), "/mytests/job1");
  ASSERT_TRUE(registry.WaitIdle(std::chrono::seconds(5)));
  web = registry.Lookup(Inode(root_ / "default" / "web"));
  ASSERT_NE(web, nullptr);
  EXPECT_FALSE(web->classifying);
  EXPECT_EQ(web->container_id, "web");
  EXPECT_EQ(web->where.ns, "default");
  auto web_meta = registry.Metadata("web");
  ASSERT_NE(web_meta.metadata, nullptr);
  EXPECT_EQ(web_meta.metadata->engine, ContainerEngine::kContainerd);
  EXPECT_EQ(web_meta.metadata->name, "web");
  EXPECT_EQ(web_meta.metadata->privileged, 0);
  job = registry.Lookup(Inode(root_ / "mytests" / "job1"));
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->container_id, "job1");
  EXPECT_EQ(job->container_dir, root_ / "mytests" / "job1");
  auto job_meta = registry.Metadata("job1");
  ASSERT_NE(job_meta.metadata, nullptr);
  EXPECT_EQ(job_meta.metadata->engine, ContainerEngine::kPodman);
  EXPECT_EQ(job_meta.metadata->privileged, 1);
  // A cgroup nobody claims stays the host's.
  std::filesystem::create_directories(root_ / "other");
  registry.OnCgroupCreated(Inode(root_ / "other"), "/other");
  ASSERT_TRUE(registry.WaitIdle(std::chrono::seconds(5)));
  EXPECT_TRUE(registry.Lookup(Inode(root_ / "other"))->container_id.empty());
}

TEST_F(RegistryTest, CrioPodLabelsComeFromTheSandbox) {
  const std::string id = "5a9f0d2e1c3b4a6978f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4f3e";
  const std::string sandbox = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a1f0e9d8c7b6a5";
  Write(config_.crio_root / "overlay-containers" / id / "userdata" / "config.json",
        Testdata("crio_container_config.json"));
  Write(config_.crio_root / "overlay-containers" / sandbox / "userdata" / "config.json",
        Testdata("crio_sandbox_config.json"));
  EngineClient client(config_);
  auto where = ParseContainerCgroup(
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b7e2c1d_6a4f_4e8b_9c3d_2f1a0e9b8c7d.slice/"
      "crio-" +
      id + ".scope");
  ASSERT_TRUE(where);
  ContainerMetadata m = client.Fetch(*where);
  EXPECT_TRUE(m.from_engine);
  EXPECT_EQ(m.engine, ContainerEngine::kCrio);
  EXPECT_EQ(m.name, "postgres");
  EXPECT_EQ(m.k8s_pod_name, "db-0");
  EXPECT_EQ(m.k8s_namespace, "prod");
  EXPECT_EQ(m.k8s_pod_uid, "0b7e2c1d-6a4f-4e8b-9c3d-2f1a0e9b8c7d");
  ASSERT_NE(FindLabel(m.k8s_pod_labels, "tier"), nullptr);
  EXPECT_EQ(*FindLabel(m.k8s_pod_labels, "tier"), "data");
  // An id no engine knows: only the id.
  ContainerMetadata unknown = client.Fetch(CgroupContainer{ContainerEngine::kDocker, "feedfacefeedface", {}, {}, {}});
  EXPECT_FALSE(unknown.from_engine);
  EXPECT_EQ(unknown.name, "");
}

}  // namespace
}  // namespace customs::runtime
