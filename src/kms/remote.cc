#include "kms/remote.h"

#include <cstdlib>

#include "common/try.h"

namespace openfle::kms {

net::Deadline RemoteContext::operation_deadline() const {
  // Every attempt may use `timeout`, and the backoff between them is capped by the policy.
  auto attempts = std::max(1, retry.max_attempts);
  auto backoff = std::chrono::milliseconds(0);
  for (int r = 1; r < attempts; ++r) backoff += retry.backoff_ceiling(r);
  return net::deadline_after(timeout * attempts + backoff);
}

Result<net::HttpResponse> exchange(const RemoteContext& ctx, std::string_view service,
                                   const net::Endpoint& endpoint, const net::HttpRequest& request,
                                   bool use_tls, bool idempotent) {
  net::RetryPolicy policy = ctx.retry;
  policy.attempt_timeout = ctx.timeout;
  if (!idempotent) policy.max_attempts = 1;
  auto reply = net::send_with_retry(*ctx.http, endpoint, request, use_tls, ctx.operation_deadline(), policy);
  if (!reply) {
    return fail(reply.error().with_context(std::string(service) + " at " + endpoint.to_string()));
  }
  return reply;
}

Result<net::Endpoint> endpoint_or(std::string_view configured, const char* env, std::string_view fallback,
                                  std::uint16_t default_port) {
  std::string text(configured);
  if (text.empty() && env != nullptr) {
    if (const char* value = std::getenv(env); value != nullptr && *value != '\0') text = value;
  }
  if (text.empty()) text = std::string(fallback);
  // Environment variables hold URLs ("http://169.254.169.254"); keep the authority.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.rfind(scheme, 0) == 0) {
      text = text.substr(scheme.size());
      text = text.substr(0, text.find('/'));
    }
  }
  auto endpoint = net::Endpoint::parse(text, default_port);
  if (!endpoint && env != nullptr) return fail(endpoint.error().with_context(env));
  return endpoint;
}

Result<SecretBytes> TokenCache::get(const std::string& audience, const Fetch& fetch, const WallClock& now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(audience);
  if (it != entries_.end() && now() < it->second.refresh_at) return it->second.token.clone();
  OPENFLE_ASSIGN_OR_RETURN(auto token, fetch());
  // Refresh a minute early (or halfway through a short lifetime), so no request carries a token
  // that expires in flight.
  auto margin = std::min<std::chrono::seconds>(std::chrono::seconds(60), token.expires_in / 2);
  Entry entry{token.token.clone(), now() + token.expires_in - margin};
  entries_.insert_or_assign(audience, std::move(entry));
  return std::move(token.token);
}

}  // namespace openfle::kms
