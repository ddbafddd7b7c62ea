// Turning a KMS's HTTP error reply into an Error people can act on.
//
// Every HTTP KMS explains its failures in a small JSON body, each in its own shape:
//   AWS KMS                 {"__type": "AccessDeniedException", "message": "..."}
//   Azure Key Vault         {"error": {"code": "Unauthorized", "message": "..."}}
//   GCP Cloud KMS           {"error": {"code": 403, "message": "...", "status":
//   "PERMISSION_DENIED"}} OAuth token endpoints   {"error": "invalid_client", "error_description":
//   "..."}
// http_kms_error() recognises all of them (a proxy or an emulator may answer in another's shape),
// so the message reads, for example:
//   AWS KMS returned HTTP 400 AccessDeniedException: User: arn:aws:iam::1:user/x is not authorized
// The KMS's text is cut to a few hundred printable characters. It is withheld entirely when it
// looks like it echoes a credential (a bearer token, a signature, a form with a secret), because
// errors get logged. A body that is not JSON is described by its size and a short sanitized
// excerpt.
#ifndef OPENFLE_KMS_HTTP_KMS_ERROR_H_
#define OPENFLE_KMS_HTTP_KMS_ERROR_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "openfle/status.h"

namespace openfle::kms {

// Largest reply body any KMS parser accepts. Real replies are under 16 KiB (an Azure token is the
// largest); the cap keeps a hostile or broken server from making us parse megabytes.
inline constexpr std::size_t kMaxKmsReplyBodyBytes = std::size_t{1024} * 1024;

[[nodiscard]] constexpr bool is_http_success(int status) noexcept {
  return status >= 200 && status <= 299;
}

// An ErrorCode::kKmsError describing a reply whose status is not 2xx. `service` names who answered
// ("AWS KMS", "Azure Key Vault", "Azure identity platform", "GCP Cloud KMS", "GCP OAuth").
[[nodiscard]] Error http_kms_error(std::string_view service, const net::HttpResponse& response);

// `text` cut to `max_chars`, with bytes outside printable ASCII shown as '?', and an ellipsis when
// cut. For quoting untrusted server text in messages.
[[nodiscard]] std::string sanitized_excerpt(std::string_view text, std::size_t max_chars);

// True when `text` appears to contain a credential: an Authorization header value, a SigV4
// signature, a JWT, a client secret or assertion form field, or a JSON data-key field.
[[nodiscard]] bool looks_like_credential(std::string_view text);

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_HTTP_KMS_ERROR_H_
