// Just enough gRPC to ask a container runtime what its files do not say: unary calls over a Unix socket (HTTP/2 with
// prior knowledge through libcurl, gRPC's length-prefixed framing, grpc-status from the trailers) and a protobuf wire
// format writer and reader (varints and length-delimited fields: strings, bools, nested messages, maps).
//
// Used for the CRI (runtime.v1.RuntimeService/PodSandboxStatus: pod labels, which containerd keeps only behind its
// CRI API) and containerd's containers API (containerd.services.containers.v1.Containers/Get: the image of a
// `ctr run` container). The reader is bounded and never trusts a length: it is fuzzed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "runtime/containers/metadata.h"

namespace customs::runtime {

// Protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/).
class ProtoWriter {
 public:
  void String(uint32_t field, std::string_view value);
  void Bool(uint32_t field, bool value);
  const std::string& bytes() const { return out_; }

 private:
  void Varint(uint64_t value);
  std::string out_;
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}
  // The next field: its number, wire type, and value (varint in *number, length-delimited bytes in *bytes). False at
  // the end or on malformed input (then ok() is false).
  bool Next(uint32_t* field, uint32_t* wire_type, uint64_t* number, std::string_view* bytes);
  bool ok() const { return ok_; }

 private:
  bool ReadVarint(uint64_t* value);
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The first length-delimited value of `field` in a message ("" if absent).
std::string_view ProtoBytes(std::string_view message, uint32_t field);
// A map<string,string> field (repeated {1: key, 2: value} entries), sorted.
Labels ProtoStringMap(std::string_view message, uint32_t field);

// One unary gRPC call: POST http://localhost/<method> over `socket`. `metadata` are extra request headers
// ("containerd-namespace: k8s.io"). Returns the response message. Errors: kNetwork (unreachable, timeout, HTTP/2
// refused), kCorrupt (bad framing), kNotFound (grpc-status 5), kIo (another grpc-status, with its message).
[[nodiscard]] Result<std::string> GrpcUnaryCall(const std::string& socket, const std::string& method,
                                                std::string_view request, const std::vector<std::string>& metadata,
                                                std::chrono::milliseconds timeout);

// gRPC framing: one uncompressed message (flag 0, 4-byte big-endian length) -> the message. Errors: kCorrupt.
[[nodiscard]] Result<std::string_view> GrpcUnframe(std::string_view body);

}  // namespace customs::runtime
