// Raw BSON reading and writing for openfle's hot paths (document decryption and encryption), where
// going through a general BSON library would cost allocations per field. Readers are bounds-checked,
// so they are safe on untrusted bytes; writers append to a Bytes buffer.
#ifndef OPENFLE_BSON_RAW_H_
#define OPENFLE_BSON_RAW_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "openfle/bson.h"

namespace openfle::bson {

inline std::int32_t read_i32(const std::uint8_t* p) {
  std::uint32_t v = static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
                    static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
  return static_cast<std::int32_t>(v);
}

inline void write_i32(std::uint8_t* p, std::int32_t value) {
  auto v = static_cast<std::uint32_t>(value);
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

// The number of bytes the value of `type` occupies at the start of `data`, or nullopt if `data` does
// not begin with a structurally complete value of that type (nested documents are not walked).
std::optional<std::size_t> value_size(BsonType type, ByteView data) noexcept;

// libbson's checks of a document openfle accepts: lengths, terminators, UTF-8 in keys and strings
// (NUL bytes allowed in strings, as BSON allows them). On failure `offset` is where it failed.
bool libbson_validate(ByteView document, std::size_t& offset) noexcept;

// How deep documents and arrays may nest in a value openfle accepts (MongoDB allows 100 levels in
// stored documents, a little more in commands).
inline constexpr int kMaxNesting = 200;

// True when `data` is exactly one well-formed value of `type`, nested documents included (at most
// kMaxNesting levels).
bool is_valid_value(BsonType type, ByteView data) noexcept;

struct Element {
  BsonType type;
  std::string_view key;
  ByteView value;  // the value bytes
  ByteView raw;    // type byte, key and value: the whole element
};

// Iterates the elements of a BSON document. Stops (and sets malformed()) at the first element that
// does not fit, so it can walk untrusted bytes.
class ElementReader {
 public:
  explicit ElementReader(ByteView document) noexcept;
  // The next element, or nullopt at the end or on malformed input.
  std::optional<Element> next() noexcept;
  [[nodiscard]] bool malformed() const noexcept { return malformed_; }

 private:
  ByteView doc_;
  std::size_t pos_ = 4;
  std::size_t end_ = 0;
  bool malformed_ = false;
};

// Appends documents element by element. begin_document() returns a mark for end_document(), which
// writes the terminator and patches the length; documents nest.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  std::size_t begin_document();
  void end_document(std::size_t mark);
  void append(BsonType type, std::string_view key, ByteView value);
  // The header of an element whose value the caller then writes (e.g. a subdocument).
  void append_header(BsonType type, std::string_view key);
  void append_raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  Bytes& buffer() { return out_; }

 private:
  Bytes& out_;
};

// Value bytes of common types.
Bytes string_value(std::string_view text);
Bytes binary_value(std::uint8_t subtype, ByteView data);

}  // namespace openfle::bson

#endif  // OPENFLE_BSON_RAW_H_
