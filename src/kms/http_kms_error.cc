#include "kms/http_kms_error.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "kms/json_reply.h"

namespace openfle::kms {
namespace {

constexpr std::size_t kMaxLabelChars = 100;
constexpr std::size_t kMaxMessageChars = 300;
constexpr std::size_t kMaxExcerptChars = 120;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Positions just after each case-insensitive occurrence of `needle` in `text`.
template <class F>
bool any_occurrence(std::string_view text, std::string_view needle, F&& after_match) {
  if (needle.empty() || text.size() < needle.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size() && match; ++j) {
      match = lower(text[i + j]) == lower(needle[j]);
    }
    if (match && after_match(text.substr(i + needle.size()))) return true;
  }
  return false;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

std::size_t run_length(std::string_view text, bool (*pred)(char)) {
  std::size_t n = 0;
  while (n < text.size() && pred(text[n])) ++n;
  return n;
}

std::string_view string_member(const ReplyJson& object, std::string_view field) {
  const ReplyJson* value = find_member(object, field);
  if (value == nullptr || !value->is_string()) return {};
  const auto& text = value->get_ref<const WipingString&>();
  return {text.data(), text.size()};
}

struct ErrorParts {
  std::string label;    // the machine-readable code: "AccessDeniedException", "invalid_client"...
  std::string message;  // the human-readable explanation
};

// Recognises the four error shapes listed in the header; nullopt when none matches.
std::optional<ErrorParts> extract_error(const ReplyJson& body) {
  ErrorParts parts;
  if (std::string_view type = string_member(body, "__type"); !type.empty()) {
    // AWS may qualify the type: "com.amazon.coral.service#UnrecognizedClientException".
    if (auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
    parts.label = std::string(type);
    std::string_view message = string_member(body, "message");
    if (message.empty()) message = string_member(body, "Message");
    parts.message = std::string(message);
    return parts;
  }
  if (const ReplyJson* error = find_member(body, "error"); error != nullptr) {
    if (error->is_object()) {
      // Azure: code is a string. GCP: code is the HTTP status and status the canonical name.
      std::string_view status = string_member(*error, "status");
      std::string_view code = string_member(*error, "code");
      if (!status.empty()) {
        parts.label = std::string(status);
      } else if (!code.empty()) {
        parts.label = std::string(code);
      } else if (const ReplyJson* number = find_member(*error, "code");
                 number != nullptr && number->is_number_integer()) {
        parts.label = "code " + std::to_string(number->get<std::int64_t>());
      }
      parts.message = std::string(string_member(*error, "message"));
      if (!parts.label.empty() || !parts.message.empty()) return parts;
    } else if (error->is_string()) {
      const auto& code = error->get_ref<const WipingString&>();
      parts.label = std::string(code.data(), code.size());
      parts.message = std::string(string_member(body, "error_description"));
      return parts;
    }
  }
  std::string_view message = string_member(body, "message");
  if (message.empty()) message = string_member(body, "Message");
  if (!message.empty()) {
    parts.message = std::string(message);
    return parts;
  }
  return std::nullopt;
}

}  // namespace

std::string sanitized_excerpt(std::string_view text, std::size_t max_chars) {
  std::string out;
  const std::size_t n = std::min(text.size(), max_chars);
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    out.push_back(byte >= 0x20 && byte <= 0x7E ? text[i] : '?');
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

bool looks_like_credential(std::string_view text) {
  auto hex_run = [](std::string_view rest) {
    return run_length(rest, [](char c) {
             return std::isxdigit(static_cast<unsigned char>(c)) != 0;
           }) >= 64;
  };
  auto long_token = [](std::string_view rest) { return run_length(rest, is_token_char) >= 20; };
  auto always = [](std::string_view) { return true; };
  // A JWT: base64url '{"' header, a long run, then the '.' before the claims.
  auto jwt = [](std::string_view rest) {
    const std::size_t n = run_length(rest, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
    return n >= 20 && n < rest.size() && rest[n] == '.';
  };
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    if (text.compare(i, 3, "eyJ") == 0 && jwt(text.substr(i + 3))) return true;
  }
  return any_occurrence(text, "bearer ", long_token) ||
         any_occurrence(text, "signature=", hex_run) ||
         any_occurrence(text, "credential=", always) ||
         any_occurrence(text, "x-amz-security-token", always) ||
         any_occurrence(text, "client_secret=", always) ||
         any_occurrence(text, "assertion=", always) ||
         any_occurrence(text, "\"access_token\"", always) ||
         any_occurrence(text, "\"plaintext\"", always);
}

Error http_kms_error(std::string_view service, const net::HttpResponse& response) {
  std::string message = std::string(service) + " returned HTTP " + std::to_string(response.status);
  const std::string_view body = response.body.expose_text();
  std::optional<ErrorParts> parts;
  std::optional<ReplyJson> json;
  if (!body.empty() && body.size() <= kMaxKmsReplyBodyBytes) json = parse_json_object(body);
  if (json) parts = extract_error(*json);

  const std::string reason = sanitized_excerpt(response.reason, 60);
  if (parts) {
    if (looks_like_credential(parts->label) || looks_like_credential(parts->message)) {
      message += ": the KMS's error message is withheld because it appears to contain a credential";
    } else {
      if (!parts->label.empty()) message += " " + sanitized_excerpt(parts->label, kMaxLabelChars);
      if (!parts->message.empty()) {
        message += ": " + sanitized_excerpt(parts->message, kMaxMessageChars);
      }
    }
  } else {
    if (!reason.empty()) message += " (" + reason + ")";
    if (body.empty()) {
      message += " with an empty body";
    } else if (json) {
      message +=
          " with a " + std::to_string(body.size()) + "-byte JSON body in no known error format";
    } else if (body.size() > kMaxKmsReplyBodyBytes || looks_like_credential(body)) {
      message += " with a " + std::to_string(body.size()) + "-byte body that is not JSON";
    } else {
      message += " with a " + std::to_string(body.size()) + "-byte body that is not JSON: '" +
                 sanitized_excerpt(body, kMaxExcerptChars) + "'";
    }
  }
  return Error(ErrorCode::kKmsError, std::move(message));
}

}  // namespace openfle::kms
