// Text that comes from an image is bytes, not UTF-8: package fields, os-release values, file names and config strings
// may hold anything. Every report writer passes such text through this one sanitiser, so that what it writes is valid
// for its format (JSON: RFC 8259 section 8.1; XML: the Char production of XML 1.0 section 2.2) and a terminal never
// receives an escape sequence from an image.
//
// Ill-formed UTF-8 is replaced as the Unicode Standard recommends (Unicode 15.0 section 3.9, "U+FFFD Substitution of
// Maximal Subparts", also the WHATWG Encoding Standard's decoder): each maximal subpart of an ill-formed subsequence
// becomes one U+FFFD. Overlong forms, encoded surrogates (U+D800..U+DFFF) and sequences above U+10FFFF are ill-formed.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace customs {

// U+FFFD REPLACEMENT CHARACTER, UTF-8 encoded.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Where the text goes, which decides what besides ill-formed UTF-8 is replaced.
enum class TextContext {
  // JSON strings: every Unicode scalar value is allowed (the JSON writer escapes control characters itself).
  kJson,
  // XML 1.0 character data and attribute values: C0 controls other than TAB, LF and CR, and the noncharacters U+FFFE
  // and U+FFFF are not XML characters at all (not even as character references), so they are replaced.
  kXml,
  // Text for a terminal, a table cell or a markdown line: TAB, LF and CR become a space (a multi-line RUN stays
  // readable on one line); every other C0 control, DEL and every C1 control (U+0080..U+009F, the 8-bit CSI and OSC
  // introducers) becomes U+FFFD, so an image cannot move the cursor, retitle the window or break a table row.
  kLine,
};

// Whether `text` is well-formed UTF-8 (Unicode 15.0 section 3.9, Table 3-7).
bool IsValidUtf8(std::string_view text);

// Appends `text` with every maximal subpart of an ill-formed subsequence, and every code point `context` does not
// allow, replaced by U+FFFD (TAB, LF, CR by a space in kLine). Well-formed text the context allows is unchanged.
void AppendSanitized(std::string& out, std::string_view text, TextContext context = TextContext::kJson);
std::string Sanitized(std::string_view text, TextContext context = TextContext::kJson);

// Whether Sanitized(text, context) == text, without building it.
bool IsClean(std::string_view text, TextContext context = TextContext::kJson);

// The bytes of `text`, with every byte of an ill-formed subsequence written as \xHH (upper-case hex) and every
// backslash as \\, so that the result is valid UTF-8 from which the original bytes can be read back. Used next to a
// sanitised value ("the escaped bytes in a property") so that nothing an image said is lost.
std::string EscapeInvalidUtf8(std::string_view text);

// Sanitized(text, context), cut to at most `max_code_points` code points: a longer text keeps its first
// max_code_points - 3 code points and ends in "...". Never cuts inside a UTF-8 sequence. `max_code_points` >= 4.
std::string ClipText(std::string_view text, std::size_t max_code_points, TextContext context = TextContext::kLine);

// The number of code points in well-formed UTF-8 (each ill-formed byte counts as one): the width a terminal gives it,
// for the scripts our tables show.
std::size_t CodePointCount(std::string_view text);

}  // namespace customs
