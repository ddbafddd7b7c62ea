// A byte stream to a server: TCP, optionally wrapped in verified TLS. HTTPS (AWS, Azure, GCP),
// KMIP (TTLV over mutually authenticated TLS) and plain-HTTP metadata endpoints (IMDS) all use it.
//
//   OPENFLE_ASSIGN_OR_RETURN(auto conn, net::connect(endpoint, {.tls = tls, .deadline =
//   deadline})); OPENFLE_RETURN_IF_ERROR(conn->write_all(request, deadline));
//   OPENFLE_ASSIGN_OR_RETURN(std::size_t n, conn->read_some(buffer, deadline));  // 0 = closed
//
// Every call returns by its deadline (ErrorCode::kDeadlineExceeded). Failures are reported as
// kUnavailable with a message naming host:port and the cause: DNS failure, connection refused,
// TLS certificate verification ("TLS handshake with 127.0.0.1:9001 failed: certificate verify
// failed: hostname mismatch"), a server alert (e.g. a client certificate is required), reset.
// A Connection is used by one thread at a time; different connections are independent.
#ifndef OPENFLE_NET_CONNECTION_H_
#define OPENFLE_NET_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "net/deadline.h"
#include "net/http_message.h"
#include "net/tls_context.h"
#include "openfle/status.h"

namespace openfle::net {

class Connection {
 public:
  virtual ~Connection() = default;

  // Sends all of `bytes`, or fails.
  virtual Status write_all(std::span<const std::uint8_t> bytes, Deadline deadline) = 0;
  // Reads at least one and at most buffer.size() bytes; 0 means the server closed the stream
  // cleanly (for TLS: sent close_notify; a TLS stream cut without it is an error, since the data
  // could have been truncated by an attacker).
  virtual Result<std::size_t> read_some(std::span<std::uint8_t> buffer, Deadline deadline) = 0;
  // "host:port", for messages.
  [[nodiscard]] virtual const std::string& peer() const noexcept = 0;
};

struct ConnectOptions {
  // Null: plain TCP (only for metadata endpoints like IMDS). Otherwise TLS with this context: SNI
  // and certificate check against the endpoint's host (or IP address, for an IP literal).
  std::shared_ptr<const TlsContext> tls;
  // Bounds name resolution (see below), connecting and the TLS handshake together.
  // Default: 10 seconds after the options are made.
  Deadline deadline = deadline_after(std::chrono::seconds(10));
};

// Reads exactly buffer.size() bytes (e.g. a KMIP TTLV header, then its body). A stream that ends
// first is kUnavailable ("closed after N of M bytes").
Status read_exact(Connection& connection, std::span<std::uint8_t> buffer, Deadline deadline);

// Resolves the host (getaddrinfo; a blocking call that the deadline cannot interrupt, but it is
// checked after it), connects to each address in turn until one accepts, and performs the TLS
// handshake if options.tls is set.
Result<std::unique_ptr<Connection>> connect(const Endpoint& endpoint,
                                            const ConnectOptions& options);

}  // namespace openfle::net

#endif  // OPENFLE_NET_CONNECTION_H_
