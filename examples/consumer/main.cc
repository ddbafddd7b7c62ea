// Encrypts a social security number with a fresh local master key and data key, and decrypts it.
#include <openfle/client_encryption.h>

#include <iostream>

int main() {
  openfle::ClientEncryptionOptions options;
  options.key_vault = openfle::make_memory_key_vault();
  auto local = openfle::make_local_kms_provider(openfle::SecretBytes::random(96));
  if (!local) return 1;
  options.kms_providers.add(*local);
  auto client = openfle::ClientEncryption::create(std::move(options));
  if (!client) {
    std::cerr << client.error().message() << "\n";
    return 1;
  }
  openfle::DataKeyOptions key_options;
  key_options.key_alt_names = {"ssn"};
  auto key = (*client)->create_data_key("local", std::move(key_options));
  if (!key) return 1;
  auto encrypted = (*client)->encrypt(
      openfle::Value::string("123-45-6789"),
      openfle::EncryptOptions::by_alt_name("ssn", openfle::Algorithm::kDeterministic));
  if (!encrypted) {
    std::cerr << encrypted.error().message() << "\n";
    return 1;
  }
  auto decrypted = (*client)->decrypt(*encrypted);
  if (!decrypted || decrypted->string_value() != "123-45-6789") return 1;
  std::cout << "encrypted: " << encrypted->to_json() << "\n";
  std::cout << "decrypted: " << decrypted->to_json() << "\n";
  return 0;
}
