// The automatic-encryption benchmarks against libmongocrypt, to run beside `openfle bench
// --benchmark auto-insert|find-reply-decrypt` on the same machine in the same job
// (docs/benchmarks.md). Same workload (src/cli/bench_workload.h), same protocol, same JSON output.
//
//   mongocrypt_auto [--benchmark auto-insert|find-reply-decrypt] [--threads LIST] [--trials N]
//                   [--trial-ms MS] [--warmup-ms MS] [--fields N] [--documents N]
//
// Each operation is what a driver with automatic encryption does: a new ctx, encrypt_init (the
// schema map is set on the mongocrypt_t) or decrypt_init, the states answered, finalize, destroy.
//
// libmongocrypt cannot analyse a command itself: it asks the driver (NEED_MONGO_MARKINGS) to send
// the command to mongocryptd, or loads crypt_shared. Here the mongocryptd reply is computed once,
// before timing, by openfle::answer_mongocryptd, and fed from memory to every ctx: the analysis
// that openfle's figures include is NOT counted on libmongocrypt's side (nor the round trip to
// mongocryptd), which favours libmongocrypt. Keys come from libmongocrypt's own cache after the
// first operation; NEED_MONGO_KEYS is answered from the key document when the cache asks.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cli/bench_workload.h"
#include "mongocrypt_driver.h"
#include "openfle/auto_encryption.h"
#include "openfle/bson.h"
#include "openfle/client_encryption.h"
#include "openfle/secret_bytes.h"

namespace {

using mcbench::Bytes;
using mcbench::check_ctx;
using mcbench::die;
using mcbench::run;
using openfle::Document;
using openfle::Value;

Bytes bytes_of(const Document& d) { return Bytes(d.bytes().begin(), d.bytes().end()); }

Document document_of(const Bytes& b, const char* what) {
  auto d = Document::from_bytes(openfle::ByteView(b));
  if (!d) die(std::string(what) + ": " + d.error().message());
  return std::move(*d);
}

mongocrypt_t* make_crypt(const Document& providers, const Document* schema_map) {
  mongocrypt_t* crypt = mongocrypt_new();
  const Bytes p = bytes_of(providers);
  mongocrypt_binary_t* pb = mcbench::view(p);
  bool ok = mongocrypt_setopt_kms_providers(crypt, pb);
  mongocrypt_binary_destroy(pb);
  if (ok && schema_map != nullptr) {
    const Bytes m = bytes_of(*schema_map);
    mongocrypt_binary_t* mb = mcbench::view(m);
    ok = mongocrypt_setopt_schema_map(crypt, mb);
    mongocrypt_binary_destroy(mb);
  }
  if (!ok || !mongocrypt_init(crypt)) {
    mongocrypt_status_t* status = mongocrypt_status_new();
    mongocrypt_status(crypt, status);
    std::string message = mongocrypt_status_message(status, nullptr);
    mongocrypt_status_destroy(status);
    die("cannot initialise libmongocrypt: " + message);
  }
  return crypt;
}

// A local data key made by libmongocrypt: its key document.
Bytes create_data_key(const Document& providers) {
  mongocrypt_t* crypt = make_crypt(providers, nullptr);
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt);
  const Bytes kek = bytes_of(Document::Builder().append("provider", Value::string("local")).build());
  mongocrypt_binary_t* k = mcbench::view(kek);
  check_ctx(ctx, mongocrypt_ctx_setopt_key_encryption_key(ctx, k), "setopt_key_encryption_key");
  check_ctx(ctx, mongocrypt_ctx_datakey_init(ctx), "datakey_init");
  Bytes key_doc = run(ctx, {});
  mongocrypt_binary_destroy(k);
  mongocrypt_ctx_destroy(ctx);
  mongocrypt_destroy(crypt);
  return key_doc;
}

// Answers NEED_MONGO_MARKINGS with openfle's analysis, as mongocryptd would: for setup only.
struct Mongocryptd {
  Bytes last_reply;
  const Bytes& operator()(const std::uint8_t* command, std::size_t len) {
    auto cmd = Document::from_bytes(openfle::ByteView(command, len));
    if (!cmd) die("libmongocrypt's command for mongocryptd: " + cmd.error().message());
    auto reply = openfle::answer_mongocryptd("db", *cmd);
    if (!reply) die("answer_mongocryptd: " + reply.error().message());
    last_reply = bytes_of(*reply);
    return last_reply;
  }
};

Bytes encrypt_command(mongocrypt_t* crypt, const Bytes& command, const Bytes& key_doc,
                      const mcbench::MarkingsHandler& markings) {
  mongocrypt_ctx_t* c = mongocrypt_ctx_new(crypt);
  mongocrypt_binary_t* in = mcbench::view(command);
  check_ctx(c, mongocrypt_ctx_encrypt_init(c, "db", -1, in), "encrypt_init");
  Bytes out = run(c, key_doc, &markings);
  mongocrypt_binary_destroy(in);
  mongocrypt_ctx_destroy(c);
  return out;
}

Bytes decrypt(mongocrypt_t* crypt, const Bytes& reply, const Bytes& key_doc) {
  mongocrypt_ctx_t* c = mongocrypt_ctx_new(crypt);
  mongocrypt_binary_t* in = mcbench::view(reply);
  check_ctx(c, mongocrypt_ctx_decrypt_init(c, in), "decrypt_init");
  Bytes out = run(c, key_doc);
  mongocrypt_binary_destroy(in);
  mongocrypt_ctx_destroy(c);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  mcbench::program_name = "mongocrypt_auto";
  const mcbench::Args args = mcbench::parse(argc, argv, "auto-insert");
  if (args.benchmark != "auto-insert" && args.benchmark != "find-reply-decrypt") {
    die("--benchmark '" + args.benchmark + "': expected auto-insert or find-reply-decrypt");
  }
  const int fields = args.fields.value_or(100);

  const auto master = openfle::SecretBytes::random(96);
  const Document providers =
      Document::Builder()
          .append("local", Document::Builder().append("key", Value::binary(0, master.expose())).build())
          .build();
  const Bytes key_doc = create_data_key(providers);
  auto id_value = document_of(key_doc, "key document").get("_id");
  if (!id_value) die("the key document has no _id");
  auto key_id = openfle::Uuid::from_bytes(id_value->binary_data());
  if (!key_id) die("key _id: " + key_id.error().message());
  const Document schema_map = openfle::bench::auto_schema_map(*key_id, fields);
  mongocrypt_t* crypt = make_crypt(providers, &schema_map);
  Mongocryptd mongocryptd;

  if (args.benchmark == "auto-insert") {
    const Document plain = openfle::bench::insert_command(fields, 1);
    const Bytes command = bytes_of(plain);
    // The mongocryptd reply, computed once; then each operation is fed it from memory.
    (void)encrypt_command(crypt, command, key_doc, std::ref(mongocryptd));
    const Bytes precomputed = mongocryptd.last_reply;
    const mcbench::MarkingsHandler from_memory = [&](const std::uint8_t*, std::size_t) -> const Bytes& {
      return precomputed;
    };
    // Check once that every value is encrypted, and decrypts back.
    const Bytes encrypted = encrypt_command(crypt, command, key_doc, from_memory);
    if (document_of(encrypted, "encrypted insert") == plain ||
        openfle::data_keys_used(document_of(encrypted, "encrypted insert")).size() != 1 ||
        document_of(decrypt(crypt, encrypted, key_doc), "decrypted insert") != plain) {
      die("auto-insert: libmongocrypt did not encrypt the insert by the schema");
    }
    mcbench::run_trials(
        args, [&] { (void)encrypt_command(crypt, command, key_doc, from_memory); },
        "\"fields\":" + std::to_string(fields) +
            ",\"documents\":1,\"markings\":\"precomputed: mongocryptd's analysis not counted\"");
  } else {
    // The documents encrypted by libmongocrypt itself, through an insert of all of them.
    const Document insert = openfle::bench::insert_command(fields, args.documents);
    const Document encrypted_insert =
        document_of(encrypt_command(crypt, bytes_of(insert), key_doc, std::ref(mongocryptd)), "encrypted insert");
    const Bytes reply = bytes_of(openfle::bench::find_reply(*encrypted_insert.get("documents")));
    const Document expected = openfle::bench::find_reply(*insert.get("documents"));
    if (openfle::data_keys_used(document_of(reply, "reply")).size() != 1 ||
        document_of(decrypt(crypt, reply, key_doc), "decrypted reply") != expected) {
      die("find-reply-decrypt: the reply did not decrypt to its documents");
    }
    mcbench::run_trials(
        args, [&] { (void)decrypt(crypt, reply, key_doc); },
        "\"fields\":" + std::to_string(fields) + ",\"documents\":" + std::to_string(args.documents));
  }
  mongocrypt_destroy(crypt);
  return 0;
}
