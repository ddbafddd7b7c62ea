#include "bson/raw.h"

#include <bson/bson.h>

#include <cstring>

namespace openfle::bson {
namespace {

// Length of a NUL-terminated C string at the start of `data`, terminator included.
std::optional<std::size_t> cstring_size(ByteView data) noexcept {
  const void* nul = std::memchr(data.data(), 0, data.size());
  if (nul == nullptr) return std::nullopt;
  return static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - data.data()) + 1;
}

// int32 length, bytes, NUL: a BSON string.
std::optional<std::size_t> string_size(ByteView data) noexcept {
  if (data.size() < 5) return std::nullopt;
  std::int32_t len = read_i32(data.data());
  if (len < 1 || static_cast<std::size_t>(len) > data.size() - 4) return std::nullopt;
  if (data[4 + static_cast<std::size_t>(len) - 1] != 0) return std::nullopt;
  return 4 + static_cast<std::size_t>(len);
}

std::optional<std::size_t> document_size(ByteView data) noexcept {
  if (data.size() < 5) return std::nullopt;
  std::int32_t len = read_i32(data.data());
  if (len < 5 || static_cast<std::size_t>(len) > data.size()) return std::nullopt;
  if (data[static_cast<std::size_t>(len) - 1] != 0) return std::nullopt;
  return static_cast<std::size_t>(len);
}

std::optional<std::size_t> fixed(std::size_t n, ByteView data) noexcept {
  if (data.size() < n) return std::nullopt;
  return n;
}

bool walk_is_complete(ByteView data, int depth) noexcept;

// libbson's validation lets some corrupt documents through (an unknown element type inside a
// subdocument ends its iteration without an error; strings that are not UTF-8), so every element
// is also walked with the reader the rest of openfle uses, to a bounded depth: recursive walkers
// (decryption, query analysis) can then trust what was accepted.
bool valid_document(ByteView data) noexcept {
  std::size_t offset = 0;
  return libbson_validate(data, offset) && walk_is_complete(data, 0);
}

bool utf8(ByteView text) noexcept {
  return bson_utf8_validate(reinterpret_cast<const char*>(text.data()), text.size(), true);
}

bool walk_is_complete(ByteView data, int depth) noexcept {
  if (depth > kMaxNesting) return false;
  ElementReader reader(data);
  while (auto e = reader.next()) {
    // libbson 1.23's bson_validate passes strings that are not UTF-8 (e.g. a lone 0xE1).
    if (!utf8(ByteView(reinterpret_cast<const std::uint8_t*>(e->key.data()), e->key.size()))) return false;
    if (e->type == BsonType::kString || e->type == BsonType::kCode || e->type == BsonType::kSymbol) {
      if (!utf8(e->value.subspan(4, e->value.size() - 5))) return false;
    } else if (e->type == BsonType::kDocument || e->type == BsonType::kArray) {
      if (!walk_is_complete(e->value, depth + 1)) return false;
    } else if (e->type == BsonType::kCodeWithScope) {
      auto code = string_size(e->value.subspan(4));
      if (!code || !walk_is_complete(e->value.subspan(4 + *code), depth + 1)) return false;
    }
  }
  return !reader.malformed();
}

}  // namespace

bool libbson_validate(ByteView document, std::size_t& offset) noexcept {
  bson_t doc;
  offset = 0;
  if (!bson_init_static(&doc, document.data(), document.size())) return false;
  // BSON_VALIDATE_UTF8_ALLOW_NULL alone does not check UTF-8: both flags are needed.
  const auto flags = static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL);
  return bson_validate(&doc, flags, &offset);
}

std::optional<std::size_t> value_size(BsonType type, ByteView data) noexcept {
  switch (type) {
    case BsonType::kDouble:
    case BsonType::kDateTime:
    case BsonType::kTimestamp:
    case BsonType::kInt64:
      return fixed(8, data);
    case BsonType::kString:
    case BsonType::kCode:
    case BsonType::kSymbol:
      return string_size(data);
    case BsonType::kDocument:
    case BsonType::kArray:
      return document_size(data);
    case BsonType::kBinary: {
      if (data.size() < 5) return std::nullopt;
      std::int32_t len = read_i32(data.data());
      if (len < 0 || static_cast<std::size_t>(len) > data.size() - 5) return std::nullopt;
      return 5 + static_cast<std::size_t>(len);
    }
    case BsonType::kUndefined:
    case BsonType::kNull:
    case BsonType::kMaxKey:
    case BsonType::kMinKey:
      return 0;
    case BsonType::kObjectId:
      return fixed(12, data);
    case BsonType::kBool:
      if (data.empty() || data[0] > 1) return std::nullopt;
      return 1;
    case BsonType::kRegex: {
      auto pattern = cstring_size(data);
      if (!pattern) return std::nullopt;
      auto options = cstring_size(data.subspan(*pattern));
      if (!options) return std::nullopt;
      return *pattern + *options;
    }
    case BsonType::kDbPointer: {
      auto ns = string_size(data);
      if (!ns || data.size() - *ns < 12) return std::nullopt;
      return *ns + 12;
    }
    case BsonType::kCodeWithScope: {
      if (data.size() < 4) return std::nullopt;
      std::int32_t total = read_i32(data.data());
      // int32 total, string (>= 5 bytes), document (>= 5 bytes).
      if (total < 14 || static_cast<std::size_t>(total) > data.size()) return std::nullopt;
      ByteView inner = data.subspan(4, static_cast<std::size_t>(total) - 4);
      auto code = string_size(inner);
      if (!code) return std::nullopt;
      auto scope = document_size(inner.subspan(*code));
      if (!scope || *code + *scope != inner.size()) return std::nullopt;
      return static_cast<std::size_t>(total);
    }
    case BsonType::kInt32:
      return fixed(4, data);
    case BsonType::kDecimal128:
      return fixed(16, data);
  }
  return std::nullopt;
}

bool is_valid_value(BsonType type, ByteView data) noexcept {
  auto size = value_size(type, data);
  if (!size || *size != data.size()) return false;
  switch (type) {
    case BsonType::kDocument:
    case BsonType::kArray:
      return valid_document(data);
    case BsonType::kString:
    case BsonType::kCode:
    case BsonType::kSymbol: {
      auto text = data.subspan(4, data.size() - 5);
      return bson_utf8_validate(reinterpret_cast<const char*>(text.data()), text.size(), true);
    }
    case BsonType::kCodeWithScope: {
      auto code_size = string_size(data.subspan(4));
      return code_size && valid_document(data.subspan(4 + *code_size));
    }
    default:
      return true;
  }
}

ElementReader::ElementReader(ByteView document) noexcept : doc_(document) {
  auto size = document_size(document);
  if (!size) {
    malformed_ = true;
    pos_ = end_ = 0;
    return;
  }
  end_ = *size - 1;  // the terminating NUL
}

std::optional<Element> ElementReader::next() noexcept {
  if (malformed_ || pos_ >= end_) return std::nullopt;
  const std::size_t start = pos_;
  auto type = static_cast<BsonType>(doc_[pos_]);
  ByteView rest = doc_.subspan(pos_ + 1, end_ - pos_ - 1);
  auto key_size = cstring_size(rest);
  if (!key_size) {
    malformed_ = true;
    return std::nullopt;
  }
  ByteView value_bytes = rest.subspan(*key_size);
  auto size = value_size(type, value_bytes);
  if (!size) {
    malformed_ = true;
    return std::nullopt;
  }
  pos_ = start + 1 + *key_size + *size;
  return Element{type,
                 std::string_view(reinterpret_cast<const char*>(rest.data()), *key_size - 1),
                 value_bytes.first(*size), doc_.subspan(start, pos_ - start)};
}

std::size_t Writer::begin_document() {
  std::size_t mark = out_.size();
  out_.resize(out_.size() + 4);
  return mark;
}

void Writer::end_document(std::size_t mark) {
  out_.push_back(0);
  write_i32(out_.data() + mark, static_cast<std::int32_t>(out_.size() - mark));
}

void Writer::append_header(BsonType type, std::string_view key) {
  out_.push_back(static_cast<std::uint8_t>(type));
  out_.insert(out_.end(), key.begin(), key.end());
  out_.push_back(0);
}

void Writer::append(BsonType type, std::string_view key, ByteView value) {
  append_header(type, key);
  append_raw(value);
}

Bytes string_value(std::string_view text) {
  Bytes out(4);
  write_i32(out.data(), static_cast<std::int32_t>(text.size() + 1));
  out.insert(out.end(), text.begin(), text.end());
  out.push_back(0);
  return out;
}

Bytes binary_value(std::uint8_t subtype, ByteView data) {
  Bytes out(5);
  write_i32(out.data(), static_cast<std::int32_t>(data.size()));
  out[4] = subtype;
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace openfle::bson
