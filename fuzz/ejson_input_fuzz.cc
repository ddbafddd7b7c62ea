// Fuzzes what the CLI reads from users: Extended JSON documents, as `openfle encrypt/decrypt` and
// `key import` parse them, then field encryption and decryption of whatever parses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/client_encryption.h"

namespace {

openfle::ClientEncryption& client() {
  static auto c = [] {
    openfle::ClientEncryptionOptions options;
    options.key_vault = openfle::make_memory_key_vault();
    openfle::SecretBytes master(96);
    options.kms_providers.add(*openfle::make_local_kms_provider(std::move(master)));
    return std::move(*openfle::ClientEncryption::create(std::move(options)));
  }();
  return *c;
}

const openfle::Uuid& key_id() {
  static const openfle::Uuid id = *client().create_data_key("local");
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)KeyDocument::from_json(text);
  auto doc = Document::from_json(text);
  if (!doc) return 0;
  (void)doc->to_json(JsonMode::kCanonical);
  (void)doc->to_json(JsonMode::kRelaxed);
  std::vector<std::string> paths;
  for (const auto& k : doc->keys()) {
    paths.push_back(k);
    if (paths.size() == 3) break;
  }
  // If the input itself decrypts (it holds no broken ciphertexts), then whatever we encrypt in it
  // must decrypt back to the input.
  const bool clean = client().decrypt_document(*doc).has_value();
  for (Algorithm a : {Algorithm::kDeterministic, Algorithm::kRandom}) {
    auto encrypted = client().encrypt_fields(*doc, paths, EncryptOptions::by_id(key_id(), a));
    if (encrypted && clean) {
      auto back = client().decrypt_document(*encrypted);
      if (!back) __builtin_trap();
    }
  }
  return 0;
}
