// SecretTextBuilder: assembles text that contains secrets (a request body with a data key, a form
// with a client secret, a canonical request with a session token) without leaving copies behind.
//
// The buffer is a SecretBytes; growing it moves the text into a larger SecretBytes and the old one
// is wiped. Nothing here is a std::string.
//
//   SecretTextBuilder body;
//   body.append(R"({"plaintext": ")").append(encoded_dek).append(R"("})");
//   SecretBytes bytes = std::move(body).finish();
#ifndef OPENFLE_KMS_SECRET_TEXT_H_
#define OPENFLE_KMS_SECRET_TEXT_H_

#include <cstddef>
#include <string_view>

#include "openfle/secret_bytes.h"

namespace openfle::kms {

class SecretTextBuilder {
 public:
  explicit SecretTextBuilder(std::size_t capacity = 256);

  SecretTextBuilder& append(std::string_view text);
  SecretTextBuilder& append(const SecretBytes& secret) { return append(secret.expose_text()); }
  // The contents of a JSON string (RFC 8259 section 7), without the quotes: '"', '\\' and control
  // characters are escaped; other bytes are copied as they are.
  SecretTextBuilder& append_json_string_contents(std::string_view text);
  // application/x-www-form-urlencoded value: every byte but RFC 3986 unreserved characters becomes
  // %XX (upper-case hex), so no '&', '=' or '+' in the value can change the form's structure.
  SecretTextBuilder& append_form_encoded(std::string_view text);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::string_view view() const noexcept {
    return buffer_.expose_text().substr(0, size_);
  }
  // The text, exactly size() bytes.
  [[nodiscard]] SecretBytes finish() &&;

 private:
  void reserve(std::size_t extra);
  void push(char c);

  SecretBytes buffer_;
  std::size_t size_ = 0;
};

}  // namespace openfle::kms

#endif  // OPENFLE_KMS_SECRET_TEXT_H_
