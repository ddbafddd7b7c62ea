#include "crypto/fle1_value.h"

#include <cctype>
#include <string>

#include "bson/raw.h"
#include "common/strings.h"
#include "common/encoding.h"

namespace openfle {

std::string_view algorithm_name(Algorithm algorithm) noexcept {
  return algorithm == Algorithm::kDeterministic ? "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"
                                                : "AEAD_AES_256_CBC_HMAC_SHA_512-Random";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept {
  if (ascii_iequals(name, "deterministic") || ascii_iequals(name, algorithm_name(Algorithm::kDeterministic))) {
    return Algorithm::kDeterministic;
  }
  if (ascii_iequals(name, "random") || ascii_iequals(name, algorithm_name(Algorithm::kRandom))) {
    return Algorithm::kRandom;
  }
  return std::nullopt;
}

namespace crypto {

Result<CiphertextView> parse_ciphertext(ByteView blob) {
  if (blob.empty()) {
    return fail(ErrorCode::kMalformedData, "malformed ciphertext: empty BSON Binary subtype 6 value");
  }
  if (blob[0] != 1 && blob[0] != 2) {
    return fail(ErrorCode::kUnsupported,
                "BSON Binary subtype 6 value with blob subtype " + std::to_string(blob[0]) +
                    " is not an FLE1 ciphertext (subtypes 1 and 2)");
  }
  if (blob.size() < kBlobHeaderSize + 1) {
    return fail(ErrorCode::kMalformedData,
                "malformed ciphertext: " + std::to_string(blob.size()) +
                    " bytes, an FLE1 ciphertext has at least 19");
  }
  auto key_id = Uuid::from_bytes(blob.subspan(1, 16));
  auto type = static_cast<BsonType>(blob[17]);
  if (bson_type_name(type) == "unknown") {
    return fail(ErrorCode::kMalformedData,
                "malformed ciphertext: unknown original BSON type 0x" + fmt_hex_byte(blob[17]));
  }
  return CiphertextView{blob[0] == 1 ? Algorithm::kDeterministic : Algorithm::kRandom, *key_id,
                        type, blob.first(kBlobHeaderSize), blob.subspan(kBlobHeaderSize)};
}

bool allowed_for(BsonType type, Algorithm algorithm) noexcept {
  switch (type) {
    case BsonType::kNull:
    case BsonType::kUndefined:
    case BsonType::kMinKey:
    case BsonType::kMaxKey:
      return false;
    case BsonType::kDouble:
    case BsonType::kDecimal128:
    case BsonType::kBool:
    case BsonType::kDocument:
    case BsonType::kArray:
    case BsonType::kCodeWithScope:
      return algorithm == Algorithm::kRandom;
    default:
      return true;
  }
}

Status check_encryptable(BsonType type, std::optional<std::uint8_t> binary_subtype,
                         Algorithm algorithm) {
  if (type == BsonType::kBinary && binary_subtype == 6) {
    return fail(ErrorCode::kInvalidArgument,
                "BSON binary subtype 6 is invalid for encryption: the value is already encrypted");
  }
  if (allowed_for(type, algorithm)) return {};
  if (!allowed_for(type, Algorithm::kRandom)) {
    return fail(ErrorCode::kInvalidArgument, "BSON type invalid for encryption: " + std::string(bson_type_name(type)) +
                                                 " values are never encrypted");
  }
  return fail(ErrorCode::kInvalidArgument, "BSON type invalid for deterministic encryption: " +
                                               std::string(bson_type_name(type)) + " (use random encryption)");
}

Status encrypt_value(AesCbcContext& aes, const Fle1Key& key, const Uuid& key_id,
                     Algorithm algorithm, BsonType type, ByteView value, Bytes& out) {
  const std::size_t start = out.size();
  out.reserve(start + kBlobHeaderSize + fle1_ciphertext_size(value.size()));
  out.push_back(static_cast<std::uint8_t>(algorithm));
  out.insert(out.end(), key_id.bytes().begin(), key_id.bytes().end());
  out.push_back(static_cast<std::uint8_t>(type));
  // A is read back from `out`, so copy it before `out` grows.
  std::uint8_t ad[kBlobHeaderSize];
  std::copy(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), ad);
  auto status = key.encrypt(aes, ad, value,
                            algorithm == Algorithm::kDeterministic ? IvMode::kDeterministic
                                                                   : IvMode::kRandom,
                            out);
  if (!status) out.resize(start);
  return status;
}

Status decrypt_value(AesCbcContext& aes, const Fle1Key& key, const CiphertextView& ciphertext,
                     Bytes& out) {
  const std::size_t start = out.size();
  if (auto status = key.decrypt(aes, ciphertext.associated_data, ciphertext.ciphertext, out);
      !status) {
    return status;
  }
  if (!bson::is_valid_value(ciphertext.original_type,
                            ByteView(out).subspan(start, out.size() - start))) {
    out.resize(start);
    return fail(ErrorCode::kMalformedData,
                "decrypted bytes are not a valid BSON " +
                    std::string(bson_type_name(ciphertext.original_type)) + " value");
  }
  return {};
}

}  // namespace crypto
}  // namespace openfle
