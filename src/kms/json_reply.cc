#include "kms/json_reply.h"

#include <string>
#include <utility>

#include "common/encoding.h"
#include "kms/http_kms_error.h"

namespace openfle::kms {
namespace {

Error reply_error(std::string_view what, std::string message) {
  return Error(ErrorCode::kKmsError, std::string(what) + ": " + message);
}

Result<const ReplyJson*> required_member(const ReplyJson& object, std::string_view field,
                                         std::string_view what, ReplyJson::value_t type,
                                         std::string_view type_name) {
  const ReplyJson* value = find_member(object, field);
  if (value == nullptr) {
    return fail(reply_error(what, "missing the field '" + std::string(field) + "'"));
  }
  bool matches = value->type() == type;
  if (type == ReplyJson::value_t::number_integer) matches = value->is_number_integer();
  if (!matches) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' must be a " +
                                      std::string(type_name) + ", not a " +
                                      std::string(json_type_name(*value))));
  }
  return value;
}

}  // namespace

std::optional<ReplyJson> parse_json_object(std::string_view text) {
  try {
    ReplyJson parsed = ReplyJson::parse(text.begin(), text.end(), nullptr,
                                        /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
    return parsed;
  } catch (...) {
    // allow_exceptions=false covers syntax errors; this is for allocation failure and anything
    // else the library might still throw. Exceptions must not leave the KMS layer.
    return std::nullopt;
  }
}

Result<ReplyJson> parse_json_reply(std::string_view service, std::string_view what,
                                   const net::HttpResponse& response) {
  if (!is_http_success(response.status)) return fail(http_kms_error(service, response));
  if (response.body.size() > kMaxKmsReplyBodyBytes) {
    return fail(reply_error(what, "the body is " + std::to_string(response.body.size()) +
                                      " bytes; at most " + std::to_string(kMaxKmsReplyBodyBytes) +
                                      " are accepted"));
  }
  if (response.body.empty()) {
    return fail(reply_error(what, "HTTP " + std::to_string(response.status) +
                                      " with an empty body; expected a JSON object"));
  }
  auto parsed = parse_json_object(response.body.expose_text());
  if (!parsed) {
    return fail(reply_error(
        what, "the " + std::to_string(response.body.size()) + "-byte body is not a JSON object"));
  }
  return std::move(*parsed);
}

std::string_view json_type_name(const ReplyJson& value) noexcept {
  switch (value.type()) {
    case ReplyJson::value_t::null:
      return "null";
    case ReplyJson::value_t::object:
      return "object";
    case ReplyJson::value_t::array:
      return "array";
    case ReplyJson::value_t::string:
      return "string";
    case ReplyJson::value_t::boolean:
      return "boolean";
    case ReplyJson::value_t::number_integer:
    case ReplyJson::value_t::number_unsigned:
      return "integer";
    case ReplyJson::value_t::number_float:
      return "number with a fraction";
    case ReplyJson::value_t::binary:
      return "binary";
    case ReplyJson::value_t::discarded:
      return "discarded value";
  }
  return "unknown";
}

const ReplyJson* find_member(const ReplyJson& object, std::string_view field) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(field);
  return it == object.end() ? nullptr : &*it;
}

Result<std::string_view> required_string(const ReplyJson& object, std::string_view field,
                                         std::string_view what) {
  auto value = required_member(object, field, what, ReplyJson::value_t::string, "string");
  if (!value) return fail(std::move(value).error());
  const auto& text = (*value)->get_ref<const WipingString&>();
  return std::string_view(text.data(), text.size());
}

Result<std::int64_t> required_integer(const ReplyJson& object, std::string_view field,
                                      std::string_view what) {
  auto value = required_member(object, field, what, ReplyJson::value_t::number_integer, "integer");
  if (!value) return fail(std::move(value).error());
  if ((*value)->is_number_unsigned()) {
    const auto u = (*value)->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      return fail(reply_error(what, "the field '" + std::string(field) + "' is out of range"));
    }
    return static_cast<std::int64_t>(u);
  }
  return (*value)->get<std::int64_t>();
}

Result<Bytes> required_base64(const ReplyJson& object, std::string_view field,
                              std::string_view what) {
  auto text = required_string(object, field, what);
  if (!text) return fail(std::move(text).error());
  if (text->empty()) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' is empty"));
  }
  auto bytes = base64_decode(*text);
  if (!bytes) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' is not valid base64"));
  }
  if (bytes->empty()) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' decodes to no bytes"));
  }
  return std::move(*bytes);
}

Result<SecretBytes> required_base64_secret(const ReplyJson& object, std::string_view field,
                                           std::string_view what) {
  auto text = required_string(object, field, what);
  if (!text) return fail(std::move(text).error());
  if (text->empty()) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' is empty"));
  }
  auto bytes = base64_decode_secret(*text);
  if (!bytes) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' is not valid base64"));
  }
  if (bytes->empty()) {
    return fail(reply_error(what, "the field '" + std::string(field) + "' decodes to no bytes"));
  }
  return std::move(*bytes);
}

}  // namespace openfle::kms
