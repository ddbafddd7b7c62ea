// The Azure Key Vault provider: wrapkey / unwrapkey with RSA-OAEP-256, authorized by an OAuth token
// from client credentials, a given access token, or the managed identity (IMDS).
#ifndef OPENFLE_KMS_AZURE_AZURE_PROVIDER_H_
#define OPENFLE_KMS_AZURE_AZURE_PROVIDER_H_

#include <memory>
#include <string>
#include <variant>

#include "kms/remote.h"
#include "openfle/kms.h"

namespace openfle::kms::azure {

struct ClientCredentials {
  std::string tenant_id;
  std::string client_id;
  SecretBytes client_secret;
  net::Endpoint identity_endpoint;  // login.microsoftonline.com:443 unless identityPlatformEndpoint
};
struct StaticToken {
  SecretBytes access_token;
};
struct ManagedIdentity {};

using AzureAuth = std::variant<ClientCredentials, StaticToken, ManagedIdentity>;

std::shared_ptr<KmsProvider> make_azure_provider(KmsProviderId id, AzureAuth auth, std::shared_ptr<const RemoteContext> ctx);

}  // namespace openfle::kms::azure

#endif  // OPENFLE_KMS_AZURE_AZURE_PROVIDER_H_
