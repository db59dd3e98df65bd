#include "catalog/lang/zip_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace customs::catalog::lang {
namespace {

// APPNOTE 4.3.7 and friends.
constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndOfCentralDirectory = 0x06064b50;
constexpr std::uint32_t kDigitalSignature = 0x05054b50;
constexpr std::uint32_t kArchiveExtraData = 0x08064b50;
constexpr std::uint32_t kDataDescriptor = 0x08074b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kOutBufferSize = std::size_t{64} * 1024;
constexpr char kLocalMagic[] = {'P', 'K', 3, 4};

std::uint16_t Le16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[1]) << 8));
}
std::uint32_t Le32(const char* p) {
  return static_cast<std::uint32_t>(Le16(p)) | (static_cast<std::uint32_t>(Le16(p + 2)) << 16);
}
std::uint64_t Le64(const char* p) {
  return static_cast<std::uint64_t>(Le32(p)) | (static_cast<std::uint64_t>(Le32(p + 4)) << 32);
}

// Moves up to `want` - buffer.size() bytes of `in` into `buffer`; returns how many it took.
std::size_t Accumulate(std::string& buffer, std::size_t want, std::string_view in) {
  const std::size_t take = std::min(want > buffer.size() ? want - buffer.size() : 0, in.size());
  buffer.append(in.substr(0, take));
  return take;
}

}  // namespace

ZipStreamReader::ZipStreamReader(ZipEntrySink* sink, ZipBudget* budget, ZipLimits limits)
    : sink_(sink), budget_(budget), limits_(limits) {}

ZipStreamReader::~ZipStreamReader() {
  if (zs_initialised_) {
    inflateEnd(&zs_);
  }
}

void ZipStreamReader::Feed(std::string_view chunk) {
  while (!chunk.empty()) {
    std::size_t used = 0;
    switch (state_) {
      case State::kPrefix: used = StepPrefix(chunk); break;
      case State::kSignature: used = StepSignature(chunk); break;
      case State::kHeader: used = StepHeader(chunk); break;
      case State::kData: used = StepData(chunk); break;
      case State::kDescriptor: used = StepDescriptor(chunk); break;
      case State::kDone:
      case State::kFailed: return;
    }
    chunk.remove_prefix(used);
  }
}

void ZipStreamReader::Finish() {
  switch (state_) {
    case State::kDone:
    case State::kFailed: return;
    case State::kPrefix: Fail("no zip local file header found"); return;
    case State::kData: Fail(fmt::format("truncated inside entry \"{}\"", name_)); return;
    default: Fail(fmt::format("truncated after {} entries (no central directory)", entries_)); return;
  }
}

void ZipStreamReader::Fail(std::string message) {
  EndEntry(false);
  state_ = State::kFailed;
  error_ = std::move(message);
}

void ZipStreamReader::EndEntry(bool ok) {
  if (reading_) {
    reading_ = false;
    sink_->EndEntry(ok);
  }
}

void ZipStreamReader::Deliver(std::string_view data) {
  if (reading_ && !data.empty()) {
    sink_->EntryData(data);
  }
}

std::size_t ZipStreamReader::StepPrefix(std::string_view in) {
  if (!pending_.empty()) {
    // A signature may straddle the previous chunk's end: look in the held-back bytes plus the first 3 new ones.
    std::string window = pending_ + std::string(in.substr(0, 3));
    const std::size_t at = window.find(std::string_view(kLocalMagic, 4));
    if (at != std::string::npos && at < pending_.size()) {
      pending_.erase(0, at);  // the part of the signature already seen
      state_ = State::kSignature;
      return 0;
    }
  }
  const auto* found = std::search(in.begin(), in.end(), std::begin(kLocalMagic), std::end(kLocalMagic));
  if (found != in.end()) {
    const auto at = static_cast<std::size_t>(found - in.begin());
    pending_.clear();
    prefix_seen_ += at;
    state_ = State::kSignature;
    return at;
  }
  prefix_seen_ += in.size();
  if (prefix_seen_ > limits_.max_prefix_bytes) {
    Fail(fmt::format("no zip local file header in the first {} bytes", limits_.max_prefix_bytes));
    return in.size();
  }
  // Keep the last 3 bytes seen (of the held-back ones and this chunk): a signature may start there.
  std::string tail = pending_ + std::string(in.substr(in.size() > 3 ? in.size() - 3 : 0));
  pending_ = tail.substr(tail.size() > 3 ? tail.size() - 3 : 0);
  return in.size();
}

std::size_t ZipStreamReader::StepSignature(std::string_view in) {
  const std::size_t used = Accumulate(pending_, 4, in);
  if (pending_.size() < 4) {
    return used;
  }
  const std::uint32_t signature = Le32(pending_.data());
  if (signature == kLocalHeader) {
    state_ = State::kHeader;  // pending_ keeps the 4 bytes: they are the header's first
    return used;
  }
  pending_.clear();
  if (signature == kCentralHeader || signature == kEndOfCentralDirectory || signature == kZip64EndOfCentralDirectory ||
      signature == kDigitalSignature || signature == kArchiveExtraData) {
    state_ = State::kDone;
    return used;
  }
  Fail(fmt::format("bad signature 0x{:08x} after {} entries", signature, entries_));
  return used;
}

std::size_t ZipStreamReader::StepHeader(std::string_view in) {
  std::size_t used = Accumulate(pending_, kLocalHeaderSize, in);
  if (pending_.size() < kLocalHeaderSize) {
    return used;
  }
  const char* h = pending_.data();
  const std::size_t name_size = Le16(h + 26);
  const std::size_t extra_size = Le16(h + 28);
  used += Accumulate(pending_, kLocalHeaderSize + name_size + extra_size, in.substr(used));
  if (pending_.size() < kLocalHeaderSize + name_size + extra_size) {
    return used;
  }
  h = pending_.data();

  ++entries_;
  if (budget_->entries_left == 0) {
    budget_->exhausted = true;
    Fail("entry limit reached");
    return used;
  }
  --budget_->entries_left;

  flags_ = Le16(h + 6);
  method_ = Le16(h + 8);
  std::uint64_t compressed = Le32(h + 18);
  std::uint64_t uncompressed = Le32(h + 22);
  name_.assign(h + kLocalHeaderSize, name_size);
  // APPNOTE 4.5.3: the ZIP64 field holds the sizes the header marks 0xFFFFFFFF, uncompressed first.
  zip64_ = false;
  const char* extra = h + kLocalHeaderSize + name_size;
  for (std::size_t pos = 0; pos + 4 <= extra_size;) {
    const std::uint16_t tag = Le16(extra + pos);
    const std::size_t size = Le16(extra + pos + 2);
    if (pos + 4 + size > extra_size) {
      break;
    }
    if (tag == 0x0001) {
      zip64_ = true;
      std::size_t field = pos + 4;
      if (uncompressed == 0xffffffffu && field + 8 <= pos + 4 + size) {
        uncompressed = Le64(extra + field);
        field += 8;
      }
      if (compressed == 0xffffffffu && field + 8 <= pos + 4 + size) {
        compressed = Le64(extra + field);
      }
    }
    pos += 4 + size;
  }
  pending_.clear();

  const bool descriptor = (flags_ & 0x8) != 0;
  // With bit 3 the header's sizes are zero (APPNOTE 4.4.4); a stored entry that states a size anyway is trusted.
  sizes_known_ = !descriptor || (method_ == 0 && compressed != 0);
  const bool encrypted = (flags_ & 0x1) != 0;
  if (!sizes_known_ && (encrypted || (method_ != 0 && method_ != 8))) {
    Fail(fmt::format("entry \"{}\" has no size and method {}{}: cannot find its end", name_, method_,
                     encrypted ? " (encrypted)" : ""));
    return used;
  }
  ZipEntryInfo info;
  info.name = name_;
  info.method = method_;
  info.flags = flags_;
  info.sizes_known = sizes_known_;
  info.compressed_size = sizes_known_ ? compressed : 0;
  info.uncompressed_size = sizes_known_ ? uncompressed : 0;
  reading_ = !encrypted && (method_ == 0 || method_ == 8) && sink_->StartEntry(info);
  remaining_ = compressed;
  consumed_ = 0;
  crc_ = static_cast<std::uint32_t>(crc32(0, nullptr, 0));
  inflating_ = method_ == 8 && (reading_ || !sizes_known_);
  if (inflating_) {
    if (!zs_initialised_) {
      if (inflateInit2(&zs_, -MAX_WBITS) != Z_OK) {
        Fail("zlib initialisation failed");
        return used;
      }
      zs_initialised_ = true;
      out_buffer_ = std::make_unique<char[]>(kOutBufferSize);
    } else {
      inflateReset(&zs_);
    }
  }
  state_ = State::kData;
  if (sizes_known_ && remaining_ == 0 && !inflating_) {
    EndEntry(true);
    state_ = descriptor ? State::kDescriptor : State::kSignature;
  }
  return used;
}

std::size_t ZipStreamReader::StepData(std::string_view in) {
  if (inflating_) {
    return StepInflate(in);
  }
  if (!sizes_known_) {
    return StepStoredUnknownSize(in);
  }
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
  Deliver(in.substr(0, n));
  remaining_ -= n;
  if (remaining_ == 0) {
    EndEntry(true);
    state_ = (flags_ & 0x8) != 0 ? State::kDescriptor : State::kSignature;
  }
  return n;
}

std::size_t ZipStreamReader::StepInflate(std::string_view in) {
  const std::string_view feed =
      sizes_known_ ? in.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()))) : in;
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(feed.data()));
  zs_.avail_in = static_cast<uInt>(feed.size());
  int ret = Z_OK;
  while (true) {
    zs_.next_out = reinterpret_cast<Bytef*>(out_buffer_.get());
    zs_.avail_out = kOutBufferSize;
    ret = inflate(&zs_, Z_NO_FLUSH);
    const std::size_t produced = kOutBufferSize - zs_.avail_out;
    if (produced > budget_->inflated_bytes_left) {
      budget_->exhausted = true;
      Fail(fmt::format("decompression limit reached in entry \"{}\"", name_));
      return in.size();
    }
    budget_->inflated_bytes_left -= produced;
    Deliver(std::string_view(out_buffer_.get(), produced));
    if (ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR)) {
      break;
    }
    if (zs_.avail_in == 0 && zs_.avail_out != 0) {
      break;  // needs more input
    }
    if (produced == 0 && ret == Z_BUF_ERROR) {
      break;  // no progress possible
    }
  }
  const std::size_t used = feed.size() - zs_.avail_in;
  if (sizes_known_) {
    remaining_ -= used;
  }
  const bool descriptor = (flags_ & 0x8) != 0;
  if (ret == Z_STREAM_END) {
    EndEntry(true);
    inflating_ = false;
    if (!sizes_known_) {
      state_ = State::kDescriptor;
    } else if (remaining_ == 0) {
      state_ = descriptor ? State::kDescriptor : State::kSignature;
    }  // else: compressed bytes after the deflate end are skipped as data
    return used;
  }
  if (ret != Z_OK && ret != Z_BUF_ERROR) {
    if (!sizes_known_) {
      Fail(fmt::format("corrupt deflate data in entry \"{}\"", name_));
      return in.size();
    }
    EndEntry(false);  // the rest of this entry is skipped; its size is known
    inflating_ = false;
    return used;
  }
  if (sizes_known_ && remaining_ == 0) {
    EndEntry(false);  // the deflate stream did not end within the stated size
    inflating_ = false;
    state_ = descriptor ? State::kDescriptor : State::kSignature;
  }
  return used;
}

std::size_t ZipStreamReader::StepStoredUnknownSize(std::string_view in) {
  // The descriptor (signature, CRC-32, 32-bit sizes: 16 bytes) ends the entry when its CRC and compressed size match
  // the bytes before it. Up to 15 bytes are held back between chunks in case a descriptor starts there.
  constexpr std::size_t kDescriptorSize = 16;
  const std::size_t held = pending_.size();
  std::string buffer = std::move(pending_);
  buffer.append(in);
  pending_.clear();
  for (std::size_t i = 0; i + kDescriptorSize <= buffer.size(); ++i) {
    if (Le32(buffer.data() + i) != kDataDescriptor) {
      continue;
    }
    const std::uint64_t size = consumed_ + i;
    const auto crc = static_cast<std::uint32_t>(crc32(crc_, reinterpret_cast<const Bytef*>(buffer.data()), i));
    if (Le32(buffer.data() + i + 4) != crc || Le32(buffer.data() + i + 8) != (size & 0xffffffffu)) {
      continue;
    }
    Deliver(std::string_view(buffer).substr(0, i));
    EndEntry(true);
    state_ = State::kSignature;
    return i + kDescriptorSize - held;
  }
  const std::size_t keep = std::min(buffer.size(), kDescriptorSize - 1);
  const std::size_t deliver = buffer.size() - keep;
  Deliver(std::string_view(buffer).substr(0, deliver));
  crc_ = static_cast<std::uint32_t>(crc32(crc_, reinterpret_cast<const Bytef*>(buffer.data()), deliver));
  consumed_ += deliver;
  pending_ = buffer.substr(deliver);
  return in.size();
}

std::size_t ZipStreamReader::StepDescriptor(std::string_view in) {
  // APPNOTE 4.3.9: an optional signature, CRC-32, then the sizes (8 bytes each in ZIP64 entries, 4 otherwise).
  std::size_t used = Accumulate(pending_, 4, in);
  if (pending_.size() < 4) {
    return used;
  }
  const bool signed_descriptor = Le32(pending_.data()) == kDataDescriptor;
  const std::size_t total = (signed_descriptor ? 4 : 0) + 4 + (zip64_ ? 16 : 8);
  used += Accumulate(pending_, total, in.substr(used));
  if (pending_.size() < total) {
    return used;
  }
  pending_.clear();
  state_ = State::kSignature;
  return used;
}

}  // namespace customs::catalog::lang
