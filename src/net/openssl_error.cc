#include "net/openssl_error.h"

#include <openssl/err.h>

namespace openfle::net {

std::string drain_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    // The reason alone ("certificate verify failed") reads better in a sentence than the full
    // "error:0A000086:SSL routines::..." form, and it never contains key material.
    const char* reason = ERR_reason_error_string(code);
    std::string part = reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
    if (text.find(part) != std::string::npos) continue;
    text += (text.empty() ? "" : "; ") + part;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

}  // namespace openfle::net
