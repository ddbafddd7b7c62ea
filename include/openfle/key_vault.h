// KeyVault: where data key documents are stored.
//
// The operations are the ones MongoDB's ClientEncryption performs on a key vault collection, so the
// same interface serves the embedded SQLite vault (the default), an in-memory vault (tests) and a
// MongoDB collection. Implementations are safe to call from many threads at once.
//
//   auto vault = openfle::open_key_vault("sqlite:/var/lib/app/keys.db");
//   auto keys = (*vault)->find(openfle::KeyFilter::by_alt_names({"billing"}));
#ifndef OPENFLE_KEY_VAULT_H_
#define OPENFLE_KEY_VAULT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/bson.h"
#include "openfle/key_document.h"
#include "openfle/status.h"
#include "openfle/uuid.h"

namespace openfle {

// Which keys an operation applies to: a MongoDB query on key documents. Supported: field equality
// (an array field matches if any element is equal), dotted paths, $eq $ne $in $nin $exists
// $gt $gte $lt $lte, and $and $or $nor.
class KeyFilter {
 public:
  static KeyFilter all();
  static KeyFilter by_id(const Uuid& id);
  static KeyFilter by_alt_names(std::vector<std::string> names);
  // MongoDB's key-fetch query: {$or: [{_id: {$in: ids}}, {keyAltNames: {$in: names}}]}.
  static KeyFilter by_ids_or_alt_names(std::vector<Uuid> ids, std::vector<std::string> names);
  // Any query; operators outside the supported set are refused with their name.
  static Result<KeyFilter> from_document(const Document& query);
  static Result<KeyFilter> from_json(std::string_view json);

  [[nodiscard]] const Document& query() const noexcept { return query_; }
  [[nodiscard]] bool matches(const Document& key_document) const;
  // For filters made by by_id / by_alt_names / by_ids_or_alt_names: the ids and names, so a vault
  // can use its indexes instead of scanning.
  [[nodiscard]] const std::optional<std::pair<std::vector<Uuid>, std::vector<std::string>>>&
  lookup() const noexcept {
    return lookup_;
  }

 private:
  explicit KeyFilter(Document query) : query_(std::move(query)) {}
  Document query_;
  std::optional<std::pair<std::vector<Uuid>, std::vector<std::string>>> lookup_;
};

// A change of one key's wrapping (rewrap): new masterKey and keyMaterial, applied only if the key
// still has the keyMaterial the change was computed from.
struct WrappingUpdate {
  Uuid id;
  Bytes expected_key_material;
  MasterKey master_key;
  Bytes key_material;
  std::int64_t update_date_ms = 0;
};

struct WrappingUpdateResult {
  std::size_t updated = 0;
  // Keys that already had the new keyMaterial (a rerun after an interruption).
  std::size_t already_current = 0;
  // Keys whose keyMaterial had changed under us, or that were deleted; left untouched.
  std::vector<Uuid> conflicts;
};

class KeyVault {
 public:
  virtual ~KeyVault() = default;

  // "sqlite:/path/keys.db", for messages.
  [[nodiscard]] virtual std::string description() const = 0;

  virtual Result<std::vector<KeyDocument>> find(const KeyFilter& filter) = 0;
  // Inserts all keys or none. A taken _id or keyAltName gives kAlreadyExists naming it.
  virtual Status insert(std::span<const KeyDocument> keys) = 0;
  // Replaces the keys whose _id exists and inserts the others, all or none (restoring a backup).
  virtual Status upsert(std::span<const KeyDocument> keys) = 0;
  // True if a key was deleted.
  virtual Result<bool> remove(const Uuid& id) = 0;
  // Add or remove one keyAltName; returns the key as it was before, or nullopt when no key has
  // this id. Adding a name another key has gives kAlreadyExists.
  virtual Result<std::optional<KeyDocument>> add_key_alt_name(const Uuid& id, std::string_view name) = 0;
  virtual Result<std::optional<KeyDocument>> remove_key_alt_name(const Uuid& id, std::string_view name) = 0;
  // Applies each update whose precondition holds. With atomic_batches(), all of them or none
  // (a conflict aborts the batch); otherwise each key is updated on its own, conditionally.
  virtual Result<WrappingUpdateResult> update_wrappings(std::span<const WrappingUpdate> updates) = 0;
  [[nodiscard]] virtual bool atomic_batches() const noexcept = 0;
};

// Opens a vault by URI: "sqlite:PATH" (created if absent, mode 0600) or "memory:".
Result<std::shared_ptr<KeyVault>> open_key_vault(std::string_view uri);
Result<std::shared_ptr<KeyVault>> open_sqlite_key_vault(const std::string& path);
std::shared_ptr<KeyVault> make_memory_key_vault();

}  // namespace openfle

#endif  // OPENFLE_KEY_VAULT_H_
