#include "image/tar_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/file_tree.h"

namespace customs::image {
namespace {

constexpr std::size_t kBlock = 512;

// Parses a tar numeric field: octal text, or GNU base-256 when the high bit of the first byte is set.
bool ParseNumber(const char* field, std::size_t length, std::uint64_t* out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(field);
  if (bytes[0] & 0x80) {
    if (bytes[0] & 0x40) return false;  // negative
    std::uint64_t value = bytes[0] & 0x3f;
    for (std::size_t i = 1; i < length; ++i) {
      if (value > (UINT64_MAX >> 8)) return false;
      value = (value << 8) | bytes[i];
    }
    *out = value;
    return true;
  }
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < length && (field[i] == ' ' || field[i] == '\0')) ++i;
  bool any = false;
  for (; i < length && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value > (UINT64_MAX >> 3)) return false;
    value = (value << 3) | static_cast<std::uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < length; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return false;
  }
  *out = any ? value : 0;
  return true;
}

std::string FieldString(const char* field, std::size_t length) {
  std::size_t n = 0;
  while (n < length && field[n] != '\0') ++n;
  return std::string(field, n);
}

bool ChecksumOk(const unsigned char* header) {
  std::uint64_t stored = 0;
  if (!ParseNumber(reinterpret_cast<const char*>(header) + 148, 8, &stored)) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : header[i];
  return sum == stored;
}

bool ReadFully(int fd, void* buffer, std::size_t size, std::uint64_t offset) {
  auto* out = static_cast<char*>(buffer);
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

// Parses pax records "len key=value\n" for path, linkpath and size.
void ParsePax(std::string_view data, std::string* path, std::string* link, std::uint64_t* size, bool* has_size) {
  while (!data.empty()) {
    std::size_t space = data.find(' ');
    if (space == std::string_view::npos) return;
    std::uint64_t length = 0;
    for (char c : data.substr(0, space)) {
      if (c < '0' || c > '9') return;
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
      if (length > data.size()) return;
    }
    if (length <= space + 1 || length > data.size()) return;
    std::string_view record = data.substr(space + 1, length - space - 1);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    std::size_t eq = record.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = record.substr(0, eq);
      std::string_view value = record.substr(eq + 1);
      if (key == "path") *path = std::string(value);
      if (key == "linkpath") *link = std::string(value);
      if (key == "size") {
        std::uint64_t parsed = 0;
        bool ok = !value.empty();
        for (char c : value) {
          if (c < '0' || c > '9')
            ok = false;
          else
            parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (ok) {
          *size = parsed;
          *has_size = true;
        }
      }
    }
    data.remove_prefix(length);
  }
}

}  // namespace

std::string NormalizeMemberName(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i <= name.size()) {
    std::size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view part = name.substr(i, j - i);
    if (part == "..") return {};
    if (!part.empty() && part != ".") {
      if (!out.empty()) out.push_back('/');
      out.append(part);
    }
    i = j + 1;
  }
  return out;
}

Result<TarIndex> TarIndex::Build(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kNotFound, "{}: {}", path.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kIo, "{}: {}", path.string(), std::strerror(errno));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  TarIndex index;
  index.path_ = path;
  std::uint64_t offset = 0;
  std::string long_name, long_link, pax_path, pax_link;
  std::uint64_t pax_size = 0;
  bool pax_has_size = false;
  unsigned char header[kBlock];
  auto fail = [&](std::string_view why) {
    ::close(fd);
    return MakeError(ErrorCode::kCorrupt, "{}: not a valid tar archive ({} at byte {})", path.string(), why, offset);
  };
  bool saw_end = false;
  while (offset + kBlock <= file_size) {
    if (!ReadFully(fd, header, kBlock, offset)) return fail("read error");
    bool zero = true;
    for (unsigned char b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      saw_end = true;
      break;
    }
    if (!ChecksumOk(header)) return fail("bad header checksum");
    const char* h = reinterpret_cast<const char*>(header);
    std::uint64_t size = 0;
    if (!ParseNumber(h + 124, 12, &size)) return fail("bad size field");
    char type = h[156] == '\0' ? '0' : h[156];
    if (pax_has_size) size = pax_size;
    std::uint64_t data_offset = offset + kBlock;
    if (size > file_size || data_offset > file_size - size) return fail("member extends past the end of the file");
    std::uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    if (type == 'L' || type == 'K' || type == 'x') {
      if (size > (1u << 20)) return fail("oversized extended header");
      std::string data(size, '\0');
      if (!ReadFully(fd, data.data(), size, data_offset)) return fail("read error");
      if (type == 'L') long_name = FieldString(data.data(), data.size());
      if (type == 'K') long_link = FieldString(data.data(), data.size());
      if (type == 'x') ParsePax(data, &pax_path, &pax_link, &pax_size, &pax_has_size);
      offset = data_offset + padded;
      continue;
    }
    std::string name;
    if (!pax_path.empty()) {
      name = pax_path;
    } else if (!long_name.empty()) {
      name = long_name;
    } else {
      std::string prefix = std::memcmp(h + 257, "ustar", 5) == 0 ? FieldString(h + 345, 155) : std::string();
      name = FieldString(h, 100);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    std::string link = !pax_link.empty() ? pax_link : !long_link.empty() ? long_link : FieldString(h + 157, 100);
    long_name.clear();
    long_link.clear();
    pax_path.clear();
    pax_link.clear();
    pax_has_size = false;
    if (type != 'g') {
      std::string normalized = NormalizeMemberName(name);
      if (normalized.empty() && !name.empty() && name != "." && name != "./")
        return fail("member path escapes the archive");
      if (!normalized.empty()) {
        index.members_.insert_or_assign(normalized, TarMember{data_offset, size, type, link});
      }
    }
    offset = data_offset + padded;
  }
  ::close(fd);
  if (!saw_end && offset != file_size) {
    return MakeError(ErrorCode::kCorrupt, "{}: truncated tar archive", path.string());
  }
  if (index.members_.empty()) return MakeError(ErrorCode::kCorrupt, "{}: empty or not a tar archive", path.string());
  return index;
}

const TarMember* TarIndex::Find(std::string_view name) const {
  std::string current = NormalizeMemberName(name);
  for (int hops = 0; hops < 16; ++hops) {
    auto it = members_.find(current);
    if (it == members_.end()) return nullptr;
    const TarMember& member = it->second;
    if (member.type == '2') {  // symlink: relative to the member's directory
      std::string base =
          current.substr(0, current.find_last_of('/') == std::string::npos ? 0 : current.find_last_of('/'));
      std::string target = member.link_target.starts_with('/') ? member.link_target : base + "/" + member.link_target;
      current = customs::NormalizePath(target);  // clamps ".." at the archive root
      if (!current.empty()) current.erase(0, 1);
      if (current.empty()) return nullptr;
      continue;
    }
    if (member.type == '1') {  // hard link: relative to the archive root
      current = NormalizeMemberName(member.link_target);
      if (current.empty()) return nullptr;
      continue;
    }
    return &member;
  }
  return nullptr;
}

}  // namespace customs::image
