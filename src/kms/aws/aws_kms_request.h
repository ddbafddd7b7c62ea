// AWS KMS Encrypt and Decrypt requests and replies, as libmongocrypt 1.7.2 sends and reads them.
//
// Request (AWS KMS API reference, "Encrypt"/"Decrypt"; JSON 1.1 protocol):
//   POST / HTTP/1.1
//   Content-Type: application/x-amz-json-1.1
//   X-Amz-Target: TrentService.Encrypt            (or TrentService.Decrypt)
//   Host: kms.us-east-1.amazonaws.com             (":port" only when the port is not 443)
//   Content-Length: 172
//   Connection: close                             (not signed)
//   X-Amz-Date, [X-Amz-Security-Token], Authorization   (added by sign_sigv4, service "kms")
//
//   {"Plaintext": "<base64 DEK>", "KeyId": "<masterKey.key>"}      Encrypt
//   {"CiphertextBlob": "<base64 keyMaterial>"}                     Decrypt (no KeyId, as
//   libmongocrypt)
//
// The region signed is masterKey.region as given; it is not taken from the key ARN.
// Pure functions: no I/O, no clock reads.
#ifndef OPENFLE_KMS_AWS_AWS_KMS_REQUEST_H_
#define OPENFLE_KMS_AWS_AWS_KMS_REQUEST_H_

#include <chrono>
#include <string_view>

#include "kms/aws/sigv4.h"
#include "net/http_message.h"
#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::aws {

// kms.<region>.amazonaws.com:443, the endpoint used when masterKey has no "endpoint".
[[nodiscard]] Result<net::Endpoint> aws_kms_default_endpoint(std::string_view region);

// A signed Encrypt request wrapping `dek` under the CMK `key_id` (ARN, key id or alias).
// kInvalidArgument for an empty key_id or dek, a malformed endpoint, or sign_sigv4's errors.
[[nodiscard]] Result<net::HttpRequest> build_aws_encrypt_request(
    std::string_view region, std::string_view key_id, const net::Endpoint& endpoint,
    const SecretBytes& dek, const AwsCredentials& credentials,
    std::chrono::system_clock::time_point now);

// A signed Decrypt request for `ciphertext_blob` (the key document's keyMaterial).
[[nodiscard]] Result<net::HttpRequest> build_aws_decrypt_request(
    std::string_view region, const net::Endpoint& endpoint, ByteView ciphertext_blob,
    const AwsCredentials& credentials, std::chrono::system_clock::time_point now);

// CiphertextBlob of an Encrypt reply: the new keyMaterial. kKmsError for an HTTP error (quoting
// AWS's __type and message), a body that is not a JSON object, or a CiphertextBlob that is missing,
// not a string, empty or not base64.
[[nodiscard]] Result<Bytes> parse_aws_encrypt_response(const net::HttpResponse& response);

// Plaintext of a Decrypt reply: the data key. Errors as for parse_aws_encrypt_response.
[[nodiscard]] Result<SecretBytes> parse_aws_decrypt_response(const net::HttpResponse& response);

}  // namespace openfle::kms::aws

#endif  // OPENFLE_KMS_AWS_AWS_KMS_REQUEST_H_
