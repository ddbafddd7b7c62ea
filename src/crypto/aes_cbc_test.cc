#include "crypto/aes_cbc.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "openfle/secret_bytes.h"

namespace openfle::crypto {
namespace {

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

// A context reused across calls, IVs and keys must give exactly what a fresh context gives.
TEST(AesCbcContext, ReusedContextMatchesFreshContexts) {
  SecretBytes k1 = SecretBytes::random(32);
  SecretBytes k2 = SecretBytes::random(32);
  AesCbcContext reused;
  for (int i = 0; i < 200; ++i) {
    const bool first_key = i % 3 != 0;
    const SecretBytes& key = first_key ? k1 : k2;
    const std::uint64_t id = first_key ? 1 : 2;
    Bytes iv = random_bytes(16);
    Bytes plain = random_bytes(16 * static_cast<std::size_t>(1 + i % 5));
    Bytes a(plain.size());
    Bytes b(plain.size());
    ASSERT_TRUE(reused.encrypt(id, key.expose(), iv.data(), plain, a.data()));
    AesCbcContext fresh;
    ASSERT_TRUE(fresh.encrypt(id, key.expose(), iv.data(), plain, b.data()));
    ASSERT_EQ(a, b) << i;
    Bytes back(plain.size());
    ASSERT_TRUE(reused.decrypt(id, key.expose(), iv.data(), a, back.data()));
    ASSERT_EQ(back, plain) << i;
  }
}

TEST(AesCbcContext, RejectsBadLengths) {
  AesCbcContext ctx;
  SecretBytes key = SecretBytes::random(32);
  Bytes iv(16);
  Bytes odd(15);
  Bytes out(16);
  EXPECT_FALSE(ctx.encrypt(1, key.expose(), iv.data(), odd, out.data()));
  EXPECT_FALSE(ctx.decrypt(1, SecretBytes::random(16).expose(), iv.data(), Bytes(16), out.data()));
}

}  // namespace
}  // namespace openfle::crypto
