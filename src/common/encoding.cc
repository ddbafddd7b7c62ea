#include "common/encoding.h"

#include <array>

namespace openfle {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int b64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::size_t encoded_size(std::size_t n, Base64Alphabet alphabet) {
  if (alphabet == Base64Alphabet::kStandard) return (n + 2) / 3 * 4;
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

// Writes the encoding of `bytes` into `out`, which has encoded_size() room.
void encode_into(ByteView bytes, Base64Alphabet alphabet, char* out) {
  const char* table = alphabet == Base64Alphabet::kStandard ? kStd : kUrl;
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16 |
                      static_cast<std::uint32_t>(bytes[i + 1]) << 8 | bytes[i + 2];
    out[o++] = table[v >> 18 & 63];
    out[o++] = table[v >> 12 & 63];
    out[o++] = table[v >> 6 & 63];
    out[o++] = table[v & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16;
  if (rest == 2) v |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
  out[o++] = table[v >> 18 & 63];
  out[o++] = table[v >> 12 & 63];
  if (rest == 2) out[o++] = table[v >> 6 & 63];
  if (alphabet == Base64Alphabet::kStandard) {
    if (rest == 1) out[o++] = '=';
    out[o++] = '=';
  }
}

// Decodes into `out` (sized by the caller to the maximum); returns the decoded length.
std::optional<std::size_t> decode_into(std::string_view text, std::uint8_t* out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::size_t o = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int d = b64_digit(c);
    if (d < 0) return std::nullopt;
    acc = acc << 6 | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<std::uint8_t>(acc >> bits);
    }
  }
  // Leftover bits must be zero in a canonical encoding; tolerate them as most decoders do.
  return o;
}

}  // namespace

std::string hex_encode(ByteView bytes) {
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

std::optional<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_digit(text[2 * i]);
    int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string fmt_hex_byte(std::uint8_t byte) { return {kHex[byte >> 4], kHex[byte & 15]}; }

std::string base64_encode(ByteView bytes, Base64Alphabet alphabet) {
  std::string out(encoded_size(bytes.size(), alphabet), '\0');
  encode_into(bytes, alphabet, out.data());
  return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 3);
  auto n = decode_into(text, out.data());
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

std::optional<SecretBytes> base64_decode_secret(std::string_view text) {
  SecretBytes scratch(text.size() * 3 / 4 + 3);
  auto n = decode_into(text, scratch.expose_mutable().data());
  if (!n) return std::nullopt;
  return SecretBytes::copy_of(scratch.expose().first(*n));
}

SecretBytes base64_encode_secret(const SecretBytes& secret, Base64Alphabet alphabet) {
  SecretBytes out(encoded_size(secret.size(), alphabet));
  encode_into(secret.expose(), alphabet, reinterpret_cast<char*>(out.expose_mutable().data()));
  return out;
}

}  // namespace openfle
