#include "net/http_client.h"

#include <openssl/crypto.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "net/connection.h"
#include "net/http_parser.h"
#include "net/wiped_buffer.h"

namespace openfle::net {
namespace {

bool is_tchar(char c) {  // RFC 9110 section 5.6.2
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// A value that cannot end the header early or smuggle another one in (RFC 9110 section 5.5).
bool is_safe_value(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\r' || u == '\n' || u == 0) return false;
  }
  return true;
}

bool is_safe_target(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

Result<SecretBytes> serialize_for_wire(const Endpoint& endpoint, const HttpRequest& request,
                                       bool use_tls) {
  if (!is_token(request.method)) {
    return fail(ErrorCode::kInvalidArgument, "HTTP method must be a token such as POST, got '" +
                                                 request.method.substr(0, 20) + "'");
  }
  if (!is_safe_target(request.target)) {
    return fail(ErrorCode::kInvalidArgument,
                "HTTP request target must start with '/' and contain no spaces or control "
                "characters");
  }
  bool has_host = false;
  bool has_length = false;
  bool has_connection = false;
  for (const auto& h : request.headers) {
    if (!is_token(h.name)) {
      return fail(ErrorCode::kInvalidArgument,
                  "HTTP header name '" + h.name.substr(0, 40) + "' is not a token");
    }
    if (!is_safe_value(h.value.expose_text())) {
      return fail(ErrorCode::kInvalidArgument,
                  "HTTP header '" + h.name + "' has a CR, LF or NUL in its value");
    }
    auto is = [&h](std::string_view name) {
      return h.name.size() == name.size() &&
             std::equal(name.begin(), name.end(), h.name.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
             });
    };
    if (is("Transfer-Encoding")) {
      return fail(ErrorCode::kInvalidArgument,
                  "HTTP requests are sent with a Content-Length, not a Transfer-Encoding");
    }
    if (is("Host")) has_host = true;
    if (is("Connection")) has_connection = true;
    if (is("Content-Length")) {
      has_length = true;
      std::string_view text = h.value.expose_text();
      std::size_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || value != request.body.size()) {
        return fail(ErrorCode::kInvalidArgument,
                    "the request's Content-Length header does not match its " +
                        std::to_string(request.body.size()) + "-byte body");
      }
    }
  }

  WipedBuffer out;
  out.reserve(256 + request.target.size() + request.body.size());
  out.append(request.method);
  out.append(" ");
  out.append(request.target);
  out.append(" HTTP/1.1\r\n");
  if (!has_host) {
    // RFC 9110 section 7.2: Host is the authority; the port is left out when it is the default.
    const bool default_port = endpoint.port == (use_tls ? 443 : 80);
    const bool v6 = endpoint.host.find(':') != std::string::npos;
    out.append("Host: ");
    out.append(v6 ? "[" + endpoint.host + "]" : endpoint.host);
    if (!default_port) out.append(":" + std::to_string(endpoint.port));
    out.append("\r\n");
  }
  for (const auto& h : request.headers) {
    out.append(h.name);
    out.append(": ");
    out.append(h.value.expose_text());
    out.append("\r\n");
  }
  const bool body_method =
      request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  if (!has_length && (!request.body.empty() || body_method)) {
    out.append("Content-Length: " + std::to_string(request.body.size()) + "\r\n");
  }
  if (!has_connection) out.append("Connection: close\r\n");
  out.append("\r\n");
  out.append(request.body.expose());
  return out.take_secret();
}

HttpClient::HttpClient(std::shared_ptr<const TlsContext> tls, HttpClientOptions options)
    : tls_(std::move(tls)), options_(options) {}

Result<HttpResponse> HttpClient::send(const Endpoint& endpoint, const HttpRequest& request,
                                      bool use_tls, Deadline deadline) {
  const std::string peer = endpoint.to_string();
  if (use_tls && !tls_) {
    return fail(ErrorCode::kFailedPrecondition,
                "HTTPS request to " + peer + " on an HTTP client built without a TLS context");
  }
  auto wire = serialize_for_wire(endpoint, request, use_tls);
  if (!wire) return fail(wire.error());

  ConnectOptions connect_options;
  connect_options.tls = use_tls ? tls_ : nullptr;
  connect_options.deadline = deadline;
  auto connection = connect(endpoint, connect_options);
  if (!connection) return fail(connection.error());
  if (auto s = (*connection)->write_all(wire->expose(), deadline); !s) {
    return fail(s.error().with_context(request.redacted_summary()));
  }

  HttpParseLimits limits;
  limits.max_body_bytes = options_.max_body_bytes;
  limits.max_header_bytes = options_.max_header_bytes;
  HttpResponseParser parser(limits, request.method == "HEAD");
  std::array<std::uint8_t, 16 * 1024> buffer;
  // The buffer holds reply bytes (keys, tokens): wipe it however this function returns.
  struct Wipe {
    std::array<std::uint8_t, 16 * 1024>& b;
    ~Wipe() { OPENSSL_cleanse(b.data(), b.size()); }
  } wipe{buffer};

  const std::string context = "HTTP response from " + peer;
  while (!parser.done()) {
    auto n = (*connection)->read_some(buffer, deadline);
    if (!n) return fail(n.error());
    if (*n == 0) {
      if (auto s = parser.finish(); !s) return fail(s.error().with_context(context));
      break;
    }
    auto used = parser.feed(std::span<const std::uint8_t>(buffer.data(), *n));
    if (!used) return fail(used.error().with_context(context));
  }
  return parser.take();
}

}  // namespace openfle::net
