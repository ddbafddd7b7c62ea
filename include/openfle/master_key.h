// MasterKey: where a data key's master key lives, as the key document's `masterKey` field says.
//
// Parsed strictly, as libmongocrypt does: per provider kind, exactly the fields MongoDB defines and
// nothing else. Emitted in libmongocrypt's field order. `provider` is the KMS provider id, which is
// either a kind ("aws") or a named instance ("aws:prod", name [a-zA-Z0-9_]+).
//
//   auto mk = openfle::MasterKey::from_json(R"({"provider": "aws", "region": "us-east-1",
//                                                "key": "arn:aws:kms:us-east-1:123:key/abc"})");
#ifndef OPENFLE_MASTER_KEY_H_
#define OPENFLE_MASTER_KEY_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "openfle/bson.h"
#include "openfle/status.h"

namespace openfle {

enum class KmsKind { kLocal, kAws, kAzure, kGcp, kKmip };

// "local", "aws", "azure", "gcp", "kmip".
std::string_view kms_kind_name(KmsKind kind) noexcept;

// A parsed KMS provider id: "aws" or "aws:prod".
struct KmsProviderId {
  KmsKind kind;
  std::string name;  // empty for the unnamed provider of a kind

  // Validates the kind and, for named providers, the name ([a-zA-Z0-9_]+).
  static Result<KmsProviderId> parse(std::string_view id);
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const KmsProviderId&, const KmsProviderId&) = default;
};

struct LocalMasterKey {
  friend bool operator==(const LocalMasterKey&, const LocalMasterKey&) = default;
};
struct AwsMasterKey {
  std::string region;
  std::string key;  // CMK ARN or alias
  std::optional<std::string> endpoint;
  friend bool operator==(const AwsMasterKey&, const AwsMasterKey&) = default;
};
struct AzureMasterKey {
  std::string key_vault_endpoint;
  std::string key_name;
  std::optional<std::string> key_version;
  friend bool operator==(const AzureMasterKey&, const AzureMasterKey&) = default;
};
struct GcpMasterKey {
  std::string project_id;
  std::string location;
  std::string key_ring;
  std::string key_name;
  std::optional<std::string> key_version;
  std::optional<std::string> endpoint;
  friend bool operator==(const GcpMasterKey&, const GcpMasterKey&) = default;
};
struct KmipMasterKey {
  std::optional<std::string> key_id;  // absent until the KMIP server has created the key
  std::optional<std::string> endpoint;
  std::optional<bool> delegated;
  friend bool operator==(const KmipMasterKey&, const KmipMasterKey&) = default;
};

class MasterKey {
 public:
  using Fields = std::variant<LocalMasterKey, AwsMasterKey, AzureMasterKey, GcpMasterKey, KmipMasterKey>;

  // The provider id's kind must match the fields' kind.
  static Result<MasterKey> make(KmsProviderId provider, Fields fields);
  static MasterKey local(std::string name = {});
  // Parses a masterKey document, e.g. from a key document or the CLI's --master-key.
  static Result<MasterKey> from_document(const Document& doc);
  static Result<MasterKey> from_json(std::string_view json);
  // For the CLI: a document without "provider", with the provider given separately.
  static Result<MasterKey> from_document(const KmsProviderId& provider, const Document& doc);

  [[nodiscard]] const KmsProviderId& provider() const noexcept { return provider_; }
  [[nodiscard]] KmsKind kind() const noexcept { return provider_.kind; }
  [[nodiscard]] const Fields& fields() const noexcept { return fields_; }
  [[nodiscard]] Document to_document() const;

  friend bool operator==(const MasterKey&, const MasterKey&) = default;

 private:
  MasterKey(KmsProviderId provider, Fields fields)
      : provider_(std::move(provider)), fields_(std::move(fields)) {}

  KmsProviderId provider_;
  Fields fields_;
};

}  // namespace openfle

#endif  // OPENFLE_MASTER_KEY_H_
