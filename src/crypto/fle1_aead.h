// AEAD_AES_256_CBC_HMAC_SHA_512 as MongoDB's FLE1 uses it (draft-mcgrew-aead-aes-cbc-hmac-sha2-05
// section 5.4, with MongoDB's 96-byte key and 32-byte tag; docs/format.md).
//
//   K = Km(32) || Ke(32) || Kiv(32)        AL = big-endian uint64 of 8 * len(A)
//   IV (deterministic) = HMAC-SHA-512(Kiv, A || AL || P)[0:16]
//   S = AES-256-CBC(Ke, IV, P || PKCS#7)   T = HMAC-SHA-512(Km, A || IV || S || AL)[0:32]
//   C = IV || S || T
//
// A Fle1Key is built once per data key (or master key) and is then immutable: it can be shared by
// any number of threads. The mutable OpenSSL state lives in the AesCbcContext each call brings.
#ifndef OPENFLE_CRYPTO_FLE1_AEAD_H_
#define OPENFLE_CRYPTO_FLE1_AEAD_H_

#include <cstdint>

#include "crypto/aes_cbc.h"
#include "crypto/hmac_sha512.h"
#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::crypto {

inline constexpr std::size_t kFle1KeySize = 96;
inline constexpr std::size_t kFle1IvSize = 16;
inline constexpr std::size_t kFle1TagSize = 32;

enum class IvMode { kRandom, kDeterministic };

// Size of C for an n-byte plaintext: IV + padded S + tag.
constexpr std::size_t fle1_ciphertext_size(std::size_t plaintext_size) {
  return kFle1IvSize + (plaintext_size / 16 + 1) * 16 + kFle1TagSize;
}

class Fle1Key {
 public:
  // `key` must be exactly 96 bytes.
  static Result<Fle1Key> create(const SecretBytes& key);

  Fle1Key(Fle1Key&&) noexcept = default;
  Fle1Key& operator=(Fle1Key&&) noexcept = default;

  // Appends C = IV || S || T for `plaintext` to `out`.
  Status encrypt(AesCbcContext& aes, ByteView associated_data, ByteView plaintext, IvMode mode,
                 Bytes& out) const;
  // Verifies T in constant time before decrypting; appends P to `out`. A bad tag gives
  // kAuthenticationFailed; wrong lengths kMalformedData.
  Status decrypt(AesCbcContext& aes, ByteView associated_data, ByteView ciphertext,
                 Bytes& out) const;
  // The same into a secret, for unwrapping keys.
  Result<SecretBytes> decrypt_secret(AesCbcContext& aes, ByteView associated_data,
                                     ByteView ciphertext) const;

 private:
  Fle1Key(ByteView mac_key, ByteView iv_key, SecretBytes enc_key);
  // Checks lengths and the tag; on success returns the plaintext length bound (len(S)).
  Status verify(ByteView associated_data, ByteView ciphertext) const;
  Result<std::size_t> decrypt_into(AesCbcContext& aes, ByteView ciphertext,
                                   std::uint8_t* out) const;

  HmacSha512 mac_;     // Km
  HmacSha512 iv_mac_;  // Kiv
  SecretBytes enc_key_;
  std::uint64_t id_;   // distinguishes keys in AesCbcContext's key cache
};

}  // namespace openfle::crypto

#endif  // OPENFLE_CRYPTO_FLE1_AEAD_H_
