#include "openfle/secret_bytes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace openfle {

SecretBytes::SecretBytes(std::size_t size)
    : data_(size == 0 ? nullptr : new std::uint8_t[size]()), size_(size) {}

SecretBytes SecretBytes::copy_of(std::span<const std::uint8_t> bytes) {
  SecretBytes secret(bytes.size());
  if (!bytes.empty()) std::memcpy(secret.data_.get(), bytes.data(), bytes.size());
  return secret;
}

SecretBytes SecretBytes::copy_of(std::string_view text) {
  return copy_of(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                               text.size()));
}

SecretBytes SecretBytes::random(std::size_t size) {
  SecretBytes secret(size);
  if (size > 0 && RAND_bytes(secret.data_.get(), static_cast<int>(size)) != 1) {
    // No randomness means no safe keys or IVs; there is nothing sensible to return.
    std::fputs("openfle: the system random number generator failed\n", stderr);
    std::abort();
  }
  return secret;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

SecretBytes SecretBytes::clone() const { return copy_of(expose()); }

std::string SecretBytes::debug_string() const {
  return "SecretBytes(" + std::to_string(size_) + " bytes, redacted)";
}

bool SecretBytes::equals(const SecretBytes& other) const noexcept {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return CRYPTO_memcmp(data_.get(), other.data_.get(), size_) == 0;
}

void SecretBytes::wipe() noexcept {
  if (data_ != nullptr && size_ > 0) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace openfle
