#include "net/tls_options.h"

#include <gtest/gtest.h>

#include <string>

namespace openfle::net {
namespace {

Result<TlsOptions> parse_json(std::string_view json) {
  auto doc = Document::from_json(json);
  EXPECT_TRUE(doc) << json;
  return parse_tls_options(*doc, "kmip");
}

void expect_error(std::string_view json, std::string_view fragment) {
  auto r = parse_json(json);
  ASSERT_FALSE(r) << json;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos)
      << r.error().message() << "\nexpected: " << fragment;
  EXPECT_NE(r.error().message().find("'kmip'"), std::string::npos) << r.error().message();
}

TEST(TlsOptions, EmptyMeansSystemStoreAndNoClientCertificate) {
  auto r = parse_json("{}");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ca_file);
  EXPECT_FALSE(r->certificate_key_file);
  EXPECT_FALSE(r->certificate_key_password);
}

TEST(TlsOptions, ParsesAllFields) {
  auto r = parse_json(
      R"({"tlsCAFile": "/etc/ca.pem", "tlsCertificateKeyFile": "/etc/client.pem",
          "tlsCertificateKeyFilePassword": "pw", "tlsDisableOCSPEndpointCheck": true,
          "tls": true})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->ca_file, "/etc/ca.pem");
  EXPECT_EQ(r->certificate_key_file, "/etc/client.pem");
  ASSERT_TRUE(r->certificate_key_password);
  EXPECT_EQ(r->certificate_key_password->expose_text(), "pw");

  TlsOptions copy = r->clone();
  EXPECT_EQ(copy.ca_file, r->ca_file);
  ASSERT_TRUE(copy.certificate_key_password);
  EXPECT_TRUE(copy.certificate_key_password->equals(*r->certificate_key_password));
}

TEST(TlsOptions, NamesMatchCaseInsensitively) {
  auto r = parse_json(R"({"tlsCaFile": "/ca.pem", "TLSCERTIFICATEKEYFILE": "/c.pem"})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->ca_file, "/ca.pem");
  EXPECT_EQ(r->certificate_key_file, "/c.pem");
}

TEST(TlsOptions, InsecureOptionsAreProhibited) {
  for (const char* name : {"tlsInsecure", "tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames",
                           "tlsDisableCertificateRevocationCheck"}) {
    for (const char* value : {"true", "false"}) {
      expect_error(std::string(R"({")") + name + R"(": )" + value + "}",
                   "Insecure TLS options prohibited");
      expect_error(std::string(R"({")") + name + R"(": )" + value + "}", name);
    }
  }
}

TEST(TlsOptions, TlsCannotBeDisabled) { expect_error(R"({"tls": false})", "TLS is required"); }

TEST(TlsOptions, UnknownFieldsAreNamed) {
  expect_error(R"({"tlsCAFile": "/a", "tlsCRLFile": "/b", "foo": 1})",
               "unknown fields 'tlsCRLFile', 'foo'");
  expect_error(R"({"bar": 1})", "unknown field 'bar'");
}

TEST(TlsOptions, RejectsWrongTypesAndInconsistentFields) {
  expect_error(R"({"tlsCAFile": 5})", "tlsCAFile must be a string");
  expect_error(R"({"tlsCAFile": ""})", "empty path");
  expect_error(
      R"({"tlsCertificateKeyFilePassword": {"$numberInt": "1"}, "tlsCertificateKeyFile": "/c"})",
      "must be a string");
  expect_error(R"({"tlsDisableOCSPEndpointCheck": "yes"})", "must be a boolean");
  expect_error(R"({"tlsCertificateKeyFilePassword": "pw"})", "without tlsCertificateKeyFile");
  expect_error(R"({"tlsCAFile": "/a", "tlscafile": "/b"})", "given twice");
}

TEST(TlsOptions, PasswordIsNotInErrors) {
  auto r = parse_json(R"({"tlsCertificateKeyFilePassword": "s3cr3t-pw", "zzz": 1})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace openfle::net
