#include "kms/http_kms_request.h"

#include <gtest/gtest.h>

#include "kms/secret_text.h"

namespace openfle::kms {
namespace {

TEST(HttpKmsRequest, HostHeaderOmitsTheDefaultPort) {
  EXPECT_EQ(host_header_value({"kms.example.com", 443}), "kms.example.com");
  EXPECT_EQ(host_header_value({"kms.example.com", 8443}), "kms.example.com:8443");
  EXPECT_EQ(host_header_value({"::1", 443}), "[::1]");
  EXPECT_EQ(host_header_value({"169.254.169.254", 80}, 80), "169.254.169.254");
}

TEST(HttpKmsRequest, UrlIdentifiersAreUnreservedCharactersOnly) {
  for (const char* ok : {"my-project", "us-east1", "key_ring.1", "~a", "1"}) {
    EXPECT_TRUE(check_url_identifier("keyRing", ok)) << ok;
  }
  for (const char* bad :
       {"", "a/b", "a?b", "a#b", "a b", "a\r\nHost: x", "..", ".", "a%2Fb", "caf\xc3\xa9"}) {
    auto status = check_url_identifier("keyRing", bad);
    ASSERT_FALSE(status) << bad;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().message().rfind("keyRing", 0), 0u) << status.error().message();
  }
  auto status = check_url_identifier("keyName", "ab/c");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(),
            "keyName has the character 0x2F '/' at position 2; only A-Z a-z 0-9 . _ ~ - are "
            "allowed in a URL path");
  EXPECT_FALSE(check_url_identifier("keyName", std::string(256, 'a')));
}

TEST(HttpKmsRequest, ParentDomainDropsTheFirstLabel) {
  EXPECT_EQ(*parent_domain("keyVaultEndpoint", "myvault.vault.azure.net"), "vault.azure.net");
  EXPECT_EQ(*parent_domain("endpoint", "cloudkms.googleapis.com"), "googleapis.com");
  EXPECT_FALSE(parent_domain("keyVaultEndpoint", "localhost"));
  EXPECT_FALSE(parent_domain("keyVaultEndpoint", "trailing."));
}

TEST(HttpKmsRequest, EndpointsAndTokensAreChecked) {
  EXPECT_TRUE(check_endpoint("endpoint", {"kms.example.com", 443}));
  EXPECT_TRUE(check_endpoint("endpoint", {"::1", 443}));
  EXPECT_FALSE(check_endpoint("endpoint", {"", 443}));
  EXPECT_FALSE(check_endpoint("endpoint", {"a.com\r\nX: y", 443}));
  EXPECT_FALSE(check_endpoint("endpoint", {"a.com/path", 443}));
  EXPECT_FALSE(check_endpoint("endpoint", {"a.com", 0}));
  EXPECT_TRUE(check_bearer_token("token", SecretBytes::copy_of(std::string_view("eyJ.a-b_c~+/="))));
  EXPECT_FALSE(check_bearer_token("token", SecretBytes()));
  auto status = check_bearer_token("token", SecretBytes::copy_of(std::string_view("abc\r\nX: 1")));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message().find("abc"), std::string::npos);
  EXPECT_FALSE(check_bearer_token("token", SecretBytes::copy_of(std::string_view("a b"))));
}

TEST(HttpKmsRequest, FinishRequestAddsFramingHeaders) {
  net::HttpRequest request;
  finish_request(request, {"kms.example.com", 8443}, SecretBytes::copy_of(std::string_view("{}")));
  EXPECT_EQ(request.serialize().expose_text(),
            "POST / HTTP/1.1\r\nHost: kms.example.com:8443\r\nContent-Length: 2\r\nConnection: "
            "close\r\n\r\n{}");
  net::HttpRequest get;
  get.method = "GET";
  finish_request(get, {"169.254.169.254", 80}, SecretBytes(), 80);
  EXPECT_EQ(get.find_header("Content-Length"), nullptr);
  add_bearer_authorization(get, SecretBytes::copy_of(std::string_view("tok")));
  EXPECT_EQ(get.find_header("Authorization")->value.expose_text(), "Bearer tok");
}

TEST(SecretTextBuilder, GrowsAndEscapes) {
  SecretTextBuilder builder(1);
  builder.append("a").append(std::string(100, 'b')).append_json_string_contents("\"\\\x01/é");
  builder.append("|").append_form_encoded("a b&c=d+e/~");
  const SecretBytes out = std::move(builder).finish();
  EXPECT_EQ(out.expose_text(),
            "a" + std::string(100, 'b') + "\\\"\\\\\\u0001/é|a%20b%26c%3Dd%2Be%2F~");
  EXPECT_EQ(percent_encode("https://vault.azure.net"), "https%3A%2F%2Fvault.azure.net");
}

}  // namespace
}  // namespace openfle::kms
