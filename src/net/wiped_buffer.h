// A growable byte buffer that wipes every byte it ever held: on growth (the old block), on clear()
// and on destruction. std::vector and std::string free their old blocks without wiping, which would
// leave copies of KMS replies (wrapped and unwrapped keys, tokens) in freed heap memory.
#ifndef OPENFLE_NET_WIPED_BUFFER_H_
#define OPENFLE_NET_WIPED_BUFFER_H_

#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include "openfle/secret_bytes.h"

namespace openfle::net {

class WipedBuffer {
 public:
  WipedBuffer() = default;
  WipedBuffer(const WipedBuffer&) = delete;
  WipedBuffer& operator=(const WipedBuffer&) = delete;
  ~WipedBuffer() { wipe(); }

  void reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    auto bigger = std::make_unique<std::uint8_t[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    wipe_storage();
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  void append(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    if (bytes.size() > capacity_ - size_) reserve(std::max(capacity_ * 2, size_ + bytes.size()));
    std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  void append(std::string_view text) {
    append({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  }

  // Wipes the contents; keeps the capacity.
  void clear() noexcept {
    if (data_) OPENSSL_cleanse(data_.get(), size_);
    size_ = 0;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::span<const std::uint8_t> view() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(data_.get()), size_};
  }

  // The contents as an exactly-sized SecretBytes; this buffer is wiped and emptied.
  [[nodiscard]] SecretBytes take_secret() {
    SecretBytes out = SecretBytes::copy_of(view());
    clear();
    return out;
  }

 private:
  void wipe_storage() noexcept {
    if (data_) OPENSSL_cleanse(data_.get(), capacity_);
  }
  void wipe() noexcept {
    wipe_storage();
    size_ = 0;
  }

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace openfle::net

#endif  // OPENFLE_NET_WIPED_BUFFER_H_
