// BerkeleyDB hash databases, read-only, as rpm <= 4.16 wrote them. Layout (Berkeley DB's dbinc/db_page.h):
//   page 0: the hash metadata page; generic DBMETA header: lsn[0,8) pgno[8,12) magic[12,16) (0x061561) version[16,20)
//           pagesize[20,24) encrypt_alg[24] type[25] (8 = hash meta) metaflags[26] unused[27] free[28,32)
//           last_pgno[32,36) ...; integers in the byte order of the machine that wrote the file (the magic tells).
//   other pages: a 26-byte header: lsn[0,8) pgno[8,12) prev_pgno[12,16) next_pgno[16,20) entries[20,22)
//           hf_offset[22,24) level[24] type[25]; hash pages (type 13, or 2 unsorted) then hold `entries` uint16
//           item offsets (key, data, key, data...), each item running to the previous item's offset (or the page end).
//           Item type byte: 1 = H_KEYDATA (bytes follow), 3 = H_OFFPAGE ([4,8) first overflow page, [8,12) total
//           length). Overflow pages (type 7) hold hf_offset bytes after the header and chain through next_pgno.
#include <fmt/format.h>

#include "catalog/rpm/rpmdb.h"

namespace customs::catalog::rpm {
namespace {

constexpr std::uint32_t kHashMagic = 0x061561;
constexpr std::size_t kPageHeaderSize = 26;
constexpr unsigned char kPageHashUnsorted = 2;
constexpr unsigned char kPageOverflow = 7;
constexpr unsigned char kPageHashMeta = 8;
constexpr unsigned char kPageHash = 13;
constexpr unsigned char kItemKeyData = 1;
constexpr unsigned char kItemOffPage = 3;

class Reader {
 public:
  Reader(std::string_view file, bool big_endian) : file_(file), big_endian_(big_endian) {}
  std::uint32_t U32(std::size_t offset) const {
    const auto* u = reinterpret_cast<const unsigned char*>(file_.data() + offset);
    if (big_endian_) {
      return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
    }
    return (std::uint32_t{u[3]} << 24) | (std::uint32_t{u[2]} << 16) | (std::uint32_t{u[1]} << 8) | u[0];
  }
  std::uint16_t U16(std::size_t offset) const {
    const auto* u = reinterpret_cast<const unsigned char*>(file_.data() + offset);
    return big_endian_ ? static_cast<std::uint16_t>((u[0] << 8) | u[1])
                       : static_cast<std::uint16_t>((u[1] << 8) | u[0]);
  }

 private:
  std::string_view file_;
  bool big_endian_;
};

}  // namespace

Result<std::vector<std::string>> ReadBdbHashValues(std::string_view file, std::string_view path,
                                                   Diagnostics& diagnostics) {
  if (file.size() < 512) {
    return MakeError(ErrorCode::kCorrupt, "{} bytes is too short for a BerkeleyDB file", file.size());
  }
  bool big_endian = false;
  if (Reader(file, false).U32(12) == kHashMagic) {
    big_endian = false;
  } else if (Reader(file, true).U32(12) == kHashMagic) {
    big_endian = true;
  } else {
    return MakeError(ErrorCode::kUnsupported, "not a BerkeleyDB hash database (magic {:#x})",
                     Reader(file, false).U32(12));
  }
  Reader reader(file, big_endian);
  const std::uint32_t page_size = reader.U32(20);
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    return MakeError(ErrorCode::kCorrupt, "BerkeleyDB page size {} is invalid", page_size);
  }
  if (static_cast<unsigned char>(file[25]) != kPageHashMeta) {
    return MakeError(ErrorCode::kUnsupported, "BerkeleyDB metadata page type {} is not a hash",
                     int{static_cast<unsigned char>(file[25])});
  }
  if (static_cast<unsigned char>(file[24]) != 0) {
    return MakeError(ErrorCode::kUnsupported, "encrypted BerkeleyDB");
  }
  const std::size_t page_count = std::min<std::size_t>(std::size_t{reader.U32(32)} + 1, file.size() / page_size);
  std::vector<std::string> values;
  int damaged = 0;
  auto report = [&](std::string message) {
    if (++damaged <= 10) {
      diagnostics.Warn("catalog/rpm", std::string(path), std::move(message));
    }
  };
  for (std::size_t pgno = 1; pgno < page_count; ++pgno) {
    const std::size_t page = pgno * page_size;
    const unsigned char type = static_cast<unsigned char>(file[page + 25]);
    if (type != kPageHash && type != kPageHashUnsorted) {
      continue;
    }
    const std::size_t entries = reader.U16(page + 20);
    const std::size_t items_start = kPageHeaderSize + 2 * entries;
    if (items_start > page_size) {
      report(fmt::format("hash page {} claims {} entries", pgno, entries));
      continue;
    }
    auto item = [&](std::size_t index, std::string_view* out) {
      std::size_t offset = reader.U16(page + kPageHeaderSize + 2 * index);
      std::size_t end = index == 0 ? page_size : reader.U16(page + kPageHeaderSize + 2 * (index - 1));
      if (offset < items_start || offset >= end || end > page_size) {
        return false;
      }
      *out = file.substr(page + offset, end - offset);
      return true;
    };
    for (std::size_t i = 0; i + 1 < entries; i += 2) {
      std::string_view key;
      std::string_view data;
      if (!item(i, &key) || !item(i + 1, &data)) {
        report(fmt::format("hash page {} item {} has a bad offset", pgno, i));
        continue;
      }
      // rpm keeps the next free instance number under key 0; it is not a package.
      if (static_cast<unsigned char>(key[0]) == kItemKeyData && key.size() == 5 &&
          Reader(key, big_endian).U32(1) == 0) {
        continue;
      }
      const unsigned char item_type = static_cast<unsigned char>(data[0]);
      if (item_type == kItemKeyData) {
        values.emplace_back(data.substr(1));
        continue;
      }
      if (item_type != kItemOffPage || data.size() < 12) {
        report(fmt::format("hash page {} item {} has unsupported type {}", pgno, i + 1, int{item_type}));
        continue;
      }
      Reader item_reader(data, big_endian);
      std::uint32_t next = item_reader.U32(4);
      const std::uint32_t total = item_reader.U32(8);
      if (total > file.size()) {
        report(fmt::format("hash page {} item {} claims {} bytes", pgno, i + 1, total));
        continue;
      }
      std::string value;
      value.reserve(total);
      bool ok = true;
      for (std::size_t hops = 0; value.size() < total; ++hops) {
        if (next == 0 || next >= page_count || hops >= page_count) {
          ok = false;
          break;
        }
        const std::size_t overflow = std::size_t{next} * page_size;
        if (static_cast<unsigned char>(file[overflow + 25]) != kPageOverflow) {
          ok = false;
          break;
        }
        const std::size_t length = reader.U16(overflow + 22);
        if (length > page_size - kPageHeaderSize || length > total - value.size()) {
          ok = false;
          break;
        }
        value.append(file.substr(overflow + kPageHeaderSize, length));
        next = reader.U32(overflow + 16);
      }
      if (!ok) {
        report(fmt::format("hash page {} item {}: broken overflow chain", pgno, i + 1));
        continue;
      }
      values.push_back(std::move(value));
    }
  }
  if (damaged > 10) {
    diagnostics.Warn("catalog/rpm", std::string(path), fmt::format("{} more damaged BerkeleyDB items", damaged - 10));
  }
  return values;
}

}  // namespace customs::catalog::rpm
