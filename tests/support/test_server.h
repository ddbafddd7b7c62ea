// A loopback TCP/TLS server for transport tests, running on its own thread in the test process
// (OpenSSL server side; no external process to manage). It serves one connection at a time.
//
//   openfle::testing::TestServer server({.cert_file = dir + "/server.pem",
//                                        .key_file = dir + "/server.key"});
//   ASSERT_TRUE(server.start()) << server.error();
//   ... connect to 127.0.0.1:server.port() ...
//
// Behaviours: answer each request (read up to the blank line and a Content-Length body) with
// handler(request); accept and never answer (after the TLS handshake, or before it); require a
// client certificate; cap the TLS version; close without close_notify.
#ifndef OPENFLE_TESTS_SUPPORT_TEST_SERVER_H_
#define OPENFLE_TESTS_SUPPORT_TEST_SERVER_H_

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace openfle::testing {

struct TestServerOptions {
  bool tls = true;
  std::string cert_file;       // server certificate chain (PEM)
  std::string key_file;        // its key
  std::string client_ca_file;  // set: require a client certificate issued by this CA
  int max_tls_version = 0;     // e.g. TLS1_2_VERSION to behave like PyKMIP; 0: no cap
  enum class Mode {
    kRespond,      // read one request, write handler(request), close
    kSilent,       // complete the TLS handshake (if any), then never send a byte
    kNoHandshake,  // accept the TCP connection, never read or write
  } mode = Mode::kRespond;
  bool close_notify = true;  // false: close the TCP connection without a TLS close_notify
  bool read_request = true;  // false: answer at once, without reading (like a banner)
  std::function<std::string(const std::string& request)> handler = [](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  };
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options) : options_(std::move(options)) {}
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  ~TestServer() {
    if (thread_.joinable()) {
      char b = 'x';
      (void)!::write(stop_pipe_[1], &b, 1);
      thread_.join();
    }
    for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) {
      if (fd >= 0) ::close(fd);
    }
    SSL_CTX_free(ctx_);
  }

  bool start() {
    if (options_.tls && !make_context()) return false;
    if (::pipe(stop_pipe_) != 0) return set_error("pipe failed");
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return set_error(std::string("cannot listen: ") + std::strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
    return true;
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  [[nodiscard]] std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // The common name of the last client certificate the server accepted ("" if none).
  [[nodiscard]] std::string client_common_name() const {
    std::lock_guard lock(mutex_);
    return client_cn_;
  }
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  bool set_error(std::string e) {
    std::lock_guard lock(mutex_);
    error_ = std::move(e);
    return false;
  }

  bool make_context() {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ == nullptr ||
        SSL_CTX_use_certificate_chain_file(ctx_, options_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return set_error("cannot load the server certificate " + options_.cert_file);
    }
    if (options_.max_tls_version != 0) {
      SSL_CTX_set_max_proto_version(ctx_, options_.max_tls_version);
    }
    if (!options_.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_file(ctx_, options_.client_ca_file.c_str()) != 1) {
        return set_error("cannot load the client CA " + options_.client_ca_file);
      }
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    return true;
  }

  bool stopping(int timeout_ms) {
    pollfd p{stop_pipe_[0], POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }

  void serve() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if ((fds[1].revents & POLLIN) != 0) return;
      if (options_.mode == TestServerOptions::Mode::kNoHandshake) {
        // Leave the connection in the accept queue: the kernel completes the TCP handshake, and
        // nothing ever reads. Wait for the end of the test.
        stopping(-1);
        return;
      }
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      timeval tv{5, 0};  // never let a misbehaving client hang the server thread
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      handle(fd);
      ::close(fd);
    }
  }

  void handle(int fd) {
    SSL* ssl = nullptr;
    if (options_.tls) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      ERR_clear_error();
      if (SSL_accept(ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        return;
      }
      if (X509* peer = SSL_get0_peer_certificate(ssl)) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        std::lock_guard lock(mutex_);
        client_cn_ = cn;
      }
    }
    auto recv_some = [&](char* buf, int size) -> int {
      return ssl != nullptr ? SSL_read(ssl, buf, size)
                            : static_cast<int>(::recv(fd, buf, static_cast<std::size_t>(size), 0));
    };
    auto send_all = [&](const std::string& data) {
      std::size_t done = 0;
      while (done < data.size()) {
        const int chunk = static_cast<int>(data.size() - done);
        const int n = ssl != nullptr
                          ? SSL_write(ssl, data.data() + done, chunk)
                          : static_cast<int>(::send(fd, data.data() + done,
                                                    static_cast<std::size_t>(chunk), MSG_NOSIGNAL));
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
      }
    };

    if (options_.mode == TestServerOptions::Mode::kSilent) {
      stopping(-1);
    } else {
      std::string request;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (options_.read_request && (need == std::string::npos || request.size() < need)) {
        const int n = recv_some(buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
        const auto end = request.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          std::size_t length = 0;
          const auto cl = request.find("Content-Length: ");
          if (cl != std::string::npos && cl < end) length = std::stoul(request.substr(cl + 16));
          need = end + 4 + length;
        }
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      send_all(options_.handler(request));
    }
    if (ssl != nullptr) {
      if (options_.close_notify) SSL_shutdown(ssl);
      SSL_free(ssl);
    }
  }

  TestServerOptions options_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::string error_;
  std::vector<std::string> requests_;
  std::string client_cn_;
};

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_TEST_SERVER_H_
