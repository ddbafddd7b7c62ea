#include "cli/context.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <iostream>

#include "bson/access.h"
#include "cli/io.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

std::string default_home() {
  if (const char* home = std::getenv("OPENFLE_HOME"); home != nullptr && *home != '\0') return home;
  const char* user_home = std::getenv("HOME");
  return (std::filesystem::path(user_home != nullptr ? user_home : ".") / ".openfle").string();
}

std::string default_key_vault_uri() {
  return "sqlite:" + (std::filesystem::path(default_home()) / "keyvault.sqlite").string();
}

std::string default_kms_providers_path() {
  return (std::filesystem::path(default_home()) / "kms-providers.json").string();
}

Context::Context(GlobalOptions options) : options_(std::move(options)) {}

std::string Context::key_vault_uri() const {
  if (!options_.key_vault.empty()) return options_.key_vault;
  return env_or("OPENFLE_KEY_VAULT", default_key_vault_uri());
}

std::vector<std::string> Context::kms_providers_paths() const {
  if (!options_.kms_providers.empty()) return options_.kms_providers;
  std::vector<std::string> paths;
  std::string list = env_or("OPENFLE_KMS_PROVIDERS", default_kms_providers_path());
  for (std::size_t start = 0; start <= list.size();) {
    auto colon = list.find(':', start);
    std::string item = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!item.empty()) paths.push_back(item);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return paths;
}

Result<std::shared_ptr<KeyVault>> Context::key_vault() {
  if (!vault_) {
    OPENFLE_ASSIGN_OR_RETURN(vault_, open_key_vault(key_vault_uri()));
    info("key vault: " + vault_->description());
  }
  return vault_;
}

Result<ClientEncryption*> Context::client() {
  if (client_) return client_.get();
  OPENFLE_ASSIGN_OR_RETURN(auto vault, key_vault());
  // Each file holds some providers (a local key from `openfle init`, a KMS for a migration...);
  // together they form one kmsProviders document. A provider defined twice is an error.
  Document::Builder merged;
  std::map<std::string, std::string> defined_in;
  std::vector<SecretDocument> files;
  for (const auto& path : kms_providers_paths()) {
    if (!std::filesystem::exists(path)) {
      return fail(ErrorCode::kFailedPrecondition,
                  "no KMS providers file at '" + path +
                      "': run 'openfle init' to create a local master key there, or pass "
                      "--kms-providers FILE (the drivers' kmsProviders document in Extended JSON)");
    }
    OPENFLE_ASSIGN_OR_RETURN(auto file, read_secret_json_file(path, "KMS providers file"));
    for (const auto& id : file.document().keys()) {
      if (auto [it, fresh] = defined_in.emplace(id, path); !fresh) {
        return fail(ErrorCode::kInvalidArgument, "KMS provider '" + id + "' is defined in both '" + it->second +
                                                     "' and '" + path + "'");
      }
      auto entry = file.document().get(id);
      auto sub = Document::from_bytes(entry->bytes());
      if (entry->type() != BsonType::kDocument || !sub) {
        return fail(ErrorCode::kInvalidArgument, "kmsProviders." + id + " in '" + path + "' must be a document");
      }
      merged.append(id, *sub);
      DocumentAccess::wipe(*sub);
    }
    files.push_back(std::move(file));
  }
  SecretDocument providers_doc(merged.build());
  std::string path;
  for (const auto& p : kms_providers_paths()) path += (path.empty() ? "" : "', '") + p;
  KmsOptions kms_options;
  std::string tls_path = options_.tls_options.empty() ? env_or("OPENFLE_TLS_OPTIONS", "") : options_.tls_options;
  if (!tls_path.empty()) {
    OPENFLE_ASSIGN_OR_RETURN(auto tls_doc, read_secret_json_file(tls_path, "TLS options file"));
    kms_options.tls_options = tls_doc.document();
  }
  auto providers = KmsProviders::from_document(providers_doc.document(), std::move(kms_options));
  if (!providers) return fail(providers.error().with_context("KMS providers file(s) '" + path + "'"));
  info("KMS providers: " + [&] {
    std::string ids;
    for (const auto& id : providers->ids()) ids += (ids.empty() ? "" : ", ") + id;
    return ids;
  }());
  ClientEncryptionOptions options;
  options.key_vault = std::move(vault);
  options.kms_providers = std::move(*providers);
  options.log = [](LogLevel level, std::string_view message) {
    switch (level) {
      case LogLevel::kDebug: spdlog::debug("{}", message); break;
      case LogLevel::kInfo: spdlog::info("{}", message); break;
      case LogLevel::kWarning: spdlog::warn("{}", message); break;
      case LogLevel::kError: spdlog::error("{}", message); break;
    }
  };
  OPENFLE_ASSIGN_OR_RETURN(client_, ClientEncryption::create(std::move(options)));
  return client_.get();
}

Result<std::shared_ptr<ClientEncryption>> Context::shared_client() {
  OPENFLE_RETURN_IF_ERROR(client());
  return client_;
}

void Context::info(std::string_view message) const { spdlog::info("{}", message); }
void Context::warn(std::string_view message) const { spdlog::warn("{}", message); }

int exit_status(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kAuthenticationFailed: return 4;
    case ErrorCode::kKmsError:
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded: return 5;
    case ErrorCode::kAlreadyExists: return 6;
    default: return 1;
  }
}

int report(const Error& error) {
  std::cerr << "openfle: error: " << error.message() << "\n";
  return exit_status(error);
}

void init_logging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("openfle");
  logger->set_pattern("openfle: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity >= 2 ? spdlog::level::debug
                                   : (verbosity == 1 ? spdlog::level::info : spdlog::level::warn));
}

}  // namespace openfle::cli
