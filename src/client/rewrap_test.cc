#include <gtest/gtest.h>

#include <atomic>

#include "openfle/client_encryption.h"

namespace openfle {
namespace {

// A KMS provider that wraps through another one but can be told to fail or to lie.
class FlakyProvider final : public KmsProvider {
 public:
  FlakyProvider(std::shared_ptr<KmsProvider> inner) : inner_(std::move(inner)) {}
  const KmsProviderId& id() const noexcept override { return inner_->id(); }
  Result<WrappedKey> wrap(const MasterKey& mk, const SecretBytes& dek) override {
    if (fail_wrap_at >= 0 && wraps_++ == fail_wrap_at) return fail(ErrorCode::kUnavailable, "KMS down");
    if (corrupt) {
      // Wraps a different key: the verification step must catch it.
      return inner_->wrap(mk, SecretBytes::random(96));
    }
    return inner_->wrap(mk, dek);
  }
  Result<SecretBytes> unwrap(const MasterKey& mk, ByteView material) override { return inner_->unwrap(mk, material); }
  int fail_wrap_at = -1;
  bool corrupt = false;

 private:
  std::shared_ptr<KmsProvider> inner_;
  std::atomic<int> wraps_{0};
};

class RewrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = make_memory_key_vault();
    ClientEncryptionOptions options;
    options.key_vault = vault_;
    options.kms_providers.add(*make_local_kms_provider(SecretBytes::random(96)));
    target_ = std::make_shared<FlakyProvider>(*make_local_kms_provider(SecretBytes::random(96), "new"));
    options.kms_providers.add(target_);
    client_ = std::move(*ClientEncryption::create(std::move(options)));
    for (int i = 0; i < 20; ++i) {
      auto id = client_->create_data_key("local");
      ASSERT_TRUE(id);
      ids_.push_back(*id);
      values_.push_back(*client_->encrypt(Value::string("value " + std::to_string(i)),
                                          EncryptOptions::by_id(*id, Algorithm::kRandom)));
    }
  }

  std::vector<KeyDocument> all_keys() { return *vault_->find(KeyFilter::all()); }

  void expect_all_values_decrypt() {
    client_->clear_key_cache();
    for (std::size_t i = 0; i < values_.size(); ++i) {
      auto v = client_->decrypt(values_[i]);
      ASSERT_TRUE(v) << v.error().message();
      EXPECT_EQ(v->string_value(), "value " + std::to_string(i));
    }
  }

  std::shared_ptr<KeyVault> vault_;
  std::shared_ptr<FlakyProvider> target_;
  std::unique_ptr<ClientEncryption> client_;
  std::vector<Uuid> ids_;
  std::vector<Value> values_;
};

TEST_F(RewrapTest, MovesEveryKeyAndOnlyWrappingChanges) {
  auto before = all_keys();
  std::atomic<std::size_t> last{0};
  RewrapOptions options;
  options.master_key = MasterKey::local("new");
  options.concurrency = 4;
  options.progress = [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, 20u);
    std::size_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
  };
  auto result = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->matched, 20u);
  EXPECT_EQ(result->rewrapped, 20u);
  EXPECT_EQ(last.load(), 20u);
  ASSERT_EQ(result->moves.size(), 1u);
  EXPECT_EQ(result->moves[0].first, "local -> local:new");
  auto after = all_keys();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].master_key.provider().to_string(), "local:new");
    EXPECT_NE(after[i].key_material, before[i].key_material);
    EXPECT_EQ(after[i].creation_date_ms, before[i].creation_date_ms);
    EXPECT_GE(after[i].update_date_ms, before[i].update_date_ms);
    EXPECT_EQ(after[i].key_alt_names, before[i].key_alt_names);
  }
  expect_all_values_decrypt();
  // A rerun finds every key already wrapped by the target.
  auto again = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rewrapped, 0u);
  EXPECT_EQ(again->already_current, 20u);
}

TEST_F(RewrapTest, AnyFailureWritesNothingAndNamesTheKey) {
  auto before = all_keys();
  target_->fail_wrap_at = 7;
  RewrapOptions options;
  options.master_key = MasterKey::local("new");
  auto result = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message().find("nothing was written"), std::string::npos);
  EXPECT_NE(result.error().message().find("1 of 20"), std::string::npos);
  EXPECT_NE(result.error().message().find("KMS down"), std::string::npos);
  EXPECT_EQ(all_keys(), before);
  expect_all_values_decrypt();
}

TEST_F(RewrapTest, VerificationCatchesAWrongWrapping) {
  auto before = all_keys();
  target_->corrupt = true;
  RewrapOptions options;
  options.master_key = MasterKey::local("new");
  auto result = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("unwrapped to a different key"), std::string::npos);
  EXPECT_EQ(all_keys(), before);
}

TEST_F(RewrapTest, DryRunWritesNothing) {
  auto before = all_keys();
  RewrapOptions options;
  options.master_key = MasterKey::local("new");
  options.dry_run = true;
  auto result = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->dry_run);
  EXPECT_EQ(result->rewrapped, 20u);
  EXPECT_EQ(all_keys(), before);
}

TEST_F(RewrapTest, RotationWithoutTargetRewrapsWithOwnMasterKey) {
  auto before = all_keys();
  auto result = client_->rewrap_many_data_key(KeyFilter::by_id(ids_[3]));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->matched, 1u);
  EXPECT_EQ(result->rewrapped, 1u);
  auto key = *client_->get_key(ids_[3]);
  EXPECT_EQ(key->master_key.provider().to_string(), "local");
  EXPECT_NE(key->key_material, before[3].key_material);
  expect_all_values_decrypt();
}

TEST_F(RewrapTest, UnconfiguredTargetFailsBeforeTouchingKeys) {
  RewrapOptions options;
  options.master_key = MasterKey::local("absent");
  auto result = client_->rewrap_many_data_key(KeyFilter::all(), options);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("'local:absent' is not configured"), std::string::npos);
}

TEST_F(RewrapTest, ReencryptRetiresAKey) {
  auto doc = Document::Builder()
                 .append("a", values_[0])
                 .append("b", values_[1])
                 .append("c", *client_->encrypt(Value::string("det"), EncryptOptions::by_id(ids_[0], Algorithm::kDeterministic)))
                 .build();
  EXPECT_EQ(data_keys_used(doc), (std::vector<Uuid>{ids_[0], ids_[1]}));
  std::size_t changed = 0;
  auto moved = client_->reencrypt_document(doc, ids_[0], ids_[5], &changed);
  ASSERT_TRUE(moved) << moved.error().message();
  EXPECT_EQ(changed, 2u);
  EXPECT_EQ(data_keys_used(*moved), (std::vector<Uuid>{ids_[5], ids_[1]}));
  EXPECT_EQ(moved->get("b"), doc.get("b"));  // other keys' values pass through untouched
  // Deterministic stays deterministic: equal to encrypting the plaintext under the new key.
  EXPECT_EQ(*moved->get("c"), *client_->encrypt(Value::string("det"), EncryptOptions::by_id(ids_[5], Algorithm::kDeterministic)));
  auto plain_before = client_->decrypt_document(doc);
  auto plain_after = client_->decrypt_document(*moved);
  ASSERT_TRUE(plain_before && plain_after);
  EXPECT_EQ(*plain_before, *plain_after);
  ASSERT_TRUE(*client_->delete_key(ids_[0]));
  client_->clear_key_cache();
  EXPECT_TRUE(client_->decrypt_document(*moved));
}

}  // namespace
}  // namespace openfle
