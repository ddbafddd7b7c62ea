#include "net/retry.h"

#include <openssl/rand.h>

#include <limits>

namespace openfle::net {

std::chrono::milliseconds RetryPolicy::backoff_ceiling(int retry) const {
  if (retry < 1 || base_delay.count() <= 0) return std::chrono::milliseconds(0);
  const auto cap = std::max<std::int64_t>(max_delay.count(), 0);
  std::int64_t ceiling = base_delay.count();
  // Doubling stops at the cap, so it cannot overflow however large `retry` is.
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds RetryPolicy::backoff(int retry, std::uint64_t random) const {
  const auto ceiling = static_cast<std::uint64_t>(backoff_ceiling(retry).count());
  // Uniform over [0, ceiling]; the modulo bias is below 2^-40 for any ceiling here.
  return std::chrono::milliseconds(static_cast<std::int64_t>(random % (ceiling + 1)));
}

bool is_retryable_status(int status) noexcept {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

bool is_retryable_error(const Error& error) noexcept {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kIoError:
    case ErrorCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

bool is_retryable(const Result<HttpResponse>& outcome) noexcept {
  return outcome ? is_retryable_status(outcome->status) : is_retryable_error(outcome.error());
}

std::uint64_t retry_random() noexcept {
  std::uint64_t value = 0;
  // Jitter needs no secrecy, only spread; if the RNG fails, a fixed value still gives a delay
  // within the bounds.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return value;
}

Result<HttpResponse> send_with_retry(HttpTransport& transport, const Endpoint& endpoint,
                                     const HttpRequest& request, bool use_tls, Deadline deadline,
                                     const RetryPolicy& policy, const RetryHooks& hooks) {
  return run_with_retries<HttpResponse>(
      policy, deadline, hooks,
      [&](Deadline attempt_deadline) {
        return transport.send(endpoint, request, use_tls, attempt_deadline);
      },
      [](const Result<HttpResponse>& outcome) { return is_retryable(outcome); });
}

}  // namespace openfle::net
