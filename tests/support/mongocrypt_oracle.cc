#include "support/mongocrypt_oracle.h"

extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <string>

#include "openfle/key_vault.h"

namespace openfle::testing {
namespace {

// A mongocrypt_binary_t viewing (not owning) bytes.
class Binary {
 public:
  explicit Binary(ByteView bytes)
      : b_(mongocrypt_binary_new_from_data(const_cast<std::uint8_t*>(bytes.data()),
                                           static_cast<std::uint32_t>(bytes.size()))) {}
  Binary() : b_(mongocrypt_binary_new()) {}
  Binary(const Binary&) = delete;
  Binary& operator=(const Binary&) = delete;
  ~Binary() { mongocrypt_binary_destroy(b_); }
  mongocrypt_binary_t* get() const { return b_; }
  ByteView view() const { return {mongocrypt_binary_data(b_), mongocrypt_binary_len(b_)}; }

 private:
  mongocrypt_binary_t* b_;
};

class Ctx {
 public:
  explicit Ctx(mongocrypt_t* crypt) : ctx_(mongocrypt_ctx_new(crypt)) {}
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
  ~Ctx() { mongocrypt_ctx_destroy(ctx_); }
  mongocrypt_ctx_t* get() const { return ctx_; }

 private:
  mongocrypt_ctx_t* ctx_;
};

std::string status_message(mongocrypt_status_t* status) {
  const char* message = mongocrypt_status_message(status, nullptr);
  return message != nullptr ? message : "(no message)";
}

tl::unexpected<Error> ctx_error(mongocrypt_ctx_t* ctx, std::string_view doing) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = "libmongocrypt " + std::string(doing) + ": " + status_message(status);
  mongocrypt_status_destroy(status);
  return fail(ErrorCode::kInvalidArgument, message);
}

Result<Document> to_document(ByteView bytes) { return Document::from_bytes(bytes); }

Document wrap_value(const Value& v) { return Document::Builder().append("v", v).build(); }

}  // namespace

Result<std::unique_ptr<MongocryptOracle>> MongocryptOracle::create(const Document& kms_providers,
                                                                   const Document& schema_map) {
  mongocrypt_t* crypt = mongocrypt_new();
  Binary providers(kms_providers.bytes());
  bool ok = mongocrypt_setopt_kms_providers(crypt, providers.get());
  if (ok && !schema_map.empty()) {
    Binary map(schema_map.bytes());
    ok = mongocrypt_setopt_schema_map(crypt, map.get());
  }
  ok = ok && mongocrypt_init(crypt);
  if (!ok) {
    mongocrypt_status_t* status = mongocrypt_status_new();
    mongocrypt_status(crypt, status);
    std::string message = status_message(status);
    mongocrypt_status_destroy(status);
    mongocrypt_destroy(crypt);
    return fail(ErrorCode::kInvalidArgument, "libmongocrypt init: " + message);
  }
  return std::unique_ptr<MongocryptOracle>(new MongocryptOracle(crypt));
}

MongocryptOracle::~MongocryptOracle() { mongocrypt_destroy(crypt_); }

Result<Document> MongocryptOracle::run(mongocrypt_ctx_t* ctx) {
  while (true) {
    switch (mongocrypt_ctx_state(ctx)) {
      case MONGOCRYPT_CTX_ERROR:
        return ctx_error(ctx, "failed");
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS: {
        Binary op;
        if (!mongocrypt_ctx_mongo_op(ctx, op.get())) return ctx_error(ctx, "mongo_op");
        auto filter_doc = to_document(op.view());
        if (!filter_doc) return fail(filter_doc.error());
        auto filter = KeyFilter::from_document(*filter_doc);
        if (!filter) return fail(filter.error());
        for (const auto& key : keys_) {
          if (!filter->matches(key)) continue;
          Binary doc(key.bytes());
          if (!mongocrypt_ctx_mongo_feed(ctx, doc.get())) return ctx_error(ctx, "mongo_feed");
        }
        if (!mongocrypt_ctx_mongo_done(ctx)) return ctx_error(ctx, "mongo_done");
        break;
      }
      case MONGOCRYPT_CTX_NEED_MONGO_MARKINGS: {
        if (!markings_) return fail(ErrorCode::kFailedPrecondition, "libmongocrypt needs markings; no handler");
        Binary op;
        if (!mongocrypt_ctx_mongo_op(ctx, op.get())) return ctx_error(ctx, "mongo_op");
        auto command = to_document(op.view());
        if (!command) return fail(command.error());
        auto reply = markings_(*command);
        if (!reply) return fail(reply.error());
        Binary doc(reply->bytes());
        if (!mongocrypt_ctx_mongo_feed(ctx, doc.get())) return ctx_error(ctx, "feeding markings");
        if (!mongocrypt_ctx_mongo_done(ctx)) return ctx_error(ctx, "mongo_done");
        break;
      }
      case MONGOCRYPT_CTX_NEED_MONGO_COLLINFO:
        // No remote schemas in tests: answer "no collection info".
        if (!mongocrypt_ctx_mongo_done(ctx)) return ctx_error(ctx, "mongo_done");
        break;
      case MONGOCRYPT_CTX_NEED_KMS: {
        while (mongocrypt_kms_ctx_t* kms = mongocrypt_ctx_next_kms_ctx(ctx)) {
          if (!kms_) return fail(ErrorCode::kFailedPrecondition, "libmongocrypt needs a KMS; no handler");
          Binary message;
          if (!mongocrypt_kms_ctx_message(kms, message.get())) return ctx_error(ctx, "kms message");
          const char* endpoint = nullptr;
          mongocrypt_kms_ctx_endpoint(kms, &endpoint);
          const char* provider = mongocrypt_kms_ctx_get_kms_provider(kms, nullptr);
          auto reply = kms_(endpoint != nullptr ? endpoint : "", message.view(), provider != nullptr ? provider : "");
          if (!reply) return fail(reply.error());
          std::size_t offset = 0;
          while (mongocrypt_kms_ctx_bytes_needed(kms) > 0) {
            std::size_t want = mongocrypt_kms_ctx_bytes_needed(kms);
            if (offset >= reply->size()) return fail(ErrorCode::kKmsError, "KMS reply ended early for libmongocrypt");
            std::size_t n = std::min(want, reply->size() - offset);
            Binary chunk(ByteView(*reply).subspan(offset, n));
            if (!mongocrypt_kms_ctx_feed(kms, chunk.get())) {
              mongocrypt_status_t* status = mongocrypt_status_new();
              mongocrypt_kms_ctx_status(kms, status);
              std::string text = status_message(status);
              mongocrypt_status_destroy(status);
              return fail(ErrorCode::kKmsError, "libmongocrypt rejected the KMS reply: " + text);
            }
            offset += n;
          }
        }
        if (!mongocrypt_ctx_kms_done(ctx)) return ctx_error(ctx, "kms_done");
        break;
      }
      case MONGOCRYPT_CTX_READY: {
        Binary out;
        if (!mongocrypt_ctx_finalize(ctx, out.get())) return ctx_error(ctx, "finalize");
        return to_document(out.view());  // copies before the ctx is destroyed
      }
      case MONGOCRYPT_CTX_DONE:
        return Document();
      default:
        return fail(ErrorCode::kUnsupported, "libmongocrypt state not handled by the oracle");
    }
  }
}

Result<Document> MongocryptOracle::create_data_key(const Document& master_key, const std::vector<std::string>& alt_names,
                                                   std::optional<Bytes> key_material) {
  Ctx ctx(crypt_);
  Binary kek(master_key.bytes());
  if (!mongocrypt_ctx_setopt_key_encryption_key(ctx.get(), kek.get())) return ctx_error(ctx.get(), "key_encryption_key");
  for (const auto& name : alt_names) {
    Document d = Document::Builder().append("keyAltName", Value::string(name)).build();
    Binary b(d.bytes());
    if (!mongocrypt_ctx_setopt_key_alt_name(ctx.get(), b.get())) return ctx_error(ctx.get(), "key_alt_name");
  }
  if (key_material) {
    Document d = Document::Builder().append("keyMaterial", Value::binary(0, *key_material)).build();
    Binary b(d.bytes());
    if (!mongocrypt_ctx_setopt_key_material(ctx.get(), b.get())) return ctx_error(ctx.get(), "key_material");
  }
  if (!mongocrypt_ctx_datakey_init(ctx.get())) return ctx_error(ctx.get(), "datakey_init");
  auto doc = run(ctx.get());
  if (doc) add_key(*doc);
  return doc;
}

Result<Value> MongocryptOracle::encrypt(const Value& value, const std::variant<Uuid, std::string>& key,
                                        Algorithm algorithm) {
  Ctx ctx(crypt_);
  if (const auto* id = std::get_if<Uuid>(&key)) {
    Binary b(ByteView(id->bytes()));
    if (!mongocrypt_ctx_setopt_key_id(ctx.get(), b.get())) return ctx_error(ctx.get(), "key_id");
  } else {
    Document d = Document::Builder().append("keyAltName", Value::string(std::get<std::string>(key))).build();
    Binary b(d.bytes());
    if (!mongocrypt_ctx_setopt_key_alt_name(ctx.get(), b.get())) return ctx_error(ctx.get(), "key_alt_name");
  }
  std::string name(algorithm_name(algorithm));
  if (!mongocrypt_ctx_setopt_algorithm(ctx.get(), name.c_str(), -1)) return ctx_error(ctx.get(), "algorithm");
  Document input = wrap_value(value);
  Binary in(input.bytes());
  if (!mongocrypt_ctx_explicit_encrypt_init(ctx.get(), in.get())) return ctx_error(ctx.get(), "explicit_encrypt_init");
  auto out = run(ctx.get());
  if (!out) return fail(out.error());
  auto v = out->get("v");
  if (!v) return fail(ErrorCode::kInternal, "libmongocrypt returned no 'v'");
  return *v;
}

Result<Value> MongocryptOracle::decrypt(const Value& value) {
  Ctx ctx(crypt_);
  Document input = wrap_value(value);
  Binary in(input.bytes());
  if (!mongocrypt_ctx_explicit_decrypt_init(ctx.get(), in.get())) return ctx_error(ctx.get(), "explicit_decrypt_init");
  auto out = run(ctx.get());
  if (!out) return fail(out.error());
  auto v = out->get("v");
  if (!v) return fail(ErrorCode::kInternal, "libmongocrypt returned no 'v'");
  return *v;
}

Result<Document> MongocryptOracle::decrypt_document(const Document& document) {
  Ctx ctx(crypt_);
  Binary in(document.bytes());
  if (!mongocrypt_ctx_decrypt_init(ctx.get(), in.get())) return ctx_error(ctx.get(), "decrypt_init");
  return run(ctx.get());
}

Result<Document> MongocryptOracle::encrypt_command(const std::string& db, const Document& command) {
  Ctx ctx(crypt_);
  Binary in(command.bytes());
  if (!mongocrypt_ctx_encrypt_init(ctx.get(), db.c_str(), static_cast<std::int32_t>(db.size()), in.get())) {
    return ctx_error(ctx.get(), "encrypt_init");
  }
  return run(ctx.get());
}

Result<Document> MongocryptOracle::rewrap(const Document& filter, const std::optional<Document>& new_master_key) {
  Ctx ctx(crypt_);
  if (new_master_key) {
    Binary kek(new_master_key->bytes());
    if (!mongocrypt_ctx_setopt_key_encryption_key(ctx.get(), kek.get())) return ctx_error(ctx.get(), "key_encryption_key");
  }
  Binary f(filter.bytes());
  if (!mongocrypt_ctx_rewrap_many_datakey_init(ctx.get(), f.get())) return ctx_error(ctx.get(), "rewrap_init");
  return run(ctx.get());
}

}  // namespace openfle::testing
