#include "kms/gcp/gcp_service_account_key.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "common/encoding.h"
#include "support/test_rsa_key.h"

namespace openfle::kms::gcp {
namespace {

std::string wrap_lines(const std::string& text, std::size_t width) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += width) out += text.substr(i, width) + "\r\n";
  return out;
}

TEST(GcpServiceAccountKey, AcceptsEveryFormAServiceAccountKeyArrivesIn) {
  const auto& k = testing::test_rsa_key();
  const std::vector<std::pair<const char*, std::string>> forms = {
      {"PKCS#8 PEM", k.pkcs8_pem},
      {"PKCS#1 PEM", k.pkcs1_pem},
      {"PKCS#8 DER", std::string(k.pkcs8_der.begin(), k.pkcs8_der.end())},
      {"PKCS#1 DER", std::string(k.pkcs1_der.begin(), k.pkcs1_der.end())},
      {"base64 PKCS#8 DER", base64_encode(k.pkcs8_der)},
      {"base64 with line breaks", "\n" + wrap_lines(base64_encode(k.pkcs8_der), 64)},
  };
  for (const auto& [name, text] : forms) {
    auto key = GcpServiceAccountKey::parse(SecretBytes::copy_of(std::string_view(text)));
    ASSERT_TRUE(key) << name << ": " << key.error().message();
    EXPECT_EQ(key->bits(), 2048) << name;
    // The signature verifies under the generated key's public half.
    auto signature = key->sign_rs256("header.claims");
    ASSERT_TRUE(signature) << name;
    EXPECT_EQ(signature->size(), 256u);
    EXPECT_TRUE(testing::verify_rs256(k.key, "header.claims", *signature)) << name;
    EXPECT_FALSE(testing::verify_rs256(k.key, "header.claimz", *signature)) << name;
  }
}

TEST(GcpServiceAccountKey, PublicKeyPemMatches) {
  const auto& k = testing::test_rsa_key();
  auto key = GcpServiceAccountKey::parse(SecretBytes::copy_of(std::string_view(k.pkcs8_pem)));
  ASSERT_TRUE(key);
  auto pem = key->public_key_pem();
  ASSERT_TRUE(pem);
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(pub, k.key), 1);
  EVP_PKEY_free(pub);
}

TEST(GcpServiceAccountKey, RefusesWhatIsNotAUsableRsaKey) {
  const auto& k = testing::test_rsa_key();
  std::string der_with_trailer(k.pkcs8_der.begin(), k.pkcs8_der.end());
  der_with_trailer += "xx";
  std::string truncated(k.pkcs8_der.begin(), k.pkcs8_der.end() - 10);
  // PKCS#1 ends with iqmp (q^-1 mod p): flipping its last bit leaves valid DER, inconsistent RSA.
  std::string inconsistent(k.pkcs1_der.begin(), k.pkcs1_der.end());
  inconsistent.back() = static_cast<char>(inconsistent.back() ^ 1);

  EVP_PKEY* ec = EVP_EC_gen("P-256");
  BIO* ec_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(ec_bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  const std::string ec_pem = testing::bio_to_string(ec_bio);
  EVP_PKEY_free(ec);

  BIO* enc_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(enc_bio, k.key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                const_cast<char*>("password"));
  const std::string encrypted_pem = testing::bio_to_string(enc_bio);

  const std::vector<std::pair<const char*, std::string>> bad = {
      {"empty", ""},
      {"spaces", "  \n "},
      {"not base64", "this is not a key!"},
      {"base64 of junk", base64_encode(Bytes{1, 2, 3, 4, 5, 6})},
      {"DER with trailing bytes", der_with_trailer},
      {"truncated DER", truncated},
      {"PEM without body", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"},
      {"EC key", ec_pem},
      {"1024-bit RSA", testing::test_rsa_key(1024).pkcs8_pem},
      {"encrypted PEM", encrypted_pem},
      {"inconsistent components", inconsistent},
  };
  for (const auto& [name, text] : bad) {
    auto key = GcpServiceAccountKey::parse(SecretBytes::copy_of(std::string_view(text)));
    ASSERT_FALSE(key) << name;
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_EQ(key.error().message().rfind("GCP privateKey ", 0), 0u) << key.error().message();
  }
  auto bad_math = GcpServiceAccountKey::parse(SecretBytes::copy_of(std::string_view(inconsistent)));
  ASSERT_FALSE(bad_math);
  EXPECT_NE(bad_math.error().message().find("not a consistent RSA key pair"), std::string::npos);
  // No part of the key appears in the message.
  auto key = GcpServiceAccountKey::parse(SecretBytes::copy_of(std::string_view(truncated)));
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message().find(base64_encode(k.pkcs8_der).substr(40, 16)),
            std::string::npos);
}

}  // namespace
}  // namespace openfle::kms::gcp
