// Fuzzes the FLE1 ciphertext parser and the decryption path behind it (tag check, padding, value
// validation) with a fixed key, and the whole-document decryptor over arbitrary BSON.
#include <cstddef>
#include <cstdint>

#include "client/document_crypto.h"
#include "crypto/fle1_value.h"

namespace {

const openfle::crypto::Fle1Key& key() {
  static const auto k = [] {
    openfle::SecretBytes bytes(96);
    for (std::size_t i = 0; i < 96; ++i) bytes.expose_mutable()[i] = static_cast<std::uint8_t>(i);
    return std::move(*openfle::crypto::Fle1Key::create(bytes));
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  ByteView input(data, size);
  crypto::AesCbcContext aes;
  if (auto view = crypto::parse_ciphertext(input)) {
    Bytes out;
    (void)crypto::decrypt_value(aes, key(), *view, out);
  }
  // The same bytes as a document: walked for ciphertexts, decrypted with whatever key is asked for.
  static client::KeyCache cache(std::chrono::milliseconds(0));
  client::OperationKeys keys(cache);
  Bytes out;
  std::optional<Uuid> missing;
  (void)client::decrypt_document(input, keys, aes, out, missing);
  (void)client::collect_key_ids(input);
  return 0;
}
