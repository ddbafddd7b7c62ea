#include "crypto/aes_cbc.h"

#include <openssl/evp.h>

#include <climits>

namespace openfle::crypto {
namespace {

// Fetched once per process: an implicit fetch on every EVP_CipherInit is what made libmongocrypt's
// multi-threaded decryption contend on OpenSSL's provider lock (libmongocrypt#995).
const EVP_CIPHER* aes_256_cbc() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  return cipher;
}

}  // namespace

AesCbcContext::~AesCbcContext() {
  EVP_CIPHER_CTX_free(enc_);  // frees and cleanses the key schedule
  EVP_CIPHER_CTX_free(dec_);
}

Status AesCbcContext::encrypt(std::uint64_t key_id, ByteView key, const std::uint8_t* iv,
                              ByteView in, std::uint8_t* out) {
  return run(true, key_id, key, iv, in, out);
}

Status AesCbcContext::decrypt(std::uint64_t key_id, ByteView key, const std::uint8_t* iv,
                              ByteView in, std::uint8_t* out) {
  return run(false, key_id, key, iv, in, out);
}

Status AesCbcContext::run(bool encrypting, std::uint64_t key_id, ByteView key,
                          const std::uint8_t* iv, ByteView in, std::uint8_t* out) {
  EVP_CIPHER_CTX*& ctx = encrypting ? enc_ : dec_;
  std::uint64_t& current = encrypting ? enc_key_id_ : dec_key_id_;
  if (key.size() != 32 || in.size() % 16 != 0 || in.size() > INT_MAX) {
    return fail(ErrorCode::kInternal, "AES-256-CBC called with a bad key or input length");
  }
  if (aes_256_cbc() == nullptr) {
    return fail(ErrorCode::kInternal, "OpenSSL does not provide AES-256-CBC");
  }
  if (ctx == nullptr) {
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) return fail(ErrorCode::kInternal, "out of memory creating a cipher context");
    current = 0;
  }
  int ok = 0;
  if (current != key_id || key_id == 0) {
    ok = EVP_CipherInit_ex2(ctx, aes_256_cbc(), key.data(), iv, encrypting ? 1 : 0, nullptr);
    if (ok == 1) ok = EVP_CIPHER_CTX_set_padding(ctx, 0);
    current = ok == 1 ? key_id : 0;
  } else {
    // Same key: only the IV changes, the key schedule is kept.
    ok = EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv, encrypting ? 1 : 0, nullptr);
  }
  if (ok != 1) return fail(ErrorCode::kInternal, "AES-256-CBC initialisation failed");
  int written = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(in.size())) != 1) {
    return fail(ErrorCode::kInternal, "AES-256-CBC failed");
  }
  if (static_cast<std::size_t>(written) != in.size()) {
    return fail(ErrorCode::kInternal, "AES-256-CBC produced an unexpected length");
  }
  return {};
}

}  // namespace openfle::crypto
