#include "net/http_message.h"

#include <gtest/gtest.h>

namespace openfle::net {
namespace {

TEST(Endpoint, ParsesHostAndPort) {
  auto e = Endpoint::parse("kms.us-east-1.amazonaws.com", 443);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "kms.us-east-1.amazonaws.com");
  EXPECT_EQ(e->port, 443);
  e = Endpoint::parse("localhost:5698", 5696);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->to_string(), "localhost:5698");
  e = Endpoint::parse("[::1]:8443", 443);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->to_string(), "[::1]:8443");
}

TEST(Endpoint, RejectsWhatIsNotHostPort) {
  for (const char* bad : {"", "https://kms.example.com", "host/path", "host:", "host:0",
                          "host:70000", "host:12x", "ho st", ":443"}) {
    auto e = Endpoint::parse(bad, 443);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(HttpRequest, SerializesAndRedacts) {
  HttpRequest r;
  r.target = "/token?x=1";
  r.add_header("Host", "example.com");
  r.add_header("Authorization", "Bearer sekret");
  r.body = SecretBytes::copy_of(std::string_view("{}"));
  EXPECT_EQ(r.serialize().expose_text(),
            "POST /token?x=1 HTTP/1.1\r\nHost: example.com\r\nAuthorization: Bearer "
            "sekret\r\n\r\n{}");
  EXPECT_EQ(r.redacted_summary(), "POST /token (2 headers, 2-byte body)");
  ASSERT_NE(r.find_header("authorization"), nullptr);
  EXPECT_EQ(r.find_header("missing"), nullptr);
}

}  // namespace
}  // namespace openfle::net
