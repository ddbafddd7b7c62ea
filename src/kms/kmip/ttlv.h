// KMIP's TTLV encoding (Tag, Type, Length, Value): a writer for requests and a reader for replies.
//
// Spec: KMIP 1.0 section 9.1 "TTLV Encoding" (unchanged through 1.4). Every item is a 3-byte tag
// (0x42xxxx for standard tags), a 1-byte type, a 4-byte big-endian length of the value, then the
// value, padded with zeros to a multiple of 8 bytes. A Structure's value is its items, so its
// length counts their padded sizes.
//
// Neither class does I/O. Requests can carry key material (Register, Encrypt), so the writer
// builds into wiping memory and hands back SecretBytes. The reader borrows the caller's bytes
// (which the caller holds in SecretBytes when they may contain secrets) and copies nothing.
//
//   TtlvWriter w;
//   w.begin_structure(Tag::kProtocolVersion);
//   w.write_integer(Tag::kProtocolVersionMajor, 1);
//   w.write_integer(Tag::kProtocolVersionMinor, 0);
//   w.end_structure();
//   Result<SecretBytes> bytes = std::move(w).finish();
//
//   Result<TtlvTree> tree = TtlvTree::parse(reply.expose());
//   Result<TtlvNode> status = tree->root().require_path({Tag::kBatchItem, Tag::kResultStatus});
//   Result<std::uint32_t> value = status->enumeration();
//
// Both classes are single-threaded values; a parsed tree is read-only and may be shared.
#ifndef OPENFLE_KMS_KMIP_TTLV_H_
#define OPENFLE_KMS_KMIP_TTLV_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::kmip {

// Replies and requests larger than this are refused, as libmongocrypt does since MONGOCRYPT-906
// (a KMIP message it needs is a few hundred bytes).
inline constexpr std::size_t kMaxMessageSize = std::size_t{16} * 1024 * 1024;
// Structures nested deeper than this are refused; the messages openfle reads nest 7 levels.
inline constexpr std::size_t kMaxDepth = 32;
// Size of an item header: tag (3), type (1), length (4).
inline constexpr std::size_t kHeaderSize = 8;

// Item types, KMIP 1.0 section 9.1.1.2.
enum class ItemType : std::uint8_t {
  kStructure = 0x01,
  kInteger = 0x02,
  kLongInteger = 0x03,
  kBigInteger = 0x04,
  kEnumeration = 0x05,
  kBoolean = 0x06,
  kTextString = 0x07,
  kByteString = 0x08,
  kDateTime = 0x09,
  kInterval = 0x0A,
};

// The tags openfle writes or reads (KMIP 1.2 section 9.1.3.1). Any other 24-bit value is a valid
// Tag too: the reader keeps unknown tags so callers can skip them.
enum class Tag : std::uint32_t {
  kAttribute = 0x420008,
  kAttributeName = 0x42000A,
  kAttributeValue = 0x42000B,
  kBatchCount = 0x42000D,
  kBatchItem = 0x42000F,
  kBlockCipherMode = 0x420011,
  kCryptographicAlgorithm = 0x420028,
  kCryptographicLength = 0x42002A,
  kCryptographicParameters = 0x42002B,
  kCryptographicUsageMask = 0x42002C,
  kIvCounterNonce = 0x42003D,
  kKeyBlock = 0x420040,
  kKeyFormatType = 0x420042,
  kKeyMaterial = 0x420043,
  kKeyValue = 0x420045,
  kObjectType = 0x420057,
  kOperation = 0x42005C,
  kPaddingMethod = 0x42005F,
  kProtocolVersion = 0x420069,
  kProtocolVersionMajor = 0x42006A,
  kProtocolVersionMinor = 0x42006B,
  kRequestHeader = 0x420077,
  kRequestMessage = 0x420078,
  kRequestPayload = 0x420079,
  kResponseHeader = 0x42007A,
  kResponseMessage = 0x42007B,
  kResponsePayload = 0x42007C,
  kResultMessage = 0x42007D,
  kResultReason = 0x42007E,
  kResultStatus = 0x42007F,
  kSecretData = 0x420085,
  kSecretDataType = 0x420086,
  kSymmetricKey = 0x42008F,
  kTemplateAttribute = 0x420091,
  kTimeStamp = 0x420092,
  kUniqueBatchItemId = 0x420093,
  kUniqueIdentifier = 0x420094,
  kData = 0x4200C2,
  kRandomIv = 0x4200C5,
};

// "ResultStatus" for known tags, "tag 0x42ABCD" otherwise: for error messages.
std::string tag_name(Tag tag);
// "Enumeration", "TextString", ...; "type 0x0b" for an unknown byte.
std::string type_name(std::uint8_t type);
// The same with "a" or "an" in front: "an Enumeration", "a TextString".
std::string type_name_with_article(ItemType type);

// Total size (header included) of the TTLV message that starts with `first8bytes`, so a
// transport knows how much more to read; nullopt if those bytes cannot start a KMIP message: not
// 8 bytes, a tag outside 0x42xxxx, not a Structure, a length that is not a multiple of 8, or a
// total over kMaxMessageSize.
std::optional<std::size_t> kmip_message_length(ByteView first8bytes);

class TtlvWriter {
 public:
  TtlvWriter() = default;
  TtlvWriter(const TtlvWriter&) = delete;
  TtlvWriter& operator=(const TtlvWriter&) = delete;

  void begin_structure(Tag tag);
  void end_structure();

  void write_integer(Tag tag, std::int32_t value);
  void write_long_integer(Tag tag, std::int64_t value);
  void write_enumeration(Tag tag, std::uint32_t value);
  void write_boolean(Tag tag, bool value);
  void write_text_string(Tag tag, std::string_view value);
  void write_byte_string(Tag tag, ByteView value);
  // Seconds since the Unix epoch, as a signed 64-bit value (KMIP 1.0 section 9.1.1.4).
  void write_date_time(Tag tag, std::int64_t seconds);
  void write_interval(Tag tag, std::uint32_t seconds);

  // The encoding. Fails (kInternal) if a structure is still open, end_structure() had no
  // structure to close, or the message grew past kMaxMessageSize; the writer is then spent.
  Result<SecretBytes> finish() &&;

 private:
  void write_header(Tag tag, ItemType type, std::size_t length);
  void write_value(Tag tag, ItemType type, const std::uint8_t* data, std::size_t size);
  void ensure_room(std::size_t extra);

  SecretBytes buffer_;             // capacity is buffer_.size(); wiped when replaced
  std::size_t size_ = 0;           // bytes written
  std::vector<std::size_t> open_;  // offsets of the headers of open structures
  std::optional<std::string> error_;
};

class TtlvTree;

// One item of a parsed message. A cheap handle: valid as long as the TtlvTree it came from and
// the bytes that tree was parsed from (moving the tree keeps it valid).
class TtlvNode {
 public:
  [[nodiscard]] Tag tag() const noexcept;
  [[nodiscard]] ItemType type() const noexcept;
  // Where the item's header starts in the parsed bytes (for error messages).
  [[nodiscard]] std::size_t offset() const noexcept;
  // The value's length as encoded (before padding).
  [[nodiscard]] std::size_t length() const noexcept;

  // Direct children of a Structure, in order (empty for other types).
  [[nodiscard]] std::vector<TtlvNode> children() const;
  // The first direct child with `tag`, or nullopt.
  [[nodiscard]] std::optional<TtlvNode> find(Tag tag) const;
  [[nodiscard]] std::size_t count(Tag tag) const;
  // The first direct child with `tag`, or an error (kMalformedData) naming what is missing where.
  [[nodiscard]] Result<TtlvNode> require(Tag tag) const;
  // require() applied along a path of tags.
  [[nodiscard]] Result<TtlvNode> require_path(std::initializer_list<Tag> path) const;

  // Typed values. Each fails (kMalformedData) if the item has another type.
  [[nodiscard]] Result<std::int32_t> integer() const;
  [[nodiscard]] Result<std::int64_t> long_integer() const;
  [[nodiscard]] Result<std::uint32_t> enumeration() const;
  [[nodiscard]] Result<bool> boolean() const;
  // TextString must be valid UTF-8.
  [[nodiscard]] Result<std::string_view> text() const;
  [[nodiscard]] Result<ByteView> byte_string() const;
  // Big-endian two's complement, as encoded (a multiple of 8 bytes).
  [[nodiscard]] Result<ByteView> big_integer() const;
  [[nodiscard]] Result<std::int64_t> date_time() const;
  [[nodiscard]] Result<std::uint32_t> interval() const;

 private:
  friend class TtlvTree;
  struct Record {
    std::uint32_t tag;
    ItemType type;
    std::uint32_t offset;        // of the header
    std::uint32_t length;        // of the value, unpadded
    std::uint32_t first_child;   // kNone if none
    std::uint32_t next_sibling;  // kNone if none
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

  TtlvNode(const Record* records, ByteView bytes, std::uint32_t index)
      : records_(records), bytes_(bytes), index_(index) {}
  [[nodiscard]] const Record& record() const noexcept { return records_[index_]; }
  [[nodiscard]] ByteView value() const noexcept;
  [[nodiscard]] Status expect_type(ItemType type) const;

  const Record* records_;
  ByteView bytes_;
  std::uint32_t index_;
};

// A parsed TTLV message: exactly one top-level item covering all of the bytes.
//
// Safe on untrusted input: every length is checked against its enclosing structure and the
// input, nesting is limited to kMaxDepth without recursion, inputs over kMaxMessageSize are
// refused, fixed-size types must have their fixed lengths, Booleans must be 0 or 1. Errors are
// kMalformedData and name the offset and the item.
class TtlvTree {
 public:
  // `bytes` must outlive the tree and every node taken from it.
  static Result<TtlvTree> parse(ByteView bytes);

  [[nodiscard]] TtlvNode root() const { return TtlvNode(records_.data(), bytes_, 0); }
  // Number of items, the root included.
  [[nodiscard]] std::size_t size() const noexcept { return records_.size(); }

 private:
  TtlvTree(ByteView bytes, std::vector<TtlvNode::Record> records)
      : bytes_(bytes), records_(std::move(records)) {}

  ByteView bytes_;
  std::vector<TtlvNode::Record> records_;
};

}  // namespace openfle::kms::kmip

#endif  // OPENFLE_KMS_KMIP_TTLV_H_
