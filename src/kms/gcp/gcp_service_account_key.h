// A GCP service account's RSA private key, parsed once, for signing the OAuth JWT (RS256).
//
// MongoDB's kmsProviders.gcp.privateKey is the service account's PKCS#8 key as base64 DER (a
// string) or raw DER (BinData); users also paste the PEM from the service-account JSON file. All
// three are accepted:
//
//   auto key = GcpServiceAccountKey::parse(SecretBytes::copy_of(pem_or_base64_or_der));
//   auto signature = key->sign_rs256("header.claims");
//
// The key lives only inside OpenSSL's EVP_PKEY (freed with EVP_PKEY_free, which wipes it). Signing
// is const and may run from several threads at once.
#ifndef OPENFLE_KMS_GCP_GCP_SERVICE_ACCOUNT_KEY_H_
#define OPENFLE_KMS_GCP_GCP_SERVICE_ACCOUNT_KEY_H_

#include <openssl/types.h>

#include <memory>
#include <string_view>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::gcp {

class GcpServiceAccountKey {
 public:
  // Parses an RSA private key of at least 2048 bits given as PEM ("-----BEGIN PRIVATE KEY-----" or
  // "-----BEGIN RSA PRIVATE KEY-----"), DER (PKCS#8 or PKCS#1), or base64 of that DER (whitespace
  // and line breaks are ignored). An encrypted key is refused, never prompted for, and so is one
  // whose components are inconsistent (OpenSSL's RSA key check).
  // kInvalidArgument, without any of the key's bytes in the message, when it is none of these.
  [[nodiscard]] static Result<GcpServiceAccountKey> parse(const SecretBytes& private_key);

  // RSASSA-PKCS1-v1_5 with SHA-256 over `data` (JWS "RS256", RFC 7518 section 3.3).
  [[nodiscard]] Result<Bytes> sign_rs256(std::string_view data) const;

  // The key's size in bits (2048 for keys GCP issues).
  [[nodiscard]] int bits() const noexcept;

  // The public half as PEM (SubjectPublicKeyInfo), to verify signatures with.
  [[nodiscard]] Result<std::string> public_key_pem() const;

 private:
  struct Free {
    void operator()(EVP_PKEY* key) const noexcept;
  };
  explicit GcpServiceAccountKey(EVP_PKEY* key) : key_(key) {}

  std::unique_ptr<EVP_PKEY, Free> key_;
};

}  // namespace openfle::kms::gcp

#endif  // OPENFLE_KMS_GCP_GCP_SERVICE_ACCOUNT_KEY_H_
