// The GCP Cloud KMS provider: cryptoKeys encrypt / decrypt, authorized by an OAuth token from a
// service account's signed JWT, a given access token, or the metadata server.
#ifndef OPENFLE_KMS_GCP_GCP_PROVIDER_H_
#define OPENFLE_KMS_GCP_GCP_PROVIDER_H_

#include <memory>
#include <string>
#include <variant>

#include "kms/gcp/gcp_service_account_key.h"
#include "kms/remote.h"
#include "openfle/kms.h"

namespace openfle::kms::gcp {

struct ServiceAccount {
  std::string email;
  std::shared_ptr<const GcpServiceAccountKey> private_key;
  net::Endpoint auth_endpoint;  // oauth2.googleapis.com:443 unless kmsProviders.gcp.endpoint
};
struct StaticToken {
  SecretBytes access_token;
};
struct MetadataServer {};

using GcpAuth = std::variant<ServiceAccount, StaticToken, MetadataServer>;

std::shared_ptr<KmsProvider> make_gcp_provider(KmsProviderId id, GcpAuth auth, std::shared_ptr<const RemoteContext> ctx);

}  // namespace openfle::kms::gcp

#endif  // OPENFLE_KMS_GCP_GCP_PROVIDER_H_
