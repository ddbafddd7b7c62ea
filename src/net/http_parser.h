// An HTTP/1.1 response parser (RFC 9112) for bytes from an untrusted server.
//
// Incremental: feed() it whatever arrives, call finish() at end of stream. It never reads out of
// bounds, bounds every allocation by HttpParseLimits, and keeps everything it buffers in wiped
// memory (bodies carry wrapped and unwrapped keys and tokens). Handles Content-Length, chunked
// and read-until-close bodies, skips interim 1xx responses, rejects what RFC 9112 calls
// invalid (obsolete line folding, whitespace before a colon, conflicting Content-Length, transfer
// codings other than chunked). Errors are kMalformedData and never quote header values or body.
//
//   HttpResponseParser parser;
//   while (!parser.done()) { ... OPENFLE_RETURN_IF_ERROR(parser.feed(chunk)); ... }
//   HttpResponse response = parser.take();
//
// Or, for a complete byte string (tests, fuzzing): parse_http_response(bytes).
#ifndef OPENFLE_NET_HTTP_PARSER_H_
#define OPENFLE_NET_HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "net/http_message.h"
#include "net/wiped_buffer.h"
#include "openfle/status.h"

namespace openfle::net {

struct HttpParseLimits {
  // Status line plus header fields (and chunked trailers), line terminators included.
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_header_count = 100;
  // The decoded body.
  std::size_t max_body_bytes = 1024 * 1024;
};

class HttpResponseParser {
 public:
  // `head_request`: the request was HEAD, so the response has no body whatever it announces.
  explicit HttpResponseParser(HttpParseLimits limits = {}, bool head_request = false);

  // Consumes bytes from the stream. Returns how many were used: all of them, or fewer once the
  // response is complete (the rest belongs to no response of ours and is ignored). After an error
  // every later call returns the same error.
  Result<std::size_t> feed(std::span<const std::uint8_t> bytes);
  // The stream has ended. Completes a body that runs until the connection closes; an error if the
  // response is incomplete ("truncated ...").
  Status finish();
  // True once a full response has been parsed.
  [[nodiscard]] bool done() const noexcept { return state_ == State::kDone; }
  // The parsed response, once done(); afterwards the parser holds nothing.
  [[nodiscard]] HttpResponse take();

 private:
  enum class State {
    kStatusLine,
    kHeaders,
    kBodyLength,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kBodyToEof,
    kDone,
    kFailed,
  };

  Status on_line(std::string_view line);
  Status on_status_line(std::string_view line);
  Status on_header_line(std::string_view line);
  Status on_headers_end();
  Status on_chunk_size_line(std::string_view line);
  Status append_body(std::span<const std::uint8_t> bytes);
  tl::unexpected<Error> failed(std::string message);
  [[nodiscard]] bool in_line_state() const noexcept;

  HttpParseLimits limits_;
  bool head_request_;
  State state_ = State::kStatusLine;
  std::optional<Error> error_;
  WipedBuffer line_;              // the current, incomplete line
  std::size_t header_bytes_ = 0;  // of the status line, header and trailer lines so far
  std::size_t remaining_ = 0;     // of a Content-Length body or of the current chunk
  HttpResponse response_;
  WipedBuffer body_;
};

// Parses one response from `bytes`, which hold the whole stream: the end of `bytes` is the end of
// the connection. Bytes after a complete response are ignored.
Result<HttpResponse> parse_http_response(std::span<const std::uint8_t> bytes,
                                         const HttpParseLimits& limits = {});

}  // namespace openfle::net

#endif  // OPENFLE_NET_HTTP_PARSER_H_
