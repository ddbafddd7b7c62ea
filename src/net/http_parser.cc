#include "net/http_parser.h"

#include <cctype>
#include <cstring>
#include <utility>

#include "common/strings.h"

namespace openfle::net {
namespace {

// Chunk-size lines (RFC 9112 section 7.1) carry a hex size and optional extensions; nothing a
// server sends legitimately comes near this.
constexpr std::size_t kMaxChunkLineBytes = 4096;

constexpr std::string_view kNotHttp =
    "the reply does not start with an HTTP/1.x status line (is the server speaking HTTP on this "
    "port?)";

bool is_tchar(char c) {  // RFC 9110 section 5.6.2
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// field-vchar / obs-text / SP / HTAB (RFC 9110 section 5.5): anything but controls.
bool is_field_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// A server-chosen token (header name, coding) shown in a message: short and printable only.
std::string shown(std::string_view token) {
  std::string out;
  for (char c : token.substr(0, 40)) out += is_tchar(c) ? c : '?';
  if (token.size() > 40) out += "...";
  return out;
}

// Visits the comma-separated elements of all fields named `name` (RFC 9110 section 5.3: repeated
// fields are equivalent to one comma-joined field).
template <class F>
void for_each_element(const std::vector<HttpHeader>& headers, std::string_view name, F f) {
  for (const auto& h : headers) {
    if (!ascii_iequals(h.name, name)) continue;
    std::string_view rest = h.value.expose_text();
    for (;;) {
      auto comma = rest.find(',');
      f(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
}

}  // namespace

HttpResponseParser::HttpResponseParser(HttpParseLimits limits, bool head_request)
    : limits_(limits), head_request_(head_request) {}

tl::unexpected<Error> HttpResponseParser::failed(std::string message) {
  state_ = State::kFailed;
  error_ = Error(ErrorCode::kMalformedData, std::move(message));
  line_.clear();
  body_.clear();
  response_ = HttpResponse{};
  return fail(*error_);
}

bool HttpResponseParser::in_line_state() const noexcept {
  return state_ == State::kStatusLine || state_ == State::kHeaders || state_ == State::kChunkSize ||
         state_ == State::kChunkDataEnd || state_ == State::kTrailers;
}

Result<std::size_t> HttpResponseParser::feed(std::span<const std::uint8_t> bytes) {
  if (state_ == State::kFailed) return fail(*error_);
  std::size_t pos = 0;
  while (pos < bytes.size() && state_ != State::kDone) {
    auto rest = bytes.subspan(pos);
    if (in_line_state()) {
      const void* nl = std::memchr(rest.data(), '\n', rest.size());
      const std::size_t take =
          nl == nullptr
              ? rest.size()
              : static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - rest.data()) + 1;
      // Fail as soon as the first bytes cannot start a status line, rather than waiting (maybe
      // until the deadline) for a line end that a non-HTTP peer never sends. Checked before the
      // size limit so that the verdict does not depend on how the bytes were split.
      if (state_ == State::kStatusLine) {
        constexpr std::string_view kPrefix = "HTTP/1.";
        // Only bytes within the header budget are looked at: past it the limit error wins.
        const std::size_t budget = limits_.max_header_bytes -
                                   std::min(limits_.max_header_bytes, header_bytes_ + line_.size());
        const std::size_t checked = std::min(take, budget);
        for (std::size_t i = line_.size(); i < kPrefix.size() && i - line_.size() < checked; ++i) {
          if (rest[i - line_.size()] != static_cast<std::uint8_t>(kPrefix[i])) {
            return failed(std::string(kNotHttp));
          }
        }
      }
      const bool chunk_line = state_ == State::kChunkSize || state_ == State::kChunkDataEnd;
      if (chunk_line) {
        if (line_.size() + take > kMaxChunkLineBytes) {
          return failed("a chunk-size line is longer than " + std::to_string(kMaxChunkLineBytes) +
                        " bytes");
        }
      } else if (header_bytes_ + line_.size() + take > limits_.max_header_bytes) {
        return failed("the response headers exceed the limit of " +
                      std::to_string(limits_.max_header_bytes) + " bytes");
      }
      line_.append(rest.first(take));
      pos += take;
      if (nl == nullptr) continue;
      if (!chunk_line) header_bytes_ += line_.size();
      std::string_view line = line_.text();
      line.remove_suffix(1);  // '\n'
      // RFC 9112 section 2.2: a bare LF may be accepted as a line terminator; a CR anywhere but
      // before the LF must not be.
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find('\r') != std::string_view::npos) {
        return failed("a line of the response contains a bare CR");
      }
      Status status = on_line(line);
      if (state_ != State::kFailed) line_.clear();
      if (!status) return fail(status.error());
    } else if (state_ == State::kBodyLength || state_ == State::kChunkData) {
      const std::size_t take = std::min(remaining_, rest.size());
      if (auto s = append_body(rest.first(take)); !s) return fail(s.error());
      pos += take;
      remaining_ -= take;
      if (remaining_ == 0) {
        state_ = state_ == State::kBodyLength ? State::kDone : State::kChunkDataEnd;
      }
    } else {  // kBodyToEof
      if (auto s = append_body(rest); !s) return fail(s.error());
      pos += rest.size();
    }
  }
  return pos;
}

Status HttpResponseParser::on_line(std::string_view line) {
  switch (state_) {
    case State::kStatusLine:
      return on_status_line(line);
    case State::kHeaders:
    case State::kTrailers:
      return on_header_line(line);
    case State::kChunkSize:
      return on_chunk_size_line(line);
    case State::kChunkDataEnd:
      if (!line.empty()) return failed("a chunk holds more data than its declared size");
      state_ = State::kChunkSize;
      return {};
    default:
      return failed("internal parser error: line in a body state");
  }
}

// RFC 9112 section 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
Status HttpResponseParser::on_status_line(std::string_view line) {
  constexpr std::string_view kVersion = "HTTP/1.";
  if (line.size() < 12 || line.substr(0, 7) != kVersion || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ') {
    return failed(std::string(kNotHttp));
  }
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return failed("the status line has no 3-digit status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) {
    return failed("status code " + std::to_string(status) + " is outside 100-599");
  }
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') return failed("the status code is not followed by a space");
    reason = line.substr(13);
  }
  for (char c : reason) {
    if (!is_field_char(c)) return failed("the reason phrase contains a control character");
  }
  response_.status = status;
  response_.reason = std::string(reason);
  state_ = State::kHeaders;
  return {};
}

// RFC 9112 section 5: field-line = field-name ":" OWS field-value OWS
Status HttpResponseParser::on_header_line(std::string_view line) {
  const bool trailer = state_ == State::kTrailers;
  if (line.empty()) {
    if (trailer) {
      state_ = State::kDone;
      return {};
    }
    return on_headers_end();
  }
  if (is_ows(line.front())) {
    return failed("the response uses obsolete header line folding (RFC 9112 section 5.2)");
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return failed("a header line has no ':'");
  const std::string_view name = line.substr(0, colon);
  if (name.empty()) return failed("a header line has an empty name");
  for (char c : name) {
    if (!is_tchar(c)) {
      // Includes whitespace before the colon, which RFC 9112 section 5.1 says to reject.
      return failed("header name '" + shown(name) +
                    "' contains a character not allowed in a "
                    "field name");
    }
  }
  const std::string_view value = trim(line.substr(colon + 1));
  for (char c : value) {
    if (!is_field_char(c)) {
      return failed("header '" + shown(name) + "' has a control character in its value");
    }
  }
  if (trailer) return {};  // trailers are checked, not kept: nothing we call needs them
  if (response_.headers.size() >= limits_.max_header_count) {
    return failed("the response has more than " + std::to_string(limits_.max_header_count) +
                  " headers");
  }
  response_.headers.push_back(HttpHeader{std::string(name), SecretBytes::copy_of(value)});
  return {};
}

// RFC 9112 section 6.3: how the length of a response body is determined.
Status HttpResponseParser::on_headers_end() {
  const int status = response_.status;
  if (status == 101) return failed("unexpected 101 Switching Protocols: no upgrade was requested");
  if (status < 200) {
    // An interim response (100 Continue, 103 Early Hints): the final one follows.
    response_ = HttpResponse{};
    state_ = State::kStatusLine;
    return {};
  }
  if (head_request_ || status == 204 || status == 304) {
    state_ = State::kDone;
    return {};
  }

  bool has_transfer_encoding = false;
  std::size_t codings = 0;
  std::string bad_coding;
  for_each_element(response_.headers, "Transfer-Encoding", [&](std::string_view coding) {
    has_transfer_encoding = true;
    if (coding.empty()) return;
    ++codings;
    if (!ascii_iequals(coding, "chunked") && bad_coding.empty()) bad_coding = shown(coding);
  });
  if (has_transfer_encoding) {
    // Transfer-Encoding overrides Content-Length (section 6.3 item 3). openfle sends no
    // Accept-Encoding / TE, so any coding but a single "chunked" is unexpected and undecodable.
    if (!bad_coding.empty()) {
      return failed("unsupported transfer coding '" + bad_coding + "': only chunked is accepted");
    }
    if (codings != 1) return failed("Transfer-Encoding must name chunked exactly once");
    state_ = State::kChunkSize;
    return {};
  }

  std::optional<std::uint64_t> length;
  bool invalid = false;
  bool conflicting = false;
  for_each_element(response_.headers, "Content-Length", [&](std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty() || text.size() > 19) invalid = true;
    for (char c : text) {
      if (c < '0' || c > '9') invalid = true;
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (invalid) return;
    if (length && *length != value) conflicting = true;
    length = value;
  });
  if (invalid) return failed("invalid Content-Length: expected a decimal number of bytes");
  if (conflicting) return failed("conflicting Content-Length values");
  if (length) {
    if (*length > limits_.max_body_bytes) {
      return failed("the response body of " + std::to_string(*length) +
                    " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes) +
                    " bytes");
    }
    remaining_ = static_cast<std::size_t>(*length);
    if (remaining_ == 0) {
      state_ = State::kDone;
      return {};
    }
    body_.reserve(remaining_);
    state_ = State::kBodyLength;
    return {};
  }
  state_ = State::kBodyToEof;  // section 6.3 item 8: the body runs until the connection closes
  return {};
}

// RFC 9112 section 7.1: chunk-size [ chunk-ext ] CRLF, chunk-size = 1*HEXDIG
Status HttpResponseParser::on_chunk_size_line(std::string_view line) {
  std::uint64_t size = 0;
  std::size_t digits = 0;
  for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits])) != 0;
       ++digits) {
    if (digits == 16) return failed("a chunk size has too many digits");
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
    size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  if (digits == 0) return failed("a chunk does not start with a hexadecimal size");
  std::string_view ext = line.substr(digits);
  while (!ext.empty() && is_ows(ext.front())) ext.remove_prefix(1);
  if (!ext.empty() && ext.front() != ';') return failed("a chunk size is followed by garbage");
  for (char c : ext) {
    if (!is_field_char(c)) return failed("a chunk extension contains a control character");
  }
  if (size > limits_.max_body_bytes - body_.size()) {
    return failed("the chunked response body exceeds the limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes");
  }
  if (size == 0) {
    state_ = State::kTrailers;
    return {};
  }
  remaining_ = static_cast<std::size_t>(size);
  state_ = State::kChunkData;
  return {};
}

Status HttpResponseParser::append_body(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > limits_.max_body_bytes - body_.size()) {
    return failed("the response body exceeds the limit of " +
                  std::to_string(limits_.max_body_bytes) + " bytes");
  }
  body_.append(bytes);
  return {};
}

Status HttpResponseParser::finish() {
  switch (state_) {
    case State::kFailed:
      return fail(*error_);
    case State::kDone:
      return {};
    case State::kBodyToEof:
      state_ = State::kDone;
      return {};
    case State::kStatusLine:
      if (header_bytes_ == 0 && line_.empty()) {
        return failed("empty reply: the server closed the connection without responding");
      }
      return failed("truncated response: the connection closed inside the status line");
    case State::kHeaders:
      return failed("truncated response: the connection closed inside the headers");
    case State::kBodyLength:
      return failed("truncated response: the connection closed after " +
                    std::to_string(body_.size()) + " of " +
                    std::to_string(body_.size() + remaining_) + " body bytes");
    default:
      return failed("truncated response: the connection closed inside a chunked body");
  }
}

HttpResponse HttpResponseParser::take() {
  HttpResponse out = std::move(response_);
  out.body = body_.take_secret();
  response_ = HttpResponse{};
  return out;
}

Result<HttpResponse> parse_http_response(std::span<const std::uint8_t> bytes,
                                         const HttpParseLimits& limits) {
  HttpResponseParser parser(limits);
  auto used = parser.feed(bytes);
  if (!used) return fail(used.error());
  if (!parser.done()) {
    if (auto s = parser.finish(); !s) return fail(s.error());
  }
  return parser.take();
}

}  // namespace openfle::net
