#include "net/http_client.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_certs.h"
#include "support/test_server.h"

namespace openfle::net {
namespace {

using std::chrono::milliseconds;
using testing::TestServer;
using testing::TestServerOptions;

HttpRequest make_request(std::string method, std::string target, std::string_view body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = SecretBytes::copy_of(body);
  return r;
}

TEST(SerializeForWire, AddsHostContentLengthAndConnectionClose) {
  HttpRequest r = make_request("POST", "/keys/k/wrapkey?api-version=7.1", "{}");
  r.add_header("Authorization", "Bearer tok");
  auto wire = serialize_for_wire({"vault.azure.net", 443}, r, true);
  ASSERT_TRUE(wire) << wire.error().message();
  EXPECT_EQ(wire->expose_text(),
            "POST /keys/k/wrapkey?api-version=7.1 HTTP/1.1\r\nHost: vault.azure.net\r\n"
            "Authorization: Bearer tok\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");

  HttpRequest get = make_request("GET", "/latest/meta-data/");
  wire = serialize_for_wire({"169.254.169.254", 80}, get, false);
  ASSERT_TRUE(wire);
  EXPECT_EQ(
      wire->expose_text(),
      "GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n");

  wire = serialize_for_wire({"::1", 8443}, get, true);
  ASSERT_TRUE(wire);
  EXPECT_NE(wire->expose_text().find("Host: [::1]:8443\r\n"), std::string::npos);
  wire = serialize_for_wire({"localhost", 443}, get, false);  // 443 is not plain HTTP's default
  ASSERT_TRUE(wire);
  EXPECT_NE(wire->expose_text().find("Host: localhost:443\r\n"), std::string::npos);
  EXPECT_EQ(serialize_for_wire({"h", 80}, make_request("PUT", "/t"), false)
                    ->expose_text()
                    .find("Content-Length: 0\r\n") != std::string::npos,
            true);
}

TEST(SerializeForWire, KeepsHeadersTheCallerSet) {
  HttpRequest r = make_request("POST", "/", "abc");
  r.add_header("host", "kms.us-east-1.amazonaws.com");
  r.add_header("Content-Length", "3");
  r.add_header("Connection", "keep-alive");
  auto wire = serialize_for_wire({"127.0.0.1", 9000}, r, true);
  ASSERT_TRUE(wire) << wire.error().message();
  EXPECT_EQ(wire->expose_text(),
            "POST / HTTP/1.1\r\nhost: kms.us-east-1.amazonaws.com\r\nContent-Length: 3\r\n"
            "Connection: keep-alive\r\n\r\nabc");
}

TEST(SerializeForWire, RejectsRequestsThatCouldSplitTheMessage) {
  auto rejected = [](const HttpRequest& r, std::string_view fragment) {
    auto wire = serialize_for_wire({"h", 443}, r, true);
    ASSERT_FALSE(wire);
    EXPECT_EQ(wire.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(wire.error().message().find(fragment), std::string::npos) << wire.error().message();
    EXPECT_EQ(wire.error().message().find("evil"), std::string::npos) << "value leaked";
  };
  HttpRequest r = make_request("POST", "/");
  r.add_header("X-Token", "a\r\nX-Injected: evil");
  rejected(r, "CR, LF or NUL");
  rejected(make_request("POST", "/a b"), "target");
  rejected(make_request("POST", "relative"), "target");
  rejected(make_request("PO ST", "/"), "method");
  HttpRequest bad_name = make_request("POST", "/");
  bad_name.add_header("Bad Name", "v");
  rejected(bad_name, "not a token");
  HttpRequest te = make_request("POST", "/");
  te.add_header("Transfer-Encoding", "chunked");
  rejected(te, "Transfer-Encoding");
  HttpRequest cl = make_request("POST", "/", "abc");
  cl.add_header("Content-Length", "4");
  rejected(cl, "does not match its 3-byte body");
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string* dir = testing::test_cert_dir();
    if (dir == nullptr) GTEST_SKIP() << testing::test_cert_skip_reason();
    TlsOptions options;
    options.ca_file = *dir + "/ca.pem";
    auto ctx = TlsContext::create(options);
    ASSERT_TRUE(ctx) << ctx.error().message();
    tls_ = *ctx;
    server_options_.cert_file = *dir + "/server.pem";
    server_options_.key_file = *dir + "/server.key";
  }
  std::shared_ptr<const TlsContext> tls_;
  TestServerOptions server_options_;
};

TEST_F(HttpClientTest, HttpsRequestWithChunkedReply) {
  server_options_.handler = [](const std::string&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "7\r\n{\"value\r\n9\r\n\": \"abc\"}\r\n0\r\n\r\n");
  };
  TestServer server(server_options_);
  ASSERT_TRUE(server.start()) << server.error();
  HttpClient client(tls_);
  HttpRequest request = make_request("POST", "/keys/k//unwrapkey?api-version=7.1", R"({"x":1})");
  request.add_header("Content-Type", "application/json");
  auto r =
      client.send({"localhost", server.port()}, request, true, deadline_after(milliseconds(5000)));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.expose_text(), R"({"value": "abc"})");
  ASSERT_NE(r->find_header("content-type"), nullptr);

  ASSERT_EQ(server.requests().size(), 1u);
  const std::string seen = server.requests()[0];
  EXPECT_EQ(seen, "POST /keys/k//unwrapkey?api-version=7.1 HTTP/1.1\r\nHost: localhost:" +
                      std::to_string(server.port()) +
                      "\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
                      "Connection: close\r\n\r\n{\"x\":1}");
}

TEST_F(HttpClientTest, PlainHttpWithBodyUntilClose) {
  server_options_.tls = false;
  server_options_.handler = [](const std::string&) {
    return std::string("HTTP/1.0 200 OK\r\n\r\nmy-role-name");
  };
  TestServer server(server_options_);
  ASSERT_TRUE(server.start()) << server.error();
  HttpClient client(nullptr);  // IMDS-style client: no TLS at all
  HttpRequest request = make_request("GET", "/latest/meta-data/iam/security-credentials/");
  request.add_header("X-aws-ec2-metadata-token", "t");
  auto r =
      client.send({"127.0.0.1", server.port()}, request, false, deadline_after(milliseconds(5000)));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body.expose_text(), "my-role-name");

  auto https =
      client.send({"127.0.0.1", server.port()}, request, true, deadline_after(milliseconds(5000)));
  ASSERT_FALSE(https);
  EXPECT_EQ(https.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(HttpClientTest, OversizedReplyIsRefused) {
  server_options_.handler = [](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x');
  };
  TestServer server(server_options_);
  ASSERT_TRUE(server.start()) << server.error();
  HttpClientOptions limits;
  limits.max_body_bytes = 4096;
  HttpClient client(tls_, limits);
  auto r = client.send({"localhost", server.port()}, make_request("POST", "/"), true,
                       deadline_after(milliseconds(5000)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformedData);
  EXPECT_NE(
      r.error().message().find("HTTP response from localhost:" + std::to_string(server.port()) +
                               ": the response body of 5000 bytes exceeds the limit of 4096"),
      std::string::npos)
      << r.error().message();
}

TEST_F(HttpClientTest, GarbageAndTruncatedReplies) {
  for (const char* reply :
       {"220 smtp.example.com ESMTP\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}) {
    server_options_.handler = [reply](const std::string&) { return std::string(reply); };
    TestServer server(server_options_);
    ASSERT_TRUE(server.start()) << server.error();
    HttpClient client(tls_);
    auto r = client.send({"localhost", server.port()}, make_request("POST", "/"), true,
                         deadline_after(milliseconds(5000)));
    ASSERT_FALSE(r) << reply;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformedData) << r.error().message();
  }
}

TEST_F(HttpClientTest, SilentServerHitsTheDeadline) {
  server_options_.mode = TestServerOptions::Mode::kSilent;
  TestServer server(server_options_);
  ASSERT_TRUE(server.start()) << server.error();
  HttpClient client(tls_);
  const auto start = Clock::now();
  auto r = client.send({"localhost", server.port()}, make_request("POST", "/"), true,
                       deadline_after(milliseconds(250)));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded) << r.error().message();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(1500));
}

}  // namespace
}  // namespace openfle::net
