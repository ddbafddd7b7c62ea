// Shared by the KMS reply fuzz targets: turns fuzz bytes into an HttpResponse, and checks the
// property every parser must keep on any input: an error message is one line of printable ASCII
// (no control bytes a log could be tricked by), of bounded length.
//
// Input layout: byte 0 picks the status (values below 0xC0 mean 200, so most inputs reach the JSON
// parsing; the rest map onto 100..599), the remaining bytes are the body.
#ifndef OPENFLE_FUZZ_KMS_REPLY_INPUT_H_
#define OPENFLE_FUZZ_KMS_REPLY_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include "net/http_message.h"
#include "openfle/status.h"

namespace openfle::fuzz {

inline net::HttpResponse reply_from_fuzz_input(const std::uint8_t* data, std::size_t size) {
  net::HttpResponse response;
  response.status = 200;
  if (size > 0) {
    if (data[0] >= 0xC0) response.status = 100 + (data[0] - 0xC0) * 500 / 0x40;
    ++data;
    --size;
  }
  response.reason = "Fuzz";
  response.body = SecretBytes::copy_of(std::span<const std::uint8_t>(data, size));
  return response;
}

template <class T>
void check_result(const Result<T>& result) {
  if (result) return;
  const std::string& message = result.error().message();
  if (message.empty() || message.size() > 2000) {
    std::fprintf(stderr, "error message of %zu bytes\n", message.size());
    std::abort();
  }
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7E) {
      std::fprintf(stderr, "non-printable byte 0x%02x in error message: %s\n", byte,
                   message.c_str());
      std::abort();
    }
  }
}

}  // namespace openfle::fuzz

#endif  // OPENFLE_FUZZ_KMS_REPLY_INPUT_H_
