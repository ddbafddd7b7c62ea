// A ready-to-use TLS client configuration (an OpenSSL SSL_CTX) built from TlsOptions.
//
// Building one reads the CA store and the client key, which is slow (the system store is hundreds
// of certificates), so it is done once per provider and shared by every connection:
//
//   net::TlsContextCache cache;                       // owned by the client, not global
//   OPENFLE_ASSIGN_OR_RETURN(auto tls, cache.get(options));
//   auto conn = net::connect(endpoint, {.tls = tls, .deadline = deadline});
//
// Every context verifies the server certificate (chain and host name), requires TLS 1.2 or later
// and keeps OpenSSL 3's default cipher suites (which include the CBC-SHA256 suites PyKMIP needs).
// Thread-safe: a built context is immutable and may be used from any number of threads.
#ifndef OPENFLE_NET_TLS_CONTEXT_H_
#define OPENFLE_NET_TLS_CONTEXT_H_

#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/tls_options.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::net {

class TlsContext {
 public:
  // Errors: kInvalidArgument naming the option and file when tlsCAFile or tlsCertificateKeyFile
  // cannot be read, holds no certificate, holds an encrypted key without (or with the wrong)
  // password, or a key that does not match the certificate; kInternal if OpenSSL fails otherwise.
  // The password is used while loading and not kept.
  static Result<std::shared_ptr<const TlsContext>> create(const TlsOptions& options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // For src/net only: the OpenSSL context, to create connections from.
  [[nodiscard]] SSL_CTX* native() const noexcept { return ctx_; }
  [[nodiscard]] bool has_client_certificate() const noexcept { return has_client_certificate_; }

 private:
  TlsContext(SSL_CTX* ctx, bool has_client_certificate)
      : ctx_(ctx), has_client_certificate_(has_client_certificate) {}
  SSL_CTX* ctx_;
  bool has_client_certificate_;
};

// Remembers the context built for each distinct TlsOptions (same files, same password), so that
// providers and requests with equal options share one. Files are read once, on first use: a CA or
// key file changed on disk later is not reloaded. Thread-safe.
class TlsContextCache {
 public:
  Result<std::shared_ptr<const TlsContext>> get(const TlsOptions& options);

 private:
  struct Entry {
    TlsOptions options;
    std::shared_ptr<const TlsContext> context;
  };
  std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace openfle::net

#endif  // OPENFLE_NET_TLS_CONTEXT_H_
