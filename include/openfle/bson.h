// BSON values and documents as openfle takes and returns them.
//
// A Value is one BSON value: its element type and its raw value bytes (what the BSON spec calls the
// value part of an element, without type byte or key). This is exactly the plaintext FLE1 encrypts.
// A Document is a complete, validated BSON document. Both convert to and from MongoDB Extended JSON
// (canonical or relaxed), so callers need no BSON library of their own:
//
//   auto doc = openfle::Document::from_json(R"({"ssn": "123-45-6789", "age": {"$numberInt": "41"}})");
//   auto ssn = openfle::Value::from_json(R"("123-45-6789")");
//
// Both are plain values: copyable, movable, immutable after construction, safe to share.
#ifndef OPENFLE_BSON_H_
#define OPENFLE_BSON_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/status.h"

namespace openfle {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class BsonType : std::uint8_t {
  kDouble = 0x01,
  kString = 0x02,
  kDocument = 0x03,
  kArray = 0x04,
  kBinary = 0x05,
  kUndefined = 0x06,
  kObjectId = 0x07,
  kBool = 0x08,
  kDateTime = 0x09,
  kNull = 0x0A,
  kRegex = 0x0B,
  kDbPointer = 0x0C,
  kCode = 0x0D,
  kSymbol = 0x0E,
  kCodeWithScope = 0x0F,
  kInt32 = 0x10,
  kTimestamp = 0x11,
  kInt64 = 0x12,
  kDecimal128 = 0x13,
  kMaxKey = 0x7F,
  kMinKey = 0xFF,
};

// MongoDB's alias for a type, as $type and JSON Schema bsonType use it: "string", "int", "binData"...
// Unknown type bytes give "unknown".
std::string_view bson_type_name(BsonType type) noexcept;
// The inverse of bson_type_name; nullopt for a name MongoDB does not define.
std::optional<BsonType> bson_type_from_name(std::string_view name) noexcept;

enum class JsonMode { kCanonical, kRelaxed };

class Value {
 public:
  // Validates that `bytes` is a well-formed value of `type`.
  static Result<Value> from_bytes(BsonType type, ByteView bytes);
  // One Extended JSON value, e.g. `"text"`, `{"$numberLong": "7"}`, `[1, 2]`.
  static Result<Value> from_json(std::string_view json);
  static Value string(std::string_view text);
  static Value int32(std::int32_t v);
  static Value int64(std::int64_t v);
  static Value binary(std::uint8_t subtype, ByteView data);

  [[nodiscard]] BsonType type() const noexcept { return type_; }
  [[nodiscard]] ByteView bytes() const noexcept { return bytes_; }
  // For kBinary: the subtype and payload; nullopt for other types.
  [[nodiscard]] std::optional<std::uint8_t> binary_subtype() const noexcept;
  [[nodiscard]] ByteView binary_data() const noexcept;
  // For kString: the text (without the trailing NUL); empty view for other types.
  [[nodiscard]] std::string_view string_value() const noexcept;
  // True for a BSON Binary subtype 6 holding an FLE1 ciphertext (blob subtype 1 or 2).
  [[nodiscard]] bool is_fle1_ciphertext() const noexcept;

  [[nodiscard]] std::string to_json(JsonMode mode = JsonMode::kCanonical) const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Value(BsonType type, Bytes bytes) : type_(type), bytes_(std::move(bytes)) {}
  friend class Document;
  friend struct ValueAccess;

  BsonType type_ = BsonType::kNull;
  Bytes bytes_;
};

class Document {
 public:
  // The empty document {}.
  Document();
  // Validates the bytes (lengths, terminators, UTF-8 keys and strings, nesting).
  static Result<Document> from_bytes(ByteView bytes);
  static Result<Document> from_bytes(Bytes&& bytes);
  // Parses one Extended JSON document (canonical, relaxed, or legacy shell forms).
  static Result<Document> from_json(std::string_view json);

  [[nodiscard]] ByteView bytes() const noexcept { return bytes_; }
  [[nodiscard]] std::string to_json(JsonMode mode = JsonMode::kCanonical) const;

  // The value at a dotted path ("a.b.c"); nullopt when a component is missing or not a document.
  [[nodiscard]] std::optional<Value> get(std::string_view dotted_path) const;
  // Top-level field names, in order.
  [[nodiscard]] std::vector<std::string> keys() const;
  [[nodiscard]] bool empty() const noexcept { return bytes_.size() <= 5; }

  friend bool operator==(const Document&, const Document&) = default;

  // Builds a document field by field, in order.
  class Builder {
   public:
    Builder();
    Builder& append(std::string_view key, const Value& value);
    Builder& append(std::string_view key, const Document& subdocument);
    // The finished document; the builder is left empty.
    Document build();

   private:
    Bytes bytes_;
  };

 private:
  explicit Document(Bytes bytes) : bytes_(std::move(bytes)) {}
  friend struct DocumentAccess;

  Bytes bytes_;
};

}  // namespace openfle

#endif  // OPENFLE_BSON_H_
