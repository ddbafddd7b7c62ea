// Fuzzes query analysis, which reads schemas and commands users hand it: the schema parser, the
// command analyzer (over a fixed schema with every kind of encrypted field), mongocryptd's
// protocol, and the placeholder parser. Byte 0 picks the entry point; the rest is BSON.
// Whatever is accepted must be well-formed BSON whose placeholders parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "bson/raw.h"
#include "crypto/fle1_placeholder.h"
#include "openfle/auto_encryption.h"

namespace {

using namespace openfle;

const SchemaMap& fixed_schemas() {
  static const SchemaMap map = *SchemaMap::from_json(R"({"db.coll": {"bsonType": "object",
    "encryptMetadata": {"keyId": [{"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAQ==", "subType": "04"}}]},
    "properties": {
      "d": {"encrypt": {"bsonType": "string", "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"}},
      "r": {"encrypt": {"algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random"}},
      "p": {"encrypt": {"algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random", "keyId": "/k"}},
      "o": {"bsonType": "object", "properties": {"i": {"encrypt": {"bsonType": "int",
            "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic"}}}}},
    "patternProperties": {"^s": {"encrypt": {"algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random"}}}}})");
  return map;
}

bool is_placeholder(const bson::Element& e) {
  return e.type == BsonType::kBinary && e.value.size() > 5 && e.value[4] == 6 && e.value[5] == 0;
}

// Every placeholder in an accepted result must be one libmongocrypt (and openfle) can read.
// (Values the input itself held are copied as they are: `strict` is off when it held any.)
void check_placeholders(ByteView doc, bool strict) {
  bson::ElementReader r(doc);
  while (auto e = r.next()) {
    if (is_placeholder(*e)) {
      if (strict && !crypto::parse_placeholder(e->value.subspan(5))) std::abort();
    } else if (e->type == BsonType::kDocument || e->type == BsonType::kArray) {
      check_placeholders(e->value, strict);
    }
  }
  if (r.malformed()) std::abort();
}

bool holds_placeholder_shapes(ByteView doc) {
  bson::ElementReader r(doc);
  while (auto e = r.next()) {
    if (is_placeholder(*e)) return true;
    if ((e->type == BsonType::kDocument || e->type == BsonType::kArray) && holds_placeholder_shapes(e->value)) {
      return true;
    }
  }
  return false;
}

void check_result(const Document& input, const Document& result) {
  if (!Document::from_bytes(result.bytes())) std::abort();  // analysis must emit valid BSON
  check_placeholders(result.bytes(), !holds_placeholder_shapes(input.bytes()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0] % 4;
  ByteView rest(data + 1, size - 1);
  if (mode == 3) {
    (void)crypto::parse_placeholder(rest);
    return 0;
  }
  auto doc = Document::from_bytes(rest);
  if (!doc) return 0;
  switch (mode) {
    case 0:
      (void)EncryptionSchema::parse(*doc, false);
      (void)EncryptionSchema::parse(*doc, true);
      break;
    case 1:
      if (auto marked = analyze_command("db", *doc, fixed_schemas())) check_result(*doc, marked->result);
      break;
    default:
      if (auto reply = answer_mongocryptd("db", *doc)) check_result(*doc, *reply);
      break;
  }
  return 0;
}
