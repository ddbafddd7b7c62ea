// Where an AWS provider's credentials come from: the kmsProviders entry, or, when the entry is {},
// the standard AWS chain, in the order the AWS SDKs and libmongoc use:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   2. shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and AWS_CONFIG_FILE
//      (~/.aws/config), profile AWS_PROFILE (default "default")
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME], through
//      STS AssumeRoleWithWebIdentity
//   4. ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI (+ AWS_CONTAINER_AUTHORIZATION_TOKEN)
//   5. EC2 instance metadata, IMDSv2 (unless AWS_EC2_METADATA_DISABLED=true)
// Temporary credentials are cached until five minutes before they expire.
#ifndef OPENFLE_KMS_AWS_AWS_CREDENTIALS_H_
#define OPENFLE_KMS_AWS_AWS_CREDENTIALS_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kms/aws/sigv4.h"
#include "kms/remote.h"

namespace openfle::kms::aws {

class AwsCredentialSource {
 public:
  virtual ~AwsCredentialSource() = default;
  // Credentials to sign with now. Thread-safe.
  virtual Result<AwsCredentials> get() = 0;
};

// Credentials given in kmsProviders.
std::unique_ptr<AwsCredentialSource> static_credentials(AwsCredentials credentials);
// The standard chain above; `ctx` supplies the transport and the metadata endpoint overrides.
std::unique_ptr<AwsCredentialSource> credential_chain(std::shared_ptr<const RemoteContext> ctx);

// One profile of the shared credentials and config files (INI). Exposed for tests.
Result<std::optional<AwsCredentials>> credentials_from_shared_files(const std::string& credentials_file,
                                                                   const std::string& config_file,
                                                                   const std::string& profile);

}  // namespace openfle::kms::aws

#endif  // OPENFLE_KMS_AWS_AWS_CREDENTIALS_H_
