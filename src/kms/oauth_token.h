// OAuth 2.0 access tokens as Azure's identity platform and Google's token endpoint return them.
#ifndef OPENFLE_KMS_OAUTH_TOKEN_H_
#define OPENFLE_KMS_OAUTH_TOKEN_H_

#include <chrono>
#include <string_view>

#include "net/http_message.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms {

struct AccessToken {
  SecretBytes token;                   // the bearer token, visible ASCII
  std::chrono::seconds expires_in{0};  // lifetime from the moment the reply was received
};

// Parses a successful token reply (RFC 6749 section 5.1):
//   {"token_type": "Bearer", "expires_in": 3599, "access_token": "..."}
// access_token must be a string of visible ASCII (it goes into an Authorization header),
// expires_in an integer from 0 to one year of seconds, and token_type, when present, "Bearer" in
// any case. Other fields are ignored. A non-2xx reply gives http_kms_error(service, ...), which
// quotes the OAuth {"error", "error_description"}. `what` names the reply in messages.
[[nodiscard]] Result<AccessToken> parse_oauth_token_response(std::string_view service,
                                                             std::string_view what,
                                                             const net::HttpResponse& response);

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_OAUTH_TOKEN_H_
