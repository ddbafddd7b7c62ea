#include "kms/oauth_token.h"

#include <cctype>
#include <string>
#include <utility>

#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/json_reply.h"

namespace openfle::kms {
namespace {

// Longer lifetimes than this are not something any provider issues; refusing them keeps the cache
// arithmetic (now + expires_in) far from overflow.
constexpr std::int64_t kMaxExpiresInSeconds = 365LL * 24 * 3600;

}  // namespace

Result<AccessToken> parse_oauth_token_response(std::string_view service, std::string_view what,
                                               const net::HttpResponse& response) {
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(service, what, response));
  OPENFLE_ASSIGN_OR_RETURN(std::string_view token, required_string(body, "access_token", what));
  OPENFLE_ASSIGN_OR_RETURN(std::int64_t expires_in, required_integer(body, "expires_in", what));
  if (expires_in < 0 || expires_in > kMaxExpiresInSeconds) {
    return fail(ErrorCode::kKmsError, std::string(what) + ": expires_in " +
                                          std::to_string(expires_in) +
                                          " is outside 0 to one year of seconds");
  }
  if (const ReplyJson* type = find_member(body, "token_type"); type != nullptr) {
    OPENFLE_ASSIGN_OR_RETURN(std::string_view token_type,
                             required_string(body, "token_type", what));
    if (!ascii_iequals(token_type, "Bearer")) {
      return fail(
          ErrorCode::kKmsError,
          std::string(what) + ": token_type is not 'Bearer'; only bearer tokens are usable");
    }
  }
  AccessToken result{SecretBytes::copy_of(token), std::chrono::seconds(expires_in)};
  if (auto ok = check_bearer_token(std::string(what) + " access_token", result.token); !ok) {
    return fail(ErrorCode::kKmsError, ok.error().message());
  }
  return result;
}

}  // namespace openfle::kms
