// A streaming JSON writer: the document goes to an Output as it is made, never held as a tree, so writing the SBOM of
// 200,000 packages costs the output buffer, not a document ten times the size of the inventory.
//
// Every string (keys and values) goes through the UTF-8 sanitiser (core/utf8.h): whatever bytes an image holds, the
// output is valid JSON (RFC 8259 section 8.1). The layout is nlohmann::json's dump(indent) byte for byte (two-space
// indent, "key": value, {} and [] when empty, control characters escaped as \u00xx in lower case), so documents made
// with either read the same. Numbers: integers as they are; doubles in the shortest form that reads back to the same
// value, with ".0" on integral values, and null for NaN and infinities (as nlohmann does).
//
// Misuse (a value where a key is due, unbalanced End calls) is a programming error caught by assertions in debug
// builds. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/output.h"

namespace customs {

class JsonWriter {
 public:
  // `indent` spaces per level; a negative indent writes the compact form (no spaces, no newlines).
  explicit JsonWriter(Output& out, int indent = 2) : out_(out), indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Inside an object: the key of the next value.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Uint(std::uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  // Key(key) and then the value.
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const std::string& value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, std::int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, std::uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, double value) { return Key(key).Double(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  // An array of strings.
  JsonWriter& Field(std::string_view key, const std::vector<std::string>& values);

  // Whether every Begin has had its End.
  bool done() const { return stack_.empty(); }

 private:
  struct Level {
    bool object;
    std::size_t count = 0;
  };
  void BeforeValue();
  void Open(char bracket, bool object);
  void Close(char bracket);
  void Newline(std::size_t depth);
  void WriteString(std::string_view text);

  Output& out_;
  const int indent_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  std::string scratch_;
};

// The JSON string literal for `text` (quotes included), as JsonWriter writes it.
std::string JsonQuote(std::string_view text);

// The number as JsonWriter::Double writes it.
std::string JsonDouble(double value);

}  // namespace customs
