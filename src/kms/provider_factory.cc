// Parsing one kmsProviders entry (the drivers' shape) into a typed provider.
#include "kms/provider_factory.h"

#include <map>
#include <set>
#include <string>

#include "bson/raw.h"
#include "common/encoding.h"
#include "common/try.h"
#include "kms/aws/aws_provider.h"
#include "kms/azure/azure_provider.h"
#include "kms/azure/azure_kms_request.h"
#include "kms/gcp/gcp_oauth.h"
#include "kms/gcp/gcp_provider.h"
#include "kms/kmip/kmip_provider.h"
#include "net/tls_options.h"

namespace openfle::kms {
namespace {

// The fields of one kmsProviders entry. Values are read into SecretBytes (they are credentials);
// every field must be used, or the entry names the ones it did not expect.
class Settings {
 public:
  static Result<Settings> read(const Document& doc) {
    Settings s;
    bson::ElementReader reader(doc.bytes());
    while (auto e = reader.next()) {
      std::string key(e->key);
      if (e->type == BsonType::kString) {
        s.values_.emplace(key, Value{SecretBytes::copy_of(ByteView(e->value).subspan(4, e->value.size() - 5)), false});
      } else if (e->type == BsonType::kBinary) {
        s.values_.emplace(key, Value{SecretBytes::copy_of(e->value.subspan(5)), true});
      } else {
        return fail(ErrorCode::kInvalidArgument, "'" + key + "' must be a string, got " + std::string(bson_type_name(e->type)));
      }
    }
    return s;
  }

  [[nodiscard]] bool empty() const { return values_.empty(); }
  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }

  // A required string, or kInvalidArgument naming it.
  Result<SecretBytes> take(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) return fail(ErrorCode::kInvalidArgument, "'" + name + "' is required");
    if (it->second.binary) return fail(ErrorCode::kInvalidArgument, "'" + name + "' must be a string");
    SecretBytes v = std::move(it->second.bytes);
    values_.erase(it);
    return v;
  }
  Result<std::string> take_text(const std::string& name) {
    OPENFLE_ASSIGN_OR_RETURN(auto v, take(name));
    return std::string(v.expose_text());
  }
  // A string or binary value, for keys given either way.
  std::optional<std::pair<SecretBytes, bool>> take_any(const std::string& name) {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    std::pair<SecretBytes, bool> v{std::move(it->second.bytes), it->second.binary};
    values_.erase(it);
    return v;
  }
  Status finish(std::string_view kind) const {
    if (values_.empty()) return {};
    std::string names;
    for (const auto& [k, v] : values_) names += (names.empty() ? "'" : ", '") + k + "'";
    return fail(ErrorCode::kInvalidArgument, "unexpected field(s) " + names + " for a " + std::string(kind) + " provider");
  }

 private:
  struct Value {
    SecretBytes bytes;
    bool binary;
  };
  std::map<std::string, Value> values_;
};

Result<std::shared_ptr<KmsProvider>> make_local(const KmsProviderId& id, Settings s) {
  auto key = s.take_any("key");
  OPENFLE_RETURN_IF_ERROR(s.finish("local"));
  if (!key) return fail(ErrorCode::kInvalidArgument, "a local provider requires 'key' (96 bytes)");
  if (key->second) return make_local_kms_provider(std::move(key->first), id.name);
  auto decoded = base64_decode_secret(key->first.expose_text());
  if (!decoded) return fail(ErrorCode::kInvalidArgument, "'key' is not valid base64");
  return make_local_kms_provider(std::move(*decoded), id.name);
}

Status automatic_allowed(const KmsProviderId& id) {
  if (id.name.empty()) return {};
  return fail(ErrorCode::kInvalidArgument,
              "named provider '" + id.to_string() + "' needs credentials: automatic credentials ({}) are only for the "
              "unnamed '" + std::string(kms_kind_name(id.kind)) + "' provider");
}

Result<std::shared_ptr<KmsProvider>> make_aws(const KmsProviderId& id, Settings s, std::shared_ptr<const RemoteContext> ctx) {
  if (s.empty()) {
    OPENFLE_RETURN_IF_ERROR(automatic_allowed(id));
    return aws::make_aws_provider(id, aws::credential_chain(ctx), ctx);
  }
  aws::AwsCredentials creds;
  OPENFLE_ASSIGN_OR_RETURN(creds.access_key_id, s.take("accessKeyId"));
  OPENFLE_ASSIGN_OR_RETURN(creds.secret_access_key, s.take("secretAccessKey"));
  if (s.has("sessionToken")) {
    OPENFLE_ASSIGN_OR_RETURN(creds.session_token, s.take("sessionToken"));
  }
  OPENFLE_RETURN_IF_ERROR(s.finish("aws"));
  return aws::make_aws_provider(id, aws::static_credentials(std::move(creds)), std::move(ctx));
}

Result<std::shared_ptr<KmsProvider>> make_azure(const KmsProviderId& id, Settings s, std::shared_ptr<const RemoteContext> ctx) {
  if (s.empty()) {
    OPENFLE_RETURN_IF_ERROR(automatic_allowed(id));
    return azure::make_azure_provider(id, azure::ManagedIdentity{}, std::move(ctx));
  }
  if (s.has("accessToken")) {
    OPENFLE_ASSIGN_OR_RETURN(auto token, s.take("accessToken"));
    OPENFLE_RETURN_IF_ERROR(s.finish("azure (with accessToken)"));
    return azure::make_azure_provider(id, azure::StaticToken{std::move(token)}, std::move(ctx));
  }
  azure::ClientCredentials client;
  OPENFLE_ASSIGN_OR_RETURN(client.tenant_id, s.take_text("tenantId"));
  OPENFLE_ASSIGN_OR_RETURN(client.client_id, s.take_text("clientId"));
  OPENFLE_ASSIGN_OR_RETURN(client.client_secret, s.take("clientSecret"));
  client.identity_endpoint = azure::azure_default_identity_endpoint();
  if (s.has("identityPlatformEndpoint")) {
    OPENFLE_ASSIGN_OR_RETURN(auto text, s.take_text("identityPlatformEndpoint"));
    auto e = net::Endpoint::parse(text, 443);
    if (!e) return fail(e.error().with_context("identityPlatformEndpoint"));
    client.identity_endpoint = *e;
  }
  OPENFLE_RETURN_IF_ERROR(s.finish("azure"));
  return azure::make_azure_provider(id, std::move(client), std::move(ctx));
}

Result<std::shared_ptr<KmsProvider>> make_gcp(const KmsProviderId& id, Settings s, std::shared_ptr<const RemoteContext> ctx) {
  if (s.empty()) {
    OPENFLE_RETURN_IF_ERROR(automatic_allowed(id));
    return gcp::make_gcp_provider(id, gcp::MetadataServer{}, std::move(ctx));
  }
  if (s.has("accessToken")) {
    OPENFLE_ASSIGN_OR_RETURN(auto token, s.take("accessToken"));
    OPENFLE_RETURN_IF_ERROR(s.finish("gcp (with accessToken)"));
    return gcp::make_gcp_provider(id, gcp::StaticToken{std::move(token)}, std::move(ctx));
  }
  gcp::ServiceAccount account;
  OPENFLE_ASSIGN_OR_RETURN(account.email, s.take_text("email"));
  auto key = s.take_any("privateKey");
  if (!key) return fail(ErrorCode::kInvalidArgument, "'privateKey' is required (base64 DER, PEM, or binary DER)");
  auto parsed = gcp::GcpServiceAccountKey::parse(key->first);
  if (!parsed) return fail(parsed.error().with_context("privateKey"));
  account.private_key = std::make_shared<const gcp::GcpServiceAccountKey>(std::move(*parsed));
  account.auth_endpoint = gcp::gcp_default_auth_endpoint();
  if (s.has("endpoint")) {
    OPENFLE_ASSIGN_OR_RETURN(auto text, s.take_text("endpoint"));
    auto e = net::Endpoint::parse(text, 443);
    if (!e) return fail(e.error().with_context("endpoint"));
    account.auth_endpoint = *e;
  }
  OPENFLE_RETURN_IF_ERROR(s.finish("gcp"));
  return gcp::make_gcp_provider(id, std::move(account), std::move(ctx));
}

Result<std::shared_ptr<KmsProvider>> make_kmip(const KmsProviderId& id, Settings s, std::shared_ptr<const RemoteContext> ctx) {
  std::optional<net::Endpoint> endpoint;
  if (s.has("endpoint")) {
    OPENFLE_ASSIGN_OR_RETURN(auto text, s.take_text("endpoint"));
    auto e = net::Endpoint::parse(text, 5696);
    if (!e) return fail(e.error().with_context("endpoint"));
    endpoint = *e;
  }
  OPENFLE_RETURN_IF_ERROR(s.finish("kmip"));
  return kmip::make_kmip_provider(id, std::move(endpoint), std::move(ctx));
}

// The TLS settings for one provider: its entry of tlsOptions, or the system's CA store.
Result<std::shared_ptr<const net::TlsContext>> tls_for(const KmsProviderId& id, const KmsOptions& options) {
  std::optional<Document> mine;
  bson::ElementReader reader(options.tls_options.bytes());
  while (auto e = reader.next()) {
    if (e->key != id.to_string()) continue;
    if (e->type != BsonType::kDocument) {
      return fail(ErrorCode::kInvalidArgument, "tlsOptions." + id.to_string() + " must be a document");
    }
    OPENFLE_ASSIGN_OR_RETURN(mine, Document::from_bytes(e->value));
  }
  net::TlsOptions tls;
  if (mine) {
    auto parsed = net::parse_tls_options(*mine, id.to_string());
    if (!parsed) return fail(parsed.error());
    tls = std::move(*parsed);
  }
  auto context = net::TlsContext::create(tls);
  if (!context) return fail(context.error().with_context("TLS settings for KMS provider '" + id.to_string() + "'"));
  return context;
}

}  // namespace

Result<std::shared_ptr<KmsProvider>> make_provider(const KmsProviderId& id, const Document& settings,
                                                   const KmsOptions& options) {
  OPENFLE_ASSIGN_OR_RETURN(auto fields, Settings::read(settings));
  if (id.kind == KmsKind::kLocal) return make_local(id, std::move(fields));
  auto ctx = std::make_shared<RemoteContext>();
  OPENFLE_ASSIGN_OR_RETURN(ctx->tls, tls_for(id, options));
  ctx->http = std::make_shared<net::HttpClient>(ctx->tls);
  ctx->retry.max_attempts = std::max(1, options.max_attempts);
  ctx->timeout = options.timeout;
  ctx->options = options;
  ctx->options.tls_options = Document();  // parsed above; do not keep a second copy of any password
  switch (id.kind) {
    case KmsKind::kAws: return make_aws(id, std::move(fields), std::move(ctx));
    case KmsKind::kAzure: return make_azure(id, std::move(fields), std::move(ctx));
    case KmsKind::kGcp: return make_gcp(id, std::move(fields), std::move(ctx));
    case KmsKind::kKmip: return make_kmip(id, std::move(fields), std::move(ctx));
    case KmsKind::kLocal: break;
  }
  return fail(ErrorCode::kInternal, "unknown KMS provider kind");
}

Status check_tls_options(const Document& tls_options, const std::vector<std::string>&) {
  // Entries for providers this configuration does not use are allowed (one tlsOptions file can
  // serve several configurations), but each must name a possible provider.
  bson::ElementReader reader(tls_options.bytes());
  while (auto e = reader.next()) {
    auto id = KmsProviderId::parse(e->key);
    if (!id) return fail(id.error().with_context("tlsOptions"));
  }
  return {};
}

}  // namespace openfle::kms
