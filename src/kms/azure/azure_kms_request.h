// Azure Key Vault wrapKey/unwrapKey and the identity platform's client-credentials token, as
// libmongocrypt 1.7.2 sends and reads them.
//
// Token (Microsoft identity platform, OAuth 2.0 client credentials grant):
//   POST /<tenantId>/oauth2/v2.0/token            to identityPlatformEndpoint
//   (login.microsoftonline.com) Content-Type: application/x-www-form-urlencoded Accept:
//   application/json client_id=<id>&scope=https%3A%2F%2F<vault
//   domain>%2F.default&client_secret=<secret>&grant_type=client_credentials
// The scope's domain is keyVaultEndpoint's host minus its first label ("myvault.vault.azure.net"
// gives "vault.azure.net"). Unlike libmongocrypt, client_id and client_secret are form-encoded, so
// a secret containing '&' or '+' arrives intact.
//
// Wrap and unwrap (Key Vault REST API 7.1, "Wrap Key" / "Unwrap Key"):
//   POST /keys/<keyName>/<keyVersion or empty>/wrapkey?api-version=7.1   (or /unwrapkey)
//   Authorization: Bearer <token>, Content-Type: application/json, Accept: application/json
//   {"alg": "RSA-OAEP-256", "value": "<base64url, no padding>"}
// The reply's "value" is base64url: the wrapped key (keyMaterial) or the unwrapped data key.
//
// Host headers carry ":port" only when the port is not 443. Pure functions: no I/O.
#ifndef OPENFLE_KMS_AZURE_AZURE_KMS_REQUEST_H_
#define OPENFLE_KMS_AZURE_AZURE_KMS_REQUEST_H_

#include <string_view>

#include "kms/oauth_token.h"
#include "net/http_message.h"
#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::azure {

// login.microsoftonline.com:443, used when identityPlatformEndpoint is not given.
[[nodiscard]] net::Endpoint azure_default_identity_endpoint();

// The client-credentials token request for a key in `key_vault_endpoint`'s cloud.
// kInvalidArgument for a tenant_id that is not URL-safe, an empty client_id or client_secret, a key
// vault host without a domain, or a malformed endpoint.
[[nodiscard]] Result<net::HttpRequest> build_azure_token_request(
    const net::Endpoint& identity_endpoint, std::string_view tenant_id, std::string_view client_id,
    const SecretBytes& client_secret, const net::Endpoint& key_vault_endpoint);

// {"token_type": "Bearer", "expires_in": 3599, "access_token": "..."}; see
// parse_oauth_token_response. Errors quote the identity platform's error and error_description.
[[nodiscard]] Result<AccessToken> parse_azure_token_response(const net::HttpResponse& response);

// wrapkey for `dek`. key_version may be empty (the key's current version). kInvalidArgument for a
// key_name or key_version that is not URL-safe, an empty dek, or an unusable access_token.
[[nodiscard]] Result<net::HttpRequest> build_azure_wrap_request(
    const net::Endpoint& key_vault_endpoint, std::string_view key_name,
    std::string_view key_version, const SecretBytes& dek, const SecretBytes& access_token);

// unwrapkey for `wrapped_key` (the key document's keyMaterial).
[[nodiscard]] Result<net::HttpRequest> build_azure_unwrap_request(
    const net::Endpoint& key_vault_endpoint, std::string_view key_name,
    std::string_view key_version, ByteView wrapped_key, const SecretBytes& access_token);

// The wrapped key ("value", base64url). kKmsError for an HTTP error (quoting Key Vault's
// error.code and error.message), or a "value" that is missing, not a string, empty or not base64.
[[nodiscard]] Result<Bytes> parse_azure_wrap_response(const net::HttpResponse& response);

// The data key ("value", base64url). Errors as for parse_azure_wrap_response.
[[nodiscard]] Result<SecretBytes> parse_azure_unwrap_response(const net::HttpResponse& response);

}  // namespace openfle::kms::azure

#endif  // OPENFLE_KMS_AZURE_AZURE_KMS_REQUEST_H_
