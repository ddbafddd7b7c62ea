// openfle bench: the CSFLE specification's bulk-decryption benchmark, and two automatic-encryption
// benchmarks beside it (docs/benchmarks.md).
//
// bulk-decrypt (the default): one local data key; a document of 1500 strings "value 0001"..
// encrypted deterministically; the whole document decrypted.
// auto-insert: {insert: "coll", documents: [<100 strings>]} encrypted by a schema for db.coll.
// find-reply-decrypt: a find reply of 100 such documents, encrypted, decrypted.
//
// Each is run by 1, 2, 8 and 64 threads sharing one client, 1 s per trial, 10 trials, after a
// warm-up; the median ops/s per thread count, one JSON object per line. The workloads of the auto
// benchmarks are those of src/cli/bench_workload.h, which the libmongocrypt side uses.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/bench_workload.h"
#include "cli/commands.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kBenchmarks = "bulk-decrypt, auto-insert, find-reply-decrypt";

struct BenchArgs {
  std::string benchmark = "bulk-decrypt";
  std::string threads = "1,2,8,64";
  int trials = 10;
  int trial_ms = 1000;
  int warmup_ms = 1000;
  std::optional<int> fields;  // default: the benchmark's own (1500 for bulk-decrypt, 100 for the others)
  int documents = 100;
};

// One benchmark, ready to run: the operation timed, and the JSON members that describe its input.
struct Workload {
  std::function<Status()> op;
  std::string input_json;  // e.g. "\"fields\":100,\"documents\":100"
};

Result<std::vector<int>> parse_threads(const std::string& list) {
  std::vector<int> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      int n = std::stoi(item, &used);
      if (used != item.size() || n < 1 || n > 1024) throw std::out_of_range("range");
      out.push_back(n);
    } catch (const std::exception&) {
      return fail(ErrorCode::kInvalidArgument,
                  "--threads '" + list + "': expected comma-separated counts from 1 to 1024, e.g. 1,2,8,64");
    }
  }
  if (out.empty()) return fail(ErrorCode::kInvalidArgument, "--threads needs at least one count");
  return out;
}

template <class T>
Status status_of(const Result<T>& r) {
  if (!r) return fail(r.error());
  return {};
}

// Operations per second by `threads` threads running `op` over `duration`.
Result<double> run_trial(const std::function<Status()>& op, int threads, std::chrono::milliseconds duration) {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::mutex error_mutex;
  std::optional<Error> error;
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (auto s = op(); !s) {
          std::lock_guard lock(error_mutex);
          if (!error) error = s.error();
        }
        ++mine;
      }
      ops += mine;
    });
  }
  auto start = Clock::now();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(duration);
  stop = true;
  workers.clear();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (error) return fail(error->with_context("an operation failed during the benchmark"));
  return static_cast<double>(ops.load()) / seconds;
}

// The warm-up, then for each thread count the median of the trials, printed as one JSON line.
Status run_trials(const BenchArgs& args, const std::vector<int>& thread_counts, const Workload& workload) {
  OPENFLE_RETURN_IF_ERROR(run_trial(workload.op, 1, std::chrono::milliseconds(args.warmup_ms)));
  for (int threads : thread_counts) {
    std::vector<double> results;
    for (int t = 0; t < args.trials; ++t) {
      OPENFLE_ASSIGN_OR_RETURN(double r, run_trial(workload.op, threads, std::chrono::milliseconds(args.trial_ms)));
      results.push_back(r);
    }
    std::sort(results.begin(), results.end());
    double median = results.size() % 2 == 1
                        ? results[results.size() / 2]
                        : (results[results.size() / 2 - 1] + results[results.size() / 2]) / 2;
    (void)std::printf("{\"benchmark\":\"%s\",\"impl\":\"openfle\",%s,\"threads\":%d,\"trials\":%d,\"ops_per_sec\":%.1f}\n",
                args.benchmark.c_str(), workload.input_json.c_str(), threads, args.trials, median);
    (void)std::fflush(stdout);
  }
  return {};
}

Result<std::shared_ptr<ClientEncryption>> make_client() {
  ClientEncryptionOptions options;
  options.key_vault = make_memory_key_vault();
  OPENFLE_ASSIGN_OR_RETURN(auto local, make_local_kms_provider(SecretBytes::random(96)));
  options.kms_providers.add(local);
  OPENFLE_ASSIGN_OR_RETURN(auto client, ClientEncryption::create(std::move(options)));
  return std::shared_ptr<ClientEncryption>(std::move(client));
}

Result<Workload> bulk_decrypt(int fields) {
  OPENFLE_ASSIGN_OR_RETURN(auto client, make_client());
  OPENFLE_ASSIGN_OR_RETURN(auto key_id, client->create_data_key("local"));
  Document::Builder builder;
  for (int i = 0; i < fields; ++i) {
    char key[16];
    char value[24];
    (void)std::snprintf(key, sizeof(key), "key%04d", i + 1);
    (void)std::snprintf(value, sizeof(value), "value %04d", i + 1);
    OPENFLE_ASSIGN_OR_RETURN(auto encrypted, client->encrypt(Value::string(value),
                                                             EncryptOptions::by_id(key_id, Algorithm::kDeterministic)));
    builder.append(key, encrypted);
  }
  Document doc = builder.build();
  return Workload{[client, doc] { return status_of(client->decrypt_document(doc)); },
                  "\"fields\":" + std::to_string(fields)};
}

Result<std::shared_ptr<AutoEncrypter>> make_encrypter(int fields) {
  OPENFLE_ASSIGN_OR_RETURN(auto client, make_client());
  OPENFLE_ASSIGN_OR_RETURN(auto key_id, client->create_data_key("local"));
  OPENFLE_ASSIGN_OR_RETURN(auto schema, EncryptionSchema::parse(bench::auto_schema(key_id, fields)));
  AutoEncryptionOptions options;
  options.schema_map.set(bench::kNamespace, std::move(schema));
  OPENFLE_ASSIGN_OR_RETURN(auto encrypter, AutoEncrypter::create(std::move(client), std::move(options)));
  return std::shared_ptr<AutoEncrypter>(std::move(encrypter));
}

Result<Workload> auto_insert(int fields) {
  OPENFLE_ASSIGN_OR_RETURN(auto encrypter, make_encrypter(fields));
  const Document command = bench::insert_command(fields, 1);
  // Check once that the schema is applied: every value encrypted.
  OPENFLE_ASSIGN_OR_RETURN(auto encrypted, encrypter->encrypt_command("db", command));
  OPENFLE_ASSIGN_OR_RETURN(auto back, encrypter->decrypt_reply(encrypted));
  if (encrypted == command || back != command || data_keys_used(encrypted).size() != 1) {
    return fail(ErrorCode::kInternal, "auto-insert: the schema did not encrypt the insert");
  }
  return Workload{[encrypter, command] { return status_of(encrypter->encrypt_command("db", command)); },
                  "\"fields\":" + std::to_string(fields) + ",\"documents\":1"};
}

Result<Workload> find_reply_decrypt(int fields, int documents) {
  OPENFLE_ASSIGN_OR_RETURN(auto encrypter, make_encrypter(fields));
  std::vector<Value> plain;
  std::vector<Value> encrypted;
  for (int n = 1; n <= documents; ++n) {
    Document doc = bench::auto_document(fields, n);
    OPENFLE_ASSIGN_OR_RETURN(auto enc, encrypter->encrypt_document(bench::kNamespace, doc));
    plain.push_back(bench::document_value(doc));
    encrypted.push_back(bench::document_value(enc));
  }
  const Document reply = bench::find_reply(bench::array_of(encrypted));
  OPENFLE_ASSIGN_OR_RETURN(auto decrypted, encrypter->decrypt_reply(reply));
  if (decrypted != bench::find_reply(bench::array_of(plain)) || data_keys_used(reply).size() != 1) {
    return fail(ErrorCode::kInternal, "find-reply-decrypt: the reply did not decrypt to its documents");
  }
  return Workload{[encrypter, reply] { return status_of(encrypter->decrypt_reply(reply)); },
                  "\"fields\":" + std::to_string(fields) + ",\"documents\":" + std::to_string(documents)};
}

Status run_bench(const BenchArgs& args) {
  OPENFLE_ASSIGN_OR_RETURN(auto thread_counts, parse_threads(args.threads));
  if (args.trials < 1 || args.trial_ms < 10 || (args.fields && *args.fields < 1) || args.documents < 1) {
    return fail(ErrorCode::kInvalidArgument,
                "--trials must be >= 1, --trial-ms >= 10, --fields >= 1 and --documents >= 1");
  }
  std::optional<Result<Workload>> workload;
  if (args.benchmark == "bulk-decrypt") {
    workload = bulk_decrypt(args.fields.value_or(1500));
  } else if (args.benchmark == "auto-insert") {
    workload = auto_insert(args.fields.value_or(100));
  } else if (args.benchmark == "find-reply-decrypt") {
    workload = find_reply_decrypt(args.fields.value_or(100), args.documents);
  } else {
    return fail(ErrorCode::kInvalidArgument,
                "--benchmark '" + args.benchmark + "': expected one of " + kBenchmarks);
  }
  if (!*workload) return fail(workload->error());
  return run_trials(args, thread_counts, **workload);
}

}  // namespace

void add_bench_command(CLI::App& app, Context&, Outcome& outcome) {
  auto args = std::make_shared<BenchArgs>();
  auto* bench = app.add_subcommand("bench", "Benchmarks: bulk decryption (the CSFLE spec's) and automatic encryption; JSON lines");
  bench->add_option("--benchmark", args->benchmark, std::string("Which benchmark: ") + kBenchmarks)
      ->capture_default_str();
  bench->add_option("--threads", args->threads, "Comma-separated thread counts")->capture_default_str();
  bench->add_option("--trials", args->trials, "Trials per thread count (median reported)")->capture_default_str();
  bench->add_option("--trial-ms", args->trial_ms, "Length of one trial in milliseconds")->capture_default_str();
  bench->add_option("--warmup-ms", args->warmup_ms, "Warm-up before measuring, in milliseconds")->capture_default_str();
  bench->add_option("--fields", args->fields,
                    "Encrypted fields per document (default: 1500 for bulk-decrypt, 100 for the others)");
  bench->add_option("--documents", args->documents, "Documents in the reply (find-reply-decrypt)")
      ->capture_default_str();
  bench->callback([&outcome, args] { outcome.status = run_bench(*args); });
}

}  // namespace openfle::cli
