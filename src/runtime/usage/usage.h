// What the containers of each image actually ran: the files they executed and the files they opened for reading
// (shared libraries as the dynamic loader maps them, jars, scripts), per image. `customs watch --usage-out FILE`
// records it; `customs image IMAGE --usage FILE` marks each vulnerability finding in use or not by whether any file of
// its package was seen (findings ranked by use, issue 18).
//
// The file has one line per (image, file), updated in place: a watch loads the existing file, merges what it sees,
// and rewrites it atomically (periodically and at the end). Memory is bounded (max_entries pairs; pairs beyond are
// counted as dropped, never stored), and repeated events of a known pair only bump its count: ordinary activity does
// not grow the record.
//
// Format (text, tab-separated, '#' comments):
//   # customs usage v1
//   IMAGE-KEY<TAB>IMAGE-NAME<TAB>PATH<TAB>HOW<TAB>COUNT<TAB>LAST-SEEN
// IMAGE-KEY is the image's repository digest, else its id (config digest), else its name, as the engine reported
// them; HOW is "exec", "open" or "exec,open"; LAST-SEEN is Unix seconds. Keys, names and paths never hold a tab or a
// newline (such events are not recorded).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "runtime/event.h"

namespace customs::runtime {

inline constexpr uint8_t kUsageExec = 1;
inline constexpr uint8_t kUsageOpen = 2;

struct UsageEntry {
  std::string image_key;
  std::string image_name;
  std::string path;
  uint8_t how = 0;  // kUsageExec | kUsageOpen
  uint64_t count = 0;
  uint64_t last_seen = 0;  // Unix seconds
};

// The key an image's usage is recorded under ("" when the engine said nothing about the image).
std::string UsageImageKey(const ContainerMetadata& metadata);

class UsageRecorder {
 public:
  explicit UsageRecorder(std::size_t max_entries = 1'000'000) : max_entries_(max_entries) {}

  // Counts an exec (its executable) or a successful open for reading (the file) by a container process whose image
  // is known. Paths below /proc, /sys and /dev are not files of an image and are ignored. Returns whether the event
  // was recorded. Does not allocate for a pair already known.
  bool Observe(const Event& event);
  // Adds a recorded entry (merging with a known pair: counts add up, the later last_seen wins).
  void Add(const UsageEntry& entry);

  // Merges an existing usage file (a missing file is not an error). kCorrupt names the bad line.
  [[nodiscard]] Status Load(const std::filesystem::path& path);
  // The whole record, lines sorted by image key and path.
  std::string Serialize() const;
  // Writes Serialize() atomically.
  [[nodiscard]] Status Save(const std::filesystem::path& path) const;

  std::size_t size() const { return entries_.size(); }
  uint64_t dropped() const { return dropped_; }  // new pairs refused because the record was full

 private:
  std::size_t max_entries_;
  std::unordered_map<std::string, UsageEntry> entries_;  // key: image_key + '\t' + path
  std::string key_;                                      // reused lookup buffer
  uint64_t dropped_ = 0;
};

// Parses a usage file. kCorrupt names the line.
[[nodiscard]] Result<std::vector<UsageEntry>> ParseUsage(std::string_view text);

}  // namespace customs::runtime
