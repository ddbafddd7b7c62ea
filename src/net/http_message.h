// HTTP/1.1 messages as the KMS layer builds and parses them (no I/O here).
//
// KMS requests and replies carry secrets: data keys in AWS Encrypt bodies and Decrypt replies,
// client secrets in OAuth forms, bearer tokens in headers. So header values and bodies are
// SecretBytes, and a message can be logged only through redacted_summary().
#ifndef OPENFLE_NET_HTTP_MESSAGE_H_
#define OPENFLE_NET_HTTP_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::net {

// host[:port] as MongoDB's kmsProviders and masterKey "endpoint" fields give it.
struct Endpoint {
  std::string host;
  std::uint16_t port = 443;

  // Parses "host", "host:port", "[v6addr]:port"; a scheme or path is an error that says so.
  static Result<Endpoint> parse(std::string_view text, std::uint16_t default_port);
  // "host:port".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct HttpHeader {
  std::string name;
  SecretBytes value;
};

struct HttpRequest {
  std::string method = "POST";
  std::string target = "/";  // path and query, already percent-encoded
  std::vector<HttpHeader> headers;
  SecretBytes body;

  // Adds (does not replace) a header.
  void add_header(std::string name, std::string_view value);
  // The first header with this name (case-insensitive), or nullptr.
  [[nodiscard]] const HttpHeader* find_header(std::string_view name) const;
  // The wire form: request line, headers, blank line, body.
  [[nodiscard]] SecretBytes serialize() const;
  // "POST /keys/k/wrapkey (3 headers, 120-byte body)": safe to log.
  [[nodiscard]] std::string redacted_summary() const;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<HttpHeader> headers;
  SecretBytes body;

  [[nodiscard]] const HttpHeader* find_header(std::string_view name) const;
};

}  // namespace openfle::net

#endif  // OPENFLE_NET_HTTP_MESSAGE_H_
