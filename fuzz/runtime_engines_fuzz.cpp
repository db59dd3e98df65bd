// Fuzzes what the container engines hand customs: docker/podman inspect documents, hostconfig.json, image inspect,
// containers.json, OCI config.json (annotations), runc state.json, RFC 3339 times and cgroup paths. The first byte
// picks the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/containers/cgroup_path.h"
#include "runtime/containers/engines.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  if (size == 0) {
    return 0;
  }
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  ContainerMetadata m;
  switch (data[0] % 8) {
    case 0: (void)ParseDockerInspect(text, &m); break;
    case 1: (void)ParseDockerHostConfig(text, &m); break;
    case 2: (void)ParseDockerImageInspect(text, &m); break;
    case 3: (void)ParsePodmanContainersJson(text); break;
    case 4: (void)ParseOciConfig(text, &m); break;
    case 5: (void)ParseRuncState(text); break;
    case 6: (void)ParseRfc3339Ns(text); break;
    case 7: (void)ParseContainerCgroup(text); break;
  }
  (void)m.ImageRepository();
  (void)m.ImageTag();
  (void)m.ImageDigest();
  return 0;
}
