// Test helpers for query analysis: commands and schemas from JSON, and placeholders rendered as
// readable documents, so expectations can be written as Extended JSON.
#ifndef OPENFLE_ANALYSIS_TEST_UTIL_H_
#define OPENFLE_ANALYSIS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "bson/access.h"
#include "bson/raw.h"
#include "crypto/fle1_placeholder.h"
#include "openfle/auto_encryption.h"

namespace openfle::analysis::testing {

// Key ids used by the test schemas, as the base64 of their 16 bytes.
inline constexpr std::string_view kKey1 = "AAAAAAAAAAAAAAAAAAAAAQ==";  // 00000000-0000-0000-0000-000000000001
inline constexpr std::string_view kKey2 = "AAAAAAAAAAAAAAAAAAAAAg==";  // ...0002
inline constexpr std::string_view kDet = "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic";
inline constexpr std::string_view kRandom = "AEAD_AES_256_CBC_HMAC_SHA_512-Random";

// `text` with "KEY1", "KEY2", "DET" and "RANDOM" replaced by the JSON they stand for.
inline std::string expand(std::string text) {
  auto replace = [&](std::string_view from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  };
  replace("KEY1", R"([{"$binary": {"base64": ")" + std::string(kKey1) + R"(", "subType": "04"}}])");
  replace("KEY2", R"([{"$binary": {"base64": ")" + std::string(kKey2) + R"(", "subType": "04"}}])");
  replace("\"DET\"", "\"" + std::string(kDet) + "\"");
  replace("\"RANDOM\"", "\"" + std::string(kRandom) + "\"");
  return text;
}

inline Document doc(std::string_view json) {
  auto d = Document::from_json(expand(std::string(json)));
  EXPECT_TRUE(d) << json << ": " << d.error().message();
  return d ? *d : Document();
}

inline SchemaMap schemas(std::string_view ns, std::string_view schema_json) {
  auto map = SchemaMap::from_json("{\"" + std::string(ns) + "\": " + expand(std::string(schema_json)) + "}");
  EXPECT_TRUE(map) << map.error().message();
  return map ? *map : SchemaMap();
}

// Appends `in` with every placeholder replaced by {"$placeholder": {"a": 1, "ki": "<uuid>" | "ka": "name", "v": value}}.
inline void render_into(ByteView in, Bytes& out) {
  bson::Writer w(out);
  auto mark = w.begin_document();
  bson::ElementReader r(in);
  while (auto e = r.next()) {
    if (e->type == BsonType::kBinary && e->value.size() > 5 && e->value[4] == 6 && e->value[5] == 0) {
      auto p = crypto::parse_placeholder(e->value.subspan(5));
      EXPECT_TRUE(p) << p.error().message();
      if (!p) continue;
      Bytes inner;
      bson::Writer iw(inner);
      auto im = iw.begin_document();
      std::uint8_t a[4];
      bson::write_i32(a, static_cast<std::int32_t>(p->algorithm));
      iw.append(BsonType::kInt32, "a", a);
      if (const auto* id = std::get_if<Uuid>(&p->key)) {
        iw.append(BsonType::kString, "ki", bson::string_value(id->to_string()));
      } else {
        iw.append(BsonType::kString, "ka", bson::string_value(std::get<std::string_view>(p->key)));
      }
      iw.append(p->type, "v", p->value);
      iw.end_document(im);
      w.append_header(BsonType::kDocument, e->key);
      auto om = w.begin_document();
      w.append(BsonType::kDocument, "$placeholder", inner);
      w.end_document(om);
    } else if (e->type == BsonType::kDocument || e->type == BsonType::kArray) {
      w.append_header(e->type, e->key);
      render_into(e->value, out);
    } else {
      w.append_raw(e->raw);
    }
  }
  w.end_document(mark);
}

inline std::string render(const Document& d) {
  Bytes out;
  render_into(d.bytes(), out);
  return DocumentAccess::adopt(std::move(out)).to_json(JsonMode::kRelaxed);
}

inline std::string relaxed(std::string_view json) { return doc(json).to_json(JsonMode::kRelaxed); }

// A placeholder as render() shows it, for expectations: PH(1, "'ssn'") and so on.
inline std::string ph(int algorithm, std::string_view value_json, std::string_view key = "00000000-0000-0000-0000-000000000001") {
  return R"({"$placeholder": {"a": )" + std::to_string(algorithm) + R"(, "ki": ")" + std::string(key) +
         R"(", "v": )" + std::string(value_json) + "}}";
}

}  // namespace openfle::analysis::testing

#endif  // OPENFLE_ANALYSIS_TEST_UTIL_H_
