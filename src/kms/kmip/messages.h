// The KMIP requests libmongocrypt sends and the replies it reads, as bytes in and bytes out.
//
// Two flows (shared/reference/fle1-keys-kms.md section 3 "KMIP"):
// - Default (KMIP 1.0 headers, byte-identical to libmongocrypt 1.7.2): Register a 96-byte
//   SecretData, Activate it, Get it back; the DEK is then wrapped locally with those 96 bytes.
// - Delegated (KMIP 1.2 headers, as libmongocrypt 1.10+ sends them): Create an AES-256 key,
//   Activate it, Encrypt the DEK on the server (AES-CBC, PKCS5, server-chosen IV), Decrypt it
//   with the same IV later.
// Each request is one RequestMessage with BatchCount 1 and one BatchItem, without a
// UniqueBatchItemID; the server answers with one ResponseMessage, whose size the transport
// learns from kmip_message_length() (ttlv.h).
//
// Requests that carry secrets (Register's key material, Encrypt's plaintext DEK) come back as
// SecretBytes, as do the secrets parsed from replies (Get's key material, Decrypt's plaintext).
//
// A reply whose ResultStatus is not Success becomes an error (kKmsError) that reads, e.g.,
//   "KMIP Register failed: Operation Failed (reason: Permission Denied): Could not locate object"
// A reply that is not TTLV, or lacks what the operation must return, is also kKmsError, naming
// the operation and the missing or malformed field.
//
// All functions are pure and thread-safe.
#ifndef OPENFLE_KMS_KMIP_MESSAGES_H_
#define OPENFLE_KMS_KMIP_MESSAGES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms::kmip {

// The size of the SecretData openfle registers and expects back from Get: a local master key.
inline constexpr std::size_t kSecretDataSize = 96;
// AES block size: the IV length and ciphertext granularity of delegated Encrypt.
inline constexpr std::size_t kAesBlockSize = 16;

// Operation enumeration values (KMIP 1.2 section 9.1.3.2.27).
enum class Operation : std::uint32_t {
  kCreate = 0x01,
  kRegister = 0x03,
  kGet = 0x0A,
  kActivate = 0x12,
  kEncrypt = 0x1F,
  kDecrypt = 0x20,
};
// "Register", "Get", ...
std::string_view operation_name(Operation op);

// ---- Requests ----

// The two Register layouts libmongocrypt has sent. Both register the same 96 bytes and get the
// same reply; servers differ in what they accept.
enum class RegisterFormat {
  // libmongocrypt >= 1.8 (MONGOCRYPT-563): TemplateAttribute "Cryptographic Usage Mask" = 0 and
  // KeyFormatType Opaque. Some servers (HashiCorp Vault's KMIP engine) reject a Register without
  // a usage mask.
  kCurrent,
  // Byte-identical to Debian's libmongocrypt 1.7.2: empty TemplateAttribute, KeyFormatType Raw.
  kLibmongocrypt17,
};

// Register (KMIP 1.0) of SecretData type Seed with `secret_data` (exactly 96 bytes, else
// kInvalidArgument) as KeyMaterial, in the given layout.
Result<SecretBytes> build_register_request(const SecretBytes& secret_data,
                                           RegisterFormat format = RegisterFormat::kCurrent);
// Activate / Get (KMIP 1.0) of the object `unique_identifier` (non-empty, else kInvalidArgument).
Result<Bytes> build_activate_request(std::string_view unique_identifier);
Result<Bytes> build_get_request(std::string_view unique_identifier);
// Create (KMIP 1.2) of a SymmetricKey: Cryptographic Algorithm AES, Length 256, Usage Mask
// Encrypt|Decrypt (12).
Bytes build_create_request();
// Encrypt (KMIP 1.2) of `plaintext` (non-empty) under `unique_identifier`, with
// CryptographicParameters CBC, PKCS5, AES, RandomIV true.
Result<SecretBytes> build_encrypt_request(std::string_view unique_identifier,
                                          const SecretBytes& plaintext);
// Decrypt (KMIP 1.2) of `ciphertext` (non-empty) under `unique_identifier` with the IV the
// Encrypt reply gave (`iv`, non-empty), CryptographicParameters CBC, PKCS5, AES.
Result<Bytes> build_decrypt_request(std::string_view unique_identifier, ByteView ciphertext,
                                    ByteView iv);

// ---- Replies ----
// `reply` is one complete ResponseMessage. Replies that may hold secrets (Get, Decrypt) should be
// received into SecretBytes and passed as .expose(); nothing here keeps a copy.

// The UniqueIdentifier of the object created by Register or Create.
Result<std::string> parse_register_response(ByteView reply);
Result<std::string> parse_create_response(ByteView reply);
// Success of Activate; if the reply names an object, it must be `unique_identifier`.
Status parse_activate_response(ByteView reply, std::string_view unique_identifier);
// The KeyMaterial of the SecretData returned by Get: exactly 96 bytes, else an error.
Result<SecretBytes> parse_get_response(ByteView reply);

struct EncryptResponse {
  Bytes data;  // the ciphertext: a non-empty multiple of 16 bytes
  Bytes iv;    // IVCounterNonce chosen by the server: 16 bytes
};
// Data and IVCounterNonce of an Encrypt reply. libmongocrypt stores iv || data as keyMaterial.
Result<EncryptResponse> parse_encrypt_response(ByteView reply);
// Data of a Decrypt reply: the plaintext.
Result<SecretBytes> parse_decrypt_response(ByteView reply);

// "Operation Failed", "Permission Denied", ... for the ResultStatus and ResultReason
// enumerations (KMIP 1.4 sections 9.1.3.2.28-29); "status 0x…"/"reason 0x…" if unknown.
std::string result_status_name(std::uint32_t status);
std::string result_reason_name(std::uint32_t reason);

}  // namespace openfle::kms::kmip

#endif  // OPENFLE_KMS_KMIP_MESSAGES_H_
