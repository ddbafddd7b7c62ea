#include "kms/provider_factory.h"

#include <string>

#include "bson/raw.h"
#include "common/encoding.h"
#include "common/try.h"

namespace openfle::kms {
namespace {

// {"key": Binary(96) | "<base64>"}
Result<std::shared_ptr<KmsProvider>> make_local(const KmsProviderId& id, const Document& settings) {
  std::optional<SecretBytes> key;
  bson::ElementReader reader(settings.bytes());
  while (auto e = reader.next()) {
    if (e->key != "key") {
      return fail(ErrorCode::kInvalidArgument,
                  "unrecognized field '" + std::string(e->key) + "' (a local provider takes only 'key')");
    }
    if (e->type == BsonType::kBinary) {
      key = SecretBytes::copy_of(e->value.subspan(5));
    } else if (e->type == BsonType::kString) {
      std::string_view text(reinterpret_cast<const char*>(e->value.data()) + 4, e->value.size() - 5);
      key = base64_decode_secret(text);
      if (!key) return fail(ErrorCode::kInvalidArgument, "'key' is not valid base64");
    } else {
      return fail(ErrorCode::kInvalidArgument, "'key' must be binary or a base64 string");
    }
  }
  if (!key) return fail(ErrorCode::kInvalidArgument, "a local provider requires 'key' (96 bytes)");
  return make_local_kms_provider(std::move(*key), id.name);
}

}  // namespace

Result<std::shared_ptr<KmsProvider>> make_provider(const KmsProviderId& id, const Document& settings,
                                                   const KmsOptions&) {
  switch (id.kind) {
    case KmsKind::kLocal:
      return make_local(id, settings);
    default:
      return fail(ErrorCode::kUnsupported,
                  "KMS provider kind '" + std::string(kms_kind_name(id.kind)) + "' is not supported yet");
  }
}

}  // namespace openfle::kms
