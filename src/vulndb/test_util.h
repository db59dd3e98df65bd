// Helpers shared by the vulndb tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace customs::vulndb::testing {

inline const std::filesystem::path kVulnData = std::filesystem::path(CUSTOMS_SHARED_DATA) / "vulndata";

// Every regular member of a zip: name -> content (read with libarchive directly, independent of the importer).
inline std::map<std::string, std::string> ReadZip(const std::filesystem::path& path) {
  std::map<std::string, std::string> members;
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return members;
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) {
      continue;
    }
    std::string content;
    char buffer[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(reader.get(), buffer, sizeof(buffer))) > 0) {
      content.append(buffer, n);
    }
    members[archive_entry_pathname(entry)] = content;
  }
  return members;
}

// Writes a zip holding `members` in order.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::vector<char> buffer(64 << 20);
  size_t used = 0;
  std::unique_ptr<archive, decltype(&archive_write_free)> writer(archive_write_new(), archive_write_free);
  archive_write_set_format_zip(writer.get());
  archive_write_open_memory(writer.get(), buffer.data(), buffer.size(), &used);
  for (const auto& [name, content] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_write_header(writer.get(), entry);
    archive_write_data(writer.get(), content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(writer.get());
  return std::string(buffer.data(), used);
}

}  // namespace customs::vulndb::testing
