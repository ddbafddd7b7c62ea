// Automatic encryption, conformance with libmongocrypt (Debian's 1.7.2, the test-only oracle).
//
// For each command of a broad table, libmongocrypt runs its automatic-encryption state machine with
// openfle's analyzer answering NEED_MONGO_MARKINGS in mongocryptd's place, and the command it
// finalizes must equal the one openfle's AutoEncrypter produces on its own: byte for byte when
// every value is deterministic; otherwise equal once each ciphertext is replaced by (blob subtype,
// key id, type), and equal after decryption by either side. Both sides use the same schema map;
// keys and values are made at test time.
#include <bson/bson.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "openfle/auto_encryption.h"
#include "openfle/client_encryption.h"
#include "interop/type_cases.h"
#include "support/mongocrypt_oracle.h"

namespace openfle {
namespace {

using testing::kTypes;
using testing::MongocryptOracle;


constexpr const char* kDet = R"("AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic")";
constexpr const char* kRnd = R"("AEAD_AES_256_CBC_HMAC_SHA_512-Random")";

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Schemas: @K1..@K3 are key ids (keys @K4 "alice" and @K5 "bob" are named by the documents of
// "test.pointer"), @DET/@RND the algorithms, @TYPES the properties of every type.
constexpr const char* kSchemaMap = R"({
  "test.people": {"bsonType": "object", "properties": {
      "ssn": {"encrypt": {"bsonType": "string", "algorithm": @DET, "keyId": [@K1]}},
      "age": {"encrypt": {"bsonType": "int", "algorithm": @DET, "keyId": [@K2]}},
      "notes": {"encrypt": {"algorithm": @RND, "keyId": [@K2]}},
      "medical": {"bsonType": "object", "properties": {
          "blood": {"encrypt": {"bsonType": "string", "algorithm": @DET, "keyId": [@K1]}},
          "history": {"encrypt": {"algorithm": @RND, "keyId": [@K3]}}}},
      "card": {"bsonType": "object", "encryptMetadata": {"algorithm": @DET, "keyId": [@K3]}, "properties": {
          "number": {"encrypt": {"bsonType": "string"}},
          "cvv": {"encrypt": {"bsonType": "int", "algorithm": @RND}},
          "issuer": {"encrypt": {"bsonType": "string", "keyId": [@K1]}}}},
      "name": {"bsonType": "string"}},
    "patternProperties": {
      "^secret_": {"encrypt": {"algorithm": @RND, "keyId": [@K2]}},
      "^tag_": {"encrypt": {"bsonType": "string", "algorithm": @DET, "keyId": [@K3]}}}},
  "test.inherit": {"bsonType": "object", "encryptMetadata": {"algorithm": @DET, "keyId": [@K1]}, "properties": {
      "a": {"encrypt": {"bsonType": "string"}},
      "b": {"encrypt": {"bsonType": "long", "keyId": [@K2]}},
      "c": {"bsonType": "object", "encryptMetadata": {"algorithm": @RND}, "properties": {
          "d": {"encrypt": {}},
          "e": {"encrypt": {"bsonType": "string", "algorithm": @DET}}}},
      "f": {"encrypt": {"bsonType": "string", "keyId": [@K3, @K1]}}}},
  "test.pointer": {"bsonType": "object", "properties": {
      "secret": {"encrypt": {"algorithm": @RND, "keyId": "/keyName"}},
      "profile": {"bsonType": "object", "properties": {
          "pin": {"encrypt": {"algorithm": @RND, "keyId": "/profile/keyName"}}}}}},
  "test.types": {"bsonType": "object", "properties": {@TYPES}},
  "test.plain": {"bsonType": "object", "properties": {"name": {"bsonType": "string"}}}
})";

struct Case {
  std::string name;
  std::string command;  // on database "test"
  int ciphertexts;      // how many values are encrypted; kRefused when both must refuse the command
  std::string db = "test";
};
constexpr int kRefused = -1;

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> static_cases() {
  const std::string lsid =
      R"({"id": {"$binary": {"base64": "AAECAwQFBgcICQoLDA0ODw==", "subType": "04"}}})";
  const std::string fake_ciphertext = R"({"$binary": {"base64": "AQIDBA==", "subType": "06"}})";
  return {
      // insert
      {"insert_several_documents_both_algorithms", R"({"insert": "people", "documents": [
          {"_id": 1, "name": "Ada", "ssn": "123-45-6789", "age": 41, "notes": "private",
           "medical": {"blood": "O+", "history": ["flu", {"year": 2001}]},
           "card": {"number": "4111", "cvv": 123, "issuer": "visa"}, "secret_pin": "1234", "tag_x": "t",
           "other": {"nested": true}},
          {"_id": 2, "name": "Bob", "ssn": "987-65-4321"}, {"_id": 3, "name": "Cy"}], "ordered": true})",
       11},
      {"insert_deterministic_only",
       R"({"insert": "people", "documents": [{"_id": 1, "ssn": "1", "age": 41,
          "medical": {"blood": "A"}, "card": {"number": "4111", "issuer": "amex"}, "tag_a": "x"}]})",
       6},
      {"insert_inherited_metadata",
       R"({"insert": "inherit", "documents": [{"a": "x", "b": {"$numberLong": "5"},
          "c": {"d": [1, 2], "e": "y"}, "f": "z"}]})",
       5},
      {"insert_inherited_metadata_deterministic", R"({"insert": "inherit", "documents": [{"a": "x",
          "b": {"$numberLong": "5"}, "c": {"e": "y"}, "f": "z"}]})",
       4},
      {"insert_json_pointer_key_alt_names", R"({"insert": "pointer", "documents": [
          {"keyName": "alice", "secret": "s1", "profile": {"keyName": "bob", "pin": 1234}},
          {"keyName": "bob", "secret": {"x": 1}}]})",
       3},
      {"insert_namespace_without_schema", R"({"insert": "other", "documents": [{"ssn": "1"}]})", 0},
      {"insert_schema_without_encrypted_fields",
       R"({"insert": "plain", "documents": [{"name": "x"}]})", 0},
      {"insert_nothing_encrypted",
       R"({"insert": "people", "documents": [{"name": "x", "other": 1}], "$db": "test"})", 0},
      {"insert_with_db_lsid_txn_write_concern",
       R"({"insert": "people", "$db": "test", "documents": [{"ssn": "1"}],
          "lsid": )" +
           lsid + R"(, "txnNumber": {"$numberLong": "7"}, "writeConcern": {"w": "majority"}})",
       1},
      {"insert_with_options", R"({"insert": "people", "documents": [{"ssn": "1"}], "ordered": false,
          "bypassDocumentValidation": true, "comment": {"x": 1}, "maxTimeMS": 5})",
       1},
      {"insert_ciphertext_into_plain_field",
       R"({"insert": "people", "documents": [{"name": )" + fake_ciphertext + R"(, "ssn": "1"}]})",
       1},
      {"insert_ciphertext_into_encrypted_field_refused",
       R"({"insert": "people", "documents": [{"ssn": )" + fake_ciphertext + "}]}", kRefused},
      {"insert_array_over_encrypted_prefix_refused",
       R"({"insert": "people", "documents": [{"medical": [{"blood": "A"}]}]})", kRefused},
      {"insert_timestamp_zero_refused", R"({"insert": "people", "documents": [{"ssn": "1",
          "tag_a": {"$timestamp": {"t": 0, "i": 0}}}]})",
       kRefused},
      {"insert_pointer_to_missing_field_refused",
       R"({"insert": "pointer", "documents": [{"profile": {"pin": 1}}]})", kRefused},
      {"insert_pointer_to_unknown_key_alt_name_refused",
       R"({"insert": "pointer", "documents": [{"keyName": "nobody",
          "secret": "x"}]})",
       kRefused},
      // find
      {"find_implicit_equality", R"({"find": "people", "filter": {"ssn": "123-45-6789"}})", 1},
      {"find_eq", R"({"find": "people", "filter": {"ssn": {"$eq": "123-45-6789"}}})", 1},
      {"find_encrypted_and_plain_fields",
       R"({"find": "people", "filter": {"ssn": "1", "name": "Ada"}})", 1},
      {"find_ne", R"({"find": "people", "filter": {"age": {"$ne": 41}}})", 1},
      {"find_in", R"({"find": "people", "filter": {"ssn": {"$in": ["1", "2", "3"]}}})", 3},
      {"find_in_with_duplicates",
       R"({"find": "people", "filter": {"ssn": {"$in": ["1", "1", "2"]}}})", 3},
      {"find_nin", R"({"find": "people", "filter": {"ssn": {"$nin": ["1", "2"]}}})", 2},
      {"find_logical_operators", R"({"find": "people", "filter": {"$and": [{"ssn": "1"},
          {"$or": [{"age": 1}, {"medical.blood": "O+"}]}], "$nor": [{"tag_a": "t"}],
          "card.number": {"$not": {"$eq": "4111"}}}})",
       5},
      {"find_exists_on_random_only", R"({"find": "people", "filter": {"notes": {"$exists": true},
          "medical.history": {"$exists": false}}})",
       0},
      {"find_exists_on_random_and_equality",
       R"({"find": "people", "filter": {"notes": {"$exists": true},
          "ssn": "1"}})",
       1},
      {"find_nested_object_equality",
       R"({"find": "people", "filter": {"medical": {"blood": "O+"}}})", 1},
      {"find_nested_object_two_fields",
       R"({"find": "people", "filter": {"card": {"number": "4111", "issuer": "visa"}}})", 2},
      {"find_in_of_objects_over_encrypted_fields",
       R"({"find": "people", "filter": {"card": {"$in": [
          {"number": "1"}, {"number": "2", "issuer": "v"}]}}})",
       3},
      {"find_dotted_path", R"({"find": "people", "filter": {"medical.blood": "AB-"}})", 1},
      {"find_pattern_property", R"({"find": "people", "filter": {"tag_color": "red"}})", 1},
      {"find_plain_operators_beside_equality",
       R"({"find": "people", "filter": {"name": {"$regex": "^A"},
          "tags": {"$elemMatch": {"$eq": "x"}}, "ssn": "1"}})",
       1},
      {"find_projection_eq_expression", R"({"find": "people", "filter": {},
          "projection": {"isFake": {"$eq": ["$ssn", "000-00-0000"]}, "name": 1}})",
       1},
      {"find_with_options_db_lsid_read_concern",
       R"({"find": "people", "filter": {"ssn": "1"}, "sort": {"name": 1},
          "skip": 1, "limit": 5, "batchSize": 10, "$db": "test", "readConcern": {"level": "majority"},
          "lsid": )" +
           lsid + R"(})",
       1},
      {"find_in_transaction",
       R"({"find": "people", "filter": {"ssn": "1"}, "txnNumber": {"$numberLong": "1"},
          "startTransaction": true, "autocommit": false, "$clusterTime": {"clusterTime": {"$timestamp": {"t": 1, "i": 1}}},
          "$readPreference": {"mode": "primary"}, "apiVersion": "1", "apiStrict": true})",
       1},
      {"find_simple_collation",
       R"({"find": "people", "filter": {"ssn": "1"}, "collation": {"locale": "simple"}})", 1},
      {"find_nothing_encrypted", R"({"find": "people", "filter": {"name": "Ada"}, "$db": "test"})",
       0},
      {"find_namespace_without_schema", R"({"find": "other", "filter": {"ssn": "1"}})", 0},
      {"find_other_database_same_collection", R"({"find": "people", "filter": {"ssn": "1"}})", 0,
       "other"},
      {"find_schema_with_pointer_plain_field",
       R"({"find": "pointer", "filter": {"keyName": "alice"}})", 0},
      {"find_inherited_metadata",
       R"({"find": "inherit", "filter": {"a": "x", "b": {"$numberLong": "3"},
          "c.e": "y", "f": "z"}})",
       4},
      {"find_on_random_field_refused", R"({"find": "people", "filter": {"notes": "x"}})", kRefused},
      {"find_range_on_encrypted_refused", R"({"find": "people", "filter": {"age": {"$gt": 1}}})",
       kRefused},
      {"find_regex_on_encrypted_refused",
       R"({"find": "people", "filter": {"ssn": {"$regex": "^A"}}})", kRefused},
      {"find_non_simple_collation_refused",
       R"({"find": "people", "filter": {"ssn": "1"}, "collation": {"locale": "fr"}})", kRefused},
      {"find_empty_collection_name_refused", R"({"find": "", "filter": {"ssn": "1"}})", kRefused},
      // count, distinct
      {"count", R"({"count": "people", "query": {"ssn": "1", "age": {"$in": [1, 2]}}})", 3},
      {"count_without_query", R"({"count": "people"})", 0},
      {"distinct_with_query",
       R"({"distinct": "people", "key": "ssn", "query": {"medical.blood": "O+"}})", 1},
      {"distinct_plain_key", R"({"distinct": "people", "key": "name", "query": {"ssn": "1"}})", 1},
      {"distinct_without_query", R"({"distinct": "people", "key": "ssn"})", 0},
      {"distinct_random_key_refused", R"({"distinct": "people", "key": "notes"})", kRefused},
      // update
      {"update_set_encrypted_fields", R"({"update": "people", "updates": [{"q": {"ssn": "1"},
          "u": {"$set": {"age": 42, "medical.blood": "B"}}}]})",
       3},
      {"update_set_prefix_object", R"({"update": "people", "updates": [{"q": {"name": "x"},
          "u": {"$set": {"medical": {"blood": "AB", "history": "h"}}}}]})",
       2},
      {"update_set_prefix_object_inherited", R"({"update": "people", "updates": [{"q": {},
          "u": {"$set": {"card": {"number": "1", "cvv": 2, "issuer": "x", "extra": 3}}}}]})",
       3},
      {"update_set_random_field", R"({"update": "people", "updates": [{"q": {"name": "x"},
          "u": {"$set": {"notes": "new", "secret_code": 7}}}]})",
       2},
      {"update_set_on_insert", R"({"update": "people", "updates": [{"q": {"name": "x"},
          "u": {"$setOnInsert": {"ssn": "x"}}, "upsert": true}]})",
       1},
      {"update_unset",
       R"({"update": "people", "updates": [{"q": {"ssn": "1"}, "u": {"$unset": {"ssn": "", "notes": ""}}}]})",
       1},
      {"update_unset_only",
       R"({"update": "people", "updates": [{"q": {"name": "a"}, "u": {"$unset": {"ssn": ""}}}]})",
       0},
      {"update_rename",
       R"({"update": "people", "updates": [{"q": {"ssn": "1"}, "u": {"$rename": {"name": "fullName"}}}]})",
       1},
      {"update_replacement", R"({"update": "people", "updates": [{"q": {"_id": 1},
          "u": {"name": "Z", "ssn": "9", "card": {"number": "1", "cvv": 1}}}]})",
       3},
      {"update_upsert_and_multi", R"({"update": "people", "updates": [
          {"q": {"ssn": "1"}, "u": {"$set": {"tag_z": "q"}}, "upsert": true},
          {"q": {"age": 5}, "u": {"$set": {"name": "n"}}, "multi": true}],
          "ordered": false, "writeConcern": {"w": 1}})",
       3},
      {"update_statement_options",
       R"({"update": "people", "updates": [{"q": {"ssn": "1"}, "u": {"$set": {"name": "x"}},
          "collation": {"locale": "simple"}, "hint": {"name": 1}, "arrayFilters": []}],
          "bypassDocumentValidation": true, "comment": "c"})",
       1},
      {"update_inc_on_encrypted_refused",
       R"({"update": "people", "updates": [{"q": {}, "u": {"$inc": {"age": 1}}}]})", kRefused},
      // delete
      {"delete", R"({"delete": "people", "deletes": [{"q": {"ssn": "1"}, "limit": 1},
          {"q": {"card.number": {"$in": ["1", "2"]}}, "limit": 0}]})",
       3},
      {"delete_nothing_encrypted",
       R"({"delete": "people", "deletes": [{"q": {"name": "x"}, "limit": 1}, {"q": {}, "limit": 0}]})",
       0},
      // findAndModify
      {"find_and_modify_query_and_update", R"({"findAndModify": "people", "query": {"ssn": "1"},
          "update": {"$set": {"notes": "n", "age": 1}}, "new": true})",
       3},
      {"find_and_modify_replacement_upsert", R"({"findAndModify": "people", "query": {"ssn": "2"},
          "update": {"_id": 5, "ssn": "2", "name": "n"}, "upsert": true})",
       2},
      {"find_and_modify_remove",
       R"({"findAndModify": "people", "query": {"ssn": "3"}, "remove": true})", 1},
      // aggregate
      {"aggregate_match",
       R"({"aggregate": "people", "pipeline": [{"$match": {"ssn": "1"}}], "cursor": {}})", 1},
      {"aggregate_project",
       R"({"aggregate": "people", "pipeline": [{"$match": {"age": {"$in": [1, 2]}}},
          {"$project": {"ssn": 1, "name": 1, "isX": {"$eq": ["$ssn", "x"]}}}], "cursor": {}})",
       3},
      {"aggregate_project_exclusion",
       R"({"aggregate": "people", "pipeline": [{"$project": {"notes": 0}},
          {"$match": {"ssn": "1"}}], "cursor": {}})",
       1},
      {"aggregate_add_fields", R"({"aggregate": "people", "pipeline": [
          {"$addFields": {"same": {"$eq": ["$age", 5]}, "copy": "$ssn"}}, {"$match": {"copy": "1"}}], "cursor": {}})",
       2},
      {"aggregate_replace_root", R"({"aggregate": "people", "pipeline": [{"$match": {"ssn": "1"}},
          {"$replaceRoot": {"newRoot": "$medical"}}, {"$match": {"blood": "A"}}], "cursor": {}})",
       2},
      {"aggregate_group_on_deterministic", R"({"aggregate": "people", "pipeline": [
          {"$group": {"_id": "$ssn", "n": {"$sum": 1}}}, {"$match": {"_id": "1"}}], "cursor": {}})",
       1},
      {"aggregate_sort_skip_limit",
       R"({"aggregate": "people", "pipeline": [{"$match": {"ssn": "1"}},
          {"$sort": {"name": 1}}, {"$skip": 1}, {"$limit": 2}], "cursor": {"batchSize": 5}})",
       1},
      {"aggregate_lookup_on_itself",
       R"({"aggregate": "people", "pipeline": [{"$match": {"ssn": "1"}},
          {"$lookup": {"from": "people", "localField": "ssn", "foreignField": "ssn", "as": "same"}}], "cursor": {}})",
       1},
      {"aggregate_count",
       R"({"aggregate": "people", "pipeline": [{"$match": {"card.number": "4111"}},
          {"$count": "n"}], "cursor": {}})",
       1},
      {"aggregate_unwind", R"({"aggregate": "people", "pipeline": [{"$match": {"ssn": "1"}},
          {"$unwind": "$tags"}], "cursor": {}})",
       1},
      {"aggregate_expr_eq",
       R"({"aggregate": "people", "pipeline": [{"$match": {"$expr": {"$eq": ["$ssn", "1"]}}}],
          "cursor": {}})",
       1},
      {"aggregate_expr_in",
       R"({"aggregate": "people", "pipeline": [{"$match": {"$expr": {"$in": ["$ssn", ["1", "2"]]}}}],
          "cursor": {}})",
       2},
      {"aggregate_with_db_lsid_read_concern",
       R"({"aggregate": "people", "pipeline": [{"$match": {"tag_q": "1"}}],
          "cursor": {}, "readConcern": {"level": "local"}, "lsid": )" +
           lsid + R"(, "$db": "test"})",
       1},
      {"aggregate_nothing_encrypted",
       R"({"aggregate": "people", "pipeline": [{"$match": {"name": "x"}}], "cursor": {}})", 0},
      {"aggregate_namespace_without_schema",
       R"({"aggregate": "other", "pipeline": [{"$match": {"a": 1}}], "cursor": {}})", 0},
      {"aggregate_out_refused",
       R"({"aggregate": "people", "pipeline": [{"$out": "elsewhere"}], "cursor": {}})", kRefused},
      {"aggregate_group_on_random_refused",
       R"({"aggregate": "people", "pipeline": [{"$group": {"_id": "$notes"}}],
          "cursor": {}})",
       kRefused},
      {"aggregate_unwind_random_refused",
       R"({"aggregate": "people", "pipeline": [{"$unwind": "$notes"}], "cursor": {}})", kRefused},
      {"aggregate_sort_on_encrypted_refused",
       R"({"aggregate": "people", "pipeline": [{"$sort": {"ssn": 1}}], "cursor": {}})", kRefused},
      {"aggregate_lookup_other_collection_refused",
       R"({"aggregate": "people", "pipeline": [{"$lookup": {"from": "inherit",
          "localField": "ssn", "foreignField": "a", "as": "x"}}], "cursor": {}})",
       kRefused},
      {"aggregate_database_level_refused", R"({"aggregate": 1, "pipeline": [], "cursor": {}})",
       kRefused},
      // explain
      {"explain_find",
       R"({"explain": {"find": "people", "filter": {"ssn": "1"}}, "verbosity": "queryPlanner"})",
       1},
      {"explain_aggregate",
       R"({"explain": {"aggregate": "people", "pipeline": [{"$match": {"age": 1}}], "cursor": {}},
          "verbosity": "executionStats"})",
       1},
      {"explain_count_without_verbosity",
       R"({"explain": {"count": "people", "query": {"ssn": "1"}}})", 1},
      {"explain_distinct",
       R"({"explain": {"distinct": "people", "key": "name", "query": {"age": 3}}})", 1},
      {"explain_update", R"({"explain": {"update": "people", "updates": [{"q": {"ssn": "1"},
          "u": {"$set": {"notes": "n"}}}]}, "verbosity": "queryPlanner"})",
       2},
      {"explain_delete",
       R"({"explain": {"delete": "people", "deletes": [{"q": {"ssn": "1"}, "limit": 1}]}})", 1},
      {"explain_find_and_modify",
       R"({"explain": {"findAndModify": "people", "query": {"ssn": "1"}, "remove": true}})", 1},
      {"explain_find_with_db",
       R"({"explain": {"find": "people", "filter": {"ssn": "1"}}, "verbosity": "queryPlanner",
          "$db": "test"})",
       1},
      {"explain_find_with_inner_db",
       R"({"explain": {"find": "people", "filter": {"ssn": "1"}, "$db": "test"},
          "verbosity": "queryPlanner"})",
       1},
      {"explain_find_with_both_db",
       R"({"explain": {"find": "people", "filter": {"ssn": "1"}, "$db": "test"},
          "$db": "test"})",
       1},
      {"explain_namespace_without_schema",
       R"({"explain": {"find": "other", "filter": {"ssn": "1"}}})", 0},
      {"explain_mismatched_inner_db_refused",
       R"({"explain": {"find": "people", "filter": {"ssn": "1"}, "$db": "other"},
          "verbosity": "queryPlanner"})",
       kRefused},
      // create, collMod, createIndexes (analysed by a mongocryptd of wire version 17)
      {"create_with_json_schema_validator",
       R"({"create": "people", "validator": {"$jsonSchema": {"bsonType": "object"}}})", 0},
      {"create_without_schema", R"({"create": "newcoll"})", 0},
      {"create_indexes",
       R"({"createIndexes": "people", "indexes": [{"key": {"name": 1}, "name": "n"}]})", 0},
      {"coll_mod_plain_validator",
       R"({"collMod": "people", "validator": {"name": {"$exists": true}}})", 0},
      {"create_validator_on_encrypted_field_refused",
       R"({"create": "people", "validator": {"ssn": "x"}})", kRefused},
      {"create_view_refused", R"({"create": "people", "viewOn": "x", "pipeline": []})", kRefused},
      {"coll_mod_validator_on_encrypted_field_refused",
       R"({"collMod": "people", "validator": {"ssn": "x"}})", kRefused},
      {"create_indexes_partial_filter_on_encrypted_refused",
       R"({"createIndexes": "people", "indexes": [{"key": {"ssn": 1},
          "name": "s", "partialFilterExpression": {"ssn": "x"}}]})",
       kRefused},
      // bypassed (sent as given, no query analysis) and unsupported
      {"bypassed_ping", R"({"ping": 1})", 0},
      {"bypassed_get_more", R"({"getMore": {"$numberLong": "123"}, "collection": "people"})", 0},
      {"bypassed_kill_cursors", R"({"killCursors": "people", "cursors": [{"$numberLong": "123"}]})",
       0},
      {"bypassed_hello_with_db", R"({"hello": 1, "$db": "admin"})", 0, "admin"},
      {"bypassed_ismaster_lower_case", R"({"ismaster": 1})", 0},
      {"bypassed_ismaster_upper_case", R"({"ISMASTER": 1})", 0},
      {"bypassed_drop", R"({"drop": "people"})", 0},
      {"bypassed_list_collections", R"({"listCollections": 1})", 0},
      {"bypassed_rename_collection", R"({"renameCollection": "test.people", "to": "test.p2"})", 0,
       "admin"},
      {"bypassed_build_info", R"({"buildInfo": 1})", 0},
      {"bypassed_get_log", R"({"getLog": "global"})", 0},
      {"bypassed_get_cmd_line_opts", R"({"getCmdLineOpts": 1})", 0},
      {"bypassed_abort_transaction",
       R"({"abortTransaction": 1, "txnNumber": {"$numberLong": "1"}})", 0, "admin"},
      {"bypassed_commit_transaction",
       R"({"commitTransaction": 1, "txnNumber": {"$numberLong": "1"}})", 0, "admin"},
      {"unsupported_map_reduce", R"({"mapReduce": "people", "map": {"$code": "function(){}"},
          "reduce": {"$code": "function(k,v){}"}, "out": {"inline": 1}})",
       kRefused},
      {"unsupported_db_stats", R"({"dbStats": 1})", kRefused},
      {"unsupported_bulk_write", R"({"bulkWrite": 1, "ops": [], "nsInfo": []})", kRefused},
      {"unsupported_unknown_command", R"({"fooBar": "people"})", kRefused},
      {"unsupported_server_status", R"({"serverStatus": 1})", kRefused},
      {"unsupported_lower_case_findandmodify",
       R"({"findandmodify": "people", "query": {"ssn": "1"}, "update": {"$set": {"name": "x"}}})", kRefused},
      {"unsupported_explain_of_explain", R"({"explain": {"explain": {"find": "people"}}})", kRefused},
      {"unsupported_explain_of_ping", R"({"explain": {"ping": 1}})", kRefused},
  };
}

// Cases over "test.types": every type, inserted and queried.
std::vector<Case> type_cases() {
  std::string det_doc, rnd_doc, det_query;
  int det = 0, rnd = 0;
  for (const auto& t : kTypes) {
    const std::string sep = rnd == 0 ? "" : ", ";
    rnd_doc += sep + "\"r_" + t.name + "\": " + t.json;
    ++rnd;
    if (!t.deterministic_allowed) continue;
    const std::string dsep = det == 0 ? "" : ", ";
    det_doc += dsep + "\"d_" + t.name + "\": " + t.json;
    det_query += dsep + "{\"d_" + t.name + "\": {\"$eq\": " + t.json + "}}";
    ++det;
  }
  return {
      {"insert_every_deterministic_type",
       R"({"insert": "types", "documents": [{"_id": 1, )" + det_doc + "}]}", det},
      {"insert_every_random_type",
       R"({"insert": "types", "documents": [{"_id": 1, )" + rnd_doc + "}]}", rnd},
      {"find_every_deterministic_type",
       R"({"find": "types", "filter": {"$or": [)" + det_query + "]}}", det},
  };
}

std::vector<Case> all_cases() {
  auto cases = static_cases();
  for (auto& c : type_cases()) cases.push_back(std::move(c));
  return cases;
}

std::string hex(const std::uint8_t* data, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

struct Shape {
  Document tokens;  // the document with every ciphertext replaced by a token string
  int ciphertexts = 0;
  int random = 0;
  int placeholders = 0;
};

// Copies `it` into `out`, replacing each FLE1 ciphertext by "fle1(blob, key id, type)".
void tokenize(bson_iter_t* it, bson_t* out, Shape& shape) {
  while (bson_iter_next(it)) {
    const char* key = bson_iter_key(it);
    if (BSON_ITER_HOLDS_DOCUMENT(it) || BSON_ITER_HOLDS_ARRAY(it)) {
      const bool array = BSON_ITER_HOLDS_ARRAY(it);
      bson_t child;
      bson_iter_t sub;
      bson_iter_recurse(it, &sub);
      if (array) {
        bson_append_array_begin(out, key, -1, &child);
      } else {
        bson_append_document_begin(out, key, -1, &child);
      }
      tokenize(&sub, &child, shape);
      if (array) {
        bson_append_array_end(out, &child);
      } else {
        bson_append_document_end(out, &child);
      }
      continue;
    }
    if (BSON_ITER_HOLDS_BINARY(it)) {
      bson_subtype_t subtype;
      std::uint32_t len = 0;
      const std::uint8_t* data = nullptr;
      bson_iter_binary(it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_ENCRYPTED && len > 0 && data[0] == 0) ++shape.placeholders;
      if (subtype == BSON_SUBTYPE_ENCRYPTED && len >= 18 && (data[0] == 1 || data[0] == 2)) {
        ++shape.ciphertexts;
        if (data[0] == 2) ++shape.random;
        const std::string token = "fle1(blob " + std::to_string(data[0]) + ", key " +
                                  hex(data + 1, 16) + ", type " + std::to_string(data[17]) + ")";
        bson_append_utf8(out, key, -1, token.c_str(), -1);
        continue;
      }
    }
    bson_append_iter(out, key, -1, it);
  }
}

Shape shape_of(const Document& doc) {
  Shape shape;
  bson_t in;
  bson_init_static(&in, doc.bytes().data(), doc.bytes().size());
  bson_iter_t it;
  bson_iter_init(&it, &in);
  bson_t out = BSON_INITIALIZER;
  tokenize(&it, &out, shape);
  auto tokens = Document::from_bytes(ByteView(bson_get_data(&out), out.len));
  bson_destroy(&out);
  EXPECT_TRUE(tokens) << tokens.error().message();
  if (tokens) shape.tokens = *tokens;
  return shape;
}

std::string json(const Document& d) { return d.to_json(JsonMode::kRelaxed); }

Document parse(const std::string& text) {
  auto doc = Document::from_json(text);
  EXPECT_TRUE(doc) << doc.error().message() << "\n" << text;
  return doc ? *doc : Document();
}

// One set of keys, schemas, an openfle client and encrypter, and libmongocrypt, for the suite.
struct World {
  SecretBytes master_key = SecretBytes::random(96);
  std::shared_ptr<ClientEncryption> client;
  std::unique_ptr<AutoEncrypter> encrypter;
  std::unique_ptr<MongocryptOracle> oracle;
  std::string db = "test";         // the database of the command libmongocrypt is encrypting
  std::vector<Document> requests;  // what libmongocrypt sent to "mongocryptd"
};

class AutoInteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_ = make_world(); }
  static void TearDownTestSuite() { world_.reset(); }

  static std::unique_ptr<World> make_world() {
    auto world = std::make_unique<World>();
    ClientEncryptionOptions options;
    options.key_vault = make_memory_key_vault();
    auto local = make_local_kms_provider(world->master_key.clone());
    if (!local) return nullptr;
    options.kms_providers.add(*local);
    auto client = ClientEncryption::create(std::move(options));
    if (!client) return nullptr;
    world->client = std::move(*client);

    std::string types;
    for (const auto& t : kTypes) {
      if (!types.empty()) types += ", ";
      types +=
          "\"r_" + std::string(t.name) + R"(": {"encrypt": {"algorithm": @RND, "keyId": [@K2]}})";
      if (!t.deterministic_allowed) continue;
      const std::string alias(bson_type_name(Value::from_json(t.json)->type()));
      types += ", \"d_" + std::string(t.name) + R"(": {"encrypt": {"bsonType": ")" + alias +
               R"(", "algorithm": @DET, "keyId": [@K1]}})";
    }
    std::string schemas = kSchemaMap;
    replace_all(schemas, "@TYPES", types);
    replace_all(schemas, "@DET", kDet);
    replace_all(schemas, "@RND", kRnd);
    const std::vector<std::pair<std::string, std::vector<std::string>>> keys = {
        {"@K1", {}}, {"@K2", {}}, {"@K3", {"third"}}, {"@K4", {"alice"}}, {"@K5", {"bob"}}};
    std::vector<Document> key_documents;
    for (const auto& [placeholder, names] : keys) {
      DataKeyOptions key_options;
      key_options.key_alt_names = names;
      auto id = world->client->create_data_key("local", std::move(key_options));
      if (!id) return nullptr;
      key_documents.push_back((*world->client->get_key(*id))->to_document());
      replace_all(schemas, placeholder, Value::binary(4, id->bytes()).to_json());
    }
    auto map_document = Document::from_json(schemas);
    if (!map_document) {
      ADD_FAILURE() << map_document.error().message() << "\n" << schemas;
      return nullptr;
    }
    auto map = SchemaMap::from_document(*map_document);
    if (!map) {
      ADD_FAILURE() << map.error().message();
      return nullptr;
    }
    AutoEncryptionOptions auto_options;
    auto_options.schema_map = std::move(*map);
    auto encrypter = AutoEncrypter::create(world->client, std::move(auto_options));
    if (!encrypter) return nullptr;
    world->encrypter = std::move(*encrypter);

    Document providers =
        Document::Builder()
            .append("local", Document::Builder()
                                 .append("key", Value::binary(0, world->master_key.expose()))
                                 .build())
            .build();
    auto oracle = MongocryptOracle::create(providers, *map_document);
    if (!oracle) {
      ADD_FAILURE() << oracle.error().message();
      return nullptr;
    }
    world->oracle = std::move(*oracle);
    for (const auto& k : key_documents) world->oracle->add_key(k);
    World* w = world.get();
    w->oracle->set_markings_handler([w](const Document& command) -> Result<Document> {
      w->requests.push_back(command);
      // libmongocrypt 1.7.2 also asks "mongocryptd" for isMaster before create / createIndexes, to
      // learn whether it analyses them (maxWireVersion >= 17); answer_mongocryptd answers that too.
      auto reply = answer_mongocryptd(w->db, command);
      if (reply) return reply;
      // mongocryptd's error reply, for libmongocrypt to report.
      return parse(R"({"ok": 0, "errmsg": )" + Value::string(reply.error().message()).to_json() +
                   R"(, "code": 51000, "codeName": "Location51000"})");
    });
    return world;
  }

  void SetUp() override {
    ASSERT_NE(world_, nullptr) << "the suite's keys, schemas or libmongocrypt failed to set up";
  }

  static std::unique_ptr<World> world_;
};
std::unique_ptr<World> AutoInteropTest::world_;

class AutoCommandTest : public AutoInteropTest, public ::testing::WithParamInterface<Case> {};

TEST_P(AutoCommandTest, LibmongocryptFinalizesWhatOpenfleProduces) {
  const Case& c = GetParam();
  const Document command = parse(c.command);
  world_->db = c.db;
  world_->requests.clear();
  auto ours = world_->encrypter->encrypt_command(c.db, command);
  auto theirs = world_->oracle->encrypt_command(c.db, command);
  // What libmongocrypt asked "mongocryptd": the command without "$db", then jsonSchema and
  // isRemoteSchema; bypassed commands are not analysed at all.
  for (const auto& request : world_->requests) {
    const auto keys = request.keys();
    if (keys.front() == "isMaster") continue;
    ASSERT_GE(keys.size(), 3U) << json(request);
    EXPECT_EQ(keys[keys.size() - 2], "jsonSchema") << json(request);
    EXPECT_EQ(keys.back(), "isRemoteSchema") << json(request);
    EXPECT_EQ(std::count(keys.begin(), keys.end(), "$db"), 0) << json(request);
  }
  if (c.name.starts_with("bypassed_")) {
    EXPECT_TRUE(world_->requests.empty()) << "a bypassed command was sent to query analysis";
  } else if (c.ciphertexts != kRefused) {
    EXPECT_FALSE(world_->requests.empty()) << "libmongocrypt did not ask for query analysis";
  }
  if (c.ciphertexts == kRefused) {
    ASSERT_FALSE(ours) << "openfle accepted: " << json(*ours);
    ASSERT_FALSE(theirs) << "libmongocrypt accepted: " << json(*theirs);
    const std::string& our_message = ours.error().message();
    const std::string& their_message = theirs.error().message();
    if (world_->requests.empty()) {
      // Refused by libmongocrypt itself, before query analysis: the same message.
      EXPECT_TRUE(their_message.ends_with(": " + our_message)) << our_message << "\n"
                                                               << their_message;
    } else if (!world_->encrypter->analyze(c.db, command)) {
      // Refused by query analysis: libmongocrypt 1.7.2 does not read "ok" in mongocryptd's error
      // reply, it only finds no "result" there.
      EXPECT_NE(their_message.find("malformed marking, no 'result'"), std::string::npos)
          << their_message;
    }
    return;
  }
  ASSERT_TRUE(ours) << "openfle: " << ours.error().message();
  ASSERT_TRUE(theirs) << "libmongocrypt: " << theirs.error().message();
  const Shape our_shape = shape_of(*ours);
  const Shape their_shape = shape_of(*theirs);
  EXPECT_EQ(our_shape.placeholders, 0) << json(*ours);
  EXPECT_EQ(their_shape.placeholders, 0) << json(*theirs);
  EXPECT_EQ(our_shape.ciphertexts, c.ciphertexts) << json(*ours);
  if (c.ciphertexts == 0) {
    EXPECT_EQ(*ours, command) << "nothing to encrypt: the command goes out as given\n"
                              << json(*ours);
    EXPECT_EQ(*theirs, command) << json(*theirs);
    return;
  }
  if (our_shape.random == 0) {
    ASSERT_EQ(*ours, *theirs) << "openfle:       " << json(*ours)
                              << "\nlibmongocrypt: " << json(*theirs);
    return;
  }
  // Random ciphertexts differ by their IV: compare structure, keys and types, then the plaintexts.
  EXPECT_EQ(our_shape.tokens, their_shape.tokens)
      << "openfle:       " << json(our_shape.tokens)
      << "\nlibmongocrypt: " << json(their_shape.tokens);
  auto ours_clear = world_->client->decrypt_document(*ours);
  auto theirs_clear = world_->client->decrypt_document(*theirs);
  auto ours_by_them = world_->oracle->decrypt_document(*ours);
  ASSERT_TRUE(ours_clear && theirs_clear && ours_by_them);
  EXPECT_EQ(*ours_clear, *theirs_clear) << json(*ours_clear) << "\n" << json(*theirs_clear);
  EXPECT_EQ(*ours_by_them, *ours_clear) << json(*ours_by_them) << "\n" << json(*ours_clear);
  EXPECT_EQ(shape_of(*ours_clear).ciphertexts, 0);
}

INSTANTIATE_TEST_SUITE_P(AutoConformance, AutoCommandTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return param.param.name;
                         });

// A server reply holding encrypted documents reads the same through openfle's decrypt_reply and
// libmongocrypt's decryption, whichever side encrypted them.
TEST_F(AutoInteropTest, DecryptReplyMatchesLibmongocrypt) {
  const std::string documents = R"([
      {"_id": 1, "name": "Ada", "ssn": "123-45-6789", "age": 41, "notes": ["a", {"b": 2}],
       "medical": {"blood": "O+", "history": {"flu": 2001}}, "card": {"number": "4111", "cvv": 123},
       "secret_pin": "1234", "tag_x": "t"},
      {"_id": 2, "name": "Bob", "ssn": "987-65-4321", "notes": 1.5},
      {"_id": 3, "name": "Cy"}])";
  const Document insert = parse(R"({"insert": "people", "documents": )" + documents + "}");
  auto reply_of = [](const Value& batch, const char* field) {
    return parse(
        std::string(R"({"cursor": {")") + field + R"(": )" + batch.to_json() +
        R"(, "id": {"$numberLong": "0"}, "ns": "test.people"}, "ok": {"$numberDouble": "1.0"}})");
  };
  auto ours = world_->encrypter->encrypt_command("test", insert);
  auto theirs = world_->oracle->encrypt_command("test", insert);
  ASSERT_TRUE(ours && theirs);
  for (const Document* encrypted : {&*ours, &*theirs}) {
    for (const char* field : {"firstBatch", "nextBatch"}) {
      SCOPED_TRACE(std::string(encrypted == &*ours ? "openfle" : "libmongocrypt") + " encrypted, " +
                   field);
      const Document reply = reply_of(*encrypted->get("documents"), field);
      EXPECT_EQ(shape_of(reply).ciphertexts, 11);
      auto by_openfle = world_->encrypter->decrypt_reply(reply);
      auto by_them = world_->oracle->decrypt_document(reply);
      ASSERT_TRUE(by_openfle) << by_openfle.error().message();
      ASSERT_TRUE(by_them) << by_them.error().message();
      EXPECT_EQ(*by_openfle, *by_them) << json(*by_openfle) << "\n" << json(*by_them);
      EXPECT_EQ(*by_openfle, reply_of(*insert.get("documents"), field));
    }
  }
  // A findAndModify reply: {lastErrorObject, value, ok}.
  const std::string fam = R"({"lastErrorObject": {"n": 1, "updatedExisting": true}, "value": )";
  const Document plain = parse(R"({"_id": 9, "ssn": "1", "notes": "n"})");
  auto value = world_->encrypter->encrypt_document("test.people", plain);
  ASSERT_TRUE(value) << value.error().message();
  EXPECT_EQ(shape_of(*value).ciphertexts, 2);
  const Document reply = parse(fam + value->to_json() + R"(, "ok": 1})");
  auto by_openfle = world_->encrypter->decrypt_reply(reply);
  auto by_them = world_->oracle->decrypt_document(reply);
  ASSERT_TRUE(by_openfle && by_them);
  EXPECT_EQ(*by_openfle, *by_them);
  EXPECT_EQ(*by_openfle, parse(fam + plain.to_json() + R"(, "ok": 1})"));
}

}  // namespace
}  // namespace openfle
