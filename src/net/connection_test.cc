// Integration tests of net::connect against loopback servers with real certificates.
#include "net/connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "support/test_certs.h"
#include "support/test_server.h"

namespace openfle::net {
namespace {

using std::chrono::milliseconds;
using testing::TestServer;
using testing::TestServerOptions;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string* dir = testing::test_cert_dir();
    if (dir == nullptr) GTEST_SKIP() << testing::test_cert_skip_reason();
    dir_ = *dir;
  }
  std::string file(std::string_view name) const { return dir_ + "/" + std::string(name); }

  TestServerOptions server_with(std::string_view cert) const {
    TestServerOptions o;
    o.cert_file = file(std::string(cert) + ".pem");
    o.key_file = file(std::string(cert) + ".key");
    o.handler = [](const std::string& request) { return "echo:" + request; };
    return o;
  }

  std::shared_ptr<const TlsContext> context(std::optional<std::string> client = std::nullopt,
                                            std::optional<std::string> password = std::nullopt) {
    TlsOptions options;
    options.ca_file = file("ca.pem");
    if (client) options.certificate_key_file = file(*client);
    if (password) options.certificate_key_password = SecretBytes::copy_of(*password);
    auto ctx = TlsContext::create(options);
    EXPECT_TRUE(ctx) << ctx.error().message();
    return ctx ? *ctx : nullptr;
  }

  // Connects, sends "ping", and returns what the server sent back (or the first error).
  Result<std::string> exchange(const Endpoint& endpoint, std::shared_ptr<const TlsContext> tls,
                               milliseconds timeout = milliseconds(5000)) {
    const Deadline deadline = deadline_after(timeout);
    auto conn = connect(endpoint, {tls, deadline});
    if (!conn) return fail(conn.error());
    const std::string_view ping = "ping\r\n\r\n";
    auto w = (*conn)->write_all({reinterpret_cast<const std::uint8_t*>(ping.data()), ping.size()},
                                deadline);
    if (!w) return fail(w.error());
    std::string reply;
    std::uint8_t buf[256];
    for (;;) {
      auto n = (*conn)->read_some(buf, deadline);
      if (!n) return fail(n.error());
      if (*n == 0) return reply;
      reply.append(reinterpret_cast<const char*>(buf), *n);
    }
  }

  static void expect_error(const Result<std::string>& r, ErrorCode code,
                           std::initializer_list<std::string_view> fragments) {
    ASSERT_FALSE(r) << "unexpected success: " << *r;
    EXPECT_EQ(r.error().code(), code) << r.error().message();
    for (auto f : fragments) {
      EXPECT_NE(r.error().message().find(f), std::string::npos)
          << "message: " << r.error().message() << "\nexpected to contain: " << f;
    }
  }

  std::string dir_;
};

TEST_F(ConnectionTest, ValidCertificateByNameAndByAddress) {
  TestServer server(server_with("server"));
  ASSERT_TRUE(server.start()) << server.error();
  auto tls = context();
  auto r = exchange({"localhost", server.port()}, tls);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "echo:ping\r\n\r\n");
  r = exchange({"127.0.0.1", server.port()}, tls);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "echo:ping\r\n\r\n");
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(ConnectionTest, Tls12OnlyServerLikePyKmip) {
  auto options = server_with("server");
  options.max_tls_version = TLS1_2_VERSION;
  TestServer server(options);
  ASSERT_TRUE(server.start()) << server.error();
  auto r = exchange({"127.0.0.1", server.port()}, context());
  ASSERT_TRUE(r) << r.error().message();
}

TEST_F(ConnectionTest, ExpiredCertificateFails) {
  TestServer server(server_with("expired"));
  ASSERT_TRUE(server.start()) << server.error();
  auto r = exchange({"localhost", server.port()}, context());
  expect_error(
      r, ErrorCode::kFailedPrecondition,
      {"TLS handshake with localhost:", "certificate verify failed: certificate has expired"});
}

TEST_F(ConnectionTest, WrongHostFails) {
  TestServer server(server_with("wronghost"));
  ASSERT_TRUE(server.start()) << server.error();
  auto tls = context();
  expect_error(exchange({"localhost", server.port()}, tls), ErrorCode::kFailedPrecondition,
               {"certificate verify failed: hostname mismatch"});
  expect_error(exchange({"127.0.0.1", server.port()}, tls), ErrorCode::kFailedPrecondition,
               {"TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                " failed: certificate verify failed: IP address mismatch"});
}

TEST_F(ConnectionTest, UntrustedCaFails) {
  TestServer server(server_with("untrusted"));
  ASSERT_TRUE(server.start()) << server.error();
  expect_error(exchange({"localhost", server.port()}, context()), ErrorCode::kFailedPrecondition,
               {"certificate verify failed: unable to get local issuer certificate", "tlsCAFile"});
  // The system store does not know the test CA either.
  auto system = TlsContext::create(TlsOptions{});
  ASSERT_TRUE(system) << system.error().message();
  TestServer valid(server_with("server"));
  ASSERT_TRUE(valid.start()) << valid.error();
  expect_error(exchange({"localhost", valid.port()}, *system), ErrorCode::kFailedPrecondition,
               {"certificate verify failed"});
}

TEST_F(ConnectionTest, ClientCertificateRequired) {
  for (int version : {0, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == 0 ? "TLS 1.3" : "TLS 1.2");
    auto options = server_with("server");
    options.client_ca_file = file("ca.pem");
    options.max_tls_version = version;
    TestServer server(options);
    ASSERT_TRUE(server.start()) << server.error();

    auto without = exchange({"localhost", server.port()}, context());
    expect_error(without, ErrorCode::kUnavailable,
                 {"localhost:" + std::to_string(server.port()), "client certificate"});
    if (version == 0) expect_error(without, ErrorCode::kUnavailable, {"certificate required"});

    auto with = exchange({"localhost", server.port()}, context("client.pem"));
    ASSERT_TRUE(with) << with.error().message();
    EXPECT_EQ(server.client_common_name(), "client");

    auto encrypted =
        exchange({"localhost", server.port()}, context("client-encrypted.pem", "test-password"));
    ASSERT_TRUE(encrypted) << encrypted.error().message();
  }
}

TEST_F(ConnectionTest, ServerThatNeverAnswersHitsTheDeadline) {
  for (auto mode : {TestServerOptions::Mode::kNoHandshake, TestServerOptions::Mode::kSilent}) {
    auto options = server_with("server");
    options.mode = mode;
    TestServer server(options);
    ASSERT_TRUE(server.start()) << server.error();
    const auto start = Clock::now();
    auto r = exchange({"127.0.0.1", server.port()}, context(), milliseconds(300));
    const auto took = Clock::now() - start;
    expect_error(r, ErrorCode::kDeadlineExceeded, {"deadline exceeded", "127.0.0.1"});
    if (mode == TestServerOptions::Mode::kNoHandshake) {
      expect_error(r, ErrorCode::kDeadlineExceeded, {"TLS handshake"});
    }
    EXPECT_GE(took, milliseconds(300));
    EXPECT_LT(took, milliseconds(1500));
  }
}

TEST_F(ConnectionTest, ConnectionRefused) {
  // A port that was just free: bind, read the number, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  const auto port = ntohs(addr.sin_port);
  expect_error(exchange({"127.0.0.1", port}, nullptr), ErrorCode::kUnavailable,
               {"connection to 127.0.0.1:" + std::to_string(port) + " refused"});
  expect_error(exchange({"127.0.0.1", port}, context()), ErrorCode::kUnavailable, {"refused"});
}

TEST_F(ConnectionTest, UnresolvableHost) {
  expect_error(exchange({"no-such-host.invalid", 443}, nullptr), ErrorCode::kUnavailable,
               {"cannot resolve host 'no-such-host.invalid'"});
}

TEST_F(ConnectionTest, PlainTcp) {
  auto options = server_with("server");
  options.tls = false;
  TestServer server(options);
  ASSERT_TRUE(server.start()) << server.error();
  auto r = exchange({"127.0.0.1", server.port()}, nullptr);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "echo:ping\r\n\r\n");
  // TLS to a server that does not speak it (and answers in plain HTTP at once).
  options.read_request = false;
  options.handler = [](const std::string&) {
    return std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  };
  TestServer plain(options);
  ASSERT_TRUE(plain.start()) << plain.error();
  expect_error(exchange({"127.0.0.1", plain.port()}, context()), ErrorCode::kUnavailable,
               {"TLS handshake with 127.0.0.1", "is the server speaking TLS on this port?"});
}

TEST_F(ConnectionTest, ReadExact) {
  auto options = server_with("server");
  options.handler = [](const std::string&) { return std::string("0123456789"); };
  TestServer server(options);
  ASSERT_TRUE(server.start()) << server.error();
  const Deadline deadline = deadline_after(milliseconds(5000));
  auto conn = connect({"localhost", server.port()}, {context(), deadline});
  ASSERT_TRUE(conn) << conn.error().message();
  const std::string_view ping = "ping\r\n\r\n";
  ASSERT_TRUE((*conn)->write_all({reinterpret_cast<const std::uint8_t*>(ping.data()), ping.size()},
                                 deadline));
  std::uint8_t header[8];
  ASSERT_TRUE(read_exact(**conn, header, deadline));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(header), 8), "01234567");
  std::uint8_t more[8];
  auto r = read_exact(**conn, more, deadline);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("closed the connection after 2 of 8 expected bytes"),
            std::string::npos)
      << r.error().message();
}

TEST_F(ConnectionTest, TruncationWithoutCloseNotifyIsAnError) {
  auto options = server_with("server");
  options.close_notify = false;
  TestServer server(options);
  ASSERT_TRUE(server.start()) << server.error();
  expect_error(exchange({"localhost", server.port()}, context()), ErrorCode::kUnavailable,
               {"without a TLS close_notify"});
}

TEST_F(ConnectionTest, ContextErrorsNameTheFileAndCause) {
  TlsOptions missing;
  missing.ca_file = file("nope.pem");
  auto r = TlsContext::create(missing);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("tlsCAFile '" + file("nope.pem") +
                                     "' cannot be opened: No such file or directory"),
            std::string::npos)
      << r.error().message();

  TlsOptions not_pem;
  not_pem.ca_file = file("server.key");
  r = TlsContext::create(not_pem);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("holds no usable PEM certificate"), std::string::npos)
      << r.error().message();

  TlsOptions encrypted;
  encrypted.certificate_key_file = file("client-encrypted.pem");
  r = TlsContext::create(encrypted);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("encrypted private key: set tlsCertificateKeyFilePassword"),
            std::string::npos)
      << r.error().message();

  encrypted.certificate_key_password = SecretBytes::copy_of(std::string_view("wrong"));
  r = TlsContext::create(encrypted);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("wrong tlsCertificateKeyFilePassword"), std::string::npos)
      << r.error().message();

  TlsOptions cert_only;
  cert_only.certificate_key_file = file("client.crt");
  r = TlsContext::create(cert_only);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no usable PEM private key"), std::string::npos)
      << r.error().message();
}

TEST_F(ConnectionTest, ContextCacheSharesEqualOptions) {
  TlsContextCache cache;
  TlsOptions a;
  a.ca_file = file("ca.pem");
  TlsOptions b = a.clone();
  TlsOptions c = a.clone();
  c.certificate_key_file = file("client.pem");
  auto ca = cache.get(a);
  auto cb = cache.get(b);
  auto cc = cache.get(c);
  ASSERT_TRUE(ca && cb && cc);
  EXPECT_EQ(ca->get(), cb->get());
  EXPECT_NE(ca->get(), cc->get());
  EXPECT_TRUE((*cc)->has_client_certificate());
  TlsOptions bad;
  bad.ca_file = file("nope.pem");
  EXPECT_FALSE(cache.get(bad));
}

}  // namespace
}  // namespace openfle::net
