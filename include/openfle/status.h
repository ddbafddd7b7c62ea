// Errors as values: every fallible openfle call returns Result<T> (or Status for Result<void>).
//
// An Error carries a code, for programs to branch on, and a message, for people: it names the input
// that was wrong and what was expected ("keyAltName 'billing' already exists"). Messages never
// contain key material, credentials or tokens.
//
//   openfle::Result<openfle::Uuid> id = client->create_data_key("local");
//   if (!id) { std::cerr << id.error().message() << "\n"; return 1; }
#ifndef OPENFLE_STATUS_H_
#define OPENFLE_STATUS_H_

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace openfle {

// What kind of failure happened. Stable: the CLI maps each to an exit status (docs/cli.md).
enum class ErrorCode {
  kInvalidArgument = 1,  // the caller's input is wrong (bad option, bad document, bad type)
  kNotFound,             // a key, provider or file that was named does not exist
  kAlreadyExists,        // a key _id or keyAltName is already taken
  kAuthenticationFailed, // a ciphertext or wrapped key failed its HMAC: tampered or wrong key
  kMalformedData,        // bytes that should have had a format did not (truncated, bad header)
  kFailedPrecondition,   // the operation cannot run in the current state (e.g. no provider)
  kKmsError,             // a KMS answered with an error or an unusable reply
  kIoError,              // a file, database or socket operation failed
  kUnavailable,          // a service could not be reached (network, DNS, refused)
  kDeadlineExceeded,     // a timeout expired
  kUnsupported,          // valid input that this version does not handle
  kInternal,             // a bug or an unexpected library failure
};

// Short stable name of a code, e.g. "invalid-argument".
std::string_view error_code_name(ErrorCode code) noexcept;

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

  // The same error with "context: " put in front of the message, e.g. "line 3: ...".
  [[nodiscard]] Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

// Builds the error side of a Result: `return openfle::fail(ErrorCode::kNotFound, "...");`
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}
[[nodiscard]] inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace openfle

#endif  // OPENFLE_STATUS_H_
