// Retrying transient KMS failures: exponential backoff with full jitter.
//
// Only for idempotent requests: the caller decides (KMS Decrypt, token fetches, KMIP Get are;
// a KMIP Register or Create is not). The CSFLE spec asks drivers to retry KMS requests on
// transient network and HTTP errors.
//
//   auto reply = net::send_with_retry(http, endpoint, request, /*use_tls=*/true, deadline);
//
// Delays follow "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015):
// before retry n (n = 1, 2, ...) sleep uniformly in [0, min(max_delay, base_delay * 2^(n-1))].
// No sleep runs past the deadline: when the next try could not start in time, the last outcome is
// returned.
#ifndef OPENFLE_NET_RETRY_H_
#define OPENFLE_NET_RETRY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "net/deadline.h"
#include "net/http_client.h"
#include "openfle/status.h"

namespace openfle::net {

struct RetryPolicy {
  int max_attempts = 3;  // the first try included; 1 disables retrying
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20000};
  // Bounds each attempt (connect + exchange) so that a hung server leaves time to retry; unset:
  // each attempt may use all the time left.
  std::optional<std::chrono::milliseconds> attempt_timeout;

  // min(max_delay, base_delay * 2^(retry-1)) for retry >= 1.
  [[nodiscard]] std::chrono::milliseconds backoff_ceiling(int retry) const;
  // The full-jitter delay before `retry`, from a uniformly random 64-bit number.
  [[nodiscard]] std::chrono::milliseconds backoff(int retry, std::uint64_t random) const;
};

// HTTP statuses worth another try: 408 Request Timeout, 429 Too Many Requests, 5xx.
bool is_retryable_status(int status) noexcept;
// Errors worth another try: could not reach the server or it did not answer in time
// (kUnavailable, kIoError, kDeadlineExceeded). Note kUnavailable includes TLS certificate
// failures, which a retry will not fix; they cost max_attempts handshakes.
bool is_retryable_error(const Error& error) noexcept;
// Either of the above, for the outcome of HttpTransport::send.
bool is_retryable(const Result<HttpResponse>& outcome) noexcept;

// Seams for tests: how to sleep and where randomness comes from. Defaults: sleep_for, RAND_bytes.
struct RetryHooks {
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::uint64_t()> random;
};

std::uint64_t retry_random() noexcept;

// Calls attempt(attempt_deadline) until it returns an outcome `retryable` rejects, attempts run
// out, or no time is left; returns the last outcome.
template <class T, class Attempt, class Retryable>
Result<T> run_with_retries(const RetryPolicy& policy, Deadline deadline, const RetryHooks& hooks,
                           Attempt&& attempt, Retryable&& retryable) {
  for (int tries = 1;; ++tries) {
    Deadline attempt_deadline = deadline;
    if (policy.attempt_timeout) {
      attempt_deadline = std::min(deadline, Clock::now() + *policy.attempt_timeout);
    }
    Result<T> outcome = attempt(attempt_deadline);
    if (tries >= policy.max_attempts || !retryable(outcome)) return outcome;
    const std::uint64_t random = hooks.random ? hooks.random() : retry_random();
    const std::chrono::milliseconds delay = policy.backoff(tries, random);
    if (Clock::now() + delay >= deadline) return outcome;
    if (hooks.sleep) {
      hooks.sleep(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
}

// HttpTransport::send with retries of retryable outcomes (is_retryable).
Result<HttpResponse> send_with_retry(HttpTransport& transport, const Endpoint& endpoint,
                                     const HttpRequest& request, bool use_tls, Deadline deadline,
                                     const RetryPolicy& policy = {}, const RetryHooks& hooks = {});

}  // namespace openfle::net

#endif  // OPENFLE_NET_RETRY_H_
