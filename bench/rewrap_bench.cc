// Rewrapping many data keys against a KMS that answers each request after a fixed latency
// (docs/benchmarks.md "Rewrap"). The emulated KMS wraps for real (FLE1 with a master key it holds)
// and sleeps before answering, as a remote KMS keeps a request in flight; what is measured is how
// well openfle overlaps the requests, and the cost of everything around them.
//
//   rewrap_bench [--keys N] [--latency-ms MS] [--concurrency LIST] [--baseline-keys N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "openfle/client_encryption.h"

namespace {

using namespace openfle;

class SlowKms final : public KmsProvider {
 public:
  SlowKms(std::shared_ptr<KmsProvider> inner, std::chrono::milliseconds latency)
      : inner_(std::move(inner)), latency_(latency) {}
  const KmsProviderId& id() const noexcept override { return inner_->id(); }
  Result<WrappedKey> wrap(const MasterKey& mk, const SecretBytes& dek) override {
    std::this_thread::sleep_for(latency_);
    return inner_->wrap(mk, dek);
  }
  Result<SecretBytes> unwrap(const MasterKey& mk, ByteView material) override {
    std::this_thread::sleep_for(latency_);
    return inner_->unwrap(mk, material);
  }

 private:
  std::shared_ptr<KmsProvider> inner_;
  std::chrono::milliseconds latency_;
};

// Seconds to rewrap `keys` keys from one slow KMS to another at `concurrency`.
double run(int keys, std::chrono::milliseconds latency, int concurrency) {
  SecretBytes old_master = SecretBytes::random(96);
  ClientEncryptionOptions options;
  options.key_vault = make_memory_key_vault();
  options.kms_providers.add(std::make_shared<SlowKms>(*make_local_kms_provider(old_master.clone(), "old"), latency));
  options.kms_providers.add(std::make_shared<SlowKms>(*make_local_kms_provider(SecretBytes::random(96), "new"), latency));
  auto client = std::move(*ClientEncryption::create(std::move(options)));
  // Populate the vault directly, with the same old master key (wrapping through the slow KMS
  // would take as long as the benchmark).
  auto fast_old = *make_local_kms_provider(old_master.clone(), "old");
  std::vector<KeyDocument> docs;
  for (int i = 0; i < keys; ++i) {
    KeyDocument k;
    k.id = Uuid::random_v4();
    auto wrapped = *fast_old->wrap(MasterKey::local("old"), SecretBytes::random(96));
    k.key_material = std::move(wrapped.key_material);
    k.master_key = MasterKey::local("old");
    docs.push_back(std::move(k));
  }
  (void)client->key_vault()->insert(docs);
  RewrapOptions rewrap;
  rewrap.master_key = MasterKey::local("new");
  rewrap.concurrency = concurrency;
  auto start = std::chrono::steady_clock::now();
  auto result = client->rewrap_many_data_key(KeyFilter::all(), std::move(rewrap));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result) {
    std::fprintf(stderr, "rewrap failed: %s\n", result.error().message().c_str());
    std::exit(1);
  }
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int keys = 10000;
  int baseline_keys = 200;
  int latency_ms = 20;
  std::vector<int> levels = {16, 64, 256};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    std::string v = argv[i + 1];
    if (a == "--keys") {
      keys = std::stoi(v);
    } else if (a == "--baseline-keys") {
      baseline_keys = std::stoi(v);
    } else if (a == "--latency-ms") {
      latency_ms = std::stoi(v);
    } else if (a == "--concurrency") {
      levels.clear();
      std::stringstream in(v);
      for (std::string item; std::getline(in, item, ',');) levels.push_back(std::stoi(item));
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  // Concurrency 1 takes keys x 3 x latency (an hour for the full run): measure it on fewer keys
  // and scale linearly, which is exact for a sequential loop.
  const auto latency = std::chrono::milliseconds(latency_ms);
  double baseline = run(baseline_keys, latency, 1) * keys / baseline_keys;
  std::printf("{\"benchmark\":\"rewrap\",\"keys\":%d,\"kms_latency_ms\":%d,\"concurrency\":1,"
              "\"seconds\":%.1f,\"measured_on_keys\":%d}\n",
              keys, latency_ms, baseline, baseline_keys);
  std::fflush(stdout);
  for (int c : levels) {
    double seconds = run(keys, latency, c);
    std::printf("{\"benchmark\":\"rewrap\",\"keys\":%d,\"kms_latency_ms\":%d,\"concurrency\":%d,"
                "\"seconds\":%.1f,\"speedup_vs_concurrency_1\":%.0f}\n",
                keys, latency_ms, c, seconds, baseline / seconds);
    std::fflush(stdout);
  }
  return 0;
}
