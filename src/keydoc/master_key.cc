#include "openfle/master_key.h"

#include <string>
#include <vector>

#include "bson/access.h"
#include "bson/raw.h"
#include "common/try.h"

namespace openfle {
namespace {

// The fields of one masterKey document, read once, with unknown names rejected.
class FieldReader {
 public:
  FieldReader(const Document& doc, std::string provider) : provider_(std::move(provider)) {
    bson::ElementReader reader(doc.bytes());
    while (auto e = reader.next()) elements_.push_back(*e);
  }

  Status check_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& e : elements_) {
      bool ok = e.key == "provider";
      for (auto name : allowed) ok = ok || e.key == name;
      if (!ok) {
        return fail(ErrorCode::kInvalidArgument,
                    "unrecognized field '" + std::string(e.key) + "' in masterKey for provider '" +
                        provider_ + "'");
      }
    }
    return {};
  }

  Result<std::optional<std::string>> optional_string(std::string_view name) const {
    for (const auto& e : elements_) {
      if (e.key != name) continue;
      if (e.type != BsonType::kString) {
        return fail(ErrorCode::kInvalidArgument,
                    "masterKey field '" + std::string(name) + "' for provider '" + provider_ +
                        "' must be a string, got " + std::string(bson_type_name(e.type)));
      }
      return std::string(reinterpret_cast<const char*>(e.value.data()) + 4, e.value.size() - 5);
    }
    return std::optional<std::string>();
  }

  Result<std::string> required_string(std::string_view name) const {
    OPENFLE_ASSIGN_OR_RETURN(auto value, optional_string(name));
    if (!value) {
      return fail(ErrorCode::kInvalidArgument, "masterKey for provider '" + provider_ +
                                                   "' requires the field '" + std::string(name) + "'");
    }
    if (value->empty()) {
      return fail(ErrorCode::kInvalidArgument, "masterKey field '" + std::string(name) +
                                                   "' for provider '" + provider_ + "' is empty");
    }
    return std::move(*value);
  }

  Result<std::optional<bool>> optional_bool(std::string_view name) const {
    for (const auto& e : elements_) {
      if (e.key != name) continue;
      if (e.type != BsonType::kBool) {
        return fail(ErrorCode::kInvalidArgument,
                    "masterKey field '" + std::string(name) + "' for provider '" + provider_ +
                        "' must be a boolean, got " + std::string(bson_type_name(e.type)));
      }
      return std::optional<bool>(e.value[0] != 0);
    }
    return std::optional<bool>();
  }

 private:
  std::string provider_;
  std::vector<bson::Element> elements_;
};

Result<MasterKey::Fields> parse_fields(const KmsProviderId& id, const Document& doc) {
  FieldReader r(doc, id.to_string());
  switch (id.kind) {
    case KmsKind::kLocal:
      OPENFLE_RETURN_IF_ERROR(r.check_only({}));
      return LocalMasterKey{};
    case KmsKind::kAws: {
      OPENFLE_RETURN_IF_ERROR(r.check_only({"region", "key", "endpoint"}));
      AwsMasterKey mk;
      OPENFLE_ASSIGN_OR_RETURN(mk.region, r.required_string("region"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key, r.required_string("key"));
      OPENFLE_ASSIGN_OR_RETURN(mk.endpoint, r.optional_string("endpoint"));
      return mk;
    }
    case KmsKind::kAzure: {
      OPENFLE_RETURN_IF_ERROR(r.check_only({"keyVaultEndpoint", "keyName", "keyVersion"}));
      AzureMasterKey mk;
      OPENFLE_ASSIGN_OR_RETURN(mk.key_vault_endpoint, r.required_string("keyVaultEndpoint"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_name, r.required_string("keyName"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_version, r.optional_string("keyVersion"));
      return mk;
    }
    case KmsKind::kGcp: {
      OPENFLE_RETURN_IF_ERROR(r.check_only(
          {"projectId", "location", "keyRing", "keyName", "keyVersion", "endpoint"}));
      GcpMasterKey mk;
      OPENFLE_ASSIGN_OR_RETURN(mk.project_id, r.required_string("projectId"));
      OPENFLE_ASSIGN_OR_RETURN(mk.location, r.required_string("location"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_ring, r.required_string("keyRing"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_name, r.required_string("keyName"));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_version, r.optional_string("keyVersion"));
      OPENFLE_ASSIGN_OR_RETURN(mk.endpoint, r.optional_string("endpoint"));
      return mk;
    }
    case KmsKind::kKmip: {
      OPENFLE_RETURN_IF_ERROR(r.check_only({"keyId", "endpoint", "delegated"}));
      KmipMasterKey mk;
      OPENFLE_ASSIGN_OR_RETURN(mk.key_id, r.optional_string("keyId"));
      OPENFLE_ASSIGN_OR_RETURN(mk.endpoint, r.optional_string("endpoint"));
      OPENFLE_ASSIGN_OR_RETURN(mk.delegated, r.optional_bool("delegated"));
      return mk;
    }
  }
  return fail(ErrorCode::kInternal, "unknown KMS kind");
}

KmsKind kind_of(const MasterKey::Fields& fields) {
  return static_cast<KmsKind>(fields.index());
}

}  // namespace

std::string_view kms_kind_name(KmsKind kind) noexcept {
  switch (kind) {
    case KmsKind::kLocal: return "local";
    case KmsKind::kAws: return "aws";
    case KmsKind::kAzure: return "azure";
    case KmsKind::kGcp: return "gcp";
    case KmsKind::kKmip: return "kmip";
  }
  return "unknown";
}

Result<KmsProviderId> KmsProviderId::parse(std::string_view id) {
  auto colon = id.find(':');
  std::string_view kind_text = id.substr(0, colon);
  KmsProviderId parsed{KmsKind::kLocal, {}};
  bool known = false;
  for (KmsKind k : {KmsKind::kLocal, KmsKind::kAws, KmsKind::kAzure, KmsKind::kGcp, KmsKind::kKmip}) {
    if (kms_kind_name(k) == kind_text) {
      parsed.kind = k;
      known = true;
    }
  }
  if (!known) {
    return fail(ErrorCode::kInvalidArgument,
                "unrecognized KMS provider '" + std::string(id.substr(0, 100)) +
                    "': expected local, aws, azure, gcp or kmip, optionally named as "
                    "'<kind>:<name>'");
  }
  if (colon != std::string_view::npos) {
    std::string_view name = id.substr(colon + 1);
    bool ok = !name.empty();
    for (char c : name) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    }
    if (!ok) {
      return fail(ErrorCode::kInvalidArgument,
                  "invalid KMS provider name in '" + std::string(id.substr(0, 100)) +
                      "': a name after ':' must match [a-zA-Z0-9_]+");
    }
    parsed.name = std::string(name);
  }
  return parsed;
}

std::string KmsProviderId::to_string() const {
  std::string s(kms_kind_name(kind));
  if (!name.empty()) s += ":" + name;
  return s;
}

Result<MasterKey> MasterKey::make(KmsProviderId provider, Fields fields) {
  if (kind_of(fields) != provider.kind) {
    return fail(ErrorCode::kInvalidArgument,
                "masterKey fields are for provider kind '" +
                    std::string(kms_kind_name(kind_of(fields))) + "', not '" +
                    provider.to_string() + "'");
  }
  return MasterKey(std::move(provider), std::move(fields));
}

MasterKey MasterKey::local(std::string name) {
  return MasterKey(KmsProviderId{KmsKind::kLocal, std::move(name)}, LocalMasterKey{});
}

Result<MasterKey> MasterKey::from_document(const Document& doc) {
  auto provider = doc.get("provider");
  if (!provider) return fail(ErrorCode::kInvalidArgument, "masterKey requires the field 'provider'");
  if (provider->type() != BsonType::kString) {
    return fail(ErrorCode::kInvalidArgument, "masterKey field 'provider' must be a string");
  }
  OPENFLE_ASSIGN_OR_RETURN(auto id, KmsProviderId::parse(provider->string_value()));
  return from_document(id, doc);
}

Result<MasterKey> MasterKey::from_document(const KmsProviderId& provider, const Document& doc) {
  if (auto given = doc.get("provider");
      given && (given->type() != BsonType::kString || given->string_value() != provider.to_string())) {
    return fail(ErrorCode::kInvalidArgument,
                "masterKey field 'provider' does not match the provider '" + provider.to_string() + "'");
  }
  OPENFLE_ASSIGN_OR_RETURN(auto fields, parse_fields(provider, doc));
  return MasterKey(provider, std::move(fields));
}

Result<MasterKey> MasterKey::from_json(std::string_view json) {
  OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(json));
  return from_document(doc);
}

Document MasterKey::to_document() const {
  Document::Builder b;
  b.append("provider", Value::string(provider_.to_string()));
  auto put = [&b](std::string_view name, const std::optional<std::string>& v) {
    if (v) b.append(name, Value::string(*v));
  };
  switch (provider_.kind) {
    case KmsKind::kLocal:
      break;
    case KmsKind::kAws: {
      const auto& mk = std::get<AwsMasterKey>(fields_);
      b.append("region", Value::string(mk.region));
      b.append("key", Value::string(mk.key));
      put("endpoint", mk.endpoint);
      break;
    }
    case KmsKind::kAzure: {
      const auto& mk = std::get<AzureMasterKey>(fields_);
      b.append("keyVaultEndpoint", Value::string(mk.key_vault_endpoint));
      b.append("keyName", Value::string(mk.key_name));
      put("keyVersion", mk.key_version);
      break;
    }
    case KmsKind::kGcp: {
      const auto& mk = std::get<GcpMasterKey>(fields_);
      b.append("projectId", Value::string(mk.project_id));
      b.append("location", Value::string(mk.location));
      b.append("keyRing", Value::string(mk.key_ring));
      b.append("keyName", Value::string(mk.key_name));
      put("keyVersion", mk.key_version);
      put("endpoint", mk.endpoint);
      break;
    }
    case KmsKind::kKmip: {
      const auto& mk = std::get<KmipMasterKey>(fields_);
      put("keyId", mk.key_id);
      put("endpoint", mk.endpoint);
      if (mk.delegated) {
        b.append("delegated", ValueAccess::make(BsonType::kBool, Bytes{*mk.delegated ? std::uint8_t{1} : std::uint8_t{0}}));
      }
      break;
    }
  }
  return b.build();
}

}  // namespace openfle
