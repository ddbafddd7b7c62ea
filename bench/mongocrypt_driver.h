// What the libmongocrypt side of the benchmarks shares (bench/mongocrypt_bulk_decrypt.cc,
// bench/mongocrypt_auto.cc): driving a ctx as a driver does, the options of `openfle bench`, and
// its trial procedure (a warm-up, then per thread count the median ops/s of the trials, the
// threads sharing one mongocrypt_t).
#ifndef OPENFLE_BENCH_MONGOCRYPT_DRIVER_H_
#define OPENFLE_BENCH_MONGOCRYPT_DRIVER_H_

extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mcbench {

using Bytes = std::vector<std::uint8_t>;

inline const char* program_name = "mongocrypt_bench";

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_name, what.c_str());
  std::exit(1);
}

inline void check_ctx(mongocrypt_ctx_t* ctx, bool ok, const char* what) {
  if (ok) return;
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = std::string(what) + ": " + mongocrypt_status_message(status, nullptr);
  mongocrypt_status_destroy(status);
  die(message);
}

// A binary viewing `data` (not copied; `data` must outlive it).
inline mongocrypt_binary_t* view(const std::uint8_t* data, std::size_t len) {
  return mongocrypt_binary_new_from_data(const_cast<std::uint8_t*>(data), static_cast<std::uint32_t>(len));
}
inline mongocrypt_binary_t* view(const Bytes& b) { return view(b.data(), b.size()); }

// The mongocryptd reply for the command libmongocrypt wants analysed (its mongo_op), as a driver
// would get it by sending that command to mongocryptd.
using MarkingsHandler = std::function<const Bytes&(const std::uint8_t* command, std::size_t len)>;

// Drives a ctx to READY as a driver does: keys from `key_doc`, markings from `markings` (a ctx
// that asks for markings without a handler is an error); returns the finalized document.
inline Bytes run(mongocrypt_ctx_t* ctx, const Bytes& key_doc, const MarkingsHandler* markings = nullptr) {
  while (true) {
    switch (mongocrypt_ctx_state(ctx)) {
      case MONGOCRYPT_CTX_NEED_MONGO_MARKINGS: {
        if (markings == nullptr) check_ctx(ctx, false, "markings needed but no mongocryptd answer");
        mongocrypt_binary_t* op = mongocrypt_binary_new();
        check_ctx(ctx, mongocrypt_ctx_mongo_op(ctx, op), "mongo_op");
        const Bytes& reply = (*markings)(mongocrypt_binary_data(op), mongocrypt_binary_len(op));
        mongocrypt_binary_destroy(op);
        mongocrypt_binary_t* b = view(reply);
        check_ctx(ctx, mongocrypt_ctx_mongo_feed(ctx, b), "mongo_feed (markings)");
        mongocrypt_binary_destroy(b);
        check_ctx(ctx, mongocrypt_ctx_mongo_done(ctx), "mongo_done (markings)");
        break;
      }
      case MONGOCRYPT_CTX_NEED_MONGO_COLLINFO:
        // Not reached with a schema map for the namespace; "no such collection" otherwise.
        check_ctx(ctx, mongocrypt_ctx_mongo_done(ctx), "mongo_done (collinfo)");
        break;
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS: {
        mongocrypt_binary_t* b = view(key_doc);
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
        Bytes bytes(mongocrypt_binary_data(out), mongocrypt_binary_data(out) + mongocrypt_binary_len(out));
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

// The options of `openfle bench`.
struct Args {
  std::string benchmark;
  std::vector<int> threads{1, 2, 8, 64};
  int trials = 10;
  int trial_ms = 1000;
  int warmup_ms = 1000;
  std::optional<int> fields;
  int documents = 100;
};

inline Args parse(int argc, char** argv, std::string default_benchmark) {
  Args a;
  a.benchmark = std::move(default_benchmark);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + arg);
      return argv[++i];
    };
    auto number = [&](int min) {
      std::string v = value();
      try {
        std::size_t used = 0;
        int n = std::stoi(v, &used);
        if (used == v.size() && n >= min) return n;
      } catch (const std::exception&) {
      }
      die(arg + " '" + v + "': expected a number >= " + std::to_string(min));
    };
    if (arg == "--benchmark") {
      a.benchmark = value();
    } else if (arg == "--threads") {
      a.threads.clear();
      std::stringstream in(value());
      std::string item;
      while (std::getline(in, item, ',')) a.threads.push_back(std::stoi(item));
      if (a.threads.empty()) die("--threads needs at least one count");
    } else if (arg == "--trials") {
      a.trials = number(1);
    } else if (arg == "--trial-ms") {
      a.trial_ms = number(10);
    } else if (arg == "--warmup-ms") {
      a.warmup_ms = number(0);
    } else if (arg == "--fields") {
      a.fields = number(1);
    } else if (arg == "--documents") {
      a.documents = number(1);
    } else {
      die("unknown option " + arg +
          " (options: --benchmark NAME --threads LIST --trials N --trial-ms MS --warmup-ms MS --fields N"
          " --documents N)");
    }
  }
  return a;
}

// Operations per second by `threads` threads running `op` over `ms` milliseconds.
inline double trial(const std::function<void()>& op, int threads, int ms) {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op();
        ++mine;
      }
      ops += mine;
    });
  }
  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(ops.load()) / seconds;
}

// The warm-up, then for each thread count the median of the trials, printed as one JSON line:
// {"benchmark": ..., "impl": "libmongocrypt", "version": ..., <input_json>, "threads": ...,
// "trials": ..., "ops_per_sec": ...}.
inline void run_trials(const Args& args, const std::function<void()>& op, const std::string& input_json) {
  trial(op, 1, args.warmup_ms);
  for (int threads : args.threads) {
    std::vector<double> results;
    for (int i = 0; i < args.trials; ++i) results.push_back(trial(op, threads, args.trial_ms));
    std::sort(results.begin(), results.end());
    double median = results.size() % 2 == 1 ? results[results.size() / 2]
                                            : (results[results.size() / 2 - 1] + results[results.size() / 2]) / 2;
    std::printf("{\"benchmark\":\"%s\",\"impl\":\"libmongocrypt\",\"version\":\"%s\",%s,"
                "\"threads\":%d,\"trials\":%d,\"ops_per_sec\":%.1f}\n",
                args.benchmark.c_str(), mongocrypt_version(nullptr), input_json.c_str(), threads, args.trials,
                median);
    std::fflush(stdout);
  }
}

}  // namespace mcbench

#endif  // OPENFLE_BENCH_MONGOCRYPT_DRIVER_H_
