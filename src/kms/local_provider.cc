// The local KMS provider (docs/format.md "Local key wrapping").
#include <string>

#include "common/try.h"
#include "crypto/fle1_aead.h"
#include "openfle/kms.h"

namespace openfle {
namespace {

class LocalKmsProvider final : public KmsProvider {
 public:
  LocalKmsProvider(KmsProviderId id, crypto::Fle1Key key) : id_(std::move(id)), key_(std::move(key)) {}

  const KmsProviderId& id() const noexcept override { return id_; }

  Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) override {
    crypto::AesCbcContext aes;
    Bytes material;
    // libmongocrypt _mongocrypt_wrap_key: random IV, empty associated data.
    OPENFLE_RETURN_IF_ERROR(key_.encrypt(aes, {}, data_key.expose(), crypto::IvMode::kRandom, material));
    return WrappedKey{std::move(material), master_key};
  }

  Result<SecretBytes> unwrap(const MasterKey&, ByteView key_material) override {
    crypto::AesCbcContext aes;
    auto dek = key_.decrypt_secret(aes, {}, key_material);
    if (!dek) {
      if (dek.error().code() == ErrorCode::kAuthenticationFailed) {
        return fail(ErrorCode::kAuthenticationFailed,
                    "the local master key of provider '" + id_.to_string() +
                        "' does not match the one this data key was wrapped with (HMAC validation "
                        "failure)");
      }
      return fail(dek.error().with_context("malformed keyMaterial"));
    }
    if (dek->size() != crypto::kFle1KeySize) {
      return fail(ErrorCode::kMalformedData, "unwrapped data key has " + std::to_string(dek->size()) +
                                                 " bytes, expected 96");
    }
    return dek;
  }

 private:
  KmsProviderId id_;
  crypto::Fle1Key key_;
};

}  // namespace

Result<std::shared_ptr<KmsProvider>> make_local_kms_provider(SecretBytes master_key, std::string name) {
  KmsProviderId id{KmsKind::kLocal, std::move(name)};
  if (master_key.size() != crypto::kFle1KeySize) {
    return fail(ErrorCode::kInvalidArgument,
                "local key must be 96 bytes (provider '" + id.to_string() + "' has " +
                    std::to_string(master_key.size()) + ")");
  }
  OPENFLE_ASSIGN_OR_RETURN(auto key, crypto::Fle1Key::create(master_key));
  return std::shared_ptr<KmsProvider>(std::make_shared<LocalKmsProvider>(std::move(id), std::move(key)));
}

}  // namespace openfle
