#include "kms/aws/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/try.h"
#include "crypto/hmac_sha512.h"
#include "kms/http_kms_request.h"
#include "kms/secret_text.h"

namespace openfle::kms::aws {
namespace {

using Digest = std::array<std::uint8_t, 32>;

ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 7230 section 3.2.6 token characters, which is what a header name may contain.
bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

void append_uri_encoded(std::string& out, std::string_view text, bool keep_slash) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (is_url_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes %XX escapes; a '%' not followed by two hex digits is kept as a literal '%'.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The canonical URI: the path with empty and dot segments removed (RFC 3986 section 5.2.4, plus
// the collapsing of repeated slashes AWS services expect), URI-encoded with '/' kept.
std::string canonical_uri(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized = !path.empty() && path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(segments[i]);
  }
  if (!path.empty() && path.back() == '/' && !segments.empty()) normalized.push_back('/');
  if (normalized.empty()) normalized = "/";
  std::string out;
  append_uri_encoded(out, normalized, /*keep_slash=*/true);
  return out;
}

// The canonical query string: every name=value pair decoded, re-encoded with the strict SigV4
// rule, and sorted by name then value (byte order).
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      std::string name;
      std::string value;
      append_uri_encoded(name, percent_decode(pair.substr(0, eq)), false);
      if (eq != std::string_view::npos) {
        append_uri_encoded(value, percent_decode(pair.substr(eq + 1)), false);
      }
      params.emplace_back(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

// Appends a header value with leading and trailing blanks removed and inner runs of blanks turned
// into one space (the spec's Trimall).
void append_trimmed(SecretTextBuilder& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = any;
      continue;
    }
    if (pending_space) out.append(" ");
    pending_space = false;
    out.append(std::string_view(&c, 1));
    any = true;
  }
}

struct SignedHeader {
  std::string lower_name;
  const SecretBytes* value;
};

// The headers to sign, sorted by lower-case name, keeping the order of repeated names.
std::vector<SignedHeader> headers_to_sign(const net::HttpRequest& request) {
  std::vector<SignedHeader> headers;
  for (const auto& header : request.headers) {
    // Connection is hop-by-hop and kms-message does not sign it; Authorization carries the
    // signature itself.
    if (ascii_iequals(header.name, "connection") || ascii_iequals(header.name, "authorization"))
      continue;
    headers.push_back(SignedHeader{to_lower(header.name), &header.value});
  }
  std::stable_sort(
      headers.begin(), headers.end(),
      [](const SignedHeader& a, const SignedHeader& b) { return a.lower_name < b.lower_name; });
  return headers;
}

std::string signed_header_list(const std::vector<SignedHeader>& headers) {
  std::string out;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].lower_name == headers[i - 1].lower_name) continue;
    if (!out.empty()) out.push_back(';');
    out += headers[i].lower_name;
  }
  return out;
}

bool valid_scope_part(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

bool valid_access_key_id(std::string_view text) {
  return !text.empty() && text.size() <= 128 && std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7F && c != '/' && c != ',' && c != '=';
  });
}

Result<std::string> amz_datetime(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(now);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  const int year = static_cast<int>(ymd.year());
  if (year < 1970 || year > 9999) {
    return fail(ErrorCode::kInvalidArgument, "SigV4 signing time is in year " +
                                                 std::to_string(year) +
                                                 "; expected a year from 1970 to 9999");
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", year,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return std::string(buf);
}

// HMAC-SHA-256 chain of the signing key (SigV4 "derive a signing key"); intermediate keys are
// wiped as soon as the next one is derived.
Digest derive_signing_key(const SecretBytes& secret, std::string_view date, std::string_view region,
                          std::string_view service) {
  SecretTextBuilder k_secret(secret.size() + 4);
  k_secret.append("AWS4").append(secret);
  Digest key = crypto::hmac_sha256(as_bytes(k_secret.view()), as_bytes(date));
  for (std::string_view part : {region, service, std::string_view("aws4_request")}) {
    Digest next = crypto::hmac_sha256(key, as_bytes(part));
    OPENSSL_cleanse(key.data(), key.size());
    key = next;
    OPENSSL_cleanse(next.data(), next.size());
  }
  return key;
}

}  // namespace

SecretBytes sigv4_canonical_request(const net::HttpRequest& request) {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  const std::vector<SignedHeader> headers = headers_to_sign(request);
  SecretTextBuilder canonical(512);
  canonical.append(request.method).append("\n");
  canonical.append(canonical_uri(path)).append("\n");
  canonical.append(canonical_query(query)).append("\n");
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const bool repeat = i > 0 && headers[i].lower_name == headers[i - 1].lower_name;
    if (repeat) {
      canonical.append(",");  // repeated headers: values joined with commas, in request order
    } else {
      if (i > 0) canonical.append("\n");
      canonical.append(headers[i].lower_name).append(":");
    }
    append_trimmed(canonical, headers[i].value->expose_text());
  }
  canonical.append("\n\n");
  canonical.append(signed_header_list(headers)).append("\n");
  canonical.append(hex_encode(crypto::sha256(request.body.expose())));
  return std::move(canonical).finish();
}

Status sign_sigv4(net::HttpRequest& request, const AwsCredentials& credentials,
                  std::string_view region, std::string_view service,
                  std::chrono::system_clock::time_point now) {
  if (!valid_scope_part(region)) {
    return fail(ErrorCode::kInvalidArgument,
                "AWS region '" + std::string(region.substr(0, 64)) +
                    "' is not valid; expected letters, digits and '-', like 'us-east-1'");
  }
  if (!valid_scope_part(service)) {
    return fail(ErrorCode::kInvalidArgument, "AWS service name for SigV4 is empty or malformed");
  }
  if (!valid_access_key_id(credentials.access_key_id.expose_text())) {
    return fail(ErrorCode::kInvalidArgument,
                "AWS accessKeyId is empty or has characters an access key id cannot have");
  }
  if (credentials.secret_access_key.empty()) {
    return fail(ErrorCode::kInvalidArgument, "AWS secretAccessKey is empty");
  }
  if (!credentials.session_token.empty()) {
    if (auto ok = check_bearer_token("AWS sessionToken", credentials.session_token); !ok) return ok;
  }
  for (const auto& header : request.headers) {
    if (!is_header_name(header.name)) {
      return fail(ErrorCode::kInvalidArgument,
                  "request header name '" + header.name.substr(0, 64) + "' is not a valid token");
    }
    OPENFLE_RETURN_IF_ERROR(
        check_header_value("request header " + header.name, header.value.expose_text()));
  }
  if (request.find_header("Host") == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "request to sign has no Host header; SigV4 signs it");
  }
  auto datetime = amz_datetime(now);
  if (!datetime) return fail(std::move(datetime).error());
  const std::string date = datetime->substr(0, 8);

  std::erase_if(request.headers, [](const net::HttpHeader& h) {
    return ascii_iequals(h.name, "Authorization") || ascii_iequals(h.name, "X-Amz-Date") ||
           ascii_iequals(h.name, "X-Amz-Security-Token");
  });
  request.add_header("X-Amz-Date", *datetime);
  if (!credentials.session_token.empty()) {
    request.headers.push_back(
        net::HttpHeader{"X-Amz-Security-Token", credentials.session_token.clone()});
  }

  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  const SecretBytes canonical = sigv4_canonical_request(request);
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + *datetime + "\n" + scope + "\n" +
                                     hex_encode(crypto::sha256(canonical.expose()));

  Digest signing_key = derive_signing_key(credentials.secret_access_key, date, region, service);
  Digest signature = crypto::hmac_sha256(signing_key, as_bytes(string_to_sign));
  OPENSSL_cleanse(signing_key.data(), signing_key.size());

  SecretTextBuilder authorization(256);
  authorization.append("AWS4-HMAC-SHA256 Credential=")
      .append(credentials.access_key_id)
      .append("/")
      .append(scope)
      .append(", SignedHeaders=")
      .append(signed_header_list(headers_to_sign(request)))
      .append(", Signature=")
      .append(hex_encode(signature));
  request.headers.push_back(net::HttpHeader{"Authorization", std::move(authorization).finish()});
  return {};
}

}  // namespace openfle::kms::aws
