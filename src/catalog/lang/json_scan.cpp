#include "catalog/lang/json_scan.h"

#include <fmt/format.h>

#include <cstdint>

namespace customs::catalog::lang {
namespace {

void AppendUtf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

constexpr std::string_view kReplacement = "\xef\xbf\xbd";

class Scanner {
 public:
  Scanner(std::string_view text, JsonHandler& handler, JsonScanStats* stats)
      : text_(text), handler_(handler), stats_(stats) {}

  Result<void> Run() {
    if (text_.substr(0, 3) == "\xef\xbb\xbf") {
      position_ = 3;
    }
    enum class Expect { kValue, kAfterValue, kKeyOrEnd, kKey, kValueOrEnd };
    Expect expect = Expect::kValue;
    while (true) {
      SkipWhitespace();
      if (expect == Expect::kValue || expect == Expect::kValueOrEnd) {
        if (position_ >= text_.size()) {
          return Fail("unexpected end of input");
        }
        const char c = text_[position_];
        if (expect == Expect::kValueOrEnd && c == ']') {
          ++position_;
          if (!Close(true)) {
            return Stopped();
          }
          expect = Expect::kAfterValue;
          continue;
        }
        if (!frames_.empty() && frames_.back().is_array) {
          path_.back().index = frames_.back().count;
          path_.back().is_index = true;
        }
        if (c == '{' || c == '[') {
          if (frames_.size() >= kMaxJsonDepth) {
            return Fail(fmt::format("nesting deeper than {}", kMaxJsonDepth));
          }
          ++position_;
          const bool is_array = c == '[';
          if (!handler_.Begin(path_, is_array)) {
            return Stopped();
          }
          frames_.push_back({is_array, 0});
          path_.emplace_back();
          expect = is_array ? Expect::kValueOrEnd : Expect::kKeyOrEnd;
          continue;
        }
        bool keep_going = true;
        if (c == '"') {
          ++position_;
          if (auto ok = ReadString(value_); !ok) {
            return ok;
          }
          keep_going = handler_.Scalar(path_, JsonKind::kString, value_);
        } else if (c == 't' || c == 'f' || c == 'n') {
          std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
          if (text_.substr(position_, word.size()) != word) {
            return Fail("invalid literal");
          }
          position_ += word.size();
          keep_going = handler_.Scalar(path_,
                                       c == 't'   ? JsonKind::kTrue
                                       : c == 'f' ? JsonKind::kFalse
                                                  : JsonKind::kNull,
                                       {});
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          const std::size_t start = position_;
          if (auto ok = ReadNumber(); !ok) {
            return ok;
          }
          keep_going = handler_.Scalar(path_, JsonKind::kNumber, text_.substr(start, position_ - start));
        } else {
          return Fail("expected a value");
        }
        if (!keep_going) {
          return Stopped();
        }
        expect = Expect::kAfterValue;
        continue;
      }
      if (expect == Expect::kAfterValue) {
        if (frames_.empty()) {
          if (position_ != text_.size()) {
            return Fail("content after the document");
          }
          return {};
        }
        if (position_ >= text_.size()) {
          return Fail("unexpected end of input");
        }
        const char c = text_[position_++];
        Frame& frame = frames_.back();
        ++frame.count;
        if (c == ',') {
          expect = frame.is_array ? Expect::kValue : Expect::kKey;
        } else if (c == (frame.is_array ? ']' : '}')) {
          if (!Close(frame.is_array)) {
            return Stopped();
          }
        } else {
          --position_;
          return Fail(frame.is_array ? "expected ',' or ']'" : "expected ',' or '}'");
        }
        continue;
      }
      // kKey or kKeyOrEnd
      if (position_ >= text_.size()) {
        return Fail("unexpected end of input");
      }
      if (expect == Expect::kKeyOrEnd && text_[position_] == '}') {
        ++position_;
        if (!Close(false)) {
          return Stopped();
        }
        expect = Expect::kAfterValue;
        continue;
      }
      if (text_[position_] != '"') {
        return Fail("expected a key");
      }
      ++position_;
      JsonPathElement& element = path_.back();
      element.is_index = false;
      if (auto ok = ReadString(element.key); !ok) {
        return ok;
      }
      SkipWhitespace();
      if (position_ >= text_.size() || text_[position_] != ':') {
        return Fail("expected ':'");
      }
      ++position_;
      expect = Expect::kValue;
    }
  }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t count = 0;
  };

  // Pops the innermost container. Returns the handler's answer.
  bool Close(bool is_array) {
    frames_.pop_back();
    path_.pop_back();
    return handler_.End(path_, is_array);
  }

  Result<void> Stopped() { return {}; }

  Result<void> Fail(std::string_view what) const {
    return MakeError(ErrorCode::kCorrupt, "invalid JSON at byte {}: {}", position_, what);
  }

  void SkipWhitespace() {
    while (position_ < text_.size()) {
      const char c = text_[position_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      ++position_;
    }
  }

  Result<void> ReadNumber() {
    auto digit = [&](std::size_t at) { return at < text_.size() && text_[at] >= '0' && text_[at] <= '9'; };
    if (text_[position_] == '-') {
      ++position_;
    }
    if (!digit(position_)) {
      return Fail("invalid number");
    }
    if (text_[position_] == '0') {
      ++position_;
    } else {
      while (digit(position_)) {
        ++position_;
      }
    }
    if (position_ < text_.size() && text_[position_] == '.') {
      ++position_;
      if (!digit(position_)) {
        return Fail("invalid number");
      }
      while (digit(position_)) {
        ++position_;
      }
    }
    if (position_ < text_.size() && (text_[position_] == 'e' || text_[position_] == 'E')) {
      ++position_;
      if (position_ < text_.size() && (text_[position_] == '+' || text_[position_] == '-')) {
        ++position_;
      }
      if (!digit(position_)) {
        return Fail("invalid number");
      }
      while (digit(position_)) {
        ++position_;
      }
    }
    return {};
  }

  bool ReadHex4(std::uint32_t& out) {
    if (text_.size() - position_ < 4) {
      return false;
    }
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_ + static_cast<std::size_t>(i)];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    position_ += 4;
    return true;
  }

  void Replaced(std::string& out) {
    out.append(kReplacement);
    if (stats_ != nullptr) {
      ++stats_->invalid_utf8;
    }
  }

  // After the opening quote; leaves position_ after the closing quote.
  Result<void> ReadString(std::string& out) {
    out.clear();
    const auto* bytes = reinterpret_cast<const unsigned char*>(text_.data());
    const std::size_t size = text_.size();
    while (true) {
      const std::size_t run_start = position_;
      while (position_ < size) {
        const unsigned char c = bytes[position_];
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
          break;
        }
        ++position_;
      }
      out.append(text_.substr(run_start, position_ - run_start));
      if (position_ >= size) {
        return Fail("unterminated string");
      }
      const unsigned char c = bytes[position_];
      if (c == '"') {
        ++position_;
        return {};
      }
      if (c < 0x20) {
        return Fail("control character in string");
      }
      if (c == '\\') {
        ++position_;
        if (position_ >= size) {
          return Fail("unterminated string");
        }
        const char e = text_[position_++];
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            std::uint32_t unit = 0;
            if (!ReadHex4(unit)) {
              return Fail("invalid \\u escape");
            }
            if (unit >= 0xd800 && unit <= 0xdbff && text_.substr(position_, 2) == "\\u") {
              const std::size_t saved = position_;
              position_ += 2;
              std::uint32_t low = 0;
              if (!ReadHex4(low)) {
                return Fail("invalid \\u escape");
              }
              if (low >= 0xdc00 && low <= 0xdfff) {
                AppendUtf8(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
                break;
              }
              position_ = saved;  // a lone high surrogate followed by another escape
            }
            if (unit >= 0xd800 && unit <= 0xdfff) {
              Replaced(out);  // a lone surrogate has no UTF-8 form
            } else {
              AppendUtf8(out, unit);
            }
            break;
          }
          default: --position_; return Fail("invalid escape");
        }
        continue;
      }
      // A non-ASCII byte: one well-formed UTF-8 sequence (Unicode Table 3-7), or one replacement per maximal invalid
      // subpart.
      std::size_t length = 0;
      unsigned char low = 0x80;
      unsigned char high = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        length = 2;
      } else if (c >= 0xe0 && c <= 0xef) {
        length = 3;
        if (c == 0xe0) {
          low = 0xa0;
        }
        if (c == 0xed) {
          high = 0x9f;
        }
      } else if (c >= 0xf0 && c <= 0xf4) {
        length = 4;
        if (c == 0xf0) {
          low = 0x90;
        }
        if (c == 0xf4) {
          high = 0x8f;
        }
      }
      std::size_t valid = length == 0 ? 0 : 1;
      for (std::size_t k = 1; k < length && position_ + k < size; ++k) {
        const unsigned char next = bytes[position_ + k];
        if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) {
          break;
        }
        ++valid;
      }
      if (length > 0 && valid == length) {
        out.append(text_.substr(position_, length));
        position_ += length;
      } else {
        Replaced(out);
        position_ += valid > 0 ? valid : 1;
      }
    }
  }

  std::string_view text_;
  JsonHandler& handler_;
  JsonScanStats* stats_;
  std::size_t position_ = 0;
  std::vector<Frame> frames_;
  JsonPath path_;
  std::string value_;
};

}  // namespace

Result<void> ScanJson(std::string_view text, JsonHandler& handler, JsonScanStats* stats) {
  Scanner scanner(text, handler, stats);
  return scanner.Run();
}

bool PathIs(const JsonPath& path, std::initializer_list<std::string_view> keys) {
  if (path.size() != keys.size()) {
    return false;
  }
  std::size_t i = 0;
  for (std::string_view key : keys) {
    if (path[i].is_index || path[i].key != key) {
      return false;
    }
    ++i;
  }
  return true;
}

}  // namespace customs::catalog::lang
