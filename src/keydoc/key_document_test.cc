#include "openfle/key_document.h"

#include <gtest/gtest.h>

namespace openfle {
namespace {

constexpr char kLocalKey[] = R"({
  "_id": {"$binary": {"base64": "LOCALAAAAAAAAAAAAAAAAA==", "subType": "04"}},
  "keyAltNames": ["local", "billing"],
  "keyMaterial": {"$binary": {"base64": "AAEC", "subType": "00"}},
  "creationDate": {"$date": {"$numberLong": "1553026537755"}},
  "updateDate": {"$date": {"$numberLong": "1553026537755"}},
  "status": {"$numberInt": "1"},
  "masterKey": {"provider": "local"}
})";

TEST(KeyDocument, ParsesAndReEmitsInLibmongocryptOrder) {
  auto key = KeyDocument::from_json(kLocalKey);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->id.to_string().substr(0, 8), "2ce0802c");
  EXPECT_EQ(key->key_alt_names, (std::vector<std::string>{"local", "billing"}));
  EXPECT_EQ(key->creation_date_ms, 1553026537755);
  EXPECT_EQ(key->master_key.kind(), KmsKind::kLocal);
  Document out = key->to_document();
  EXPECT_EQ(out.keys(), (std::vector<std::string>{"_id", "keyAltNames", "keyMaterial", "creationDate",
                                                  "updateDate", "status", "masterKey"}));
  auto again = KeyDocument::from_document(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *key);
  // The status value is kept as it was, whatever it is.
  EXPECT_EQ(out.get("status")->to_json(), R"({ "$numberInt" : "1" })");
}

TEST(KeyDocument, RejectsUnknownAndMistypedFields) {
  struct Case {
    const char* edit;
    const char* expected_message;
  };
  const Case cases[] = {
      {R"("extraField": 1)", "unrecognized field 'extraField' in key document"},
      {R"("version": {"$numberLong": "1"})", "'version' must be 0"},
      {R"("keyAltNames": ["a", "a"])", "keyAltName 'a' twice"},
  };
  for (const auto& c : cases) {
    std::string json = kLocalKey;
    if (std::string(c.edit).rfind("\"keyAltNames\"", 0) == 0) {
      json.replace(json.find("\"keyAltNames\": [\"local\", \"billing\"]"),
                   std::string("\"keyAltNames\": [\"local\", \"billing\"]").size(), c.edit);
    } else {
      json.insert(json.size() - 1, std::string(", ") + c.edit);
    }
    auto key = KeyDocument::from_json(json);
    ASSERT_FALSE(key) << c.edit;
    EXPECT_NE(key.error().message().find(c.expected_message), std::string::npos)
        << key.error().message();
  }
  auto missing = KeyDocument::from_json(R"({"_id": {"$binary": {"base64": "LOCALAAAAAAAAAAAAAAAAA==", "subType": "04"}}})");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("'keyMaterial'"), std::string::npos);
  auto bad_id = KeyDocument::from_json(R"({"_id": "x"})");
  ASSERT_FALSE(bad_id);
  EXPECT_NE(bad_id.error().message().find("'_id' must be a UUID"), std::string::npos);
}

TEST(MasterKey, ParsesEachProviderStrictly) {
  auto aws = MasterKey::from_json(R"({"provider": "aws:prod", "region": "us-east-1", "key": "arn:x", "endpoint": "kms.example.com:443"})");
  ASSERT_TRUE(aws) << aws.error().message();
  EXPECT_EQ(aws->provider().name, "prod");
  EXPECT_EQ(std::get<AwsMasterKey>(aws->fields()).endpoint, "kms.example.com:443");
  EXPECT_EQ(MasterKey::from_document(aws->to_document())->to_document(), aws->to_document());

  auto gcp = MasterKey::from_json(R"({"provider": "gcp", "projectId": "p", "location": "global", "keyRing": "r", "keyName": "k"})");
  ASSERT_TRUE(gcp);
  auto kmip = MasterKey::from_json(R"({"provider": "kmip", "delegated": true})");
  ASSERT_TRUE(kmip);
  EXPECT_EQ(std::get<KmipMasterKey>(kmip->fields()).delegated, true);
  EXPECT_EQ(kmip->to_document().to_json(), R"({ "provider" : "kmip", "delegated" : true })");

  struct Bad {
    const char* json;
    const char* message;
  };
  const Bad bad[] = {
      {R"({"provider": "aws", "region": "us-east-1"})", "requires the field 'key'"},
      {R"({"provider": "aws", "region": "us-east-1", "key": "k", "keyName": "x"})", "unrecognized field 'keyName'"},
      {R"({"provider": "local", "key": "x"})", "unrecognized field 'key'"},
      {R"({"provider": "vault"})", "unrecognized KMS provider 'vault'"},
      {R"({"provider": "aws:bad-name", "region": "r", "key": "k"})", "[a-zA-Z0-9_]+"},
      {R"({"provider": "azure", "keyVaultEndpoint": 1, "keyName": "k"})", "must be a string"},
      {R"({"region": "r"})", "requires the field 'provider'"},
  };
  for (const auto& b : bad) {
    auto mk = MasterKey::from_json(b.json);
    ASSERT_FALSE(mk) << b.json;
    EXPECT_NE(mk.error().message().find(b.message), std::string::npos) << mk.error().message();
  }
}

}  // namespace
}  // namespace openfle
