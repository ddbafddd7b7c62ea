#include "kms/http_kms_error.h"

#include <gtest/gtest.h>

#include <string>

namespace openfle::kms {
namespace {

net::HttpResponse reply(int status, std::string_view body, std::string reason = "") {
  net::HttpResponse response;
  response.status = status;
  response.reason = std::move(reason);
  response.body = SecretBytes::copy_of(body);
  return response;
}

std::string message_of(std::string_view service, const net::HttpResponse& response) {
  Error error = http_kms_error(service, response);
  EXPECT_EQ(error.code(), ErrorCode::kKmsError);
  return error.message();
}

TEST(HttpKmsError, QuotesEachProvidersErrorShape) {
  EXPECT_EQ(
      message_of("AWS KMS", reply(400, R"({"__type":"AccessDeniedException","message":"no"})")),
      "AWS KMS returned HTTP 400 AccessDeniedException: no");
  EXPECT_EQ(
      message_of(
          "Azure Key Vault",
          reply(
              401,
              R"({"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}})")),
      "Azure Key Vault returned HTTP 401 Unauthorized: AKV10000: Request is missing a Bearer "
      "or PoP token.");
  EXPECT_EQ(
      message_of(
          "GCP Cloud KMS",
          reply(
              403,
              R"({"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}})")),
      "GCP Cloud KMS returned HTTP 403 PERMISSION_DENIED: Permission denied");
  EXPECT_EQ(message_of("GCP Cloud KMS", reply(404, R"({"error":{"code":404,"message":"gone"}})")),
            "GCP Cloud KMS returned HTTP 404 code 404: gone");
  EXPECT_EQ(
      message_of(
          "Azure identity platform",
          reply(
              401,
              R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})")),
      "Azure identity platform returned HTTP 401 invalid_client: AADSTS7000215: Invalid "
      "client secret provided.");
}

TEST(HttpKmsError, DescribesBodiesItCannotRead) {
  EXPECT_EQ(message_of("AWS KMS", reply(503, "", "Service Unavailable")),
            "AWS KMS returned HTTP 503 (Service Unavailable) with an empty body");
  EXPECT_EQ(message_of("AWS KMS", reply(502, "<html>\r\nBad gateway</html>", "Bad Gateway")),
            "AWS KMS returned HTTP 502 (Bad Gateway) with a 26-byte body that is not JSON: "
            "'<html>??Bad gateway</html>'");
  EXPECT_EQ(message_of("AWS KMS", reply(500, R"({"unexpected":true})")),
            "AWS KMS returned HTTP 500 with a 19-byte JSON body in no known error format");
  const std::string long_message(1000, 'x');
  const std::string text =
      message_of("AWS KMS", reply(400, R"({"__type":"T","message":")" + long_message + R"("})"));
  EXPECT_LT(text.size(), 400u);
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  EXPECT_EQ(message_of("AWS KMS", reply(302, "", "Found")),
            "AWS KMS returned HTTP 302 (Found) with an empty body");
}

TEST(HttpKmsError, WithholdsTextThatLooksLikeACredential) {
  const char* echoes[] = {
      R"({"error":{"code":"BadRequest","message":"header was Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.abc"}})",
      R"({"error":"invalid_request","error_description":"body: client_secret=hunter2&grant_type=x"})",
      R"({"__type":"X","message":"Authorization: AWS4-HMAC-SHA256 Credential=AKID/2015/us/kms"})",
      R"({"__type":"X","message":"you sent {\"Plaintext\": \"c2VjcmV0\"}"})",
  };
  for (const char* body : echoes) {
    const std::string text = message_of("KMS", reply(400, body));
    EXPECT_NE(text.find("withheld"), std::string::npos) << text;
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_EQ(text.find("eyJ0eXAi"), std::string::npos) << text;
    EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos) << text;
  }
  // A non-JSON body that echoes a request is described by size only.
  const std::string text = message_of(
      "KMS", reply(400, "POST / HTTP/1.1\r\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz0123"));
  EXPECT_EQ(text.find("abcdefghij"), std::string::npos) << text;
  // Ordinary messages mentioning tokens are not withheld.
  EXPECT_FALSE(looks_like_credential("Request is missing a Bearer or PoP token."));
  EXPECT_FALSE(looks_like_credential("The security token included in the request is invalid."));
}

}  // namespace
}  // namespace openfle::kms
