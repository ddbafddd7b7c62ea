#include <bson/bson.h>
#include <openssl/crypto.h>

#include <memory>
#include <string>

#include "bson/access.h"
#include "bson/raw.h"
#include "common/encoding.h"
#include "openfle/bson.h"

namespace openfle {
namespace {

// bson_t is over-aligned, which std::unique_ptr's template argument would drop; own it by hand.
class OwnedBson {
 public:
  explicit OwnedBson(bson_t* b) : b_(b) {}
  OwnedBson(const OwnedBson&) = delete;
  OwnedBson& operator=(const OwnedBson&) = delete;
  ~OwnedBson() {
    if (b_ != nullptr) bson_destroy(b_);
  }
  bson_t* get() const { return b_; }

 private:
  bson_t* b_;
};
struct CharFree {
  void operator()(char* s) const { bson_free(s); }
};

std::string to_json_string(ByteView bytes, JsonMode mode) {
  bson_t doc;
  if (!bson_init_static(&doc, bytes.data(), bytes.size())) return "{}";
  std::size_t length = 0;
  std::unique_ptr<char, CharFree> json(mode == JsonMode::kCanonical
                                           ? bson_as_canonical_extended_json(&doc, &length)
                                           : bson_as_relaxed_extended_json(&doc, &length));
  if (!json) return "{}";
  return std::string(json.get(), length);
}

Bytes wrap_value(std::string_view key, const Value& value) {
  Bytes out;
  bson::Writer w(out);
  auto mark = w.begin_document();
  w.append(value.type(), key, value.bytes());
  w.end_document(mark);
  return out;
}

}  // namespace

std::string_view bson_type_name(BsonType type) noexcept {
  switch (type) {
    case BsonType::kDouble: return "double";
    case BsonType::kString: return "string";
    case BsonType::kDocument: return "object";
    case BsonType::kArray: return "array";
    case BsonType::kBinary: return "binData";
    case BsonType::kUndefined: return "undefined";
    case BsonType::kObjectId: return "objectId";
    case BsonType::kBool: return "bool";
    case BsonType::kDateTime: return "date";
    case BsonType::kNull: return "null";
    case BsonType::kRegex: return "regex";
    case BsonType::kDbPointer: return "dbPointer";
    case BsonType::kCode: return "javascript";
    case BsonType::kSymbol: return "symbol";
    case BsonType::kCodeWithScope: return "javascriptWithScope";
    case BsonType::kInt32: return "int";
    case BsonType::kTimestamp: return "timestamp";
    case BsonType::kInt64: return "long";
    case BsonType::kDecimal128: return "decimal";
    case BsonType::kMaxKey: return "maxKey";
    case BsonType::kMinKey: return "minKey";
  }
  return "unknown";
}

std::optional<BsonType> bson_type_from_name(std::string_view name) noexcept {
  static constexpr BsonType kAll[] = {
      BsonType::kDouble,    BsonType::kString,   BsonType::kDocument,      BsonType::kArray,
      BsonType::kBinary,    BsonType::kUndefined, BsonType::kObjectId,     BsonType::kBool,
      BsonType::kDateTime,  BsonType::kNull,     BsonType::kRegex,         BsonType::kDbPointer,
      BsonType::kCode,      BsonType::kSymbol,   BsonType::kCodeWithScope, BsonType::kInt32,
      BsonType::kTimestamp, BsonType::kInt64,    BsonType::kDecimal128,    BsonType::kMaxKey,
      BsonType::kMinKey};
  for (BsonType t : kAll) {
    if (bson_type_name(t) == name) return t;
  }
  return std::nullopt;
}

// ---- Value ----

Result<Value> Value::from_bytes(BsonType type, ByteView bytes) {
  if (bson_type_name(type) == "unknown") {
    return fail(ErrorCode::kMalformedData,
                "unknown BSON type byte 0x" + fmt_hex_byte(static_cast<std::uint8_t>(type)));
  }
  if (!bson::is_valid_value(type, bytes)) {
    return fail(ErrorCode::kMalformedData,
                "malformed BSON " + std::string(bson_type_name(type)) + " value (" +
                    std::to_string(bytes.size()) + " bytes)");
  }
  return Value(type, Bytes(bytes.begin(), bytes.end()));
}

Result<Value> Value::from_json(std::string_view json) {
  std::string wrapped = "{\"v\": ";
  wrapped.append(json);
  wrapped += "}";
  auto doc = Document::from_json(wrapped);
  if (!doc) {
    return fail(ErrorCode::kInvalidArgument,
                "not an Extended JSON value: " + doc.error().message());
  }
  bson::ElementReader reader(doc->bytes());
  auto element = reader.next();
  if (!element || element->key != "v" || reader.next()) {
    return fail(ErrorCode::kInvalidArgument, "expected exactly one Extended JSON value");
  }
  return Value(element->type, Bytes(element->value.begin(), element->value.end()));
}

Value Value::string(std::string_view text) { return Value(BsonType::kString, bson::string_value(text)); }

Value Value::int32(std::int32_t v) {
  Bytes b(4);
  bson::write_i32(b.data(), v);
  return Value(BsonType::kInt32, std::move(b));
}

Value Value::int64(std::int64_t v) {
  Bytes b(8);
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(u >> (8 * i));
  return Value(BsonType::kInt64, std::move(b));
}

Value Value::binary(std::uint8_t subtype, ByteView data) {
  return Value(BsonType::kBinary, bson::binary_value(subtype, data));
}

std::optional<std::uint8_t> Value::binary_subtype() const noexcept {
  if (type_ != BsonType::kBinary || bytes_.size() < 5) return std::nullopt;
  return bytes_[4];
}

ByteView Value::binary_data() const noexcept {
  if (type_ != BsonType::kBinary || bytes_.size() < 5) return {};
  return ByteView(bytes_).subspan(5);
}

std::string_view Value::string_value() const noexcept {
  if (type_ != BsonType::kString || bytes_.size() < 5) return {};
  return {reinterpret_cast<const char*>(bytes_.data()) + 4, bytes_.size() - 5};
}

bool Value::is_fle1_ciphertext() const noexcept {
  auto subtype = binary_subtype();
  if (!subtype || *subtype != 6) return false;
  ByteView data = binary_data();
  return !data.empty() && (data[0] == 1 || data[0] == 2);
}

std::string Value::to_json(JsonMode mode) const {
  std::string doc = to_json_string(wrap_value("v", *this), mode);
  // `{ "v" : <value> }`: strip the wrapper libbson prints.
  const std::string prefix = "{ \"v\" : ";
  if (doc.rfind(prefix, 0) == 0 && doc.size() >= prefix.size() + 2) {
    return doc.substr(prefix.size(), doc.size() - prefix.size() - 2);
  }
  return doc;
}

// ---- Document ----

void DocumentAccess::wipe(Document& doc) {
  if (!doc.bytes_.empty()) OPENSSL_cleanse(doc.bytes_.data(), doc.bytes_.size());
  doc.bytes_ = Bytes{5, 0, 0, 0, 0};
}

Document::Document() : bytes_{5, 0, 0, 0, 0} {}

Result<Document> Document::from_bytes(ByteView bytes) { return from_bytes(Bytes(bytes.begin(), bytes.end())); }

Result<Document> Document::from_bytes(Bytes&& bytes) {
  bson_t doc;
  if (bytes.size() < 5 || !bson_init_static(&doc, bytes.data(), bytes.size())) {
    return fail(ErrorCode::kMalformedData,
                "malformed BSON document: the length prefix does not match its " +
                    std::to_string(bytes.size()) + " bytes");
  }
  std::size_t offset = 0;
  if (!bson::libbson_validate(bytes, offset)) {
    return fail(ErrorCode::kMalformedData,
                "malformed BSON document: invalid data at byte offset " + std::to_string(offset));
  }
  if (!bson::is_valid_value(BsonType::kDocument, bytes)) {
    return fail(ErrorCode::kMalformedData,
                "malformed BSON document: an element does not fit its document, or documents nest deeper than " +
                    std::to_string(bson::kMaxNesting) + " levels");
  }
  return Document(std::move(bytes));
}

Result<Document> Document::from_json(std::string_view json) {
  bson_error_t error;
  OwnedBson doc(bson_new_from_json(
      reinterpret_cast<const std::uint8_t*>(json.data()), static_cast<ssize_t>(json.size()), &error));
  if (doc.get() == nullptr) {
    return fail(ErrorCode::kInvalidArgument, std::string("invalid Extended JSON: ") + error.message);
  }
  const std::uint8_t* data = bson_get_data(doc.get());
  return from_bytes(ByteView(data, doc.get()->len));
}

std::string Document::to_json(JsonMode mode) const { return to_json_string(bytes_, mode); }

std::optional<Value> Document::get(std::string_view dotted_path) const {
  ByteView current = bytes_;
  while (true) {
    auto dot = dotted_path.find('.');
    std::string_view head = dotted_path.substr(0, dot);
    bson::ElementReader reader(current);
    std::optional<bson::Element> found;
    while (auto element = reader.next()) {
      if (element->key == head) {
        found = element;
        break;
      }
    }
    if (!found) return std::nullopt;
    if (dot == std::string_view::npos) {
      return Value(found->type, Bytes(found->value.begin(), found->value.end()));
    }
    if (found->type != BsonType::kDocument && found->type != BsonType::kArray) return std::nullopt;
    current = found->value;
    dotted_path.remove_prefix(dot + 1);
  }
}

std::vector<std::string> Document::keys() const {
  std::vector<std::string> keys;
  bson::ElementReader reader(bytes_);
  while (auto element = reader.next()) keys.emplace_back(element->key);
  return keys;
}

Document::Builder::Builder() { bson::Writer(bytes_).begin_document(); }

Document::Builder& Document::Builder::append(std::string_view key, const Value& value) {
  bson::Writer(bytes_).append(value.type(), key, value.bytes());
  return *this;
}

Document::Builder& Document::Builder::append(std::string_view key, const Document& subdocument) {
  bson::Writer(bytes_).append(BsonType::kDocument, key, subdocument.bytes());
  return *this;
}

Document Document::Builder::build() {
  bson::Writer(bytes_).end_document(0);
  Document doc(std::move(bytes_));
  bytes_.clear();
  bson::Writer(bytes_).begin_document();
  return doc;
}

}  // namespace openfle
