// Azure managed identity: a Key Vault token from the Instance Metadata Service (IMDS), for
// on-demand credentials ("azure": {} in kmsProviders), as libmongoc's mcd-azure fetches it.
//
//   GET
//   /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net
//   Metadata: true
//   Accept: application/json
// sent over plain HTTP to 169.254.169.254:80 (overridable for tests). The reply
//   {"access_token": "...", "expires_in": "86399", "resource": "https://vault.azure.net",
//    "token_type": "Bearer", ...}
// differs from the OAuth endpoints': expires_in (and expires_on, not_before) are strings.
// Pure functions: no I/O.
#ifndef OPENFLE_KMS_AZURE_AZURE_IMDS_H_
#define OPENFLE_KMS_AZURE_AZURE_IMDS_H_

#include <cstdint>
#include <string_view>

#include "kms/oauth_token.h"
#include "net/http_message.h"
#include "openfle/status.h"

namespace openfle::kms::azure {

inline constexpr std::uint16_t kAzureImdsPort = 80;

// 169.254.169.254:80.
[[nodiscard]] net::Endpoint azure_imds_default_endpoint();

// The IMDS token request for `resource` (default: Key Vault in Azure's public cloud). The Host
// header leaves out port 80, the plain-HTTP default. kInvalidArgument for an empty resource or a
// malformed endpoint.
[[nodiscard]] Result<net::HttpRequest> build_azure_imds_token_request(
    const net::Endpoint& imds_endpoint, std::string_view resource = "https://vault.azure.net");

// The token from an IMDS reply. access_token, expires_in, resource and token_type must all be
// strings (token_type "Bearer", expires_in decimal digits); other fields are ignored. kKmsError for
// anything else, or an HTTP error quoting IMDS's {"error", "error_description"}.
[[nodiscard]] Result<AccessToken> parse_azure_imds_token_response(
    const net::HttpResponse& response);

}  // namespace openfle::kms::azure

#endif  // OPENFLE_KMS_AZURE_AZURE_IMDS_H_
