#include "kms/json_reply.h"

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

std::optional<ReplyJson> parse_json_object(std::string_view text, std::string* why) {
  // One set of keys per object being parsed, innermost last, to catch a repeated key.
  std::vector<std::set<WipingString, std::less<>>> open_objects;
  bool has_duplicate = false;
  WipingString duplicate_key;
  auto on_event = [&](int /*depth*/, nlohmann::detail::parse_event_t event, ReplyJson& parsed) {
    using Event = nlohmann::detail::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() && parsed.is_string() &&
               !has_duplicate) {
      const auto& key = parsed.get_ref<const WipingString&>();
      if (!open_objects.back().insert(key).second) {
        duplicate_key = key;
        has_duplicate = true;
      }
    }
    return true;
  };
  const auto reason = [why](std::string message) {
    if (why != nullptr) *why = std::move(message);
  };
  try {
    ReplyJson parsed = ReplyJson::parse(text.begin(), text.end(), on_event,
                                        /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      reason("is not valid JSON");
      return std::nullopt;
    }
    if (!parsed.is_object()) {
      reason("is JSON but not an object");
      return std::nullopt;
    }
    if (has_duplicate) {
      reason("has the key '" +
             sanitized_excerpt(std::string_view(duplicate_key.data(), duplicate_key.size()), 40) +
             "' twice in one object");
      return std::nullopt;
    }
    return parsed;
  } catch (...) {
    // allow_exceptions=false covers syntax errors; this is for allocation failure and anything
    // else the library might still throw. Exceptions must not leave the KMS layer.
    reason("could not be parsed");
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
  std::string why;
  auto parsed = parse_json_object(response.body.expose_text(), &why);
  if (!parsed) {
    return fail(reply_error(what, "the " + std::to_string(response.body.size()) + "-byte body " +
                                      why + "; expected a JSON object"));
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
