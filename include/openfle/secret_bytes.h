// SecretBytes: the only type that holds key material, credentials and tokens.
//
// Move-only; the buffer is wiped (OPENSSL_cleanse) when the object is destroyed or assigned over.
// It has no stream operator; debug_string() is redacted. Reading the bytes takes an explicit,
// greppable call to expose(), so every place that touches a secret can be found with one search.
// Comparison runs in constant time.
#ifndef OPENFLE_SECRET_BYTES_H_
#define OPENFLE_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace openfle {

class SecretBytes {
 public:
  SecretBytes() = default;
  // A zero-filled secret of `size` bytes, to be written through expose_mutable().
  explicit SecretBytes(std::size_t size);
  // Copies `bytes`; the caller remains responsible for wiping its own copy.
  static SecretBytes copy_of(std::span<const std::uint8_t> bytes);
  static SecretBytes copy_of(std::string_view text);
  // `size` bytes from the operating system's CSPRNG (OpenSSL RAND_bytes). Aborts if it fails:
  // continuing without randomness would be worse.
  static SecretBytes random(std::size_t size);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  // An explicit copy, for the rare place that must hold the secret twice.
  [[nodiscard]] SecretBytes clone() const;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  // The secret bytes. Do not copy them into a type that does not wipe itself.
  [[nodiscard]] std::span<const std::uint8_t> expose() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::span<std::uint8_t> expose_mutable() noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::string_view expose_text() const noexcept {
    return {reinterpret_cast<const char*>(data_.get()), size_};
  }

  // "SecretBytes(96 bytes, redacted)".
  [[nodiscard]] std::string debug_string() const;

  // Constant-time equality of contents (sizes are not secret).
  [[nodiscard]] bool equals(const SecretBytes& other) const noexcept;

 private:
  void wipe() noexcept;

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

}  // namespace openfle

#endif  // OPENFLE_SECRET_BYTES_H_
