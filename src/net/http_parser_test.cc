#include "net/http_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace openfle::net {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Result<HttpResponse> parse(std::string_view s, const HttpParseLimits& limits = {}) {
  return parse_http_response(bytes_of(s), limits);
}

std::string header(const HttpResponse& r, std::string_view name) {
  const HttpHeader* h = r.find_header(name);
  return h == nullptr ? "<missing>" : std::string(h->value.expose_text());
}

void expect_malformed(std::string_view input, std::string_view fragment,
                      const HttpParseLimits& limits = {}) {
  auto r = parse(input, limits);
  ASSERT_FALSE(r) << input;
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformedData);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos)
      << "message: " << r.error().message() << "\nexpected to contain: " << fragment;
}

TEST(HttpParser, ContentLengthBody) {
  auto r = parse(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
      "X-Empty:\r\nX-Spaces:   padded value \t\r\n\r\n{\"ok\": true} ");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->body.expose_text(), "{\"ok\": true} ");
  EXPECT_EQ(header(*r, "content-type"), "application/json");
  EXPECT_EQ(header(*r, "X-Empty"), "");
  EXPECT_EQ(header(*r, "x-spaces"), "padded value");
  EXPECT_EQ(r->headers.size(), 4u);
}

TEST(HttpParser, IgnoresBytesAfterACompleteResponse) {
  const std::string_view input = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nhiEXTRA";
  HttpResponseParser parser;
  auto used = parser.feed(bytes_of(input));
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, input.size() - 5);
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.take().body.expose_text(), "hi");
}

TEST(HttpParser, ChunkedBodyWithExtensionsAndTrailers) {
  auto r = parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n"
      "1;name=value\r\n \r\n"
      "A \r\n0123456789\r\n"
      "0\r\nX-Trailer: t\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.expose_text(), "hello 0123456789");
  EXPECT_EQ(r->find_header("X-Trailer"), nullptr);  // trailers are not merged into headers
}

TEST(HttpParser, ChunkedOverridesContentLength) {
  auto r = parse(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.expose_text(), "abc");
}

TEST(HttpParser, BodyUntilConnectionClose) {
  auto r = parse("HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\nall the rest\r\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.expose_text(), "all the rest\r\n");

  HttpResponseParser parser;
  ASSERT_TRUE(parser.feed(bytes_of("HTTP/1.1 200 OK\r\n\r\npartial")));
  EXPECT_FALSE(parser.done());  // only the end of the stream ends this body
  ASSERT_TRUE(parser.finish());
  EXPECT_EQ(parser.take().body.expose_text(), "partial");
}

TEST(HttpParser, AcceptsBareLfAndMissingReason) {
  auto r = parse("HTTP/1.1 404\nContent-Length: 3\n\nnope");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->reason, "");
  EXPECT_EQ(r->body.expose_text(), "nop");
}

TEST(HttpParser, SkipsInterimResponses) {
  auto r = parse(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->find_header("Link"), nullptr);
  EXPECT_EQ(r->body.expose_text(), "x");
}

TEST(HttpParser, ResponsesWithoutBody) {
  auto r = parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->body.empty());
  r = parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->body.empty());

  HttpResponseParser head({}, /*head_request=*/true);
  ASSERT_TRUE(head.feed(bytes_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")));
  EXPECT_TRUE(head.done());
}

TEST(HttpParser, ByteAtATimeGivesTheSameResult) {
  const std::string input =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nA: b\r\n\r\n"
      "4\r\nwxyz\r\n2\r\n12\r\n0\r\n\r\n";
  HttpResponseParser parser;
  for (char c : input) {
    ASSERT_FALSE(parser.done());
    auto used = parser.feed(bytes_of(std::string_view(&c, 1)));
    ASSERT_TRUE(used) << used.error().message();
    EXPECT_EQ(*used, 1u);
  }
  ASSERT_TRUE(parser.done());
  HttpResponse r = parser.take();
  EXPECT_EQ(r.body.expose_text(), "wxyz12");
  EXPECT_EQ(header(r, "a"), "b");
}

TEST(HttpParser, TruncatedResponses) {
  expect_malformed("", "empty reply");
  expect_malformed("HTTP/1.1 200", "inside the status line");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "inside the headers");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345",
                   "after 5 of 10 body bytes");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                   "inside a chunked body");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                   "inside a chunked body");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
                   "inside a chunked body");
}

TEST(HttpParser, OversizedResponses) {
  HttpParseLimits limits;
  limits.max_body_bytes = 8;
  limits.max_header_bytes = 100;
  limits.max_header_count = 3;
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789",
                   "body of 9 bytes exceeds the limit of 8 bytes", limits);
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999\r\n\r\n",
                   "exceeds the limit", limits);
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n4\r\n",
                   "chunked response body exceeds the limit of 8 bytes", limits);
  expect_malformed("HTTP/1.1 200 OK\r\n\r\n123456789", "body exceeds the limit of 8 bytes", limits);
  expect_malformed("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a') + "\r\n\r\n",
                   "headers exceed the limit of 100 bytes", limits);
  expect_malformed("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", "more than 3 headers",
                   limits);
  // A flood of interim responses counts against the header limit too.
  std::string flood;
  for (int i = 0; i < 10; ++i) flood += "HTTP/1.1 100 Continue\r\n\r\n";
  expect_malformed(flood, "headers exceed the limit", limits);
  expect_malformed(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(5000, 'x') + "\r\n",
      "chunk-size line is longer");
  // Exactly at the limits is fine.
  auto r = parse("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n12345678", limits);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.size(), 8u);
}

TEST(HttpParser, RejectsGarbage) {
  expect_malformed("SSH-2.0-OpenSSH_9.2\r\n", "does not start with an HTTP/1.x status line");
  expect_malformed("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.x status line");
  expect_malformed("HTTP/2 200 OK\r\n\r\n", "HTTP/1.x status line");
  expect_malformed("HTTP/1.1 2x0 OK\r\n\r\n", "3-digit status code");
  expect_malformed("HTTP/1.1 700 Odd\r\n\r\n", "outside 100-599");
  expect_malformed("HTTP/1.1 200OK\r\n\r\n", "not followed by a space");
  expect_malformed("HTTP/1.1 200 O\x01K\r\n\r\n", "reason phrase contains a control character");
  expect_malformed("HTTP/1.1 101 Switching Protocols\r\n\r\n", "101");
  expect_malformed("HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n", "obsolete header line folding");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", "not allowed in a field name");
  expect_malformed("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "has no ':'");
  expect_malformed("HTTP/1.1 200 OK\r\n: empty\r\n\r\n", "empty name");
  expect_malformed("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", "bare CR");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
                   "conflicting Content-Length");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nxy", "conflicting");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "invalid Content-Length");
  expect_malformed("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "invalid Content-Length");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                   "unsupported transfer coding 'gzip'");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                   "exactly once");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                   "hexadecimal size");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\n", "garbage");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n",
                   "too many digits");
  expect_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
                   "more data than its declared size");
  // Identical repeated lengths are allowed (RFC 9110 section 8.6).
  auto r = parse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.expose_text(), "ok");
}

// Found by fuzz/http_response_fuzz.cc: the verdict must not depend on how bytes arrive.
TEST(HttpParser, VerdictDoesNotDependOnSplitting) {
  HttpParseLimits limits;
  limits.max_header_bytes = 30;
  const std::string input = "HTTP/1.1 100 Continue\r\n\r\n" + std::string("HTTP/2.0 200 OK\r\n");
  auto whole = parse(input, limits);
  ASSERT_FALSE(whole);
  HttpResponseParser parser(limits);
  std::string piecewise;
  for (char c : input) {
    auto used = parser.feed(bytes_of(std::string_view(&c, 1)));
    if (!used) {
      piecewise = used.error().message();
      break;
    }
  }
  EXPECT_EQ(piecewise, whole.error().message());
  EXPECT_NE(piecewise.find("headers exceed the limit of 30 bytes"), std::string::npos) << piecewise;
}

TEST(HttpParser, ErrorsNeverQuoteHeaderValues) {
  auto r = parse("HTTP/1.1 200 OK\r\nSet-Cookie: token=hunter2\x01\r\n\r\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("hunter2"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("Set-Cookie"), std::string::npos);
}

TEST(HttpParser, ErrorsAreSticky) {
  HttpResponseParser parser;
  auto first = parser.feed(bytes_of("garbage\r\n"));
  ASSERT_FALSE(first);
  auto again = parser.feed(bytes_of("HTTP/1.1 200 OK\r\n\r\n"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), first.error().message());
  EXPECT_FALSE(parser.finish());
}

}  // namespace
}  // namespace openfle::net
