#include "kms/azure/azure_kms_request.h"

#include <gtest/gtest.h>

#include <string>

#include "common/encoding.h"

namespace openfle::kms::azure {
namespace {

net::HttpResponse reply(int status, std::string_view body) {
  net::HttpResponse response;
  response.status = status;
  response.body = SecretBytes::copy_of(body);
  return response;
}

SecretBytes secret(std::string_view text) { return SecretBytes::copy_of(text); }

const net::Endpoint kVault{"myvault.vault.azure.net", 443};

TEST(AzureTokenRequest, IsTheClientCredentialsGrantLibmongocryptSends) {
  auto request = build_azure_token_request(azure_default_identity_endpoint(),
                                           "72f988bf-86f1-41af-91ab-2d7cd011db47", "client-id-1",
                                           secret("s3cret"), kVault);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->serialize().expose_text(),
            "POST /72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token HTTP/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Accept: application/json\r\n"
            "Host: login.microsoftonline.com\r\n"
            "Content-Length: 119\r\n"
            "Connection: close\r\n"
            "\r\n"
            "client_id=client-id-1&scope=https%3A%2F%2Fvault.azure.net%2F.default"
            "&client_secret=s3cret&grant_type=client_credentials");
}

TEST(AzureTokenRequest, EncodesFormValuesAndFollowsTheVaultsCloud) {
  auto request =
      build_azure_token_request({"login.microsoftonline.us", 8443}, "tenant.example", "id&x=1",
                                secret("a+b&c=d e%"), {"v.vault.usgovcloudapi.net", 443});
  ASSERT_TRUE(request);
  EXPECT_EQ(request->body.expose_text(),
            "client_id=id%26x%3D1&scope=https%3A%2F%2Fvault.usgovcloudapi.net%2F.default"
            "&client_secret=a%2Bb%26c%3Dd%20e%25&grant_type=client_credentials");
  EXPECT_EQ(request->find_header("Host")->value.expose_text(), "login.microsoftonline.us:8443");
}

TEST(AzureTokenRequest, RejectsBadInputs) {
  const auto identity = azure_default_identity_endpoint();
  EXPECT_FALSE(build_azure_token_request(identity, "a/../b", "id", secret("s"), kVault));
  EXPECT_FALSE(build_azure_token_request(identity, "", "id", secret("s"), kVault));
  EXPECT_FALSE(build_azure_token_request(identity, "t", "", secret("s"), kVault));
  EXPECT_FALSE(build_azure_token_request(identity, "t", "id", SecretBytes(), kVault));
  auto no_domain = build_azure_token_request(identity, "t", "id", secret("s"), {"localhost", 443});
  ASSERT_FALSE(no_domain);
  EXPECT_NE(no_domain.error().message().find("keyVaultEndpoint"), std::string::npos);
}

TEST(AzureTokenResponse, ParsesTokensAndQuotesErrors) {
  auto token = parse_azure_token_response(reply(
      200,
      R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAi.x.y"})"));
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token.expose_text(), "eyJ0eXAi.x.y");
  EXPECT_EQ(token->expires_in.count(), 3599);
  auto error = parse_azure_token_response(reply(
      401,
      R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"timestamp":"2023-01-01 00:00:00Z"})"));
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message(),
            "Azure identity platform returned HTTP 401 invalid_client: AADSTS7000215: Invalid "
            "client secret provided.");
}

TEST(AzureWrapRequest, MatchesKeyVaultsRestApi) {
  const std::uint8_t dek_bytes[] = {0xfb, 0xff, 0x01, 0x02};
  auto wrap = build_azure_wrap_request(kVault, "key-name", "8f8d8e8a",
                                       SecretBytes::copy_of(dek_bytes), secret("tok.en"));
  ASSERT_TRUE(wrap) << wrap.error().message();
  EXPECT_EQ(wrap->serialize().expose_text(),
            "POST /keys/key-name/8f8d8e8a/wrapkey?api-version=7.1 HTTP/1.1\r\n"
            "Authorization: Bearer tok.en\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
            "Host: myvault.vault.azure.net\r\n"
            "Content-Length: 42\r\n"
            "Connection: close\r\n"
            "\r\n"
            R"({"alg": "RSA-OAEP-256", "value": "-_8BAg"})");

  // No version: the path keeps its empty segment, as libmongocrypt's does.
  auto unwrap = build_azure_unwrap_request({"v.vault.azure.net", 9443}, "k", "", Bytes{0x3e, 0x3f},
                                           secret("t"));
  ASSERT_TRUE(unwrap);
  EXPECT_EQ(unwrap->target, "/keys/k//unwrapkey?api-version=7.1");
  EXPECT_EQ(unwrap->body.expose_text(), R"({"alg": "RSA-OAEP-256", "value": "Pj8"})");
  EXPECT_EQ(unwrap->find_header("Host")->value.expose_text(), "v.vault.azure.net:9443");
}

TEST(AzureWrapRequest, RejectsInjectionAndBadTokens) {
  const auto dek = secret("dek");
  for (const char* name : {"a/b", "..", "a?x=1", "a\r\nHost: evil", ""}) {
    auto r = build_azure_wrap_request(kVault, name, "", dek, secret("t"));
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().message().find("Azure keyName"), std::string::npos);
  }
  auto version = build_azure_wrap_request(kVault, "k", "v/1", dek, secret("t"));
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().message().find("Azure keyVersion"), std::string::npos);
  EXPECT_FALSE(build_azure_wrap_request(kVault, "k", "", dek, secret("t\r\nX: y")));
  EXPECT_FALSE(build_azure_wrap_request(kVault, "k", "", dek, SecretBytes()));
  EXPECT_FALSE(build_azure_wrap_request(kVault, "k", "", SecretBytes(), secret("t")));
  EXPECT_FALSE(build_azure_unwrap_request(kVault, "k", "", Bytes{}, secret("t")));
}

TEST(AzureWrapResponse, ParsesValueAsBase64Url) {
  auto wrapped = parse_azure_wrap_response(
      reply(200, R"({"kid":"https://myvault.vault.azure.net/keys/k/8f8d","value":"-_8BAg"})"));
  ASSERT_TRUE(wrapped) << wrapped.error().message();
  EXPECT_EQ(*wrapped, (Bytes{0xfb, 0xff, 0x01, 0x02}));
  auto dek = parse_azure_unwrap_response(reply(200, R"({"kid":"x","value":"Zm9vYmFy"})"));
  ASSERT_TRUE(dek);
  EXPECT_EQ(dek->expose_text(), "foobar");

  auto missing = parse_azure_unwrap_response(reply(200, R"({"kid":"x"})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "Azure Key Vault unwrapkey reply: missing the field 'value'");
  auto wrong_type = parse_azure_unwrap_response(reply(200, R"({"value":["Zm9v"]})"));
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message().find("must be a string, not a array"), std::string::npos);
  auto denied = parse_azure_wrap_response(reply(
      403,
      R"({"error":{"code":"Forbidden","message":"The user does not have keys wrap key permission","innererror":{"code":"AccessDenied"}}})"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().message(),
            "Azure Key Vault returned HTTP 403 Forbidden: The user does not have keys wrap key "
            "permission");
}

}  // namespace
}  // namespace openfle::kms::azure
