// A 2048-bit RSA key generated once per test run, in the encodings a GCP service account key
// arrives in. Test-only: the key is random, so tests verify signatures rather than compare them.
#ifndef OPENFLE_TESTS_SUPPORT_TEST_RSA_KEY_H_
#define OPENFLE_TESTS_SUPPORT_TEST_RSA_KEY_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <vector>

namespace openfle::testing {

struct TestRsaKey {
  EVP_PKEY* key = nullptr;  // owned for the whole test run
  std::string pkcs8_pem;    // -----BEGIN PRIVATE KEY-----
  std::string pkcs1_pem;    // -----BEGIN RSA PRIVATE KEY-----
  std::vector<std::uint8_t> pkcs8_der;
  std::vector<std::uint8_t> pkcs1_der;
};

inline std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

inline const TestRsaKey& test_rsa_key(unsigned bits = 2048) {
  static const TestRsaKey key2048 = [] {
    TestRsaKey k;
    k.key = EVP_RSA_gen(2048);
    BIO* pem8 = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(pem8, k.key, nullptr, nullptr, 0, nullptr, nullptr);
    k.pkcs8_pem = bio_to_string(pem8);
    BIO* pem1 = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey_traditional(pem1, k.key, nullptr, nullptr, 0, nullptr, nullptr);
    k.pkcs1_pem = bio_to_string(pem1);
    BIO* der8 = BIO_new(BIO_s_mem());
    i2d_PKCS8PrivateKey_bio(der8, k.key, nullptr, nullptr, 0, nullptr, nullptr);
    const std::string d8 = bio_to_string(der8);
    k.pkcs8_der.assign(d8.begin(), d8.end());
    unsigned char* d1 = nullptr;
    const int n1 = i2d_PrivateKey(k.key, &d1);  // type-specific: PKCS#1 for RSA
    k.pkcs1_der.assign(d1, d1 + n1);
    OPENSSL_free(d1);
    return k;
  }();
  static const TestRsaKey key1024 = [] {
    TestRsaKey k;
    k.key = EVP_RSA_gen(1024);
    BIO* pem8 = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(pem8, k.key, nullptr, nullptr, 0, nullptr, nullptr);
    k.pkcs8_pem = bio_to_string(pem8);
    return k;
  }();
  return bits == 1024 ? key1024 : key2048;
}

// RS256 verification with the key's public half, independent of the code under test.
inline bool verify_rs256(EVP_PKEY* key, const std::string& data,
                         const std::vector<std::uint8_t>& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_TEST_RSA_KEY_H_
