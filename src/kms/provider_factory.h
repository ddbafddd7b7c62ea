// Building one provider from its kmsProviders entry. Each kind parses its own credentials here, at
// the edge, into typed settings; nothing downstream sees the raw document.
#ifndef OPENFLE_KMS_PROVIDER_FACTORY_H_
#define OPENFLE_KMS_PROVIDER_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "openfle/kms.h"

namespace openfle::kms {

Result<std::shared_ptr<KmsProvider>> make_provider(const KmsProviderId& id, const Document& settings,
                                                   const KmsOptions& options);

// Every tlsOptions entry must name a possible KMS provider ("kmip", "aws:prod", ...).
Status check_tls_options(const Document& tls_options, const std::vector<std::string>& provider_ids);

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_PROVIDER_FACTORY_H_
