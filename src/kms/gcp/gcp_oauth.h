// A GCP access token from a service account key: the OAuth 2.0 JWT bearer grant (RFC 7523), as
// libmongocrypt 1.7.2 requests it.
//
//   POST /token                                   to kmsProviders.gcp.endpoint
//   (oauth2.googleapis.com) Content-Type: application/x-www-form-urlencoded Accept:
//   application/json
//   grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=<JWT>
//
// The JWT is RS256 with header {"alg":"RS256","typ":"JWT"} and claims (kms-message's layout)
//   {"iss": "<email>", "aud": "https://<auth host>/token",
//    "scope": "https://www.<domain of the KMS endpoint>/auth/cloudkms", "iat": now, "exp": now +
//    300}
// so the default endpoints give aud https://oauth2.googleapis.com/token and scope
// https://www.googleapis.com/auth/cloudkms. The audience uses the auth host without its port, as
// libmongocrypt does. Pure functions: no I/O, no clock reads.
#ifndef OPENFLE_KMS_GCP_GCP_OAUTH_H_
#define OPENFLE_KMS_GCP_GCP_OAUTH_H_

#include <chrono>
#include <string_view>

#include "kms/gcp/gcp_service_account_key.h"
#include "kms/oauth_token.h"
#include "net/http_message.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::gcp {

// Lifetime of the JWT assertion, as libmongocrypt sets it (Google accepts up to an hour).
inline constexpr std::chrono::seconds kGcpJwtLifetime{300};

// oauth2.googleapis.com:443 and cloudkms.googleapis.com:443, used when no endpoint is given.
[[nodiscard]] net::Endpoint gcp_default_auth_endpoint();
[[nodiscard]] net::Endpoint gcp_default_kms_endpoint();

// The signed JWT "<header>.<claims>.<signature>" (base64url, no padding). It is a credential for
// its lifetime, hence secret. kInvalidArgument for an empty email, audience or scope, or a time
// before 1970.
[[nodiscard]] Result<SecretBytes> make_gcp_jwt_assertion(std::string_view email,
                                                         std::string_view audience,
                                                         std::string_view scope,
                                                         const GcpServiceAccountKey& private_key,
                                                         std::chrono::system_clock::time_point now);

// The token request, with audience and scope derived from `auth_endpoint` and `kms_endpoint` as
// described above. kInvalidArgument for a malformed endpoint, a KMS host without a domain, or
// make_gcp_jwt_assertion's errors.
[[nodiscard]] Result<net::HttpRequest> build_gcp_token_request(
    const net::Endpoint& auth_endpoint, std::string_view email,
    const GcpServiceAccountKey& private_key, const net::Endpoint& kms_endpoint,
    std::chrono::system_clock::time_point now);

// {"access_token": "...", "expires_in": 3599, "token_type": "Bearer"}; see
// parse_oauth_token_response. Errors quote Google's error and error_description.
[[nodiscard]] Result<AccessToken> parse_gcp_token_response(const net::HttpResponse& response);

}  // namespace openfle::kms::gcp

#endif  // OPENFLE_KMS_GCP_GCP_OAUTH_H_
