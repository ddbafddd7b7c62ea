#include "net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "common/strings.h"
#include "net/openssl_error.h"

namespace openfle::net {
namespace {

std::string errno_text(int err) { return errno_message(err); }

// A socket file descriptor, closed on destruction.
class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

enum class WaitResult { kReady, kTimedOut, kFailed };

// Waits until `fd` is ready for `events` or the deadline passes. A deadline already past still
// polls once (with timeout 0), so a ready socket is not reported as timed out.
WaitResult wait_for(int fd, short events, Deadline deadline, int& error) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, poll_timeout_ms(deadline));
    if (rc > 0) return WaitResult::kReady;  // POLLERR/POLLHUP: the next call reports why
    if (rc == 0) {
      if (Clock::now() >= deadline) return WaitResult::kTimedOut;
      continue;  // woke a little early
    }
    if (errno == EINTR) continue;
    error = errno;
    return WaitResult::kFailed;
  }
}

Error wait_error(WaitResult result, int err, std::string_view doing, const std::string& peer) {
  if (result == WaitResult::kTimedOut) {
    return Error(ErrorCode::kDeadlineExceeded,
                 "deadline exceeded while " + std::string(doing) + " " + peer);
  }
  return Error(ErrorCode::kIoError,
               "poll() failed while " + std::string(doing) + " " + peer + ": " + errno_text(err));
}

Error socket_error(int err, std::string_view doing, const std::string& peer) {
  if (err == ECONNRESET) {
    return Error(ErrorCode::kUnavailable,
                 "connection to " + peer + " reset by the server while " + std::string(doing));
  }
  if (err == EPIPE) {
    return Error(ErrorCode::kUnavailable,
                 "connection to " + peer + " closed by the server while " + std::string(doing));
  }
  return Error(ErrorCode::kUnavailable,
               std::string(doing) + " " + peer + " failed: " + errno_text(err));
}

// ---------------------------------------------------------------------------------------------
// Plain TCP.

class TcpConnection final : public Connection {
 public:
  TcpConnection(Socket socket, std::string peer)
      : socket_(std::move(socket)), peer_(std::move(peer)) {}

  Status write_all(std::span<const std::uint8_t> bytes, Deadline deadline) override {
    while (!bytes.empty()) {
      // MSG_NOSIGNAL: a closed peer must give EPIPE, not kill the process with SIGPIPE.
      ssize_t n = ::send(socket_.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        bytes = bytes.subspan(static_cast<std::size_t>(n));
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return fail(socket_error(errno, "writing to", peer_));
      }
      int err = 0;
      if (auto w = wait_for(socket_.fd(), POLLOUT, deadline, err); w != WaitResult::kReady) {
        return fail(wait_error(w, err, "writing to", peer_));
      }
    }
    return {};
  }

  Result<std::size_t> read_some(std::span<std::uint8_t> buffer, Deadline deadline) override {
    if (buffer.empty()) return std::size_t{0};
    for (;;) {
      ssize_t n = ::recv(socket_.fd(), buffer.data(), buffer.size(), 0);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return fail(socket_error(errno, "reading from", peer_));
      }
      int err = 0;
      if (auto w = wait_for(socket_.fd(), POLLIN, deadline, err); w != WaitResult::kReady) {
        return fail(wait_error(w, err, "waiting for data from", peer_));
      }
    }
  }

  [[nodiscard]] const std::string& peer() const noexcept override { return peer_; }

 private:
  Socket socket_;
  std::string peer_;
};

// ---------------------------------------------------------------------------------------------
// TLS over the same non-blocking socket.
//
// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the server has gone; a
// library must not change the process's signal handling, so this minimal BIO uses
// send(MSG_NOSIGNAL) instead. It also remembers end-of-stream for BIO_eof(), which is how OpenSSL
// tells a clean close_notify from a connection cut short.

struct BioState {
  int fd = -1;
  bool eof = false;
};

int bio_write(BIO* bio, const char* data, int size) {
  auto* state = static_cast<BioState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  ssize_t n = ::send(state->fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  return -1;
}

int bio_read(BIO* bio, char* out, int size) {
  auto* state = static_cast<BioState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  ssize_t n = ::recv(state->fd, out, static_cast<std::size_t>(size), 0);
  if (n > 0) return static_cast<int>(n);
  if (n == 0) {
    state->eof = true;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
  return -1;
}

long bio_ctrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_CTRL_EOF:
      return static_cast<BioState*>(BIO_get_data(bio))->eof ? 1 : 0;
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_bio_method() {
  // Immutable after construction and shared by all connections; never freed (it is tiny and
  // OpenSSL may reference it until exit).
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "openfle socket");
    if (m != nullptr) {
      BIO_meth_set_write(m, bio_write);
      BIO_meth_set_read(m, bio_read);
      BIO_meth_set_ctrl(m, bio_ctrl);
      BIO_meth_set_create(m, bio_create);
    }
    return m;
  }();
  return method;
}

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// A hint for the TLS alerts and failures a misconfigured KMS client meets most.
std::string_view hint_for_reason(int reason) {
  switch (reason) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return " (the server requires a client certificate: set tlsCertificateKeyFile)";
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      return " (the server refused the handshake: it may require a client certificate "
             "(tlsCertificateKeyFile) or support no common protocol version or cipher)";
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
      return " (the server rejected the client certificate from tlsCertificateKeyFile)";
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
      return " (the server says the client certificate has expired)";
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
      return " (is the server speaking TLS on this port?)";
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return " (the server does not support TLS 1.2 or later)";
    default:
      return "";
  }
}

std::string_view hint_for_verify_error(long code) {
  switch (code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return " (the server's certificate is not issued by a trusted CA: set tlsCAFile to the "
             "issuing CA's certificate)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return " (the server's certificate does not name the host that was connected to)";
    default:
      return "";
  }
}

class TlsConnection final : public Connection {
 public:
  TlsConnection(Socket socket, std::string peer)
      : socket_(std::move(socket)), peer_(std::move(peer)) {
    bio_state_.fd = socket_.fd();
  }
  ~TlsConnection() override {
    // Best effort, without waiting: tell the server we are done, so it need not log a cut
    // connection. Whatever happens, the socket is closed next.
    if (ssl_ && handshake_done_) {
      ERR_clear_error();
      SSL_shutdown(ssl_.get());
      ERR_clear_error();
    }
  }

  Status handshake(const TlsContext& context, const std::string& host, Deadline deadline) {
    ERR_clear_error();
    ssl_.reset(SSL_new(context.native()));
    const BIO_METHOD* method = socket_bio_method();
    BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
    if (!ssl_ || bio == nullptr) {
      BIO_free(bio);
      return fail(ErrorCode::kInternal, "cannot create a TLS session: " + drain_openssl_errors());
    }
    BIO_set_data(bio, &bio_state_);
    SSL_set_bio(ssl_.get(), bio, bio);  // ssl_ owns the BIO from here

    // An IP literal is checked against the certificate's IP SANs and sent without SNI (RFC 6066
    // section 3: HostName is a DNS name, literal addresses are not permitted); a DNS name is
    // sent as SNI and checked against the DNS SANs (RFC 6125).
    in6_addr scratch{};
    const bool is_ip = ::inet_pton(AF_INET, host.c_str(), &scratch) == 1 ||
                       ::inet_pton(AF_INET6, host.c_str(), &scratch) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    int ok = 1;
    if (is_ip) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1 &&
           // SSL_set_tlsext_host_name() spelled out: the macro uses a C cast.
           SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(host.c_str())) == 1;
    }
    if (ok != 1) {
      return fail(ErrorCode::kInvalidArgument,
                  "cannot use '" + host + "' as the TLS server name: " + drain_openssl_errors());
    }
    SSL_set_connect_state(ssl_.get());
    auto done = run([this] { return SSL_do_handshake(ssl_.get()); }, deadline,
                    "waiting for the TLS handshake with", "TLS handshake with");
    if (!done) return fail(done.error());
    handshake_done_ = true;
    return {};
  }

  Status write_all(std::span<const std::uint8_t> bytes, Deadline deadline) override {
    while (!bytes.empty()) {
      const int chunk = static_cast<int>(std::min<std::size_t>(bytes.size(), INT_MAX));
      auto n = run([&] { return SSL_write(ssl_.get(), bytes.data(), chunk); }, deadline,
                   "writing to", "TLS write to");
      if (!n) {
        // A server that rejects us after the TLS 1.3 handshake (e.g. for a missing client
        // certificate) sends an alert and closes; our write then fails with EPIPE or a reset.
        // The alert, if it arrived, says why, so prefer it.
        if (auto alert = pending_alert(); alert) return fail(std::move(*alert));
        return fail(n.error());
      }
      bytes = bytes.subspan(static_cast<std::size_t>(*n));
    }
    return {};
  }

  Result<std::size_t> read_some(std::span<std::uint8_t> buffer, Deadline deadline) override {
    if (buffer.empty()) return std::size_t{0};
    const int size = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
    auto n = run([&] { return SSL_read(ssl_.get(), buffer.data(), size); }, deadline,
                 "waiting for data from", "TLS read from");
    if (!n) return fail(n.error());
    return static_cast<std::size_t>(*n);
  }

  [[nodiscard]] const std::string& peer() const noexcept override { return peer_; }

 private:
  // Runs an SSL call until it succeeds, waiting on the socket for WANT_READ / WANT_WRITE. Returns
  // the call's positive result, or 0 for a clean close_notify.
  template <class Op>
  Result<int> run(Op op, Deadline deadline, std::string_view waiting, std::string_view what) {
    for (;;) {
      ERR_clear_error();
      errno = 0;
      const int rc = op();
      if (rc > 0) return rc;
      const int ssl_error = SSL_get_error(ssl_.get(), rc);
      const int saved_errno = errno;
      short events = 0;
      if (ssl_error == SSL_ERROR_WANT_READ) {
        events = POLLIN;
      } else if (ssl_error == SSL_ERROR_WANT_WRITE) {
        events = POLLOUT;
      } else if (ssl_error == SSL_ERROR_ZERO_RETURN) {
        if (!handshake_done_) {
          return fail(ErrorCode::kUnavailable, std::string(what) + " " + peer_ +
                                                   " failed: the server closed the connection");
        }
        return 0;
      } else {
        return fail(describe(ssl_error, saved_errno, what));
      }
      int err = 0;
      if (auto w = wait_for(socket_.fd(), events, deadline, err); w != WaitResult::kReady) {
        return fail(wait_error(w, err, waiting, peer_));
      }
    }
  }

  Error describe(int ssl_error, int saved_errno, std::string_view what) {
    const std::string prefix = std::string(what) + " " + peer_ + " failed: ";
    if (ssl_error == SSL_ERROR_SSL) {
      const unsigned long code = ERR_peek_last_error();
      const int reason = ERR_GET_REASON(code);
      if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        const long verify = SSL_get_verify_result(ssl_.get());
        ERR_clear_error();
        // Not kUnavailable: retrying cannot make an untrusted certificate trusted.
        return Error(ErrorCode::kFailedPrecondition, prefix + "certificate verify failed: " +
                                                  X509_verify_cert_error_string(verify) +
                                                  std::string(hint_for_verify_error(verify)));
      }
      if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return Error(ErrorCode::kUnavailable,
                     prefix + "the server closed the connection without a TLS close_notify" +
                         (handshake_done_ ? " (the data may be truncated)" : ""));
      }
      std::string reasons = drain_openssl_errors();
      return Error(ErrorCode::kUnavailable,
                   prefix + reasons + std::string(hint_for_reason(reason)));
    }
    if (ssl_error == SSL_ERROR_SYSCALL) {
      std::string reasons = ERR_peek_error() != 0 ? drain_openssl_errors() : "";
      if (saved_errno == 0 && reasons.empty()) {
        return Error(ErrorCode::kUnavailable, prefix + "the server closed the connection");
      }
      if (saved_errno == ECONNRESET) {
        return Error(ErrorCode::kUnavailable, prefix + "connection reset by the server");
      }
      if (saved_errno == EPIPE) {
        return Error(ErrorCode::kUnavailable, prefix + "the server closed the connection");
      }
      return Error(ErrorCode::kUnavailable,
                   prefix + (saved_errno != 0 ? errno_text(saved_errno) : reasons));
    }
    return Error(ErrorCode::kInternal, prefix + "unexpected SSL_get_error " +
                                           std::to_string(ssl_error) + ": " +
                                           drain_openssl_errors());
  }

  // After a failed write: the error a server alert already waiting in the socket explains, if any.
  std::optional<Error> pending_alert() {
    std::uint8_t scratch[64];
    ERR_clear_error();
    const int rc = SSL_read(ssl_.get(), scratch, sizeof scratch);
    OPENSSL_cleanse(scratch, sizeof scratch);
    if (rc > 0) return std::nullopt;
    if (SSL_get_error(ssl_.get(), rc) != SSL_ERROR_SSL) {
      ERR_clear_error();
      return std::nullopt;
    }
    const int reason = ERR_GET_REASON(ERR_peek_last_error());
    if (hint_for_reason(reason).empty()) {
      ERR_clear_error();
      return std::nullopt;
    }
    return describe(SSL_ERROR_SSL, 0, "TLS connection to");
  }

  Socket socket_;
  std::string peer_;
  BioState bio_state_;
  SslPtr ssl_;
  bool handshake_done_ = false;
};

// ---------------------------------------------------------------------------------------------
// Resolving and connecting.

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { ::freeaddrinfo(ai); }
};

std::string address_text(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  } else if (addr->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

// One non-blocking connect attempt. Returns the socket, or the errno (ETIMEDOUT for the deadline).
Result<Socket> connect_one(const addrinfo& ai, Deadline deadline, int& error) {
  Socket socket(
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (socket.fd() < 0) {
    error = errno;
    return fail(ErrorCode::kIoError, "socket() failed: " + errno_text(errno));
  }
  if (::connect(socket.fd(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      error = errno;
      return fail(ErrorCode::kUnavailable, errno_text(errno));
    }
    int err = 0;
    if (auto w = wait_for(socket.fd(), POLLOUT, deadline, err); w != WaitResult::kReady) {
      error = w == WaitResult::kTimedOut ? ETIMEDOUT : err;
      return fail(ErrorCode::kUnavailable, errno_text(error));
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
    if (so_error != 0) {
      error = so_error;
      return fail(ErrorCode::kUnavailable, errno_text(so_error));
    }
  }
  // KMS exchanges are one small request and one small reply: do not let Nagle delay them.
  int one = 1;
  ::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return socket;
}

}  // namespace

Status read_exact(Connection& connection, std::span<std::uint8_t> buffer, Deadline deadline) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    auto n = connection.read_some(buffer.subspan(done), deadline);
    if (!n) return fail(n.error());
    if (*n == 0) {
      return fail(ErrorCode::kUnavailable, connection.peer() + " closed the connection after " +
                                               std::to_string(done) + " of " +
                                               std::to_string(buffer.size()) + " expected bytes");
    }
    done += *n;
  }
  return {};
}

Result<std::unique_ptr<Connection>> connect(const Endpoint& endpoint,
                                            const ConnectOptions& options) {
  const std::string peer = endpoint.to_string();
  if (endpoint.host.empty()) {
    return fail(ErrorCode::kInvalidArgument, "cannot connect to an endpoint without a host");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  const int gai = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
  std::unique_ptr<addrinfo, AddrInfoDeleter> addresses(found);
  if (gai != 0) {
    const std::string reason = gai == EAI_SYSTEM ? errno_text(errno) : ::gai_strerror(gai);
    return fail(ErrorCode::kUnavailable,
                "cannot resolve host '" + endpoint.host + "' (DNS lookup failed: " + reason + ")");
  }
  if (Clock::now() >= options.deadline) {
    return fail(ErrorCode::kDeadlineExceeded,
                "deadline exceeded while resolving host '" + endpoint.host + "'");
  }

  std::optional<Socket> socket;
  int last_error = 0;
  std::string last_address;
  for (const addrinfo* ai = addresses.get(); ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    int error = 0;
    auto attempt = connect_one(*ai, options.deadline, error);
    if (attempt) {
      socket.emplace(std::move(*attempt));
      break;
    }
    last_error = error;
    last_address = address_text(ai->ai_addr);
    if (error == ETIMEDOUT && Clock::now() >= options.deadline) break;
  }
  if (!socket) {
    const std::string via =
        last_address.empty() || last_address == endpoint.host ? "" : " (" + last_address + ")";
    if (last_error == ETIMEDOUT) {
      return fail(ErrorCode::kDeadlineExceeded,
                  "deadline exceeded while connecting to " + peer + via);
    }
    if (last_error == ECONNREFUSED) {
      return fail(ErrorCode::kUnavailable,
                  "connection to " + peer + via + " refused (is the server running on that port?)");
    }
    return fail(ErrorCode::kUnavailable,
                "cannot connect to " + peer + via + ": " +
                    (last_error != 0 ? errno_text(last_error) : "no usable address"));
  }

  if (!options.tls) return std::unique_ptr<Connection>(new TcpConnection(std::move(*socket), peer));
  auto tls = std::make_unique<TlsConnection>(std::move(*socket), peer);
  if (auto s = tls->handshake(*options.tls, endpoint.host, options.deadline); !s) {
    return fail(s.error());
  }
  return std::unique_ptr<Connection>(std::move(tls));
}

}  // namespace openfle::net
