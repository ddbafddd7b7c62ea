#include "crypto/aes_cbc.h"

#include <openssl/evp.h>

#include <openssl/crypto.h>

#include <climits>
#include <cstring>

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
  if (key.size() != 32 || in.size() % 16 != 0 || in.empty() || in.size() > INT_MAX - 16) {
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
  int written = 0;
  auto update = [&](const std::uint8_t* src, std::size_t n, std::uint8_t* dst) {
    return EVP_CipherUpdate(ctx, dst, &written, src, static_cast<int>(n)) == 1 &&
           static_cast<std::size_t>(written) == n;
  };
  bool ok = true;
  if (current != key_id || key_id == 0) {
    // A new key: schedule it, with this call's IV.
    ok = EVP_CipherInit_ex2(ctx, aes_256_cbc(), key.data(), iv, encrypting ? 1 : 0, nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    current = ok ? key_id : 0;
    ok = ok && update(in.data(), in.size(), out);
  } else if (encrypting) {
    // The context will XOR the first block with its chaining value c; feeding P1 ^ IV ^ c makes
    // that E(P1 ^ IV), exactly what a fresh context with this IV would produce.
    std::uint8_t first[16];
    for (std::size_t i = 0; i < 16; ++i) first[i] = static_cast<std::uint8_t>(in[i] ^ iv[i] ^ enc_chain_[i]);
    ok = update(first, 16, out) && (in.size() == 16 || update(in.data() + 16, in.size() - 16, out + 16));
    OPENSSL_cleanse(first, sizeof(first));
  } else {
    // Decryption of block i needs only ciphertext block i-1: decrypting the IV first (output
    // discarded) leaves the IV as the chaining value for the real input.
    std::uint8_t discard[16];
    ok = update(iv, 16, discard) && update(in.data(), in.size(), out);
    OPENSSL_cleanse(discard, sizeof(discard));
  }
  if (!ok) {
    current = 0;
    return fail(ErrorCode::kInternal, "AES-256-CBC failed");
  }
  if (encrypting) std::memcpy(enc_chain_, out + in.size() - 16, 16);
  return {};
}

}  // namespace openfle::crypto
