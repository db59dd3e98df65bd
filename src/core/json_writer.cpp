#include "core/json_writer.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

#include "core/utf8.h"

namespace customs {
namespace {

void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0x0F]);
          out.push_back(kHex[c & 0x0F]);
        } else {
          out.push_back(c);
        }
    }
  }
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  if (IsValidUtf8(text)) {
    AppendEscaped(out, text);
  } else {
    AppendEscaped(out, Sanitized(text));
  }
  out += '"';
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out;
  AppendQuoted(out, text);
  return out;
}

std::string JsonDouble(double value) {
  if (!std::isfinite(value)) return "null";
  std::string text = fmt::format("{}", value);  // the shortest form that reads back (fmt's Dragonbox)
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

void JsonWriter::Newline(std::size_t depth) {
  if (indent_ < 0) return;
  scratch_.assign(1, '\n');
  scratch_.append(depth * static_cast<std::size_t>(indent_), ' ');
  out_.Write(scratch_);
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Level& level = stack_.back();
  assert(!level.object && "a value inside an object needs a Key first");
  if (level.count++ > 0) out_.Write(",");
  Newline(stack_.size());
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!stack_.empty() && stack_.back().object && !after_key_);
  Level& level = stack_.back();
  if (level.count++ > 0) out_.Write(",");
  Newline(stack_.size());
  WriteString(key);
  out_.Write(indent_ < 0 ? ":" : ": ");
  after_key_ = true;
  return *this;
}

void JsonWriter::Open(char bracket, bool object) {
  BeforeValue();
  out_.Write(std::string_view(&bracket, 1));
  stack_.push_back({object});
}

void JsonWriter::Close(char bracket) {
  assert(!stack_.empty() && !after_key_);
  const bool empty = stack_.back().count == 0;
  stack_.pop_back();
  if (!empty) Newline(stack_.size());
  out_.Write(std::string_view(&bracket, 1));
}

JsonWriter& JsonWriter::BeginObject() {
  Open('{', true);
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  Close('}');
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Open('[', false);
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  Close(']');
  return *this;
}

void JsonWriter::WriteString(std::string_view text) {
  scratch_.clear();
  AppendQuoted(scratch_, text);
  out_.Write(scratch_);
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  WriteString(value);
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  out_.Write(fmt::format("{}", value));
  return *this;
}

JsonWriter& JsonWriter::Uint(std::uint64_t value) {
  BeforeValue();
  out_.Write(fmt::format("{}", value));
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  BeforeValue();
  out_.Write(JsonDouble(value));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.Write(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.Write("null");
  return *this;
}

JsonWriter& JsonWriter::Field(std::string_view key, const std::vector<std::string>& values) {
  Key(key).BeginArray();
  for (const auto& value : values) String(value);
  return EndArray();
}

}  // namespace customs
