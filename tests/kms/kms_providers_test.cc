// Every KMS provider against its loopback server, and libmongocrypt against the same servers:
// keys made by either side work on the other.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/encoding.h"
#include "kms/kms_env.h"

namespace openfle::testing {
namespace {

using nlohmann::json;

class KmsProvidersTest : public ::testing::Test {
 protected:
  void SetUp() override { OPENFLE_REQUIRE_KMS_ENV(); }
};

TEST_F(KmsProvidersTest, EveryKindRoundTrips) {
  auto& env = KmsEnv::get();
  auto client = env.client(env.kms_providers_json(), env.tls_options_json());
  ASSERT_NE(client, nullptr);
  for (const char* kind : {"aws", "azure", "gcp", "kmip"}) {
    SCOPED_TRACE(kind);
    round_trip(*client, kind, master_key(kind));
  }
}

TEST_F(KmsProvidersTest, KmipModesCompleteTheMasterKey) {
  auto& env = KmsEnv::get();
  auto client = env.client(env.kms_providers_json(), env.tls_options_json());
  for (bool delegated : {false, true}) {
    DataKeyOptions options;
    options.master_key = typed("kmip", delegated ? master_key("kmip_delegated") : master_key("kmip"));
    auto id = client->create_data_key("kmip", std::move(options));
    ASSERT_TRUE(id) << id.error().message();
    auto key = *client->get_key(*id);
    const auto& mk = std::get<KmipMasterKey>(key->master_key.fields());
    ASSERT_TRUE(mk.key_id.has_value()) << "the KMIP key the server created is recorded";
    EXPECT_EQ(mk.delegated.value_or(false), delegated);
    // Delegated keyMaterial is IV || AES-CBC(96 bytes + pad); default mode is the local wrap.
    EXPECT_EQ(key->key_material.size(), delegated ? 16u + 112u : 160u);
    // A second key can reuse the master key by keyId.
    DataKeyOptions again;
    again.master_key = key->master_key;
    auto second = client->create_data_key("kmip", std::move(again));
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_EQ(std::get<KmipMasterKey>((*client->get_key(*second))->master_key.fields()).key_id, mk.key_id);
    round_trip(*client, "kmip", delegated ? master_key("kmip_delegated") : master_key("kmip"));
  }
}

TEST_F(KmsProvidersTest, NamedProvidersHaveTheirOwnCredentials) {
  auto& env = KmsEnv::get();
  const auto& temp = env.state()["aws"]["credentials"][1];  // temporary credentials
  json providers = json::parse(env.kms_providers_json());
  providers["aws:temporary"] = {{"accessKeyId", temp["access_key_id"]}, {"secretAccessKey", temp["secret_access_key"]},
                                {"sessionToken", temp["session_token"]}};
  json tls = json::parse(env.tls_options_json());
  tls["aws:temporary"] = {{"tlsCAFile", env.certs("ca.pem")}};
  auto client = env.client(providers.dump(), tls.dump());
  ASSERT_NE(client, nullptr);
  round_trip(*client, "aws:temporary", master_key("aws"));
  auto key = (*client->get_keys()).front();
  EXPECT_EQ(key.master_key.provider().to_string(), "aws:temporary");
}

TEST_F(KmsProvidersTest, AccessTokensGivenDirectly) {
  auto& env = KmsEnv::get();
  auto azure_token = json::parse(env.control("azure", "POST", "/__emulator/tokens",
                                             json({{"client_id", env.state()["azure"]["clients"][0]["client_id"]},
                                                   {"scope_domain", "0.0.1"}}).dump()));
  auto gcp_token = json::parse(env.control("gcp", "POST", "/__emulator/tokens",
                                           json({{"email", env.state()["gcp"]["service_accounts"][0]["email"]}}).dump()));
  json providers = {{"azure", {{"accessToken", azure_token["access_token"]}}},
                    {"gcp", {{"accessToken", gcp_token["access_token"]}}}};
  json tls = {{"azure", {{"tlsCAFile", env.certs("ca.pem")}}}, {"gcp", {{"tlsCAFile", env.certs("ca.pem")}}}};
  auto client = env.client(providers.dump(), tls.dump());
  ASSERT_NE(client, nullptr);
  round_trip(*client, "azure", master_key("azure"));
  round_trip(*client, "gcp", master_key("gcp"));
}

// Automatic credentials: {} means the standard chain for AWS, the managed identity for Azure and
// the metadata server for GCP, all pointed at the IMDS emulator.
TEST_F(KmsProvidersTest, AutomaticCredentialsFromMetadataServices) {
  auto& env = KmsEnv::get();
  for (const char* var : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                          "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED"}) {
    ::unsetenv(var);
  }
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  KmsOptions options;
  options.aws_ec2_metadata_endpoint = env.endpoint("imds");
  options.aws_ecs_endpoint = env.endpoint("imds");
  options.aws_sts_endpoint = env.endpoint("sts");
  options.azure_imds_endpoint = env.endpoint("imds");
  options.gcp_metadata_endpoint = env.endpoint("imds");
  json providers = {{"aws", json::object()}, {"azure", json::object()}, {"gcp", json::object()}};
  json tls = json::parse(env.tls_options_json());
  tls.erase("kmip");
  {
    SCOPED_TRACE("EC2 IMDSv2, Azure managed identity, GCP metadata server");
    auto client = env.client(providers.dump(), tls.dump(), options);
    ASSERT_NE(client, nullptr);
    for (const char* kind : {"aws", "azure", "gcp"}) round_trip(*client, kind, master_key(kind));
  }
  {
    SCOPED_TRACE("ECS container credentials");
    ::setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", std::string(env.state()["imds"]["ecs_relative_uri"]).c_str(), 1);
    auto client = env.client(json({{"aws", json::object()}}).dump(), json({{"aws", tls["aws"]}}).dump(), options);
    round_trip(*client, "aws", master_key("aws"));
    ::unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  }
  {
    SCOPED_TRACE("web identity through STS");
    TempDir dir;
    std::ofstream(dir.file("token")) << std::string(env.state()["imds"]["web_identity"]["token"]);
    ::setenv("AWS_WEB_IDENTITY_TOKEN_FILE", dir.file("token").c_str(), 1);
    ::setenv("AWS_ROLE_ARN", std::string(env.state()["imds"]["web_identity"]["role_arn"]).c_str(), 1);
    auto client = env.client(json({{"aws", json::object()}}).dump(), json({{"aws", tls["aws"]}}).dump(), options);
    round_trip(*client, "aws", master_key("aws"));
    ::unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    ::unsetenv("AWS_ROLE_ARN");
  }
  {
    SCOPED_TRACE("environment variables");
    const auto& creds = env.state()["aws"]["credentials"][0];
    ::setenv("AWS_ACCESS_KEY_ID", std::string(creds["access_key_id"]).c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", std::string(creds["secret_access_key"]).c_str(), 1);
    KmsOptions no_metadata;  // the environment must be enough
    no_metadata.aws_ec2_metadata_endpoint = "127.0.0.1:1";
    auto client = env.client(json({{"aws", json::object()}}).dump(), json({{"aws", tls["aws"]}}).dump(), no_metadata);
    round_trip(*client, "aws", master_key("aws"));
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
  }
  {
    SCOPED_TRACE("shared credentials file with a profile");
    TempDir dir;
    const auto& creds = env.state()["aws"]["credentials"][0];
    std::ofstream(dir.file("credentials")) << "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[ci]\n"
                                           << "aws_access_key_id = " << std::string(creds["access_key_id"]) << "\n"
                                           << "aws_secret_access_key = " << std::string(creds["secret_access_key"]) << "\n";
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", dir.file("credentials").c_str(), 1);
    ::setenv("AWS_PROFILE", "ci", 1);
    auto client = env.client(json({{"aws", json::object()}}).dump(), json({{"aws", tls["aws"]}}).dump(), options);
    round_trip(*client, "aws", master_key("aws"));
    ::unsetenv("AWS_PROFILE");
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  }
}

TEST_F(KmsProvidersTest, NamedProvidersGetNoAutomaticCredentials) {
  auto providers = openfle::KmsProviders::from_json(R"({"aws:prod": {}})");
  ASSERT_FALSE(providers);
  EXPECT_NE(providers.error().message().find("automatic credentials"), std::string::npos);
}

// libmongocrypt (Debian's 1.7.2) builds the KMS requests, the test carries them to the same
// servers; a key made by either side then works on the other.
class WithLibmongocrypt : public KmsProvidersTest {};

TEST_F(WithLibmongocrypt, KeysWorkBothWays) {
  auto& env = KmsEnv::get();
  json providers = json::parse(env.kms_providers_json());
  // libmongocrypt takes the GCP key as binary DER.
  auto der = base64_decode(std::string(env.state()["gcp"]["service_accounts"][0]["private_key_pkcs8_der_b64"]));
  auto providers_doc = Document::from_json(providers.dump());
  Document::Builder b;
  for (const auto& k : providers_doc->keys()) {
    if (k != "gcp") {
      b.append(k, *Document::from_bytes(providers_doc->get(k)->bytes()));
      continue;
    }
    b.append("gcp", Document::Builder()
                        .append("email", Value::string(std::string(env.state()["gcp"]["service_accounts"][0]["email"])))
                        .append("privateKey", Value::binary(0, *der))
                        .append("endpoint", Value::string(env.endpoint("gcp")))
                        .build());
  }
  auto oracle = MongocryptOracle::create(b.build());
  ASSERT_TRUE(oracle) << oracle.error().message();
  (*oracle)->set_kms_handler(env.oracle_io());
  auto client = env.client(env.kms_providers_json(), env.tls_options_json());
  ASSERT_NE(client, nullptr);
  for (const char* kind : {"aws", "azure", "gcp", "kmip"}) {
    SCOPED_TRACE(kind);
    json mk = master_key(kind);
    mk["provider"] = kind;
    // libmongocrypt's key, in openfle.
    auto theirs = (*oracle)->create_data_key(*Document::from_json(mk.dump()));
    ASSERT_TRUE(theirs) << theirs.error().message();
    auto imported = KeyDocument::from_document(*theirs);
    ASSERT_TRUE(imported) << imported.error().message();
    ASSERT_TRUE(client->key_vault()->insert(std::span<const KeyDocument>(&*imported, 1)));
    auto value = (*oracle)->encrypt(Value::string(std::string("from libmongocrypt via ") + kind), imported->id, Algorithm::kRandom);
    ASSERT_TRUE(value) << value.error().message();
    auto read = client->decrypt(*value);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_EQ(read->string_value(), std::string("from libmongocrypt via ") + kind);
    // openfle's key, in libmongocrypt.
    DataKeyOptions options;
    options.master_key = typed(kind, master_key(kind));
    auto ours = client->create_data_key(kind, std::move(options));
    ASSERT_TRUE(ours) << ours.error().message();
    (*oracle)->add_key((*client->get_key(*ours))->to_document());
    auto mine = client->encrypt(Value::string(std::string("from openfle via ") + kind), EncryptOptions::by_id(*ours, Algorithm::kRandom));
    ASSERT_TRUE(mine);
    auto theirs_read = (*oracle)->decrypt(*mine);
    ASSERT_TRUE(theirs_read) << theirs_read.error().message();
    EXPECT_EQ(theirs_read->string_value(), std::string("from openfle via ") + kind);
  }
}

}  // namespace
}  // namespace openfle::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new openfle::testing::KmsEnv());
  return RUN_ALL_TESTS();
}
