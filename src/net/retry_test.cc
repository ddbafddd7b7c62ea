#include "net/retry.h"

#include <gtest/gtest.h>

#include <vector>

#include "net/fake_http_transport.h"

namespace openfle::net {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, CeilingDoublesUpToTheCap) {
  RetryPolicy p;  // 200 ms base, 20 s cap
  EXPECT_EQ(p.backoff_ceiling(1), milliseconds(200));
  EXPECT_EQ(p.backoff_ceiling(2), milliseconds(400));
  EXPECT_EQ(p.backoff_ceiling(3), milliseconds(800));
  EXPECT_EQ(p.backoff_ceiling(7), milliseconds(12800));
  EXPECT_EQ(p.backoff_ceiling(8), milliseconds(20000));
  EXPECT_EQ(p.backoff_ceiling(1000), milliseconds(20000));
  EXPECT_EQ(p.backoff_ceiling(0), milliseconds(0));
}

TEST(RetryPolicy, FullJitterSpansZeroToCeiling) {
  RetryPolicy p;
  EXPECT_EQ(p.backoff(2, 0), milliseconds(0));
  EXPECT_EQ(p.backoff(2, 400), milliseconds(400));
  EXPECT_EQ(p.backoff(2, 401), milliseconds(0));
  EXPECT_EQ(p.backoff(2, 123), milliseconds(123));
  for (int i = 0; i < 200; ++i) {
    auto d = p.backoff(3, retry_random());
    EXPECT_GE(d, milliseconds(0));
    EXPECT_LE(d, milliseconds(800));
  }
}

TEST(RetryPolicy, RetryableOutcomes) {
  for (int s : {408, 429, 500, 502, 503, 504, 599}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 201, 301, 400, 401, 403, 404, 409, 600})
    EXPECT_FALSE(is_retryable_status(s)) << s;
  EXPECT_TRUE(is_retryable_error(Error(ErrorCode::kUnavailable, "refused")));
  EXPECT_TRUE(is_retryable_error(Error(ErrorCode::kDeadlineExceeded, "slow")));
  EXPECT_TRUE(is_retryable_error(Error(ErrorCode::kIoError, "poll")));
  EXPECT_FALSE(is_retryable_error(Error(ErrorCode::kMalformedData, "garbage")));
  EXPECT_FALSE(is_retryable_error(Error(ErrorCode::kInvalidArgument, "bad")));
}

struct Recorder {
  std::vector<milliseconds> sleeps;
  RetryHooks hooks() {
    return RetryHooks{[this](milliseconds d) { sleeps.push_back(d); },
                      [] { return ~std::uint64_t{0}; }};
  }
};

HttpRequest decrypt_request() {
  HttpRequest r;
  r.target = "/";
  r.body = SecretBytes::copy_of(std::string_view("{}"));
  return r;
}

TEST(SendWithRetry, RecoversAfterTransientFailures) {
  FakeHttpTransport fake;
  fake.push_error(Error(ErrorCode::kUnavailable, "connection refused"));
  fake.push_response(503, "busy");
  fake.push_response(200, "done");
  Recorder rec;
  auto r = send_with_retry(fake, {"kms.example.com", 443}, decrypt_request(), true,
                           deadline_after(std::chrono::minutes(1)), RetryPolicy{}, rec.hooks());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.expose_text(), "done");
  EXPECT_EQ(fake.request_count(), 3u);
  ASSERT_EQ(rec.sleeps.size(), 2u);
  RetryPolicy p;
  EXPECT_EQ(rec.sleeps[0], p.backoff(1, ~std::uint64_t{0}));
  EXPECT_EQ(rec.sleeps[1], p.backoff(2, ~std::uint64_t{0}));
  EXPECT_EQ(fake.requests()[2].request.body.expose_text(), "{}");
  EXPECT_TRUE(fake.requests()[2].use_tls);
}

TEST(SendWithRetry, GivesUpAfterMaxAttempts) {
  FakeHttpTransport fake;
  for (int i = 0; i < 4; ++i) fake.push_response(500, "err " + std::to_string(i));
  Recorder rec;
  auto r = send_with_retry(fake, {"h", 443}, decrypt_request(), true,
                           deadline_after(std::chrono::minutes(1)), RetryPolicy{}, rec.hooks());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.expose_text(), "err 2");  // the third and last attempt's reply
  EXPECT_EQ(fake.request_count(), 3u);
  EXPECT_EQ(fake.responses_left(), 1u);

  RetryPolicy five;
  five.max_attempts = 5;
  FakeHttpTransport fake5;
  for (int i = 0; i < 5; ++i) fake5.push_error(Error(ErrorCode::kUnavailable, "down"));
  auto r5 = send_with_retry(fake5, {"h", 443}, decrypt_request(), true,
                            deadline_after(std::chrono::minutes(1)), five, rec.hooks());
  ASSERT_FALSE(r5);
  EXPECT_EQ(r5.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(fake5.request_count(), 5u);
}

TEST(SendWithRetry, DoesNotRetryPermanentOutcomes) {
  FakeHttpTransport fake;
  fake.push_response(403, "denied");
  fake.push_error(Error(ErrorCode::kMalformedData, "garbage"));
  Recorder rec;
  auto r = send_with_retry(fake, {"h", 443}, decrypt_request(), true,
                           deadline_after(std::chrono::minutes(1)), RetryPolicy{}, rec.hooks());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  auto g = send_with_retry(fake, {"h", 443}, decrypt_request(), true,
                           deadline_after(std::chrono::minutes(1)), RetryPolicy{}, rec.hooks());
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code(), ErrorCode::kMalformedData);
  EXPECT_EQ(fake.request_count(), 2u);
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(SendWithRetry, NeverSleepsPastTheDeadline) {
  FakeHttpTransport fake;
  fake.push_response(503, "a");
  fake.push_response(200, "b");
  Recorder rec;
  RetryHooks hooks{[&](milliseconds d) { rec.sleeps.push_back(d); },
                   [] { return std::uint64_t{200}; }};  // delay 200 ms
  auto r = send_with_retry(fake, {"h", 443}, decrypt_request(), true,
                           deadline_after(milliseconds(50)), RetryPolicy{}, hooks);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(fake.request_count(), 1u);
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(SendWithRetry, AttemptTimeoutBoundsEachTry) {
  std::vector<Deadline> seen;
  const Deadline overall = deadline_after(std::chrono::minutes(5));
  RetryPolicy p;
  p.attempt_timeout = milliseconds(100);
  auto r = run_with_retries<int>(
      p, overall, RetryHooks{[](milliseconds) {}, [] { return std::uint64_t{0}; }},
      [&](Deadline d) -> Result<int> {
        seen.push_back(d);
        return fail(ErrorCode::kDeadlineExceeded, "slow");
      },
      [](const Result<int>& o) { return !o && is_retryable_error(o.error()); });
  ASSERT_FALSE(r);
  ASSERT_EQ(seen.size(), 3u);
  for (Deadline d : seen) EXPECT_LT(d, Clock::now() + milliseconds(200));
}

TEST(FakeHttpTransport, ReportsUnscriptedRequestsAndUsesHandler) {
  FakeHttpTransport fake;
  auto r = fake.send({"h", 443}, decrypt_request(), true, deadline_after(milliseconds(1)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("POST /"), std::string::npos);
  fake.set_handler([](const Endpoint& e, const HttpRequest& req, bool) -> Result<HttpResponse> {
    return FakeHttpTransport::response(200, e.host + " " + std::string(req.body.expose_text()));
  });
  r = fake.send({"h", 443}, decrypt_request(), false, deadline_after(milliseconds(1)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.expose_text(), "h {}");
  EXPECT_EQ(fake.requests().size(), 2u);
  EXPECT_FALSE(fake.requests()[1].use_tls);
}

}  // namespace
}  // namespace openfle::net
