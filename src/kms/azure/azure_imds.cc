#include "kms/azure/azure_imds.h"

#include <cctype>
#include <string>
#include <utility>

#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/json_reply.h"

namespace openfle::kms::azure {
namespace {

constexpr std::string_view kService = "Azure IMDS";
constexpr std::string_view kWhat = "Azure IMDS token reply";
constexpr std::int64_t kMaxExpiresInSeconds = 365LL * 24 * 3600;

}  // namespace

net::Endpoint azure_imds_default_endpoint() { return {"169.254.169.254", kAzureImdsPort}; }

Result<net::HttpRequest> build_azure_imds_token_request(const net::Endpoint& imds_endpoint,
                                                        std::string_view resource) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("Azure IMDS endpoint", imds_endpoint));
  if (resource.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Azure IMDS resource is empty");
  }
  net::HttpRequest request;
  request.method = "GET";
  request.target =
      "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + percent_encode(resource);
  // IMDS refuses requests without this header, which a forwarded or forged request lacks.
  request.add_header("Metadata", "true");
  request.add_header("Accept", "application/json");
  finish_request(request, imds_endpoint, SecretBytes(), kAzureImdsPort);
  return request;
}

Result<AccessToken> parse_azure_imds_token_response(const net::HttpResponse& response) {
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kService, kWhat, response));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view token, required_string(body, "access_token", kWhat));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view expires_in, required_string(body, "expires_in", kWhat));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view resource, required_string(body, "resource", kWhat));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view token_type, required_string(body, "token_type", kWhat));
  (void)resource;  // required by mcd-azure as a sign of a well-formed reply; its value is not used
  if (!ascii_iequals(token_type, "Bearer")) {
    return fail(ErrorCode::kKmsError,
                std::string(kWhat) + ": token_type is not 'Bearer'; only bearer tokens are usable");
  }
  std::int64_t seconds = 0;
  bool valid = !expires_in.empty() && expires_in.size() <= 10;
  for (char c : expires_in) {
    if (c < '0' || c > '9') valid = false;
    if (valid) seconds = seconds * 10 + (c - '0');
  }
  if (!valid || seconds > kMaxExpiresInSeconds) {
    return fail(
        ErrorCode::kKmsError,
        std::string(kWhat) +
            ": expires_in must be a string of decimal seconds up to one year, like \"86399\"");
  }
  AccessToken result{SecretBytes::copy_of(token), std::chrono::seconds(seconds)};
  if (auto ok = check_bearer_token(std::string(kWhat) + " access_token", result.token); !ok) {
    return fail(ErrorCode::kKmsError, ok.error().message());
  }
  return result;
}

}  // namespace openfle::kms::azure
