#include "kms/gcp/gcp_oauth.h"

#include <string>
#include <utility>

#include "common/encoding.h"
#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/secret_text.h"

namespace openfle::kms::gcp {
namespace {

ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The URL authority of the audience: the host alone (IPv6 in brackets), without the port.
std::string audience_host(const net::Endpoint& endpoint) {
  return endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
}

}  // namespace

net::Endpoint gcp_default_auth_endpoint() { return {"oauth2.googleapis.com", 443}; }
net::Endpoint gcp_default_kms_endpoint() { return {"cloudkms.googleapis.com", 443}; }

Result<SecretBytes> make_gcp_jwt_assertion(std::string_view email, std::string_view audience,
                                           std::string_view scope,
                                           const GcpServiceAccountKey& private_key,
                                           std::chrono::system_clock::time_point now) {
  if (email.empty()) return fail(ErrorCode::kInvalidArgument, "GCP email is empty");
  if (audience.empty() || scope.empty()) {
    return fail(ErrorCode::kInvalidArgument, "GCP JWT audience and scope must not be empty");
  }
  const auto issued_at =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (issued_at < 0) {
    return fail(ErrorCode::kInvalidArgument, "GCP JWT issue time is before 1970");
  }
  const auto expires_at = issued_at + kGcpJwtLifetime.count();

  // RFC 7519 section 3: base64url(header) "." base64url(claims), signed; kms-message's spacing.
  SecretTextBuilder claims(email.size() + audience.size() + scope.size() + 96);
  claims.append(R"({"iss": ")").append_json_string_contents(email);
  claims.append(R"(", "aud": ")").append_json_string_contents(audience);
  claims.append(R"(", "scope": ")").append_json_string_contents(scope);
  claims.append(R"(", "iat": )").append(std::to_string(issued_at));
  claims.append(R"(, "exp": )").append(std::to_string(expires_at)).append("}");

  SecretTextBuilder jwt(512);
  jwt.append(base64_encode(as_bytes(R"({"alg":"RS256","typ":"JWT"})"), Base64Alphabet::kUrl));
  jwt.append(".").append(base64_encode(as_bytes(claims.view()), Base64Alphabet::kUrl));
  OPENFLE_ASSIGN_OR_RETURN(Bytes signature, private_key.sign_rs256(jwt.view()));
  jwt.append(".").append(base64_encode(signature, Base64Alphabet::kUrl));
  return std::move(jwt).finish();
}

Result<net::HttpRequest> build_gcp_token_request(const net::Endpoint& auth_endpoint,
                                                 std::string_view email,
                                                 const GcpServiceAccountKey& private_key,
                                                 const net::Endpoint& kms_endpoint,
                                                 std::chrono::system_clock::time_point now) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("GCP endpoint", auth_endpoint));
  OPENFLE_RETURN_IF_ERROR(check_endpoint("GCP masterKey endpoint", kms_endpoint));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view kms_domain,
                           parent_domain("GCP masterKey endpoint", kms_endpoint.host));
  const std::string audience = "https://" + audience_host(auth_endpoint) + "/token";
  const std::string scope = "https://www." + std::string(kms_domain) + "/auth/cloudkms";
  OPENFLE_ASSIGN_OR_RETURN(SecretBytes assertion,
                           make_gcp_jwt_assertion(email, audience, scope, private_key, now));

  net::HttpRequest request;
  request.method = "POST";
  request.target = "/token";
  request.add_header("Content-Type", "application/x-www-form-urlencoded");
  request.add_header("Accept", "application/json");
  SecretTextBuilder body(assertion.size() + 96);
  body.append("grant_type=").append_form_encoded("urn:ietf:params:oauth:grant-type:jwt-bearer");
  body.append("&assertion=").append_form_encoded(assertion.expose_text());
  finish_request(request, auth_endpoint, std::move(body).finish());
  return request;
}

Result<AccessToken> parse_gcp_token_response(const net::HttpResponse& response) {
  return parse_oauth_token_response("GCP OAuth", "GCP token reply", response);
}

}  // namespace openfle::kms::gcp
