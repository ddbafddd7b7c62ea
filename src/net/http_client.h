// Sending one HTTP/1.1 request and reading its response: the seam between the KMS providers
// (which build requests and parse replies as bytes, without I/O) and the network.
//
//   net::HttpClient http(tls_context);      // or a FakeHttpTransport in tests
//   OPENFLE_ASSIGN_OR_RETURN(net::HttpResponse reply,
//       http.send(endpoint, request, /*use_tls=*/true,
//       net::deadline_after(std::chrono::seconds(10))));
//
// One connection per request, closed afterwards (the request carries "Connection: close", as
// libmongocrypt's do); no redirects, no proxies, no compression.
#ifndef OPENFLE_NET_HTTP_CLIENT_H_
#define OPENFLE_NET_HTTP_CLIENT_H_

#include <cstddef>
#include <memory>

#include "net/deadline.h"
#include "net/http_message.h"
#include "net/tls_context.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::net {

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `request` to `endpoint` (over TLS if `use_tls`, else plain TCP) and returns the response,
  // whatever its status code: an HTTP error status is a response, not an Error. Errors are for
  // requests that got no usable response: kUnavailable (DNS, refused, reset, TLS failures),
  // kDeadlineExceeded, kMalformedData (an unparsable or oversized reply), kInvalidArgument (a
  // request that cannot be sent as given). Implementations are thread-safe.
  virtual Result<HttpResponse> send(const Endpoint& endpoint, const HttpRequest& request,
                                    bool use_tls, Deadline deadline) = 0;
};

struct HttpClientOptions {
  // Largest response body accepted (KMS replies are a few kilobytes).
  std::size_t max_body_bytes = 1024 * 1024;
  // Largest status line plus headers accepted.
  std::size_t max_header_bytes = 64 * 1024;
};

// The real transport, over net::connect(). Before sending it adds, when the request lacks them:
//   Host (the endpoint, with ":port" unless it is the scheme's default),
//   Content-Length (when there is a body, or for POST/PUT/PATCH),
//   Connection: close.
// It rejects a request whose method, target or headers could split the message (CR, LF, NUL,
// spaces in the target), a Content-Length that disagrees with the body, and Transfer-Encoding.
// The serialized request and all response bytes pass only through wiped buffers.
class HttpClient final : public HttpTransport {
 public:
  // `tls` serves requests with use_tls; null makes them fail with kFailedPrecondition (for a
  // client that only talks to plain-HTTP metadata endpoints).
  explicit HttpClient(std::shared_ptr<const TlsContext> tls, HttpClientOptions options = {});

  Result<HttpResponse> send(const Endpoint& endpoint, const HttpRequest& request, bool use_tls,
                            Deadline deadline) override;

 private:
  std::shared_ptr<const TlsContext> tls_;
  HttpClientOptions options_;
};

// The bytes HttpClient writes for `request` to `endpoint` (with the headers it adds), or why the
// request cannot be sent. Exposed for tests.
Result<SecretBytes> serialize_for_wire(const Endpoint& endpoint, const HttpRequest& request,
                                       bool use_tls);

}  // namespace openfle::net

#endif  // OPENFLE_NET_HTTP_CLIENT_H_
