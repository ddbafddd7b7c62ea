// An in-memory HttpTransport for tests: scripted responses (or errors) in order, or a handler
// that computes them; every request is recorded for inspection.
//
//   net::FakeHttpTransport fake;
//   fake.push_response(200, R"({"access_token": "t"})", {{"Content-Type", "application/json"}});
//   fake.push_error(Error(ErrorCode::kUnavailable, "connection refused"));
//   ... code under test calls fake.send(...) ...
//   ASSERT_EQ(fake.requests().size(), 2u);
//   EXPECT_EQ(fake.requests()[0].request.target, "/token");
//
// Thread-safe. Sending with no scripted response left and no handler fails with
// kFailedPrecondition naming the request, so a test sees the unexpected call.
#ifndef OPENFLE_NET_FAKE_HTTP_TRANSPORT_H_
#define OPENFLE_NET_FAKE_HTTP_TRANSPORT_H_

#include <deque>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_client.h"

namespace openfle::net {

class FakeHttpTransport final : public HttpTransport {
 public:
  struct Sent {
    Endpoint endpoint;
    HttpRequest request;  // a deep copy
    bool use_tls = false;
  };
  using Handler =
      std::function<Result<HttpResponse>(const Endpoint&, const HttpRequest&, bool use_tls)>;

  static HttpRequest copy(const HttpRequest& r) {
    HttpRequest out;
    out.method = r.method;
    out.target = r.target;
    for (const auto& h : r.headers) out.headers.push_back(HttpHeader{h.name, h.value.clone()});
    out.body = r.body.clone();
    return out;
  }

  static HttpResponse response(
      int status, std::string_view body,
      std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.reason = status < 400 ? "OK" : "Error";
    for (const auto& [name, value] : headers) {
      r.headers.push_back(HttpHeader{name, SecretBytes::copy_of(value)});
    }
    r.body = SecretBytes::copy_of(body);
    return r;
  }

  void push_response(int status, std::string_view body,
                     std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(response(status, body, headers));
  }
  void push_response(HttpResponse r) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(r));
  }
  void push_error(Error error) {
    std::lock_guard lock(mutex_);
    script_.emplace_back(fail(std::move(error)));
  }
  // Answers requests once the script is used up.
  void set_handler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  Result<HttpResponse> send(const Endpoint& endpoint, const HttpRequest& request, bool use_tls,
                            Deadline /*deadline*/) override {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      sent_.push_back(Sent{endpoint, copy(request), use_tls});
      if (!script_.empty()) {
        Result<HttpResponse> next = std::move(script_.front());
        script_.pop_front();
        return next;
      }
      handler = handler_;
    }
    if (handler) return handler(endpoint, request, use_tls);
    return fail(ErrorCode::kFailedPrecondition, "FakeHttpTransport: no scripted response for " +
                                                    request.redacted_summary() + " to " +
                                                    endpoint.to_string());
  }

  // The requests sent so far, oldest first. Not to be called while other threads send.
  [[nodiscard]] const std::vector<Sent>& requests() const { return sent_; }
  [[nodiscard]] std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return sent_.size();
  }
  [[nodiscard]] std::size_t responses_left() const {
    std::lock_guard lock(mutex_);
    return script_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Result<HttpResponse>> script_;
  Handler handler_;
  std::vector<Sent> sent_;
};

}  // namespace openfle::net

#endif  // OPENFLE_NET_FAKE_HTTP_TRANSPORT_H_
