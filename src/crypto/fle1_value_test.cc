#include "crypto/fle1_value.h"

#include <gtest/gtest.h>

#include "bson/raw.h"
#include "common/encoding.h"

namespace openfle::crypto {
namespace {

// MongoDB's client-side encryption prose test 1 ("Custom Key Material"): a published key, key id
// 16 zero bytes, and the deterministic ciphertext of the string "test".
constexpr char kProseDek[] =
    "xPTAjBRG5JiPm+d3fj6XLi2q5DMXUS/f1f+SMAlhhwkhDRL0kr8r9GDLIGTAGlvC+HVjSIgdL+RKwZCvpXSyxTICWSXTUYsW"
    "YPyu3IoHbuBZdmw2faM3WhcRIgbMReU5";
constexpr char kProseCiphertext[] =
    "AQAAAAAAAAAAAAAAAAAAAAACz0ZOLuuhEYi807ZXTdhbqhLaS2/t9wLifJnnNYwiw79d75QYIZ6M/aYC1h9nCzCjZ7pGUpAu"
    "NnkUhnIXM3PjrA==";

Fle1Key prose_key() {
  auto dek = base64_decode_secret(kProseDek);
  EXPECT_TRUE(dek.has_value());
  auto key = Fle1Key::create(*dek);
  EXPECT_TRUE(key.has_value());
  return std::move(*key);
}

TEST(Fle1Value, DeterministicMatchesPublishedVector) {
  Fle1Key key = prose_key();
  AesCbcContext aes;
  Bytes blob;
  Bytes value = bson::string_value("test");
  ASSERT_TRUE(encrypt_value(aes, key, Uuid(), Algorithm::kDeterministic, BsonType::kString, value,
                            blob));
  EXPECT_EQ(base64_encode(blob), kProseCiphertext);
}

TEST(Fle1Value, DecryptsPublishedVector) {
  Fle1Key key = prose_key();
  AesCbcContext aes;
  auto blob = base64_decode(kProseCiphertext);
  ASSERT_TRUE(blob);
  auto view = parse_ciphertext(*blob);
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_EQ(view->algorithm, Algorithm::kDeterministic);
  EXPECT_EQ(view->original_type, BsonType::kString);
  Bytes out;
  ASSERT_TRUE(decrypt_value(aes, key, *view, out));
  EXPECT_EQ(out, bson::string_value("test"));
}

TEST(Fle1Value, RandomRoundTripsAndDiffersEachTime) {
  Fle1Key key = prose_key();
  AesCbcContext aes;
  Uuid id = Uuid::random_v4();
  // Every PKCS#7 pad length: plaintexts of 5..36 bytes.
  for (std::size_t n = 0; n < 32; ++n) {
    Bytes value = bson::string_value(std::string(n, 'a'));
    Bytes a;
    Bytes b;
    ASSERT_TRUE(encrypt_value(aes, key, id, Algorithm::kRandom, BsonType::kString, value, a));
    ASSERT_TRUE(encrypt_value(aes, key, id, Algorithm::kRandom, BsonType::kString, value, b));
    EXPECT_NE(a, b);
    EXPECT_EQ(a.size(), kBlobHeaderSize + fle1_ciphertext_size(value.size()));
    auto view = parse_ciphertext(a);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->key_id, id);
    Bytes out;
    ASSERT_TRUE(decrypt_value(aes, key, *view, out));
    EXPECT_EQ(out, value);
  }
}

TEST(Fle1Value, EveryFlippedBitIsRejected) {
  Fle1Key key = prose_key();
  AesCbcContext aes;
  auto blob = base64_decode(kProseCiphertext);
  ASSERT_TRUE(blob);
  for (std::size_t bit = 0; bit < blob->size() * 8; ++bit) {
    Bytes tampered = *blob;
    tampered[bit / 8] = static_cast<std::uint8_t>(tampered[bit / 8] ^ (1u << (bit % 8)));
    auto view = parse_ciphertext(tampered);
    if (!view) continue;  // a flipped subtype or type byte is refused by the parser
    Bytes out;
    auto status = decrypt_value(aes, key, *view, out);
    ASSERT_FALSE(status) << "bit " << bit;
    EXPECT_EQ(status.error().code(), ErrorCode::kAuthenticationFailed) << "bit " << bit;
    EXPECT_TRUE(out.empty());
  }
}

TEST(Fle1Value, TruncationIsRejected) {
  Fle1Key key = prose_key();
  AesCbcContext aes;
  auto blob = base64_decode(kProseCiphertext);
  ASSERT_TRUE(blob);
  for (std::size_t n = 0; n < blob->size(); ++n) {
    auto view = parse_ciphertext(ByteView(*blob).first(n));
    if (!view) {
      EXPECT_EQ(view.error().code(), ErrorCode::kMalformedData) << n;
      continue;
    }
    Bytes out;
    auto status = decrypt_value(aes, key, *view, out);
    ASSERT_FALSE(status) << n;
  }
}

TEST(Fle1Value, WrongKeyFailsAuthentication) {
  AesCbcContext aes;
  auto other = Fle1Key::create(SecretBytes::random(96));
  ASSERT_TRUE(other);
  auto blob = base64_decode(kProseCiphertext);
  auto view = parse_ciphertext(*blob);
  Bytes out;
  auto status = decrypt_value(aes, *other, *view, out);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kAuthenticationFailed);
  EXPECT_NE(status.error().message().find("HMAC validation failure"), std::string::npos);
}

TEST(Fle1Value, TypeRulesFollowMongoDB) {
  for (BsonType t : {BsonType::kNull, BsonType::kUndefined, BsonType::kMinKey, BsonType::kMaxKey}) {
    EXPECT_FALSE(check_encryptable(t, std::nullopt, Algorithm::kRandom));
    EXPECT_FALSE(check_encryptable(t, std::nullopt, Algorithm::kDeterministic));
  }
  EXPECT_FALSE(check_encryptable(BsonType::kBinary, 6, Algorithm::kRandom));
  EXPECT_TRUE(check_encryptable(BsonType::kBinary, 4, Algorithm::kDeterministic));
  for (BsonType t : {BsonType::kDouble, BsonType::kDecimal128, BsonType::kBool, BsonType::kDocument,
                     BsonType::kArray, BsonType::kCodeWithScope}) {
    auto det = check_encryptable(t, std::nullopt, Algorithm::kDeterministic);
    ASSERT_FALSE(det);
    EXPECT_NE(det.error().message().find(bson_type_name(t)), std::string::npos);
    EXPECT_TRUE(check_encryptable(t, std::nullopt, Algorithm::kRandom));
  }
  for (BsonType t : {BsonType::kString, BsonType::kObjectId, BsonType::kDateTime, BsonType::kRegex,
                     BsonType::kDbPointer, BsonType::kCode, BsonType::kSymbol, BsonType::kInt32,
                     BsonType::kTimestamp, BsonType::kInt64}) {
    EXPECT_TRUE(check_encryptable(t, std::nullopt, Algorithm::kDeterministic));
  }
}

TEST(Fle1Value, RejectsNonFle1Blobs) {
  Bytes qe = {7, 1, 2, 3};
  auto view = parse_ciphertext(qe);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(parse_ciphertext(Bytes{}));
}

}  // namespace
}  // namespace openfle::crypto
