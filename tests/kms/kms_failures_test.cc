// What goes wrong with a KMS, and what the user sees: each failure is a clear error, bounded in
// time, and leaves the key vault as it was.
#include <gtest/gtest.h>

#include <chrono>

#include "kms/kms_env.h"

namespace openfle::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class KmsFailures : public ::testing::Test {
 protected:
  void SetUp() override {
    OPENFLE_REQUIRE_KMS_ENV();
    for (const char* server : {"aws", "azure", "gcp"}) KmsEnv::get().control(server, "DELETE", "/__emulator/faults");
  }
  void TearDown() override {
    if (KmsEnv::get().skip_reason.empty()) {
      for (const char* server : {"aws", "azure", "gcp"}) KmsEnv::get().control(server, "DELETE", "/__emulator/faults");
    }
  }

  // Tries to create an AWS key through `client` (pointing at `server`); returns the error and
  // checks that nothing reached the vault.
  Error create_fails(ClientEncryption& client, const std::string& provider, json fields) {
    DataKeyOptions options;
    options.master_key = typed(provider, fields);
    auto id = client.create_data_key(provider, std::move(options));
    EXPECT_FALSE(id) << "expected a failure";
    EXPECT_TRUE(client.get_keys()->empty()) << "the key vault must be unchanged";
    return id ? Error(ErrorCode::kInternal, "no error") : id.error();
  }

  std::unique_ptr<ClientEncryption> default_client(KmsOptions options = {}) {
    auto& env = KmsEnv::get();
    return env.client(env.kms_providers_json(), env.tls_options_json(), std::move(options));
  }

  static json aws_at(const std::string& server) {
    json mk = master_key("aws");
    mk["endpoint"] = KmsEnv::get().endpoint(server);
    return mk;
  }

  static bool contains(const Error& e, std::string_view text) { return e.message().find(text) != std::string::npos; }
};

TEST_F(KmsFailures, WrongCredentials) {
  auto& env = KmsEnv::get();
  json providers = json::parse(env.kms_providers_json());
  providers["aws"]["secretAccessKey"] = "not-the-secret";
  auto client = env.client(providers.dump(), env.tls_options_json());
  Error e = create_fails(*client, "aws", master_key("aws"));
  EXPECT_EQ(e.code(), ErrorCode::kKmsError);
  EXPECT_TRUE(contains(e, "InvalidSignatureException")) << e.message();
  EXPECT_FALSE(contains(e, "not-the-secret"));

  providers = json::parse(env.kms_providers_json());
  providers["azure"]["clientSecret"] = "wrong-secret";
  client = env.client(providers.dump(), env.tls_options_json());
  e = create_fails(*client, "azure", master_key("azure"));
  EXPECT_TRUE(contains(e, "invalid_client")) << e.message();
  EXPECT_FALSE(contains(e, "wrong-secret"));
}

TEST_F(KmsFailures, ExpiredToken) {
  auto& env = KmsEnv::get();
  auto token = json::parse(env.control("azure", "POST", "/__emulator/tokens",
                                       json({{"client_id", env.state()["azure"]["clients"][0]["client_id"]},
                                             {"scope_domain", "0.0.1"}, {"lifetime", -60}}).dump()));
  json providers = {{"azure", {{"accessToken", token["access_token"]}}}};
  auto client = env.client(providers.dump(), json({{"azure", {{"tlsCAFile", env.certs("ca.pem")}}}}).dump());
  Error e = create_fails(*client, "azure", master_key("azure"));
  EXPECT_TRUE(contains(e, "401")) << e.message();
  EXPECT_TRUE(contains(e, "Unauthorized")) << e.message();
}

TEST_F(KmsFailures, CertificateProblemsAreNamed) {
  auto client = default_client();
  Error wrong_host = create_fails(*client, "aws", aws_at("aws_wrong_host"));
  EXPECT_EQ(wrong_host.code(), ErrorCode::kFailedPrecondition) << "a certificate problem is not retried";
  EXPECT_TRUE(contains(wrong_host, "mismatch")) << wrong_host.message();
  Error expired = create_fails(*client, "aws", aws_at("aws_expired"));
  EXPECT_TRUE(contains(expired, "expired")) << expired.message();
  Error untrusted = create_fails(*client, "aws", aws_at("aws_untrusted"));
  EXPECT_TRUE(contains(untrusted, "certificate verify failed")) << untrusted.message();
}

TEST_F(KmsFailures, MissingClientCertificate) {
  auto& env = KmsEnv::get();
  auto client = default_client();
  Error e = create_fails(*client, "aws", aws_at("aws_client_cert"));
  EXPECT_TRUE(contains(e, "client certificate")) << e.message();
  // KMIP servers authenticate clients by certificate: without one PyKMIP refuses the handshake.
  json tls = json::parse(env.tls_options_json());
  tls["kmip"].erase("tlsCertificateKeyFile");
  auto no_cert = env.client(env.kms_providers_json(), tls.dump());
  Error kmip = create_fails(*no_cert, "kmip", master_key("kmip"));
  EXPECT_EQ(kmip.code(), ErrorCode::kUnavailable) << kmip.message();
}

TEST_F(KmsFailures, InsecureTlsOptionsAreRefused) {
  auto& env = KmsEnv::get();
  for (const char* option : {"tlsInsecure", "tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames"}) {
    json tls = {{"aws", {{option, true}}}};
    auto doc = Document::from_json(tls.dump());
    KmsOptions options;
    options.tls_options = *doc;
    auto providers = KmsProviders::from_json(env.kms_providers_json(), std::move(options));
    ASSERT_FALSE(providers) << option;
    EXPECT_TRUE(contains(providers.error(), "Insecure TLS options prohibited")) << providers.error().message();
  }
  KmsOptions typo;
  typo.tls_options = *Document::from_json(R"({"vault": {"tlsCAFile": "x"}})");
  auto providers = KmsProviders::from_json(env.kms_providers_json(), std::move(typo));
  ASSERT_FALSE(providers);
  EXPECT_TRUE(contains(providers.error(), "unrecognized KMS provider 'vault'")) << providers.error().message();
}

TEST_F(KmsFailures, KmsDown) {
  auto client = default_client();
  json mk = master_key("aws");
  mk["endpoint"] = "127.0.0.1:1";
  auto start = Clock::now();
  Error e = create_fails(*client, "aws", mk);
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(e, "refused")) << e.message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
}

TEST_F(KmsFailures, SlowerThanTheTimeout) {
  auto& env = KmsEnv::get();
  env.control("aws", "POST", "/__emulator/faults", R"({"mode": "hang", "seconds": 30, "count": 5})");
  KmsOptions options;
  options.timeout = std::chrono::milliseconds(1000);
  options.max_attempts = 2;
  auto client = default_client(options);
  auto start = Clock::now();
  Error e = create_fails(*client, "aws", master_key("aws"));
  auto took = Clock::now() - start;
  EXPECT_EQ(e.code(), ErrorCode::kDeadlineExceeded) << e.message();
  EXPECT_LT(took, std::chrono::seconds(8)) << "two attempts of 1 s and a short backoff";
}

TEST_F(KmsFailures, TransientUnavailableRecovers) {
  auto& env = KmsEnv::get();
  for (const char* mode : {R"({"mode": "status", "status": 503})", R"({"mode": "status", "status": 429})",
                           R"({"mode": "drop"})"}) {
    SCOPED_TRACE(mode);
    env.control("aws", "DELETE", "/__emulator/requests");
    env.control("aws", "POST", "/__emulator/faults", mode);
    auto client = default_client();
    round_trip(*client, "aws", master_key("aws"));
    // wrap (failed once, retried) + decrypt.
    EXPECT_EQ(env.request_count("aws"), 3u);
  }
}

TEST_F(KmsFailures, PersistentUnavailableFailsWithinTheRetryBudget) {
  auto& env = KmsEnv::get();
  env.control("gcp", "DELETE", "/__emulator/requests");
  env.control("gcp", "POST", "/__emulator/faults", R"({"mode": "status", "status": 503, "count": 50, "match": "cryptoKeys"})");
  auto client = default_client();
  auto start = Clock::now();
  Error e = create_fails(*client, "gcp", master_key("gcp"));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(contains(e, "503")) << e.message();
  auto requests = json::parse(env.control("gcp", "GET", "/__emulator/requests"));
  std::size_t kms_calls = 0;
  for (const auto& r : requests) kms_calls += std::string(r["path"]).find("cryptoKeys") != std::string::npos ? 1u : 0u;
  EXPECT_EQ(kms_calls, 3u) << "three attempts, then the error";
}

TEST_F(KmsFailures, BrokenRepliesAreErrorsNotCrashes) {
  auto& env = KmsEnv::get();
  KmsOptions once;
  once.max_attempts = 1;
  auto client = default_client(once);
  for (const char* mode : {R"({"mode": "malformed"})", R"({"mode": "truncated"})"}) {
    SCOPED_TRACE(mode);
    env.control("azure", "POST", "/__emulator/faults", std::string(mode).insert(1, R"("match": "wrapkey", )"));
    Error e = create_fails(*client, "azure", master_key("azure"));
    EXPECT_NE(e.code(), ErrorCode::kInternal) << e.message();
  }
}

TEST_F(KmsFailures, KmipErrorsFromTheServerAreShown) {
  auto client = default_client();
  json mk = {{"keyId", "999999"}};
  Error e = create_fails(*client, "kmip", mk);
  EXPECT_EQ(e.code(), ErrorCode::kKmsError);
  EXPECT_TRUE(contains(e, "KMIP Get failed")) << e.message();
}

}  // namespace
}  // namespace openfle::testing
