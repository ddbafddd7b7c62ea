// AWS Signature Version 4, header form, as AWS KMS (and every other AWS JSON API) verifies it.
//
// Spec: "Signature Version 4 signing process" (docs.aws.amazon.com/IAM/latest/UserGuide/
// create-signed-request.html) and its test suite. Matches kms-message, libmongocrypt's signer:
// `Connection` is never signed, no x-amz-content-sha256 header is added, and the path is
// normalized and URI-encoded once more (non-S3 rule), so a target already percent-encoded on the
// wire is signed as AWS will see it.
//
//   AwsCredentials creds{SecretBytes::copy_of("AKID..."), SecretBytes::copy_of("secret"), {}};
//   OPENFLE_RETURN_IF_ERROR(sign_sigv4(request, creds, "us-east-1", "kms", system_clock::now()));
//
// Pure functions: no I/O, no clock reads, safe from any thread.
#ifndef OPENFLE_KMS_AWS_SIGV4_H_
#define OPENFLE_KMS_AWS_SIGV4_H_

#include <chrono>
#include <string_view>

#include "net/http_message.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::aws {

struct AwsCredentials {
  SecretBytes access_key_id;  // "AKIA..." (printable ASCII, no '/', ',' or spaces)
  SecretBytes secret_access_key;
  SecretBytes session_token;  // empty for long-term credentials
};

// Signs `request` in place. First removes any Authorization, X-Amz-Date and X-Amz-Security-Token
// headers (so a retried request can be signed again), then adds X-Amz-Date (`now` as
// YYYYMMDD'T'HHMMSS'Z', UTC), X-Amz-Security-Token when the credentials have a session token, and
// Authorization:
//   AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/<service>/aws4_request,
//   SignedHeaders=<sorted lower-case names but connection>, Signature=<hex>
// The request must already have its Host header and final body.
// Errors (kInvalidArgument): no Host header; empty or malformed region, service, access key id or
// secret; a session token or header value containing control characters; a date outside years
// 1970-9999.
[[nodiscard]] Status sign_sigv4(net::HttpRequest& request, const AwsCredentials& credentials,
                                std::string_view region, std::string_view service,
                                std::chrono::system_clock::time_point now);

// The SigV4 canonical request for `request` as it stands (call after sign_sigv4 to see what was
// signed). For tests and troubleshooting signature mismatches. It contains header values, such as a
// session token, so it is secret.
[[nodiscard]] SecretBytes sigv4_canonical_request(const net::HttpRequest& request);

}  // namespace openfle::kms::aws

#endif  // OPENFLE_KMS_AWS_SIGV4_H_
