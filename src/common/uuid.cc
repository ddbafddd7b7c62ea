#include "openfle/uuid.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace openfle {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uuid Uuid::random_v4() {
  std::array<std::uint8_t, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    std::fputs("openfle: the system random number generator failed\n", stderr);
    std::abort();
  }
  // RFC 4122 section 4.4, as libmongocrypt's _mongocrypt_ctx_datakey _finalize sets them.
  b[6] = static_cast<std::uint8_t>(0x40 | (b[6] & 0x0f));
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));
  return Uuid(b);
}

Result<Uuid> Uuid::parse(std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument,
                "'" + std::string(text.substr(0, 64)) +
                    "' is not a UUID: expected 32 hex digits as 8-4-4-4-12, e.g. "
                    "'2f3a5c10-8d3e-4b1a-9c55-0a1b2c3d4e5f'");
  };
  if (text.size() != 36) return bad();
  std::array<std::uint8_t, 16> b{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad();
      ++i;
      continue;
    }
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    b[out++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return Uuid(b);
}

Result<Uuid> Uuid::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 16) {
    return fail(ErrorCode::kInvalidArgument,
                "a UUID has 16 bytes, got " + std::to_string(bytes.size()));
  }
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = bytes[i];
  return Uuid(b);
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0xf]);
  }
  return s;
}

}  // namespace openfle
