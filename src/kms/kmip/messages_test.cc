#include "kms/kmip/messages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "common/encoding.h"
#include "kms/kmip/ttlv.h"

namespace openfle::kms::kmip {
namespace {

// testdata/vectors.txt (schema and sources in testdata/README.md).
const std::map<std::string, Bytes>& vectors() {
  static const std::map<std::string, Bytes> table = [] {
    std::map<std::string, Bytes> out;
    auto path = std::filesystem::path(__FILE__).parent_path() / "testdata" / "vectors.txt";
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string name;
      std::string hex;
      fields >> name >> hex;
      auto bytes = hex_decode(hex);
      EXPECT_TRUE(bytes) << name;
      out[name] = bytes.value_or(Bytes{});
    }
    return out;
  }();
  return table;
}

Bytes vec(const std::string& name) {
  auto it = vectors().find(name);
  EXPECT_NE(it, vectors().end()) << name;
  return it == vectors().end() ? Bytes{} : it->second;
}

Bytes range(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

std::string hex_of(ByteView b) { return hex_encode(b); }

// ---- Requests, byte for byte ----

TEST(KmipRequests, Register172IsWhatLibmongocrypt172Sends) {
  auto secret = SecretBytes::copy_of(vec("register_172_secret"));
  auto req = build_register_request(secret, RegisterFormat::kLibmongocrypt17);
  ASSERT_TRUE(req) << req.error().message();
  EXPECT_EQ(hex_of(req->expose()), hex_of(vec("register_172")));
}

TEST(KmipRequests, RegisterCurrentCarriesUsageMaskAndOpaqueFormat) {
  auto req = build_register_request(SecretBytes::copy_of(range(96)));
  ASSERT_TRUE(req);
  EXPECT_EQ(hex_of(req->expose()), hex_of(vec("register_current_range96")));

  // And it reads back as what it claims to be.
  auto tree = TtlvTree::parse(req->expose());
  ASSERT_TRUE(tree);
  auto attr = tree->root().require_path(
      {Tag::kBatchItem, Tag::kRequestPayload, Tag::kTemplateAttribute, Tag::kAttribute});
  ASSERT_TRUE(attr);
  EXPECT_EQ(*attr->require(Tag::kAttributeName)->text(), "Cryptographic Usage Mask");
  EXPECT_EQ(*attr->require(Tag::kAttributeValue)->integer(), 0);
  auto material =
      tree->root().require_path({Tag::kBatchItem, Tag::kRequestPayload, Tag::kSecretData,
                                 Tag::kKeyBlock, Tag::kKeyValue, Tag::kKeyMaterial});
  ASSERT_TRUE(material);
  EXPECT_EQ(hex_of(*material->byte_string()), hex_of(range(96)));
}

TEST(KmipRequests, RegisterNeedsExactly96Bytes) {
  for (std::size_t n : {0u, 32u, 95u, 97u, 192u}) {
    auto req = build_register_request(SecretBytes(n));
    ASSERT_FALSE(req) << n;
    EXPECT_EQ(req.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(req.error().message(),
              "KMIP Register needs SecretData of 96 bytes, got " + std::to_string(n));
  }
}

TEST(KmipRequests, ActivateAndGetAreWhatLibmongocrypt172Sends) {
  auto activate = build_activate_request("1");
  auto get = build_get_request("1");
  ASSERT_TRUE(activate);
  ASSERT_TRUE(get);
  EXPECT_EQ(hex_of(*activate), hex_of(vec("activate_172_uid1")));
  EXPECT_EQ(hex_of(*get), hex_of(vec("get_172_uid1")));
}

TEST(KmipRequests, ActivateAndGetMatchKmsMessageVectorsSaveForTheProtocolVersion) {
  // kms-message's vectors announce KMIP 1.4; libmongocrypt 1.7.2 (and we) announce 1.0. The
  // ProtocolVersionMinor value is the last byte of bytes 48..51.
  for (auto [name, builder] : {std::pair<std::string, Result<Bytes> (*)(std::string_view)>{
                                   "kms_message_get_14", &build_get_request},
                               {"kms_message_activate_14", &build_activate_request}}) {
    Bytes expected = vec(name);
    ASSERT_EQ(expected.size(), 144u);
    ASSERT_EQ(expected[51], 4);
    expected[51] = 0;
    auto req = builder("7FJYvnV6XkaUCWuY96bCSc6AuhvkPpqI");
    ASSERT_TRUE(req);
    EXPECT_EQ(hex_of(*req), hex_of(expected)) << name;
  }
}

TEST(KmipRequests, CreateEncryptDecryptMatchPyKmipsEncoder) {
  EXPECT_EQ(hex_of(build_create_request()), hex_of(vec("create")));
  auto enc = build_encrypt_request("1", SecretBytes::copy_of(range(96)));
  ASSERT_TRUE(enc);
  EXPECT_EQ(hex_of(enc->expose()), hex_of(vec("encrypt_uid1_range96")));
  auto dec = build_decrypt_request("1", range(112), range(16));
  ASSERT_TRUE(dec);
  EXPECT_EQ(hex_of(*dec), hex_of(vec("decrypt_uid1_range112_iv_range16")));
}

TEST(KmipRequests, RefuseEmptyOrOversizedInputs) {
  auto e = build_get_request("");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.error().message(), "KMIP Get needs a non-empty key UniqueIdentifier");
  EXPECT_FALSE(build_activate_request(""));
  EXPECT_FALSE(build_get_request(std::string(1025, 'x')));
  EXPECT_TRUE(build_get_request(std::string(1024, 'x')));
  EXPECT_FALSE(build_encrypt_request("", SecretBytes(16)));
  EXPECT_FALSE(build_encrypt_request("1", SecretBytes()));
  EXPECT_FALSE(build_decrypt_request("1", Bytes{}, range(16)));
  EXPECT_FALSE(build_decrypt_request("1", range(16), Bytes{}));
  EXPECT_FALSE(build_decrypt_request("", range(16), range(16)));
}

// ---- Replies: real vectors ----

TEST(KmipReplies, ParseKmsMessageVectors) {
  auto uid = parse_register_response(vec("kms_message_register_ok"));
  ASSERT_TRUE(uid) << uid.error().message();
  EXPECT_EQ(*uid, "7FJYvnV6XkaUCWuY96bCSc6AuhvkPpqI");

  auto secret = parse_get_response(vec("kms_message_get_ok"));
  ASSERT_TRUE(secret) << secret.error().message();
  EXPECT_EQ(hex_of(secret->expose()), hex_of(vec("kms_message_get_ok")).substr(2 * (352 - 96)));

  auto missing = parse_get_response(vec("kms_message_get_notfound"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kKmsError);
  EXPECT_EQ(missing.error().message(),
            "KMIP Get failed: Operation Failed (reason: Item Not Found): ResultReasonItemNotFound");
}

TEST(KmipReplies, ParseRealPyKmipReplies) {
  auto uid = parse_create_response(vec("pykmip_create_reply"));
  ASSERT_TRUE(uid) << uid.error().message();
  EXPECT_EQ(*uid, "1");
  EXPECT_TRUE(parse_activate_response(vec("pykmip_activate_reply"), "1"));

  auto enc = parse_encrypt_response(vec("pykmip_encrypt_reply"));
  ASSERT_TRUE(enc) << enc.error().message();
  EXPECT_EQ(enc->data.size(), 112u);
  EXPECT_EQ(enc->iv.size(), 16u);
  auto dec = parse_decrypt_response(vec("pykmip_decrypt_reply"));
  ASSERT_TRUE(dec) << dec.error().message();
  EXPECT_EQ(hex_of(dec->expose()), hex_of(range(96)));

  auto denied = parse_get_response(vec("pykmip_denied_reply"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().message(),
            "KMIP Get failed: Operation Failed (reason: Permission Denied): Could not locate "
            "object: 1");
  auto missing = parse_get_response(vec("pykmip_notfound_reply"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "KMIP Get failed: Operation Failed (reason: Item Not Found): Could not locate object: "
            "424242");
}

TEST(KmipReplies, RefuseAReplyForAnotherOperationOrObject) {
  auto e = parse_get_response(vec("kms_message_register_ok"));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message(), "KMIP Get reply: answers operation 3, expected 10 (Get)");
  auto a = parse_activate_response(vec("pykmip_activate_reply"), "2");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message(), "KMIP Activate reply: activated object '1', expected '2'");
  // A request is not a reply.
  auto r = parse_register_response(vec("get_172_uid1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "KMIP Register reply: expected a ResponseMessage Structure, found a Structure "
            "RequestMessage");
}

TEST(KmipReplies, EveryTruncationIsAnErrorNotACrash) {
  for (const char* name : {"kms_message_get_ok", "pykmip_encrypt_reply", "pykmip_decrypt_reply",
                           "kms_message_register_ok"}) {
    Bytes whole = vec(name);
    for (std::size_t n = 0; n < whole.size(); ++n) {
      ByteView part(whole.data(), n);
      EXPECT_FALSE(parse_get_response(part));
      EXPECT_FALSE(parse_encrypt_response(part));
      EXPECT_FALSE(parse_decrypt_response(part));
      auto uid = parse_register_response(part);
      ASSERT_FALSE(uid);
      EXPECT_EQ(uid.error().code(), ErrorCode::kKmsError);
    }
  }
}

// ---- Replies: crafted edge cases ----

// A ResponseMessage (header with BatchCount 1) around one BatchItem that `fill` writes.
Bytes reply(const std::function<void(TtlvWriter&)>& fill, std::size_t batch_items = 1) {
  TtlvWriter w;
  w.begin_structure(Tag::kResponseMessage);
  w.begin_structure(Tag::kResponseHeader);
  w.write_integer(Tag::kBatchCount, static_cast<std::int32_t>(batch_items));
  w.end_structure();
  for (std::size_t i = 0; i < batch_items; ++i) {
    w.begin_structure(Tag::kBatchItem);
    fill(w);
    w.end_structure();
  }
  w.end_structure();
  auto out = std::move(w).finish();
  EXPECT_TRUE(out);
  return Bytes(out->expose().begin(), out->expose().end());
}

void success(TtlvWriter& w, Operation op) {
  w.write_enumeration(Tag::kOperation, static_cast<std::uint32_t>(op));
  w.write_enumeration(Tag::kResultStatus, 0);
}

Bytes encrypt_reply(std::size_t data_size, std::size_t iv_size) {
  return reply([&](TtlvWriter& w) {
    success(w, Operation::kEncrypt);
    w.begin_structure(Tag::kResponsePayload);
    w.write_text_string(Tag::kUniqueIdentifier, "1");
    w.write_byte_string(Tag::kData, Bytes(data_size, 7));
    if (iv_size > 0) w.write_byte_string(Tag::kIvCounterNonce, Bytes(iv_size, 9));
    w.end_structure();
  });
}

template <class T>
std::string error_of(const Result<T>& r) {
  return r ? "(ok)" : r.error().message();
}

TEST(KmipReplies, FailureMessagesNameStatusReasonAndServerText) {
  auto bare = reply([](TtlvWriter& w) { w.write_enumeration(Tag::kResultStatus, 1); });
  EXPECT_EQ(error_of(parse_create_response(bare)), "KMIP Create failed: Operation Failed");

  auto odd = reply([](TtlvWriter& w) {
    w.write_enumeration(Tag::kResultStatus, 7);
    w.write_enumeration(Tag::kResultReason, 999);
    w.write_text_string(Tag::kResultMessage, "line1\nline2\x7f");
  });
  EXPECT_EQ(error_of(parse_decrypt_response(odd)),
            "KMIP Decrypt failed: status 7 (reason: reason 999): line1 line2 ");

  auto long_text = reply([](TtlvWriter& w) {
    w.write_enumeration(Tag::kResultStatus, 1);
    w.write_enumeration(Tag::kResultReason, 0x100);
    w.write_text_string(Tag::kResultMessage, std::string(600, 'x') + "\xc3\xa9");
  });
  std::string msg = error_of(parse_register_response(long_text));
  EXPECT_EQ(msg, "KMIP Register failed: Operation Failed (reason: General Failure): " +
                     std::string(512, 'x') + "...");

  auto bad_utf8 = reply([](TtlvWriter& w) {
    w.write_enumeration(Tag::kResultStatus, 1);
    w.write_text_string(Tag::kResultMessage, "\xff");
  });
  EXPECT_EQ(error_of(parse_register_response(bad_utf8)),
            "KMIP Register failed: Operation Failed: (ResultMessage is not valid UTF-8)");
}

TEST(KmipReplies, RefuseMissingOrMistypedFields) {
  EXPECT_EQ(error_of(parse_register_response(reply([](TtlvWriter&) {}))),
            "KMIP Register reply: BatchItem at offset 32 has no ResultStatus");
  EXPECT_EQ(error_of(parse_register_response(
                reply([](TtlvWriter& w) { success(w, Operation::kRegister); }))),
            "KMIP Register reply: BatchItem at offset 32 has no ResponsePayload");
  EXPECT_EQ(error_of(parse_register_response(
                reply([](TtlvWriter& w) { w.write_integer(Tag::kResultStatus, 0); }))),
            "KMIP Register reply: ResultStatus at offset 40 is an Integer, expected an "
            "Enumeration");
  EXPECT_EQ(error_of(parse_register_response(
                reply([](TtlvWriter& w) { success(w, Operation::kRegister); }, 2))),
            "KMIP Register reply: has 2 BatchItems, expected 1");
  EXPECT_EQ(error_of(parse_register_response(
                reply([](TtlvWriter& w) { success(w, Operation::kRegister); }, 0))),
            "KMIP Register reply: has 0 BatchItems, expected 1");
  auto empty_uid = reply([](TtlvWriter& w) {
    success(w, Operation::kRegister);
    w.begin_structure(Tag::kResponsePayload);
    w.write_text_string(Tag::kUniqueIdentifier, "");
    w.end_structure();
  });
  EXPECT_EQ(error_of(parse_register_response(empty_uid)),
            "KMIP Register reply: UniqueIdentifier is empty");
}

TEST(KmipReplies, GetChecksObjectTypeShapeAndSize) {
  auto get_reply = [](std::uint32_t object_type, std::size_t size, bool wrapped) {
    return reply([=](TtlvWriter& w) {
      success(w, Operation::kGet);
      w.begin_structure(Tag::kResponsePayload);
      w.write_enumeration(Tag::kObjectType, object_type);
      w.write_text_string(Tag::kUniqueIdentifier, "1");
      w.begin_structure(Tag::kSecretData);
      w.write_enumeration(Tag::kSecretDataType, 2);
      w.begin_structure(Tag::kKeyBlock);
      w.write_enumeration(Tag::kKeyFormatType, 2);
      if (wrapped) {
        w.write_byte_string(Tag::kKeyValue, Bytes(size, 1));
      } else {
        w.begin_structure(Tag::kKeyValue);
        w.write_byte_string(Tag::kKeyMaterial, Bytes(size, 1));
        w.end_structure();
      }
      w.end_structure();
      w.end_structure();
      w.end_structure();
    });
  };
  auto ok = parse_get_response(get_reply(7, 96, false));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_TRUE(ok->equals(SecretBytes::copy_of(Bytes(96, 1))));
  EXPECT_EQ(error_of(parse_get_response(get_reply(7, 32, false))),
            "KMIP Get reply: KeyMaterial is 32 bytes, expected 96");
  EXPECT_EQ(error_of(parse_get_response(get_reply(7, 96, true))),
            "KMIP Get reply: KeyValue is a ByteString (a wrapped key), expected a Structure "
            "holding KeyMaterial");
  EXPECT_NE(error_of(parse_get_response(get_reply(2, 96, false))).find("ObjectType 2"),
            std::string::npos);
}

TEST(KmipReplies, EncryptChecksIvAndCiphertextSizes) {
  auto ok = parse_encrypt_response(encrypt_reply(112, 16));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->data, Bytes(112, 7));
  EXPECT_EQ(ok->iv, Bytes(16, 9));
  EXPECT_EQ(error_of(parse_encrypt_response(encrypt_reply(112, 12))),
            "KMIP Encrypt reply: IVCounterNonce is 12 bytes, expected 16 (AES-CBC)");
  EXPECT_EQ(error_of(parse_encrypt_response(encrypt_reply(100, 16))),
            "KMIP Encrypt reply: Data is 100 bytes, expected a non-empty multiple of 16 (AES-CBC)");
  EXPECT_EQ(error_of(parse_encrypt_response(encrypt_reply(0, 16))),
            "KMIP Encrypt reply: Data is 0 bytes, expected a non-empty multiple of 16 (AES-CBC)");
  EXPECT_NE(error_of(parse_encrypt_response(encrypt_reply(112, 0))).find("has no IVCounterNonce"),
            std::string::npos);
}

TEST(KmipReplies, ActivateWithoutAnIdentifierIsAccepted) {
  auto r = reply([](TtlvWriter& w) {
    success(w, Operation::kActivate);
    w.begin_structure(Tag::kResponsePayload);
    w.end_structure();
  });
  EXPECT_TRUE(parse_activate_response(r, "1"));
}

TEST(KmipNames, StatusAndReasonNames) {
  EXPECT_EQ(result_status_name(0), "Success");
  EXPECT_EQ(result_status_name(3), "Operation Undone");
  EXPECT_EQ(result_reason_name(0x0C), "Permission Denied");
  EXPECT_EQ(result_reason_name(0x18), "Object Already Exists");
  EXPECT_EQ(result_reason_name(0x19), "reason 25");
  EXPECT_EQ(operation_name(Operation::kDecrypt), "Decrypt");
}

}  // namespace
}  // namespace openfle::kms::kmip
