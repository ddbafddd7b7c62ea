// The bulk-decryption benchmark against libmongocrypt, to run beside `openfle bench` on the same
// machine in the same job (docs/benchmarks.md). Same document, same protocol, same JSON output.
//
// Each operation is what a driver does per decryption: a new ctx, decrypt_init, finalize, destroy.
// Keys come from libmongocrypt's own cache after the first operation, as in the specification.
#include <bson/bson.h>
#include <openssl/rand.h>

#include <cstdio>
#include <string>
#include <vector>

#include "mongocrypt_driver.h"

using mcbench::check_ctx;
using mcbench::die;
using mcbench::run;

namespace {

mongocrypt_binary_t* view(const bson_t* b) { return mcbench::view(bson_get_data(b), b->len); }

}  // namespace

int main(int argc, char** argv) {
  mcbench::program_name = "mongocrypt_bulk_decrypt";
  const mcbench::Args args = mcbench::parse(argc, argv, "bulk-decrypt");
  if (args.benchmark != "bulk-decrypt") die("--benchmark '" + args.benchmark + "': this program runs bulk-decrypt");
  const int fields = args.fields.value_or(1500);
  std::uint8_t master[96];
  RAND_bytes(master, sizeof(master));
  bson_t providers = BSON_INITIALIZER;
  bson_t local;
  BSON_APPEND_DOCUMENT_BEGIN(&providers, "local", &local);
  BSON_APPEND_BINARY(&local, "key", BSON_SUBTYPE_BINARY, master, sizeof(master));
  bson_append_document_end(&providers, &local);
  mongocrypt_t* crypt = mongocrypt_new();
  mongocrypt_binary_t* p = view(&providers);
  if (!mongocrypt_setopt_kms_providers(crypt, p) || !mongocrypt_init(crypt)) die("cannot initialise libmongocrypt");
  mongocrypt_binary_destroy(p);

  // The data key.
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt);
  bson_t kek = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&kek, "provider", "local");
  mongocrypt_binary_t* k = view(&kek);
  check_ctx(ctx, mongocrypt_ctx_setopt_key_encryption_key(ctx, k), "setopt_key_encryption_key");
  check_ctx(ctx, mongocrypt_ctx_datakey_init(ctx), "datakey_init");
  std::vector<std::uint8_t> key_doc = run(ctx, {});
  mongocrypt_ctx_destroy(ctx);
  mongocrypt_binary_destroy(k);
  bson_t key;
  bson_init_static(&key, key_doc.data(), key_doc.size());
  bson_iter_t it;
  if (!bson_iter_init_find(&it, &key, "_id")) die("key has no _id");
  std::uint32_t id_len = 0;
  const std::uint8_t* id_data = nullptr;
  bson_subtype_t subtype;
  bson_iter_binary(&it, &subtype, &id_len, &id_data);
  std::vector<std::uint8_t> key_id(id_data, id_data + id_len);

  // The 1500-field document, every value encrypted deterministically by libmongocrypt itself.
  bson_t doc = BSON_INITIALIZER;
  for (int i = 0; i < fields; ++i) {
    char name[16];
    char value[24];
    std::snprintf(name, sizeof(name), "key%04d", i + 1);
    std::snprintf(value, sizeof(value), "value %04d", i + 1);
    bson_t v = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&v, "v", value);
    ctx = mongocrypt_ctx_new(crypt);
    mongocrypt_binary_t* idb = mongocrypt_binary_new_from_data(key_id.data(), static_cast<std::uint32_t>(key_id.size()));
    check_ctx(ctx, mongocrypt_ctx_setopt_key_id(ctx, idb), "setopt_key_id");
    check_ctx(ctx, mongocrypt_ctx_setopt_algorithm(ctx, "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic", -1), "algorithm");
    mongocrypt_binary_t* vb = view(&v);
    check_ctx(ctx, mongocrypt_ctx_explicit_encrypt_init(ctx, vb), "explicit_encrypt_init");
    std::vector<std::uint8_t> out = run(ctx, key_doc);
    bson_t result;
    bson_init_static(&result, out.data(), out.size());
    bson_iter_t rit;
    bson_iter_init_find(&rit, &result, "v");
    bson_append_iter(&doc, name, -1, &rit);
    mongocrypt_binary_destroy(vb);
    mongocrypt_binary_destroy(idb);
    mongocrypt_ctx_destroy(ctx);
    bson_destroy(&v);
  }

  auto decrypt_once = [&] {
    mongocrypt_ctx_t* c = mongocrypt_ctx_new(crypt);
    mongocrypt_binary_t* in = view(&doc);
    check_ctx(c, mongocrypt_ctx_decrypt_init(c, in), "decrypt_init");
    run(c, key_doc);
    mongocrypt_binary_destroy(in);
    mongocrypt_ctx_destroy(c);
  };

  mcbench::run_trials(args, decrypt_once, "\"fields\":" + std::to_string(fields));
  bson_destroy(&doc);
  bson_destroy(&kek);
  bson_destroy(&providers);
  mongocrypt_destroy(crypt);
  return 0;
}
