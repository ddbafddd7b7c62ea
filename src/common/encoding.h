// Hex and base64 (RFC 4648 sections 4 and 5) for bytes that are not secret, and into SecretBytes
// for bytes that are.
#ifndef OPENFLE_COMMON_ENCODING_H_
#define OPENFLE_COMMON_ENCODING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"

namespace openfle {

std::string hex_encode(ByteView bytes);
std::optional<Bytes> hex_decode(std::string_view text);
std::string fmt_hex_byte(std::uint8_t byte);

enum class Base64Alphabet { kStandard, kUrl };

// Standard alphabet with '=' padding; the URL alphabet without padding (as JWT and Azure use it).
std::string base64_encode(ByteView bytes, Base64Alphabet alphabet = Base64Alphabet::kStandard);
// Accepts either alphabet, padded or not; ignores no characters (whitespace is an error).
std::optional<Bytes> base64_decode(std::string_view text);
// The same, decoding straight into a secret so no plain copy is left behind.
std::optional<SecretBytes> base64_decode_secret(std::string_view text);
// Encodes a secret (for a KMS request body); the result is itself secret.
SecretBytes base64_encode_secret(const SecretBytes& secret,
                                 Base64Alphabet alphabet = Base64Alphabet::kStandard);

}  // namespace openfle

#endif  // OPENFLE_COMMON_ENCODING_H_
