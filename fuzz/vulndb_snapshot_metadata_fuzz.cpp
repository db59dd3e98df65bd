// Fuzzes the snapshot metadata reader (latest.json, fetched from the network before anything is verified) and the
// signature check over it.
#include <cstdint>
#include <string>

#include "vulndb/snapshot.h"

namespace {
// A fixed Ed25519 public key: verification must fail cleanly on every input, never crash.
constexpr const char* kPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA2sDCib/4+KzqIuhftu4IINWc7vEyiHZspgLG36AfnAM=\n"
    "-----END PUBLIC KEY-----\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::vulndb::ParseSnapshotMetadata(text);
  (void)customs::vulndb::VerifySnapshotMetadata(text, kPublicKey);
  return 0;
}
