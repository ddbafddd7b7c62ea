#include "kms/azure/azure_provider.h"

#include "common/try.h"
#include "kms/azure/azure_imds.h"
#include "kms/azure/azure_kms_request.h"
#include "kms/http_kms_request.h"

namespace openfle::kms::azure {
namespace {

class AzureKmsProvider final : public KmsProvider {
 public:
  AzureKmsProvider(KmsProviderId id, AzureAuth auth, std::shared_ptr<const RemoteContext> ctx)
      : id_(std::move(id)), auth_(std::move(auth)), ctx_(std::move(ctx)) {}

  const KmsProviderId& id() const noexcept override { return id_; }

  Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) override {
    const auto& mk = std::get<AzureMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto vault, vault_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto token, token_for(vault));
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_azure_wrap_request(vault, mk.key_name, mk.key_version.value_or(""), data_key, token));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "Azure Key Vault", vault, request));
    OPENFLE_ASSIGN_OR_RETURN(auto wrapped, parse_azure_wrap_response(reply));
    return WrappedKey{std::move(wrapped), master_key};
  }

  Result<SecretBytes> unwrap(const MasterKey& master_key, ByteView key_material) override {
    const auto& mk = std::get<AzureMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto vault, vault_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto token, token_for(vault));
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_azure_unwrap_request(vault, mk.key_name, mk.key_version.value_or(""), key_material, token));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "Azure Key Vault", vault, request));
    return parse_azure_unwrap_response(reply);
  }

 private:
  static Result<net::Endpoint> vault_endpoint(const AzureMasterKey& mk) {
    auto e = net::Endpoint::parse(mk.key_vault_endpoint, 443);
    if (!e) return fail(e.error().with_context("masterKey.keyVaultEndpoint"));
    return e;
  }

  // A token for the vault's domain (tokens are scoped to it), from the cache when still fresh.
  Result<SecretBytes> token_for(const net::Endpoint& vault) {
    if (const auto* fixed = std::get_if<StaticToken>(&auth_)) return fixed->access_token.clone();
    OPENFLE_ASSIGN_OR_RETURN(auto domain, parent_domain("masterKey.keyVaultEndpoint", vault.host));
    const std::string audience(domain);
    if (const auto* client = std::get_if<ClientCredentials>(&auth_)) {
      return tokens_.get(audience, [&]() -> Result<AccessToken> {
        OPENFLE_ASSIGN_OR_RETURN(auto request, build_azure_token_request(client->identity_endpoint, client->tenant_id,
                                                                         client->client_id, client->client_secret, vault));
        OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "Azure identity platform", client->identity_endpoint, request));
        return parse_azure_token_response(reply);
      }, ctx_->now);
    }
    return tokens_.get("imds " + audience, [&]() -> Result<AccessToken> {
      OPENFLE_ASSIGN_OR_RETURN(auto imds, endpoint_or(ctx_->options.azure_imds_endpoint, "OPENFLE_AZURE_IMDS_ENDPOINT",
                                                      "169.254.169.254", 80));
      OPENFLE_ASSIGN_OR_RETURN(auto request, build_azure_imds_token_request(imds, "https://" + audience));
      OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "Azure instance metadata (managed identity)", imds, request, false));
      return parse_azure_imds_token_response(reply);
    }, ctx_->now);
  }

  KmsProviderId id_;
  AzureAuth auth_;
  std::shared_ptr<const RemoteContext> ctx_;
  TokenCache tokens_;
};

}  // namespace

std::shared_ptr<KmsProvider> make_azure_provider(KmsProviderId id, AzureAuth auth, std::shared_ptr<const RemoteContext> ctx) {
  return std::make_shared<AzureKmsProvider>(std::move(id), std::move(auth), std::move(ctx));
}

}  // namespace openfle::kms::azure
