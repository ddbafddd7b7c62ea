#include "net/http_message.h"

#include <cctype>
#include <charconv>
#include <cstring>

#include "common/strings.h"

namespace openfle::net {
namespace {

const HttpHeader* find_in(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (ascii_iequals(h.name, name)) return &h;
  }
  return nullptr;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

Result<Endpoint> Endpoint::parse(std::string_view text, std::uint16_t default_port) {
  const std::string shown(text.substr(0, 200));
  if (text.empty()) return fail(ErrorCode::kInvalidArgument, "empty endpoint: expected host[:port]");
  if (text.find("://") != std::string_view::npos || text.find('/') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "endpoint '" + shown +
                    "' must be host[:port] without a scheme or path, e.g. 'kms.example.com:443'");
  }
  Endpoint endpoint;
  endpoint.port = default_port;
  std::string_view host = text;
  std::string_view port;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, "endpoint '" + shown + "' has an unclosed '['");
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return fail(ErrorCode::kInvalidArgument, "endpoint '" + shown + "': expected ':' after ']'");
      }
      port = rest.substr(1);
    }
    for (char c : host) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return fail(ErrorCode::kInvalidArgument, "endpoint '" + shown + "' has a bad IPv6 address");
      }
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    for (char c : host) {
      if (!valid_host_char(c)) {
        return fail(ErrorCode::kInvalidArgument,
                    "endpoint '" + shown + "' has a character not allowed in a host name");
      }
    }
  }
  if (host.empty()) return fail(ErrorCode::kInvalidArgument, "endpoint '" + shown + "' has no host");
  if (text.front() != '[' && text.rfind(':') != std::string_view::npos && port.empty()) {
    return fail(ErrorCode::kInvalidArgument, "endpoint '" + shown + "' has an empty port");
  }
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return fail(ErrorCode::kInvalidArgument,
                  "endpoint '" + shown + "' has an invalid port: expected 1-65535");
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  endpoint.host = std::string(host);
  return endpoint;
}

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

void HttpRequest::add_header(std::string name, std::string_view value) {
  headers.push_back(HttpHeader{std::move(name), SecretBytes::copy_of(value)});
}

const HttpHeader* HttpRequest::find_header(std::string_view name) const {
  return find_in(headers, name);
}

const HttpHeader* HttpResponse::find_header(std::string_view name) const {
  return find_in(headers, name);
}

SecretBytes HttpRequest::serialize() const {
  std::size_t size = method.size() + 1 + target.size() + 11 + 2;
  for (const auto& h : headers) size += h.name.size() + 2 + h.value.size() + 2;
  size += body.size();
  SecretBytes out(size);
  auto* p = out.expose_mutable().data();
  auto put = [&p](std::string_view s) {
    if (s.empty()) return;  // an empty body's data() is null, which memcpy must not get
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(method);
  put(" ");
  put(target);
  put(" HTTP/1.1\r\n");
  for (const auto& h : headers) {
    put(h.name);
    put(": ");
    put(h.value.expose_text());
    put("\r\n");
  }
  put("\r\n");
  put(body.expose_text());
  return out;
}

std::string HttpRequest::redacted_summary() const {
  std::string path = target.substr(0, target.find('?'));
  return method + " " + path + " (" + std::to_string(headers.size()) + " headers, " +
         std::to_string(body.size()) + "-byte body)";
}

}  // namespace openfle::net
