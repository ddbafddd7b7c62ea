#include "common/encoding.h"

#include <gtest/gtest.h>

#include "openfle/uuid.h"

namespace openfle {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes_of(plain));
  }
}

TEST(Base64, UrlAlphabetHasNoPadding) {
  Bytes b = {0xfb, 0xff};
  EXPECT_EQ(base64_encode(b, Base64Alphabet::kStandard), "+/8=");
  EXPECT_EQ(base64_encode(b, Base64Alphabet::kUrl), "-_8");
  EXPECT_EQ(*base64_decode("-_8"), b);
}

TEST(Base64, RejectsGarbage) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zm 9v"));
}

TEST(Base64, SecretRoundTrip) {
  SecretBytes s = SecretBytes::random(96);
  SecretBytes encoded = base64_encode_secret(s);
  auto decoded = base64_decode_secret(encoded.expose_text());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->equals(s));
}

TEST(Hex, RoundTrip) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "00abff");
  EXPECT_EQ(*hex_decode("00ABff"), b);
  EXPECT_FALSE(hex_decode("0g"));
  EXPECT_FALSE(hex_decode("abc"));
}

TEST(Uuid, ParseFormatAndVersion) {
  auto id = Uuid::parse("2F3A5C10-8d3e-4b1a-9c55-0a1b2c3d4e5f");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->to_string(), "2f3a5c10-8d3e-4b1a-9c55-0a1b2c3d4e5f");
  for (const char* bad : {"", "2f3a5c108d3e4b1a9c550a1b2c3d4e5f", "2f3a5c10-8d3e-4b1a-9c55-0a1b2c3d4e5g",
                          "2f3a5c10-8d3e-4b1a-9c550-a1b2c3d4e5f"}) {
    auto parsed = Uuid::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  }
  Uuid r = Uuid::random_v4();
  EXPECT_EQ(r.bytes()[6] >> 4, 4);
  EXPECT_EQ(r.bytes()[8] & 0xc0, 0x80);
  EXPECT_NE(r, Uuid::random_v4());
}

TEST(SecretBytes, RedactsAndComparesAndMoves) {
  SecretBytes a = SecretBytes::copy_of(std::string_view("hunter2"));
  EXPECT_EQ(a.debug_string(), "SecretBytes(7 bytes, redacted)");
  EXPECT_EQ(a.debug_string().find("hunter2"), std::string::npos);
  SecretBytes b = a.clone();
  EXPECT_TRUE(a.equals(b));
  SecretBytes c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(c.equals(a));
  EXPECT_FALSE(c.equals(SecretBytes::copy_of(std::string_view("hunter3"))));
}

}  // namespace
}  // namespace openfle
