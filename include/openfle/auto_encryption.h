// Automatic encryption from a JSON Schema, as MongoDB drivers do it with AutoEncryptionOpts and a
// schemaMap, but with openfle's own query analysis instead of the Enterprise-only mongocryptd or
// crypt_shared.
//
//   auto schemas = openfle::SchemaMap::from_json(R"({"hr.people": {
//       "bsonType": "object",
//       "properties": {"ssn": {"encrypt": {"bsonType": "string",
//           "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic",
//           "keyId": [{"$binary": {"base64": "...", "subType": "04"}}]}}}}})");
//   openfle::AutoEncryptionOptions options;
//   options.schema_map = std::move(*schemas);
//   auto encrypter = *openfle::AutoEncrypter::create(client, std::move(options));
//   auto command = encrypter->encrypt_command("hr", *openfle::Document::from_json(
//       R"({"find": "people", "filter": {"ssn": "123-45-6789"}})"));
//   // {"find": "people", "filter": {"ssn": {"$eq": <ciphertext>}}}: send this to the server,
//   // then encrypter->decrypt_reply(reply) gives the documents back in the clear.
//
// The rules (which schemas, commands, operators and types are allowed, and the error messages)
// are MongoDB's for FLE1 (docs/auto-encryption.md). Anything that cannot be encrypted correctly is
// an error: plaintext is never returned for a field the schema says to encrypt.
//
// Thread-safety: an AutoEncrypter may be shared by any number of threads, as its ClientEncryption.
#ifndef OPENFLE_AUTO_ENCRYPTION_H_
#define OPENFLE_AUTO_ENCRYPTION_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/bson.h"
#include "openfle/client_encryption.h"
#include "openfle/status.h"

namespace openfle {

namespace analysis {
class SchemaNode;
}

// One collection's CSFLE JSON Schema, parsed and validated. Immutable; cheap to copy.
class EncryptionSchema {
 public:
  // A schema given by the client (schemaMap) may hold only the keywords encryption uses; one from
  // the server's collection validator (`remote`) may hold any JSON Schema keyword, and only the
  // encryption keywords are interpreted. Errors give the reason and the schema path, e.g.
  // "properties.ssn.encrypt.keyId: ...".
  static Result<EncryptionSchema> parse(const Document& schema, bool remote = false);
  static Result<EncryptionSchema> from_json(std::string_view json, bool remote = false);

  // True when some field is encrypted.
  [[nodiscard]] bool has_encrypted_fields() const noexcept;
  [[nodiscard]] bool is_remote() const noexcept { return remote_; }
  [[nodiscard]] const analysis::SchemaNode& root() const noexcept { return *root_; }

 private:
  EncryptionSchema(std::shared_ptr<const analysis::SchemaNode> root, bool remote)
      : root_(std::move(root)), remote_(remote) {}
  std::shared_ptr<const analysis::SchemaNode> root_;
  bool remote_ = false;
};

// Namespace ("db.collection") to schema: the drivers' schemaMap option.
class SchemaMap {
 public:
  SchemaMap() = default;
  // {"db.coll": <schema>, ...}; each schema is validated as a client-side (local) schema.
  static Result<SchemaMap> from_document(const Document& map);
  static Result<SchemaMap> from_json(std::string_view json);

  void set(std::string ns, EncryptionSchema schema);
  // nullptr when the namespace has no schema.
  [[nodiscard]] const EncryptionSchema* find(std::string_view ns) const;
  [[nodiscard]] std::size_t size() const noexcept { return schemas_.size(); }
  [[nodiscard]] std::vector<std::string> namespaces() const;

 private:
  std::map<std::string, EncryptionSchema, std::less<>> schemas_;
};

// What query analysis makes of a command: mongocryptd's reply. `result` is the command with an
// FLE1 placeholder (BSON Binary subtype 6, blob subtype 0) wherever a value must be encrypted.
struct MarkedCommand {
  bool has_encryption_placeholders = false;
  bool schema_requires_encryption = false;
  Document result;

  // {"hasEncryptionPlaceholders": ..., "schemaRequiresEncryption": ..., "result": ..., "ok": 1},
  // the reply libmongocrypt reads in its NEED_MONGO_MARKINGS state.
  [[nodiscard]] Document to_reply() const;
};

// Query analysis alone, with no keys and no I/O: what mongocryptd does for `command` on database
// `db`, with the schemas of `schemas` (a namespace without one has no encrypted fields).
Result<MarkedCommand> analyze_command(std::string_view db, const Document& command, const SchemaMap& schemas);

// Query analysis of a command as libmongocrypt sends it to mongocryptd: the command with
// `jsonSchema` (and `isRemoteSchema`) appended. Returns the reply document (MarkedCommand::to_reply),
// so openfle can answer libmongocrypt's NEED_MONGO_MARKINGS state in mongocryptd's place.
Result<Document> answer_mongocryptd(std::string_view db, const Document& command_with_schema);

struct AutoEncryptionOptions {
  SchemaMap schema_map;
  // Encrypt nothing; only decrypt replies (MongoDB's bypassAutoEncryption).
  bool bypass_auto_encryption = false;
};

class AutoEncrypter {
 public:
  static Result<std::unique_ptr<AutoEncrypter>> create(std::shared_ptr<ClientEncryption> client,
                                                       AutoEncryptionOptions options);
  AutoEncrypter(const AutoEncrypter&) = delete;
  AutoEncrypter& operator=(const AutoEncrypter&) = delete;
  ~AutoEncrypter();

  // The command a driver with automatic encryption would send for `command` on database `db`:
  // every value the collection's schema encrypts is encrypted, in documents, filters and updates.
  // Commands that need no encryption (ping, getMore, ...) come back unchanged; commands MongoDB does
  // not support with automatic encryption are refused ("command not supported for auto
  // encryption: mapReduce").
  Result<Document> encrypt_command(std::string_view db, const Document& command);

  // The server's reply with every encrypted value decrypted (cursor batches included).
  Result<Document> decrypt_reply(const Document& reply);

  // One document encrypted as an insert into `ns` ("db.collection") would encrypt it.
  Result<Document> encrypt_document(std::string_view ns, const Document& document);

  // Query analysis only (see analyze_command), with this encrypter's schema map.
  Result<MarkedCommand> analyze(std::string_view db, const Document& command) const;

  [[nodiscard]] const SchemaMap& schema_map() const noexcept;

 private:
  struct Impl;
  explicit AutoEncrypter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openfle

#endif  // OPENFLE_AUTO_ENCRYPTION_H_
