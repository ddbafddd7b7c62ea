#include "kms/gcp/gcp_provider.h"

#include "common/try.h"
#include "kms/gcp/gcp_kms_request.h"
#include "kms/gcp/gcp_oauth.h"
#include "kms/http_kms_request.h"

namespace openfle::kms::gcp {
namespace {

class GcpKmsProvider final : public KmsProvider {
 public:
  GcpKmsProvider(KmsProviderId id, GcpAuth auth, std::shared_ptr<const RemoteContext> ctx)
      : id_(std::move(id)), auth_(std::move(auth)), ctx_(std::move(ctx)) {}

  const KmsProviderId& id() const noexcept override { return id_; }

  Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) override {
    const auto& mk = std::get<GcpMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, kms_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto token, token_for(endpoint));
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_gcp_encrypt_request(name_of(mk), endpoint, data_key, token));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "GCP Cloud KMS", endpoint, request));
    OPENFLE_ASSIGN_OR_RETURN(auto ciphertext, parse_gcp_encrypt_response(reply));
    return WrappedKey{std::move(ciphertext), master_key};
  }

  Result<SecretBytes> unwrap(const MasterKey& master_key, ByteView key_material) override {
    const auto& mk = std::get<GcpMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, kms_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto token, token_for(endpoint));
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_gcp_decrypt_request(name_of(mk), endpoint, key_material, token));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "GCP Cloud KMS", endpoint, request));
    return parse_gcp_decrypt_response(reply);
  }

 private:
  static GcpKeyName name_of(const GcpMasterKey& mk) {
    return GcpKeyName{mk.project_id, mk.location, mk.key_ring, mk.key_name,
                      mk.key_version ? std::string_view(*mk.key_version) : std::string_view()};
  }

  static Result<net::Endpoint> kms_endpoint(const GcpMasterKey& mk) {
    if (!mk.endpoint) return gcp_default_kms_endpoint();
    auto e = net::Endpoint::parse(*mk.endpoint, 443);
    if (!e) return fail(e.error().with_context("masterKey.endpoint"));
    return e;
  }

  // Tokens are scoped by the KMS endpoint's domain, so they are cached per domain.
  Result<SecretBytes> token_for(const net::Endpoint& kms) {
    if (const auto* fixed = std::get_if<StaticToken>(&auth_)) return fixed->access_token.clone();
    if (const auto* account = std::get_if<ServiceAccount>(&auth_)) {
      return tokens_.get(kms.host, [&]() -> Result<AccessToken> {
        OPENFLE_ASSIGN_OR_RETURN(auto request, build_gcp_token_request(account->auth_endpoint, account->email,
                                                                       *account->private_key, kms, ctx_->now()));
        OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "GCP OAuth", account->auth_endpoint, request));
        return parse_gcp_token_response(reply);
      }, ctx_->now);
    }
    return tokens_.get("metadata", [&]() -> Result<AccessToken> {
      OPENFLE_ASSIGN_OR_RETURN(auto endpoint, endpoint_or(ctx_->options.gcp_metadata_endpoint, "GCE_METADATA_HOST",
                                                          "metadata.google.internal", 80));
      net::HttpRequest request;
      request.method = "GET";
      request.target = "/computeMetadata/v1/instance/service-accounts/default/token";
      request.add_header("Metadata-Flavor", "Google");
      request.add_header("Accept", "application/json");
      finish_request(request, endpoint, SecretBytes(), 80);
      OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "GCP metadata server", endpoint, request, false));
      return parse_oauth_token_response("GCP metadata server", "token reply", reply);
    }, ctx_->now);
  }

  KmsProviderId id_;
  GcpAuth auth_;
  std::shared_ptr<const RemoteContext> ctx_;
  TokenCache tokens_;
};

}  // namespace

std::shared_ptr<KmsProvider> make_gcp_provider(KmsProviderId id, GcpAuth auth, std::shared_ptr<const RemoteContext> ctx) {
  return std::make_shared<GcpKmsProvider>(std::move(id), std::move(auth), std::move(ctx));
}

}  // namespace openfle::kms::gcp
