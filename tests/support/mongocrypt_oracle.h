// MongocryptOracle: Debian's libmongocrypt driven from tests, as the compatibility oracle.
//
// libmongocrypt does no I/O: this wrapper answers its state machine. Key-vault queries are answered
// from the key documents the test added (matched with openfle's KeyFilter); KMS requests go to a
// handler the test supplies (a loopback emulator, for example). Never linked into the library.
#ifndef OPENFLE_TESTS_SUPPORT_MONGOCRYPT_ORACLE_H_
#define OPENFLE_TESTS_SUPPORT_MONGOCRYPT_ORACLE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/status.h"
#include "openfle/uuid.h"

typedef struct _mongocrypt_t mongocrypt_t;
typedef struct _mongocrypt_ctx_t mongocrypt_ctx_t;

namespace openfle::testing {

class MongocryptOracle {
 public:
  // Answers one KMS request: endpoint "host:port" and the request bytes; returns the raw reply.
  using KmsHandler = std::function<Result<Bytes>(const std::string& endpoint, ByteView request,
                                                 const std::string& provider)>;
  // Answers NEED_MONGO_MARKINGS: the command libmongocrypt would send to mongocryptd.
  using MarkingsHandler = std::function<Result<Document>(const Document& command)>;

  // `kms_providers` in libmongocrypt's shape, e.g. {"local": {"key": Binary(96)}}.
  static Result<std::unique_ptr<MongocryptOracle>> create(const Document& kms_providers,
                                                          const Document& schema_map = Document());
  ~MongocryptOracle();
  MongocryptOracle(const MongocryptOracle&) = delete;
  MongocryptOracle& operator=(const MongocryptOracle&) = delete;

  void add_key(const Document& key_document) { keys_.push_back(key_document); }
  void set_kms_handler(KmsHandler handler) { kms_ = std::move(handler); }
  void set_markings_handler(MarkingsHandler handler) { markings_ = std::move(handler); }

  // mongocrypt_ctx_datakey_init with the given masterKey ({"provider": ...}).
  Result<Document> create_data_key(const Document& master_key, const std::vector<std::string>& alt_names = {},
                                   std::optional<Bytes> key_material = std::nullopt);
  Result<Value> encrypt(const Value& value, const std::variant<Uuid, std::string>& key, Algorithm algorithm);
  Result<Value> decrypt(const Value& value);
  Result<Document> decrypt_document(const Document& document);
  // Automatic encryption of a command on `db`.
  Result<Document> encrypt_command(const std::string& db, const Document& command);
  // rewrapManyDataKey: returns libmongocrypt's {v: [{_id, keyMaterial, masterKey}, ...]}.
  Result<Document> rewrap(const Document& filter, const std::optional<Document>& new_master_key);

 private:
  explicit MongocryptOracle(mongocrypt_t* crypt) : crypt_(crypt) {}
  Result<Document> run(mongocrypt_ctx_t* ctx);

  mongocrypt_t* crypt_;
  std::vector<Document> keys_;
  KmsHandler kms_;
  MarkingsHandler markings_;
};

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_MONGOCRYPT_ORACLE_H_
