// libFuzzer target for the HTTP response parser (src/net/http_parser.h), which reads bytes from
// untrusted servers. Besides memory safety (ASan/UBSan), it checks that the parser's answer does
// not depend on how the bytes are split across feed() calls, and that limits hold.
//
// Build and run (from the repository root):
//   clang++-16 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     fuzz/http_response_fuzz.cc src/net/http_parser.cc src/net/http_message.cc \
//     src/crypto/secret_bytes.cc src/common/status.cc -lcrypto -o build/http_response_fuzz
//   build/http_response_fuzz -max_total_time=120 fuzz/corpus/http_response
#include <cstdint>
#include <cstdlib>
#include <span>

#include "net/http_parser.h"

namespace {

using openfle::Result;
using openfle::net::HttpParseLimits;
using openfle::net::HttpResponse;
using openfle::net::HttpResponseParser;

void check(bool condition) {
  if (!condition) std::abort();
}

bool same(const Result<HttpResponse>& a, const Result<HttpResponse>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return a.error().message() == b.error().message() && a.error().code() == b.error().code();
  if (a->status != b->status || a->reason != b->reason || !a->body.equals(b->body) ||
      a->headers.size() != b->headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a->headers.size(); ++i) {
    if (a->headers[i].name != b->headers[i].name ||
        !a->headers[i].value.equals(b->headers[i].value)) {
      return false;
    }
  }
  return true;
}

// Feeds `bytes` in pieces whose sizes come from `splits`, then ends the stream.
Result<HttpResponse> parse_in_pieces(std::span<const std::uint8_t> bytes,
                                     std::span<const std::uint8_t> splits,
                                     const HttpParseLimits& limits) {
  HttpResponseParser parser(limits);
  std::size_t pos = 0;
  std::size_t i = 0;
  while (pos < bytes.size() && !parser.done()) {
    std::size_t piece =
        splits.empty() ? 1 : static_cast<std::size_t>(splits[i++ % splits.size()]) + 1;
    piece = std::min(piece, bytes.size() - pos);
    auto used = parser.feed(bytes.subspan(pos, piece));
    if (!used) return openfle::fail(used.error());
    check(*used <= piece);
    check(*used == piece || parser.done());
    pos += piece;
  }
  if (!parser.done()) {
    if (auto s = parser.finish(); !s) return openfle::fail(s.error());
  }
  return parser.take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 4 bytes choose how to split the rest into pieces; the rest is the response.
  const std::size_t head = std::min<std::size_t>(size, 4);
  std::span<const std::uint8_t> splits(data, head);
  std::span<const std::uint8_t> bytes(data + head, size - head);

  for (const HttpParseLimits& limits : {HttpParseLimits{}, HttpParseLimits{64, 4, 32}}) {
    auto whole = openfle::net::parse_http_response(bytes, limits);
    if (whole) {
      check(whole->status >= 200 && whole->status <= 599);
      check(whole->body.size() <= limits.max_body_bytes);
      check(whole->headers.size() <= limits.max_header_count);
    } else {
      check(whole.error().code() == openfle::ErrorCode::kMalformedData);
    }
    check(same(whole, parse_in_pieces(bytes, splits, limits)));
  }
  return 0;
}
