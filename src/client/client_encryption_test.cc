#include "openfle/client_encryption.h"

#include <gtest/gtest.h>

#include <thread>

#include "client/key_cache.h"

namespace openfle {
namespace {

std::unique_ptr<ClientEncryption> make_client(std::shared_ptr<KeyVault> vault = make_memory_key_vault(),
                                              std::chrono::milliseconds ttl = std::chrono::milliseconds(60000)) {
  ClientEncryptionOptions options;
  options.key_vault = std::move(vault);
  auto local = make_local_kms_provider(SecretBytes::random(96));
  EXPECT_TRUE(local);
  options.kms_providers.add(*local);
  options.key_expiration = ttl;
  auto client = ClientEncryption::create(std::move(options));
  EXPECT_TRUE(client);
  return std::move(*client);
}

Value json_value(std::string_view json) {
  auto v = Value::from_json(json);
  EXPECT_TRUE(v) << json;
  return *v;
}

TEST(ClientEncryption, EveryEncryptableTypeRoundTripsWithBothAlgorithms) {
  auto client = make_client();
  DataKeyOptions key_options;
  key_options.key_alt_names = {"k"};
  auto id = client->create_data_key("local", std::move(key_options));
  ASSERT_TRUE(id) << id.error().message();
  struct Case {
    const char* json;
    bool deterministic_allowed;
  };
  const Case cases[] = {
      {R"("mongodb")", true},
      {R"({"$numberInt": "123"})", true},
      {R"({"$numberLong": "456"})", true},
      {R"({"$oid": "01234567890abcdef0123456"})", true},
      {R"({"$date": {"$numberLong": "12345"}})", true},
      {R"({"$regularExpression": {"pattern": ".*", "options": "i"}})", true},
      {R"({"$dbPointer": {"$ref": "db.example", "$id": {"$oid": "01234567890abcdef0123456"}}})", true},
      {R"({"$code": "x=1"})", true},
      {R"({"$symbol": "mongodb-symbol"})", true},
      {R"({"$timestamp": {"t": 0, "i": 12345}})", true},
      {R"({"$binary": {"base64": "AQIDBA==", "subType": "00"}})", true},
      {R"({"$binary": {"base64": "AAECAwQFBgcICQoLDA0ODw==", "subType": "04"}})", true},
      {R"({"$numberDouble": "1.234"})", false},
      {R"({"$numberDecimal": "1.234"})", false},
      {R"(true)", false},
      {R"({"x": {"$numberInt": "1"}})", false},
      {R"([1, 2, 3])", false},
      {R"({"$code": "x=1", "$scope": {}})", false},
  };
  for (const auto& c : cases) {
    Value plain = json_value(c.json);
    for (Algorithm algorithm : {Algorithm::kDeterministic, Algorithm::kRandom}) {
      auto encrypted = client->encrypt(plain, EncryptOptions::by_id(*id, algorithm));
      if (algorithm == Algorithm::kDeterministic && !c.deterministic_allowed) {
        ASSERT_FALSE(encrypted) << c.json;
        EXPECT_NE(encrypted.error().message().find("deterministic"), std::string::npos);
        continue;
      }
      ASSERT_TRUE(encrypted) << c.json << ": " << encrypted.error().message();
      EXPECT_TRUE(encrypted->is_fle1_ciphertext());
      auto decrypted = client->decrypt(*encrypted);
      ASSERT_TRUE(decrypted) << decrypted.error().message();
      EXPECT_EQ(*decrypted, plain) << c.json;
      auto by_name = client->encrypt(plain, EncryptOptions::by_alt_name("k", algorithm));
      ASSERT_TRUE(by_name);
      if (algorithm == Algorithm::kDeterministic) {
        EXPECT_EQ(*by_name, *encrypted);
      } else {
        EXPECT_NE(*by_name, *encrypted);
      }
    }
  }
  for (const char* never : {"null", R"({"$undefined": true})", R"({"$minKey": 1})", R"({"$maxKey": 1})"}) {
    auto encrypted = client->encrypt(json_value(never), EncryptOptions::by_id(*id, Algorithm::kRandom));
    ASSERT_FALSE(encrypted) << never;
    EXPECT_NE(encrypted.error().message().find("invalid for encryption"), std::string::npos);
  }
}

TEST(ClientEncryption, DecryptsWholeDocumentsAtAnyDepth) {
  auto client = make_client();
  auto a = client->create_data_key("local");
  auto b = client->create_data_key("local");
  ASSERT_TRUE(a && b);
  auto doc = Document::from_json(R"({"name": "Ada", "ssn": "123-45-6789",
      "contact": {"email": "ada@example.com", "phones": ["555-0100", "555-0101"]}, "n": 7})");
  ASSERT_TRUE(doc);
  std::vector<std::string> det_paths = {"ssn", "contact.email"};
  auto step1 = client->encrypt_fields(*doc, det_paths, EncryptOptions::by_id(*a, Algorithm::kDeterministic));
  ASSERT_TRUE(step1) << step1.error().message();
  std::vector<std::string> rand_paths = {"contact.phones", "missing.path"};
  std::vector<bool> found;
  auto step2 = client->encrypt_fields(*step1, rand_paths, EncryptOptions::by_id(*b, Algorithm::kRandom), &found);
  ASSERT_TRUE(step2) << step2.error().message();
  EXPECT_EQ(found, (std::vector<bool>{true, false}));
  EXPECT_TRUE(step2->get("ssn")->is_fle1_ciphertext());
  EXPECT_TRUE(step2->get("contact.phones")->is_fle1_ciphertext());
  EXPECT_EQ(step2->get("name")->string_value(), "Ada");
  // Arrays of ciphertexts decrypt too.
  Value enc_in_array = *client->encrypt(Value::string("x"), EncryptOptions::by_id(*a, Algorithm::kRandom));
  auto fresh = client->decrypt_document(*step2);
  ASSERT_TRUE(fresh) << fresh.error().message();
  EXPECT_EQ(*fresh, *doc);
  auto arr = Document::from_json("{\"a\": [" + enc_in_array.to_json() + ", {\"b\": " + enc_in_array.to_json() + "}]}");
  ASSERT_TRUE(arr) << arr.error().message();
  auto arr_plain = client->decrypt_document(*arr);
  ASSERT_TRUE(arr_plain);
  EXPECT_EQ(arr_plain->to_json(JsonMode::kRelaxed), R"({ "a" : [ "x", { "b" : "x" } ] })");
}

TEST(ClientEncryption, FieldPathErrorsNameTheField) {
  auto client = make_client();
  auto id = client->create_data_key("local");
  auto doc = Document::from_json(R"({"a": [{"b": 1}], "d": 1.5, "e": null})");
  std::vector<std::string> into_array = {"a.b"};
  auto r = client->encrypt_fields(*doc, into_array, EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("field 'a' is an array"), std::string::npos);
  std::vector<std::string> dbl = {"d"};
  r = client->encrypt_fields(*doc, dbl, EncryptOptions::by_id(*id, Algorithm::kDeterministic));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("field 'd': BSON type invalid for deterministic encryption: double"),
            std::string::npos);
  std::vector<std::string> null_field = {"e"};
  r = client->encrypt_fields(*doc, null_field, EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("field 'e'"), std::string::npos);
  std::vector<std::string> overlap = {"a", "a.b"};
  r = client->encrypt_fields(*doc, overlap, EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("overlap"), std::string::npos);
}

TEST(ClientEncryption, UnknownKeysAndTamperingAreClearErrors) {
  auto vault = make_memory_key_vault();
  auto client = make_client(vault);
  auto id = client->create_data_key("local");
  auto encrypted = client->encrypt(Value::string("secret"), EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_TRUE(encrypted);
  auto other = make_client(vault);  // same vault, different local master key
  auto wrong_master = other->decrypt(*encrypted);
  ASSERT_FALSE(wrong_master);
  EXPECT_EQ(wrong_master.error().code(), ErrorCode::kAuthenticationFailed);
  EXPECT_NE(wrong_master.error().message().find("does not match"), std::string::npos);

  auto unknown = client->encrypt(Value::string("x"), EncryptOptions::by_id(Uuid::random_v4(), Algorithm::kRandom));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  auto no_name = client->encrypt(Value::string("x"), EncryptOptions::by_alt_name("nope", Algorithm::kRandom));
  ASSERT_FALSE(no_name);
  EXPECT_NE(no_name.error().message().find("keyAltName 'nope'"), std::string::npos);

  Bytes blob(encrypted->binary_data().begin(), encrypted->binary_data().end());
  blob[40] ^= 1;
  auto tampered = client->decrypt(Value::binary(6, blob));
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code(), ErrorCode::kAuthenticationFailed);
  EXPECT_NE(tampered.error().message().find("field 'v'"), std::string::npos);
  auto not_cipher = client->decrypt(Value::string("plain"));
  ASSERT_FALSE(not_cipher);
  EXPECT_EQ(not_cipher.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ClientEncryption, KeyCacheExpires) {
  auto vault = make_memory_key_vault();
  auto client = make_client(vault, std::chrono::milliseconds(50));
  auto id = client->create_data_key("local");
  auto encrypted = client->encrypt(Value::string("x"), EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_TRUE(encrypted);
  ASSERT_TRUE(*vault->remove(*id));  // behind the client's back
  EXPECT_TRUE(client->decrypt(*encrypted)) << "the cached key still works";
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  auto after = client->decrypt(*encrypted);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code(), ErrorCode::kNotFound);
}

TEST(KeyCache, ZeroTtlNeverExpiresAndAltNamesFollowKeys) {
  auto now = std::chrono::steady_clock::time_point{};
  client::KeyCache cache(std::chrono::milliseconds(0), [&] { return now; });
  auto cipher = crypto::Fle1Key::create(SecretBytes::random(96));
  Uuid id = Uuid::random_v4();
  cache.insert(std::make_shared<const client::DataKey>(client::DataKey{id, {"n"}, std::move(*cipher)}));
  now += std::chrono::hours(1000);
  EXPECT_NE(cache.find(id), nullptr);
  EXPECT_NE(cache.find_by_alt_name("n"), nullptr);
  cache.erase(id);
  EXPECT_EQ(cache.find(id), nullptr);
  EXPECT_EQ(cache.find_by_alt_name("n"), nullptr);
}

TEST(ClientEncryption, SharedBetweenThreads) {
  auto client = make_client();
  auto id = client->create_data_key("local");
  Document::Builder b;
  for (int i = 0; i < 200; ++i) {
    b.append("k" + std::to_string(i), *client->encrypt(Value::string("value " + std::to_string(i)),
                                                      EncryptOptions::by_id(*id, Algorithm::kDeterministic)));
  }
  Document encrypted = b.build();
  client->clear_key_cache();
  auto expected = client->decrypt_document(encrypted);
  ASSERT_TRUE(expected);
  std::vector<std::jthread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto got = client->decrypt_document(encrypted);
        if (!got || !(*got == *expected)) ++mismatches;
      }
    });
  }
  threads.clear();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ClientEncryption, CustomKeyMaterialAndProviderChecks) {
  auto client = make_client();
  DataKeyOptions short_material;
  short_material.key_material = SecretBytes::random(32);
  auto bad = client->create_data_key("local", std::move(short_material));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("96 bytes"), std::string::npos);
  auto unconfigured = client->create_data_key("local:other");
  ASSERT_FALSE(unconfigured);
  EXPECT_NE(unconfigured.error().message().find("'local:other' is not configured"), std::string::npos);
  auto no_master = client->create_data_key("aws");
  ASSERT_FALSE(no_master);
  EXPECT_NE(no_master.error().message().find("masterKey is required"), std::string::npos);
  DataKeyOptions twice;
  twice.key_alt_names = {"a", "a"};
  EXPECT_FALSE(client->create_data_key("local", std::move(twice)));
}

}  // namespace
}  // namespace openfle
