#include "kms/kmip/messages.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "common/encoding.h"
#include "common/try.h"
#include "kms/kmip/ttlv.h"

namespace openfle::kms::kmip {
namespace {

// Enumeration values from KMIP 1.2 section 9.1.3.2.
constexpr std::uint32_t kObjectTypeSymmetricKey = 0x02;
constexpr std::uint32_t kObjectTypeSecretData = 0x07;
constexpr std::uint32_t kSecretDataTypeSeed = 0x02;
constexpr std::uint32_t kKeyFormatTypeRaw = 0x01;
constexpr std::uint32_t kKeyFormatTypeOpaque = 0x02;
constexpr std::uint32_t kAlgorithmAes = 0x03;
constexpr std::uint32_t kBlockCipherModeCbc = 0x01;
constexpr std::uint32_t kPaddingPkcs5 = 0x03;
constexpr std::int32_t kUsageMaskEncrypt = 0x04;
constexpr std::int32_t kUsageMaskDecrypt = 0x08;
constexpr std::uint32_t kResultSuccess = 0x00;

// Longest UniqueIdentifier a request will carry; real ones are short (PyKMIP: "1", Vault: 32).
constexpr std::size_t kMaxUniqueIdentifierSize = 1024;
// Longest part of a server's ResultMessage quoted in an error.
constexpr std::size_t kMaxQuotedMessage = 512;

// The envelope every request shares: a header announcing KMIP 1.<minor> and one batch item,
// left open at its RequestPayload (KMIP 1.0 section 7.1, "Message Structure").
void begin_request(TtlvWriter& w, std::int32_t minor, Operation op) {
  w.begin_structure(Tag::kRequestMessage);
  w.begin_structure(Tag::kRequestHeader);
  w.begin_structure(Tag::kProtocolVersion);
  w.write_integer(Tag::kProtocolVersionMajor, 1);
  w.write_integer(Tag::kProtocolVersionMinor, minor);
  w.end_structure();
  w.write_integer(Tag::kBatchCount, 1);
  w.end_structure();
  w.begin_structure(Tag::kBatchItem);
  w.write_enumeration(Tag::kOperation, static_cast<std::uint32_t>(op));
  w.begin_structure(Tag::kRequestPayload);
}

void end_request(TtlvWriter& w) {
  w.end_structure();  // RequestPayload
  w.end_structure();  // BatchItem
  w.end_structure();  // RequestMessage
}

// A TemplateAttribute entry: Attribute{AttributeName, AttributeValue} (KMIP 1.0 section 2.1.1).
void write_integer_attribute(TtlvWriter& w, std::string_view name, std::int32_t value) {
  w.begin_structure(Tag::kAttribute);
  w.write_text_string(Tag::kAttributeName, name);
  w.write_integer(Tag::kAttributeValue, value);
  w.end_structure();
}

void write_enum_attribute(TtlvWriter& w, std::string_view name, std::uint32_t value) {
  w.begin_structure(Tag::kAttribute);
  w.write_text_string(Tag::kAttributeName, name);
  w.write_enumeration(Tag::kAttributeValue, value);
  w.end_structure();
}

// CryptographicParameters for AES-CBC with PKCS5 padding, as libmongocrypt's delegated mode
// sends them; RandomIV asks the server to choose the IV (KMIP 1.2 section 4.1 "Encrypt").
void write_aes_cbc_parameters(TtlvWriter& w, bool random_iv) {
  w.begin_structure(Tag::kCryptographicParameters);
  w.write_enumeration(Tag::kBlockCipherMode, kBlockCipherModeCbc);
  w.write_enumeration(Tag::kPaddingMethod, kPaddingPkcs5);
  w.write_enumeration(Tag::kCryptographicAlgorithm, kAlgorithmAes);
  if (random_iv) w.write_boolean(Tag::kRandomIv, true);
  w.end_structure();
}

Status check_unique_identifier(std::string_view uid, Operation op) {
  if (uid.empty()) {
    return fail(ErrorCode::kInvalidArgument, "KMIP " + std::string(operation_name(op)) +
                                                 " needs a non-empty key UniqueIdentifier");
  }
  if (uid.size() > kMaxUniqueIdentifierSize) {
    return fail(ErrorCode::kInvalidArgument, "KMIP UniqueIdentifier of " +
                                                 std::to_string(uid.size()) +
                                                 " bytes is too long (at most " +
                                                 std::to_string(kMaxUniqueIdentifierSize) + ")");
  }
  return {};
}

Bytes to_bytes(const SecretBytes& s) { return Bytes(s.expose().begin(), s.expose().end()); }

// The writer only fails on misuse (unbalanced structures) or messages over 16 MiB, which the
// builders' checked inputs cannot produce.
SecretBytes finish_or_abort(TtlvWriter&& w) {
  Result<SecretBytes> r = std::move(w).finish();
  if (!r) {
    (void)std::fputs("openfle: internal error building a KMIP request\n", stderr);
    std::abort();
  }
  return std::move(*r);
}

Result<Bytes> simple_uid_request(Operation op, std::string_view uid) {
  OPENFLE_RETURN_IF_ERROR(check_unique_identifier(uid, op));
  TtlvWriter w;
  begin_request(w, 0, op);
  w.write_text_string(Tag::kUniqueIdentifier, uid);
  end_request(w);
  return to_bytes(finish_or_abort(std::move(w)));
}

// ---- reply helpers ----

std::string op_prefix(Operation op) { return "KMIP " + std::string(operation_name(op)); }

tl::unexpected<Error> reply_error(Operation op, const Error& cause) {
  return fail(ErrorCode::kKmsError, op_prefix(op) + " reply: " + cause.message());
}

tl::unexpected<Error> reply_error(Operation op, const std::string& what) {
  return fail(ErrorCode::kKmsError, op_prefix(op) + " reply: " + what);
}

// A server's free text, made safe to put in an error message: control characters become spaces
// and long text is cut (at a character boundary).
std::string quote_server_text(std::string_view text) {
  std::size_t n = text.size();
  bool cut = false;
  if (n > kMaxQuotedMessage) {
    n = kMaxQuotedMessage;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    cut = true;
  }
  std::string out(text.substr(0, n));
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  if (cut) out += "...";
  return out;
}

// Checks the reply is one ResponseMessage with one BatchItem for `op` whose ResultStatus is
// Success, and returns that item's ResponsePayload (KMIP 1.0 section 7.2 and 6.9-6.11).
Result<TtlvNode> success_payload(const TtlvTree& tree, Operation op) {
  TtlvNode root = tree.root();
  if (root.tag() != Tag::kResponseMessage || root.type() != ItemType::kStructure) {
    return reply_error(op, "expected a ResponseMessage Structure, found " +
                               type_name_with_article(root.type()) + " " + tag_name(root.tag()));
  }
  std::size_t items = root.count(Tag::kBatchItem);
  std::optional<TtlvNode> found = root.find(Tag::kBatchItem);
  if (items != 1 || !found) {
    return reply_error(op, "has " + std::to_string(items) + " BatchItems, expected 1");
  }
  TtlvNode item = *found;
  if (item.type() != ItemType::kStructure) {
    return reply_error(
        op, "BatchItem is " + type_name_with_article(item.type()) + ", expected a Structure");
  }
  // Operation is optional in a response batch item; when present it must be ours.
  if (auto op_node = item.find(Tag::kOperation)) {
    auto value = op_node->enumeration();
    if (!value) return reply_error(op, value.error());
    if (*value != static_cast<std::uint32_t>(op)) {
      return reply_error(op, "answers operation " + std::to_string(*value) + ", expected " +
                                 std::to_string(static_cast<std::uint32_t>(op)) + " (" +
                                 std::string(operation_name(op)) + ")");
    }
  }
  auto status_node = item.require(Tag::kResultStatus);
  if (!status_node) return reply_error(op, status_node.error());
  auto status = status_node->enumeration();
  if (!status) return reply_error(op, status.error());

  if (*status != kResultSuccess) {
    std::string message = op_prefix(op) + " failed: " + result_status_name(*status);
    if (auto reason_node = item.find(Tag::kResultReason)) {
      if (auto reason = reason_node->enumeration()) {
        message += " (reason: " + result_reason_name(*reason) + ")";
      }
    }
    if (auto text_node = item.find(Tag::kResultMessage)) {
      auto text = text_node->text();
      if (text && !text->empty()) message += ": " + quote_server_text(*text);
      if (!text) message += ": (ResultMessage is not valid UTF-8)";
    }
    return fail(ErrorCode::kKmsError, std::move(message));
  }

  auto payload = item.require(Tag::kResponsePayload);
  if (!payload) return reply_error(op, payload.error());
  if (payload->type() != ItemType::kStructure) {
    return reply_error(op, "ResponsePayload is " + type_name_with_article(payload->type()) +
                               ", expected a Structure");
  }
  return *payload;
}

Result<TtlvTree> parse_reply(ByteView reply, Operation op) {
  auto tree = TtlvTree::parse(reply);
  if (!tree) return reply_error(op, tree.error());
  return tree;
}

Result<std::string> unique_identifier_of(const TtlvNode& payload, Operation op) {
  auto node = payload.require(Tag::kUniqueIdentifier);
  if (!node) return reply_error(op, node.error());
  auto text = node->text();
  if (!text) return reply_error(op, text.error());
  if (text->empty()) return reply_error(op, "UniqueIdentifier is empty");
  return std::string(*text);
}

Result<ByteView> byte_string_field(const TtlvNode& payload, Tag tag, Operation op) {
  auto node = payload.require(tag);
  if (!node) return reply_error(op, node.error());
  auto bytes = node->byte_string();
  if (!bytes) return reply_error(op, bytes.error());
  return *bytes;
}

}  // namespace

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kCreate:
      return "Create";
    case Operation::kRegister:
      return "Register";
    case Operation::kGet:
      return "Get";
    case Operation::kActivate:
      return "Activate";
    case Operation::kEncrypt:
      return "Encrypt";
    case Operation::kDecrypt:
      return "Decrypt";
  }
  return "(unknown operation)";
}

std::string result_status_name(std::uint32_t status) {
  switch (status) {
    case 0x00:
      return "Success";
    case 0x01:
      return "Operation Failed";
    case 0x02:
      return "Operation Pending";
    case 0x03:
      return "Operation Undone";
    default:
      return "status " + std::to_string(status);
  }
}

std::string result_reason_name(std::uint32_t reason) {
  switch (reason) {
    case 0x01:
      return "Item Not Found";
    case 0x02:
      return "Response Too Large";
    case 0x03:
      return "Authentication Not Successful";
    case 0x04:
      return "Invalid Message";
    case 0x05:
      return "Operation Not Supported";
    case 0x06:
      return "Missing Data";
    case 0x07:
      return "Invalid Field";
    case 0x08:
      return "Feature Not Supported";
    case 0x09:
      return "Operation Canceled By Requester";
    case 0x0A:
      return "Cryptographic Failure";
    case 0x0B:
      return "Illegal Operation";
    case 0x0C:
      return "Permission Denied";
    case 0x0D:
      return "Object Archived";
    case 0x0E:
      return "Index Out of Bounds";
    case 0x0F:
      return "Application Namespace Not Supported";
    case 0x10:
      return "Key Format Type Not Supported";
    case 0x11:
      return "Key Compression Type Not Supported";
    case 0x12:
      return "Encoding Option Error";
    case 0x13:
      return "Key Value Not Present";
    case 0x14:
      return "Attestation Required";
    case 0x15:
      return "Attestation Failed";
    case 0x16:
      return "Sensitive";
    case 0x17:
      return "Not Extractable";
    case 0x18:
      return "Object Already Exists";
    case 0x100:
      return "General Failure";
    default:
      return "reason " + std::to_string(reason);
  }
}

// ---- Requests ----

Result<SecretBytes> build_register_request(const SecretBytes& secret_data, RegisterFormat format) {
  if (secret_data.size() != kSecretDataSize) {
    return fail(ErrorCode::kInvalidArgument, "KMIP Register needs SecretData of " +
                                                 std::to_string(kSecretDataSize) + " bytes, got " +
                                                 std::to_string(secret_data.size()));
  }
  TtlvWriter w;
  begin_request(w, 0, Operation::kRegister);
  w.write_enumeration(Tag::kObjectType, kObjectTypeSecretData);
  const bool current = format == RegisterFormat::kCurrent;
  w.begin_structure(Tag::kTemplateAttribute);
  // KMIP 1.0 section 4.3 lists Cryptographic Usage Mask as required for Register; 0 because the
  // server never uses this secret in a cryptographic operation of its own.
  if (current) write_integer_attribute(w, "Cryptographic Usage Mask", 0);
  w.end_structure();
  w.begin_structure(Tag::kSecretData);
  w.write_enumeration(Tag::kSecretDataType, kSecretDataTypeSeed);
  w.begin_structure(Tag::kKeyBlock);
  w.write_enumeration(Tag::kKeyFormatType, current ? kKeyFormatTypeOpaque : kKeyFormatTypeRaw);
  w.begin_structure(Tag::kKeyValue);
  w.write_byte_string(Tag::kKeyMaterial, secret_data.expose());
  w.end_structure();  // KeyValue
  w.end_structure();  // KeyBlock
  w.end_structure();  // SecretData
  end_request(w);
  return finish_or_abort(std::move(w));
}

Result<Bytes> build_activate_request(std::string_view unique_identifier) {
  return simple_uid_request(Operation::kActivate, unique_identifier);
}

Result<Bytes> build_get_request(std::string_view unique_identifier) {
  return simple_uid_request(Operation::kGet, unique_identifier);
}

Bytes build_create_request() {
  TtlvWriter w;
  begin_request(w, 2, Operation::kCreate);
  w.write_enumeration(Tag::kObjectType, kObjectTypeSymmetricKey);
  w.begin_structure(Tag::kTemplateAttribute);
  write_enum_attribute(w, "Cryptographic Algorithm", kAlgorithmAes);
  write_integer_attribute(w, "Cryptographic Length", 256);
  write_integer_attribute(w, "Cryptographic Usage Mask", kUsageMaskEncrypt | kUsageMaskDecrypt);
  w.end_structure();
  end_request(w);
  return to_bytes(finish_or_abort(std::move(w)));
}

Result<SecretBytes> build_encrypt_request(std::string_view unique_identifier,
                                          const SecretBytes& plaintext) {
  OPENFLE_RETURN_IF_ERROR(check_unique_identifier(unique_identifier, Operation::kEncrypt));
  if (plaintext.empty()) {
    return fail(ErrorCode::kInvalidArgument, "KMIP Encrypt needs a non-empty plaintext");
  }
  if (plaintext.size() > kMaxMessageSize / 2) {
    return fail(ErrorCode::kInvalidArgument, "KMIP Encrypt plaintext of " +
                                                 std::to_string(plaintext.size()) +
                                                 " bytes is over the 8 MiB limit");
  }
  TtlvWriter w;
  begin_request(w, 2, Operation::kEncrypt);
  w.write_text_string(Tag::kUniqueIdentifier, unique_identifier);
  write_aes_cbc_parameters(w, /*random_iv=*/true);
  w.write_byte_string(Tag::kData, plaintext.expose());
  end_request(w);
  return finish_or_abort(std::move(w));
}

Result<Bytes> build_decrypt_request(std::string_view unique_identifier, ByteView ciphertext,
                                    ByteView iv) {
  OPENFLE_RETURN_IF_ERROR(check_unique_identifier(unique_identifier, Operation::kDecrypt));
  if (ciphertext.empty() || iv.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "KMIP Decrypt needs a non-empty ciphertext and IV (got " +
                    std::to_string(ciphertext.size()) + " and " + std::to_string(iv.size()) +
                    " bytes)");
  }
  if (ciphertext.size() + iv.size() > kMaxMessageSize / 2) {
    return fail(ErrorCode::kInvalidArgument, "KMIP Decrypt ciphertext of " +
                                                 std::to_string(ciphertext.size()) +
                                                 " bytes is over the 8 MiB limit");
  }
  TtlvWriter w;
  begin_request(w, 2, Operation::kDecrypt);
  w.write_text_string(Tag::kUniqueIdentifier, unique_identifier);
  write_aes_cbc_parameters(w, /*random_iv=*/false);
  w.write_byte_string(Tag::kData, ciphertext);
  w.write_byte_string(Tag::kIvCounterNonce, iv);
  end_request(w);
  return to_bytes(finish_or_abort(std::move(w)));
}

// ---- Replies ----

Result<std::string> parse_register_response(ByteView reply) {
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, Operation::kRegister));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, Operation::kRegister));
  return unique_identifier_of(payload, Operation::kRegister);
}

Result<std::string> parse_create_response(ByteView reply) {
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, Operation::kCreate));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, Operation::kCreate));
  return unique_identifier_of(payload, Operation::kCreate);
}

Status parse_activate_response(ByteView reply, std::string_view unique_identifier) {
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, Operation::kActivate));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, Operation::kActivate));
  // libmongocrypt only checks the status; the identifier is checked when the server sends one.
  if (payload.find(Tag::kUniqueIdentifier)) {
    OPENFLE_ASSIGN_OR_RETURN(std::string uid, unique_identifier_of(payload, Operation::kActivate));
    if (uid != unique_identifier) {
      return reply_error(Operation::kActivate, "activated object '" + quote_server_text(uid) +
                                                   "', expected '" +
                                                   quote_server_text(unique_identifier) + "'");
    }
  }
  return {};
}

Result<SecretBytes> parse_get_response(ByteView reply) {
  constexpr Operation op = Operation::kGet;
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, op));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, op));
  if (auto type_node = payload.find(Tag::kObjectType)) {
    auto type = type_node->enumeration();
    if (!type) return reply_error(op, type.error());
    if (*type != kObjectTypeSecretData) {
      return reply_error(op, "object has ObjectType " + std::to_string(*type) +
                                 ", expected SecretData (7): a KMIP key for the default "
                                 "(non-delegated) mode must be 96 bytes of SecretData");
    }
  }
  auto value = payload.require_path({Tag::kSecretData, Tag::kKeyBlock, Tag::kKeyValue});
  if (!value) return reply_error(op, value.error());
  if (value->type() != ItemType::kStructure) {
    // A ByteString KeyValue is a wrapped key (KMIP 1.0 section 2.1.4), which openfle never asks
    // for.
    return reply_error(op, "KeyValue is " + type_name_with_article(value->type()) +
                               " (a wrapped key), expected a Structure holding KeyMaterial");
  }
  OPENFLE_ASSIGN_OR_RETURN(ByteView material, byte_string_field(*value, Tag::kKeyMaterial, op));
  if (material.size() != kSecretDataSize) {
    return reply_error(op, "KeyMaterial is " + std::to_string(material.size()) +
                               " bytes, expected " + std::to_string(kSecretDataSize));
  }
  return SecretBytes::copy_of(material);
}

Result<EncryptResponse> parse_encrypt_response(ByteView reply) {
  constexpr Operation op = Operation::kEncrypt;
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, op));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, op));
  OPENFLE_ASSIGN_OR_RETURN(ByteView data, byte_string_field(payload, Tag::kData, op));
  OPENFLE_ASSIGN_OR_RETURN(ByteView iv, byte_string_field(payload, Tag::kIvCounterNonce, op));
  if (iv.size() != kAesBlockSize) {
    return reply_error(
        op, "IVCounterNonce is " + std::to_string(iv.size()) + " bytes, expected 16 (AES-CBC)");
  }
  if (data.empty() || data.size() % kAesBlockSize != 0) {
    return reply_error(op, "Data is " + std::to_string(data.size()) +
                               " bytes, expected a non-empty multiple of 16 (AES-CBC)");
  }
  return EncryptResponse{Bytes(data.begin(), data.end()), Bytes(iv.begin(), iv.end())};
}

Result<SecretBytes> parse_decrypt_response(ByteView reply) {
  constexpr Operation op = Operation::kDecrypt;
  OPENFLE_ASSIGN_OR_RETURN(TtlvTree tree, parse_reply(reply, op));
  OPENFLE_ASSIGN_OR_RETURN(TtlvNode payload, success_payload(tree, op));
  OPENFLE_ASSIGN_OR_RETURN(ByteView data, byte_string_field(payload, Tag::kData, op));
  return SecretBytes::copy_of(data);
}

}  // namespace openfle::kms::kmip
