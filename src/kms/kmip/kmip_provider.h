// The KMIP provider, over mutually authenticated TLS (the client certificate comes from the
// provider's tlsOptions). Two modes, as libmongocrypt has them:
//   default:   the master key is a 96-byte SecretData (Register + Activate when no keyId is given),
//              fetched with Get and used for local FLE1 wrapping;
//   delegated: an AES-256 key (Create + Activate) that never leaves the server; wrapping is KMIP
//              Encrypt / Decrypt, and keyMaterial is IV || ciphertext.
#ifndef OPENFLE_KMS_KMIP_KMIP_PROVIDER_H_
#define OPENFLE_KMS_KMIP_KMIP_PROVIDER_H_

#include <memory>
#include <optional>

#include "kms/remote.h"
#include "openfle/kms.h"

namespace openfle::kms::kmip {

// kmsProviders.kmip.endpoint, used when a masterKey has none.
std::shared_ptr<KmsProvider> make_kmip_provider(KmsProviderId id, std::optional<net::Endpoint> endpoint,
                                                std::shared_ptr<const RemoteContext> ctx);

}  // namespace openfle::kms::kmip

#endif  // OPENFLE_KMS_KMIP_KMIP_PROVIDER_H_
