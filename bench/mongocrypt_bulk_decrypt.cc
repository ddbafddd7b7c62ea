// The bulk-decryption benchmark against libmongocrypt, to run beside `openfle bench` on the same
// machine in the same job (docs/benchmarks.md). Same document, same protocol, same JSON output.
//
// Each operation is what a driver does per decryption: a new ctx, decrypt_init, finalize, destroy.
// Keys come from libmongocrypt's own cache after the first operation, as in the specification.
extern "C" {
#include <mongocrypt/mongocrypt.h>
}
#include <bson/bson.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "mongocrypt_bulk_decrypt: %s\n", what.c_str());
  std::exit(1);
}

void check_ctx(mongocrypt_ctx_t* ctx, bool ok, const char* what) {
  if (ok) return;
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = std::string(what) + ": " + mongocrypt_status_message(status, nullptr);
  mongocrypt_status_destroy(status);
  die(message);
}

mongocrypt_binary_t* view(const bson_t* b) {
  return mongocrypt_binary_new_from_data(const_cast<std::uint8_t*>(bson_get_data(b)), b->len);
}

// Drives a ctx to READY, feeding `key_doc` when keys are needed; returns the finalized document.
std::vector<std::uint8_t> run(mongocrypt_ctx_t* ctx, const std::vector<std::uint8_t>& key_doc) {
  while (true) {
    switch (mongocrypt_ctx_state(ctx)) {
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS: {
        mongocrypt_binary_t* b = mongocrypt_binary_new_from_data(const_cast<std::uint8_t*>(key_doc.data()),
                                                                 static_cast<std::uint32_t>(key_doc.size()));
        check_ctx(ctx, mongocrypt_ctx_mongo_feed(ctx, b), "mongo_feed");
        mongocrypt_binary_destroy(b);
        check_ctx(ctx, mongocrypt_ctx_mongo_done(ctx), "mongo_done");
        break;
      }
      case MONGOCRYPT_CTX_NEED_KMS:
        check_ctx(ctx, mongocrypt_ctx_kms_done(ctx), "kms_done");
        break;
      case MONGOCRYPT_CTX_READY: {
        mongocrypt_binary_t* out = mongocrypt_binary_new();
        check_ctx(ctx, mongocrypt_ctx_finalize(ctx, out), "finalize");
        std::vector<std::uint8_t> bytes(mongocrypt_binary_data(out), mongocrypt_binary_data(out) + mongocrypt_binary_len(out));
        mongocrypt_binary_destroy(out);
        return bytes;
      }
      case MONGOCRYPT_CTX_DONE:
        return {};
      default:
        check_ctx(ctx, false, "unexpected state");
    }
  }
}

struct Args {
  std::vector<int> threads{1, 2, 8, 64};
  int trials = 10;
  int trial_ms = 1000;
  int warmup_ms = 1000;
  int fields = 1500;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--threads") {
      a.threads.clear();
      std::stringstream in(value());
      std::string item;
      while (std::getline(in, item, ',')) a.threads.push_back(std::stoi(item));
    } else if (arg == "--trials") {
      a.trials = std::stoi(value());
    } else if (arg == "--trial-ms") {
      a.trial_ms = std::stoi(value());
    } else if (arg == "--warmup-ms") {
      a.warmup_ms = std::stoi(value());
    } else if (arg == "--fields") {
      a.fields = std::stoi(value());
    } else {
      die("unknown option " + arg + " (options: --threads LIST --trials N --trial-ms MS --warmup-ms MS --fields N)");
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
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
  for (int i = 0; i < args.fields; ++i) {
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

  auto trial = [&](int threads, int ms) {
    std::atomic<bool> go{false};
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> ops{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        std::uint64_t mine = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          decrypt_once();
          ++mine;
        }
        ops += mine;
      });
    }
    auto start = std::chrono::steady_clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    stop = true;
    for (auto& w : workers) w.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return static_cast<double>(ops.load()) / seconds;
  };

  trial(1, args.warmup_ms);
  for (int threads : args.threads) {
    std::vector<double> results;
    for (int i = 0; i < args.trials; ++i) results.push_back(trial(threads, args.trial_ms));
    std::sort(results.begin(), results.end());
    double median = results.size() % 2 == 1 ? results[results.size() / 2]
                                            : (results[results.size() / 2 - 1] + results[results.size() / 2]) / 2;
    std::printf("{\"benchmark\":\"bulk-decrypt\",\"impl\":\"libmongocrypt\",\"version\":\"%s\",\"fields\":%d,"
                "\"threads\":%d,\"trials\":%d,\"ops_per_sec\":%.1f}\n",
                mongocrypt_version(nullptr), args.fields, threads, args.trials, median);
    std::fflush(stdout);
  }
  bson_destroy(&doc);
  bson_destroy(&kek);
  bson_destroy(&providers);
  mongocrypt_destroy(crypt);
  return 0;
}
