// Fuzzes what customs reads from a container runtime's gRPC answers: the gRPC frame and the protobuf wire format
// (nested messages and maps, as PodSandboxStatus and containerd's Get carry them).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/containers/grpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::runtime;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto message = GrpcUnframe(input);
  std::string_view body = message ? *message : input;
  (void)ProtoStringMap(ProtoBytes(body, 1), 7);
  (void)ProtoStringMap(ProtoBytes(body, 1), 12);
  (void)ProtoBytes(ProtoBytes(body, 1), 3);
  ProtoReader reader(body);
  uint32_t field, wire;
  uint64_t number;
  std::string_view bytes;
  while (reader.Next(&field, &wire, &number, &bytes)) {
  }
  return 0;
}
