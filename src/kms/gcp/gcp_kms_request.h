// GCP Cloud KMS encrypt and decrypt requests and replies, as libmongocrypt 1.7.2 sends and reads
// them (Cloud KMS REST v1, cryptoKeys.encrypt / cryptoKeys.decrypt).
//
//   POST /v1/projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}[/cryptoKeyVersions/{v}]:encrypt
//   POST /v1/projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}:decrypt     (never a version)
//   Authorization: Bearer <token>, Content-Type: application/json, Accept: application/json
//   {"plaintext": "<base64 DEK>"}  /  {"ciphertext": "<base64 keyMaterial>"}
// Replies carry "ciphertext" / "plaintext" (base64) among other fields, which are ignored.
// Every identifier goes into the URL path, so each is checked against [A-Za-z0-9._~-] first
// (MONGOCRYPT-960). Pure functions: no I/O.
#ifndef OPENFLE_KMS_GCP_GCP_KMS_REQUEST_H_
#define OPENFLE_KMS_GCP_GCP_KMS_REQUEST_H_

#include <string_view>

#include "net/http_message.h"
#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::gcp {

// The masterKey fields naming a Cloud KMS key. Views: the caller keeps the strings alive.
struct GcpKeyName {
  std::string_view project_id;
  std::string_view location;
  std::string_view key_ring;
  std::string_view key_name;
  std::string_view key_version;  // empty: the key's primary version
};

// encrypt of `dek` under `key`. kInvalidArgument naming the field ("GCP keyRing", ...) when an
// identifier is empty or not URL-safe, for an empty dek, a malformed endpoint or an unusable token.
[[nodiscard]] Result<net::HttpRequest> build_gcp_encrypt_request(const GcpKeyName& key,
                                                                 const net::Endpoint& kms_endpoint,
                                                                 const SecretBytes& dek,
                                                                 const SecretBytes& access_token);

// decrypt of `ciphertext` (the key document's keyMaterial). key.key_version is ignored: Cloud KMS
// finds the version from the ciphertext, and libmongocrypt never sends one.
[[nodiscard]] Result<net::HttpRequest> build_gcp_decrypt_request(const GcpKeyName& key,
                                                                 const net::Endpoint& kms_endpoint,
                                                                 ByteView ciphertext,
                                                                 const SecretBytes& access_token);

// "ciphertext" of an encrypt reply: the new keyMaterial. kKmsError for an HTTP error (quoting
// Google's error.status and error.message) or a ciphertext that is missing, not a string, empty
// or not base64.
[[nodiscard]] Result<Bytes> parse_gcp_encrypt_response(const net::HttpResponse& response);

// "plaintext" of a decrypt reply: the data key. Errors as for parse_gcp_encrypt_response.
[[nodiscard]] Result<SecretBytes> parse_gcp_decrypt_response(const net::HttpResponse& response);

}  // namespace openfle::kms::gcp

#endif  // OPENFLE_KMS_GCP_GCP_KMS_REQUEST_H_
