// Encrypting and decrypting the values inside BSON documents, in one pass over the bytes.
#ifndef OPENFLE_CLIENT_DOCUMENT_CRYPTO_H_
#define OPENFLE_CLIENT_DOCUMENT_CRYPTO_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/data_key.h"
#include "client/key_cache.h"
#include "crypto/aes_cbc.h"
#include "openfle/algorithm.h"
#include "openfle/bson.h"

namespace openfle::client {

// The data keys one operation uses: those it was handed, then the shared cache. Holding the
// shared_ptrs keeps a key alive for the whole operation even if the cache drops it meanwhile.
class OperationKeys {
 public:
  explicit OperationKeys(const KeyCache& cache) : cache_(cache) {}
  // nullptr when the key is neither held nor cached.
  const DataKey* get(const Uuid& id);
  const DataKey* get_by_alt_name(std::string_view name);
  void add(std::shared_ptr<const DataKey> key);

 private:
  const KeyCache& cache_;
  std::vector<std::shared_ptr<const DataKey>> held_;
  std::size_t last_ = 0;
};

// Appends `doc` to `out` with every FLE1 ciphertext replaced by its plaintext. If a ciphertext's
// key is unknown to `keys`, stops with kNotFound and sets `missing` (out is then incomplete).
// Other subtype-6 values (placeholders, Queryable Encryption) are copied unchanged.
Status decrypt_document(ByteView doc, OperationKeys& keys, crypto::AesCbcContext& aes, Bytes& out,
                        std::optional<Uuid>& missing);

// Appends `doc` to `out` with every ciphertext under key `from` decrypted and encrypted again under
// `to`, keeping each value's algorithm; other values are copied unchanged. `changed` counts the
// values re-encrypted. Missing keys are reported as by decrypt_document.
Status reencrypt_document(ByteView doc, const Uuid& from, const DataKey& to, OperationKeys& keys,
                          crypto::AesCbcContext& aes, Bytes& out, std::size_t& changed,
                          std::optional<Uuid>& missing);

// Appends `doc` to `out` with every FLE1 placeholder (what query analysis marks for encryption)
// replaced by its ciphertext, under the key the placeholder names. If that key is unknown to
// `keys`, stops with kNotFound and sets `missing` (out is then incomplete).
Status encrypt_placeholders(ByteView doc, OperationKeys& keys, crypto::AesCbcContext& aes, Bytes& out,
                            bool& missing);

struct KeyRefs {
  std::vector<Uuid> ids;
  std::vector<std::string> alt_names;
};
// The keys the placeholders in `doc` name, each once.
KeyRefs collect_placeholder_keys(ByteView doc);

// The key ids of every FLE1 ciphertext in `doc`, at any depth, without duplicates.
std::vector<Uuid> collect_key_ids(ByteView doc);

// Appends `doc` to `out` with the values at `paths` (dotted) encrypted under `key`. found[i] tells
// whether paths[i] was present. Paths may not overlap, and may not pass through an array.
Status encrypt_paths(ByteView doc, std::span<const std::string> paths, const DataKey& key,
                     Algorithm algorithm, crypto::AesCbcContext& aes, Bytes& out,
                     std::vector<bool>& found);

}  // namespace openfle::client

#endif  // OPENFLE_CLIENT_DOCUMENT_CRYPTO_H_
