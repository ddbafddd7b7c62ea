#include "kms/oauth_token.h"

#include <gtest/gtest.h>

namespace openfle::kms {
namespace {

net::HttpResponse reply(int status, std::string_view body) {
  net::HttpResponse response;
  response.status = status;
  response.body = SecretBytes::copy_of(body);
  return response;
}

TEST(OAuthToken, ParsesTokenReplies) {
  auto token = parse_oauth_token_response(
      "GCP OAuth", "GCP token reply",
      reply(200, R"({"access_token":"ya29.c.b0Aa-_~+/=","expires_in":3599,"token_type":"Bearer",
                     "id_token":"ignored","scope":"x"})"));
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token.expose_text(), "ya29.c.b0Aa-_~+/=");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(3599));
  // token_type is optional and case-insensitive.
  EXPECT_TRUE(
      parse_oauth_token_response("s", "w", reply(200, R"({"access_token":"t","expires_in":1})")));
  EXPECT_TRUE(parse_oauth_token_response(
      "s", "w", reply(200, R"({"access_token":"t","expires_in":1,"token_type":"bearer"})")));
}

TEST(OAuthToken, IsStrictAboutTheFieldsItReads) {
  struct Case {
    int status;
    const char* body;
    const char* expected;
  };
  for (const Case& c : std::vector<Case>{
           {200, R"({"expires_in":1})", "missing the field 'access_token'"},
           {200, R"({"access_token":7,"expires_in":1})", "'access_token' must be a string"},
           {200, R"({"access_token":"t"})", "missing the field 'expires_in'"},
           {200, R"({"access_token":"t","expires_in":"3599"})", "'expires_in' must be a integer"},
           {200, R"({"access_token":"t","expires_in":1.5})", "'expires_in' must be a integer"},
           {200, R"({"access_token":"t","expires_in":-1})", "outside 0 to one year"},
           {200, R"({"access_token":"t","expires_in":99999999999})", "outside 0 to one year"},
           {200, R"({"access_token":"t","expires_in":18446744073709551615})", "out of range"},
           {200, R"({"access_token":"t","expires_in":1,"token_type":"MAC"})", "not 'Bearer'"},
           {200, R"({"access_token":"t","expires_in":1,"token_type":1})", "'token_type' must be"},
           {200, R"({"access_token":"a\r\nX-Injected: 1","expires_in":1})", "not visible ASCII"},
           {200, R"({"access_token":"","expires_in":1})", "is empty"},
           {400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})",
            "GCP OAuth returned HTTP 400 invalid_grant: Invalid JWT Signature."},
       }) {
    auto token =
        parse_oauth_token_response("GCP OAuth", "GCP token reply", reply(c.status, c.body));
    ASSERT_FALSE(token) << c.body;
    EXPECT_EQ(token.error().code(), ErrorCode::kKmsError);
    EXPECT_NE(token.error().message().find(c.expected), std::string::npos)
        << token.error().message();
  }
}

}  // namespace
}  // namespace openfle::kms
