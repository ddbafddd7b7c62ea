#include "openfle/client_encryption.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "bson/access.h"
#include "bson/raw.h"
#include "client/document_crypto.h"
#include "client/internals.h"
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
        return fail(ErrorCode::kNotFound, "data key " + id.to_string() + " was not found in key vault '" +
                                              key_vault->description() +
                                              "' (it was deleted, or this is not the key vault the data was "
                                              "encrypted with)");
      }
    }
    for (const auto& name : wanted_names) {
      bool present = std::any_of(docs.begin(), docs.end(), [&](const KeyDocument& d) { return d.has_alt_name(name); });
      if (!present) {
        return fail(ErrorCode::kNotFound, "no data key has the keyAltName '" + name + "' in key vault '" +
                                              key_vault->description() + "'");
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

  Result<Document> encrypt_placeholders(ByteView doc) {
    client::OperationKeys keys(cache);
    crypto::AesCbcContext aes;
    Bytes out;
    out.reserve(doc.size() + doc.size() / 2);
    bool missing = false;
    auto status = client::encrypt_placeholders(doc, keys, aes, out, missing);
    if (!status && missing) {
      // Fetch every key the placeholders name in one query, then encrypt again.
      auto refs = client::collect_placeholder_keys(doc);
      std::vector<Uuid> ids;
      std::vector<std::string> names;
      for (const auto& id : refs.ids) {
        if (keys.get(id) == nullptr) ids.push_back(id);
      }
      for (const auto& name : refs.alt_names) {
        if (keys.get_by_alt_name(name) == nullptr) names.push_back(name);
      }
      OPENFLE_ASSIGN_OR_RETURN(auto loaded, load(std::move(ids), std::move(names)));
      for (auto& k : loaded) keys.add(std::move(k));
      out.clear();
      status = client::encrypt_placeholders(doc, keys, aes, out, missing);
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
  } else if (provider_id.kind == KmsKind::kKmip) {
    // No keyId: the KMIP server creates the master key (MongoDB's default for KMIP).
    OPENFLE_ASSIGN_OR_RETURN(master_key, MasterKey::make(provider_id, KmipMasterKey{}));
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
  // The new key is in hand already: cache it, so its first use needs no KMS round trip.
  if (auto cipher = crypto::Fle1Key::create(dek)) {
    impl_->cache.insert(std::make_shared<const client::DataKey>(client::DataKey{doc.id, doc.key_alt_names, std::move(*cipher)}));
  }
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

namespace {

// "local", "aws:prod (arn:aws:kms:...)", "kmip (keyId 12)": how a master key is named in reports.
std::string describe(const MasterKey& mk) {
  std::string out = mk.provider().to_string();
  std::string detail;
  if (const auto* aws = std::get_if<AwsMasterKey>(&mk.fields())) {
    detail = aws->key;
  } else if (const auto* azure = std::get_if<AzureMasterKey>(&mk.fields())) {
    detail = azure->key_vault_endpoint + "/" + azure->key_name;
  } else if (const auto* gcp = std::get_if<GcpMasterKey>(&mk.fields())) {
    detail = gcp->project_id + "/" + gcp->location + "/" + gcp->key_ring + "/" + gcp->key_name;
  } else if (const auto* kmip = std::get_if<KmipMasterKey>(&mk.fields())) {
    if (kmip->key_id) detail = "keyId " + *kmip->key_id;
    if (kmip->delegated.value_or(false)) detail += detail.empty() ? "delegated" : ", delegated";
  }
  return detail.empty() ? out : out + " (" + detail + ")";
}

struct RewrapOutcome {
  std::optional<WrappingUpdate> update;
  bool already_current = false;
  Status status;  // the failure, if the key could not be rewrapped
  std::string move;
};

}  // namespace

Result<RewrapResult> ClientEncryption::rewrap_many_data_key(const KeyFilter& filter, RewrapOptions options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.concurrency < 1) return fail(ErrorCode::kInvalidArgument, "rewrap concurrency must be at least 1");
  if (options.master_key) {
    // An unconfigured target is an error before any key is touched.
    OPENFLE_RETURN_IF_ERROR(impl_->kms.get(options.master_key->provider()));
  }
  OPENFLE_ASSIGN_OR_RETURN(auto keys, impl_->key_vault->find(filter));
  RewrapResult result;
  result.matched = keys.size();
  result.dry_run = options.dry_run;
  std::optional<MasterKey> target = options.master_key;

  auto process = [&](const KeyDocument& key, const std::optional<MasterKey>& to) -> RewrapOutcome {
    RewrapOutcome out;
    if (to && key.master_key == *to) {
      out.already_current = true;
      return out;
    }
    const MasterKey& destination = to ? *to : key.master_key;
    auto failed = [&](const Error& e) {
      out.status = fail(e);
      return out;
    };
    auto source = impl_->kms.get(key.master_key.provider());
    if (!source) return failed(source.error());
    auto dek = (*source)->unwrap(key.master_key, key.key_material);
    if (!dek) return failed(dek.error().with_context("cannot unwrap with its current master key " + describe(key.master_key)));
    auto sink = impl_->kms.get(destination.provider());
    if (!sink) return failed(sink.error());
    auto wrapped = (*sink)->wrap(destination, *dek);
    if (!wrapped) return failed(wrapped.error().with_context("cannot wrap with " + describe(destination)));
    // Proof before commit: the new keyMaterial must unwrap, through the target KMS, to this DEK.
    auto check = (*sink)->unwrap(wrapped->master_key, wrapped->key_material);
    if (!check) return failed(check.error().with_context("the new wrapping could not be unwrapped again"));
    if (!check->equals(*dek)) {
      return failed(Error(ErrorCode::kKmsError, "the new wrapping unwrapped to a different key"));
    }
    out.move = describe(key.master_key) + " -> " + describe(wrapped->master_key);
    out.update = WrappingUpdate{key.id, key.key_material, std::move(wrapped->master_key),
                                std::move(wrapped->key_material), now_ms()};
    return out;
  };

  std::vector<RewrapOutcome> outcomes(keys.size());
  std::atomic<std::size_t> done{0};
  auto report = [&] {
    std::size_t n = ++done;
    if (options.progress) options.progress(n, keys.size());
  };
  std::size_t first = 0;
  if (target && !keys.empty()) {
    // The first key settles a target the KMS completes (a KMIP key created on the way), so that
    // every other key is wrapped by that same master key.
    outcomes[0] = process(keys[0], target);
    if (outcomes[0].update && !(outcomes[0].update->master_key == *target)) {
      target = outcomes[0].update->master_key;
      result.created_master_key = target;
    }
    first = 1;
    report();
  }
  run_bounded(keys.size() - first, options.concurrency, [&](std::size_t j) {
    outcomes[first + j] = process(keys[first + j], target);
    report();
  });

  std::vector<WrappingUpdate> updates;
  std::string failures;
  std::size_t failed = 0;
  std::map<std::string, std::size_t> moves;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto& o = outcomes[i];
    if (!o.status) {
      if (++failed <= 20) failures += "\n  key " + keys[i].id.to_string() + ": " + o.status.error().message();
    } else if (o.already_current) {
      ++result.already_current;
    } else if (o.update) {
      ++moves[o.move];
      updates.push_back(std::move(*o.update));
    }
  }
  if (failed > 0) {
    if (failed > 20) failures += "\n  ... and " + std::to_string(failed - 20) + " more";
    return fail(ErrorCode::kFailedPrecondition,
                "rewrap aborted, nothing was written: " + std::to_string(failed) + " of " +
                    std::to_string(keys.size()) + " key(s) could not be rewrapped:" + failures);
  }
  result.moves.assign(moves.begin(), moves.end());
  if (!options.dry_run && !updates.empty()) {
    OPENFLE_ASSIGN_OR_RETURN(auto written, impl_->key_vault->update_wrappings(updates));
    result.rewrapped = written.updated;
    result.already_current += written.already_current;
  } else {
    result.rewrapped = updates.size();
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return result;
}

Result<Document> ClientEncryption::reencrypt_document(const Document& document, const Uuid& from, const Uuid& to,
                                                      std::size_t* changed) {
  OPENFLE_ASSIGN_OR_RETURN(auto to_key, impl_->key_for(to));
  client::OperationKeys keys(impl_->cache);
  crypto::AesCbcContext aes;
  Bytes out;
  std::size_t count = 0;
  std::optional<Uuid> missing;
  auto status = client::reencrypt_document(document.bytes(), from, *to_key, keys, aes, out, count, missing);
  if (!status && missing) {
    OPENFLE_ASSIGN_OR_RETURN(auto loaded, impl_->load({*missing}, {}));
    for (auto& k : loaded) keys.add(std::move(k));
    out.clear();
    missing.reset();
    status = client::reencrypt_document(document.bytes(), from, *to_key, keys, aes, out, count, missing);
  }
  if (!status) return fail(status.error());
  if (changed != nullptr) *changed = count;
  return DocumentAccess::adopt(std::move(out));
}

std::vector<Uuid> data_keys_used(const Document& document) { return client::collect_key_ids(document.bytes()); }

void ClientEncryption::clear_key_cache() { impl_->cache.clear(); }

Result<Document> ClientEncryptionInternals::encrypt_placeholders(ClientEncryption& client, ByteView doc) {
  return client.impl_->encrypt_placeholders(doc);
}

const std::shared_ptr<KeyVault>& ClientEncryption::key_vault() const noexcept { return impl_->key_vault; }
const KmsProviders& ClientEncryption::kms_providers() const noexcept { return impl_->kms; }

}  // namespace openfle
