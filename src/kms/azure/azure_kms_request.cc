#include "kms/azure/azure_kms_request.h"

#include <string>
#include <utility>

#include "common/encoding.h"
#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/json_reply.h"
#include "kms/secret_text.h"

namespace openfle::kms::azure {
namespace {

constexpr std::string_view kKeyVault = "Azure Key Vault";
constexpr std::string_view kIdentity = "Azure identity platform";

Result<net::HttpRequest> build_key_operation(std::string_view operation,
                                             const net::Endpoint& key_vault_endpoint,
                                             std::string_view key_name,
                                             std::string_view key_version, ByteView value,
                                             const SecretBytes& access_token) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("Azure keyVaultEndpoint", key_vault_endpoint));
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("Azure keyName", key_name));
  if (!key_version.empty()) {
    OPENFLE_RETURN_IF_ERROR(check_url_identifier("Azure keyVersion", key_version));
  }
  OPENFLE_RETURN_IF_ERROR(check_bearer_token("Azure access token", access_token));

  net::HttpRequest request;
  request.method = "POST";
  // An empty version gives "/keys/name//wrapkey", as libmongocrypt sends it; Key Vault then uses
  // the key's current version.
  request.target = "/keys/" + std::string(key_name) + "/" + std::string(key_version) + "/" +
                   std::string(operation) + "?api-version=7.1";
  add_bearer_authorization(request, access_token);
  request.add_header("Content-Type", "application/json");
  request.add_header("Accept", "application/json");
  SecretTextBuilder body(value.size() * 4 / 3 + 48);
  // kms-message's layout, spaces included.
  body.append(R"({"alg": "RSA-OAEP-256", "value": ")");
  body.append(base64_encode_secret(SecretBytes::copy_of(value), Base64Alphabet::kUrl));
  body.append(R"("})");
  finish_request(request, key_vault_endpoint, std::move(body).finish());
  return request;
}

}  // namespace

net::Endpoint azure_default_identity_endpoint() { return {"login.microsoftonline.com", 443}; }

Result<net::HttpRequest> build_azure_token_request(const net::Endpoint& identity_endpoint,
                                                   std::string_view tenant_id,
                                                   std::string_view client_id,
                                                   const SecretBytes& client_secret,
                                                   const net::Endpoint& key_vault_endpoint) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("Azure identityPlatformEndpoint", identity_endpoint));
  OPENFLE_RETURN_IF_ERROR(check_endpoint("Azure keyVaultEndpoint", key_vault_endpoint));
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("Azure tenantId", tenant_id));
  if (client_id.empty()) return fail(ErrorCode::kInvalidArgument, "Azure clientId is empty");
  if (client_secret.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Azure clientSecret is empty");
  }
  OPENFLE_ASSIGN_OR_RETURN(std::string_view domain,
                           parent_domain("Azure keyVaultEndpoint", key_vault_endpoint.host));

  net::HttpRequest request;
  request.method = "POST";
  request.target = "/" + std::string(tenant_id) + "/oauth2/v2.0/token";
  request.add_header("Content-Type", "application/x-www-form-urlencoded");
  request.add_header("Accept", "application/json");
  SecretTextBuilder body(client_id.size() + client_secret.size() * 3 + domain.size() + 128);
  body.append("client_id=").append_form_encoded(client_id);
  body.append("&scope=").append_form_encoded("https://" + std::string(domain) + "/.default");
  body.append("&client_secret=").append_form_encoded(client_secret.expose_text());
  body.append("&grant_type=client_credentials");
  finish_request(request, identity_endpoint, std::move(body).finish());
  return request;
}

Result<AccessToken> parse_azure_token_response(const net::HttpResponse& response) {
  return parse_oauth_token_response(kIdentity, "Azure token reply", response);
}

Result<net::HttpRequest> build_azure_wrap_request(const net::Endpoint& key_vault_endpoint,
                                                  std::string_view key_name,
                                                  std::string_view key_version,
                                                  const SecretBytes& dek,
                                                  const SecretBytes& access_token) {
  if (dek.empty()) return fail(ErrorCode::kInvalidArgument, "data key to wrap is empty");
  return build_key_operation("wrapkey", key_vault_endpoint, key_name, key_version, dek.expose(),
                             access_token);
}

Result<net::HttpRequest> build_azure_unwrap_request(const net::Endpoint& key_vault_endpoint,
                                                    std::string_view key_name,
                                                    std::string_view key_version,
                                                    ByteView wrapped_key,
                                                    const SecretBytes& access_token) {
  if (wrapped_key.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Azure keyMaterial (the wrapped key) is empty");
  }
  return build_key_operation("unwrapkey", key_vault_endpoint, key_name, key_version, wrapped_key,
                             access_token);
}

Result<Bytes> parse_azure_wrap_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "Azure Key Vault wrapkey reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kKeyVault, kWhat, response));
  return required_base64(body, "value", kWhat);
}

Result<SecretBytes> parse_azure_unwrap_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "Azure Key Vault unwrapkey reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kKeyVault, kWhat, response));
  return required_base64_secret(body, "value", kWhat);
}

}  // namespace openfle::kms::azure
