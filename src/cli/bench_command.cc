// openfle bench: the CSFLE specification's bulk-decryption benchmark (docs/benchmarks.md).
//
// One local data key; a document of 1500 strings "value 0001".. encrypted deterministically; the
// whole document decrypted repeatedly by 1, 2, 8 and 64 threads sharing one client, 1 s per trial,
// 10 trials; the median ops/s per thread count, one JSON object per line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  std::string threads = "1,2,8,64";
  int trials = 10;
  int trial_ms = 1000;
  int warmup_ms = 1000;
  int fields = 1500;
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

// Decryptions per second by `threads` threads sharing `client`, over `duration`.
Result<double> run_trial(ClientEncryption& client, const Document& doc, int threads, std::chrono::milliseconds duration) {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0};
  std::atomic<bool> failed{false};
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!client.decrypt_document(doc)) failed = true;
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
  if (failed) return fail(ErrorCode::kInternal, "a decryption failed during the benchmark");
  return static_cast<double>(ops.load()) / seconds;
}

Status run_bench(const BenchArgs& args) {
  OPENFLE_ASSIGN_OR_RETURN(auto thread_counts, parse_threads(args.threads));
  if (args.trials < 1 || args.trial_ms < 10 || args.fields < 1) {
    return fail(ErrorCode::kInvalidArgument, "--trials must be >= 1, --trial-ms >= 10 and --fields >= 1");
  }
  ClientEncryptionOptions options;
  options.key_vault = make_memory_key_vault();
  OPENFLE_ASSIGN_OR_RETURN(auto local, make_local_kms_provider(SecretBytes::random(96)));
  options.kms_providers.add(local);
  OPENFLE_ASSIGN_OR_RETURN(auto client, ClientEncryption::create(std::move(options)));
  OPENFLE_ASSIGN_OR_RETURN(auto key_id, client->create_data_key("local"));
  Document::Builder builder;
  for (int i = 0; i < args.fields; ++i) {
    char key[16];
    char value[24];
    std::snprintf(key, sizeof(key), "key%04d", i + 1);
    std::snprintf(value, sizeof(value), "value %04d", i + 1);
    OPENFLE_ASSIGN_OR_RETURN(auto encrypted, client->encrypt(Value::string(value),
                                                             EncryptOptions::by_id(key_id, Algorithm::kDeterministic)));
    builder.append(key, encrypted);
  }
  Document doc = builder.build();
  OPENFLE_ASSIGN_OR_RETURN(double warm, run_trial(*client, doc, 1, std::chrono::milliseconds(args.warmup_ms)));
  (void)warm;
  for (int threads : thread_counts) {
    std::vector<double> results;
    for (int t = 0; t < args.trials; ++t) {
      OPENFLE_ASSIGN_OR_RETURN(double r, run_trial(*client, doc, threads, std::chrono::milliseconds(args.trial_ms)));
      results.push_back(r);
    }
    std::sort(results.begin(), results.end());
    double median = results.size() % 2 == 1
                        ? results[results.size() / 2]
                        : (results[results.size() / 2 - 1] + results[results.size() / 2]) / 2;
    std::printf("{\"benchmark\":\"bulk-decrypt\",\"impl\":\"openfle\",\"fields\":%d,\"threads\":%d,"
                "\"trials\":%d,\"ops_per_sec\":%.1f}\n",
                args.fields, threads, args.trials, median);
    std::fflush(stdout);
  }
  return {};
}

}  // namespace

void add_bench_command(CLI::App& app, Context&, Outcome& outcome) {
  auto args = std::make_shared<BenchArgs>();
  auto* bench = app.add_subcommand("bench", "Bulk-decryption benchmark (the CSFLE spec's); JSON lines");
  bench->add_option("--threads", args->threads, "Comma-separated thread counts")->capture_default_str();
  bench->add_option("--trials", args->trials, "Trials per thread count (median reported)")->capture_default_str();
  bench->add_option("--trial-ms", args->trial_ms, "Length of one trial in milliseconds")->capture_default_str();
  bench->add_option("--warmup-ms", args->warmup_ms, "Warm-up before measuring, in milliseconds")->capture_default_str();
  bench->add_option("--fields", args->fields, "Encrypted fields in the document")->capture_default_str();
  bench->callback([&outcome, args] { outcome.status = run_bench(*args); });
}

}  // namespace openfle::cli
