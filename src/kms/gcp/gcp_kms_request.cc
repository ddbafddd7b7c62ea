#include "kms/gcp/gcp_kms_request.h"

#include <string>
#include <utility>

#include "common/encoding.h"
#include "common/try.h"
#include "kms/http_kms_request.h"
#include "kms/json_reply.h"
#include "kms/secret_text.h"

namespace openfle::kms::gcp {
namespace {

constexpr std::string_view kService = "GCP Cloud KMS";

Result<std::string> key_path(const GcpKeyName& key, bool with_version) {
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("GCP projectId", key.project_id));
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("GCP location", key.location));
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("GCP keyRing", key.key_ring));
  OPENFLE_RETURN_IF_ERROR(check_url_identifier("GCP keyName", key.key_name));
  std::string path = "/v1/projects/" + std::string(key.project_id) + "/locations/" +
                     std::string(key.location) + "/keyRings/" + std::string(key.key_ring) +
                     "/cryptoKeys/" + std::string(key.key_name);
  if (with_version && !key.key_version.empty()) {
    OPENFLE_RETURN_IF_ERROR(check_url_identifier("GCP keyVersion", key.key_version));
    path += "/cryptoKeyVersions/" + std::string(key.key_version);
  }
  return path;
}

Result<net::HttpRequest> build_operation(std::string_view operation, std::string_view field,
                                         const GcpKeyName& key, const net::Endpoint& kms_endpoint,
                                         ByteView value, const SecretBytes& access_token) {
  OPENFLE_RETURN_IF_ERROR(check_endpoint("GCP masterKey endpoint", kms_endpoint));
  OPENFLE_ASSIGN_OR_RETURN(std::string path, key_path(key, operation == "encrypt"));
  OPENFLE_RETURN_IF_ERROR(check_bearer_token("GCP access token", access_token));

  net::HttpRequest request;
  request.method = "POST";
  request.target = path + ":" + std::string(operation);
  add_bearer_authorization(request, access_token);
  request.add_header("Content-Type", "application/json");
  request.add_header("Accept", "application/json");
  // kms-message's layout, spaces included.
  SecretTextBuilder body(value.size() * 4 / 3 + 32);
  body.append(R"({")").append(field).append(R"(": ")");
  body.append(base64_encode_secret(SecretBytes::copy_of(value)));
  body.append(R"("})");
  finish_request(request, kms_endpoint, std::move(body).finish());
  return request;
}

}  // namespace

Result<net::HttpRequest> build_gcp_encrypt_request(const GcpKeyName& key,
                                                   const net::Endpoint& kms_endpoint,
                                                   const SecretBytes& dek,
                                                   const SecretBytes& access_token) {
  if (dek.empty()) return fail(ErrorCode::kInvalidArgument, "data key to encrypt is empty");
  return build_operation("encrypt", "plaintext", key, kms_endpoint, dek.expose(), access_token);
}

Result<net::HttpRequest> build_gcp_decrypt_request(const GcpKeyName& key,
                                                   const net::Endpoint& kms_endpoint,
                                                   ByteView ciphertext,
                                                   const SecretBytes& access_token) {
  if (ciphertext.empty()) {
    return fail(ErrorCode::kInvalidArgument, "GCP keyMaterial (the ciphertext) is empty");
  }
  return build_operation("decrypt", "ciphertext", key, kms_endpoint, ciphertext, access_token);
}

Result<Bytes> parse_gcp_encrypt_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "GCP Cloud KMS encrypt reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kService, kWhat, response));
  return required_base64(body, "ciphertext", kWhat);
}

Result<SecretBytes> parse_gcp_decrypt_response(const net::HttpResponse& response) {
  constexpr std::string_view kWhat = "GCP Cloud KMS decrypt reply";
  OPENFLE_ASSIGN_OR_RETURN(ReplyJson body, parse_json_reply(kService, kWhat, response));
  return required_base64_secret(body, "plaintext", kWhat);
}

}  // namespace openfle::kms::gcp
