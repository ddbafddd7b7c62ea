#include "kms/secret_text.h"

#include <cstring>
#include <utility>

#include "kms/http_kms_request.h"

namespace openfle::kms {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";

}  // namespace

SecretTextBuilder::SecretTextBuilder(std::size_t capacity)
    : buffer_(capacity == 0 ? 16 : capacity) {}

void SecretTextBuilder::reserve(std::size_t extra) {
  if (buffer_.size() - size_ >= extra) return;
  std::size_t capacity = buffer_.size() * 2;
  if (capacity < size_ + extra) capacity = size_ + extra;
  SecretBytes bigger(capacity);
  std::memcpy(bigger.expose_mutable().data(), buffer_.expose().data(), size_);
  buffer_ = std::move(bigger);  // the old buffer is wiped by SecretBytes' move assignment
}

void SecretTextBuilder::push(char c) {
  reserve(1);
  buffer_.expose_mutable()[size_++] = static_cast<std::uint8_t>(c);
}

SecretTextBuilder& SecretTextBuilder::append(std::string_view text) {
  if (text.empty()) return *this;
  reserve(text.size());
  std::memcpy(buffer_.expose_mutable().data() + size_, text.data(), text.size());
  size_ += text.size();
  return *this;
}

SecretTextBuilder& SecretTextBuilder::append_json_string_contents(std::string_view text) {
  reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      push('\\');
      push(c);
    } else if (byte < 0x20) {
      // RFC 8259 section 7: control characters must be escaped; \u00XX works for all of them.
      append("\\u00");
      push(kUpperHex[byte >> 4]);
      push(kUpperHex[byte & 15]);
    } else {
      push(c);
    }
  }
  return *this;
}

SecretTextBuilder& SecretTextBuilder::append_form_encoded(std::string_view text) {
  reserve(text.size());
  for (char c : text) {
    if (is_url_unreserved(c)) {
      push(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      push('%');
      push(kUpperHex[byte >> 4]);
      push(kUpperHex[byte & 15]);
    }
  }
  return *this;
}

SecretBytes SecretTextBuilder::finish() && {
  if (size_ == buffer_.size()) return std::move(buffer_);
  SecretBytes out = SecretBytes::copy_of(buffer_.expose().first(size_));
  buffer_ = SecretBytes();
  size_ = 0;
  return out;
}

}  // namespace openfle::kms
