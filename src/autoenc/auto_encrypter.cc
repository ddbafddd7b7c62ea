// AutoEncrypter: query analysis (src/analysis) joined to the client's keys. The analysis marks what
// to encrypt; the client replaces each placeholder with its ciphertext, as libmongocrypt does with
// mongocryptd's markings.
#include "openfle/auto_encryption.h"

#include "analysis/command.h"
#include "analysis/schema.h"
#include "client/internals.h"
#include "common/try.h"

namespace openfle {

struct AutoEncrypter::Impl {
  std::shared_ptr<ClientEncryption> client;
  AutoEncryptionOptions options;

  [[nodiscard]] analysis::SchemaLookup lookup() const {
    return [this](std::string_view ns) { return options.schema_map.find(ns); };
  }
};

AutoEncrypter::AutoEncrypter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AutoEncrypter::~AutoEncrypter() = default;

Result<std::unique_ptr<AutoEncrypter>> AutoEncrypter::create(std::shared_ptr<ClientEncryption> client,
                                                             AutoEncryptionOptions options) {
  if (!client) return fail(ErrorCode::kInvalidArgument, "AutoEncrypter needs a ClientEncryption");
  auto impl = std::make_unique<Impl>(Impl{std::move(client), std::move(options)});
  return std::unique_ptr<AutoEncrypter>(new AutoEncrypter(std::move(impl)));
}

Result<MarkedCommand> AutoEncrypter::analyze(std::string_view db, const Document& command) const {
  return analysis::analyze_command(db, command, impl_->lookup());
}

Result<Document> AutoEncrypter::encrypt_command(std::string_view db, const Document& command) {
  if (impl_->options.bypass_auto_encryption) return command;
  OPENFLE_ASSIGN_OR_RETURN(auto marked, analyze(db, command));
  // As libmongocrypt: without placeholders the command goes out exactly as it came in.
  if (!marked.has_encryption_placeholders) return command;
  return ClientEncryptionInternals::encrypt_placeholders(*impl_->client, marked.result.bytes());
}

Result<Document> AutoEncrypter::decrypt_reply(const Document& reply) {
  return impl_->client->decrypt_document(reply);
}

Result<Document> AutoEncrypter::encrypt_document(std::string_view ns, const Document& document) {
  const EncryptionSchema* schema = impl_->options.schema_map.find(ns);
  if (schema == nullptr || impl_->options.bypass_auto_encryption) return document;
  OPENFLE_ASSIGN_OR_RETURN(auto marked, analysis::mark_document(schema->root(), document.bytes()));
  if (!marked.has_encryption_placeholders) return document;
  return ClientEncryptionInternals::encrypt_placeholders(*impl_->client, marked.result.bytes());
}

const SchemaMap& AutoEncrypter::schema_map() const noexcept { return impl_->options.schema_map; }

}  // namespace openfle
