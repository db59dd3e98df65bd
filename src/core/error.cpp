#include "core/error.h"

namespace customs {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kNetwork: return "network error";
    case ErrorCode::kPermission: return "permission denied";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Error::ToString() const {
  return fmt::format("{}: {}", ErrorCodeName(code_), message_);
}

}  // namespace customs
