#include "kms/gcp/gcp_service_account_key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <limits>
#include <string>
#include <utility>

#include "common/encoding.h"

namespace openfle::kms::gcp {
namespace {

constexpr int kMinBits = 2048;

Error key_error(std::string message) {
  ERR_clear_error();  // leave no stale OpenSSL errors behind for unrelated code to trip over
  return Error(ErrorCode::kInvalidArgument, "GCP privateKey " + std::move(message));
}

bool is_space(std::uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A passphrase callback that refuses: without it OpenSSL would prompt on the terminal for an
// encrypted PEM key.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

EVP_PKEY* parse_pem(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  return key;
}

EVP_PKEY* parse_der(ByteView der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max())) return nullptr;
  const unsigned char* p = der.data();
  // PKCS#8 PrivateKeyInfo or a type-specific (PKCS#1) RSAPrivateKey.
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (key != nullptr && p != der.data() + der.size()) {  // trailing bytes: not one DER key
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

}  // namespace

void GcpServiceAccountKey::Free::operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }

Result<GcpServiceAccountKey> GcpServiceAccountKey::parse(const SecretBytes& private_key) {
  ByteView bytes = private_key.expose();
  std::size_t start = 0;
  while (start < bytes.size() && is_space(bytes[start])) ++start;
  if (start == bytes.size()) return fail(key_error("is empty"));
  const std::string_view text = private_key.expose_text().substr(start);

  EVP_PKEY* key = nullptr;
  std::string_view form;
  if (text.rfind("-----BEGIN", 0) == 0) {
    form = "PEM";
    if (text.find("ENCRYPTED") != std::string_view::npos) {
      return fail(key_error("is an encrypted PEM key; give the unencrypted PKCS#8 key"));
    }
    key = parse_pem(text);
  } else if (bytes[start] == 0x30) {  // an ASN.1 SEQUENCE: DER
    form = "DER";
    key = parse_der(bytes.subspan(start));
  } else {
    form = "base64 DER";
    SecretBytes compact(bytes.size());
    std::size_t n = 0;
    for (std::uint8_t c : bytes) {
      if (!is_space(c)) compact.expose_mutable()[n++] = c;
    }
    auto der = base64_decode_secret(compact.expose_text().substr(0, n));
    if (!der) {
      return fail(
          key_error("is neither PEM, DER nor base64: expected the service account's "
                    "PKCS#8 private key"));
    }
    key = parse_der(der->expose());
  }
  if (key == nullptr) {
    return fail(key_error("could not be read as a " + std::string(form) +
                          " RSA private key (PKCS#8 or PKCS#1)"));
  }
  GcpServiceAccountKey result(key);
  if (EVP_PKEY_is_a(key, "RSA") != 1) {
    return fail(key_error("is not an RSA key; GCP service accounts sign with RS256"));
  }
  if (result.bits() < kMinBits) {
    return fail(key_error("is a " + std::to_string(result.bits()) +
                          "-bit RSA key; at least 2048 bits are required"));
  }
  // A key can be well-formed DER yet inconsistent (a corrupted or hand-edited file); catch that
  // now, where the message can say so, rather than as a failed signature at token time.
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  const bool consistent = check != nullptr && EVP_PKEY_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!consistent) {
    return fail(key_error("is not a consistent RSA key pair (its components do not match)"));
  }
  return result;
}

int GcpServiceAccountKey::bits() const noexcept { return EVP_PKEY_get_bits(key_.get()); }

Result<Bytes> GcpServiceAccountKey::sign_rs256(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return fail(ErrorCode::kInternal, "out of memory creating a signing context");
  Bytes signature(static_cast<std::size_t>(EVP_PKEY_get_size(key_.get())));
  std::size_t length = signature.size();
  // The default RSA padding for a signing context is PKCS#1 v1.5, which RS256 is.
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return fail(ErrorCode::kInternal, "RS256 signing with the GCP privateKey failed in OpenSSL");
  }
  signature.resize(length);
  return signature;
}

Result<std::string> GcpServiceAccountKey::public_key_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return fail(ErrorCode::kInternal, "out of memory");
  std::string pem;
  if (PEM_write_bio_PUBKEY(bio, key_.get()) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    if (size > 0) pem.assign(data, static_cast<std::size_t>(size));
  }
  BIO_free(bio);
  if (pem.empty()) {
    ERR_clear_error();
    return fail(ErrorCode::kInternal, "could not write the GCP public key as PEM");
  }
  return pem;
}

}  // namespace openfle::kms::gcp
