// Micro-benchmarks of the hot paths. Compare runs by ratio on one machine, not by absolute times.
#include <benchmark/benchmark.h>

#include "cli/bench_workload.h"
#include "crypto/fle1_value.h"
#include "openfle/auto_encryption.h"
#include "openfle/client_encryption.h"
#include "openfle/key_document.h"

namespace openfle {
namespace {

crypto::Fle1Key bench_key() { return std::move(*crypto::Fle1Key::create(SecretBytes::random(96))); }

void BM_EncryptString(benchmark::State& state) {
  auto key = bench_key();
  crypto::AesCbcContext aes;
  Value v = Value::string("value 0001");
  Uuid id = Uuid::random_v4();
  auto algorithm = state.range(0) == 1 ? Algorithm::kDeterministic : Algorithm::kRandom;
  Bytes out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(crypto::encrypt_value(aes, key, id, algorithm, BsonType::kString, v.bytes(), out));
  }
}
BENCHMARK(BM_EncryptString)->Arg(1)->Arg(2)->ArgName("algorithm");

void BM_DecryptString(benchmark::State& state) {
  auto key = bench_key();
  crypto::AesCbcContext aes;
  Value v = Value::string("value 0001");
  Bytes blob;
  (void)crypto::encrypt_value(aes, key, Uuid::random_v4(), Algorithm::kDeterministic, BsonType::kString, v.bytes(), blob);
  auto view = *crypto::parse_ciphertext(blob);
  Bytes out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(crypto::decrypt_value(aes, key, view, out));
  }
}
BENCHMARK(BM_DecryptString);

// The specification's document, through the public API.
void BM_DecryptDocument1500(benchmark::State& state) {
  ClientEncryptionOptions options;
  options.key_vault = make_memory_key_vault();
  options.kms_providers.add(*make_local_kms_provider(SecretBytes::random(96)));
  auto client = std::move(*ClientEncryption::create(std::move(options)));
  auto id = *client->create_data_key("local");
  Document::Builder b;
  for (int i = 1; i <= 1500; ++i) {
    char key[16];
    char value[24];
    std::snprintf(key, sizeof(key), "key%04d", i);
    std::snprintf(value, sizeof(value), "value %04d", i);
    b.append(key, *client->encrypt(Value::string(value), EncryptOptions::by_id(id, Algorithm::kDeterministic)));
  }
  Document doc = b.build();
  for (auto _ : state) benchmark::DoNotOptimize(client->decrypt_document(doc));
  state.SetItemsProcessed(state.iterations() * 1500);
}
BENCHMARK(BM_DecryptDocument1500)->Unit(benchmark::kMicrosecond);

// Automatic encryption of the `openfle bench` auto workload (src/cli/bench_workload.h): one local key,
// a schema for db.coll encrypting key001..key<range(0)> deterministically.
std::unique_ptr<AutoEncrypter> bench_encrypter(int fields) {
  ClientEncryptionOptions options;
  options.key_vault = make_memory_key_vault();
  options.kms_providers.add(*make_local_kms_provider(SecretBytes::random(96)));
  std::shared_ptr<ClientEncryption> client = std::move(*ClientEncryption::create(std::move(options)));
  auto id = *client->create_data_key("local");
  AutoEncryptionOptions auto_options;
  auto_options.schema_map.set(bench::kNamespace, *EncryptionSchema::parse(bench::auto_schema(id, fields)));
  return std::move(*AutoEncrypter::create(std::move(client), std::move(auto_options)));
}

// {insert: "coll", documents: [<range(0) strings>]}: query analysis and encryption of every value.
void BM_AutoEncryptInsert(benchmark::State& state) {
  const int fields = static_cast<int>(state.range(0));
  auto encrypter = bench_encrypter(fields);
  const Document command = bench::insert_command(fields, 1);
  for (auto _ : state) benchmark::DoNotOptimize(encrypter->encrypt_command("db", command));
  state.SetItemsProcessed(state.iterations() * fields);
}
BENCHMARK(BM_AutoEncryptInsert)->Arg(1)->Arg(100)->ArgName("fields")->Unit(benchmark::kMicrosecond);

// Query analysis alone (markings, no encryption): what mongocryptd does for the same insert.
void BM_AnalyzeInsert(benchmark::State& state) {
  const int fields = static_cast<int>(state.range(0));
  auto encrypter = bench_encrypter(fields);
  const Document command = bench::insert_command(fields, 1);
  for (auto _ : state) benchmark::DoNotOptimize(encrypter->analyze("db", command));
  state.SetItemsProcessed(state.iterations() * fields);
}
BENCHMARK(BM_AnalyzeInsert)->Arg(100)->ArgName("fields")->Unit(benchmark::kMicrosecond);

// A find reply of range(0) documents of 100 encrypted strings, decrypted.
void BM_AutoDecryptFindReply(benchmark::State& state) {
  const int documents = static_cast<int>(state.range(0));
  auto encrypter = bench_encrypter(100);
  std::vector<Value> batch;
  for (int n = 1; n <= documents; ++n) {
    batch.push_back(bench::document_value(*encrypter->encrypt_document(bench::kNamespace, bench::auto_document(100, n))));
  }
  const Document reply = bench::find_reply(bench::array_of(batch));
  for (auto _ : state) benchmark::DoNotOptimize(encrypter->decrypt_reply(reply));
  state.SetItemsProcessed(state.iterations() * documents * 100);
}
BENCHMARK(BM_AutoDecryptFindReply)->Arg(1)->Arg(100)->ArgName("documents")->Unit(benchmark::kMicrosecond);

void BM_ParseKeyDocument(benchmark::State& state) {
  KeyDocument k;
  k.id = Uuid::random_v4();
  k.key_alt_names = {"billing", "payroll"};
  k.key_material = Bytes(160, 1);
  Document doc = k.to_document();
  for (auto _ : state) benchmark::DoNotOptimize(KeyDocument::from_document(doc));
}
BENCHMARK(BM_ParseKeyDocument);

}  // namespace
}  // namespace openfle
