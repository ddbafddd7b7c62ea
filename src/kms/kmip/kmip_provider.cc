#include "kms/kmip/kmip_provider.h"

#include <map>
#include <mutex>

#include "common/try.h"
#include "crypto/fle1_aead.h"
#include "kms/kmip/messages.h"
#include "kms/kmip/ttlv.h"
#include "net/connection.h"

namespace openfle::kms::kmip {
namespace {

constexpr std::uint16_t kKmipPort = 5696;
// How long a fetched default-mode master key is kept in memory, so that unwrapping many data keys
// does not Get it once per key.
constexpr auto kMasterKeyCacheTtl = std::chrono::seconds(60);

// One TLS connection to the server, for a short sequence of requests (Register, Activate, Get).
class Session {
 public:
  static Result<Session> open(const RemoteContext& ctx, const net::Endpoint& endpoint) {
    net::ConnectOptions options;
    options.tls = ctx.tls;
    options.deadline = net::deadline_after(ctx.timeout);
    auto connection = net::connect(endpoint, options);
    if (!connection) return fail(connection.error().with_context("KMIP server at " + endpoint.to_string()));
    return Session(std::move(*connection), endpoint, ctx.timeout);
  }

  // Sends one request and returns the whole response message, in secret memory (Get and Decrypt
  // replies carry keys).
  Result<SecretBytes> call(ByteView request) {
    auto deadline = net::deadline_after(timeout_);
    auto where = [&](const Error& e) { return fail(e.with_context("KMIP server at " + endpoint_.to_string())); };
    if (auto ok = connection_->write_all(request, deadline); !ok) return where(ok.error());
    std::uint8_t header[8];
    if (auto ok = net::read_exact(*connection_, header, deadline); !ok) return where(ok.error());
    auto length = kmip_message_length(ByteView(header, 8));
    if (!length) {
      return fail(ErrorCode::kKmsError, "KMIP server at " + endpoint_.to_string() +
                                            " sent a reply that is not a KMIP message (or is larger than 16 MiB)");
    }
    SecretBytes reply(*length);
    std::copy(header, header + 8, reply.expose_mutable().begin());
    if (auto ok = net::read_exact(*connection_, reply.expose_mutable().subspan(8), deadline); !ok) return where(ok.error());
    return reply;
  }

 private:
  Session(std::unique_ptr<net::Connection> c, net::Endpoint e, std::chrono::milliseconds t)
      : connection_(std::move(c)), endpoint_(std::move(e)), timeout_(t) {}
  std::unique_ptr<net::Connection> connection_;
  net::Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

class KmipKmsProvider final : public KmsProvider {
 public:
  KmipKmsProvider(KmsProviderId id, std::optional<net::Endpoint> endpoint, std::shared_ptr<const RemoteContext> ctx)
      : id_(std::move(id)), endpoint_(std::move(endpoint)), ctx_(std::move(ctx)) {}

  const KmsProviderId& id() const noexcept override { return id_; }

  Result<WrappedKey> wrap(const MasterKey& master_key, const SecretBytes& data_key) override {
    KmipMasterKey mk = std::get<KmipMasterKey>(master_key.fields());
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, endpoint_for(mk));
    OPENFLE_ASSIGN_OR_RETURN(auto session, Session::open(*ctx_, endpoint));
    if (mk.delegated.value_or(false)) {
      if (!mk.key_id) {
        // Create and Activate are not idempotent: never retried (a retry could leave two keys).
        OPENFLE_ASSIGN_OR_RETURN(auto created, session.call(build_create_request()));
        OPENFLE_ASSIGN_OR_RETURN(mk.key_id, parse_create_response(created.expose()));
        OPENFLE_RETURN_IF_ERROR(activate(session, *mk.key_id));
      }
      OPENFLE_ASSIGN_OR_RETURN(auto request, build_encrypt_request(*mk.key_id, data_key));
      OPENFLE_ASSIGN_OR_RETURN(auto reply, session.call(request.expose()));
      OPENFLE_ASSIGN_OR_RETURN(auto encrypted, parse_encrypt_response(reply.expose()));
      Bytes material = std::move(encrypted.iv);
      material.insert(material.end(), encrypted.data.begin(), encrypted.data.end());
      OPENFLE_ASSIGN_OR_RETURN(auto completed, MasterKey::make(master_key.provider(), mk));
      return WrappedKey{std::move(material), std::move(completed)};
    }
    if (!mk.key_id) {
      SecretBytes secret = SecretBytes::random(crypto::kFle1KeySize);
      OPENFLE_ASSIGN_OR_RETURN(auto request, build_register_request(secret));
      OPENFLE_ASSIGN_OR_RETURN(auto registered, session.call(request.expose()));
      OPENFLE_ASSIGN_OR_RETURN(mk.key_id, parse_register_response(registered.expose()));
      OPENFLE_RETURN_IF_ERROR(activate(session, *mk.key_id));
    }
    OPENFLE_ASSIGN_OR_RETURN(auto kek, master_key_for(session, *mk.key_id));
    crypto::AesCbcContext aes;
    Bytes material;
    OPENFLE_RETURN_IF_ERROR(kek->encrypt(aes, {}, data_key.expose(), crypto::IvMode::kRandom, material));
    OPENFLE_ASSIGN_OR_RETURN(auto completed, MasterKey::make(master_key.provider(), mk));
    return WrappedKey{std::move(material), std::move(completed)};
  }

  Result<SecretBytes> unwrap(const MasterKey& master_key, ByteView key_material) override {
    const auto& mk = std::get<KmipMasterKey>(master_key.fields());
    if (!mk.key_id) return fail(ErrorCode::kInvalidArgument, "a KMIP masterKey in a key document needs a keyId");
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, endpoint_for(mk));
    if (mk.delegated.value_or(false)) {
      if (key_material.size() < 32) {
        return fail(ErrorCode::kMalformedData, "delegated KMIP keyMaterial is shorter than an IV and one block");
      }
      OPENFLE_ASSIGN_OR_RETURN(auto request, build_decrypt_request(*mk.key_id, key_material.subspan(16), key_material.first(16)));
      OPENFLE_ASSIGN_OR_RETURN(auto reply, with_retry(endpoint, [&](Session& s) { return s.call(request); }));
      return parse_decrypt_response(reply.expose());
    }
    std::shared_ptr<const crypto::Fle1Key> kek = cached(*mk.key_id);
    if (!kek) {
      OPENFLE_ASSIGN_OR_RETURN(kek, with_retry_kek(endpoint, *mk.key_id));
    }
    crypto::AesCbcContext aes;
    auto dek = kek->decrypt_secret(aes, {}, key_material);
    if (!dek) {
      return fail(dek.error().with_context("cannot unwrap with KMIP master key " + *mk.key_id));
    }
    if (dek->size() != crypto::kFle1KeySize) return fail(ErrorCode::kMalformedData, "unwrapped data key is not 96 bytes");
    return dek;
  }

 private:
  Result<net::Endpoint> endpoint_for(const KmipMasterKey& mk) const {
    if (mk.endpoint) {
      auto e = net::Endpoint::parse(*mk.endpoint, kKmipPort);
      if (!e) return fail(e.error().with_context("masterKey.endpoint"));
      return e;
    }
    if (endpoint_) return *endpoint_;
    return fail(ErrorCode::kInvalidArgument, "KMS provider '" + id_.to_string() +
                                                 "' has no endpoint: set kmsProviders." + id_.to_string() +
                                                 ".endpoint or masterKey.endpoint (host[:port])");
  }

  static Status activate(Session& session, const std::string& uid) {
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_activate_request(uid));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, session.call(request));
    return parse_activate_response(reply.expose(), uid);
  }

  std::shared_ptr<const crypto::Fle1Key> cached(const std::string& uid) {
    std::lock_guard lock(mu_);
    auto it = keks_.find(uid);
    if (it == keks_.end() || std::chrono::steady_clock::now() > it->second.expires) return nullptr;
    return it->second.key;
  }

  Result<std::shared_ptr<const crypto::Fle1Key>> master_key_for(Session& session, const std::string& uid) {
    if (auto hit = cached(uid)) return hit;
    OPENFLE_ASSIGN_OR_RETURN(auto request, build_get_request(uid));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, session.call(request));
    OPENFLE_ASSIGN_OR_RETURN(auto secret, parse_get_response(reply.expose()));
    OPENFLE_ASSIGN_OR_RETURN(auto key, crypto::Fle1Key::create(secret));
    auto shared = std::make_shared<const crypto::Fle1Key>(std::move(key));
    std::lock_guard lock(mu_);
    for (auto it = keks_.begin(); it != keks_.end();) {
      it = std::chrono::steady_clock::now() > it->second.expires ? keks_.erase(it) : std::next(it);
    }
    keks_.insert_or_assign(uid, Cached{shared, std::chrono::steady_clock::now() + kMasterKeyCacheTtl});
    return shared;
  }

  // Get and Decrypt are idempotent: retried on network errors, each time on a new connection.
  template <class Call>
  auto with_retry(const net::Endpoint& endpoint, Call call) -> decltype(call(std::declval<Session&>())) {
    decltype(call(std::declval<Session&>())) last = fail(ErrorCode::kInternal, "not attempted");
    for (int attempt = 1; attempt <= std::max(1, ctx_->retry.max_attempts); ++attempt) {
      auto session = Session::open(*ctx_, endpoint);
      last = session ? call(*session) : decltype(last)(fail(session.error()));
      if (last || !net::is_retryable_error(last.error())) return last;
      if (attempt < ctx_->retry.max_attempts) std::this_thread::sleep_for(ctx_->retry.backoff_ceiling(attempt) / 2);
    }
    return last;
  }

  Result<std::shared_ptr<const crypto::Fle1Key>> with_retry_kek(const net::Endpoint& endpoint, const std::string& uid) {
    return with_retry(endpoint, [&](Session& s) { return master_key_for(s, uid); });
  }

  struct Cached {
    std::shared_ptr<const crypto::Fle1Key> key;
    std::chrono::steady_clock::time_point expires;
  };

  KmsProviderId id_;
  std::optional<net::Endpoint> endpoint_;
  std::shared_ptr<const RemoteContext> ctx_;
  std::mutex mu_;
  std::map<std::string, Cached> keks_;
};

}  // namespace

std::shared_ptr<KmsProvider> make_kmip_provider(KmsProviderId id, std::optional<net::Endpoint> endpoint,
                                                std::shared_ptr<const RemoteContext> ctx) {
  return std::make_shared<KmipKmsProvider>(std::move(id), std::move(endpoint), std::move(ctx));
}

}  // namespace openfle::kms::kmip
