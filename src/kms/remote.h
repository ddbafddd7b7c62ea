// What every remote KMS provider shares: its transport (with its own TLS settings), retry policy,
// timeouts, clock, and a cache for bearer tokens.
#ifndef OPENFLE_KMS_REMOTE_H_
#define OPENFLE_KMS_REMOTE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kms/oauth_token.h"
#include "net/http_client.h"
#include "net/retry.h"
#include "net/tls_context.h"
#include "openfle/kms.h"

namespace openfle::kms {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct RemoteContext {
  std::shared_ptr<net::HttpTransport> http;     // HTTPS with the provider's TLS options; plain HTTP for metadata
  std::shared_ptr<const net::TlsContext> tls;   // the same TLS settings, for KMIP's own connections
  net::RetryPolicy retry;
  std::chrono::milliseconds timeout{10000};     // one network attempt
  WallClock now = [] { return std::chrono::system_clock::now(); };
  KmsOptions options;                           // credential endpoint overrides

  // A deadline for a whole operation, retries and backoff included.
  [[nodiscard]] net::Deadline operation_deadline() const;
};

// Sends `request` to `service` at `endpoint`; retried (network errors, 408, 429, 5xx) when
// `idempotent`. Errors name the service and endpoint.
Result<net::HttpResponse> exchange(const RemoteContext& ctx, std::string_view service,
                                   const net::Endpoint& endpoint, const net::HttpRequest& request,
                                   bool use_tls = true, bool idempotent = true);

// The endpoint given (host[:port], or an http(s) URL from an environment variable), else `fallback`.
Result<net::Endpoint> endpoint_or(std::string_view configured, const char* env, std::string_view fallback,
                                  std::uint16_t default_port);

// Bearer tokens by audience (scope), fetched once and reused until shortly before they expire.
// Concurrent callers wait for one fetch instead of each asking the identity service.
class TokenCache {
 public:
  using Fetch = std::function<Result<AccessToken>()>;
  Result<SecretBytes> get(const std::string& audience, const Fetch& fetch, const WallClock& now);

 private:
  struct Entry {
    SecretBytes token;
    std::chrono::system_clock::time_point refresh_at;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_REMOTE_H_
