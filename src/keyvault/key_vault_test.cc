#include "openfle/key_vault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>

#include "support/temp_dir.h"

namespace openfle {
namespace {

KeyDocument make_key(std::vector<std::string> names = {}, std::string provider = "local") {
  KeyDocument key;
  key.id = Uuid::random_v4();
  key.key_alt_names = std::move(names);
  key.key_material = Bytes(160, 7);
  key.creation_date_ms = key.update_date_ms = 1700000000000;
  key.master_key = MasterKey::local(provider == "local" ? "" : provider);
  return key;
}

struct VaultFactory {
  const char* name;
  std::function<std::shared_ptr<KeyVault>(const testing::TempDir&)> make;
};

void PrintTo(const VaultFactory& f, std::ostream* os) { *os << f.name; }

class KeyVaultTest : public ::testing::TestWithParam<VaultFactory> {
 protected:
  void SetUp() override { vault_ = GetParam().make(dir_); ASSERT_NE(vault_, nullptr); }
  testing::TempDir dir_;
  std::shared_ptr<KeyVault> vault_;
};

TEST_P(KeyVaultTest, InsertAndFindByIdAndAltName) {
  auto a = make_key({"billing"});
  auto b = make_key({"hr", "payroll"});
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a, b}));
  auto by_id = vault_->find(KeyFilter::by_id(a.id));
  ASSERT_TRUE(by_id);
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_EQ((*by_id)[0], a);
  auto by_name = vault_->find(KeyFilter::by_alt_names({"payroll"}));
  ASSERT_TRUE(by_name);
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ((*by_name)[0].id, b.id);
  auto both = vault_->find(KeyFilter::by_ids_or_alt_names({a.id}, {"hr", "billing", "nope"}));
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 2u);
  auto all = vault_->find(KeyFilter::all());
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST_P(KeyVaultTest, DuplicatesAreRefusedAndNothingIsWritten) {
  auto a = make_key({"billing"});
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a}));
  auto c = make_key({"fresh"});
  auto dup_name = make_key({"billing"});
  auto status = vault_->insert(std::vector<KeyDocument>{c, dup_name});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(status.error().message().find("keyAltName 'billing' already exists"), std::string::npos);
  // All or nothing: c was not inserted either.
  EXPECT_TRUE(vault_->find(KeyFilter::by_id(c.id))->empty());
  status = vault_->insert(std::vector<KeyDocument>{a});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("_id " + a.id.to_string() + " already exists"), std::string::npos);
  auto twice = make_key();
  status = vault_->insert(std::vector<KeyDocument>{twice, twice});
  ASSERT_FALSE(status);
  EXPECT_EQ(vault_->find(KeyFilter::all())->size(), 1u);
}

TEST_P(KeyVaultTest, AltNamesAddRemoveReturnPreviousDocument) {
  auto a = make_key({"one"});
  auto b = make_key({"taken"});
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a, b}));
  auto before = vault_->add_key_alt_name(a.id, "two");
  ASSERT_TRUE(before);
  ASSERT_TRUE(before->has_value());
  EXPECT_EQ((*before)->key_alt_names, std::vector<std::string>{"one"});
  EXPECT_EQ((*vault_->find(KeyFilter::by_alt_names({"two"})))[0].id, a.id);
  auto clash = vault_->add_key_alt_name(a.id, "taken");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code(), ErrorCode::kAlreadyExists);
  auto removed = vault_->remove_key_alt_name(a.id, "one");
  ASSERT_TRUE(removed && removed->has_value());
  EXPECT_TRUE(vault_->find(KeyFilter::by_alt_names({"one"}))->empty());
  auto missing = vault_->add_key_alt_name(Uuid::random_v4(), "x");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  // A removed name is free again.
  EXPECT_TRUE(vault_->add_key_alt_name(b.id, "one"));
}

TEST_P(KeyVaultTest, RemoveDeletesKeyAndFreesNames) {
  auto a = make_key({"gone"});
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a}));
  EXPECT_TRUE(*vault_->remove(a.id));
  EXPECT_FALSE(*vault_->remove(a.id));
  EXPECT_TRUE(vault_->insert(std::vector<KeyDocument>{make_key({"gone"})}));
}

TEST_P(KeyVaultTest, UpsertRestoresOverExistingKeys) {
  auto a = make_key({"x"});
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a}));
  auto changed = a;
  changed.key_material = Bytes(160, 9);
  changed.key_alt_names = {"y"};
  auto fresh = make_key({"x"});  // takes the name a gives up in the same batch
  ASSERT_TRUE(vault_->upsert(std::vector<KeyDocument>{changed, fresh}));
  auto got = vault_->find(KeyFilter::by_id(a.id));
  EXPECT_EQ((*got)[0].key_material, Bytes(160, 9));
  EXPECT_EQ((*vault_->find(KeyFilter::by_alt_names({"x"})))[0].id, fresh.id);
}

TEST_P(KeyVaultTest, UpdateWrappingsIsConditionalAndAtomic) {
  auto a = make_key();
  auto b = make_key();
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a, b}));
  WrappingUpdate ua{a.id, a.key_material, MasterKey::local("new"), Bytes(160, 1), 1800000000000};
  WrappingUpdate ub{b.id, Bytes(160, 42), MasterKey::local("new"), Bytes(160, 2), 1800000000000};
  auto conflict = vault_->update_wrappings(std::vector<WrappingUpdate>{ua, ub});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*vault_->find(KeyFilter::by_id(a.id)))[0].key_material, a.key_material);
  ub.expected_key_material = b.key_material;
  auto done = vault_->update_wrappings(std::vector<WrappingUpdate>{ua, ub});
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_EQ(done->updated, 2u);
  auto got = (*vault_->find(KeyFilter::by_id(a.id)))[0];
  EXPECT_EQ(got.key_material, Bytes(160, 1));
  EXPECT_EQ(got.master_key.provider().to_string(), "local:new");
  EXPECT_EQ(got.update_date_ms, 1800000000000);
  EXPECT_EQ(got.creation_date_ms, a.creation_date_ms);
  // Rerunning the same batch finds both already done.
  auto again = vault_->update_wrappings(std::vector<WrappingUpdate>{ua, ub});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->updated, 0u);
  EXPECT_EQ(again->already_current, 2u);
}

TEST_P(KeyVaultTest, GeneralFilters) {
  auto a = make_key({"a"}, "local");
  auto b = make_key({"b"}, "dev");
  ASSERT_TRUE(vault_->insert(std::vector<KeyDocument>{a, b}));
  auto f = KeyFilter::from_json(R"({"masterKey.provider": "local:dev"})");
  ASSERT_TRUE(f);
  auto got = vault_->find(*f);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, b.id);
  f = KeyFilter::from_json(R"({"$or": [{"keyAltNames": "a"}, {"keyAltNames": {"$in": ["b"]}}]})");
  EXPECT_EQ(vault_->find(*f)->size(), 2u);
  f = KeyFilter::from_json(R"({"masterKey.provider": {"$ne": "local"}, "keyAltNames": {"$exists": true}})");
  EXPECT_EQ(vault_->find(*f)->size(), 1u);
  f = KeyFilter::from_json(R"({"creationDate": {"$gte": {"$date": {"$numberLong": "1700000000000"}}}})");
  EXPECT_EQ(vault_->find(*f)->size(), 2u);
  auto bad = KeyFilter::from_json(R"({"keyAltNames": {"$size": 1}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("unsupported operator $size"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Vaults, KeyVaultTest,
    ::testing::Values(
        VaultFactory{"memory", [](const testing::TempDir&) { return make_memory_key_vault(); }},
        VaultFactory{"sqlite",
                     [](const testing::TempDir& dir) {
                       auto v = open_key_vault("sqlite:" + dir.file("sub/keys.db"));
                       return v ? *v : nullptr;
                     }}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(SqliteKeyVault, FileIsPrivateAndPersists) {
  testing::TempDir dir;
  std::string path = dir.file("vault/keys.db");
  auto key = make_key({"kept"});
  {
    auto vault = open_key_vault("sqlite:" + path);
    ASSERT_TRUE(vault) << vault.error().message();
    ASSERT_TRUE((*vault)->insert(std::vector<KeyDocument>{key}));
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto reopened = open_key_vault("sqlite:" + path);
  ASSERT_TRUE(reopened);
  auto got = (*reopened)->find(KeyFilter::by_alt_names({"kept"}));
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0], key);
}

TEST(KeyVaultUri, RejectsUnknownSchemes) {
  auto v = open_key_vault("postgres://x");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("expected sqlite:PATH"), std::string::npos);
}

}  // namespace
}  // namespace openfle
