// HMAC-SHA-512 (RFC 2104) with the key's inner and outer pad states computed once.
//
// An FLE1 tag over a small value costs two SHA-512 compressions once the pads are absorbed; going
// through EVP_MAC per call costs more than that in allocation and provider lookups (the contention
// reported in libmongocrypt#995). Instances are immutable after construction, so any number of
// threads may compute with one at once.
#ifndef OPENFLE_CRYPTO_HMAC_SHA512_H_
#define OPENFLE_CRYPTO_HMAC_SHA512_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>

#include "openfle/bson.h"

namespace openfle::crypto {

class HmacSha512 {
 public:
  // `key` of any length (keys longer than 128 bytes are hashed first, per RFC 2104).
  explicit HmacSha512(ByteView key);
  HmacSha512(HmacSha512&&) noexcept;
  HmacSha512& operator=(HmacSha512&&) noexcept;
  ~HmacSha512();  // wipes the pad states

  // The 64-byte MAC of the concatenation of `parts`.
  void compute(std::initializer_list<ByteView> parts, std::uint8_t (&out)[64]) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// SHA-256 and HMAC-SHA-256 for protocol signing (AWS SigV4) and hashing of request bodies.
std::array<std::uint8_t, 32> sha256(ByteView data);
std::array<std::uint8_t, 32> hmac_sha256(ByteView key, ByteView data);

}  // namespace openfle::crypto

#endif  // OPENFLE_CRYPTO_HMAC_SHA512_H_
