#include "openfle/bson.h"

#include <gtest/gtest.h>

#include "bson/raw.h"

namespace openfle {
namespace {

// {"a": {"k": <element of unknown type 0x21>}}: libbson's validation lets it through (the inner
// iteration just stops), openfle's reader does not, so Document must refuse it. Found by
// query_analysis_fuzz.
TEST(Document, RefusesAnUnknownElementTypeInsideASubdocument) {
  const Bytes bytes = {16, 0, 0, 0, 0x03, 'a', 0, 8, 0, 0, 0, 0x21, 'k', 0, 0, 0};
  auto doc = Document::from_bytes(bytes);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code(), ErrorCode::kMalformedData);
  EXPECT_FALSE(bson::is_valid_value(BsonType::kDocument, bytes));
}

// Strings inside documents must be UTF-8 (libbson checks it only when asked with BSON_VALIDATE_UTF8;
// query_analysis_fuzz found "\xe1" accepted in a subdocument and then refused in a placeholder).
TEST(Document, RefusesInvalidUtf8InNestedStrings) {
  const Bytes bytes = {22, 0, 0, 0, 0x03, 'q', 0, 14, 0, 0, 0, 0x02, 'd', 0, 2, 0, 0, 0, 0xE1, 0, 0, 0};
  auto doc = Document::from_bytes(bytes);
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code(), ErrorCode::kMalformedData);
  const Bytes nul_inside = {22, 0, 0, 0, 0x03, 'q', 0, 14, 0, 0, 0, 0x02, 'd', 0, 2, 0, 0, 0, 0x00, 0, 0, 0};
  EXPECT_TRUE(Document::from_bytes(nul_inside));  // BSON strings may hold NUL bytes
}

// Deeper nesting than any MongoDB document is refused, so recursive walks stay bounded.
TEST(Document, RefusesNestingDeeperThanTheLimit) {
  auto nested = [](int levels) {
    Bytes out;
    bson::Writer w(out);
    std::vector<std::size_t> marks;
    marks.push_back(w.begin_document());
    for (int i = 0; i < levels; ++i) {
      w.append_header(BsonType::kDocument, "a");
      marks.push_back(w.begin_document());
    }
    for (auto it = marks.rbegin(); it != marks.rend(); ++it) w.end_document(*it);
    return out;
  };
  EXPECT_TRUE(Document::from_bytes(nested(bson::kMaxNesting)));
  auto deep = Document::from_bytes(nested(bson::kMaxNesting + 1));
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message().find("nest deeper than 200 levels"), std::string::npos) << deep.error().message();
}

}  // namespace
}  // namespace openfle
