// Deadlines for network operations: an absolute point on the monotonic clock.
//
// Every blocking call in src/net takes a Deadline rather than a timeout, so that a sequence of
// calls (resolve, connect, handshake, write, read) shares one time budget:
//
//   net::Deadline deadline = net::deadline_after(std::chrono::seconds(10));
//   auto conn = net::connect(endpoint, {.tls = tls, .deadline = deadline});
#ifndef OPENFLE_NET_DEADLINE_H_
#define OPENFLE_NET_DEADLINE_H_

#include <algorithm>
#include <chrono>

namespace openfle::net {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline deadline_after(Clock::duration timeout) { return Clock::now() + timeout; }

// Milliseconds left before `deadline`, rounded up so that a poll() never wakes just before it,
// clamped to [0, INT_MAX] as poll() takes an int.
inline int poll_timeout_ms(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<decltype(left)>(left, 0, 0x7fffffff));
}

}  // namespace openfle::net

#endif  // OPENFLE_NET_DEADLINE_H_
