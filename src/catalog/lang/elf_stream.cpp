#include "catalog/lang/elf_stream.h"

#include <algorithm>

namespace customs::catalog::lang {

std::uint64_t ReadUnsigned(std::string_view bytes, std::size_t offset, std::size_t size, bool big_endian) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[offset + (big_endian ? i : size - 1 - i)]);
    value = (value << 8) | byte;
  }
  return value;
}

bool IsElf(std::string_view head) {
  return head.size() >= 4 && head.substr(0, 4) == std::string_view(
                                                      "\x7f"
                                                      "ELF",
                                                      4);
}

std::optional<std::uint64_t> ElfLayout::FileOffset(std::uint64_t vaddr) const {
  for (const Load& load : loads) {
    if (vaddr >= load.vaddr && vaddr - load.vaddr < load.file_size) {
      return load.offset + (vaddr - load.vaddr);
    }
  }
  return std::nullopt;
}

std::uint64_t ElfLayout::LoadedEnd() const {
  std::uint64_t end = 0;
  for (const Load& load : loads) {
    end = std::max(end, load.offset + load.file_size);
  }
  return end;
}

std::optional<ElfLayout> ParseElfHead(std::string_view head, std::size_t* needed) {
  if (needed != nullptr) {
    *needed = 0;
  }
  if (head.size() < 64 && std::string_view("\x7f"
                                           "ELF",
                                           4)
                              .starts_with(head.substr(0, 4))) {
    if (needed != nullptr) {
      *needed = 64;  // too short to tell yet
    }
    if (head.size() < 52) {
      return std::nullopt;
    }
  }
  if (!IsElf(head) || head.size() < 52) {
    return std::nullopt;
  }
  ElfLayout elf;
  const auto ei_class = static_cast<unsigned char>(head[4]);
  const auto ei_data = static_cast<unsigned char>(head[5]);
  if ((ei_class != 1 && ei_class != 2) || (ei_data != 1 && ei_data != 2)) {
    return std::nullopt;
  }
  elf.is_64 = ei_class == 2;
  elf.big_endian = ei_data == 2;
  const bool be = elf.big_endian;
  if (elf.is_64 && head.size() < 64) {
    return std::nullopt;  // *needed is 64
  }
  const std::size_t word = elf.is_64 ? 8 : 4;
  // e_phoff, e_shoff follow e_entry; the 16-bit fields follow e_flags.
  const std::size_t phoff_at = 24 + word;
  const std::uint64_t phoff = ReadUnsigned(head, phoff_at, word, be);
  elf.section_headers_offset = ReadUnsigned(head, phoff_at + word, word, be);
  const std::size_t halves = phoff_at + 2 * word + 4;  // e_flags
  const std::size_t phentsize = ReadUnsigned(head, halves + 2, 2, be);
  const std::size_t phnum = ReadUnsigned(head, halves + 4, 2, be);
  elf.section_header_size = static_cast<std::uint16_t>(ReadUnsigned(head, halves + 6, 2, be));
  elf.section_count = static_cast<std::uint16_t>(ReadUnsigned(head, halves + 8, 2, be));
  elf.section_names_index = static_cast<std::uint16_t>(ReadUnsigned(head, halves + 10, 2, be));
  const std::size_t min_entry = elf.is_64 ? 56 : 32;
  if (phnum == 0) {
    return elf;
  }
  if (phentsize < min_entry || phoff > (1u << 20)) {
    return std::nullopt;
  }
  const std::uint64_t end = phoff + phentsize * phnum;
  if (end > head.size()) {
    if (needed != nullptr) {
      *needed = static_cast<std::size_t>(end);
    }
    return std::nullopt;
  }
  for (std::size_t i = 0; i < phnum; ++i) {
    const std::size_t at = static_cast<std::size_t>(phoff) + i * phentsize;
    if (ReadUnsigned(head, at, 4, be) != 1) {
      continue;  // PT_LOAD
    }
    ElfLayout::Load load;
    if (elf.is_64) {
      load.offset = ReadUnsigned(head, at + 8, 8, be);
      load.vaddr = ReadUnsigned(head, at + 16, 8, be);
      load.file_size = ReadUnsigned(head, at + 32, 8, be);
    } else {
      load.offset = ReadUnsigned(head, at + 4, 4, be);
      load.vaddr = ReadUnsigned(head, at + 8, 4, be);
      load.file_size = ReadUnsigned(head, at + 16, 4, be);
    }
    elf.loads.push_back(load);
  }
  return elf;
}

std::size_t StreamCaptures::Request(std::uint64_t offset, std::size_t length) {
  Range range;
  range.offset = offset;
  range.length = length;
  const std::size_t id = ranges_.size();
  // Whatever the history still holds of a range that starts before the current position.
  const std::uint64_t history_start = position_ - history_.size();
  if (offset < position_ && offset >= history_start) {
    FillRange(range, history_start, history_);
  }
  ranges_.push_back(std::move(range));
  if (!Complete(id)) {
    open_.push_back(id);
  }
  return id;
}

void StreamCaptures::Shrink(std::size_t id, std::size_t length) {
  Range& range = ranges_[id];
  if (length < range.length) {
    range.length = length;
    if (range.data.size() > length) {
      range.data.resize(length);
    }
  }
}

void StreamCaptures::Drop(std::size_t id) {
  ranges_[id].dropped = true;
  ranges_[id].data.clear();
  ranges_[id].data.shrink_to_fit();
}

bool StreamCaptures::Complete(std::size_t id) const {
  return !ranges_[id].dropped && ranges_[id].data.size() == ranges_[id].length;
}

void StreamCaptures::FillRange(Range& range, std::uint64_t base, std::string_view chunk) {
  const std::uint64_t want_from = range.offset + range.data.size();
  const std::uint64_t want_to = range.offset + range.length;
  if (want_from >= want_to || want_from < base || want_from >= base + chunk.size()) {
    return;
  }
  const std::uint64_t to = std::min<std::uint64_t>(want_to, base + chunk.size());
  range.data.append(chunk.substr(static_cast<std::size_t>(want_from - base), static_cast<std::size_t>(to - want_from)));
}

void StreamCaptures::Fill(std::uint64_t base, std::string_view chunk) {
  for (std::size_t i = 0; i < open_.size();) {
    Range& range = ranges_[open_[i]];
    if (!range.dropped) {
      FillRange(range, base, chunk);
    }
    // Done, dropped, or past saving (its next byte lies before this chunk).
    if (range.dropped || range.data.size() >= range.length || range.offset + range.data.size() < base) {
      open_[i] = open_.back();
      open_.pop_back();
    } else {
      ++i;
    }
  }
}

void StreamCaptures::Advance(std::uint64_t base, std::string_view chunk) {
  position_ = base + chunk.size();
  if (chunk.size() >= kHistory) {
    history_.assign(chunk.substr(chunk.size() - kHistory));
  } else {
    history_.append(chunk);
    if (history_.size() > kHistory) {
      history_.erase(0, history_.size() - kHistory);
    }
  }
}

}  // namespace customs::catalog::lang
