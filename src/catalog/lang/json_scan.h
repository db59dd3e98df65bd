// A strict, streaming JSON reader (RFC 8259) for the package metadata and lockfiles the language catalogers read.
//
// It validates the whole document and reports each scalar with the path of keys leading to it, and the end of each
// object and array, without building a tree: memory is bounded by the nesting depth (limited) and the longest string,
// never by the document's size. A DOM parser would hold about 15 bytes per input byte, which a 20 MB package-lock.json
// or 30,000 package.json files read on parallel layer threads cannot afford (peak memory target: 64 MB).
//
// Strings are decoded (escapes, surrogate pairs). Invalid UTF-8 inside a string is replaced by U+FFFD and counted,
// as Node's JSON.parse of a file read as UTF-8 would see it; a document-level error (bad syntax, truncation, too deep)
// stops the scan.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace customs::catalog::lang {

enum class JsonKind { kString, kNumber, kTrue, kFalse, kNull };

// One step of the path to a value: an object member's key, or an array element's index.
struct JsonPathElement {
  std::string key;
  std::size_t index = 0;
  bool is_index = false;
};
using JsonPath = std::vector<JsonPathElement>;

class JsonHandler {
 public:
  virtual ~JsonHandler() = default;
  // A scalar at `path` (the root scalar has an empty path). `value` is the decoded string, or the number's text, or
  // empty for literals. Return false to stop the scan early (ScanJson then succeeds).
  virtual bool Scalar(const JsonPath& path, JsonKind kind, std::string_view value) = 0;
  // An object or array starts / ends at `path`.
  virtual bool Begin(const JsonPath& path, bool is_array) {
    (void)path;
    (void)is_array;
    return true;
  }
  virtual bool End(const JsonPath& path, bool is_array) {
    (void)path;
    (void)is_array;
    return true;
  }
};

struct JsonScanStats {
  std::size_t invalid_utf8 = 0;  // replacement characters inserted
};

inline constexpr std::size_t kMaxJsonDepth = 512;

// Scans `text`. Errors (kCorrupt) name the byte offset: syntax errors, truncation, nesting deeper than kMaxJsonDepth,
// trailing content. A leading UTF-8 byte-order mark is skipped (npm and Composer accept it).
[[nodiscard]] Result<void> ScanJson(std::string_view text, JsonHandler& handler, JsonScanStats* stats = nullptr);

// A handler from lambdas, for small readers.
class JsonCallbacks final : public JsonHandler {
 public:
  using ScalarFn = std::function<bool(const JsonPath&, JsonKind, std::string_view)>;
  using EndFn = std::function<bool(const JsonPath&, bool is_array)>;
  explicit JsonCallbacks(ScalarFn scalar, EndFn end = nullptr, EndFn begin = nullptr)
      : scalar_(std::move(scalar)), end_(std::move(end)), begin_(std::move(begin)) {}
  bool Scalar(const JsonPath& path, JsonKind kind, std::string_view value) override {
    return scalar_(path, kind, value);
  }
  bool Begin(const JsonPath& path, bool is_array) override { return begin_ ? begin_(path, is_array) : true; }
  bool End(const JsonPath& path, bool is_array) override { return end_ ? end_(path, is_array) : true; }

 private:
  ScalarFn scalar_;
  EndFn end_;
  EndFn begin_;
};

// Whether `path` is exactly these keys (no array indexes).
bool PathIs(const JsonPath& path, std::initializer_list<std::string_view> keys);

}  // namespace customs::catalog::lang
