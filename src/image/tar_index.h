// An index of the members of an uncompressed tar file (a docker-archive or an oci-archive), so that each member can
// be read later as a byte range without extracting anything. Understands ustar, GNU long names ('L'/'K') and pax
// extended headers ('x' path/size). Hostile headers (sizes past the end of the file, bad checksums, negative sizes)
// give kCorrupt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "core/error.h"

namespace customs::image {

struct TarMember {
  std::uint64_t offset = 0;  // of the data, in bytes from the start of the file
  std::uint64_t size = 0;
  char type = '0';  // tar typeflag
  std::string link_target;
};

class TarIndex {
 public:
  // Reads only the headers (seeking over data). Fails on a file that is not a tar.
  [[nodiscard]] static Result<TarIndex> Build(const std::filesystem::path& path);

  // Looks a member up by normalised relative path ("manifest.json", "blobs/sha256/ab..."); follows symlink and
  // hard-link members inside the archive (docker save writes layers as symlinks to blobs).
  const TarMember* Find(std::string_view name) const;
  const std::map<std::string, TarMember, std::less<>>& members() const { return members_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::map<std::string, TarMember, std::less<>> members_;
};

// "./a/b" -> "a/b"; "a//b/" -> "a/b". Rejects ".." components by returning an empty string.
std::string NormalizeMemberName(std::string_view name);

}  // namespace customs::image
