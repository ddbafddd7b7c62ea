#include "kms/kms_env.h"

#include <fstream>
#include <sstream>
#include <vector>
#include <sstream>

#include "kms/kmip/ttlv.h"
#include "net/connection.h"
#include "net/http_client.h"
#include "net/tls_context.h"

namespace openfle::testing {
namespace {

KmsEnv* g_env = nullptr;

const std::string kPython = "/usr/bin/python3";
const std::string kSource = OPENFLE_SOURCE_DIR;

bool run(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  return std::system(cmd.c_str()) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

KmsEnv& KmsEnv::get() { return *g_env; }

void KmsEnv::SetUp() {
  g_env = this;
  dir_ = std::make_unique<TempDir>();
  const std::string emu = kSource + "/tests/kms_servers/";
  if (!run({kPython, emu + "certs.py", dir_->file("certs")}) ||
      !run({kPython, emu + "make_state.py", dir_->file("state.json")})) {
    skip_reason = "could not generate certificates and emulator state (tests/kms_servers)";
    return;
  }
  state_ = nlohmann::json::parse(read_file(dir_->file("state.json")));
  // Loopback endpoints are IP addresses: the OAuth scopes MongoDB derives from them name the
  // "domain" 0.0.1, which the emulators must accept as the real services accept their domains.
  state_["azure"]["scope_domains"].push_back("0.0.1");
  state_["gcp"]["scopes"] = {"https://www.googleapis.com/auth/cloudkms", "https://www.0.0.1/auth/cloudkms",
                             "https://www.googleapis.com/auth/cloud-platform"};
  std::ofstream(dir_->file("state.json")) << state_.dump();

  auto start = [&](const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> argv = {kPython, emu + "kms_emulator.py", "--state", dir_->file("state.json"), "--port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    Subprocess p;
    if (!p.start(argv, error)) {
      skip_reason = "could not start emulator '" + name + "': " + error;
      return;
    }
    servers_.emplace(name, std::move(p));
  };
  auto tls = [&](const std::string& cert) {
    return std::vector<std::string>{"--cert", certs(cert + ".pem"), "--key", certs(cert + ".key")};
  };
  for (const char* kind : {"aws", "azure", "gcp"}) {
    auto args = tls("server");
    args.insert(args.begin(), {"--provider", kind});
    start(kind, args);
  }
  start("imds", {"--provider", "imds", "--no-tls"});
  auto sts = tls("server");
  sts.insert(sts.begin(), {"--provider", "imds"});
  start("sts", sts);
  for (const auto& [name, cert] : std::map<std::string, std::string>{
           {"aws_expired", "server-expired"}, {"aws_wrong_host", "server-wrong-host"}, {"aws_untrusted", "server-untrusted"}}) {
    auto args = tls(cert);
    args.insert(args.begin(), {"--provider", "aws"});
    start(name, args);
  }
  auto client_cert = tls("server");
  client_cert.insert(client_cert.begin(), {"--provider", "aws"});
  client_cert.insert(client_cert.end(), {"--client-ca", certs("ca.pem")});
  start("aws_client_cert", client_cert);

  std::string error;
  Subprocess kmip;
  if (!kmip.start({kPython, kSource + "/tests/kmip/pykmip_server.py"}, error, std::chrono::seconds(120))) {
    skip_reason = "could not start PyKMIP: " + error;
    return;
  }
  kmip_dir_ = kmip.fields().at(2);
  servers_.emplace("kmip", std::move(kmip));
}

void KmsEnv::TearDown() { servers_.clear(); }

std::string KmsEnv::kms_providers_json() const {
  const auto& aws = state_["aws"]["credentials"][0];
  const auto& azure = state_["azure"]["clients"][0];
  const auto& gcp = state_["gcp"]["service_accounts"][0];
  nlohmann::json p = {
      {"aws", {{"accessKeyId", aws["access_key_id"]}, {"secretAccessKey", aws["secret_access_key"]}}},
      {"azure", {{"tenantId", azure["tenant_id"]}, {"clientId", azure["client_id"]}, {"clientSecret", azure["client_secret"]},
                 {"identityPlatformEndpoint", endpoint("azure")}}},
      {"gcp", {{"email", gcp["email"]}, {"privateKey", gcp["private_key_pkcs8_der_b64"]}, {"endpoint", endpoint("gcp")}}},
      {"kmip", {{"endpoint", endpoint("kmip")}}},
  };
  return p.dump();
}

std::string KmsEnv::tls_options_json() const {
  nlohmann::json ca = {{"tlsCAFile", certs("ca.pem")}};
  nlohmann::json kmip = {{"tlsCAFile", kmip_certs("ca.pem")}, {"tlsCertificateKeyFile", kmip_certs("client.pem")}};
  return nlohmann::json({{"aws", ca}, {"azure", ca}, {"gcp", ca}, {"kmip", kmip}}).dump();
}

std::string KmsEnv::control(const std::string& server, const std::string& method, const std::string& path,
                            const std::string& body) const {
  net::TlsOptions options;
  options.ca_file = certs("ca.pem");
  auto tls = net::TlsContext::create(options);
  net::HttpClient client(*tls);
  net::HttpRequest request;
  request.method = method;
  request.target = path;
  request.add_header("Content-Type", "application/json");
  request.body = SecretBytes::copy_of(std::string_view(body));
  bool use_tls = server != "imds";
  auto reply = client.send(*net::Endpoint::parse(endpoint(server), 443), request, use_tls,
                           net::deadline_after(std::chrono::seconds(10)));
  EXPECT_TRUE(reply) << reply.error().message();
  return reply ? std::string(reply->body.expose_text()) : std::string();
}

std::size_t KmsEnv::request_count(const std::string& server) const {
  auto j = nlohmann::json::parse(control(server, "GET", "/__emulator/requests"), nullptr, false);
  return j.is_array() ? j.size() : 0;
}

std::unique_ptr<ClientEncryption> KmsEnv::client(const std::string& kms_providers, const std::string& tls_options,
                                                 KmsOptions options) const {
  auto tls = Document::from_json(tls_options);
  EXPECT_TRUE(tls) << tls.error().message();
  options.tls_options = *tls;
  auto providers = KmsProviders::from_json(kms_providers, std::move(options));
  EXPECT_TRUE(providers) << providers.error().message();
  if (!providers) return nullptr;
  ClientEncryptionOptions o;
  o.key_vault = make_memory_key_vault();
  o.kms_providers = std::move(*providers);
  auto c = ClientEncryption::create(std::move(o));
  return c ? std::move(*c) : nullptr;
}

MongocryptOracle::KmsHandler KmsEnv::oracle_io() const {
  return [this](const std::string& endpoint_text, ByteView request, const std::string& provider) -> Result<Bytes> {
    net::TlsOptions options;
    options.ca_file = provider == "kmip" ? kmip_certs("ca.pem") : certs("ca.pem");
    if (provider == "kmip") options.certificate_key_file = kmip_certs("client.pem");
    auto tls = net::TlsContext::create(options);
    if (!tls) return fail(tls.error());
    auto endpoint = net::Endpoint::parse(endpoint_text, 443);
    if (!endpoint) return fail(endpoint.error());
    net::ConnectOptions connect;
    connect.tls = *tls;
    auto connection = net::connect(*endpoint, connect);
    if (!connection) return fail(connection.error());
    auto deadline = net::deadline_after(std::chrono::seconds(20));
    if (auto ok = (*connection)->write_all(request, deadline); !ok) return fail(ok.error());
    Bytes reply;
    if (provider == "kmip") {
      // One KMIP message, sized by its header.
      reply.resize(8);
      if (auto ok = net::read_exact(**connection, reply, deadline); !ok) return fail(ok.error());
      auto length = kms::kmip::kmip_message_length(reply);
      if (!length) return fail(ErrorCode::kKmsError, "not a KMIP reply");
      reply.resize(*length);
      if (auto ok = net::read_exact(**connection, std::span(reply).subspan(8), deadline); !ok) return fail(ok.error());
      return reply;
    }
    // HTTP replies end when the server closes (every request says Connection: close).
    std::uint8_t buffer[4096];
    while (true) {
      auto n = (*connection)->read_some(buffer, deadline);
      if (!n || *n == 0) break;
      reply.insert(reply.end(), buffer, buffer + *n);
    }
    return reply;
  };
}

// A masterKey for each provider kind, pointing at the loopback servers.
nlohmann::json master_key(const std::string& kind) {
  auto& env = KmsEnv::get();
  if (kind == "aws") {
    return {{"region", "us-east-1"}, {"key", env.state()["aws"]["keys"][0]["arn"]}, {"endpoint", env.endpoint("aws")}};
  }
  if (kind == "azure") return {{"keyVaultEndpoint", env.endpoint("azure")}, {"keyName", "openfle-key"}};
  if (kind == "gcp") {
    std::string name = env.state()["gcp"]["keys"][0]["name"];
    // projects/P/locations/L/keyRings/R/cryptoKeys/K
    std::vector<std::string> parts;
    std::stringstream in(name);
    for (std::string p; std::getline(in, p, '/');) parts.push_back(p);
    return {{"projectId", parts[1]}, {"location", parts[3]}, {"keyRing", parts[5]}, {"keyName", parts[7]},
            {"endpoint", env.endpoint("gcp")}};
  }
  if (kind == "kmip_delegated") return {{"delegated", true}};
  return nlohmann::json::object();  // kmip
}

MasterKey typed(const std::string& provider, const nlohmann::json& fields) {
  auto id = KmsProviderId::parse(provider);
  auto doc = Document::from_json(fields.dump());
  auto mk = MasterKey::from_document(*id, *doc);
  EXPECT_TRUE(mk) << mk.error().message();
  return *mk;
}

void round_trip(ClientEncryption& client, const std::string& provider, const nlohmann::json& fields) {
  DataKeyOptions options;
  options.master_key = typed(provider, fields);
  auto id = client.create_data_key(provider, std::move(options));
  ASSERT_TRUE(id) << provider << ": " << id.error().message();
  auto encrypted = client.encrypt(Value::string("4111-1111-1111-1111"), EncryptOptions::by_id(*id, Algorithm::kRandom));
  ASSERT_TRUE(encrypted) << encrypted.error().message();
  client.clear_key_cache();  // decrypt must unwrap through the KMS again
  auto decrypted = client.decrypt(*encrypted);
  ASSERT_TRUE(decrypted) << provider << ": " << decrypted.error().message();
  EXPECT_EQ(decrypted->string_value(), "4111-1111-1111-1111");
}

}  // namespace openfle::testing
