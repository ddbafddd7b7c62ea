#include "kms/aws/aws_kms_request.h"

#include <string>
#include <utility>

#include "common/encoding.h"
#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/json_reply.h"
#include "kms/secret_text.h"

namespace openfle::kms::aws {
namespace {

constexpr std::string_view kService = "AWS KMS";
// AWS KMS accepts key ids (ARNs, aliases) of at most 2048 characters.
constexpr std::size_t kMaxKeyIdLength = 2048;

Result<net::HttpRequest> build_signed(std::string_view operation, std::string_view region,
                                      const net::Endpoint& endpoint, SecretBytes body,
                                      const AwsCredentials& credentials,
                                      std::chrono::system_clock::time_point now) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("AWS KMS endpoint", endpoint));
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/";
  request.add_header("Content-Type", "application/x-amz-json-1.1");
  request.add_header("X-Amz-Target", "TrentService." + std::string(operation));
  finish_request(request, endpoint, std::move(body));
  OPENFLE_RETURN_IF_ERROR(sign_sigv4(request, credentials, region, "kms", now));
  return request;
}

}  // namespace

Result<net::Endpoint> aws_kms_default_endpoint(std::string_view region) {
  if (region.empty()) return fail(ErrorCode::kInvalidArgument, "AWS region is empty");
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return fail(ErrorCode::kInvalidArgument,
                  "AWS region '" + std::string(region.substr(0, 64)) +
                      "' is not valid; expected letters, digits and '-', like 'us-east-1'");
    }
  }
  return net::Endpoint{"kms." + std::string(region) + ".amazonaws.com", 443};
}

Result<net::HttpRequest> build_aws_encrypt_request(std::string_view region, std::string_view key_id,
                                                   const net::Endpoint& endpoint,
                                                   const SecretBytes& dek,
                                                   const AwsCredentials& credentials,
                                                   std::chrono::system_clock::time_point now) {
  if (key_id.empty()) {
    return fail(ErrorCode::kInvalidArgument, "AWS masterKey.key (the CMK ARN or alias) is empty");
  }
  if (key_id.size() > kMaxKeyIdLength) {
    return fail(ErrorCode::kInvalidArgument,
                "AWS masterKey.key is longer than AWS's limit of 2048 characters");
  }
  if (dek.empty()) return fail(ErrorCode::kInvalidArgument, "data key to encrypt is empty");
  // The body layout, spaces included, is kms-message's, so requests are byte-for-byte
  // libmongocrypt's (and its test signatures reproduce).
  SecretTextBuilder body(dek.size() * 4 / 3 + key_id.size() + 48);
  body.append(R"({"Plaintext": ")")
      .append(base64_encode_secret(dek))
      .append(R"(", "KeyId": ")")
      .append_json_string_contents(key_id)
      .append(R"("})");
  return build_signed("Encrypt", region, endpoint, std::move(body).finish(), credentials, now);
}

Result<net::HttpRequest> build_aws_decrypt_request(std::string_view region,
                                                   const net::Endpoint& endpoint,
                                                   ByteView ciphertext_blob,
                                                   const AwsCredentials& credentials,
                                                   std::chrono::system_clock::time_point now) {
  if (ciphertext_blob.empty()) {
    return fail(ErrorCode::kInvalidArgument, "AWS keyMaterial (CiphertextBlob) is empty");
  }
  SecretTextBuilder body(ciphertext_blob.size() * 4 / 3 + 32);
  body.append(R"({"CiphertextBlob": ")").append(base64_encode(ciphertext_blob)).append(R"("})");
  return build_signed("Decrypt", region, endpoint, std::move(body).finish(), credentials, now);
}

Result<Bytes> parse_aws_encrypt_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "AWS KMS Encrypt reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kService, kWhat, response));
  return required_base64(body, "CiphertextBlob", kWhat);
}

Result<SecretBytes> parse_aws_decrypt_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "AWS KMS Decrypt reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kService, kWhat, response));
  return required_base64_secret(body, "Plaintext", kWhat);
}

}  // namespace openfle::kms::aws
