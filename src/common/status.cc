#include "openfle/status.h"

#include <string>

namespace openfle {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kAlreadyExists: return "already-exists";
    case ErrorCode::kAuthenticationFailed: return "authentication-failed";
    case ErrorCode::kMalformedData: return "malformed-data";
    case ErrorCode::kFailedPrecondition: return "failed-precondition";
    case ErrorCode::kKmsError: return "kms-error";
    case ErrorCode::kIoError: return "io-error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline-exceeded";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += message_;
  return Error(code_, std::move(message));
}

}  // namespace openfle
