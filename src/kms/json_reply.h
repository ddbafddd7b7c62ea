// Reading KMS JSON replies: untrusted input, parsed once, with typed accessors.
//
// Replies are parsed with nlohmann::json, without exceptions, into a document whose strings and
// nodes are freed through WipingAllocator (a decrypt reply carries the data key, a token reply a
// bearer token). Unknown fields are ignored, since providers add fields over time (SERVER-44721);
// the fields we read must have the type we expect, or the accessor says which field and which type.
//
// One residue we cannot control: nlohmann's lexer keeps its own std::vector<char> copy of the token
// being scanned (for error messages), and frees it without wiping.
#ifndef OPENFLE_KMS_JSON_REPLY_H_
#define OPENFLE_KMS_JSON_REPLY_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/wiping_allocator.h"
#include "net/http_message.h"
#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::kms {

using ReplyJson = nlohmann::basic_json<std::map, std::vector, WipingString, bool, std::int64_t,
                                       std::uint64_t, double, WipingAllocator>;

// Parses `text` as a JSON object; nullopt when it is not valid JSON, not an object, or has an
// object with the same key twice (parsers disagree on which copy wins: libbson, which libmongocrypt
// uses, takes the first; so a reply that could be read two ways is refused). When `why` is given it
// receives the reason, printable ASCII. Never throws.
[[nodiscard]] std::optional<ReplyJson> parse_json_object(std::string_view text,
                                                         std::string* why = nullptr);

// The JSON object of a successful reply. A non-2xx status gives http_kms_error(service, ...); a
// body over kMaxKmsReplyBodyBytes, one that is not JSON, or one that is not an object gives a
// kKmsError naming `what` (e.g. "AWS KMS Encrypt reply").
[[nodiscard]] Result<ReplyJson> parse_json_reply(std::string_view service, std::string_view what,
                                                 const net::HttpResponse& response);

// "string", "number", "object"... for messages.
[[nodiscard]] std::string_view json_type_name(const ReplyJson& value) noexcept;

// The member `field` of `object`, or nullptr when absent.
[[nodiscard]] const ReplyJson* find_member(const ReplyJson& object, std::string_view field);

// A required string member. The view points into `object`.
[[nodiscard]] Result<std::string_view> required_string(const ReplyJson& object,
                                                       std::string_view field,
                                                       std::string_view what);
// A required integer member (a JSON number with no fraction or exponent).
[[nodiscard]] Result<std::int64_t> required_integer(const ReplyJson& object, std::string_view field,
                                                    std::string_view what);
// A required, non-empty, base64 (standard or URL alphabet) string member, decoded.
[[nodiscard]] Result<Bytes> required_base64(const ReplyJson& object, std::string_view field,
                                            std::string_view what);
// The same, decoded straight into secret memory (for data keys).
[[nodiscard]] Result<SecretBytes> required_base64_secret(const ReplyJson& object,
                                                         std::string_view field,
                                                         std::string_view what);

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_JSON_REPLY_H_
