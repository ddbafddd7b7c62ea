#include "crypto/fle1_placeholder.h"

#include <gtest/gtest.h>

#include "bson/raw.h"

namespace openfle::crypto {
namespace {

// 0x00 || the BSON document `fields` (already-encoded elements).
Bytes blob(const std::function<void(bson::Writer&)>& fields) {
  Bytes out{0};
  bson::Writer w(out);
  auto mark = w.begin_document();
  fields(w);
  w.end_document(mark);
  return out;
}

Bytes i32(std::int32_t v) {
  Bytes b(4);
  bson::write_i32(b.data(), v);
  return b;
}

TEST(Placeholder, RoundTripsByIdAndByAltName) {
  const Uuid id = Uuid::random_v4();
  Bytes by_id;
  append_placeholder(Algorithm::kDeterministic, id, BsonType::kString, bson::string_value("v"), by_id);
  auto p = parse_placeholder(by_id);
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->algorithm, Algorithm::kDeterministic);
  EXPECT_EQ(std::get<Uuid>(p->key), id);
  EXPECT_EQ(p->type, BsonType::kString);
  EXPECT_EQ(Bytes(p->value.begin(), p->value.end()), bson::string_value("v"));

  Bytes by_name;
  append_placeholder(Algorithm::kRandom, std::string_view("hr"), BsonType::kInt32, i32(7), by_name);
  auto q = parse_placeholder(by_name);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->algorithm, Algorithm::kRandom);
  EXPECT_EQ(std::get<std::string_view>(q->key), "hr");
}

TEST(Placeholder, MalformedOnesAreRefusedWithTheReason) {
  const Bytes ki = bson::binary_value(4, Uuid::random_v4().bytes());
  struct Case {
    Bytes bytes;
    const char* reason;
  } cases[] = {
      {blob([&](bson::Writer& w) { w.append(BsonType::kInt32, "a", i32(1)); w.append(BsonType::kBinary, "ki", ki); }),
       "'v' is missing"},
      {blob([&](bson::Writer& w) { w.append(BsonType::kInt32, "a", i32(3)); }), "'a' must be 1 (deterministic) or 2 (random), not 3"},
      {blob([&](bson::Writer& w) {
         w.append(BsonType::kInt32, "a", i32(1));
         w.append(BsonType::kBinary, "ki", ki);
         w.append(BsonType::kString, "ka", bson::string_value("x"));
       }),
       "it has more than one of 'ki' and 'ka'"},
      {blob([&](bson::Writer& w) { w.append(BsonType::kInt32, "a", i32(1)); w.append(BsonType::kInt32, "v", i32(1)); }),
       "neither 'ki' nor 'ka' is present"},
      {blob([&](bson::Writer& w) { w.append(BsonType::kInt32, "iv", i32(1)); }), "unknown field 'iv'"},
      {Bytes{0, 5, 0, 0}, "the payload is not one BSON document"},
      {Bytes{1, 2, 3}, "it does not start with blob subtype 0"},
  };
  for (const auto& c : cases) {
    auto p = parse_placeholder(c.bytes);
    ASSERT_FALSE(p) << c.reason;
    EXPECT_EQ(p.error().message(), std::string("malformed encryption placeholder: ") + c.reason);
    EXPECT_EQ(p.error().code(), ErrorCode::kMalformedData);
  }
}

}  // namespace
}  // namespace openfle::crypto
