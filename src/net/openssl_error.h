// Turning OpenSSL's thread-local error queue into text for openfle error messages.
#ifndef OPENFLE_NET_OPENSSL_ERROR_H_
#define OPENFLE_NET_OPENSSL_ERROR_H_

#include <string>

namespace openfle::net {

// The reason strings of every queued OpenSSL error, oldest first, joined by "; " (e.g.
// "bad decrypt"); "unknown OpenSSL error" if the queue is empty. Empties the queue, so that a stale
// error cannot be blamed on a later call.
std::string drain_openssl_errors();

}  // namespace openfle::net

#endif  // OPENFLE_NET_OPENSSL_ERROR_H_
