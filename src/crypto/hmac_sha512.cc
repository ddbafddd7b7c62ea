// The low-level SHA512_* functions are deprecated in OpenSSL 3 in favour of EVP, but they are the
// only way to snapshot a digest state without a heap allocation per copy; see the header.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/hmac_sha512.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cstring>

namespace openfle::crypto {

struct HmacSha512::State {
  SHA512_CTX inner;
  SHA512_CTX outer;
  ~State() { OPENSSL_cleanse(this, sizeof(*this)); }
};

HmacSha512::HmacSha512(ByteView key) : state_(std::make_unique<State>()) {
  std::uint8_t block[SHA512_CBLOCK] = {};
  if (key.size() > SHA512_CBLOCK) {
    SHA512(key.data(), key.size(), block);
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  std::uint8_t pad[SHA512_CBLOCK];
  for (std::size_t i = 0; i < SHA512_CBLOCK; ++i) pad[i] = block[i] ^ 0x36;
  SHA512_Init(&state_->inner);
  SHA512_Update(&state_->inner, pad, sizeof(pad));
  for (std::size_t i = 0; i < SHA512_CBLOCK; ++i) pad[i] = block[i] ^ 0x5c;
  SHA512_Init(&state_->outer);
  SHA512_Update(&state_->outer, pad, sizeof(pad));
  OPENSSL_cleanse(pad, sizeof(pad));
  OPENSSL_cleanse(block, sizeof(block));
}

HmacSha512::HmacSha512(HmacSha512&&) noexcept = default;
HmacSha512& HmacSha512::operator=(HmacSha512&&) noexcept = default;
HmacSha512::~HmacSha512() = default;

void HmacSha512::compute(std::initializer_list<ByteView> parts, std::uint8_t (&out)[64]) const {
  SHA512_CTX ctx = state_->inner;
  for (ByteView part : parts) {
    if (!part.empty()) SHA512_Update(&ctx, part.data(), part.size());
  }
  std::uint8_t inner_hash[SHA512_DIGEST_LENGTH];
  SHA512_Final(inner_hash, &ctx);
  ctx = state_->outer;
  SHA512_Update(&ctx, inner_hash, sizeof(inner_hash));
  SHA512_Final(out, &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

std::array<std::uint8_t, 32> sha256(ByteView data) {
  std::array<std::uint8_t, 32> out{};
  SHA256(data.data(), data.size(), out.data());
  return out;
}

std::array<std::uint8_t, 32> hmac_sha256(ByteView key, ByteView data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}

}  // namespace openfle::crypto
