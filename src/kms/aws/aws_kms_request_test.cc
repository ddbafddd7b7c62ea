#include "kms/aws/aws_kms_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/encoding.h"
#include "support/python_helper.h"

namespace openfle::kms::aws {
namespace {

using namespace std::chrono;

const system_clock::time_point kSuiteTime = sys_days{2015y / August / 30} + 12h + 36min;

AwsCredentials suite_credentials(std::string_view token = {}) {
  return AwsCredentials{
      SecretBytes::copy_of(std::string_view("AKIDEXAMPLE")),
      SecretBytes::copy_of(std::string_view("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")),
      SecretBytes::copy_of(token)};
}

std::string header(const net::HttpRequest& request, std::string_view name) {
  const auto* h = request.find_header(name);
  return h == nullptr ? std::string("<absent>") : std::string(h->value.expose_text());
}

net::HttpResponse reply(int status, std::string_view body) {
  net::HttpResponse response;
  response.status = status;
  response.reason = status == 200 ? "OK" : "Bad Request";
  response.body = SecretBytes::copy_of(body);
  return response;
}

// kms-message's ciphertext_blob test vector (test_kms_request.c), a real Encrypt reply's blob.
Bytes kms_message_blob() {
  return *hex_decode(
      "0102020078f38ed8d4c6bafba1cfc11e68f2a1919e364d74a2c49e30670853330dcde0c91b016030d4739e901f"
      "a743558426f9d5f0b100000064306206092a864886f70d010706a0553053020100304e06092a864886f70d0107"
      "01301e060960864801650304012e3011040ca2c7121c25380eec081f230902011080216103cdcbe2ac364f73db"
      "1b732e33da4551f4cdc0ffd2e1b9c4c20ebf5390461842");
}

TEST(AwsKmsRequest, EncryptRequestHasLibmongocryptsShape) {
  const net::Endpoint endpoint{"kms.us-east-1.amazonaws.com", 443};
  auto request = build_aws_encrypt_request("us-east-1", "alias/1", endpoint,
                                           SecretBytes::copy_of(std::string_view("foobar")),
                                           suite_credentials(), kSuiteTime);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->target, "/");
  EXPECT_EQ(request->body.expose_text(), R"({"Plaintext": "Zm9vYmFy", "KeyId": "alias/1"})");
  EXPECT_EQ(header(*request, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header(*request, "X-Amz-Target"), "TrentService.Encrypt");
  EXPECT_EQ(header(*request, "Host"), "kms.us-east-1.amazonaws.com");
  EXPECT_EQ(header(*request, "Content-Length"), "45");
  EXPECT_EQ(header(*request, "Connection"), "close");
  EXPECT_EQ(header(*request, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(*request, "X-Amz-Security-Token"), "<absent>");
  const std::string auth = header(*request, "Authorization");
  EXPECT_EQ(
      auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, "
                 "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, "
                 "Signature=",
                 0),
      0u)
      << auth;
}

// kms-message's own encrypt/decrypt vectors (test/encrypt, test/decrypt): service "service" and
// the Host it derives from service and region. Re-signing our request with those reproduces them,
// which pins our body bytes and header set to libmongocrypt's.
TEST(AwsKmsRequest, ReproducesKmsMessageSignatures) {
  const net::Endpoint endpoint{"service.us-east-1.amazonaws.com", 443};
  auto encrypt = build_aws_encrypt_request("us-east-1", "alias/1", endpoint,
                                           SecretBytes::copy_of(std::string_view("foobar")),
                                           suite_credentials(), kSuiteTime);
  ASSERT_TRUE(encrypt);
  ASSERT_TRUE(sign_sigv4(*encrypt, suite_credentials(), "us-east-1", "service", kSuiteTime));
  EXPECT_NE(header(*encrypt, "Authorization")
                .find("Signature=28d8a139a4a7da0bd7082979fa938ce20514e0500cdd441fd46f702ae3d3cfd2"),
            std::string::npos)
      << header(*encrypt, "Authorization");

  auto decrypt = build_aws_decrypt_request("us-east-1", endpoint, kms_message_blob(),
                                           suite_credentials(), kSuiteTime);
  ASSERT_TRUE(decrypt);
  EXPECT_EQ(header(*decrypt, "X-Amz-Target"), "TrentService.Decrypt");
  EXPECT_EQ(decrypt->body.expose_text().substr(0, 20), R"({"CiphertextBlob": ")");
  ASSERT_TRUE(sign_sigv4(*decrypt, suite_credentials(), "us-east-1", "service", kSuiteTime));
  EXPECT_NE(header(*decrypt, "Authorization")
                .find("Signature=977a49f82aa74b38944cbd299880dcc3ec2bbcd953c36b1a19a3cde56f415f31"),
            std::string::npos)
      << header(*decrypt, "Authorization");
}

TEST(AwsKmsRequest, HostCarriesThePortOnlyWhenNot443) {
  for (const auto& [endpoint, expected] : std::vector<std::pair<net::Endpoint, std::string>>{
           {{"localhost", 8443}, "localhost:8443"},
           {{"kms.eu-west-1.amazonaws.com", 443}, "kms.eu-west-1.amazonaws.com"},
           {{"::1", 9000}, "[::1]:9000"}}) {
    auto encrypt = build_aws_encrypt_request("eu-west-1", "k", endpoint,
                                             SecretBytes::copy_of(std::string_view("d")),
                                             suite_credentials(), kSuiteTime);
    auto decrypt = build_aws_decrypt_request("eu-west-1", endpoint, Bytes{1, 2, 3},
                                             suite_credentials(), kSuiteTime);
    ASSERT_TRUE(encrypt && decrypt);
    // The same for both operations (libmongocrypt's encrypt drops the port; we do not).
    EXPECT_EQ(header(*encrypt, "Host"), expected);
    EXPECT_EQ(header(*decrypt, "Host"), expected);
  }
}

TEST(AwsKmsRequest, KeyIdIsJsonEscaped) {
  auto request = build_aws_encrypt_request("us-east-1", "alias/\"q\"\\\n", {"kms.x.com", 443},
                                           SecretBytes::copy_of(std::string_view("d")),
                                           suite_credentials(), kSuiteTime);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->body.expose_text(),
            R"({"Plaintext": "ZA==", "KeyId": "alias/\"q\"\\\u000A"})");
  auto parsed = nlohmann::json::parse(request->body.expose_text(), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["KeyId"], "alias/\"q\"\\\n");
}

TEST(AwsKmsRequest, RejectsBadInputs) {
  const net::Endpoint ok{"kms.us-east-1.amazonaws.com", 443};
  const auto dek = SecretBytes::copy_of(std::string_view("dek"));
  EXPECT_FALSE(
      build_aws_encrypt_request("us-east-1", "", ok, dek, suite_credentials(), kSuiteTime));
  EXPECT_FALSE(build_aws_encrypt_request("us-east-1", "k", ok, SecretBytes(), suite_credentials(),
                                         kSuiteTime));
  EXPECT_FALSE(build_aws_encrypt_request("us east", "k", ok, dek, suite_credentials(), kSuiteTime));
  EXPECT_FALSE(build_aws_encrypt_request("us-east-1", "k", {"evil.com\r\nX-A: b", 443}, dek,
                                         suite_credentials(), kSuiteTime));
  EXPECT_FALSE(
      build_aws_decrypt_request("us-east-1", ok, Bytes{}, suite_credentials(), kSuiteTime));
  auto endpoint = aws_kms_default_endpoint("ap-south-1");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->to_string(), "kms.ap-south-1.amazonaws.com:443");
  EXPECT_FALSE(aws_kms_default_endpoint("x.evil.com/"));
}

TEST(AwsKmsResponse, ParsesRealReplies) {
  // kms-message's example-response.bin body: a real Encrypt reply.
  auto blob = parse_aws_encrypt_response(reply(
      200,
      R"({"CiphertextBlob":"AQICAHifzrL6n/3uqZyz+z1bJj80DhqPcSAibAaIoYc+HOVP6QEplwbM0wpvU5zsQG/1SBKvAAAAZDBiBgkqhkiG9w0BBwagVTBTAgEAME4GCSqGSIb3DQEHATAeBglghkgBZQMEAS4wEQQM5syMJE7RodxDaqYqAgEQgCHMFCnFso4Lih0CNbLT1kiET0hQyzjgoa9733353GQkGlM=","KeyId":"arn:aws:kms:us-east-1:524754917239:key/bd05530b-0a7f-4fbd-8362-ab3667370db0"})"));
  ASSERT_TRUE(blob) << blob.error().message();
  EXPECT_EQ(blob->size(), 158u);
  EXPECT_EQ((*blob)[0], 0x01);

  // Extra fields, as AWS added EncryptionAlgorithm (SERVER-44721), are ignored.
  auto plaintext = parse_aws_decrypt_response(reply(
      200, R"({"KeyId":"arn:x","Plaintext":"Zm9vYmFy","EncryptionAlgorithm":"SYMMETRIC_DEFAULT",
                     "Future":{"nested":[1,2,3]}})"));
  ASSERT_TRUE(plaintext) << plaintext.error().message();
  EXPECT_EQ(plaintext->expose_text(), "foobar");
}

TEST(AwsKmsResponse, RejectsMalformedReplies) {
  struct Case {
    int status;
    const char* body;
    const char* expected;
  };
  for (
      const Case& c : std::vector<Case>{
          {200, "", "empty body"},
          {200, "not json", "8-byte body is not valid JSON; expected a JSON object"},
          {200, "[1,2]", "is JSON but not an object"},
          {200, R"({"Plaintext":"Zm9v","Plaintext":"YmFy"})", "has the key 'Plaintext' twice"},
          {200, R"({"a":{"b":1,"b":2},"Plaintext":"Zm9v"})", "has the key 'b' twice"},
          {200, R"({"KeyId":"x"})", "missing the field 'Plaintext'"},
          {200, R"({"Plaintext":42})", "'Plaintext' must be a string, not a integer"},
          {200, R"({"Plaintext":null})", "must be a string, not a null"},
          {200, R"({"Plaintext":""})", "'Plaintext' is empty"},
          {200, R"({"Plaintext":"a b"})", "not valid base64"},
          {200, R"({"Plaintext":"Zm9v)", "not valid JSON"},
          {400, R"({"__type":"AccessDeniedException","message":"User x is not authorized"})",
           "AWS KMS returned HTTP 400 AccessDeniedException: User x is not authorized"},
          {400,
           R"({"__type":"com.amazon.coral.service#UnrecognizedClientException","Message":"The security token included in the request is invalid."})",
           "AWS KMS returned HTTP 400 UnrecognizedClientException: The security token included"},
          {503, "", "AWS KMS returned HTTP 503 (Bad Request) with an empty body"},
      }) {
    auto result = parse_aws_decrypt_response(reply(c.status, c.body));
    ASSERT_FALSE(result) << c.body;
    EXPECT_EQ(result.error().code(), ErrorCode::kKmsError) << c.body;
    EXPECT_NE(result.error().message().find(c.expected), std::string::npos)
        << result.error().message();
  }
  std::string huge = R"({"Plaintext":")" + std::string(2 * 1024 * 1024, 'A') + R"("})";
  auto result = parse_aws_decrypt_response(reply(200, huge));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("at most"), std::string::npos);
}

// An independent signer: botocore's SigV4Auth, run by tests/tools/botocore_sigv4.py.
std::string botocore_authorization(const net::HttpRequest& request, const AwsCredentials& creds,
                                   std::string_view region, std::string_view service,
                                   bool* skipped) {
  nlohmann::json headers = nlohmann::json::array();
  std::string host;
  for (const auto& h : request.headers) {
    if (h.name == "Host") host = std::string(h.value.expose_text());
    // botocore adds these itself, and would sign Connection, which SigV4 for KMS leaves out.
    if (h.name == "Authorization" || h.name == "X-Amz-Date" || h.name == "X-Amz-Security-Token" ||
        h.name == "Connection") {
      continue;
    }
    headers.push_back({h.name, std::string(h.value.expose_text())});
  }
  nlohmann::json spec = {
      {"method", request.method},
      {"url", "https://" + host + request.target},
      {"headers", headers},
      {"body_b64", base64_encode(request.body.expose())},
      {"access_key", std::string(creds.access_key_id.expose_text())},
      {"secret_key", std::string(creds.secret_access_key.expose_text())},
      {"token", std::string(creds.session_token.expose_text())},
      {"region", region},
      {"service", service},
      {"timestamp", std::string(request.find_header("X-Amz-Date")->value.expose_text())}};
  auto result = testing::run_python_helper("botocore_sigv4.py", spec.dump());
  *skipped =
      result.exit_code == testing::kHelperMissingModule || result.exit_code == testing::kNoPython;
  if (*skipped) return result.output;
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return result.output;
}

TEST(AwsKmsRequest, SignaturesMatchBotocore) {
  const auto now = sys_days{2024y / March / 5} + 7h + 8min + 9s;
  AwsCredentials with_token{SecretBytes::copy_of(std::string_view("ASIAEXAMPLEEXAMPLE")),
                            SecretBytes::copy_of(std::string_view("s3cr3t/+=key")),
                            SecretBytes::copy_of(std::string_view("FwoGZXIvYXdzEB0aD+/token=="))};
  std::vector<net::HttpRequest> requests;
  auto encrypt = build_aws_encrypt_request(
      "eu-central-1", "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef",
      {"localhost", 8443}, SecretBytes::random(96), with_token, now);
  ASSERT_TRUE(encrypt);
  requests.push_back(std::move(*encrypt));
  auto decrypt = build_aws_decrypt_request("us-west-2", {"kms.us-west-2.amazonaws.com", 443},
                                           kms_message_blob(), suite_credentials(), now);
  ASSERT_TRUE(decrypt);
  requests.push_back(std::move(*decrypt));
  // A generic request: query to sort, a path to normalize and encode again, values to trim.
  // (The query is already in canonical form: botocore signs the query as given, while we decode
  // and re-encode it as AWS does; see SigV4.QueryIsDecodedThenEncodedCanonically.)
  net::HttpRequest generic;
  generic.method = "GET";
  generic.target = "/a/./b/../c%20d/?b=2&a=%20x&a=1&empty=";
  generic.add_header("Host", "sts.amazonaws.com");
  generic.add_header("X-Custom", "  spaced    out  ");
  generic.add_header("x-custom", "second");
  requests.push_back(std::move(generic));

  const AwsCredentials suite = suite_credentials();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& request = requests[i];
    const AwsCredentials& creds = i == 0 ? with_token : suite;
    const std::string region = i == 0 ? "eu-central-1" : "us-west-2";
    if (i == 2) {
      ASSERT_TRUE(sign_sigv4(request, creds, region, "sts", now));
    }
    bool skipped = false;
    const std::string expected =
        botocore_authorization(request, creds, region, i == 2 ? "sts" : "kms", &skipped);
    if (skipped) GTEST_SKIP() << "python3-botocore is not available: " << expected;
    EXPECT_EQ(header(request, "Authorization"), expected) << "request " << i;
  }
}

}  // namespace
}  // namespace openfle::kms::aws
