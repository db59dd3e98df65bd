// Helpers for reading an ELF executable that arrives as a stream (core/file_extractor.h): the program headers from
// the first bytes, and byte ranges captured as the stream passes them. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace customs::catalog::lang {

// The parts of an ELF header (System V gABI, "ELF Header" and "Program Header") the binary catalogers need.
struct ElfLayout {
  bool is_64 = false;
  bool big_endian = false;
  std::uint64_t section_headers_offset = 0;  // e_shoff (0: none)
  std::uint16_t section_header_size = 0;     // e_shentsize
  std::uint16_t section_count = 0;           // e_shnum
  std::uint16_t section_names_index = 0;     // e_shstrndx
  struct Load {
    std::uint64_t vaddr = 0;
    std::uint64_t offset = 0;
    std::uint64_t file_size = 0;
  };
  std::vector<Load> loads;  // PT_LOAD segments
  // The file offset holding virtual address `vaddr` (inside some PT_LOAD's file image), if any.
  std::optional<std::uint64_t> FileOffset(std::uint64_t vaddr) const;
  // The end of the last PT_LOAD's file image: non-allocated sections (.comment, .symtab, .dep-v0) lie after it.
  std::uint64_t LoadedEnd() const;
};

bool IsElf(std::string_view head);
// Parses the ELF header and, when `head` reaches that far, the program headers. nullopt when `head` is not ELF, or is
// too short to tell, or the program headers lie beyond it: `*needed` then says how many bytes are needed (0: never).
std::optional<ElfLayout> ParseElfHead(std::string_view head, std::size_t* needed = nullptr);

// Unsigned integers of either byte order.
std::uint64_t ReadUnsigned(std::string_view bytes, std::size_t offset, std::size_t size, bool big_endian);

// Byte ranges of a stream collected as it passes. A range asked for after the stream passed its start is filled from
// the last kHistory bytes when they still hold it, and otherwise never completes.
class StreamCaptures {
 public:
  static constexpr std::size_t kHistory = 64;

  // Asks for [offset, offset + length). Returns its id.
  std::size_t Request(std::uint64_t offset, std::size_t length);
  // Shortens a request (the length became known); never lengthens it.
  void Shrink(std::size_t id, std::size_t length);
  void Drop(std::size_t id);
  // Fills the open ranges from the chunk that starts at stream offset `base` (== position()). May be called again for
  // the same chunk after new requests were made; Advance then moves past it. Chunks arrive in order, without gaps.
  void Fill(std::uint64_t base, std::string_view chunk);
  void Advance(std::uint64_t base, std::string_view chunk);
  // The bytes collected so far for `id`, and whether the range is complete.
  const std::string& Data(std::size_t id) const { return ranges_[id].data; }
  bool Complete(std::size_t id) const;
  std::uint64_t position() const { return position_; }

 private:
  struct Range {
    std::uint64_t offset = 0;
    std::size_t length = 0;
    std::string data;
    bool dropped = false;
  };
  static void FillRange(Range& range, std::uint64_t base, std::string_view chunk);

  std::vector<Range> ranges_;
  std::vector<std::size_t> open_;  // ids still collecting
  std::string history_;            // the last kHistory bytes before position_
  std::uint64_t position_ = 0;
};

// Finds every occurrence of a pattern in a stream, across chunk boundaries.
class StreamMatcher {
 public:
  explicit StreamMatcher(std::string pattern) : pattern_(std::move(pattern)) {}
  // Calls on_match(absolute offset) for every occurrence that ends inside `chunk` (which starts at `base`).
  template <class F>
  void Feed(std::uint64_t base, std::string_view chunk, F&& on_match) {
    const std::size_t n = pattern_.size();
    if (!carry_.empty()) {
      std::string window = carry_ + std::string(chunk.substr(0, n - 1));
      for (std::size_t at = window.find(pattern_); at != std::string::npos && at < carry_.size();
           at = window.find(pattern_, at + 1)) {
        on_match(base - carry_.size() + at);
      }
    }
    for (std::size_t at = chunk.find(pattern_); at != std::string_view::npos; at = chunk.find(pattern_, at + 1)) {
      on_match(base + at);
    }
    if (chunk.size() >= n - 1) {
      carry_.assign(chunk.substr(chunk.size() - (n - 1)));
    } else {
      carry_.append(chunk);
      if (carry_.size() > n - 1) {
        carry_.erase(0, carry_.size() - (n - 1));
      }
    }
  }

 private:
  std::string pattern_;
  std::string carry_;
};

}  // namespace customs::catalog::lang
