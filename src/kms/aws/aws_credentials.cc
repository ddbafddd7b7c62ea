#include "kms/aws/aws_credentials.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/try.h"
#include "kms/json_reply.h"
#include "kms/http_kms_request.h"

namespace openfle::kms::aws {
namespace {

using SystemTime = std::chrono::system_clock::time_point;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string home_file(const char* env_name, const char* relative) {
  std::string configured = env(env_name);
  if (!configured.empty()) return configured;
  std::string home = env("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// The key = value pairs of section `section` of an INI file; empty when the file or section is
// absent. Values are secrets, so they go straight into SecretBytes.
std::map<std::string, SecretBytes> ini_section(const std::string& path, const std::string& section) {
  std::map<std::string, SecretBytes> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      inside = trim(std::string_view(t).substr(1, t.size() - 2)) == section;
      continue;
    }
    auto eq = t.find('=');
    if (!inside || eq == std::string::npos) continue;
    out.insert_or_assign(trim(std::string_view(t).substr(0, eq)), SecretBytes::copy_of(trim(std::string_view(t).substr(eq + 1))));
    std::fill(t.begin(), t.end(), '\0');
  }
  return out;
}

// "2030-01-01T00:00:00Z" (ISO 8601, UTC), as the metadata services give Expiration.
std::optional<SystemTime> parse_iso8601(std::string_view text) {
  std::tm tm{};
  std::string s(text.substr(0, 19));
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Timed {
  AwsCredentials credentials;
  std::optional<SystemTime> expiration;
};

AwsCredentials clone(const AwsCredentials& c) {
  return AwsCredentials{c.access_key_id.clone(), c.secret_access_key.clone(), c.session_token.clone()};
}

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} (key names matched case-insensitively,
// as the SDKs do).
Result<Timed> parse_metadata_credentials(std::string_view service, const net::HttpResponse& reply) {
  OPENFLE_ASSIGN_OR_RETURN(auto json, parse_json_reply(service, "credentials reply", reply));
  auto field = [&](std::string_view name) -> const ReplyJson* {
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (ascii_iequals(std::string_view(it.key().data(), it.key().size()), name) && it->is_string()) return &*it;
    }
    return nullptr;
  };
  auto text = [](const ReplyJson* v) {
    const auto& s = v->get_ref<const WipingString&>();
    return std::string_view(s.data(), s.size());
  };
  const ReplyJson* akid = field("AccessKeyId");
  const ReplyJson* secret = field("SecretAccessKey");
  if (akid == nullptr || secret == nullptr) {
    return fail(ErrorCode::kKmsError, std::string(service) + " credentials reply lacks AccessKeyId or SecretAccessKey");
  }
  Timed out;
  out.credentials.access_key_id = SecretBytes::copy_of(text(akid));
  out.credentials.secret_access_key = SecretBytes::copy_of(text(secret));
  if (const ReplyJson* token = field("Token"); token != nullptr) out.credentials.session_token = SecretBytes::copy_of(text(token));
  if (const ReplyJson* exp = field("Expiration"); exp != nullptr) out.expiration = parse_iso8601(text(exp));
  return out;
}

class StaticSource final : public AwsCredentialSource {
 public:
  explicit StaticSource(AwsCredentials c) : c_(std::move(c)) {}
  Result<AwsCredentials> get() override { return clone(c_); }

 private:
  AwsCredentials c_;
};

class ChainSource final : public AwsCredentialSource {
 public:
  explicit ChainSource(std::shared_ptr<const RemoteContext> ctx) : ctx_(std::move(ctx)) {}

  Result<AwsCredentials> get() override {
    std::lock_guard lock(mu_);
    if (cached_ && (!cached_->expiration || ctx_->now() < *cached_->expiration - std::chrono::minutes(5))) {
      return clone(cached_->credentials);
    }
    OPENFLE_ASSIGN_OR_RETURN(auto fresh, resolve());
    AwsCredentials copy = clone(fresh.credentials);
    cached_ = std::move(fresh);
    return copy;
  }

 private:
  Result<Timed> resolve() {
    std::string tried;
    // 1. Environment.
    if (!env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
      return Timed{AwsCredentials{SecretBytes::copy_of(env("AWS_ACCESS_KEY_ID")),
                                  SecretBytes::copy_of(env("AWS_SECRET_ACCESS_KEY")),
                                  SecretBytes::copy_of(env("AWS_SESSION_TOKEN"))},
                   std::nullopt};
    }
    tried += "environment (AWS_ACCESS_KEY_ID unset)";
    // 2. Shared files.
    std::string profile = env("AWS_PROFILE").empty() ? "default" : env("AWS_PROFILE");
    OPENFLE_ASSIGN_OR_RETURN(auto shared, credentials_from_shared_files(home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
                                                                        home_file("AWS_CONFIG_FILE", ".aws/config"), profile));
    if (shared) return Timed{std::move(*shared), std::nullopt};
    tried += "; shared files (no keys in profile '" + profile + "')";
    // 3. Web identity.
    if (!env("AWS_WEB_IDENTITY_TOKEN_FILE").empty() && !env("AWS_ROLE_ARN").empty()) return web_identity();
    tried += "; web identity (not configured)";
    // 4. ECS.
    if (!env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty() || !env("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty()) {
      return ecs();
    }
    tried += "; ECS (not configured)";
    // 5. EC2 instance metadata.
    if (env("AWS_EC2_METADATA_DISABLED") != "true") {
      auto ec2 = instance_metadata();
      if (ec2) return ec2;
      tried += "; EC2 instance metadata (" + ec2.error().message() + ")";
    }
    return fail(ErrorCode::kFailedPrecondition,
                "no AWS credentials found: give accessKeyId and secretAccessKey in kmsProviders.aws, or set "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure a profile, web identity, ECS or EC2 "
                "role. Tried: " + tried);
  }

  Result<Timed> web_identity() {
    std::ifstream in(env("AWS_WEB_IDENTITY_TOKEN_FILE"));
    if (!in) return fail(ErrorCode::kNotFound, "cannot read AWS_WEB_IDENTITY_TOKEN_FILE '" + env("AWS_WEB_IDENTITY_TOKEN_FILE") + "'");
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SecretBytes secret_token = SecretBytes::copy_of(trim(token));
    std::fill(token.begin(), token.end(), '\0');
    std::string session = env("AWS_ROLE_SESSION_NAME").empty() ? "openfle" : env("AWS_ROLE_SESSION_NAME");
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, endpoint_or(ctx_->options.aws_sts_endpoint, "AWS_ENDPOINT_URL_STS", "sts.amazonaws.com", 443));
    net::HttpRequest request;
    request.target = "/";
    std::string head = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + percent_encode(env("AWS_ROLE_ARN")) +
                       "&RoleSessionName=" + percent_encode(session) + "&WebIdentityToken=";
    std::string encoded = percent_encode(secret_token.expose_text());
    SecretBytes body = SecretBytes::copy_of(head + encoded);
    std::fill(encoded.begin(), encoded.end(), '\0');
    request.add_header("Content-Type", "application/x-www-form-urlencoded");
    request.add_header("Accept", "application/json");
    finish_request(request, endpoint, std::move(body));
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "AWS STS", endpoint, request));
    OPENFLE_ASSIGN_OR_RETURN(auto json, parse_json_reply("AWS STS", "AssumeRoleWithWebIdentity reply", reply));
    const ReplyJson* creds = find_member(json, "AssumeRoleWithWebIdentityResponse");
    if (creds != nullptr) creds = find_member(*creds, "AssumeRoleWithWebIdentityResult");
    if (creds != nullptr) creds = find_member(*creds, "Credentials");
    if (creds == nullptr || !creds->is_object()) {
      return fail(ErrorCode::kKmsError, "AWS STS AssumeRoleWithWebIdentity reply has no Credentials");
    }
    Timed out;
    OPENFLE_ASSIGN_OR_RETURN(auto akid, required_string(*creds, "AccessKeyId", "STS credentials"));
    OPENFLE_ASSIGN_OR_RETURN(auto secret, required_string(*creds, "SecretAccessKey", "STS credentials"));
    OPENFLE_ASSIGN_OR_RETURN(auto session_token, required_string(*creds, "SessionToken", "STS credentials"));
    out.credentials = AwsCredentials{SecretBytes::copy_of(akid), SecretBytes::copy_of(secret), SecretBytes::copy_of(session_token)};
    if (const ReplyJson* exp = find_member(*creds, "Expiration"); exp != nullptr && exp->is_number()) {
      out.expiration = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(exp->get<double>()));
    }
    return out;
  }

  Result<Timed> ecs() {
    std::string relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    net::Endpoint endpoint;
    std::string path;
    if (!relative.empty()) {
      OPENFLE_ASSIGN_OR_RETURN(endpoint, endpoint_or(ctx_->options.aws_ecs_endpoint, nullptr, "169.254.170.2", 80));
      path = relative;
    } else {
      std::string full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
      OPENFLE_ASSIGN_OR_RETURN(endpoint, endpoint_or({}, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "", 80));
      auto slash = full.find('/', full.find("//") == std::string::npos ? 0 : full.find("//") + 2);
      path = slash == std::string::npos ? "/" : full.substr(slash);
    }
    net::HttpRequest request;
    request.method = "GET";
    request.target = path;
    if (!env("AWS_CONTAINER_AUTHORIZATION_TOKEN").empty()) {
      request.add_header("Authorization", env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    finish_request(request, endpoint, SecretBytes(), 80);
    OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, "AWS ECS credentials endpoint", endpoint, request, false));
    return parse_metadata_credentials("AWS ECS credentials endpoint", reply);
  }

  // IMDSv2: a session token first, then the role name, then its credentials.
  Result<Timed> instance_metadata() {
    OPENFLE_ASSIGN_OR_RETURN(auto endpoint, endpoint_or(ctx_->options.aws_ec2_metadata_endpoint,
                                                        "AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254", 80));
    const char* service = "AWS EC2 instance metadata";
    net::HttpRequest put;
    put.method = "PUT";
    put.target = "/latest/api/token";
    put.add_header("X-aws-ec2-metadata-token-ttl-seconds", "21600");
    finish_request(put, endpoint, SecretBytes(), 80);
    OPENFLE_ASSIGN_OR_RETURN(auto token_reply, exchange(*ctx_, service, endpoint, put, false));
    if (token_reply.status != 200) return fail(ErrorCode::kKmsError, std::string(service) + " refused a session token: HTTP " + std::to_string(token_reply.status));
    auto get = [&](const std::string& path) -> Result<net::HttpResponse> {
      net::HttpRequest r;
      r.method = "GET";
      r.target = path;
      r.headers.push_back(net::HttpHeader{"X-aws-ec2-metadata-token", token_reply.body.clone()});
      finish_request(r, endpoint, SecretBytes(), 80);
      OPENFLE_ASSIGN_OR_RETURN(auto reply, exchange(*ctx_, service, endpoint, r, false));
      if (reply.status != 200) return fail(ErrorCode::kKmsError, std::string(service) + " " + path + ": HTTP " + std::to_string(reply.status));
      return reply;
    };
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    OPENFLE_ASSIGN_OR_RETURN(auto role_reply, get(base));
    std::string role = trim(role_reply.body.expose_text().substr(0, role_reply.body.expose_text().find('\n')));
    OPENFLE_RETURN_IF_ERROR(check_url_identifier("EC2 role name", role));
    OPENFLE_ASSIGN_OR_RETURN(auto creds_reply, get(base + role));
    return parse_metadata_credentials(service, creds_reply);
  }

  std::shared_ptr<const RemoteContext> ctx_;
  std::mutex mu_;
  std::optional<Timed> cached_;
};

}  // namespace

std::unique_ptr<AwsCredentialSource> static_credentials(AwsCredentials credentials) {
  return std::make_unique<StaticSource>(std::move(credentials));
}

std::unique_ptr<AwsCredentialSource> credential_chain(std::shared_ptr<const RemoteContext> ctx) {
  return std::make_unique<ChainSource>(std::move(ctx));
}

Result<std::optional<AwsCredentials>> credentials_from_shared_files(const std::string& credentials_file,
                                                                   const std::string& config_file,
                                                                   const std::string& profile) {
  auto from = [](std::map<std::string, SecretBytes>& section) -> std::optional<AwsCredentials> {
    auto akid = section.find("aws_access_key_id");
    auto secret = section.find("aws_secret_access_key");
    if (akid == section.end() || secret == section.end()) return std::nullopt;
    AwsCredentials c{std::move(akid->second), std::move(secret->second), SecretBytes()};
    if (auto token = section.find("aws_session_token"); token != section.end()) c.session_token = std::move(token->second);
    return c;
  };
  auto creds = ini_section(credentials_file, profile);
  if (auto c = from(creds)) return std::optional<AwsCredentials>(std::move(*c));
  auto config = ini_section(config_file, profile == "default" ? "default" : "profile " + profile);
  if (auto c = from(config)) return std::optional<AwsCredentials>(std::move(*c));
  return std::optional<AwsCredentials>();
}

}  // namespace openfle::kms::aws
