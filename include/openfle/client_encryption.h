// ClientEncryption: data keys and explicit encryption, as MongoDB drivers' ClientEncryption.
//
//   openfle::ClientEncryptionOptions options;
//   options.key_vault = *openfle::open_key_vault("sqlite:keys.db");
//   options.kms_providers = *openfle::KmsProviders::from_json(R"({"local": {"key": "..."}})");
//   auto client = *openfle::ClientEncryption::create(std::move(options));
//
//   openfle::DataKeyOptions key_options;
//   key_options.key_alt_names = {"ssn-key"};
//   openfle::Uuid id = *client->create_data_key("local", std::move(key_options));
//   auto ssn = client->encrypt(openfle::Value::string("123-45-6789"),
//                              openfle::EncryptOptions::by_alt_name("ssn-key",
//                                                                   openfle::Algorithm::kDeterministic));
//   auto back = client->decrypt(*ssn);
//
// Thread-safety: one ClientEncryption may be shared by any number of threads. Unwrapped data keys
// are cached for key_expiration (default 60 s, as MongoDB's keyExpirationMS), so repeated
// operations do not go back to the key vault and the KMS.
#ifndef OPENFLE_CLIENT_ENCRYPTION_H_
#define OPENFLE_CLIENT_ENCRYPTION_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/key_document.h"
#include "openfle/key_vault.h"
#include "openfle/kms.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"
#include "openfle/uuid.h"

namespace openfle {

// Automatic encryption's access to the client's keys (src/client/internals.h); not an API.
struct ClientEncryptionInternals;

enum class LogLevel { kDebug, kInfo, kWarning, kError };
// Receives log lines; they never contain key material, credentials or plaintext values.
using LogHandler = std::function<void(LogLevel, std::string_view)>;

struct ClientEncryptionOptions {
  std::shared_ptr<KeyVault> key_vault;  // required
  KmsProviders kms_providers;
  // How long an unwrapped data key stays cached; 0 keeps keys for the client's lifetime.
  std::chrono::milliseconds key_expiration{60000};
  LogHandler log;  // optional
};

struct DataKeyOptions {
  // Required for aws, azure, gcp and kmip (e.g. {"region": ..., "key": ...} for aws); for local,
  // {"provider": "local"} is used when absent.
  std::optional<MasterKey> master_key;
  std::vector<std::string> key_alt_names;
  // 96 bytes to use as the data key instead of random ones (MongoDB's keyMaterial option).
  std::optional<SecretBytes> key_material;
};

struct EncryptOptions {
  std::variant<Uuid, std::string> key;  // a key _id or a keyAltName
  Algorithm algorithm = Algorithm::kRandom;

  static EncryptOptions by_id(const Uuid& id, Algorithm algorithm) { return {id, algorithm}; }
  static EncryptOptions by_alt_name(std::string name, Algorithm algorithm) {
    return {std::move(name), algorithm};
  }
};

// Rewrapping data keys (MongoDB's rewrapManyDataKey), made safe: every matching key is unwrapped,
// wrapped with the target and the new wrapping proven by unwrapping it again and comparing, all
// before anything is written; any failure writes nothing.
struct RewrapOptions {
  // The master key to move to; nullopt rewraps each key with its own current master key (rotation).
  // A KMIP master key without keyId makes one new KMIP key, shared by all rewrapped data keys.
  std::optional<MasterKey> master_key;
  // Do everything (KMS calls and verification included) but write nothing.
  bool dry_run = false;
  // Keys processed at once (each needs up to three KMS requests).
  int concurrency = 64;
  // Called after each key is processed, from worker threads: (keys done, keys matched).
  std::function<void(std::size_t, std::size_t)> progress;
};

struct RewrapResult {
  std::size_t matched = 0;
  std::size_t rewrapped = 0;  // written, or that would be written in a dry run
  // Keys already wrapped by the target (a rerun of an interrupted migration): left as they are.
  std::size_t already_current = 0;
  bool dry_run = false;
  // "local -> kmip (keyId 1)" and how many keys made that move.
  std::vector<std::pair<std::string, std::size_t>> moves;
  // The target as the KMS completed it, when it created a master key on the way (a KMIP target
  // without keyId): pass this master key to reuse it, e.g. after a dry run.
  std::optional<MasterKey> created_master_key;
  std::chrono::milliseconds elapsed{0};
};

class ClientEncryption {
 public:
  static Result<std::unique_ptr<ClientEncryption>> create(ClientEncryptionOptions options);
  ClientEncryption(const ClientEncryption&) = delete;
  ClientEncryption& operator=(const ClientEncryption&) = delete;
  ~ClientEncryption();

  // Creates a data key wrapped by `provider` ("local", "aws:prod", ...) and stores it.
  Result<Uuid> create_data_key(std::string_view provider, DataKeyOptions options = {});

  // Encrypts one value (BSON Binary subtype 6). MongoDB's type rules apply: null, undefined,
  // minKey, maxKey and encrypted values are refused; double, decimal128, bool, document, array and
  // code-with-scope are refused for deterministic encryption.
  Result<Value> encrypt(const Value& value, const EncryptOptions& options);
  Result<Value> decrypt(const Value& value);

  // Encrypts the values at the given dotted paths; a path absent from the document is skipped
  // (the set of paths found is reported through `found`, when given). Errors name the path.
  Result<Document> encrypt_fields(const Document& document, std::span<const std::string> paths,
                                  const EncryptOptions& options, std::vector<bool>* found = nullptr);
  // Decrypts every FLE1 ciphertext in the document, at any depth (nested documents and arrays).
  Result<Document> decrypt_document(const Document& document);

  Result<std::optional<KeyDocument>> get_key(const Uuid& id);
  Result<std::optional<KeyDocument>> get_key_by_alt_name(std::string_view name);
  Result<std::vector<KeyDocument>> get_keys();
  // True if a key was deleted. Data encrypted with it can no longer be decrypted.
  Result<bool> delete_key(const Uuid& id);
  // Return the key as it was before the change, or nullopt when no key has this id.
  Result<std::optional<KeyDocument>> add_key_alt_name(const Uuid& id, std::string_view name);
  Result<std::optional<KeyDocument>> remove_key_alt_name(const Uuid& id, std::string_view name);

  // See RewrapOptions. Fails with kFailedPrecondition listing each key that could not be rewrapped
  // and why; nothing is written then.
  Result<RewrapResult> rewrap_many_data_key(const KeyFilter& filter, RewrapOptions options = {});

  // Re-encrypts, under data key `to`, every value of `document` encrypted with data key `from`,
  // keeping each value's algorithm; other values are left as they are. For retiring a data key.
  // `changed` (when given) receives the number of values re-encrypted.
  Result<Document> reencrypt_document(const Document& document, const Uuid& from, const Uuid& to,
                                      std::size_t* changed = nullptr);

  // Forgets every cached data key (e.g. after keys were changed by another process).
  void clear_key_cache();

  const std::shared_ptr<KeyVault>& key_vault() const noexcept;
  const KmsProviders& kms_providers() const noexcept;

 private:
  struct Impl;
  friend struct ClientEncryptionInternals;
  explicit ClientEncryption(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The ids of the data keys the FLE1 ciphertexts in `document` were encrypted with, at any depth,
// each once: to check which data still depends on a key before deleting it.
std::vector<Uuid> data_keys_used(const Document& document);

}  // namespace openfle

#endif  // OPENFLE_CLIENT_ENCRYPTION_H_
