// Pieces every HTTP KMS request builder shares: the Host header, URL-safe identifiers, header
// value checks and the common framing headers. No I/O.
#ifndef OPENFLE_KMS_HTTP_KMS_REQUEST_H_
#define OPENFLE_KMS_HTTP_KMS_REQUEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "net/http_message.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms {

// RFC 3986 section 2.3 unreserved characters: A-Z a-z 0-9 - . _ ~
[[nodiscard]] bool is_url_unreserved(char c) noexcept;

// Percent-encodes every byte but the unreserved characters (RFC 3986 section 2.1, upper-case hex).
[[nodiscard]] std::string percent_encode(std::string_view text);

// The Host header for `endpoint`: the host (IPv6 in brackets), plus ":port" only when the port is
// not `default_port`. Used the same way for every request to an endpoint, so that a signed Host
// (AWS) and the connection agree whichever operation is sent.
[[nodiscard]] std::string host_header_value(const net::Endpoint& endpoint,
                                            std::uint16_t default_port = 443);

// Checks an identifier that will be placed in a URL path segment (a key name, a project id...):
// 1 to 255 characters of [A-Za-z0-9._~-], and not "." or "..". Anything else could rewrite the
// path or inject header lines (MONGOCRYPT-960). The error names `field` and the offending
// character's position, not the value, which is untrusted and may be logged.
[[nodiscard]] Status check_url_identifier(std::string_view field, std::string_view value);

// The DNS domain of `host`: everything after its first label ("myvault.vault.azure.net" gives
// "vault.azure.net"), as libmongocrypt derives OAuth scopes. A host with no '.' is an error naming
// `field`.
[[nodiscard]] Result<std::string_view> parent_domain(std::string_view field, std::string_view host);

// Checks an endpoint before its host goes into a Host header or a URL: a non-empty host of
// letters, digits, '-', '.', '_' (or an IPv6 address) and a non-zero port. Endpoint::parse already
// ensures this; the check guards endpoints built field by field. The error names `field`.
[[nodiscard]] Status check_endpoint(std::string_view field, const net::Endpoint& endpoint);

// Checks a bearer token (from a token reply or from the caller) before it goes into an
// Authorization header: 1 to 64 KiB of visible ASCII, so it cannot break the header framing.
[[nodiscard]] Status check_bearer_token(std::string_view what, const SecretBytes& token);

// Checks a header value we did not write ourselves: printable ASCII, spaces and tabs only (no CR,
// LF or other control bytes). The error names `what`, never the value.
[[nodiscard]] Status check_header_value(std::string_view what, std::string_view value);

// Adds "Authorization: Bearer <token>" without copying the token out of secret memory.
void add_bearer_authorization(net::HttpRequest& request, const SecretBytes& token);

// Sets the body and adds the framing headers every KMS request carries: Host, Content-Length (when
// there is a body) and "Connection: close" (one request per connection, as libmongocrypt does).
void finish_request(net::HttpRequest& request, const net::Endpoint& endpoint, SecretBytes body,
                    std::uint16_t default_port = 443);

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_HTTP_KMS_REQUEST_H_
