#include "kms/kmip/ttlv.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/encoding.h"

namespace openfle::kms::kmip {
namespace {

constexpr std::size_t padded(std::size_t n) { return (n + 7) / 8 * 8; }

std::uint32_t read_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | static_cast<std::uint32_t>(p[3]);
}

std::uint64_t read_u64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(read_u32(p)) << 32 | read_u32(p + 4);
}

void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

void put_u64(std::uint8_t* p, std::uint64_t v) {
  put_u32(p, static_cast<std::uint32_t>(v >> 32));
  put_u32(p + 4, static_cast<std::uint32_t>(v));
}

std::string hex24(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s = "0x";
  for (int shift = 20; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xF];
  return s;
}

bool is_known_type(std::uint8_t t) { return t >= 0x01 && t <= 0x0A; }

// The value length each fixed-size type must have (KMIP 1.0 section 9.1.1.4); 0 = variable.
std::size_t fixed_length(ItemType t) {
  switch (t) {
    case ItemType::kInteger:
    case ItemType::kEnumeration:
    case ItemType::kInterval:
      return 4;
    case ItemType::kLongInteger:
    case ItemType::kBoolean:
    case ItemType::kDateTime:
      return 8;
    default:
      return 0;
  }
}

// RFC 3629 section 4: well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_utf8(ByteView s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (std::size_t k = 2; k <= n; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string tag_name(Tag tag) {
  switch (tag) {
    case Tag::kAttribute:
      return "Attribute";
    case Tag::kAttributeName:
      return "AttributeName";
    case Tag::kAttributeValue:
      return "AttributeValue";
    case Tag::kBatchCount:
      return "BatchCount";
    case Tag::kBatchItem:
      return "BatchItem";
    case Tag::kBlockCipherMode:
      return "BlockCipherMode";
    case Tag::kCryptographicAlgorithm:
      return "CryptographicAlgorithm";
    case Tag::kCryptographicLength:
      return "CryptographicLength";
    case Tag::kCryptographicParameters:
      return "CryptographicParameters";
    case Tag::kCryptographicUsageMask:
      return "CryptographicUsageMask";
    case Tag::kIvCounterNonce:
      return "IVCounterNonce";
    case Tag::kKeyBlock:
      return "KeyBlock";
    case Tag::kKeyFormatType:
      return "KeyFormatType";
    case Tag::kKeyMaterial:
      return "KeyMaterial";
    case Tag::kKeyValue:
      return "KeyValue";
    case Tag::kObjectType:
      return "ObjectType";
    case Tag::kOperation:
      return "Operation";
    case Tag::kPaddingMethod:
      return "PaddingMethod";
    case Tag::kProtocolVersion:
      return "ProtocolVersion";
    case Tag::kProtocolVersionMajor:
      return "ProtocolVersionMajor";
    case Tag::kProtocolVersionMinor:
      return "ProtocolVersionMinor";
    case Tag::kRequestHeader:
      return "RequestHeader";
    case Tag::kRequestMessage:
      return "RequestMessage";
    case Tag::kRequestPayload:
      return "RequestPayload";
    case Tag::kResponseHeader:
      return "ResponseHeader";
    case Tag::kResponseMessage:
      return "ResponseMessage";
    case Tag::kResponsePayload:
      return "ResponsePayload";
    case Tag::kResultMessage:
      return "ResultMessage";
    case Tag::kResultReason:
      return "ResultReason";
    case Tag::kResultStatus:
      return "ResultStatus";
    case Tag::kSecretData:
      return "SecretData";
    case Tag::kSecretDataType:
      return "SecretDataType";
    case Tag::kSymmetricKey:
      return "SymmetricKey";
    case Tag::kTemplateAttribute:
      return "TemplateAttribute";
    case Tag::kTimeStamp:
      return "TimeStamp";
    case Tag::kUniqueBatchItemId:
      return "UniqueBatchItemID";
    case Tag::kUniqueIdentifier:
      return "UniqueIdentifier";
    case Tag::kData:
      return "Data";
    case Tag::kRandomIv:
      return "RandomIV";
  }
  return "tag " + hex24(static_cast<std::uint32_t>(tag));
}

std::string type_name(std::uint8_t type) {
  switch (type) {
    case 0x01:
      return "Structure";
    case 0x02:
      return "Integer";
    case 0x03:
      return "LongInteger";
    case 0x04:
      return "BigInteger";
    case 0x05:
      return "Enumeration";
    case 0x06:
      return "Boolean";
    case 0x07:
      return "TextString";
    case 0x08:
      return "ByteString";
    case 0x09:
      return "DateTime";
    case 0x0A:
      return "Interval";
    default:
      return "type 0x" + fmt_hex_byte(type);
  }
}

std::string type_name_with_article(ItemType type) {
  std::string name = type_name(static_cast<std::uint8_t>(type));
  bool vowel = name[0] == 'E' || name[0] == 'I';
  return (vowel ? "an " : "a ") + name;
}

std::optional<std::size_t> kmip_message_length(ByteView first8bytes) {
  if (first8bytes.size() != kHeaderSize) return std::nullopt;
  if (first8bytes[0] != 0x42) return std::nullopt;
  if (first8bytes[3] != static_cast<std::uint8_t>(ItemType::kStructure)) return std::nullopt;
  std::size_t length = read_u32(first8bytes.data() + 4);
  if (length % 8 != 0 || length > kMaxMessageSize - kHeaderSize) return std::nullopt;
  return kHeaderSize + length;
}

// ---- TtlvWriter ----

void TtlvWriter::ensure_room(std::size_t extra) {
  if (buffer_.size() - size_ >= extra) return;
  std::size_t capacity = std::max<std::size_t>(256, buffer_.size());
  while (capacity - size_ < extra) capacity *= 2;
  // Growing through SecretBytes: the old buffer is wiped when it is replaced.
  SecretBytes bigger(capacity);
  if (size_ > 0) std::memcpy(bigger.expose_mutable().data(), buffer_.expose().data(), size_);
  buffer_ = std::move(bigger);
}

void TtlvWriter::write_header(Tag tag, ItemType type, std::size_t length) {
  auto t = static_cast<std::uint32_t>(tag);
  std::uint8_t* p = buffer_.expose_mutable().data() + size_;
  p[0] = static_cast<std::uint8_t>(t >> 16);
  p[1] = static_cast<std::uint8_t>(t >> 8);
  p[2] = static_cast<std::uint8_t>(t);
  p[3] = static_cast<std::uint8_t>(type);
  put_u32(p + 4, static_cast<std::uint32_t>(length));
  size_ += kHeaderSize;
}

void TtlvWriter::write_value(Tag tag, ItemType type, const std::uint8_t* data, std::size_t size) {
  if (error_) return;
  if (size > kMaxMessageSize || size_ + kHeaderSize + padded(size) > kMaxMessageSize) {
    error_ = "a " + tag_name(tag) + " of " + std::to_string(size) +
             " bytes would make the KMIP message larger than the 16 MiB limit";
    return;
  }
  ensure_room(kHeaderSize + padded(size));
  write_header(tag, type, size);
  std::uint8_t* p = buffer_.expose_mutable().data() + size_;
  if (size > 0) std::memcpy(p, data, size);
  // Padding must be zero (KMIP 1.0 section 9.1.1.3); a reused buffer may hold old bytes.
  std::memset(p + size, 0, padded(size) - size);
  size_ += padded(size);
}

void TtlvWriter::begin_structure(Tag tag) {
  if (error_) return;
  if (size_ + kHeaderSize > kMaxMessageSize) {
    error_ = "the KMIP message grew larger than the 16 MiB limit";
    return;
  }
  ensure_room(kHeaderSize);
  open_.push_back(size_);
  write_header(tag, ItemType::kStructure, 0);  // length patched by end_structure()
}

void TtlvWriter::end_structure() {
  if (error_) return;
  if (open_.empty()) {
    error_ = "end_structure() without a matching begin_structure()";
    return;
  }
  std::size_t header = open_.back();
  open_.pop_back();
  put_u32(buffer_.expose_mutable().data() + header + 4,
          static_cast<std::uint32_t>(size_ - header - kHeaderSize));
}

void TtlvWriter::write_integer(Tag tag, std::int32_t value) {
  std::uint8_t b[4];
  put_u32(b, static_cast<std::uint32_t>(value));
  write_value(tag, ItemType::kInteger, b, sizeof(b));
}

void TtlvWriter::write_long_integer(Tag tag, std::int64_t value) {
  std::uint8_t b[8];
  put_u64(b, static_cast<std::uint64_t>(value));
  write_value(tag, ItemType::kLongInteger, b, sizeof(b));
}

void TtlvWriter::write_enumeration(Tag tag, std::uint32_t value) {
  std::uint8_t b[4];
  put_u32(b, value);
  write_value(tag, ItemType::kEnumeration, b, sizeof(b));
}

void TtlvWriter::write_boolean(Tag tag, bool value) {
  std::uint8_t b[8];
  put_u64(b, value ? 1 : 0);
  write_value(tag, ItemType::kBoolean, b, sizeof(b));
}

void TtlvWriter::write_text_string(Tag tag, std::string_view value) {
  write_value(tag, ItemType::kTextString, reinterpret_cast<const std::uint8_t*>(value.data()),
              value.size());
}

void TtlvWriter::write_byte_string(Tag tag, ByteView value) {
  write_value(tag, ItemType::kByteString, value.data(), value.size());
}

void TtlvWriter::write_date_time(Tag tag, std::int64_t seconds) {
  std::uint8_t b[8];
  put_u64(b, static_cast<std::uint64_t>(seconds));
  write_value(tag, ItemType::kDateTime, b, sizeof(b));
}

void TtlvWriter::write_interval(Tag tag, std::uint32_t seconds) {
  std::uint8_t b[4];
  put_u32(b, seconds);
  write_value(tag, ItemType::kInterval, b, sizeof(b));
}

Result<SecretBytes> TtlvWriter::finish() && {
  if (!error_ && !open_.empty()) {
    error_ = std::to_string(open_.size()) + " structure(s) still open";
  }
  if (error_) return fail(ErrorCode::kInternal, "KMIP encoding failed: " + *error_);
  SecretBytes out = SecretBytes::copy_of(buffer_.expose().first(size_));
  buffer_ = SecretBytes();
  size_ = 0;
  return out;
}

// ---- TtlvNode ----

Tag TtlvNode::tag() const noexcept { return static_cast<Tag>(record().tag); }
ItemType TtlvNode::type() const noexcept { return record().type; }
std::size_t TtlvNode::offset() const noexcept { return record().offset; }
std::size_t TtlvNode::length() const noexcept { return record().length; }

ByteView TtlvNode::value() const noexcept {
  return bytes_.subspan(record().offset + kHeaderSize, record().length);
}

std::vector<TtlvNode> TtlvNode::children() const {
  std::vector<TtlvNode> out;
  for (std::uint32_t i = record().first_child; i != kNone; i = records_[i].next_sibling) {
    out.push_back(TtlvNode(records_, bytes_, i));
  }
  return out;
}

std::optional<TtlvNode> TtlvNode::find(Tag tag) const {
  auto t = static_cast<std::uint32_t>(tag);
  for (std::uint32_t i = record().first_child; i != kNone; i = records_[i].next_sibling) {
    if (records_[i].tag == t) return TtlvNode(records_, bytes_, i);
  }
  return std::nullopt;
}

std::size_t TtlvNode::count(Tag tag) const {
  auto t = static_cast<std::uint32_t>(tag);
  std::size_t n = 0;
  for (std::uint32_t i = record().first_child; i != kNone; i = records_[i].next_sibling) {
    if (records_[i].tag == t) ++n;
  }
  return n;
}

Result<TtlvNode> TtlvNode::require(Tag tag) const {
  if (auto node = find(tag)) return *node;
  return fail(ErrorCode::kMalformedData, tag_name(this->tag()) + " at offset " +
                                             std::to_string(offset()) + " has no " + tag_name(tag));
}

Result<TtlvNode> TtlvNode::require_path(std::initializer_list<Tag> path) const {
  TtlvNode node = *this;
  for (Tag tag : path) {
    auto next = node.require(tag);
    if (!next) return next;
    node = *next;
  }
  return node;
}

Status TtlvNode::expect_type(ItemType type) const {
  if (record().type == type) return {};
  return fail(ErrorCode::kMalformedData, tag_name(tag()) + " at offset " +
                                             std::to_string(offset()) + " is " +
                                             type_name_with_article(record().type) + ", expected " +
                                             type_name_with_article(type));
}

Result<std::int32_t> TtlvNode::integer() const {
  if (auto s = expect_type(ItemType::kInteger); !s) return fail(s.error());
  return static_cast<std::int32_t>(read_u32(value().data()));
}

Result<std::int64_t> TtlvNode::long_integer() const {
  if (auto s = expect_type(ItemType::kLongInteger); !s) return fail(s.error());
  return static_cast<std::int64_t>(read_u64(value().data()));
}

Result<std::uint32_t> TtlvNode::enumeration() const {
  if (auto s = expect_type(ItemType::kEnumeration); !s) return fail(s.error());
  return read_u32(value().data());
}

Result<bool> TtlvNode::boolean() const {
  if (auto s = expect_type(ItemType::kBoolean); !s) return fail(s.error());
  return read_u64(value().data()) == 1;  // the parser allows only 0 and 1
}

Result<std::string_view> TtlvNode::text() const {
  if (auto s = expect_type(ItemType::kTextString); !s) return fail(s.error());
  ByteView v = value();
  if (!is_utf8(v)) {
    return fail(ErrorCode::kMalformedData,
                tag_name(tag()) + " at offset " + std::to_string(offset()) + " is not valid UTF-8");
  }
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

Result<ByteView> TtlvNode::byte_string() const {
  if (auto s = expect_type(ItemType::kByteString); !s) return fail(s.error());
  return value();
}

Result<ByteView> TtlvNode::big_integer() const {
  if (auto s = expect_type(ItemType::kBigInteger); !s) return fail(s.error());
  return value();
}

Result<std::int64_t> TtlvNode::date_time() const {
  if (auto s = expect_type(ItemType::kDateTime); !s) return fail(s.error());
  return static_cast<std::int64_t>(read_u64(value().data()));
}

Result<std::uint32_t> TtlvNode::interval() const {
  if (auto s = expect_type(ItemType::kInterval); !s) return fail(s.error());
  return read_u32(value().data());
}

// ---- TtlvTree ----

Result<TtlvTree> TtlvTree::parse(ByteView bytes) {
  auto malformed = [](std::size_t at, const std::string& what) {
    return fail(ErrorCode::kMalformedData,
                "KMIP TTLV at offset " + std::to_string(at) + ": " + what);
  };
  if (bytes.size() > kMaxMessageSize) {
    return fail(ErrorCode::kMalformedData, "KMIP message of " + std::to_string(bytes.size()) +
                                               " bytes is over the 16 MiB limit");
  }
  if (bytes.empty()) return fail(ErrorCode::kMalformedData, "KMIP message is empty");

  using Record = TtlvNode::Record;
  constexpr std::uint32_t kNone = TtlvNode::kNone;
  std::vector<Record> records;

  // An explicit stack of open structures instead of recursion: depth is bounded and a hostile
  // message cannot exhaust the call stack.
  struct Frame {
    std::uint32_t node;        // kNone for the top level
    std::size_t end;           // where the structure's value ends
    std::uint32_t last_child;  // kNone until the first child is linked
  };
  std::vector<Frame> stack;
  stack.push_back({kNone, bytes.size(), kNone});

  std::size_t pos = 0;
  while (true) {
    while (stack.size() > 1 && pos == stack.back().end) stack.pop_back();
    Frame& frame = stack.back();
    if (pos == frame.end) break;  // only the top level is left, and it is complete
    if (stack.size() == 1 && !records.empty()) {
      return malformed(pos,
                       std::to_string(bytes.size() - pos) + " bytes follow the end of the message");
    }
    if (frame.end - pos < kHeaderSize) {
      return malformed(
          pos, "an item header needs 8 bytes but only " + std::to_string(frame.end - pos) +
                   " remain in " +
                   (frame.node == kNone ? std::string("the message")
                                        : tag_name(static_cast<Tag>(records[frame.node].tag))));
    }
    const std::uint8_t* h = bytes.data() + pos;
    auto tag =
        static_cast<std::uint32_t>(h[0]) << 16 | static_cast<std::uint32_t>(h[1]) << 8 | h[2];
    std::uint8_t raw_type = h[3];
    std::size_t length = read_u32(h + 4);
    auto name = [tag] { return tag_name(static_cast<Tag>(tag)); };
    if (!is_known_type(raw_type)) {
      return malformed(pos, name() + " has unknown item type 0x" + fmt_hex_byte(raw_type));
    }
    auto type = static_cast<ItemType>(raw_type);
    std::size_t room = frame.end - pos - kHeaderSize;
    if (length > room || padded(length) > room) {
      return malformed(pos, name() + " claims " + std::to_string(length) +
                                " value bytes (padded to " + std::to_string(padded(length)) +
                                ") but its enclosing item has " + std::to_string(room) + " left");
    }
    std::size_t fixed = fixed_length(type);
    if (fixed != 0 && length != fixed) {
      return malformed(pos, name() + " is " + type_name_with_article(type) + " of length " +
                                std::to_string(length) + ", expected " + std::to_string(fixed));
    }
    if ((type == ItemType::kStructure || type == ItemType::kBigInteger) && length % 8 != 0) {
      return malformed(pos, name() + " is " + type_name_with_article(type) + " of length " +
                                std::to_string(length) + ", expected a multiple of 8");
    }
    if (type == ItemType::kBoolean) {
      std::uint64_t v = read_u64(h + kHeaderSize);
      if (v > 1) return malformed(pos, name() + " is a Boolean with a value other than 0 or 1");
    }

    auto index = static_cast<std::uint32_t>(records.size());
    records.push_back({tag, type, static_cast<std::uint32_t>(pos),
                       static_cast<std::uint32_t>(length), kNone, kNone});
    if (frame.node != kNone) {
      if (frame.last_child == kNone) {
        records[frame.node].first_child = index;
      } else {
        records[frame.last_child].next_sibling = index;
      }
    }
    frame.last_child = index;

    if (type == ItemType::kStructure) {
      if (stack.size() > kMaxDepth) {
        return malformed(
            pos, name() + " is nested more than " + std::to_string(kMaxDepth) + " structures deep");
      }
      stack.push_back({index, pos + kHeaderSize + length, kNone});  // may invalidate `frame`
      pos += kHeaderSize;
    } else {
      pos += kHeaderSize + padded(length);
    }
  }
  return TtlvTree(bytes, std::move(records));
}

}  // namespace openfle::kms::kmip
