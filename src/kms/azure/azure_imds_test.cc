#include "kms/azure/azure_imds.h"

#include <gtest/gtest.h>

namespace openfle::kms::azure {
namespace {

net::HttpResponse reply(int status, std::string_view body) {
  net::HttpResponse response;
  response.status = status;
  response.body = SecretBytes::copy_of(body);
  return response;
}

TEST(AzureImds, RequestsAKeyVaultToken) {
  auto request = build_azure_imds_token_request(azure_imds_default_endpoint());
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->serialize().expose_text(),
            "GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource="
            "https%3A%2F%2Fvault.azure.net HTTP/1.1\r\n"
            "Metadata: true\r\n"
            "Accept: application/json\r\n"
            "Host: 169.254.169.254\r\n"
            "Connection: close\r\n"
            "\r\n");
  auto custom = build_azure_imds_token_request({"127.0.0.1", 8080}, "https://vault.azure.cn");
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->find_header("Host")->value.expose_text(), "127.0.0.1:8080");
  EXPECT_NE(custom->target.find("resource=https%3A%2F%2Fvault.azure.cn"), std::string::npos);
  EXPECT_FALSE(build_azure_imds_token_request(azure_imds_default_endpoint(), ""));
}

TEST(AzureImds, ParsesStringExpiry) {
  auto token = parse_azure_imds_token_response(reply(
      200,
      R"({"access_token":"eyJ0eXAi.b.c","client_id":"x","expires_in":"86399","expires_on":"1700000000",
          "ext_expires_in":"86399","not_before":"1699913300","resource":"https://vault.azure.net",
          "token_type":"Bearer"})"));
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token.expose_text(), "eyJ0eXAi.b.c");
  EXPECT_EQ(token->expires_in.count(), 86399);
}

TEST(AzureImds, IsStrictAboutTypes) {
  const std::string base = R"("access_token":"t","resource":"r","token_type":"Bearer")";
  for (const std::string& body : {
           "{" + base + R"(,"expires_in":86399})",
           "{" + base + R"(,"expires_in":"86.4"})",
           "{" + base + R"(,"expires_in":""})",
           "{" + base + R"(,"expires_in":"99999999999"})",
           std::string(R"({"access_token":"t","expires_in":"1","token_type":"Bearer"})"),
           std::string(R"({"access_token":"t","expires_in":"1","resource":"r"})"),
           std::string(
               R"({"access_token":"t","expires_in":"1","resource":"r","token_type":"PoP"})"),
           std::string(
               R"({"access_token":1,"expires_in":"1","resource":"r","token_type":"Bearer"})"),
       }) {
    auto token = parse_azure_imds_token_response(reply(200, body));
    ASSERT_FALSE(token) << body;
    EXPECT_EQ(token.error().code(), ErrorCode::kKmsError);
  }
  auto error = parse_azure_imds_token_response(
      reply(400, R"({"error":"invalid_request","error_description":"Identity not found"})"));
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message(),
            "Azure IMDS returned HTTP 400 invalid_request: Identity not found");
}

}  // namespace
}  // namespace openfle::kms::azure
