#include "kms/gcp/gcp_kms_request.h"

#include <gtest/gtest.h>

#include <string>

namespace openfle::kms::gcp {
namespace {

net::HttpResponse reply(int status, std::string_view body) {
  net::HttpResponse response;
  response.status = status;
  response.body = SecretBytes::copy_of(body);
  return response;
}

SecretBytes secret(std::string_view text) { return SecretBytes::copy_of(text); }

const GcpKeyName kKey{"my-project", "global", "key-ring", "key-name", "3"};
const net::Endpoint kKms{"cloudkms.googleapis.com", 443};

TEST(GcpKmsRequest, EncryptMatchesTheRestApi) {
  auto request = build_gcp_encrypt_request(kKey, kKms, secret("foobar"), secret("ya29.tok"));
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->serialize().expose_text(),
            "POST /v1/projects/my-project/locations/global/keyRings/key-ring/cryptoKeys/key-name/"
            "cryptoKeyVersions/3:encrypt HTTP/1.1\r\n"
            "Authorization: Bearer ya29.tok\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
            "Host: cloudkms.googleapis.com\r\n"
            "Content-Length: 25\r\n"
            "Connection: close\r\n"
            "\r\n"
            R"({"plaintext": "Zm9vYmFy"})");
  GcpKeyName no_version = kKey;
  no_version.key_version = "";
  auto primary =
      build_gcp_encrypt_request(no_version, {"localhost.test", 9000}, secret("x"), secret("t"));
  ASSERT_TRUE(primary);
  EXPECT_EQ(
      primary->target,
      "/v1/projects/my-project/locations/global/keyRings/key-ring/cryptoKeys/key-name:encrypt");
  EXPECT_EQ(primary->find_header("Host")->value.expose_text(), "localhost.test:9000");
}

TEST(GcpKmsRequest, DecryptNeverNamesAVersion) {
  auto request = build_gcp_decrypt_request(kKey, kKms, Bytes{0xde, 0xad, 0xbe, 0xef}, secret("t"));
  ASSERT_TRUE(request);
  EXPECT_EQ(
      request->target,
      "/v1/projects/my-project/locations/global/keyRings/key-ring/cryptoKeys/key-name:decrypt");
  EXPECT_EQ(request->body.expose_text(), R"({"ciphertext": "3q2+7w=="})");
  // Not even an invalid one is looked at, since it is not sent.
  GcpKeyName bad_version = kKey;
  bad_version.key_version = "1/../../x";
  EXPECT_TRUE(build_gcp_decrypt_request(bad_version, kKms, Bytes{1}, secret("t")));
}

TEST(GcpKmsRequest, RejectsIdentifiersThatWouldRewriteThePath) {
  struct Case {
    GcpKeyName key;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {{"p/../x", "l", "r", "k", ""}, "GCP projectId"},
           {{"p", "us east", "r", "k", ""}, "GCP location"},
           {{"p", "l", "r?x=1", "k", ""}, "GCP keyRing"},
           {{"p", "l", "r", "k\r\nHost: evil", ""}, "GCP keyName"},
           {{"p", "l", "r", "k", "1#x"}, "GCP keyVersion"},
           {{"p", "l", "r", "", ""}, "GCP keyName"},
           {{"p", "..", "r", "k", ""}, "GCP location"},
       }) {
    auto request = build_gcp_encrypt_request(c.key, kKms, secret("d"), secret("t"));
    ASSERT_FALSE(request) << c.field;
    EXPECT_EQ(request.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(request.error().message().rfind(c.field, 0), 0u) << request.error().message();
  }
  EXPECT_FALSE(build_gcp_encrypt_request(kKey, kKms, SecretBytes(), secret("t")));
  EXPECT_FALSE(build_gcp_encrypt_request(kKey, kKms, secret("d"), secret("a b")));
  EXPECT_FALSE(build_gcp_decrypt_request(kKey, kKms, Bytes{}, secret("t")));
  EXPECT_FALSE(build_gcp_decrypt_request(kKey, {"kms.example.com/x", 443}, Bytes{1}, secret("t")));
}

TEST(GcpKmsResponse, ParsesRealReplyShapes) {
  auto ciphertext = parse_gcp_encrypt_response(
      reply(200,
            R"({"name":"projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
          "ciphertext":"3q2+7w==","ciphertextCrc32c":"2736235391","verifiedPlaintextCrc32c":true,
          "protectionLevel":"SOFTWARE"})"));
  ASSERT_TRUE(ciphertext) << ciphertext.error().message();
  EXPECT_EQ(*ciphertext, (Bytes{0xde, 0xad, 0xbe, 0xef}));
  auto plaintext = parse_gcp_decrypt_response(reply(
      200,
      R"({"plaintext":"Zm9vYmFy","plaintextCrc32c":"1","usedPrimary":true,"protectionLevel":"SOFTWARE"})"));
  ASSERT_TRUE(plaintext);
  EXPECT_EQ(plaintext->expose_text(), "foobar");

  auto missing = parse_gcp_decrypt_response(reply(200, R"({"usedPrimary":true})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "GCP Cloud KMS decrypt reply: missing the field 'plaintext'");
  auto typed = parse_gcp_encrypt_response(reply(200, R"({"ciphertext":{"b64":"x"}})"));
  ASSERT_FALSE(typed);
  EXPECT_NE(typed.error().message().find("must be a string, not a object"), std::string::npos);
  auto denied = parse_gcp_encrypt_response(reply(
      403,
      R"({"error":{"code":403,"message":"Permission 'cloudkms.cryptoKeyVersions.useToEncrypt' denied","status":"PERMISSION_DENIED"}})"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().message(),
            "GCP Cloud KMS returned HTTP 403 PERMISSION_DENIED: Permission "
            "'cloudkms.cryptoKeyVersions.useToEncrypt' denied");
}

}  // namespace
}  // namespace openfle::kms::gcp
