// FLE1 value encryption: BSON Binary subtype 6 payloads with blob subtype 1 (deterministic) or 2
// (random), byte-compatible with libmongocrypt (docs/format.md).
//
//   blob = subtype(1) || key_uuid(16) || original_bson_type(1) || C
//   A    = blob[0:18]     P = the raw BSON value bytes
#ifndef OPENFLE_CRYPTO_FLE1_VALUE_H_
#define OPENFLE_CRYPTO_FLE1_VALUE_H_

#include <optional>
#include <string_view>

#include "crypto/fle1_aead.h"
#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/uuid.h"

namespace openfle::crypto {

inline constexpr std::size_t kBlobHeaderSize = 18;

struct CiphertextView {
  Algorithm algorithm;
  Uuid key_id;
  BsonType original_type;
  ByteView associated_data;  // blob[0:18]
  ByteView ciphertext;       // C
};

// Parses the payload of a Binary subtype 6 value. Only FLE1 blobs (subtypes 1 and 2) are accepted;
// errors name what is wrong (length, subtype).
Result<CiphertextView> parse_ciphertext(ByteView blob);

// Whether values of `type` may be encrypted with `algorithm` (docs/format.md "Allowed types"); binary
// values additionally must not be subtype 6.
bool allowed_for(BsonType type, Algorithm algorithm) noexcept;

// MongoDB's rules for what may be encrypted (docs/format.md "Allowed types"). `binary_subtype` is
// the subtype for kBinary values. The error message says which type and why, as MongoDB does.
Status check_encryptable(BsonType type, std::optional<std::uint8_t> binary_subtype,
                         Algorithm algorithm);

// Appends the blob for `value` (of `type`) to `out`. Does not check encryptability.
Status encrypt_value(AesCbcContext& aes, const Fle1Key& key, const Uuid& key_id,
                     Algorithm algorithm, BsonType type, ByteView value, Bytes& out);

// Appends the decrypted value bytes to `out` and checks that they are a well-formed value of
// ciphertext.original_type.
Status decrypt_value(AesCbcContext& aes, const Fle1Key& key, const CiphertextView& ciphertext,
                     Bytes& out);

}  // namespace openfle::crypto

#endif  // OPENFLE_CRYPTO_FLE1_VALUE_H_
