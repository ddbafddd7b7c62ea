// One value of every BSON type MongoDB allows to be encrypted, plus the ones it refuses for
// deterministic encryption (encrypted randomly), with padding lengths around block edges: the
// values both interop suites (explicit and automatic encryption) try in both directions.
#ifndef OPENFLE_TESTS_INTEROP_TYPE_CASES_H_
#define OPENFLE_TESTS_INTEROP_TYPE_CASES_H_

namespace openfle::testing {

struct TypeCase {
  const char* name;
  const char* json;
  bool deterministic_allowed;
};

inline const TypeCase kTypes[] = {
    {"string", R"("mongodb")", true},
    {"string_empty", R"("")", true},
    {"string_15", R"("aaaaaaaaaaaaaaa")", true},
    {"string_16", R"("aaaaaaaaaaaaaaaa")", true},
    {"string_utf8", R"("héllo wörld ✓")", true},
    {"int", R"({"$numberInt": "123"})", true},
    {"long", R"({"$numberLong": "-456"})", true},
    {"objectId", R"({"$oid": "01234567890abcdef0123456"})", true},
    {"date", R"({"$date": {"$numberLong": "12345"}})", true},
    {"regex", R"({"$regularExpression": {"pattern": ".*", "options": "im"}})", true},
    {"dbPointer", R"({"$dbPointer": {"$ref": "db.example", "$id": {"$oid": "01234567890abcdef0123456"}}})", true},
    {"javascript", R"({"$code": "x=1"})", true},
    {"symbol", R"({"$symbol": "mongodb-symbol"})", true},
    {"timestamp", R"({"$timestamp": {"t": 0, "i": 12345}})", true},
    {"binData_00", R"({"$binary": {"base64": "AQIDBA==", "subType": "00"}})", true},
    {"binData_04", R"({"$binary": {"base64": "AAECAwQFBgcICQoLDA0ODw==", "subType": "04"}})", true},
    {"binData_80", R"({"$binary": {"base64": "", "subType": "80"}})", true},
    {"double", R"({"$numberDouble": "1.234"})", false},
    {"decimal", R"({"$numberDecimal": "1.234"})", false},
    {"bool", R"(true)", false},
    {"object", R"({"x": {"$numberInt": "1"}, "y": ["a", {"z": null}]})", false},
    {"array", R"([1, 2, 3])", false},
    {"javascriptWithScope", R"({"$code": "x=1", "$scope": {"a": 1}})", false},
};

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_INTEROP_TYPE_CASES_H_
