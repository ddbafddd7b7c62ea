#include "kms/json_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace openfle::kms {
namespace {

TEST(JsonReply, AcceptsObjectsWithAnyExtraContent) {
  auto parsed = parse_json_object(
      R"({"a":"x","n":-5,"u":18446744073709551615,"f":1.5,"o":{"k":[1,{"k":2}]},"s":"\u005a\u00e9"})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*required_string(*parsed, "s", "w"), "Z\xc3\xa9");
  EXPECT_EQ(*required_integer(*parsed, "n", "w"), -5);
  // The same key in sibling objects is fine; only a repeat within one object is refused.
  EXPECT_TRUE(parse_json_object(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]})"));
}

TEST(JsonReply, RefusesWhatIsNotOneUnambiguousObject) {
  std::string why;
  for (const char* text : {"", "null", "[]", "\"s\"", "{", "{\"a\":1}x", "{'a':1}", "{\"a\":01}"}) {
    EXPECT_FALSE(parse_json_object(text, &why)) << text;
    EXPECT_FALSE(why.empty());
  }
  EXPECT_FALSE(parse_json_object(R"({"k":1,"k":1})", &why));
  EXPECT_EQ(why, "has the key 'k' twice in one object");
  EXPECT_FALSE(parse_json_object(R"({"x":[{"a\n":1,"a\n":2}]})", &why));
  EXPECT_EQ(why, "has the key 'a?' twice in one object");
}

TEST(JsonReply, SurvivesDeepNesting) {
  // nlohmann parses and destroys iteratively; a reply nested 300k deep must not overflow the stack.
  const std::size_t depth = 300000;
  const std::string text = "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  auto parsed = parse_json_object(text);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(required_string(*parsed, "a", "w"));
  std::string why;
  EXPECT_FALSE(parse_json_object(std::string(depth, '{'), &why));
}

TEST(JsonReply, TypedAccessorsNameFieldAndType) {
  auto parsed = parse_json_object(R"({"s":"x","i":3,"f":3.0,"b":true,"big":9223372036854775808})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(required_integer(*parsed, "s", "R").error().message(),
            "R: the field 's' must be a integer, not a string");
  EXPECT_EQ(required_integer(*parsed, "f", "R").error().message(),
            "R: the field 'f' must be a integer, not a number with a fraction");
  EXPECT_EQ(required_string(*parsed, "b", "R").error().message(),
            "R: the field 'b' must be a string, not a boolean");
  EXPECT_EQ(required_string(*parsed, "missing", "R").error().message(),
            "R: missing the field 'missing'");
  EXPECT_EQ(required_integer(*parsed, "big", "R").error().message(),
            "R: the field 'big' is out of range");
  EXPECT_EQ(*required_integer(*parsed, "i", "R"), 3);
  auto padded = parse_json_object(R"({"v":"===="})");
  ASSERT_TRUE(padded);
  EXPECT_EQ(required_base64(*padded, "v", "R").error().message(),
            "R: the field 'v' decodes to no bytes");
}

}  // namespace
}  // namespace openfle::kms
