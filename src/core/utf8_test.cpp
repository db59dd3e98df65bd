#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace customs {
namespace {

// "F4 91 92" -> the bytes.
std::string Bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

// U+FFFD written n times.
std::string Fffd(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += kReplacementCharacter;
  return out;
}

// The examples of the Unicode Standard (15.0, section 3.9, "U+FFFD Substitution of Maximal Subparts"): the input bytes
// and the number of U+FFFD each maximal subpart gives, with the well-formed characters in between.
TEST(Utf8Test, UnicodeStandardExamplesOfMaximalSubparts) {
  // The worked example in the text: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
  EXPECT_EQ(Sanitized(Bytes("61 F1 80 80 E1 80 C2 62 80 63 80 BF 64")),
            "a" + Fffd(3) + "b" + Fffd(1) + "c" + Fffd(2) + "d");
  // Non-shortest forms (overlongs): every byte is its own maximal subpart.
  EXPECT_EQ(Sanitized(Bytes("C0 AF E0 80 BF F0 81 82 41")), Fffd(8) + "A");
  // Encoded surrogates.
  EXPECT_EQ(Sanitized(Bytes("ED A0 80 ED BF BF ED AF 41")), Fffd(8) + "A");
  // Other ill-formed sequences: above U+10FFFF, FF, lone continuations.
  EXPECT_EQ(Sanitized(Bytes("F4 91 92 93 FF 41 80 BF 42")), Fffd(5) + "A" + Fffd(2) + "B");
  // Truncated sequences: a good prefix is one subpart.
  EXPECT_EQ(Sanitized(Bytes("E1 80 E2 F0 91 92 F1 BF 41")), Fffd(4) + "A");
}

TEST(Utf8Test, WellFormedTextIsKept) {
  const std::string text = Bytes("68 C3 A9 20 E6 97 A5 E6 9C AC 20 F0 9F 99 82");  // "hé 日本 🙂"
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(Sanitized(text), text);
  EXPECT_EQ(Sanitized(text, TextContext::kXml), text);
  EXPECT_EQ(Sanitized(text, TextContext::kLine), text);
  // The boundaries of Table 3-7.
  for (const char* hex :
       {"00", "7F", "C2 80", "DF BF", "E0 A0 80", "ED 9F BF", "EE 80 80", "EF BF BF", "F0 90 80 80", "F4 8F BF BF"}) {
    EXPECT_TRUE(IsValidUtf8(Bytes(hex))) << hex;
  }
  for (const char* hex : {"80", "C1 BF", "E0 9F BF", "ED A0 80", "F0 8F BF BF", "F4 90 80 80", "F5 80 80 80", "FE",
                          "FF", "C2", "E1 80", "F1 80 80"}) {
    EXPECT_FALSE(IsValidUtf8(Bytes(hex))) << hex;
    EXPECT_TRUE(IsValidUtf8(Sanitized(Bytes(hex)))) << hex;
  }
}

TEST(Utf8Test, EverySanitisedStringIsValid) {
  // Every one- and two-byte string, and three-byte strings built around every lead byte.
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    EXPECT_TRUE(IsValidUtf8(Sanitized(one)));
    for (int b = 0; b < 256; ++b) {
      std::string two = one + static_cast<char>(b);
      std::string clean = Sanitized(two);
      ASSERT_TRUE(IsValidUtf8(clean)) << a << " " << b;
      ASSERT_TRUE(IsClean(clean));
      ASSERT_EQ(IsClean(two), clean == two);
      for (TextContext context : {TextContext::kXml, TextContext::kLine}) {
        ASSERT_TRUE(IsClean(Sanitized(two + "\x80\xBF", context), context));
      }
    }
  }
}

TEST(Utf8Test, XmlDropsWhatXmlCannotCarry) {
  EXPECT_EQ(Sanitized(std::string("a\0b\x01\tc\n\r", 8), TextContext::kXml), "a" + Fffd(1) + "b" + Fffd(1) + "\tc\n\r");
  EXPECT_EQ(Sanitized(Bytes("EF BF BE EF BF BF EF BF BD"), TextContext::kXml), Fffd(3));
  // JSON allows them all: its writer escapes.
  EXPECT_EQ(Sanitized(std::string("a\0b", 3), TextContext::kJson), std::string("a\0b", 3));
}

TEST(Utf8Test, LineTextCarriesNoTerminalControls) {
  // ESC ] (OSC), BEL, ESC [ (CSI), a C1 CSI (U+009B), DEL, and newlines that would break a table row.
  std::string hostile = "x\x1b]0;pwned\x07\x1b[2J" + Bytes("C2 9B") + "31m\x7f\n\ty";
  std::string clean = Sanitized(hostile, TextContext::kLine);
  EXPECT_EQ(clean, "x" + Fffd(1) + "]0;pwned" + Fffd(2) + "[2J" + Fffd(1) + "31m" + Fffd(1) + "  y");
  for (char c : clean) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f);
}

TEST(Utf8Test, EscapedBytesReadBack) {
  std::string raw = "ok\\" + Bytes("C0 AF") + "é" + Bytes("F4 90");
  std::string escaped = EscapeInvalidUtf8(raw);
  EXPECT_EQ(escaped, "ok\\\\\\xC0\\xAFé\\xF4\\x90");
  EXPECT_TRUE(IsValidUtf8(escaped));
}

TEST(Utf8Test, ClipNeverCutsASequence) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "é";
  std::string clipped = ClipText(text, 10);
  EXPECT_TRUE(IsValidUtf8(clipped));
  EXPECT_EQ(CodePointCount(clipped), 10u);
  EXPECT_TRUE(clipped.ends_with("é..."));
  EXPECT_EQ(ClipText("short", 10), "short");
  EXPECT_EQ(ClipText("exactly10!", 10), "exactly10!");
  EXPECT_EQ(ClipText("exactly 11!", 10), "exactly...");
  EXPECT_EQ(ClipText(Bytes("FF FF FF FF FF FF"), 5), Fffd(2) + "...");
}

}  // namespace
}  // namespace customs
