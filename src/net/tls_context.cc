#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/strings.h"
#include "net/openssl_error.h"

namespace openfle::net {
namespace {

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxDeleter>;

// What the password callback was given and whether OpenSSL asked for it: a key that needed a
// password when none was configured gets its own message.
struct PasswordSource {
  const SecretBytes* password = nullptr;
  bool requested = false;
};

// OpenSSL's default callback would prompt on the terminal; a library must never do that.
int password_callback(char* buf, int size, int /*rwflag*/, void* userdata) {
  auto* source = static_cast<PasswordSource*>(userdata);
  source->requested = true;
  if (source->password == nullptr) return -1;
  auto secret = source->password->expose();
  if (size < 0 || secret.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, secret.data(), secret.size());
  return static_cast<int>(secret.size());
}

// Opening the file ourselves first turns OpenSSL's generic "system lib" error into the reason
// a person can act on ("No such file or directory", "Permission denied").
Status check_readable(const std::string& path, std::string_view option) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return fail(ErrorCode::kInvalidArgument,
                std::string(option) + " '" + path + "' cannot be opened: " + errno_message(errno));
  }
  (void)std::fclose(f);  // opened only to check access
  return {};
}

Status load_client_certificate(SSL_CTX* ctx, const TlsOptions& options) {
  const std::string& path = *options.certificate_key_file;
  const std::string where = "tlsCertificateKeyFile '" + path + "'";
  if (auto s = check_readable(path, "tlsCertificateKeyFile"); !s) return s;

  ERR_clear_error();
  // The first certificate in the file is the client's, any others its chain (RFC 8446 4.4.2);
  // the key may come before or after them.
  if (SSL_CTX_use_certificate_chain_file(ctx, path.c_str()) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                where + " holds no usable PEM certificate: " + drain_openssl_errors());
  }
  PasswordSource source;
  if (options.certificate_key_password) source.password = &*options.certificate_key_password;
  SSL_CTX_set_default_passwd_cb(ctx, password_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &source);
  const int loaded = SSL_CTX_use_PrivateKey_file(ctx, path.c_str(), SSL_FILETYPE_PEM);
  // The password is needed only here: no later code path can reach it through the context.
  SSL_CTX_set_default_passwd_cb(ctx, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded != 1) {
    std::string reason = drain_openssl_errors();
    if (source.requested && source.password == nullptr) {
      return fail(ErrorCode::kInvalidArgument,
                  where + " holds an encrypted private key: set tlsCertificateKeyFilePassword");
    }
    if (source.requested) {
      return fail(ErrorCode::kInvalidArgument, "cannot decrypt the private key in " + where +
                                                   ": wrong tlsCertificateKeyFilePassword? (" +
                                                   reason + ")");
    }
    return fail(ErrorCode::kInvalidArgument, where + " holds no usable PEM private key: " + reason);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail(ErrorCode::kInvalidArgument,
                "the private key in " + where +
                    " does not match its certificate: " + drain_openssl_errors());
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const TlsContext>> TlsContext::create(const TlsOptions& options) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail(ErrorCode::kInternal, "SSL_CTX_new failed: " + drain_openssl_errors());

  // TLS 1.2 is the floor: PyKMIP speaks only 1.2, cloud KMS endpoints 1.2 and 1.3.
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return fail(ErrorCode::kInternal, "cannot require TLS 1.2: " + drain_openssl_errors());
  }
  // Verification is not optional (CSFLE spec: insecure TLS options are prohibited). The host name
  // or IP address to check is set per connection.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  // Writes retry with the same bytes, but the buffer may be a different object after a move.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  if (options.ca_file) {
    if (auto s = check_readable(*options.ca_file, "tlsCAFile"); !s) return fail(s.error());
    if (SSL_CTX_load_verify_file(ctx.get(), options.ca_file->c_str()) != 1) {
      return fail(ErrorCode::kInvalidArgument,
                  "tlsCAFile '" + *options.ca_file +
                      "' holds no usable PEM certificate: " + drain_openssl_errors());
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return fail(ErrorCode::kInternal,
                "cannot load the system CA certificates: " + drain_openssl_errors());
  }

  bool has_client_certificate = false;
  if (options.certificate_key_file) {
    if (auto s = load_client_certificate(ctx.get(), options); !s) return fail(s.error());
    has_client_certificate = true;
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx.release(), has_client_certificate));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Result<std::shared_ptr<const TlsContext>> TlsContextCache::get(const TlsOptions& options) {
  auto same = [&options](const TlsOptions& o) {
    if (o.ca_file != options.ca_file || o.certificate_key_file != options.certificate_key_file) {
      return false;
    }
    if (o.certificate_key_password.has_value() != options.certificate_key_password.has_value()) {
      return false;
    }
    return !o.certificate_key_password ||
           o.certificate_key_password->equals(*options.certificate_key_password);
  };
  std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    if (same(entry.options)) return entry.context;
  }
  // Built under the lock: concurrent first uses of the same options wait for one build rather than
  // each reading the CA store.
  auto context = TlsContext::create(options);
  if (!context) return fail(context.error());
  entries_.push_back(Entry{options.clone(), *context});
  return *context;
}

}  // namespace openfle::net
