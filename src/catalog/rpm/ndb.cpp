// rpm's NDB package database (rpm lib/backend/ndb/rpmpkg.c), little-endian:
//   header [0,32): magic "RpmP", version (0), generation, slot page count, next package index.
//   slots of 16 bytes from offset 32 to slotnpages * 4096: magic "Slot", package index (0 = free), block offset,
//   block count; blocks are 16 bytes.
//   blob at block offset * 16: magic "BlbS", package index, generation, blob length, then the header blob.
#include <fmt/format.h>

#include "catalog/rpm/rpmdb.h"

namespace customs::catalog::rpm {
namespace {

std::uint32_t ReadLe32(std::string_view file, std::size_t offset) {
  const auto* u = reinterpret_cast<const unsigned char*>(file.data() + offset);
  return (std::uint32_t{u[3]} << 24) | (std::uint32_t{u[2]} << 16) | (std::uint32_t{u[1]} << 8) | u[0];
}

constexpr std::uint32_t Magic(char a, char b, char c, char d) {
  return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b) << 8 | static_cast<std::uint32_t>(c) << 16 |
         static_cast<std::uint32_t>(d) << 24;
}

constexpr std::uint32_t kDbMagic = Magic('R', 'p', 'm', 'P');
constexpr std::uint32_t kSlotMagic = Magic('S', 'l', 'o', 't');
constexpr std::uint32_t kBlobMagic = Magic('B', 'l', 'b', 'S');
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kSlotSize = 16;
constexpr std::size_t kBlockSize = 16;
constexpr std::size_t kPageSize = 4096;
constexpr std::size_t kBlobHeaderSize = 16;

}  // namespace

Result<std::vector<std::string_view>> ReadNdbBlobs(std::string_view file, std::string_view path,
                                                   Diagnostics& diagnostics) {
  if (file.size() < kHeaderSize) {
    return MakeError(ErrorCode::kCorrupt, "{} bytes is too short for an NDB database", file.size());
  }
  if (ReadLe32(file, 0) != kDbMagic) {
    return MakeError(ErrorCode::kUnsupported, "not an rpm NDB database");
  }
  if (ReadLe32(file, 4) != 0) {
    return MakeError(ErrorCode::kUnsupported, "NDB version {} is not supported", ReadLe32(file, 4));
  }
  const std::uint64_t slot_pages = ReadLe32(file, 12);
  if (slot_pages == 0 || slot_pages * kPageSize > file.size()) {
    return MakeError(ErrorCode::kCorrupt, "NDB slot area of {} pages does not fit in {} bytes", slot_pages,
                     file.size());
  }
  std::vector<std::string_view> blobs;
  int damaged = 0;
  auto report = [&](std::string message) {
    if (++damaged <= 10) {
      diagnostics.Warn("catalog/rpm", std::string(path), std::move(message));
    }
  };
  const std::size_t slot_end = slot_pages * kPageSize;
  for (std::size_t slot = kHeaderSize; slot + kSlotSize <= slot_end; slot += kSlotSize) {
    if (ReadLe32(file, slot) != kSlotMagic) {
      report(fmt::format("NDB slot at offset {} has a bad magic", slot));
      continue;
    }
    const std::uint32_t package_index = ReadLe32(file, slot + 4);
    if (package_index == 0) {
      continue;
    }
    const std::uint64_t offset = std::uint64_t{ReadLe32(file, slot + 8)} * kBlockSize;
    const std::uint64_t length = std::uint64_t{ReadLe32(file, slot + 12)} * kBlockSize;
    if (offset < slot_end || offset > file.size() || length > file.size() - offset || length < kBlobHeaderSize) {
      report(fmt::format("NDB package {}: blob at {} ({} bytes) is outside the file", package_index, offset, length));
      continue;
    }
    if (ReadLe32(file, offset) != kBlobMagic || ReadLe32(file, offset + 4) != package_index) {
      report(fmt::format("NDB package {}: bad blob header", package_index));
      continue;
    }
    const std::uint64_t blob_length = ReadLe32(file, offset + 12);
    if (blob_length > length - kBlobHeaderSize) {
      report(fmt::format("NDB package {}: blob length {} exceeds its {} blocks", package_index, blob_length, length));
      continue;
    }
    blobs.push_back(file.substr(offset + kBlobHeaderSize, blob_length));
  }
  if (damaged > 10) {
    diagnostics.Warn("catalog/rpm", std::string(path), fmt::format("{} more damaged NDB slots", damaged - 10));
  }
  return blobs;
}

}  // namespace customs::catalog::rpm
