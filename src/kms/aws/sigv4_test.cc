#include "kms/aws/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "crypto/hmac_sha512.h"

namespace openfle::kms::aws {
namespace {

using namespace std::chrono;

// The AWS SigV4 test suite's fixed inputs (aws-c-auth
// tests/aws-signing-test-suite/v4/*/context.json).
const system_clock::time_point kSuiteTime = sys_days{2015y / August / 30} + 12h + 36min;
constexpr std::string_view kSuiteCredential =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

AwsCredentials suite_credentials(std::string_view token = {}) {
  return AwsCredentials{
      SecretBytes::copy_of(std::string_view("AKIDEXAMPLE")),
      SecretBytes::copy_of(std::string_view("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")),
      SecretBytes::copy_of(token)};
}

net::HttpRequest make_request(std::string method, std::string target,
                              std::vector<std::pair<std::string, std::string>> headers,
                              std::string_view body = {}) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  for (auto& [name, value] : headers) request.add_header(name, value);
  request.body = SecretBytes::copy_of(body);
  return request;
}

std::string authorization(const net::HttpRequest& request) {
  const auto* header = request.find_header("Authorization");
  return header == nullptr ? std::string() : std::string(header->value.expose_text());
}

// One case of the public SigV4 test suite, header-signed: the expected Authorization header is
// the suite's header-signed-request.txt.
struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;
  std::vector<std::pair<std::string, std::string>> headers;
  const char* signed_headers;
  const char* signature;
};

TEST(SigV4, MatchesTheAwsTestSuite) {
  const std::vector<SuiteCase> cases = {
      {"get-vanilla",
       "GET",
       "/",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla",
       "POST",
       "/",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-header-value-trim",
       "GET",
       "/",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", " value1"},
        {"My-Header2", " \"a   b   c\""}},
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {{"Host", "example.amazonaws.com"},
        {"My-Header1", "value2"},
        {"My-Header1", "value2"},
        {"My-Header1", "value1"}},
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/?Param2=value2&Param1=value1",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-empty-query-key",
       "GET",
       "/?Param1=value1",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
       "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-space-normalized",
       "GET",
       "/example space/",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-slashes-normalized",
       "GET",
       "//example//",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-relative-relative-normalized",
       "GET",
       "/example1/example2/../..",
       {{"Host", "example.amazonaws.com"}},
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
  };
  for (const auto& c : cases) {
    net::HttpRequest request = make_request(c.method, c.target, c.headers);
    ASSERT_TRUE(sign_sigv4(request, suite_credentials(), "us-east-1", "service", kSuiteTime))
        << c.name;
    EXPECT_EQ(authorization(request), std::string(kSuiteCredential) + "SignedHeaders=" +
                                          c.signed_headers + ", Signature=" + c.signature)
        << c.name;
    const auto* date = request.find_header("X-Amz-Date");
    ASSERT_NE(date, nullptr) << c.name;
    EXPECT_EQ(date->value.expose_text(), "20150830T123600Z") << c.name;
  }
}

TEST(SigV4, CanonicalRequestOfGetVanilla) {
  net::HttpRequest request = make_request("GET", "/", {{"Host", "example.amazonaws.com"}});
  ASSERT_TRUE(sign_sigv4(request, suite_credentials(), "us-east-1", "service", kSuiteTime));
  const SecretBytes canonical = sigv4_canonical_request(request);
  EXPECT_EQ(canonical.expose_text(),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The hash the suite's string-to-sign carries.
  EXPECT_EQ(hex_encode(crypto::sha256(canonical.expose())),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4, QueryIsDecodedThenEncodedCanonically) {
  // The target is percent-encoded on the wire; AWS decodes parameters and re-encodes them with
  // the SigV4 rule (unreserved characters bare, everything else %XX upper-case), then sorts.
  net::HttpRequest request =
      make_request("GET", "/?b=%7e&a=x+y&a=%2f&c", {{"Host", "example.amazonaws.com"}});
  ASSERT_TRUE(sign_sigv4(request, suite_credentials(), "us-east-1", "service", kSuiteTime));
  const SecretBytes canonical = sigv4_canonical_request(request);
  const std::string_view text = canonical.expose_text();
  EXPECT_EQ(text.substr(0, text.find('\n', 6)), "GET\n/\na=%2F&a=x%2By&b=~&c=");
}

TEST(SigV4, SessionTokenIsAddedAndSigned) {
  // get-vanilla-with-session-token.
  net::HttpRequest request = make_request("GET", "/", {{"Host", "example.amazonaws.com"}});
  const auto creds =
      suite_credentials("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267");
  ASSERT_TRUE(sign_sigv4(request, creds, "us-east-1", "service", kSuiteTime));
  EXPECT_EQ(authorization(request),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  const auto* token = request.find_header("X-Amz-Security-Token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->value.expose_text(),
            "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267");
}

TEST(SigV4, ConnectionHeaderIsNotSigned) {
  net::HttpRequest request =
      make_request("GET", "/", {{"Connection", "close"}, {"Host", "example.amazonaws.com"}});
  ASSERT_TRUE(sign_sigv4(request, suite_credentials(), "us-east-1", "service", kSuiteTime));
  EXPECT_EQ(authorization(request),
            std::string(kSuiteCredential) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SigningAgainReplacesTheSignatureHeaders) {
  net::HttpRequest request = make_request("GET", "/", {{"Host", "example.amazonaws.com"}});
  const auto creds = suite_credentials("token-one");
  ASSERT_TRUE(sign_sigv4(request, creds, "us-east-1", "service", kSuiteTime - 1h));
  ASSERT_TRUE(sign_sigv4(request, suite_credentials(), "us-east-1", "service", kSuiteTime));
  int authorizations = 0;
  int dates = 0;
  for (const auto& h : request.headers) {
    authorizations += h.name == "Authorization";
    dates += h.name == "X-Amz-Date";
    EXPECT_NE(h.name, "X-Amz-Security-Token");
  }
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(dates, 1);
  EXPECT_NE(authorization(request).find(
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            std::string::npos);
}

TEST(SigV4, RejectsWhatCannotBeSigned) {
  const auto expect_invalid = [](net::HttpRequest request, const AwsCredentials& creds,
                                 std::string_view region, system_clock::time_point when,
                                 const char* label) {
    auto status = sign_sigv4(request, creds, region, "kms", when);
    ASSERT_FALSE(status) << label;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument) << label;
    EXPECT_EQ(request.find_header("Authorization"), nullptr) << label;
  };
  const auto host = [] { return make_request("POST", "/", {{"Host", "kms.example.com"}}); };
  expect_invalid(make_request("POST", "/", {}), suite_credentials(), "us-east-1", kSuiteTime,
                 "no Host");
  expect_invalid(host(), suite_credentials(), "", kSuiteTime, "empty region");
  expect_invalid(host(), suite_credentials(), "us-east-1/x", kSuiteTime, "slash in region");
  expect_invalid(host(), suite_credentials(), "us-east-1", sys_days{1969y / December / 31},
                 "before 1970");
  expect_invalid(host(), suite_credentials("tok\r\nX-Injected: 1"), "us-east-1", kSuiteTime,
                 "CRLF in session token");
  AwsCredentials no_secret = suite_credentials();
  no_secret.secret_access_key = SecretBytes();
  expect_invalid(host(), no_secret, "us-east-1", kSuiteTime, "no secret");
  AwsCredentials bad_akid = suite_credentials();
  bad_akid.access_key_id = SecretBytes::copy_of(std::string_view("AKID/evil"));
  expect_invalid(host(), bad_akid, "us-east-1", kSuiteTime, "slash in access key id");
  expect_invalid(make_request("POST", "/", {{"Host", "kms.example.com"}, {"X-Evil", "a\r\nb: c"}}),
                 suite_credentials(), "us-east-1", kSuiteTime, "CRLF in a header value");

  // The secret never appears in an error message.
  net::HttpRequest request = make_request("POST", "/", {});
  auto status = sign_sigv4(request, suite_credentials(), "us-east-1", "kms", kSuiteTime);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message().find("wJalrXUtnFEMI"), std::string::npos);
}

}  // namespace
}  // namespace openfle::kms::aws
