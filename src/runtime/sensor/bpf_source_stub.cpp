// Built when clang, bpftool or libbpf is missing: the sensor is unavailable, everything else works.
#include "runtime/sensor/bpf_source.h"

namespace customs::runtime {

struct BpfSource::Impl {};

BpfSource::BpfSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfSource::~BpfSource() = default;

Result<std::unique_ptr<BpfSource>> BpfSource::Open(const BpfOptions&, ContainerRegistry&, Diagnostics&) {
  return MakeError(ErrorCode::kUnsupported, "customs was built without the BPF sensor (clang/bpftool/libbpf missing)");
}
Result<bool> BpfSource::Poll(const EventHandler&, int) {
  return false;
}
SourceStats BpfSource::Stats() const {
  return {};
}
Status BpfSource::DenyCgroup(const std::filesystem::path&) {
  return MakeError(ErrorCode::kUnsupported, "no BPF sensor");
}
void BpfSource::RefreshKernelPolicy() {}
uint64_t BpfSource::DeniedConnects() const {
  return 0;
}
bool BpfAvailable(std::string* reason) {
  *reason = "customs was built without the BPF sensor";
  return false;
}

}  // namespace customs::runtime
