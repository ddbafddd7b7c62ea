#include "kms/aws/aws_provider.h"

#include "common/try.h"
#include "kms/aws/aws_kms_request.h"

namespace openfle::kms::aws {
namespace {

class AwsKmsProvider final : public KmsProvider {
 public:
  AwsKmsProvider(KmsProviderId id, std::unique_ptr<AwsCredentialSource> credentials,
                 std::shared_ptr<const RemoteContext> ctx)
      : id_(std::move(id)), credentials_(std::move(credentials)), ctx_(std::move(ctx)) {}

  const KmsProviderId& id() const noexcept override { return id_; }

  Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) override {
    const auto& mk = std::get<AwsMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, kms_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto creds, credentials_->get());
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_aws_encrypt_request(mk.region, mk.key, endpoint, data_key, creds, ctx_->now()));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "AWS KMS", endpoint, request));
    OPENFLE_ASSIGN_OR_RETURN(auto blob, parse_aws_encrypt_response(reply));
    return WrappedKey{std::move(blob), master_key};
  }

  Result<SecretBytes> unwrap(const MasterKey& master_key, ByteView key_material) override {
    const auto& mk = std::get<AwsMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, kms_endpoint(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto creds, credentials_->get());
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_aws_decrypt_request(mk.region, endpoint, key_material, creds, ctx_->now()));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "AWS KMS", endpoint, request));
    return parse_aws_decrypt_response(reply);
  }

 private:
  // masterKey.endpoint when given, else the region's endpoint. The region signs the request either
  // way (it is never parsed from the key ARN, as in libmongocrypt).
  static Result<net::Endpoint> kms_endpoint(const AwsMasterKey& mk) {
    if (mk.endpoint) {
      auto e = net::Endpoint::parse(*mk.endpoint, 443);
      if (!e) return fail(e.error().with_context("masterKey.endpoint"));
      return e;
    }
    return aws_kms_default_endpoint(mk.region);
  }

  KmsProviderId id_;
  std::unique_ptr<AwsCredentialSource> credentials_;
  std::shared_ptr<const RemoteContext> ctx_;
};

}  // namespace

std::shared_ptr<KmsProvider> make_aws_provider(KmsProviderId id, std::unique_ptr<AwsCredentialSource> credentials,
                                               std::shared_ptr<const RemoteContext> ctx) {
  return std::make_shared<AwsKmsProvider>(std::move(id), std::move(credentials), std::move(ctx));
}

}  // namespace openfle::kms::aws
