// FLE1 intent-to-encrypt placeholders ("markings"): what query analysis (mongocryptd, crypt_shared,
// or openfle's own analyzer) puts where a value must be encrypted before a command is sent.
//
//   Binary subtype 6 payload = 0x00 || BSON { a: int32 (1 det, 2 random), ki: UUID | ka: string, v: value }
//
// libmongocrypt reads them back in src/mongocrypt-marking.c; exactly one of ki and ka is present and
// no other field is allowed (docs/format.md "Placeholders").
#ifndef OPENFLE_CRYPTO_FLE1_PLACEHOLDER_H_
#define OPENFLE_CRYPTO_FLE1_PLACEHOLDER_H_

#include <string>
#include <string_view>
#include <variant>

#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/uuid.h"

namespace openfle::crypto {

inline constexpr std::uint8_t kPlaceholderBlobSubtype = 0;

struct PlaceholderView {
  Algorithm algorithm;
  std::variant<Uuid, std::string_view> key;  // a key _id, or a keyAltName
  BsonType type;
  ByteView value;  // the value bytes of `v`
};

// Appends the Binary subtype 6 payload of a placeholder (0x00 and the BSON document) to `out`.
void append_placeholder(Algorithm algorithm, const std::variant<Uuid, std::string_view>& key,
                        BsonType type, ByteView value, Bytes& out);

// True when a Binary subtype 6 payload is a placeholder (its first byte is 0).
inline bool is_placeholder(ByteView blob) noexcept {
  return !blob.empty() && blob[0] == kPlaceholderBlobSubtype;
}

// Parses a placeholder payload strictly; the view borrows from `blob`. Errors say what is wrong.
Result<PlaceholderView> parse_placeholder(ByteView blob);

}  // namespace openfle::crypto

#endif  // OPENFLE_CRYPTO_FLE1_PLACEHOLDER_H_
