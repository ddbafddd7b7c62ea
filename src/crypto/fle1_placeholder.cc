#include "crypto/fle1_placeholder.h"

#include <optional>
#include <string>

#include "bson/raw.h"

namespace openfle::crypto {

void append_placeholder(Algorithm algorithm, const std::variant<Uuid, std::string_view>& key,
                        BsonType type, ByteView value, Bytes& out) {
  out.push_back(kPlaceholderBlobSubtype);
  bson::Writer w(out);
  auto mark = w.begin_document();
  std::uint8_t a[4];
  bson::write_i32(a, static_cast<std::int32_t>(algorithm));
  w.append(BsonType::kInt32, "a", a);
  if (const auto* id = std::get_if<Uuid>(&key)) {
    w.append(BsonType::kBinary, "ki", bson::binary_value(4, id->bytes()));
  } else {
    w.append(BsonType::kString, "ka", bson::string_value(std::get<std::string_view>(key)));
  }
  w.append(type, "v", value);
  w.end_document(mark);
}

Result<PlaceholderView> parse_placeholder(ByteView blob) {
  auto bad = [](std::string what) { return fail(ErrorCode::kMalformedData, "malformed encryption placeholder: " + what); };
  if (!is_placeholder(blob)) return bad("it does not start with blob subtype 0");
  ByteView doc = blob.subspan(1);
  auto size = bson::value_size(BsonType::kDocument, doc);
  if (!size || *size != doc.size()) return bad("the payload is not one BSON document");
  std::optional<Algorithm> algorithm;
  std::optional<std::variant<Uuid, std::string_view>> key;
  std::optional<bson::Element> value;
  bson::ElementReader r(doc);
  while (auto e = r.next()) {
    if (e->key == "a") {
      if (e->type != BsonType::kInt32) return bad("'a' must be an int32");
      auto v = bson::read_i32(e->value.data());
      if (v != 1 && v != 2) return bad("'a' must be 1 (deterministic) or 2 (random), not " + std::to_string(v));
      algorithm = static_cast<Algorithm>(v);
    } else if (e->key == "ki" || e->key == "ka") {
      if (key) return bad("it has more than one of 'ki' and 'ka'");
      if (e->key == "ki") {
        if (e->type != BsonType::kBinary || e->value.size() != 21 || e->value[4] != 4) {
          return bad("'ki' must be a UUID (Binary subtype 4)");
        }
        key = *Uuid::from_bytes(e->value.subspan(5));
      } else {
        if (e->type != BsonType::kString) return bad("'ka' must be a string");
        key = std::string_view(reinterpret_cast<const char*>(e->value.data()) + 4, e->value.size() - 5);
      }
    } else if (e->key == "v") {
      value = *e;
    } else {
      return bad("unknown field '" + std::string(e->key) + "'");
    }
  }
  if (r.malformed()) return bad("the BSON document is malformed");
  if (!algorithm) return bad("'a' is missing");
  if (!key) return bad("neither 'ki' nor 'ka' is present");
  if (!value) return bad("'v' is missing");
  if (!bson::is_valid_value(value->type, value->value)) return bad("'v' is not a well-formed BSON value");
  return PlaceholderView{*algorithm, *key, value->type, value->value};
}

}  // namespace openfle::crypto
