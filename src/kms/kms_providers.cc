// KmsProviders: parsing the drivers' kmsProviders document into typed provider instances.
#include <string>

#include "bson/raw.h"
#include "common/encoding.h"
#include "common/try.h"
#include "kms/provider_factory.h"
#include "openfle/kms.h"

namespace openfle {

KmsProviders::KmsProviders() = default;
KmsProviders::KmsProviders(KmsProviders&&) noexcept = default;
KmsProviders& KmsProviders::operator=(KmsProviders&&) noexcept = default;
KmsProviders::~KmsProviders() = default;

Result<KmsProviders> KmsProviders::from_document(const Document& kms_providers, KmsOptions options) {
  KmsProviders out;
  out.options_ = std::move(options);
  bson::ElementReader reader(kms_providers.bytes());
  while (auto e = reader.next()) {
    OPENFLE_ASSIGN_OR_RETURN(auto id, KmsProviderId::parse(e->key));
    if (e->type != BsonType::kDocument) {
      return fail(ErrorCode::kInvalidArgument,
                  "kmsProviders." + std::string(e->key) + " must be a document");
    }
    OPENFLE_ASSIGN_OR_RETURN(auto settings, Document::from_bytes(e->value));
    auto provider = kms::make_provider(id, settings, out.options_);
    if (!provider) return fail(provider.error().with_context("kmsProviders." + std::string(e->key)));
    out.add(std::move(*provider));
  }
  if (reader.malformed()) return fail(ErrorCode::kMalformedData, "malformed kmsProviders document");
  OPENFLE_RETURN_IF_ERROR(kms::check_tls_options(out.options_.tls_options, out.ids()));
  return out;
}

Result<KmsProviders> KmsProviders::from_json(std::string_view json, KmsOptions options) {
  auto doc = Document::from_json(json);
  if (!doc) return fail(doc.error().with_context("kmsProviders"));
  return from_document(*doc, std::move(options));
}

void KmsProviders::add(std::shared_ptr<KmsProvider> provider) {
  std::string id = provider->id().to_string();
  providers_.insert_or_assign(std::move(id), std::move(provider));
}

Result<std::shared_ptr<KmsProvider>> KmsProviders::get(const KmsProviderId& id) const {
  auto it = providers_.find(id.to_string());
  if (it == providers_.end()) {
    std::string configured;
    for (const auto& [name, provider] : providers_) configured += (configured.empty() ? "" : ", ") + name;
    return fail(ErrorCode::kFailedPrecondition,
                "KMS provider '" + id.to_string() + "' is not configured (configured: " +
                    (configured.empty() ? "none" : configured) +
                    "); add it to kmsProviders (the --kms-providers file)");
  }
  return it->second;
}

std::vector<std::string> KmsProviders::ids() const {
  std::vector<std::string> out;
  for (const auto& [name, provider] : providers_) out.push_back(name);
  return out;
}

}  // namespace openfle
