#include "kms/gcp/gcp_oauth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "support/python_helper.h"
#include "support/test_rsa_key.h"

namespace openfle::kms::gcp {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_seconds{seconds{1700000000}};

const GcpServiceAccountKey& service_key() {
  static const GcpServiceAccountKey key = *GcpServiceAccountKey::parse(
      SecretBytes::copy_of(std::string_view(base64_encode(testing::test_rsa_key().pkcs8_der))));
  return key;
}

struct Jwt {
  std::string header_json;
  std::string claims_json;
  std::string signed_part;
  Bytes signature;
};

Jwt split_jwt(std::string_view jwt) {
  Jwt out;
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  EXPECT_NE(second, std::string_view::npos);
  auto header = base64_decode(jwt.substr(0, first));
  auto claims = base64_decode(jwt.substr(first + 1, second - first - 1));
  auto signature = base64_decode(jwt.substr(second + 1));
  EXPECT_TRUE(header && claims && signature);
  out.header_json.assign(header->begin(), header->end());
  out.claims_json.assign(claims->begin(), claims->end());
  out.signed_part = std::string(jwt.substr(0, second));
  out.signature = *signature;
  return out;
}

std::string assertion_of(const net::HttpRequest& request) {
  const std::string_view body = request.body.expose_text();
  const std::string_view prefix =
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  EXPECT_EQ(body.substr(0, prefix.size()), prefix);
  return std::string(body.substr(prefix.size()));
}

TEST(GcpOAuth, TokenRequestCarriesASignedJwtWithLibmongocryptsClaims) {
  auto request =
      build_gcp_token_request(gcp_default_auth_endpoint(), "svc@proj.iam.gserviceaccount.com",
                              service_key(), gcp_default_kms_endpoint(), kNow);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->target, "/token");
  EXPECT_EQ(request->find_header("Content-Type")->value.expose_text(),
            "application/x-www-form-urlencoded");
  EXPECT_EQ(request->find_header("Accept")->value.expose_text(), "application/json");
  EXPECT_EQ(request->find_header("Host")->value.expose_text(), "oauth2.googleapis.com");
  EXPECT_EQ(request->find_header("Connection")->value.expose_text(), "close");
  EXPECT_EQ(request->find_header("Content-Length")->value.expose_text(),
            std::to_string(request->body.size()));

  const std::string jwt = assertion_of(*request);
  EXPECT_EQ(jwt.rfind("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.", 0), 0u);  // kms-message's header
  const Jwt parts = split_jwt(jwt);
  EXPECT_EQ(parts.header_json, R"({"alg":"RS256","typ":"JWT"})");
  EXPECT_EQ(
      parts.claims_json,
      R"({"iss": "svc@proj.iam.gserviceaccount.com", "aud": "https://oauth2.googleapis.com/token", )"
      R"("scope": "https://www.googleapis.com/auth/cloudkms", "iat": 1700000000, "exp": 1700000300})");
  EXPECT_TRUE(
      testing::verify_rs256(testing::test_rsa_key().key, parts.signed_part, parts.signature));
}

TEST(GcpOAuth, CustomEndpointsChangeAudienceAndScope) {
  auto request = build_gcp_token_request({"oauth2.example.com", 9443}, "a@b.c", service_key(),
                                         {"cloudkms.example.org", 443}, kNow);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->find_header("Host")->value.expose_text(), "oauth2.example.com:9443");
  auto claims = nlohmann::json::parse(split_jwt(assertion_of(*request)).claims_json);
  EXPECT_EQ(claims["aud"], "https://oauth2.example.com/token");  // no port, as libmongocrypt
  EXPECT_EQ(claims["scope"], "https://www.example.org/auth/cloudkms");

  EXPECT_FALSE(build_gcp_token_request(gcp_default_auth_endpoint(), "a@b.c", service_key(),
                                       {"localhost", 443}, kNow));
  EXPECT_FALSE(build_gcp_token_request(gcp_default_auth_endpoint(), "", service_key(),
                                       gcp_default_kms_endpoint(), kNow));
  EXPECT_FALSE(build_gcp_token_request({"bad host", 443}, "a@b.c", service_key(),
                                       gcp_default_kms_endpoint(), kNow));
}

TEST(GcpOAuth, EmailIsJsonEscapedInTheClaims) {
  auto jwt = make_gcp_jwt_assertion("a\"b\\c@x", "https://a/token", "s", service_key(), kNow);
  ASSERT_TRUE(jwt);
  auto claims = nlohmann::json::parse(split_jwt(jwt->expose_text()).claims_json, nullptr, false);
  ASSERT_FALSE(claims.is_discarded());
  EXPECT_EQ(claims["iss"], "a\"b\\c@x");
  EXPECT_FALSE(make_gcp_jwt_assertion("a@b", "https://a/token", "s", service_key(),
                                      system_clock::time_point(seconds(-5))));
}

// An independent verifier: PyJWT with python3-cryptography (tests/tools/verify_jwt.py).
TEST(GcpOAuth, JwtVerifiesWithPyJwt) {
  auto request =
      build_gcp_token_request(gcp_default_auth_endpoint(), "svc@proj.iam.gserviceaccount.com",
                              service_key(), gcp_default_kms_endpoint(), system_clock::now());
  ASSERT_TRUE(request);
  auto pem = service_key().public_key_pem();
  ASSERT_TRUE(pem);
  const nlohmann::json spec = {{"jwt", assertion_of(*request)},
                               {"public_key_pem", *pem},
                               {"audience", "https://oauth2.googleapis.com/token"}};
  auto result = testing::run_python_helper("verify_jwt.py", spec.dump());
  if (result.exit_code == testing::kHelperMissingModule || result.exit_code == testing::kNoPython) {
    GTEST_SKIP() << "python3-jwt / python3-cryptography not available: " << result.output;
  }
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto verified = nlohmann::json::parse(result.output, nullptr, false);
  ASSERT_FALSE(verified.is_discarded()) << result.output;
  EXPECT_EQ(verified["header"]["alg"], "RS256");
  EXPECT_EQ(verified["claims"]["iss"], "svc@proj.iam.gserviceaccount.com");
  EXPECT_EQ(verified["claims"]["scope"], "https://www.googleapis.com/auth/cloudkms");
  EXPECT_EQ(
      verified["claims"]["exp"].get<std::int64_t>() - verified["claims"]["iat"].get<std::int64_t>(),
      300);

  // A tampered assertion does not verify.
  std::string tampered = spec["jwt"];
  tampered[tampered.find('.') + 5] ^= 1;
  auto bad = testing::run_python_helper(
      "verify_jwt.py", nlohmann::json{{"jwt", tampered},
                                      {"public_key_pem", *pem},
                                      {"audience", "https://oauth2.googleapis.com/token"}}
                           .dump());
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
}

TEST(GcpOAuth, ParsesTokenReplies) {
  net::HttpResponse ok;
  ok.status = 200;
  ok.body = SecretBytes::copy_of(std::string_view(
      R"({"access_token":"ya29.c.Kp8B-x_y","expires_in":3599,"token_type":"Bearer"})"));
  auto token = parse_gcp_token_response(ok);
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token.expose_text(), "ya29.c.Kp8B-x_y");
  EXPECT_EQ(token->expires_in.count(), 3599);

  net::HttpResponse error;
  error.status = 400;
  error.body = SecretBytes::copy_of(std::string_view(
      R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"));
  auto failed = parse_gcp_token_response(error);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message(),
            "GCP OAuth returned HTTP 400 invalid_grant: Invalid JWT Signature.");
}

}  // namespace
}  // namespace openfle::kms::gcp
