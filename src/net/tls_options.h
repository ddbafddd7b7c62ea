// Per-provider TLS options, as MongoDB drivers take them in ClientEncryptionOpts /
// AutoEncryptionOpts `tlsOptions` (CSFLE spec, "KMS provider TLS options").
//
// TLS to a KMS is always on and always verified: there is no option to turn either off. Without
// options, the system trust store is used (OpenSSL's default verify paths) and no client
// certificate is sent. tlsCAFile replaces the system store; tlsCertificateKeyFile adds a client
// certificate (KMIP servers authenticate clients by it).
//
//   auto opts = net::parse_tls_options(*Document::from_json(R"({"tlsCAFile": "/etc/kmip/ca.pem",
//       "tlsCertificateKeyFile": "/etc/kmip/client.pem"})"), "kmip");
#ifndef OPENFLE_NET_TLS_OPTIONS_H_
#define OPENFLE_NET_TLS_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::net {

struct TlsOptions {
  // PEM file of trusted CA certificates; replaces the system trust store when set.
  std::optional<std::string> ca_file;
  // PEM file holding the client certificate (with any intermediates) and its private key.
  std::optional<std::string> certificate_key_file;
  // Password of an encrypted private key in certificate_key_file.
  std::optional<SecretBytes> certificate_key_password;

  // A deep copy (the password is a move-only SecretBytes).
  [[nodiscard]] TlsOptions clone() const;
};

// Parses the TLS options document of ONE provider, e.g. tlsOptions["kmip"]. Accepted fields (names
// matched case-insensitively, as MongoDB URI options are):
//   tlsCAFile: string, tlsCertificateKeyFile: string, tlsCertificateKeyFilePassword: string,
//   tlsDisableOCSPEndpointCheck: bool (accepted, no effect: openfle does no OCSP),
//   tls: true (accepted, no effect).
// Errors (kInvalidArgument), each naming `provider`:
//   tlsInsecure, tlsAllowInvalidCertificates, tlsAllowInvalidHostnames,
//   tlsDisableCertificateRevocationCheck (any value) -> "Insecure TLS options prohibited";
//   tls: false -> "TLS is required"; a field of the wrong type, an empty path, a password without a
//   key file, a repeated field, or unknown fields (all of them named in one message).
// Files are not opened here: TlsContext::create() reads them.
Result<TlsOptions> parse_tls_options(const Document& options, std::string_view provider);

}  // namespace openfle::net

#endif  // OPENFLE_NET_TLS_OPTIONS_H_
