// Compatibility with libmongocrypt (Debian's 1.7.2, the test-only oracle), in both directions:
// keys and values are generated at test time; nothing is copied from MongoDB's test files.
#include <gtest/gtest.h>

#include "openfle/client_encryption.h"
#include "interop/type_cases.h"
#include "support/mongocrypt_oracle.h"

namespace openfle {
namespace {

using testing::kTypes;
using testing::MongocryptOracle;


class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master_key_ = SecretBytes::random(96);
    Document providers = Document::Builder()
                             .append("local", Document::Builder()
                                                  .append("key", Value::binary(0, master_key_.expose()))
                                                  .build())
                             .build();
    auto oracle = MongocryptOracle::create(providers);
    ASSERT_TRUE(oracle) << oracle.error().message();
    oracle_ = std::move(*oracle);
    vault_ = make_memory_key_vault();
    ClientEncryptionOptions options;
    options.key_vault = vault_;
    auto local = make_local_kms_provider(master_key_.clone());
    ASSERT_TRUE(local);
    options.kms_providers.add(*local);
    auto client = ClientEncryption::create(std::move(options));
    ASSERT_TRUE(client);
    client_ = std::move(*client);
  }

  // A key made by openfle, also handed to libmongocrypt as a key document.
  Uuid openfle_key(std::vector<std::string> names = {}) {
    DataKeyOptions options;
    options.key_alt_names = std::move(names);
    auto id = client_->create_data_key("local", std::move(options));
    EXPECT_TRUE(id) << id.error().message();
    auto doc = client_->get_key(*id);
    oracle_->add_key((*doc)->to_document());
    return *id;
  }

  // A key made by libmongocrypt, imported into openfle's vault.
  Uuid mongocrypt_key(std::vector<std::string> names = {}) {
    auto doc = oracle_->create_data_key(Document::Builder().append("provider", Value::string("local")).build(), names);
    EXPECT_TRUE(doc) << doc.error().message();
    auto key = KeyDocument::from_document(*doc);
    EXPECT_TRUE(key) << key.error().message();
    EXPECT_TRUE(vault_->insert(std::span<const KeyDocument>(&*key, 1)));
    // openfle emits libmongocrypt's documents byte for byte.
    EXPECT_EQ(key->to_document(), *doc);
    return key->id;
  }

  SecretBytes master_key_;
  std::unique_ptr<MongocryptOracle> oracle_;
  std::shared_ptr<KeyVault> vault_;
  std::unique_ptr<ClientEncryption> client_;
};

TEST_F(InteropTest, EveryTypeBothAlgorithmsBothDirections) {
  const Uuid ours = openfle_key();
  const Uuid theirs = mongocrypt_key();
  int checked = 0;
  for (const auto& t : kTypes) {
    SCOPED_TRACE(t.name);
    auto value = Value::from_json(t.json);
    ASSERT_TRUE(value) << value.error().message();
    for (Algorithm algorithm : {Algorithm::kDeterministic, Algorithm::kRandom}) {
      if (algorithm == Algorithm::kDeterministic && !t.deterministic_allowed) {
        EXPECT_FALSE(client_->encrypt(*value, EncryptOptions::by_id(ours, algorithm)));
        EXPECT_FALSE(oracle_->encrypt(*value, ours, algorithm)) << "libmongocrypt agrees it is refused";
        continue;
      }
      for (const Uuid& key : {ours, theirs}) {
        // openfle -> libmongocrypt
        auto by_openfle = client_->encrypt(*value, EncryptOptions::by_id(key, algorithm));
        ASSERT_TRUE(by_openfle) << by_openfle.error().message();
        auto read_by_them = oracle_->decrypt(*by_openfle);
        ASSERT_TRUE(read_by_them) << read_by_them.error().message();
        EXPECT_EQ(*read_by_them, *value);
        // libmongocrypt -> openfle
        auto by_them = oracle_->encrypt(*value, key, algorithm);
        ASSERT_TRUE(by_them) << by_them.error().message();
        auto read_by_openfle = client_->decrypt(*by_them);
        ASSERT_TRUE(read_by_openfle) << read_by_openfle.error().message();
        EXPECT_EQ(*read_by_openfle, *value);
        if (algorithm == Algorithm::kDeterministic) {
          EXPECT_EQ(*by_openfle, *by_them) << "deterministic ciphertexts are byte-identical";
        } else {
          EXPECT_NE(*by_openfle, *by_them);
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 2 * (2 * 17 + 6));
}

TEST_F(InteropTest, NeverEncryptableTypesAreRefusedByBoth) {
  const Uuid id = openfle_key();
  for (const char* json : {"null", R"({"$undefined": true})", R"({"$minKey": 1})", R"({"$maxKey": 1})"}) {
    auto value = Value::from_json(json);
    for (Algorithm algorithm : {Algorithm::kDeterministic, Algorithm::kRandom}) {
      EXPECT_FALSE(client_->encrypt(*value, EncryptOptions::by_id(id, algorithm))) << json;
      EXPECT_FALSE(oracle_->encrypt(*value, id, algorithm)) << json;
    }
  }
}

TEST_F(InteropTest, KeyAltNamesWorkAcrossImplementations) {
  openfle_key({"ours"});
  mongocrypt_key({"theirs"});
  for (const char* name : {"ours", "theirs"}) {
    Value v = Value::string(std::string("by name ") + name);
    auto a = client_->encrypt(v, EncryptOptions::by_alt_name(name, Algorithm::kDeterministic));
    auto b = oracle_->encrypt(v, std::string(name), Algorithm::kDeterministic);
    ASSERT_TRUE(a && b) << name;
    EXPECT_EQ(*a, *b);
  }
}

TEST_F(InteropTest, WholeDocumentsDecryptOnBothSides) {
  const Uuid a = openfle_key();
  const Uuid b = mongocrypt_key();
  auto plain = Document::from_json(R"({"_id": 1, "name": "Ada", "ssn": "123-45-6789",
      "medical": {"blood": "O+", "notes": ["allergy", {"drug": "penicillin"}]}, "score": 9.5})");
  ASSERT_TRUE(plain);
  std::vector<std::string> det = {"ssn", "medical.blood"};
  auto step = client_->encrypt_fields(*plain, det, EncryptOptions::by_id(a, Algorithm::kDeterministic));
  ASSERT_TRUE(step);
  std::vector<std::string> rnd = {"medical.notes", "score"};
  auto encrypted = client_->encrypt_fields(*step, rnd, EncryptOptions::by_id(b, Algorithm::kRandom));
  ASSERT_TRUE(encrypted);
  auto theirs = oracle_->decrypt_document(*encrypted);
  ASSERT_TRUE(theirs) << theirs.error().message();
  EXPECT_EQ(*theirs, *plain);
  // And a document whose values libmongocrypt encrypted, nested in arrays.
  auto c1 = oracle_->encrypt(Value::string("x"), a, Algorithm::kRandom);
  auto c2 = oracle_->encrypt(*Value::from_json("[1, 2]"), b, Algorithm::kRandom);
  ASSERT_TRUE(c1 && c2);
  auto doc = Document::from_json("{\"list\": [" + c1->to_json() + ", {\"deep\": " + c2->to_json() + "}]}");
  ASSERT_TRUE(doc);
  auto ours = client_->decrypt_document(*doc);
  ASSERT_TRUE(ours) << ours.error().message();
  EXPECT_EQ(*ours, *oracle_->decrypt_document(*doc));
  EXPECT_EQ(ours->to_json(JsonMode::kRelaxed), R"({ "list" : [ "x", { "deep" : [ 1, 2 ] } ] })");
}

TEST_F(InteropTest, CustomKeyMaterialKeysWorkOnBothSides) {
  Bytes material(96);
  for (std::size_t i = 0; i < material.size(); ++i) material[i] = static_cast<std::uint8_t>(i * 7 + 3);
  auto their_doc = oracle_->create_data_key(Document::Builder().append("provider", Value::string("local")).build(),
                                            {"custom-theirs"}, material);
  ASSERT_TRUE(their_doc) << their_doc.error().message();
  DataKeyOptions options;
  options.key_alt_names = {"custom-ours"};
  options.key_material = SecretBytes::copy_of(material);
  auto our_id = client_->create_data_key("local", std::move(options));
  ASSERT_TRUE(our_id);
  oracle_->add_key((*client_->get_key(*our_id))->to_document());
  auto their_key = KeyDocument::from_document(*their_doc);
  ASSERT_TRUE(their_key);
  ASSERT_TRUE(vault_->insert(std::span<const KeyDocument>(&*their_key, 1)));
  // Each side reads the other's key made from caller-supplied material, and both sides produce the
  // same deterministic ciphertext under each key.
  Value v = Value::string("4111-1111-1111-1111");
  for (const char* name : {"custom-ours", "custom-theirs"}) {
    auto ours = client_->encrypt(v, EncryptOptions::by_alt_name(name, Algorithm::kDeterministic));
    auto theirs = oracle_->encrypt(v, std::string(name), Algorithm::kDeterministic);
    ASSERT_TRUE(ours && theirs) << name;
    EXPECT_EQ(*ours, *theirs) << name;
  }
}

TEST_F(InteropTest, TamperedCiphertextsAreRejectedByBoth) {
  const Uuid id = openfle_key();
  auto c = client_->encrypt(Value::string("payload"), EncryptOptions::by_id(id, Algorithm::kRandom));
  ASSERT_TRUE(c);
  Bytes blob(c->binary_data().begin(), c->binary_data().end());
  for (std::size_t i = 18; i < blob.size(); i += 7) {
    Bytes t = blob;
    t[i] ^= 0x40;
    Value tampered = Value::binary(6, t);
    auto ours = client_->decrypt(tampered);
    ASSERT_FALSE(ours) << i;
    EXPECT_EQ(ours.error().code(), ErrorCode::kAuthenticationFailed);
    EXPECT_FALSE(oracle_->decrypt(tampered)) << i;
  }
  Bytes unknown_key = blob;
  unknown_key[3] ^= 1;  // a key id nobody has
  auto missing = client_->decrypt(Value::binary(6, unknown_key));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace openfle
