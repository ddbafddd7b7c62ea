// Query analysis of whole commands: the placeholders each command gets, and MongoDB's refusals.
#include "analysis/command.h"

#include <gtest/gtest.h>

#include "analysis/test_util.h"

namespace openfle::analysis {
namespace {

using testing::doc;
using testing::ph;
using testing::relaxed;
using testing::render;

// hr.people: ssn (deterministic string), pin (random), name (plain), medical.notes (random),
// medical.code (deterministic int), address (random object), secret_* (random, by pattern),
// tag (random, key from the document's keyName field).
constexpr std::string_view kSchema = R"({"bsonType": "object", "properties": {
    "ssn": {"encrypt": {"bsonType": "string", "algorithm": "DET", "keyId": KEY1}},
    "pin": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}},
    "name": {"bsonType": "string"},
    "medical": {"bsonType": "object", "properties": {
        "notes": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}},
        "code": {"encrypt": {"bsonType": "int", "algorithm": "DET", "keyId": KEY1}}}},
    "address": {"encrypt": {"bsonType": "object", "algorithm": "RANDOM", "keyId": KEY1}},
    "tag": {"encrypt": {"algorithm": "RANDOM", "keyId": "/keyName"}}},
  "patternProperties": {"^secret_": {"encrypt": {"algorithm": "RANDOM", "keyId": KEY1}}}})";

class CommandAnalysis : public ::testing::Test {
 protected:
  SchemaMap map_ = testing::schemas("hr.people", kSchema);

  Result<MarkedCommand> analyze(std::string_view json) { return analyze_command("hr", doc(json), map_); }

  // The analysed command, placeholders rendered, against the expected JSON.
  void expect(std::string_view command, const std::string& expected) {
    auto marked = analyze(command);
    ASSERT_TRUE(marked) << command << ": " << marked.error().message();
    EXPECT_TRUE(marked->has_encryption_placeholders) << command;
    EXPECT_TRUE(marked->schema_requires_encryption);
    EXPECT_EQ(render(marked->result), relaxed(expected)) << command;
  }

  void expect_unchanged(std::string_view command) {
    auto marked = analyze(command);
    ASSERT_TRUE(marked) << command << ": " << marked.error().message();
    EXPECT_FALSE(marked->has_encryption_placeholders) << command;
    EXPECT_EQ(marked->result, doc(command)) << command;
  }

  void expect_error(std::string_view command, std::string_view message) {
    auto marked = analyze(command);
    ASSERT_FALSE(marked) << command << " was accepted: " << (marked ? render(marked->result) : "");
    EXPECT_EQ(marked.error().message(), message) << command;
  }
};

TEST_F(CommandAnalysis, InsertMarksEveryEncryptedFieldAtAnyDepth) {
  expect(R"({"insert": "people", "documents": [
             {"_id": 1, "ssn": "123-45-6789", "name": "Ada", "medical": {"notes": "ok", "code": 42, "x": 1},
              "address": {"city": "Paris"}, "secret_pin": 1234, "keyName": "k2", "tag": "vip"},
             {"_id": 2, "name": "Bob"}], "ordered": true})",
         R"({"insert": "people", "documents": [
             {"_id": 1, "ssn": )" + ph(1, R"("123-45-6789")") + R"(, "name": "Ada",
              "medical": {"notes": )" + ph(2, R"("ok")") + R"(, "code": )" + ph(1, "42") + R"(, "x": 1},
              "address": )" + ph(2, R"({"city": "Paris"})") + R"(, "secret_pin": )" + ph(2, "1234") + R"(,
              "keyName": "k2", "tag": {"$placeholder": {"a": 2, "ka": "k2", "v": "vip"}}},
             {"_id": 2, "name": "Bob"}], "ordered": true})");
}

TEST_F(CommandAnalysis, InsertRefusalsUseMongoDbMessagesAndNameTheField) {
  expect_error(R"({"insert": "people", "documents": [{"ssn": null}]})",
               "documents.0: field 'ssn': Cannot encrypt element of type: null");
  expect_error(R"({"insert": "people", "documents": [{"ok": 1}, {"ssn": 5}]})",
               "documents.1: field 'ssn': Cannot encrypt element of type int because schema requires that type is one "
               "of: [ string ]");
  expect_error(R"({"insert": "people", "documents": [{"ssn": ["a"]}]})",
               "documents.0: field 'ssn': Cannot encrypt element of type: array");
  expect_error(R"({"insert": "people", "documents": [{"medical": [{"notes": "x"}]}]})",
               "documents.0: An array at path 'medical' would violate the schema");
  expect_error(R"({"insert": "people", "documents": [{"tag": "x"}]})",
               "documents.0: field 'tag': keyId pointer '/keyName' must point to a field that exists");
  expect_error(R"({"insert": "people", "documents": [{"tag": "x", "keyName": 3}]})",
               "documents.0: field 'tag': keyId pointer '/keyName' must point to a string");
  expect_error(R"({"insert": "people", "documents": [{"ssn": {"$timestamp": {"t": 0, "i": 0}}}]})",
               "documents.0: A command that inserts cannot supply Timestamp(0, 0) for an encrypted top-level field at "
               "path ssn");
  expect_error(R"({"insert": "people", "documents": [{"pin": {"$binary": {"base64": "AQ==", "subType": "06"}}}]})",
               "documents.0: field 'pin': Cannot encrypt element of type: encrypted binary data");
}

TEST_F(CommandAnalysis, FindEncryptsComparisonsToDeterministicFields) {
  expect(R"({"find": "people", "filter": {"ssn": "123", "name": "Ada"}, "sort": {"name": 1}, "limit": 5})",
         R"({"find": "people", "filter": {"ssn": {"$eq": )" + ph(1, R"("123")") + R"(}, "name": "Ada"},
             "sort": {"name": 1}, "limit": 5})");
  expect(R"({"find": "people", "filter": {"$or": [{"ssn": {"$in": ["a", "b"]}}, {"ssn": {"$ne": "c"}},
             {"$nor": [{"medical.code": {"$nin": [1]}}]}, {"ssn": {"$not": {"$eq": "d"}}}, {"pin": {"$exists": true}}]}})",
         R"({"find": "people", "filter": {"$or": [{"ssn": {"$in": [)" + ph(1, R"("a")") + ", " + ph(1, R"("b")") +
             R"(]}}, {"ssn": {"$ne": )" + ph(1, R"("c")") + R"(}},
             {"$nor": [{"medical.code": {"$nin": [)" + ph(1, "1") + R"(]}}]}, {"ssn": {"$not": {"$eq": )" +
             ph(1, R"("d")") + R"(}}}, {"pin": {"$exists": true}}]}})");
  // An object compared to a prefix of encrypted fields gets placeholders inside.
  expect(R"({"find": "people", "filter": {"medical": {"code": 7, "other": 1}}})",
         R"({"find": "people", "filter": {"medical": {"code": )" + ph(1, "7") + R"(, "other": 1}}})");
}

TEST_F(CommandAnalysis, QueriesTheEncryptionCannotAnswerAreRefused) {
  expect_error(R"({"find": "people", "filter": {"pin": 1234}})",
               "filter: field 'pin': Cannot query on fields encrypted with the randomized encryption algorithm");
  expect_error(R"({"find": "people", "filter": {"ssn": {"$gt": "1"}}})",
               "filter: Invalid match expression operator on encrypted field 'ssn': $gt");
  expect_error(R"({"find": "people", "filter": {"ssn": {"$regex": "^1"}}})",
               "filter: Invalid match expression operator on encrypted field 'ssn': $regex");
  expect_error(R"({"find": "people", "filter": {"ssn": null}})",
               "filter: Illegal equality to null predicate for encrypted field: 'ssn'");
  expect_error(R"({"find": "people", "filter": {"ssn": {"$in": ["a", null]}}})",
               "filter: Illegal equality to null inside $in against an encrypted field: 'ssn'");
  expect_error(R"({"find": "people", "filter": {"ssn": {"$in": [{"$regularExpression": {"pattern": "a", "options": ""}}]}}})",
               "filter: Illegal regex inside $in against an encrypted field: 'ssn'");
  expect_error(R"({"find": "people", "filter": {"$where": "true"}})",
               "filter: Unsupported match expression operator for encryption: $where");
  expect_error(R"({"find": "people", "filter": {"ssn.x": "1"}})",
               "filter: Invalid operation on path 'ssn.x' which contains an encrypted path prefix.");
  expect_error(R"({"find": "people", "filter": {"medical": [1]}})",
               "filter: $eq to array predicate is illegal for prefix of encrypted path: medical");
  expect_error(R"({"find": "people", "filter": {"medical": {"$elemMatch": {"code": 1}}}})",
               "filter: $elemMatch is unsupported on encrypted fields: 'medical' holds encrypted fields");
  expect_error(R"({"find": "people", "filter": {"ssn": "x"}, "collation": {"locale": "fr"}})",
               "filter: field 'ssn': cannot apply non-simple collation when comparing to element ssn with client-side "
               "encryption");
}

TEST_F(CommandAnalysis, CommandsWithoutEncryptedValuesComeBackUnchanged) {
  expect_unchanged(R"({"find": "people", "filter": {"name": "Ada", "age": {"$gt": 3}}})");
  expect_unchanged(R"({"find": "people", "filter": {"ssn": {"$exists": false}}})");
  expect_unchanged(R"({"find": "pets", "filter": {"ssn": "not encrypted here"}})");
  expect_unchanged(R"({"ping": 1})");
  expect_unchanged(R"({"getMore": {"$numberLong": "5"}, "collection": "people"})");
  expect_unchanged(R"({"isMaster": 1})");
  expect_unchanged(R"({"killCursors": "people", "cursors": []})");
}

TEST_F(CommandAnalysis, UnsupportedCommandsAreRefused) {
  expect_error(R"({"mapReduce": "people", "map": "f", "reduce": "g"})",
               "command not supported for auto encryption: mapReduce");
  expect_error(R"({"killOp": 1, "op": 5})", "command not supported for auto encryption: killOp");
  expect_error(R"({"aggregate": 1, "pipeline": []})", "non-collection command not supported for auto encryption: aggregate");
  expect_error(R"({"find": ""})", "empty collection name on command: find");
}

TEST_F(CommandAnalysis, CountDistinctAndDelete) {
  expect(R"({"count": "people", "query": {"ssn": "1"}})",
         R"({"count": "people", "query": {"ssn": {"$eq": )" + ph(1, R"("1")") + "}}}");
  expect(R"({"distinct": "people", "key": "ssn", "query": {"medical.code": 3}})",
         R"({"distinct": "people", "key": "ssn", "query": {"medical.code": {"$eq": )" + ph(1, "3") + "}}}");
  expect_error(R"({"distinct": "people", "key": "pin"})",
               "Distinct key is not allowed to be marked for encryption with the randomized encryption algorithm");
  expect_error(R"({"distinct": "people", "key": "medical"})", "Distinct key is not allowed to be a prefix of an encrypted field");
  expect(R"({"delete": "people", "deletes": [{"q": {"ssn": "1"}, "limit": 1}]})",
         R"({"delete": "people", "deletes": [{"q": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}}, "limit": 1}]})");
}

TEST_F(CommandAnalysis, UpdatesSetAndReplaceEncryptedValues) {
  expect(R"({"update": "people", "updates": [{"q": {"ssn": "1"}, "u": {"$set": {"pin": 99, "medical": {"notes": "n"}, "name": "A"},
             "$unset": {"ssn": ""}, "$rename": {"name": "fullName"}}, "multi": true}]})",
         R"({"update": "people", "updates": [{"q": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}},
             "u": {"$set": {"pin": )" + ph(2, "99") + R"(, "medical": {"notes": )" + ph(2, R"("n")") + R"(}, "name": "A"},
             "$unset": {"ssn": ""}, "$rename": {"name": "fullName"}}, "multi": true}]})");
  expect(R"({"update": "people", "updates": [{"q": {"_id": 1}, "u": {"ssn": "2", "name": "B"}, "upsert": true}]})",
         R"({"update": "people", "updates": [{"q": {"_id": 1}, "u": {"ssn": )" + ph(1, R"("2")") + R"(, "name": "B"},
             "upsert": true}]})");
  expect(R"({"findAndModify": "people", "query": {"ssn": "1"}, "update": {"$set": {"ssn": "2"}}, "new": true})",
         R"({"findAndModify": "people", "query": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}},
             "update": {"$set": {"ssn": )" + ph(1, R"("2")") + R"(}}, "new": true})");
}

TEST_F(CommandAnalysis, UpdateRefusals) {
  auto update = [](std::string_view u) {
    return R"({"update": "people", "updates": [{"q": {}, "u": )" + std::string(u) + "}]}";
  };
  expect_error(update(R"({"$inc": {"medical.code": 1}})"), "updates.0.u: $inc and $mul not allowed on encrypted values");
  expect_error(update(R"({"$push": {"pin": 1}})"), "updates.0.u: $push not allowed on encrypted values");
  expect_error(update(R"({"$set": {"medical": 5}})"),
               "updates.0.u: Cannot $set to a path medical that is an encrypted prefix to a non-object type");
  expect_error(update(R"({"$rename": {"ssn": "name"}})"),
               "updates.0.u: $rename between two encrypted fields must have the same metadata or both be unencrypted");
  expect_error(update(R"({"$rename": {"medical": "m"}})"),
               "updates.0.u: $rename is not allowed on an object containing encrypted fields");
  expect_error(update(R"({"$set": {"medical.$[i].code": 1}})"),
               "updates.0.u: Array update operations not allowed on encrypted values");
  expect_error(update(R"({"$set": {"tag": "x"}})"), "updates.0.u: field 'tag': A non-static (JSONPointer) keyId is not supported.");
  expect_error(update(R"([{"$set": {"x": 1}}])"),
               "updates.0.u: Pipelines in updates are not allowed to modify encrypted fields or add fields which are not "
               "present in the schema");
}

TEST_F(CommandAnalysis, AggregationFollowsTheSchemaThroughThePipeline) {
  expect(R"({"aggregate": "people", "pipeline": [
             {"$match": {"ssn": "1"}}, {"$project": {"ssn": 1, "code": "$medical.code"}},
             {"$match": {"code": 5}}, {"$group": {"_id": "$ssn", "n": {"$sum": 1}}}, {"$sort": {"n": -1}}],
             "cursor": {}})",
         R"({"aggregate": "people", "pipeline": [
             {"$match": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}}}, {"$project": {"ssn": 1, "code": "$medical.code"}},
             {"$match": {"code": {"$eq": )" + ph(1, "5") + R"(}}}, {"$group": {"_id": "$ssn", "n": {"$sum": 1}}},
             {"$sort": {"n": -1}}], "cursor": {}})");
  expect(R"({"aggregate": "people", "pipeline": [{"$match": {"$expr": {"$eq": ["$ssn", "7"]}}}]})",
         R"({"aggregate": "people", "pipeline": [{"$match": {"$expr": {"$eq": ["$ssn", {"$const": )" + ph(1, R"("7")") +
             R"(}]}}}]})");
}

TEST_F(CommandAnalysis, AggregationRefusals) {
  auto aggregate = [](std::string_view stages) {
    return R"({"aggregate": "people", "pipeline": )" + std::string(stages) + "}";
  };
  expect_error(aggregate(R"([{"$out": "x"}])"),
               "pipeline: Aggregation stage $out is not allowed or supported with automatic encryption.");
  expect_error(aggregate(R"([{"$sort": {"ssn": 1}}])"), "pipeline: Sorting on key 'ssn' is not allowed due to encryption.");
  expect_error(aggregate(R"([{"$group": {"_id": "$pin"}}])"),
               "pipeline: Cannot group on field 'pin' which is encrypted with the random algorithm or whose encryption "
               "properties are not known until runtime");
  expect_error(aggregate(R"([{"$group": {"_id": null, "s": {"$sum": "$medical.code"}}}])"),
               "pipeline: Accumulator '$sum' cannot aggregate encrypted fields.");
  expect_error(aggregate(R"([{"$project": {"x": {"$add": ["$medical.code", 1]}}}])"),
               "pipeline: Encrypted field 'medical.code' is not allowed to be evaluated by an addition calculation");
  expect_error(aggregate(R"([{"$lookup": {"from": "pets", "localField": "name", "foreignField": "owner", "as": "p"}}])"),
               "pipeline: Pipeline over an encrypted collection cannot reference additional collections.");
  expect_error(aggregate(R"([{"$unwind": "$pin"}])"),
               "pipeline: $unwind is not allowed on a field which is encrypted with the randomized algorithm");
  expect_error(aggregate(R"([{"$match": {"$expr": {"$eq": ["$ssn", "$name"]}}}])"),
               "pipeline: Comparison disallowed between encrypted fields and unencrypted fields; 'ssn' is encrypted but "
               "is compared to 'name'");
  expect_error(aggregate(R"([{"$project": {"p": "$pin"}}, {"$match": {"p": 3}}])"),
               "pipeline: field 'p': Cannot query on fields encrypted with the randomized encryption algorithm");
}

TEST_F(CommandAnalysis, ExplainAnalysesTheExplainedCommand) {
  expect(R"({"explain": {"find": "people", "filter": {"ssn": "1"}}, "verbosity": "queryPlanner"})",
         R"({"explain": {"find": "people", "filter": {"ssn": {"$eq": )" + ph(1, R"("1")") +
             R"(}}}, "verbosity": "queryPlanner"})");
  expect_error(R"({"explain": {"explain": {"find": "people"}}})", "non-collection command not supported for auto encryption: explain");
  expect_error(R"({"explain": {"explain": "people"}})", "Explain cannot explain itself.");
  expect_error(R"({"explain": {"mapReduce": "people"}})", "Explain failed due to unknown command: mapReduce");
}

TEST_F(CommandAnalysis, DbGoesLastAsLibmongocryptPutsIt) {
  expect(R"({"find": "people", "$db": "hr", "filter": {"ssn": "1"}, "lsid": {"id": 1}})",
         R"({"find": "people", "filter": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}}, "lsid": {"id": 1}, "$db": "hr"})");
}

TEST(Mongocryptd, AnswersLibmongocryptsMarkingRequest) {
  auto command = doc(R"({"find": "people", "filter": {"ssn": "1"}, "jsonSchema": )" + std::string(kSchema) +
                     R"(, "isRemoteSchema": false})");
  auto reply = answer_mongocryptd("hr", command);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(render(*reply), relaxed(R"({"hasEncryptionPlaceholders": true, "schemaRequiresEncryption": true,
      "result": {"find": "people", "filter": {"ssn": {"$eq": )" + ph(1, R"("1")") + R"(}}}, "ok": 1})"));
  auto missing = answer_mongocryptd("hr", doc(R"({"find": "people", "isRemoteSchema": false})"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "jsonSchema or encryptionInformation is required");
}

}  // namespace
}  // namespace openfle::analysis
