// The loopback KMS servers the provider tests run against, started once per test binary:
// the project's AWS, Azure, GCP and IMDS emulators (tests/kms_servers) and Debian's PyKMIP server
// (tests/kmip/pykmip_server.py), with certificates made at start.
#ifndef OPENFLE_TESTS_KMS_KMS_ENV_H_
#define OPENFLE_TESTS_KMS_KMS_ENV_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "openfle/client_encryption.h"
#include "support/mongocrypt_oracle.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace openfle::testing {

class KmsEnv : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

  static KmsEnv& get();

  // Ports by name: aws, azure, gcp, imds, sts, kmip, and the bad-certificate servers
  // aws_expired, aws_wrong_host, aws_untrusted, aws_client_cert.
  int port(const std::string& name) const { return servers_.at(name).port(); }
  std::string endpoint(const std::string& name) const { return "127.0.0.1:" + std::to_string(port(name)); }
  const nlohmann::json& state() const { return state_; }
  std::string certs(const std::string& file) const { return dir_->file("certs/" + file); }
  std::string kmip_certs(const std::string& file) const { return kmip_dir_ + "/" + file; }

  // kmsProviders for every provider kind, with valid credentials, in the drivers' shape.
  std::string kms_providers_json() const;
  // tlsOptions trusting the test CA (and, for kmip, presenting the client certificate).
  std::string tls_options_json() const;

  // A control request to an emulator (POST/GET/DELETE /__emulator/...); returns the reply body.
  std::string control(const std::string& server, const std::string& method, const std::string& path,
                      const std::string& body = "") const;
  // How many non-control requests the emulator has seen.
  std::size_t request_count(const std::string& server) const;

  // A client with a fresh in-memory vault and the given providers and TLS options.
  std::unique_ptr<ClientEncryption> client(const std::string& kms_providers, const std::string& tls_options,
                                           KmsOptions options = {}) const;

  // A KMS handler for libmongocrypt: the test does the I/O libmongocrypt asks for, over our TLS.
  MongocryptOracle::KmsHandler oracle_io() const;

  std::string skip_reason;

 private:
  std::unique_ptr<TempDir> dir_;
  std::map<std::string, Subprocess> servers_;
  nlohmann::json state_;
  std::string kmip_dir_;
};

// A masterKey (without provider) for "aws", "azure", "gcp", "kmip" or "kmip_delegated", pointing at
// the loopback servers.
nlohmann::json master_key(const std::string& kind);
MasterKey typed(const std::string& provider, const nlohmann::json& fields);
// Creates a key with `provider`, encrypts with it, empties the key cache and decrypts: both
// directions through the KMS.
void round_trip(ClientEncryption& client, const std::string& provider, const nlohmann::json& fields);

// Fails the test when the servers could not be started (say why).
#define OPENFLE_REQUIRE_KMS_ENV()                                                   \
  do {                                                                              \
    if (!::openfle::testing::KmsEnv::get().skip_reason.empty())                     \
      GTEST_FAIL() << ::openfle::testing::KmsEnv::get().skip_reason;                \
  } while (false)

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_KMS_KMS_ENV_H_
