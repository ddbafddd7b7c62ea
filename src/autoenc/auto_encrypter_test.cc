#include "openfle/auto_encryption.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "analysis/test_util.h"
#include "common/encoding.h"

namespace openfle {
namespace {

using analysis::testing::doc;

class AutoEncrypterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClientEncryptionOptions options;
    options.key_vault = make_memory_key_vault();
    auto local = make_local_kms_provider(SecretBytes::random(96));
    ASSERT_TRUE(local);
    options.kms_providers.add(*local);
    auto client = ClientEncryption::create(std::move(options));
    ASSERT_TRUE(client);
    client_ = std::move(*client);
    DataKeyOptions det;
    det.key_alt_names = {"det-key"};
    auto det_id = client_->create_data_key("local", std::move(det));
    ASSERT_TRUE(det_id);
    DataKeyOptions named;
    named.key_alt_names = {"by-name"};
    ASSERT_TRUE(client_->create_data_key("local", std::move(named)));
    const std::string key = R"([{"$binary": {"base64": ")" + base64(*det_id) + R"(", "subType": "04"}}])";
    auto map = SchemaMap::from_json(R"({"hr.people": {"bsonType": "object", "properties": {
        "ssn": {"encrypt": {"bsonType": "string", "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic", "keyId": )" +
                                    key + R"(}},
        "notes": {"encrypt": {"algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random", "keyId": "/keyName"}}}}})");
    ASSERT_TRUE(map) << map.error().message();
    AutoEncryptionOptions auto_options;
    auto_options.schema_map = std::move(*map);
    auto encrypter = AutoEncrypter::create(client_, std::move(auto_options));
    ASSERT_TRUE(encrypter);
    encrypter_ = std::move(*encrypter);
  }

  static std::string base64(const Uuid& id) { return base64_encode(id.bytes()); }

  std::shared_ptr<ClientEncryption> client_;
  std::unique_ptr<AutoEncrypter> encrypter_;
};

TEST_F(AutoEncrypterTest, EncryptsInsertsAndDecryptsReplies) {
  auto insert = doc(R"({"insert": "people", "documents": [{"_id": 1, "ssn": "123-45-6789", "keyName": "by-name", "notes": "private"}]})");
  auto encrypted = encrypter_->encrypt_command("hr", insert);
  ASSERT_TRUE(encrypted) << encrypted.error().message();
  auto ssn = encrypted->get("documents.0.ssn");
  auto notes = encrypted->get("documents.0.notes");
  ASSERT_TRUE(ssn && notes);
  EXPECT_TRUE(ssn->is_fle1_ciphertext());
  EXPECT_TRUE(notes->is_fle1_ciphertext());
  EXPECT_EQ(ssn->binary_data()[0], 1);    // deterministic
  EXPECT_EQ(notes->binary_data()[0], 2);  // random
  // The server returns the stored documents; the reply decrypts back to the plaintext.
  auto stored = encrypted->get("documents.0");
  auto reply = Document::Builder()
                   .append("cursor", Document::Builder()
                                         .append("firstBatch", *Value::from_json("[" + stored->to_json() + "]"))
                                         .append("id", Value::int64(0))
                                         .build())
                   .append("ok", Value::int32(1))
                   .build();
  auto plain = encrypter_->decrypt_reply(reply);
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->get("cursor.firstBatch")->to_json(),
            Value::from_json(R"([{"_id": 1, "ssn": "123-45-6789", "keyName": "by-name", "notes": "private"}])")->to_json());
}

TEST_F(AutoEncrypterTest, DeterministicQueriesMatchStoredCiphertexts) {
  auto stored = encrypter_->encrypt_document("hr.people", doc(R"({"ssn": "123-45-6789", "keyName": "by-name", "notes": "n"})"));
  ASSERT_TRUE(stored) << stored.error().message();
  auto find = encrypter_->encrypt_command("hr", doc(R"({"find": "people", "filter": {"ssn": "123-45-6789"}})"));
  ASSERT_TRUE(find) << find.error().message();
  EXPECT_EQ(*find->get("filter.ssn.$eq"), *stored->get("ssn"));
}

TEST_F(AutoEncrypterTest, UnencryptedCommandsAreSentAsGiven) {
  for (const char* json : {R"({"find": "people", "filter": {"name": "x"}})", R"({"ping": 1})",
                           R"({"insert": "pets", "documents": [{"ssn": "not secret here"}]})"}) {
    auto command = doc(json);
    auto out = encrypter_->encrypt_command("hr", command);
    ASSERT_TRUE(out) << json;
    EXPECT_EQ(*out, command) << json;
  }
}

TEST_F(AutoEncrypterTest, AMissingKeyAltNameIsAClearErrorAndNothingIsReturned) {
  auto out = encrypter_->encrypt_command(
      "hr", doc(R"({"insert": "people", "documents": [{"keyName": "no-such-key", "notes": "private"}]})"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(out.error().message().find("no data key has the keyAltName 'no-such-key'"), std::string::npos)
      << out.error().message();
  EXPECT_EQ(out.error().message().find("private"), std::string::npos);  // no plaintext in errors
}

TEST_F(AutoEncrypterTest, BypassDecryptsOnly) {
  AutoEncryptionOptions options;
  options.schema_map = encrypter_->schema_map();
  options.bypass_auto_encryption = true;
  auto bypass = AutoEncrypter::create(client_, std::move(options));
  ASSERT_TRUE(bypass);
  auto command = doc(R"({"find": "people", "filter": {"ssn": "1"}})");
  EXPECT_EQ(*(*bypass)->encrypt_command("hr", command), command);
}

TEST_F(AutoEncrypterTest, OneEncrypterServesManyThreads) {
  auto command = doc(R"({"find": "people", "filter": {"ssn": "123"}})");
  auto expected = encrypter_->encrypt_command("hr", command);
  ASSERT_TRUE(expected);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto out = encrypter_->encrypt_command("hr", command);
        if (!out || !(*out == *expected)) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace openfle
