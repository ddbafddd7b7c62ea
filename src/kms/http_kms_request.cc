#include "kms/http_kms_request.h"

#include <cctype>
#include <utility>

#include "common/strings.h"
#include "kms/secret_text.h"

namespace openfle::kms {
namespace {

constexpr std::size_t kMaxIdentifierLength = 255;
constexpr std::size_t kMaxTokenLength = std::size_t{64} * 1024;

std::string describe_char(char c) {
  constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  std::string out = "0x";
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 15]);
  if (byte >= 0x21 && byte <= 0x7E) {
    out += " '";
    out.push_back(c);
    out += "'";
  }
  return out;
}

}  // namespace

bool is_url_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_url_unreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

std::string host_header_value(const net::Endpoint& endpoint, std::uint16_t default_port) {
  std::string host =
      endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  if (endpoint.port != default_port) host += ":" + std::to_string(endpoint.port);
  return host;
}

Status check_url_identifier(std::string_view field, std::string_view value) {
  const std::string name(field);
  if (value.empty()) return fail(ErrorCode::kInvalidArgument, name + " must not be empty");
  if (value.size() > kMaxIdentifierLength) {
    return fail(ErrorCode::kInvalidArgument,
                name + " is " + std::to_string(value.size()) + " characters long; at most " +
                    std::to_string(kMaxIdentifierLength) + " are allowed");
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!is_url_unreserved(value[i])) {
      return fail(ErrorCode::kInvalidArgument,
                  name + " has the character " + describe_char(value[i]) + " at position " +
                      std::to_string(i) + "; only A-Z a-z 0-9 . _ ~ - are allowed in a URL path");
    }
  }
  if (value == "." || value == "..") {
    return fail(ErrorCode::kInvalidArgument,
                name + " must not be '.' or '..', which would change the URL path");
  }
  return {};
}

Result<std::string_view> parent_domain(std::string_view field, std::string_view host) {
  const auto dot = host.find('.');
  if (dot == std::string_view::npos || dot + 1 >= host.size()) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(field) + " host '" + std::string(host.substr(0, 200)) +
                    "' has no domain after its first label; expected a name like "
                    "'myvault.vault.azure.net'");
  }
  return host.substr(dot + 1);
}

Status check_endpoint(std::string_view field, const net::Endpoint& endpoint) {
  const std::string name(field);
  if (endpoint.host.empty()) return fail(ErrorCode::kInvalidArgument, name + " has an empty host");
  if (endpoint.host.size() > 253 + 2) {
    return fail(ErrorCode::kInvalidArgument, name + " has a host longer than a DNS name can be");
  }
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  for (std::size_t i = 0; i < endpoint.host.size(); ++i) {
    const char c = endpoint.host[i];
    const bool ok =
        ipv6 ? (std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.')
             : (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
                c == '_');
    if (!ok) {
      return fail(ErrorCode::kInvalidArgument,
                  name + " host has the character " + describe_char(c) + " at position " +
                      std::to_string(i) + "; expected a DNS name or an IP address");
    }
  }
  if (endpoint.port == 0) return fail(ErrorCode::kInvalidArgument, name + " has port 0");
  return {};
}

Status check_header_value(std::string_view what, std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7F) {
      return fail(ErrorCode::kInvalidArgument,
                  std::string(what) + " has a control character (" + describe_char(value[i]) +
                      ") at position " + std::to_string(i) + "; it cannot go into an HTTP header");
    }
  }
  return {};
}

Status check_bearer_token(std::string_view what, const SecretBytes& token) {
  const std::string name(what);
  if (token.empty()) return fail(ErrorCode::kInvalidArgument, name + " is empty");
  if (token.size() > kMaxTokenLength) {
    return fail(ErrorCode::kInvalidArgument, name + " is longer than 64 KiB");
  }
  const std::string_view text = token.expose_text();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x21 || byte > 0x7E) {
      // Position only: the token itself is a credential.
      return fail(ErrorCode::kInvalidArgument,
                  name + " has a byte that is not visible ASCII at position " + std::to_string(i) +
                      "; it cannot go into an Authorization header");
    }
  }
  return {};
}

void add_bearer_authorization(net::HttpRequest& request, const SecretBytes& token) {
  SecretTextBuilder value(token.size() + 8);
  value.append("Bearer ").append(token);
  request.headers.push_back(net::HttpHeader{"Authorization", std::move(value).finish()});
}

void finish_request(net::HttpRequest& request, const net::Endpoint& endpoint, SecretBytes body,
                    std::uint16_t default_port) {
  request.add_header("Host", host_header_value(endpoint, default_port));
  if (!body.empty()) request.add_header("Content-Length", std::to_string(body.size()));
  request.add_header("Connection", "close");
  request.body = std::move(body);
}

}  // namespace openfle::kms
