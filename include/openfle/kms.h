// KMS providers: what wraps and unwraps data keys with a master key the client never sees.
//
// A KmsProvider is one configured provider instance ("local", "aws", "kmip:hsm2", ...). KmsProviders
// is the set a client uses, built from the kmsProviders document MongoDB drivers take:
//
//   auto providers = openfle::KmsProviders::from_json(
//       R"({"local": {"key": {"$binary": {"base64": "...", "subType": "00"}}}})");
//
// Every provider is safe to use from many threads at once.
#ifndef OPENFLE_KMS_H_
#define OPENFLE_KMS_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/bson.h"
#include "openfle/master_key.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle {

// The result of wrapping a data key: the keyMaterial to store, and the masterKey to store with it
// (the same one, or completed by the KMS: a KMIP provider adds the keyId it created).
struct WrappedKey {
  Bytes key_material;
  MasterKey master_key;
};

class KmsProvider {
 public:
  virtual ~KmsProvider() = default;

  [[nodiscard]] virtual const KmsProviderId& id() const noexcept = 0;
  // Wraps a 96-byte data key under `master_key` (whose provider is id()).
  virtual Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) = 0;
  // Unwraps keyMaterial; the result is the 96-byte data key.
  virtual Result<SecretBytes> unwrap(const MasterKey& master_key, ByteView key_material) = 0;
};

// Settings that apply to all remote providers. Remote providers are configured through
// KmsProviders::from_document; the local provider needs none of these.
struct KmsOptions {
  // The drivers' tlsOptions document: {"<provider id>": {"tlsCAFile": ..., ...}}.
  Document tls_options;
  // Per network call (connect, send, receive).
  std::chrono::milliseconds timeout{10000};
  // Attempts per idempotent request, the first included (retries on network errors, 408, 429, 5xx).
  int max_attempts = 3;
  // Concurrent KMS requests when many keys are unwrapped or wrapped at once.
  int max_concurrency = 16;

  // Where automatic (on-demand) credentials come from, as host[:port]; empty means the standard
  // place, or the standard environment variable when set (AWS_EC2_METADATA_SERVICE_ENDPOINT,
  // AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_ENDPOINT_URL_STS, GCE_METADATA_HOST,
  // OPENFLE_AZURE_IMDS_ENDPOINT). Tests point them at loopback emulators.
  std::string aws_ec2_metadata_endpoint;  // 169.254.169.254
  std::string aws_ecs_endpoint;           // 169.254.170.2
  std::string aws_sts_endpoint;           // sts.amazonaws.com (HTTPS)
  std::string azure_imds_endpoint;        // 169.254.169.254
  std::string gcp_metadata_endpoint;      // metadata.google.internal
};

class KmsProviders {
 public:
  KmsProviders();
  KmsProviders(KmsProviders&&) noexcept;
  KmsProviders& operator=(KmsProviders&&) noexcept;
  ~KmsProviders();

  // Parses the drivers' kmsProviders shape. Each entry's credentials are validated now; for
  // remote providers nothing is sent until a key is wrapped or unwrapped.
  static Result<KmsProviders> from_document(const Document& kms_providers, KmsOptions options = {});
  static Result<KmsProviders> from_json(std::string_view json, KmsOptions options = {});

  // Adds a provider, replacing any with the same id.
  void add(std::shared_ptr<KmsProvider> provider);
  // The provider for `id`, or kFailedPrecondition saying it is not configured.
  [[nodiscard]] Result<std::shared_ptr<KmsProvider>> get(const KmsProviderId& id) const;
  [[nodiscard]] std::vector<std::string> ids() const;
  [[nodiscard]] const KmsOptions& options() const noexcept { return options_; }

 private:
  std::map<std::string, std::shared_ptr<KmsProvider>> providers_;
  KmsOptions options_;
};

// The local provider: a 96-byte master key held in memory, for development. Wrapping uses FLE1's
// AEAD with a random IV and no associated data, exactly as libmongocrypt does.
Result<std::shared_ptr<KmsProvider>> make_local_kms_provider(SecretBytes master_key,
                                                             std::string name = {});

}  // namespace openfle

#endif  // OPENFLE_KMS_H_
