#include "crypto/fle1_aead.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <atomic>
#include <cstring>
#include <string>

namespace openfle::crypto {
namespace {

std::uint64_t next_key_id() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

// AL: the bit length of A as a big-endian uint64. For empty A (key wrapping) it is eight zero
// bytes, and it is still MACed, as libmongocrypt's _hmac_step does.
std::array<std::uint8_t, 8> associated_length(std::size_t ad_size) {
  std::uint64_t bits = static_cast<std::uint64_t>(ad_size) * 8;
  std::array<std::uint8_t, 8> al{};
  for (int i = 7; i >= 0; --i) {
    al[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits);
    bits >>= 8;
  }
  return al;
}

}  // namespace

Fle1Key::Fle1Key(ByteView mac_key, ByteView iv_key, SecretBytes enc_key)
    : mac_(mac_key), iv_mac_(iv_key), enc_key_(std::move(enc_key)), id_(next_key_id()) {}

Result<Fle1Key> Fle1Key::create(const SecretBytes& key) {
  if (key.size() != kFle1KeySize) {
    return fail(ErrorCode::kInvalidArgument,
                "an FLE1 key must be 96 bytes, got " + std::to_string(key.size()));
  }
  ByteView k = key.expose();
  return Fle1Key(k.subspan(0, 32), k.subspan(64, 32), SecretBytes::copy_of(k.subspan(32, 32)));
}

Status Fle1Key::encrypt(AesCbcContext& aes, ByteView associated_data, ByteView plaintext,
                        IvMode mode, Bytes& out) const {
  const auto al = associated_length(associated_data.size());
  const std::size_t start = out.size();
  out.resize(start + fle1_ciphertext_size(plaintext.size()));
  std::uint8_t* iv = out.data() + start;
  if (mode == IvMode::kDeterministic) {
    std::uint8_t digest[64];
    iv_mac_.compute({associated_data, al, plaintext}, digest);
    std::memcpy(iv, digest, kFle1IvSize);
  } else if (RAND_bytes(iv, static_cast<int>(kFle1IvSize)) != 1) {
    out.resize(start);
    return fail(ErrorCode::kInternal, "the random number generator failed");
  }
  // Full blocks straight from the plaintext; the tail plus PKCS#7 padding from a stack block.
  std::uint8_t* s = iv + kFle1IvSize;
  const std::size_t full = plaintext.size() / 16 * 16;
  const std::size_t s_size = full + 16;
  std::uint8_t last[16];
  const std::size_t tail = plaintext.size() - full;
  if (tail > 0) std::memcpy(last, plaintext.data() + full, tail);
  std::memset(last + tail, static_cast<int>(16 - tail), 16 - tail);
  Status status;
  if (full > 0) status = aes.encrypt(id_, enc_key_.expose(), iv, plaintext.first(full), s);
  // CBC continues from the previous ciphertext block.
  if (status) status = aes.encrypt(id_, enc_key_.expose(), full > 0 ? s + full - 16 : iv, last, s + full);
  OPENSSL_cleanse(last, sizeof(last));
  if (!status) {
    out.resize(start);
    return status;
  }
  std::uint8_t tag[64];
  mac_.compute({associated_data, ByteView(iv, kFle1IvSize + s_size), al}, tag);
  std::memcpy(s + s_size, tag, kFle1TagSize);
  return {};
}

Status Fle1Key::verify(ByteView associated_data, ByteView ciphertext) const {
  if (ciphertext.size() < kFle1IvSize + 16 + kFle1TagSize) {
    return fail(ErrorCode::kMalformedData,
                "ciphertext too short: " + std::to_string(ciphertext.size()) +
                    " bytes, at least 64 are needed (IV, one block, tag)");
  }
  if ((ciphertext.size() - kFle1IvSize - kFle1TagSize) % 16 != 0) {
    return fail(ErrorCode::kMalformedData,
                "ciphertext length " + std::to_string(ciphertext.size()) +
                    " is not IV + whole AES blocks + tag");
  }
  const auto al = associated_length(associated_data.size());
  const std::size_t body = ciphertext.size() - kFle1TagSize;
  std::uint8_t tag[64];
  mac_.compute({associated_data, ciphertext.first(body), al}, tag);
  if (CRYPTO_memcmp(tag, ciphertext.data() + body, kFle1TagSize) != 0) {
    return fail(ErrorCode::kAuthenticationFailed,
                "HMAC validation failure: the ciphertext was modified or the data key is wrong");
  }
  return {};
}

Result<std::size_t> Fle1Key::decrypt_into(AesCbcContext& aes, ByteView ciphertext,
                                          std::uint8_t* out) const {
  const std::size_t s_size = ciphertext.size() - kFle1IvSize - kFle1TagSize;
  auto status = aes.decrypt(id_, enc_key_.expose(), ciphertext.data(),
                            ciphertext.subspan(kFle1IvSize, s_size), out);
  if (!status) return fail(status.error());
  // The tag was verified first, so checking the padding here is no padding oracle.
  const std::uint8_t pad = out[s_size - 1];
  bool pad_ok = pad >= 1 && pad <= 16;
  for (std::size_t i = 0; pad_ok && i < pad; ++i) pad_ok = out[s_size - 1 - i] == pad;
  if (!pad_ok) return fail(ErrorCode::kMalformedData, "invalid padding in an authenticated ciphertext");
  if (s_size == pad) return fail(ErrorCode::kMalformedData, "the ciphertext holds an empty plaintext");
  return s_size - pad;
}

Status Fle1Key::decrypt(AesCbcContext& aes, ByteView associated_data, ByteView ciphertext,
                        Bytes& out) const {
  if (auto ok = verify(associated_data, ciphertext); !ok) return ok;
  const std::size_t start = out.size();
  out.resize(start + ciphertext.size() - kFle1IvSize - kFle1TagSize);
  auto size = decrypt_into(aes, ciphertext, out.data() + start);
  if (!size) {
    out.resize(start);
    return fail(size.error());
  }
  out.resize(start + *size);
  return {};
}

Result<SecretBytes> Fle1Key::decrypt_secret(AesCbcContext& aes, ByteView associated_data,
                                            ByteView ciphertext) const {
  if (auto ok = verify(associated_data, ciphertext); !ok) return fail(ok.error());
  SecretBytes scratch(ciphertext.size() - kFle1IvSize - kFle1TagSize);
  auto size = decrypt_into(aes, ciphertext, scratch.expose_mutable().data());
  if (!size) return fail(size.error());
  return SecretBytes::copy_of(scratch.expose().first(*size));
}

}  // namespace openfle::crypto
