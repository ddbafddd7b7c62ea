#include "kms/kmip/ttlv.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/encoding.h"

namespace openfle::kms::kmip {
namespace {

constexpr Tag kTag20 = static_cast<Tag>(0x420020);  // the tag KMIP 1.0 section 9.1.2 uses

// Hex with spaces and '|' separators, as the KMIP spec prints its examples.
Bytes hex(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '|' && c != '\n') compact += c;
  }
  auto bytes = hex_decode(compact);
  EXPECT_TRUE(bytes.has_value()) << text;
  return bytes.value_or(Bytes{});
}

std::string hex_of(const SecretBytes& s) { return hex_encode(s.expose()); }

template <class Fn>
std::string encode(Fn&& fn) {
  TtlvWriter w;
  fn(w);
  auto out = std::move(w).finish();
  EXPECT_TRUE(out) << out.error().message();
  return out ? hex_of(*out) : "";
}

// ---- Writer: the encoding examples of KMIP 1.0 section 9.1.2 ----

TEST(TtlvWriter, EncodesTheSpecExamples) {
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_integer(kTag20, 8); }),
            hex_encode(hex("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00")));
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_long_integer(kTag20, 123456789000000000); }),
            hex_encode(hex("42 00 20 | 03 | 00 00 00 08 | 01 B6 9B 4B A5 74 92 00")));
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_enumeration(kTag20, 255); }),
            hex_encode(hex("42 00 20 | 05 | 00 00 00 04 | 00 00 00 FF 00 00 00 00")));
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_boolean(kTag20, true); }),
            hex_encode(hex("42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 01")));
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_text_string(kTag20, "Hello World"); }),
            hex_encode(hex("42 00 20 | 07 | 00 00 00 0B | 48 65 6C 6C 6F 20 57 6F 72 6C 64 "
                           "00 00 00 00 00")));
  EXPECT_EQ(encode([](TtlvWriter& w) {
              const Bytes b{1, 2, 3};
              w.write_byte_string(kTag20, b);
            }),
            hex_encode(hex("42 00 20 | 08 | 00 00 00 03 | 01 02 03 00 00 00 00 00")));
  // Friday, March 14, 2008, 11:56:40 GMT.
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_date_time(kTag20, 1205495800); }),
            hex_encode(hex("42 00 20 | 09 | 00 00 00 08 | 00 00 00 00 47 DA 67 F8")));
  // 10 days.
  EXPECT_EQ(encode([](TtlvWriter& w) { w.write_interval(kTag20, 864000); }),
            hex_encode(hex("42 00 20 | 0A | 00 00 00 04 | 00 0D 2F 00 00 00 00 00")));
  // "A Structure containing an Enumeration, value 254, followed by an Integer, value 255".
  EXPECT_EQ(encode([](TtlvWriter& w) {
              w.begin_structure(kTag20);
              w.write_enumeration(static_cast<Tag>(0x420004), 254);
              w.write_integer(static_cast<Tag>(0x420005), 255);
              w.end_structure();
            }),
            hex_encode(hex("42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | "
                           "00 00 00 FE 00 00 00 00 | 42 00 05 | 02 | 00 00 00 04 | "
                           "00 00 00 FF 00 00 00 00")));
}

TEST(TtlvWriter, PadsEveryLengthToEightAndLeavesEmptyValuesUnpadded) {
  for (std::size_t n = 0; n <= 17; ++n) {
    TtlvWriter w;
    w.write_byte_string(kTag20, Bytes(n, 0xAB));
    auto out = std::move(w).finish();
    ASSERT_TRUE(out);
    std::size_t padded = (n + 7) / 8 * 8;
    ASSERT_EQ(out->size(), 8 + padded) << n;
    for (std::size_t i = 8 + n; i < out->size(); ++i) EXPECT_EQ(out->expose()[i], 0) << n;
  }
  EXPECT_EQ(encode([](TtlvWriter& w) {
              w.begin_structure(kTag20);
              w.end_structure();
            }),
            "4200200100000000");
}

TEST(TtlvWriter, ReportsUnbalancedStructures) {
  TtlvWriter open;
  open.begin_structure(kTag20);
  auto r = std::move(open).finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().message().find("still open"), std::string::npos);

  TtlvWriter extra;
  extra.end_structure();
  r = std::move(extra).finish();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("without a matching"), std::string::npos);
}

TEST(TtlvWriter, RefusesMessagesOverTheLimit) {
  TtlvWriter w;
  w.write_byte_string(kTag20, Bytes(kMaxMessageSize, 0));
  auto r = std::move(w).finish();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("16 MiB"), std::string::npos);
}

// ---- Reader ----

TEST(TtlvTree, ParsesTheSpecStructureExample) {
  Bytes b =
      hex("42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 00 "
          "00 | 42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00");
  auto tree = TtlvTree::parse(b);
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(tree->size(), 3u);
  TtlvNode root = tree->root();
  EXPECT_EQ(root.tag(), kTag20);
  EXPECT_EQ(root.type(), ItemType::kStructure);
  auto children = root.children();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(*children[0].enumeration(), 254u);
  EXPECT_EQ(*children[1].integer(), 255);
  EXPECT_EQ(children[1].offset(), 24u);
  EXPECT_EQ(*root.find(static_cast<Tag>(0x420005))->integer(), 255);
  EXPECT_FALSE(root.find(static_cast<Tag>(0x420006)));
}

TEST(TtlvTree, ParsesBigIntegerExample) {
  Bytes b = hex("42 00 20 | 04 | 00 00 00 10 | 00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00");
  auto tree = TtlvTree::parse(b);
  ASSERT_TRUE(tree);
  auto v = tree->root().big_integer();
  ASSERT_TRUE(v);
  EXPECT_EQ(hex_encode(*v), "0000000003fd35eb6bc2df4618080000");
}

TEST(TtlvTree, RoundTripsEveryType) {
  const Bytes blob{0xde, 0xad, 0xbe, 0xef, 0x01};
  TtlvWriter w;
  w.begin_structure(Tag::kRequestMessage);
  w.write_integer(Tag::kBatchCount, -7);
  w.write_long_integer(static_cast<Tag>(0x420001), INT64_MIN);
  w.write_enumeration(Tag::kOperation, 0xFFFFFFFF);
  w.write_boolean(Tag::kRandomIv, false);
  w.write_boolean(Tag::kRandomIv, true);
  w.write_text_string(Tag::kUniqueIdentifier, "k\xc3\xa9y");  // "kéy"
  w.write_text_string(Tag::kResultMessage, "");
  w.write_byte_string(Tag::kData, blob);
  w.write_date_time(Tag::kTimeStamp, -1);
  w.write_interval(static_cast<Tag>(0x420002), 42);
  w.begin_structure(Tag::kBatchItem);
  w.begin_structure(Tag::kRequestPayload);
  w.end_structure();
  w.end_structure();
  w.end_structure();
  auto bytes = std::move(w).finish();
  ASSERT_TRUE(bytes);

  auto tree = TtlvTree::parse(bytes->expose());
  ASSERT_TRUE(tree) << tree.error().message();
  TtlvNode root = tree->root();
  EXPECT_EQ(root.length() + kHeaderSize, bytes->size());
  EXPECT_EQ(*root.require(Tag::kBatchCount)->integer(), -7);
  EXPECT_EQ(*root.require(static_cast<Tag>(0x420001))->long_integer(), INT64_MIN);
  EXPECT_EQ(*root.require(Tag::kOperation)->enumeration(), 0xFFFFFFFFu);
  EXPECT_EQ(root.count(Tag::kRandomIv), 2u);
  auto kids = root.children();
  ASSERT_EQ(kids.size(), 11u);
  EXPECT_FALSE(*kids[3].boolean());
  EXPECT_TRUE(*kids[4].boolean());
  EXPECT_EQ(*root.require(Tag::kUniqueIdentifier)->text(), "k\xc3\xa9y");
  EXPECT_EQ(*root.require(Tag::kResultMessage)->text(), "");
  auto data = root.require(Tag::kData)->byte_string();
  ASSERT_TRUE(data);
  EXPECT_EQ(Bytes(data->begin(), data->end()), blob);
  EXPECT_EQ(*root.require(Tag::kTimeStamp)->date_time(), -1);
  EXPECT_EQ(*root.require(static_cast<Tag>(0x420002))->interval(), 42u);
  auto payload = root.require_path({Tag::kBatchItem, Tag::kRequestPayload});
  ASSERT_TRUE(payload);
  EXPECT_TRUE(payload->children().empty());
}

TEST(TtlvTree, TypedAccessorsRefuseOtherTypesWithAClearMessage) {
  TtlvWriter w;
  w.begin_structure(Tag::kResponseMessage);
  w.write_text_string(Tag::kResultStatus, "0");
  w.end_structure();
  auto bytes = std::move(w).finish();
  ASSERT_TRUE(bytes);
  auto tree = TtlvTree::parse(bytes->expose());
  ASSERT_TRUE(tree);
  auto status = tree->root().require(Tag::kResultStatus);
  ASSERT_TRUE(status);
  auto e = status->enumeration();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kMalformedData);
  EXPECT_EQ(e.error().message(),
            "ResultStatus at offset 8 is a TextString, expected an Enumeration");
  EXPECT_FALSE(status->integer());
  EXPECT_FALSE(status->byte_string());
  EXPECT_FALSE(status->boolean());
  EXPECT_FALSE(tree->root().text());

  auto missing = tree->root().require_path({Tag::kBatchItem, Tag::kResultStatus});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "ResponseMessage at offset 0 has no BatchItem");
}

TEST(TtlvTree, RefusesInvalidUtf8Text) {
  for (std::string_view bad :
       {std::string_view("\xff"), std::string_view("\xc3"), std::string_view("\xed\xa0\x80"),
        std::string_view("\xc0\xaf"), std::string_view("\xf4\x90\x80\x80")}) {
    TtlvWriter w;
    w.write_text_string(Tag::kUniqueIdentifier, bad);
    auto bytes = std::move(w).finish();
    ASSERT_TRUE(bytes);
    auto tree = TtlvTree::parse(bytes->expose());
    ASSERT_TRUE(tree);
    auto text = tree->root().text();
    ASSERT_FALSE(text);
    EXPECT_NE(text.error().message().find("UTF-8"), std::string::npos);
  }
}

// ---- Reader on malformed input ----

Error parse_error(const Bytes& b) {
  auto tree = TtlvTree::parse(b);
  EXPECT_FALSE(tree) << hex_encode(b);
  if (tree) return Error(ErrorCode::kInternal, "parsed");
  EXPECT_EQ(tree.error().code(), ErrorCode::kMalformedData);
  return tree.error();
}

TEST(TtlvTree, RefusesEveryTruncation) {
  Bytes whole =
      hex("42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 "
          "00 00 | 42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00");
  for (std::size_t n = 0; n < whole.size(); ++n) {
    parse_error(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
  }
}

TEST(TtlvTree, RefusesWrongLengths) {
  // An Integer must be 4 bytes.
  EXPECT_NE(parse_error(hex("42 00 20 02 00 00 00 08 00 00 00 00 00 00 00 08"))
                .message()
                .find("Integer of length 8, expected 4"),
            std::string::npos);
  // A Boolean must be 8 bytes; a DateTime too; an Enumeration 4.
  parse_error(hex("42 00 20 06 00 00 00 04 00 00 00 01 00 00 00 00"));
  parse_error(hex("42 00 20 09 00 00 00 04 00 00 00 01 00 00 00 00"));
  parse_error(hex("42 00 20 05 00 00 00 08 00 00 00 00 00 00 00 01"));
  // A Structure whose length is not a multiple of 8.
  parse_error(hex("42 00 20 01 00 00 00 04 00 00 00 00 00 00 00 00"));
  // A child longer than its parent.
  auto e =
      parse_error(hex("42 00 20 01 00 00 00 10 42 00 04 08 00 00 00 10 00 00 00 00 00 00 00 "
                      "00 00 00 00 00 00 00 00 00"));
  EXPECT_NE(e.message().find("claims 16 value bytes"), std::string::npos) << e.message();
  // A last item without its padding.
  parse_error(hex("42 00 20 08 00 00 00 03 01 02 03"));
  // A structure that ends inside a child's header.
  parse_error(hex("42 00 20 01 00 00 00 08 42 00 04 05 00 00 00 04 00 00 00 01 00 00 00 00"));
}

TEST(TtlvTree, RefusesHugeLengthsWithoutReadingPastTheInput) {
  parse_error(hex("42 00 20 08 FF FF FF FF 00"));
  parse_error(hex("42 00 20 01 FF FF FF F8"));
  parse_error(hex("42 00 20 08 FF FF FF F9 00 00 00 00 00 00 00 00"));
  parse_error(hex("42 00 20 01 00 00 00 10 42 00 04 07 7F FF FF FF 00 00 00 00 00 00 00 00"));
}

TEST(TtlvTree, RefusesUnknownTypesBadBooleansAndTrailingBytes) {
  EXPECT_NE(parse_error(hex("42 00 20 0B 00 00 00 00")).message().find("unknown item type 0x0b"),
            std::string::npos);
  parse_error(hex("42 00 20 00 00 00 00 00"));
  parse_error(hex("42 00 20 06 00 00 00 08 00 00 00 00 00 00 00 02"));
  auto e = parse_error(hex("42 00 20 01 00 00 00 00 42 00 20 01 00 00 00 00"));
  EXPECT_NE(e.message().find("bytes follow the end of the message"), std::string::npos);
  parse_error(Bytes{});
}

Bytes nested(std::size_t depth) {
  TtlvWriter w;
  for (std::size_t i = 0; i < depth; ++i) w.begin_structure(kTag20);
  for (std::size_t i = 0; i < depth; ++i) w.end_structure();
  auto out = std::move(w).finish();
  EXPECT_TRUE(out);
  return Bytes(out->expose().begin(), out->expose().end());
}

TEST(TtlvTree, LimitsNestingDepth) {
  auto ok = TtlvTree::parse(nested(kMaxDepth));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->size(), kMaxDepth);
  auto e = parse_error(nested(kMaxDepth + 1));
  EXPECT_NE(e.message().find("nested more than 32"), std::string::npos) << e.message();
  parse_error(nested(10000));  // deep input is refused, not recursed into
}

TEST(TtlvTree, RefusesInputOverTheSizeCap) {
  Bytes big(kMaxMessageSize + 8, 0);
  const Bytes header = hex("42 00 20 08");
  std::copy(header.begin(), header.end(), big.begin());
  std::size_t len = big.size() - 8;
  big[4] = static_cast<std::uint8_t>(len >> 24);
  big[5] = static_cast<std::uint8_t>(len >> 16);
  big[6] = static_cast<std::uint8_t>(len >> 8);
  big[7] = static_cast<std::uint8_t>(len);
  EXPECT_NE(parse_error(big).message().find("over the 16 MiB limit"), std::string::npos);
}

// ---- Framing ----

TEST(KmipMessageLength, ReadsTheOuterHeader) {
  EXPECT_EQ(kmip_message_length(hex("42 00 7B 01 00 00 01 58")), 0x158u + 8);
  EXPECT_EQ(kmip_message_length(hex("42 00 7B 01 00 00 00 00")), 8u);
  EXPECT_EQ(kmip_message_length(hex("42 00 78 01 00 FF FF F8")), 0xFFFFF8u + 8);
}

TEST(KmipMessageLength, RefusesWhatCannotStartAKmipMessage) {
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 01 00 00 01")));        // short
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 01 00 00 01 58 00")));  // long
  EXPECT_FALSE(kmip_message_length(hex("48 54 54 50 2F 31 2E 31")));     // "HTTP/1.1"
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 02 00 00 00 04")));     // not a Structure
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 01 00 00 00 0C")));     // not a multiple of 8
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 01 01 00 00 00")));     // 16 MiB + header
  EXPECT_FALSE(kmip_message_length(hex("42 00 7B 01 FF FF FF F8")));     // huge
  EXPECT_FALSE(kmip_message_length(Bytes{}));
}

TEST(TagNames, NameKnownTagsAndPrintUnknownOnes) {
  EXPECT_EQ(tag_name(Tag::kIvCounterNonce), "IVCounterNonce");
  EXPECT_EQ(tag_name(static_cast<Tag>(0x54AB01)), "tag 0x54AB01");
  EXPECT_EQ(type_name(0x07), "TextString");
  EXPECT_EQ(type_name(0xEE), "type 0xee");
}

}  // namespace
}  // namespace openfle::kms::kmip
