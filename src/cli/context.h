// What every CLI command shares: the global options, the key vault and KMS providers they name,
// the logger, and the mapping from errors to exit statuses.
#ifndef OPENFLE_CLI_CONTEXT_H_
#define OPENFLE_CLI_CONTEXT_H_

#include <memory>
#include <string>
#include <vector>

#include "openfle/client_encryption.h"

namespace openfle::cli {

struct GlobalOptions {
  std::string key_vault;      // --key-vault / OPENFLE_KEY_VAULT
  std::vector<std::string> kms_providers;  // --kms-providers (repeatable) / OPENFLE_KMS_PROVIDERS (':'-separated)
  std::string tls_options;    // --tls-options / OPENFLE_TLS_OPTIONS
  int verbosity = 0;          // -v, repeatable
};

// Where openfle keeps its files when no option names them: $OPENFLE_HOME, else ~/.openfle.
std::string default_home();
std::string default_key_vault_uri();
std::string default_kms_providers_path();

class Context {
 public:
  explicit Context(GlobalOptions options);

  [[nodiscard]] const GlobalOptions& options() const { return options_; }
  // The key vault URI in effect (option, environment, or default).
  [[nodiscard]] std::string key_vault_uri() const;
  // The kmsProviders files in effect; their providers are merged. The first is where `init` writes.
  [[nodiscard]] std::vector<std::string> kms_providers_paths() const;

  // Opened on first use, so commands that need neither never touch them.
  Result<std::shared_ptr<KeyVault>> key_vault();
  Result<ClientEncryption*> client();
  // The same client, for objects that share its ownership (an AutoEncrypter).
  Result<std::shared_ptr<ClientEncryption>> shared_client();

  void info(std::string_view message) const;
  void warn(std::string_view message) const;

 private:
  GlobalOptions options_;
  std::shared_ptr<KeyVault> vault_;
  std::shared_ptr<ClientEncryption> client_;
};

// Exit statuses (docs/cli.md): 0 ok, 1 error, 2 usage, 3 not found, 4 authentication failed,
// 5 KMS or network, 6 already exists.
int exit_status(const Error& error);
// Prints "openfle: error: <message>" to stderr and returns the exit status.
int report(const Error& error);

void init_logging(int verbosity);

}  // namespace openfle::cli

#endif  // OPENFLE_CLI_CONTEXT_H_
