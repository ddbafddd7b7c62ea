// AES-256-CBC without padding, on block-aligned input (FLE1 pads by hand, as libmongocrypt does).
//
// An AesCbcContext owns OpenSSL cipher contexts and remembers which key they hold, so a run of
// operations under one key (a document with 1500 encrypted fields) schedules the key once. Nor is
// the IV set through EVP_CipherInit per field (which walks OpenSSL's parameter lists): CBC lets
// the context keep chaining, and each call steers the chain onto its own IV (see aes_cbc.cc).
// A context is used by one thread at a time; make one per call or per thread.
#ifndef OPENFLE_CRYPTO_AES_CBC_H_
#define OPENFLE_CRYPTO_AES_CBC_H_

#include <cstdint>

#include "openfle/bson.h"
#include "openfle/status.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace openfle::crypto {

class AesCbcContext {
 public:
  AesCbcContext() = default;
  AesCbcContext(const AesCbcContext&) = delete;
  AesCbcContext& operator=(const AesCbcContext&) = delete;
  ~AesCbcContext();

  // `key_id` identifies `key` (32 bytes) for the context's key cache: equal ids must mean equal
  // keys. `in` is a multiple of 16 bytes; `out` has room for in.size() bytes.
  Status encrypt(std::uint64_t key_id, ByteView key, const std::uint8_t* iv, ByteView in,
                 std::uint8_t* out);
  Status decrypt(std::uint64_t key_id, ByteView key, const std::uint8_t* iv, ByteView in,
                 std::uint8_t* out);

 private:
  Status run(bool encrypting, std::uint64_t key_id, ByteView key, const std::uint8_t* iv,
             ByteView in, std::uint8_t* out);

  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
  std::uint64_t enc_key_id_ = 0;
  std::uint64_t dec_key_id_ = 0;
  // The encryption context's chaining value: the last ciphertext block it produced.
  std::uint8_t enc_chain_[16] = {};
};

}  // namespace openfle::crypto

#endif  // OPENFLE_CRYPTO_AES_CBC_H_
