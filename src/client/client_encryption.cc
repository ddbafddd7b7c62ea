#include "openfle/client_encryption.h"

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "bson/access.h"
#include "bson/raw.h"
#include "client/document_crypto.h"
#include "client/key_cache.h"
#include "common/parallel.h"
#include "common/try.h"
#include "crypto/fle1_value.h"

namespace openfle {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct ClientEncryption::Impl {
  explicit Impl(ClientEncryptionOptions o)
      : key_vault(std::move(o.key_vault)),
        kms(std::move(o.kms_providers)),
        cache(o.key_expiration),
        log(std::move(o.log)) {}

  void debug(std::string_view message) const {
    if (log) log(LogLevel::kDebug, message);
  }

  // Unwraps one key document through its provider.
  Result<std::shared_ptr<const client::DataKey>> unwrap(const KeyDocument& doc) const {
    auto provider = kms.get(doc.master_key.provider());
    if (!provider) return fail(provider.error().with_context("data key " + doc.id.to_string()));
    auto dek = (*provider)->unwrap(doc.master_key, doc.key_material);
    if (!dek) {
      return fail(dek.error().with_context("cannot unwrap data key " + doc.id.to_string() +
                                           " with KMS provider '" +
                                           doc.master_key.provider().to_string() + "'"));
    }
    auto cipher = crypto::Fle1Key::create(*dek);
    if (!cipher) return fail(cipher.error().with_context("data key " + doc.id.to_string()));
    return std::make_shared<const client::DataKey>(
        client::DataKey{doc.id, doc.key_alt_names, std::move(*cipher)});
  }

  // Fetches the named keys from the vault, unwraps them (concurrently for remote KMSs) and caches
  // them. A key that does not exist is an error naming it.
  Result<std::vector<std::shared_ptr<const client::DataKey>>> load(std::vector<Uuid> ids,
                                                                    std::vector<std::string> names) {
    debug("fetching " + std::to_string(ids.size() + names.size()) + " data key(s) from " +
          key_vault->description());
    const auto wanted_ids = ids;
    const auto wanted_names = names;
    OPENFLE_ASSIGN_OR_RETURN(auto docs, key_vault->find(KeyFilter::by_ids_or_alt_names(std::move(ids), std::move(names))));
    for (const auto& id : wanted_ids) {
      bool present = std::any_of(docs.begin(), docs.end(), [&](const KeyDocument& d) { return d.id == id; });
      if (!present) {
        return fail(ErrorCode::kNotFound, "data key " + id.to_string() + " was not found in key vault " +
                                              key_vault->description() +
                                              " (it was deleted, or this is not the key vault the data was "
                                              "encrypted with)");
      }
    }
    for (const auto& name : wanted_names) {
      bool present = std::any_of(docs.begin(), docs.end(), [&](const KeyDocument& d) { return d.has_alt_name(name); });
      if (!present) {
        return fail(ErrorCode::kNotFound, "no data key has the keyAltName '" + name + "' in key vault " +
                                              key_vault->description());
      }
    }
    std::vector<Result<std::shared_ptr<const client::DataKey>>> results(
        docs.size(), fail(ErrorCode::kInternal, "not run"));
    run_bounded(docs.size(), kms.options().max_concurrency,
                [&](std::size_t i) { results[i] = unwrap(docs[i]); });
    std::vector<std::shared_ptr<const client::DataKey>> keys;
    for (auto& r : results) {
      if (!r) return fail(r.error());
      cache.insert(*r);
      keys.push_back(std::move(*r));
    }
    return keys;
  }

  Result<std::shared_ptr<const client::DataKey>> key_for(const std::variant<Uuid, std::string>& ref) {
    if (const auto* id = std::get_if<Uuid>(&ref)) {
      if (auto cached = cache.find(*id)) return cached;
      OPENFLE_ASSIGN_OR_RETURN(auto keys, load({*id}, {}));
      return keys.front();
    }
    const auto& name = std::get<std::string>(ref);
    if (auto cached = cache.find_by_alt_name(name)) return cached;
    OPENFLE_ASSIGN_OR_RETURN(auto keys, load({}, {name}));
    return keys.front();
  }

  Result<Document> decrypt_document(ByteView doc) {
    client::OperationKeys keys(cache);
    crypto::AesCbcContext aes;
    Bytes out;
    out.reserve(doc.size());
    std::optional<Uuid> missing;
    auto status = client::decrypt_document(doc, keys, aes, out, missing);
    if (!status && missing) {
      // Fetch every key the document needs in one query, then decrypt again.
      std::vector<Uuid> needed;
      for (const auto& id : client::collect_key_ids(doc)) {
        if (keys.get(id) == nullptr) needed.push_back(id);
      }
      OPENFLE_ASSIGN_OR_RETURN(auto loaded, load(std::move(needed), {}));
      for (auto& k : loaded) keys.add(std::move(k));
      out.clear();
      missing.reset();
      status = client::decrypt_document(doc, keys, aes, out, missing);
    }
    if (!status) return fail(status.error());
    return DocumentAccess::adopt(std::move(out));
  }

  std::shared_ptr<KeyVault> key_vault;
  KmsProviders kms;
  client::KeyCache cache;
  LogHandler log;
};

ClientEncryption::ClientEncryption(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientEncryption::~ClientEncryption() = default;

Result<std::unique_ptr<ClientEncryption>> ClientEncryption::create(ClientEncryptionOptions options) {
  if (!options.key_vault) {
    return fail(ErrorCode::kInvalidArgument, "ClientEncryptionOptions.key_vault is required");
  }
  if (options.key_expiration.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "key_expiration must not be negative");
  }
  return std::unique_ptr<ClientEncryption>(new ClientEncryption(std::make_unique<Impl>(std::move(options))));
}

Result<Uuid> ClientEncryption::create_data_key(std::string_view provider_text, DataKeyOptions options) {
  OPENFLE_ASSIGN_OR_RETURN(auto provider_id, KmsProviderId::parse(provider_text));
  MasterKey master_key = MasterKey::local(provider_id.name);
  if (options.master_key) {
    if (!(options.master_key->provider() == provider_id)) {
      return fail(ErrorCode::kInvalidArgument,
                  "masterKey is for provider '" + options.master_key->provider().to_string() +
                      "' but the key is being created with provider '" + provider_id.to_string() + "'");
    }
    master_key = *options.master_key;
  } else if (provider_id.kind != KmsKind::kLocal) {
    return fail(ErrorCode::kInvalidArgument,
                "a masterKey is required for provider '" + provider_id.to_string() +
                    "' (e.g. for aws: {\"region\": \"us-east-1\", \"key\": \"arn:aws:kms:...\"})");
  }
  std::set<std::string_view> names;
  for (const auto& name : options.key_alt_names) {
    if (!names.insert(name).second) {
      return fail(ErrorCode::kInvalidArgument, "keyAltName '" + name + "' is given twice");
    }
  }
  SecretBytes dek;
  if (options.key_material) {
    if (options.key_material->size() != crypto::kFle1KeySize) {
      return fail(ErrorCode::kInvalidArgument,
                  "keyMaterial must be 96 bytes, got " + std::to_string(options.key_material->size()));
    }
    dek = std::move(*options.key_material);
  } else {
    dek = SecretBytes::random(crypto::kFle1KeySize);
  }
  OPENFLE_ASSIGN_OR_RETURN(auto provider, impl_->kms.get(provider_id));
  auto wrapped = provider->wrap(master_key, dek);
  if (!wrapped) {
    return fail(wrapped.error().with_context("cannot wrap the new data key with KMS provider '" +
                                             provider_id.to_string() + "'"));
  }
  KeyDocument doc;
  doc.id = Uuid::random_v4();
  doc.key_alt_names = std::move(options.key_alt_names);
  doc.key_material = std::move(wrapped->key_material);
  doc.creation_date_ms = doc.update_date_ms = now_ms();
  doc.master_key = std::move(wrapped->master_key);
  OPENFLE_RETURN_IF_ERROR(impl_->key_vault->insert(std::span<const KeyDocument>(&doc, 1)));
  impl_->debug("created data key " + doc.id.to_string() + " with provider " + provider_id.to_string());
  return doc.id;
}

Result<Value> ClientEncryption::encrypt(const Value& value, const EncryptOptions& options) {
  OPENFLE_RETURN_IF_ERROR(crypto::check_encryptable(value.type(), value.binary_subtype(), options.algorithm));
  OPENFLE_ASSIGN_OR_RETURN(auto key, impl_->key_for(options.key));
  crypto::AesCbcContext aes;
  Bytes blob;
  OPENFLE_RETURN_IF_ERROR(crypto::encrypt_value(aes, key->cipher, key->id, options.algorithm,
                                                value.type(), value.bytes(), blob));
  return Value::binary(6, blob);
}

Result<Value> ClientEncryption::decrypt(const Value& value) {
  if (!value.is_fle1_ciphertext()) {
    return fail(ErrorCode::kInvalidArgument,
                "value is not an FLE1 ciphertext (BSON Binary subtype 6 with blob subtype 1 or 2), it "
                "is " + std::string(bson_type_name(value.type())));
  }
  // Decrypting a one-field document shares the document path, its key loading and its errors.
  Document wrapped = Document::Builder().append("v", value).build();
  OPENFLE_ASSIGN_OR_RETURN(auto plain, impl_->decrypt_document(wrapped.bytes()));
  auto v = plain.get("v");
  if (!v) return fail(ErrorCode::kInternal, "decryption lost the value");
  return std::move(*v);
}

Result<Document> ClientEncryption::encrypt_fields(const Document& document, std::span<const std::string> paths,
                                                  const EncryptOptions& options, std::vector<bool>* found) {
  OPENFLE_ASSIGN_OR_RETURN(auto key, impl_->key_for(options.key));
  crypto::AesCbcContext aes;
  Bytes out;
  out.reserve(document.bytes().size() * 2);
  std::vector<bool> seen;
  OPENFLE_RETURN_IF_ERROR(client::encrypt_paths(document.bytes(), paths, *key, options.algorithm, aes, out, seen));
  if (found != nullptr) *found = std::move(seen);
  return DocumentAccess::adopt(std::move(out));
}

Result<Document> ClientEncryption::decrypt_document(const Document& document) {
  return impl_->decrypt_document(document.bytes());
}

Result<std::optional<KeyDocument>> ClientEncryption::get_key(const Uuid& id) {
  OPENFLE_ASSIGN_OR_RETURN(auto keys, impl_->key_vault->find(KeyFilter::by_id(id)));
  if (keys.empty()) return std::optional<KeyDocument>();
  return std::optional<KeyDocument>(std::move(keys.front()));
}

Result<std::optional<KeyDocument>> ClientEncryption::get_key_by_alt_name(std::string_view name) {
  OPENFLE_ASSIGN_OR_RETURN(auto keys, impl_->key_vault->find(KeyFilter::by_alt_names({std::string(name)})));
  if (keys.empty()) return std::optional<KeyDocument>();
  return std::optional<KeyDocument>(std::move(keys.front()));
}

Result<std::vector<KeyDocument>> ClientEncryption::get_keys() {
  return impl_->key_vault->find(KeyFilter::all());
}

Result<bool> ClientEncryption::delete_key(const Uuid& id) {
  impl_->cache.erase(id);
  return impl_->key_vault->remove(id);
}

Result<std::optional<KeyDocument>> ClientEncryption::add_key_alt_name(const Uuid& id, std::string_view name) {
  impl_->cache.erase(id);
  return impl_->key_vault->add_key_alt_name(id, name);
}

Result<std::optional<KeyDocument>> ClientEncryption::remove_key_alt_name(const Uuid& id, std::string_view name) {
  impl_->cache.erase(id);
  return impl_->key_vault->remove_key_alt_name(id, name);
}

void ClientEncryption::clear_key_cache() { impl_->cache.clear(); }

const std::shared_ptr<KeyVault>& ClientEncryption::key_vault() const noexcept { return impl_->key_vault; }
const KmsProviders& ClientEncryption::kms_providers() const noexcept { return impl_->kms; }

}  // namespace openfle
