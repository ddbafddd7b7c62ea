// The AWS KMS provider: TrentService.Encrypt / Decrypt, signed with SigV4.
#ifndef OPENFLE_KMS_AWS_AWS_PROVIDER_H_
#define OPENFLE_KMS_AWS_AWS_PROVIDER_H_

#include <memory>

#include "kms/aws/aws_credentials.h"
#include "kms/remote.h"
#include "openfle/kms.h"

namespace openfle::kms::aws {

std::shared_ptr<KmsProvider> make_aws_provider(KmsProviderId id, std::unique_ptr<AwsCredentialSource> credentials,
                                               std::shared_ptr<const RemoteContext> ctx);

}  // namespace openfle::kms::aws

#endif  // OPENFLE_KMS_AWS_AWS_PROVIDER_H_
