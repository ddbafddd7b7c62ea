#include "analysis/schema.h"

#include <gtest/gtest.h>

#include "analysis/test_util.h"

namespace openfle::analysis {
namespace {

using testing::expand;

Result<EncryptionSchema> parse(std::string_view json, bool remote = false) {
  return EncryptionSchema::from_json(expand(std::string(json)), remote);
}

struct BadSchema {
  const char* name;
  const char* schema;
  const char* message;  // the whole error message: schema path and MongoDB's text
};

// Each invalid schema is refused with the schema path and MongoDB's message.
const BadSchema kBadSchemas[] = {
    {"encrypt under items",
     R"({"bsonType": "object", "properties": {"a": {"bsonType": "array", "items": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}}})",
     "jsonSchema.properties.a.items: Invalid schema containing the 'encrypt' keyword."},
    {"encrypt under additionalItems",
     R"({"bsonType": "object", "properties": {"a": {"additionalItems": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}}})",
     "jsonSchema.properties.a.additionalItems: Invalid schema containing the 'encrypt' keyword."},
    {"encryptMetadata under anyOf",
     R"({"bsonType": "object", "anyOf": [{"encryptMetadata": {"algorithm": "RANDOM"}}]})",
     "jsonSchema.anyOf.0: Invalid schema containing the 'encryptMetadata' keyword."},
    {"sibling of encrypt",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}, "description": "x"}}})",
     "jsonSchema.properties.a: Invalid schema containing the 'encrypt' keyword, sibling keywords are not allowed as such "
     "restrictions cannot work on an encrypted field."},
    {"encrypt with bsonType beside it",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}, "bsonType": "string"}}})",
     "jsonSchema.properties.a: $jsonSchema keyword 'encrypt' cannot be used in conjunction with 'bsonType', 'encrypt' "
     "implies type 'bsonType::BinData'"},
    {"deterministic with a JSON pointer",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"bsonType": "string", "algorithm": "DET", "keyId": "/name"}}}})",
     "jsonSchema.properties.a: A deterministically encrypted field cannot have a keyId represented by a JSON pointer"},
    {"deterministic without bsonType",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "DET", "keyId": KEY1}}}})",
     "jsonSchema.properties.a: A deterministically encrypted field must have exactly one specified type."},
    {"deterministic with two types",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"bsonType": ["string", "int"], "algorithm": "DET", "keyId": KEY1}}}})",
     "jsonSchema.properties.a: A deterministically encrypted field must have exactly one specified type."},
    {"deterministic double",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"bsonType": "double", "algorithm": "DET", "keyId": KEY1}}}})",
     "jsonSchema.properties.a: Cannot encrypt element of type: double"},
    {"random null",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"bsonType": "null", "algorithm": "RANDOM", "keyId": KEY1}}}})",
     "jsonSchema.properties.a: Cannot encrypt element of type: null"},
    {"required in a local schema",
     R"({"bsonType": "object", "required": ["a"], "properties": {"a": {"bsonType": "string"}}})",
     "jsonSchema: JSON schema keyword 'required' is only allowed with a remote schema"},
    {"minimum in a local schema",
     R"({"bsonType": "object", "properties": {"n": {"bsonType": "int", "minimum": 3}}})",
     "jsonSchema.properties.n: JSON schema keyword 'minimum' is only allowed with a remote schema"},
    {"dependencies",
     R"({"bsonType": "object", "dependencies": {"a": ["b"]}})",
     "jsonSchema: JSON schema keyword 'dependencies' is not supported for client-side encryption"},
    {"unknown keyword", R"({"bsonType": "object", "colour": "red"})", "jsonSchema: Unknown $jsonSchema keyword: colour"},
    {"$ref", R"({"$ref": "#/definitions/a"})", "jsonSchema: $jsonSchema keyword '$ref' is not currently supported"},
    {"root without bsonType object",
     R"({"properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}})",
     "jsonSchema.properties.a: Invalid schema containing the 'encrypt' keyword."},
    {"parent typed object or array",
     R"({"bsonType": "object", "properties": {"a": {"bsonType": ["object", "array"], "properties": {"b": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}}}})",
     "jsonSchema.properties.a.properties.b: Invalid schema containing the 'encrypt' keyword."},
    {"dotted property name",
     R"({"bsonType": "object", "properties": {"a.b": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}})",
     "jsonSchema.properties.a.b: Invalid schema containing the 'encrypt' keyword."},
    {"random _id",
     R"({"bsonType": "object", "properties": {"_id": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}})",
     "jsonSchema.properties._id: Invalid schema containing the 'encrypt' keyword, "
     "AEAD_AES_256_CBC_HMAC_SHA_512-Random encryption algorithm not allowed."},
    {"random pattern matching _id",
     R"({"bsonType": "object", "patternProperties": {"^_": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}})",
     "jsonSchema.patternProperties.^_: Invalid schema containing the 'encrypt' keyword, "
     "AEAD_AES_256_CBC_HMAC_SHA_512-Random encryption algorithm not allowed."},
    {"no algorithm anywhere",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"keyId": KEY1}}}})",
     "jsonSchema.properties.a: Encrypt object combined with encryptMetadata needs to specify an algorithm"},
    {"no keyId anywhere",
     R"({"bsonType": "object", "encryptMetadata": {"algorithm": "RANDOM"}, "properties": {"a": {"encrypt": {}}}})",
     "jsonSchema.properties.a: Encrypt object combined with encryptMetadata needs to specify a keyId"},
    {"bad algorithm",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "AES", "keyId": KEY1}}}})",
     "jsonSchema.properties.a.encrypt: Enumeration value 'AES' for field 'encrypt.algorithm' is not a valid value."},
    {"keyId of the wrong type",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": 7}}}})",
     "jsonSchema.properties.a.encrypt: Expected either string or array of UUID for EncryptSchemaKeyId, found int"},
    {"keyId not a UUID",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": [{"$binary": {"base64": "AA==", "subType": "00"}}]}}}})",
     "jsonSchema.properties.a.encrypt: Array elements must have bindata type UUID, found 0"},
    {"JSON pointer without slash",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": "name"}}}})",
     "jsonSchema.properties.a.encrypt: JSONPointer must start with a '/'"},
    {"unknown encrypt field",
     R"({"bsonType": "object", "properties": {"a": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1, "iv": 1}}}})",
     "jsonSchema.properties.a.encrypt: BSON field 'encrypt.iv' is an unknown field."},
    {"empty encryptMetadata", R"({"bsonType": "object", "encryptMetadata": {}})",
     "jsonSchema: $jsonSchema keyword 'encryptMetadata' cannot be an empty object "},
    {"both type and bsonType", R"({"type": "object", "bsonType": "object"})",
     "jsonSchema: Cannot specify both $jsonSchema keywords 'type' and 'bsonType'"},
    {"unknown bsonType alias", R"({"bsonType": "obj"})", "jsonSchema: Unknown type name alias: obj"},
    {"integer type", R"({"type": "integer"})", "jsonSchema: $jsonSchema type 'integer' is not currently supported."},
};

TEST(Schema, RefusesInvalidSchemasWithPathAndMongoDbMessage) {
  for (const auto& c : kBadSchemas) {
    auto schema = parse(c.schema);
    ASSERT_FALSE(schema) << c.name;
    EXPECT_EQ(schema.error().message(), c.message) << c.name;
    EXPECT_EQ(schema.error().code(), ErrorCode::kInvalidArgument) << c.name;
  }
}

TEST(Schema, RemoteSchemasMayUseValidationKeywords) {
  auto schema = parse(R"({"bsonType": "object", "required": ["ssn"], "properties": {
      "ssn": {"encrypt": {"bsonType": "string", "algorithm": "DET", "keyId": KEY1}},
      "age": {"bsonType": "int", "minimum": 0}}})",
                      /*remote=*/true);
  ASSERT_TRUE(schema) << schema.error().message();
  EXPECT_TRUE(schema->has_encrypted_fields());
  EXPECT_TRUE(schema->is_remote());
}

TEST(Schema, EncryptMetadataIsInheritedFieldByField) {
  auto schema = parse(R"({"bsonType": "object", "encryptMetadata": {"algorithm": "DET", "keyId": KEY1},
      "properties": {
        "a": {"encrypt": {"bsonType": "string"}},
        "b": {"bsonType": "object", "encryptMetadata": {"keyId": KEY2},
              "properties": {"c": {"encrypt": {"bsonType": "int"}},
                             "d": {"encrypt": {"algorithm": "RANDOM"}}}}}})");
  ASSERT_TRUE(schema) << schema.error().message();
  const auto& root = schema->root();
  auto a = lookup(root, FieldPath("a"));
  ASSERT_TRUE(a && a->encrypted());
  EXPECT_EQ(a->metadata->algorithm, Algorithm::kDeterministic);
  EXPECT_EQ(std::get<Uuid>(a->metadata->key_id).to_string(), "00000000-0000-0000-0000-000000000001");
  auto c = lookup(root, FieldPath("b.c"));
  ASSERT_TRUE(c && c->encrypted());
  EXPECT_EQ(c->metadata->algorithm, Algorithm::kDeterministic);
  EXPECT_EQ(std::get<Uuid>(c->metadata->key_id).to_string(), "00000000-0000-0000-0000-000000000002");
  EXPECT_EQ(c->metadata->types_text(), "[ int ]");
  auto d = lookup(root, FieldPath("b.d"));
  ASSERT_TRUE(d && d->encrypted());
  EXPECT_EQ(d->metadata->algorithm, Algorithm::kRandom);
  EXPECT_TRUE(d->metadata->bson_types.empty());  // bsonType is never inherited
  auto plain = lookup(root, FieldPath("b.e"));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->encrypted());
}

TEST(Schema, PathLookupFollowsPatternAndAdditionalProperties) {
  auto schema = parse(R"({"bsonType": "object",
      "properties": {"name": {"bsonType": "string"}, "foobar": {"bsonType": "string"}},
      "patternProperties": {"^secret_": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}},
                            "foo": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}},
      "additionalProperties": {"bsonType": "object", "properties": {"x": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}}})");
  ASSERT_TRUE(schema) << schema.error().message();
  const auto& root = schema->root();
  EXPECT_TRUE(lookup(root, FieldPath("secret_pin"))->encrypted());
  EXPECT_TRUE(lookup(root, FieldPath("a_foo_b"))->encrypted());  // an unanchored search
  EXPECT_FALSE(lookup(root, FieldPath("name"))->encrypted());
  // No properties or pattern entry: additionalProperties applies.
  EXPECT_TRUE(lookup(root, FieldPath("other.x"))->encrypted());
  EXPECT_TRUE(may_contain_encrypted_below(root, FieldPath("other")));
  EXPECT_FALSE(may_contain_encrypted_below(root, FieldPath("name")));
  // properties says plain, a pattern says encrypted: MongoDB's conflict error.
  auto conflict = lookup(root, FieldPath("foobar"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().message(), "Found conflicting encryption metadata for path: 'foobar'");
  // Below an encrypted field.
  auto below = lookup(root, FieldPath("secret_pin.digits"));
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().message(),
            "Invalid operation on path 'secret_pin.digits' which contains an encrypted path prefix.");
}

TEST(Schema, AnEmptySchemaEncryptsNothing) {
  auto schema = parse("{}");
  ASSERT_TRUE(schema);
  EXPECT_FALSE(schema->has_encrypted_fields());
  auto plain = parse(R"({"bsonType": "object", "properties": {"a": {"bsonType": "string"}}})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_encrypted_fields());
}

TEST(SchemaMap, NamesTheNamespaceOfABadSchema) {
  auto map = SchemaMap::from_json(R"({"hr.people": {"bsonType": "object", "required": ["a"]}})");
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().message(),
            "schema for 'hr.people': jsonSchema: JSON schema keyword 'required' is only allowed with a remote schema");
  auto not_ns = SchemaMap::from_json(R"({"people": {}})");
  ASSERT_FALSE(not_ns);
  EXPECT_NE(not_ns.error().message().find("expected \"database.collection\""), std::string::npos);
  auto ok = SchemaMap::from_json(R"({"hr.people": {}, "hr.pets": {}})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->namespaces(), (std::vector<std::string>{"hr.people", "hr.pets"}));
  EXPECT_NE(ok->find("hr.pets"), nullptr);
  EXPECT_EQ(ok->find("hr.cars"), nullptr);
}

TEST(JsonPointer, ParsesEscapesAndResolvesThroughDocumentsAndArrays) {
  auto p = JsonPointer::parse("/a~1b/0/c~0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tokens(), (std::vector<std::string>{"a/b", "0", "c~"}));
  EXPECT_FALSE(JsonPointer::parse("/a~2"));
  EXPECT_FALSE(JsonPointer::parse("a"));
  auto d = testing::doc(R"({"a/b": [{"c~": "key"}]})");
  auto found = p->resolve(d.bytes());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->type, BsonType::kString);
  EXPECT_FALSE(JsonPointer::parse("/missing")->resolve(d.bytes()));
}

}  // namespace
}  // namespace openfle::analysis
