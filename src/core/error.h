// Errors are values. Every fallible function returns Result<T>; exceptions never cross a module boundary.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace customs {

enum class ErrorCode {
  kNotFound,
  kCorrupt,
  kUnsupported,
  kInvalidArgument,
  kIo,
  kNetwork,
  kPermission,
  kCancelled,
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

// An error: a code, a message, and context prepended on the way up ("reading layer 2: gzip: ...").
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy with `context` prepended: "context: message".
  [[nodiscard]] Error WithContext(std::string_view context) const& {
    return Error(code_, fmt::format("{}: {}", context, message_));
  }
  [[nodiscard]] Error WithContext(std::string_view context) && {
    message_ = fmt::format("{}: {}", context, message_);
    return std::move(*this);
  }

  // "corrupt: message"
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

// Builds an unexpected Error with a fmt-formatted message.
template <class... Args>
tl::unexpected<Error> MakeError(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return tl::unexpected<Error>(Error(code, fmt::format(format, std::forward<Args>(args)...)));
}

inline Status Ok() {
  return {};
}

}  // namespace customs

// Propagates an error from an expression returning Result/Status; evaluates to nothing.
#define CUSTOMS_RETURN_IF_ERROR(expr)                                                \
  do {                                                                               \
    auto customs_status_ = (expr);                                                   \
    if (!customs_status_) return tl::unexpected(std::move(customs_status_).error()); \
  } while (false)

#define CUSTOMS_CONCAT_INNER_(a, b) a##b
#define CUSTOMS_CONCAT_(a, b) CUSTOMS_CONCAT_INNER_(a, b)

// Declares `lhs` from a Result expression, or returns its error.
#define CUSTOMS_ASSIGN_OR_RETURN(lhs, expr) \
  CUSTOMS_ASSIGN_OR_RETURN_IMPL_(CUSTOMS_CONCAT_(customs_result_, __LINE__), lhs, expr)
#define CUSTOMS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)     \
  auto tmp = (expr);                                       \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
