#include "core/utf8.h"

#include <cstdint>

namespace customs {
namespace {

// One step of decoding: a code point and its length, or (code_point < 0) the length of the maximal subpart of an
// ill-formed subsequence that starts at `text[at]`.
struct Decoded {
  std::int32_t code_point;
  std::size_t length;
};

// Unicode 15.0 Table 3-7 "Well-Formed UTF-8 Byte Sequences": the lead byte fixes the length and the range of the
// second byte; every later byte is 80..BF.
Decoded DecodeAt(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return {lead, 1};
  std::size_t need = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  std::int32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {-1, 1};  // 80..C1 (continuation bytes, overlong leads) and F5..FF never start a sequence
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (at + k >= text.size()) return {-1, k};  // truncated: the lead and the good continuations so far
    const auto byte = static_cast<unsigned char>(text[at + k]);
    if (byte < low || byte > high) return {-1, k};
    code_point = (code_point << 6) | (byte & 0x3F);
    low = 0x80;
    high = 0xBF;
  }
  return {code_point, need + 1};
}

bool Allowed(std::int32_t code_point, TextContext context) {
  switch (context) {
    case TextContext::kJson: return true;
    case TextContext::kXml:
      if (code_point < 0x20) return code_point == '\t' || code_point == '\n' || code_point == '\r';
      return code_point != 0xFFFE && code_point != 0xFFFF;
    case TextContext::kLine: return code_point >= 0x20 && !(code_point >= 0x7F && code_point <= 0x9F);
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  return IsClean(text, TextContext::kJson);
}

bool IsClean(std::string_view text, TextContext context) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {  // the common case: printable ASCII
      ++i;
      continue;
    }
    Decoded d = DecodeAt(text, i);
    if (d.code_point < 0 || !Allowed(d.code_point, context)) return false;
    i += d.length;
  }
  return true;
}

void AppendSanitized(std::string& out, std::string_view text, TextContext context) {
  std::size_t clean_from = 0;  // copy runs of good text in one append
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {
      ++i;
      continue;
    }
    Decoded d = DecodeAt(text, i);
    if (d.code_point >= 0 && Allowed(d.code_point, context)) {
      i += d.length;
      continue;
    }
    out.append(text.substr(clean_from, i - clean_from));
    if (context == TextContext::kLine && (byte == '\t' || byte == '\n' || byte == '\r')) {
      out.push_back(' ');
    } else {
      out.append(kReplacementCharacter);
    }
    i += d.length;
    clean_from = i;
  }
  out.append(text.substr(clean_from));
}

std::string Sanitized(std::string_view text, TextContext context) {
  std::string out;
  out.reserve(text.size());
  AppendSanitized(out, text, context);
  return out;
}

std::string EscapeInvalidUtf8(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    Decoded d = DecodeAt(text, i);
    if (d.code_point >= 0) {
      out.append(text.substr(i, d.length));
    } else {
      for (std::size_t k = 0; k < d.length; ++k) {
        const auto byte = static_cast<unsigned char>(text[i + k]);
        out += "\\x";
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0x0F]);
      }
    }
    i += d.length;
  }
  return out;
}

std::size_t CodePointCount(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) i += DecodeAt(text, i).length;
  return count;
}

std::string ClipText(std::string_view text, std::size_t max_code_points, TextContext context) {
  std::string clean = Sanitized(text, context);
  if (max_code_points < 4) max_code_points = 4;
  std::size_t count = 0;
  std::size_t cut = 0;  // byte offset after max_code_points - 3 code points
  for (std::size_t i = 0; i < clean.size();) {
    if (count == max_code_points - 3) cut = i;
    i += DecodeAt(clean, i).length;
    ++count;
    if (count > max_code_points) {
      clean.resize(cut);
      clean += "...";
      return clean;
    }
  }
  return clean;
}

}  // namespace customs
