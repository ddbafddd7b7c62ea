// openfle init: a local master key and an empty key vault, for development and the quickstart.
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"
#include "common/encoding.h"
#include "common/try.h"

namespace openfle::cli {

void add_init_command(CLI::App& app, Context& ctx, Outcome& outcome) {
  auto* init = app.add_subcommand(
      "init", "Create a local master key (kms-providers file, mode 0600) and the key vault");
  init->callback([&ctx, &outcome] {
    outcome.status = [&]() -> Status {
      const std::string path = ctx.kms_providers_paths().front();
      SecretBytes master_key = SecretBytes::random(96);
      SecretBytes encoded = base64_encode_secret(master_key);
      const std::string_view head = R"({"local": {"key": {"$binary": {"base64": ")";
      const std::string_view tail = "\", \"subType\": \"00\"}}}}\n";
      SecretBytes content(head.size() + encoded.size() + tail.size());
      auto* p = content.expose_mutable().data();
      std::copy(head.begin(), head.end(), p);
      std::copy(encoded.expose().begin(), encoded.expose().end(), p + head.size());
      std::copy(tail.begin(), tail.end(), p + head.size() + encoded.size());
      auto created = create_private_file(path, content.expose_text());
      if (!created) {
        if (created.error().code() == ErrorCode::kAlreadyExists) {
          return fail(ErrorCode::kAlreadyExists,
                      "a KMS providers file already exists at '" + path +
                          "'; it was left as it is (replacing its master key would make every data "
                          "key wrapped by it unreadable)");
        }
        return created;
      }
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      std::cout << "created a local master key in " << path << " (mode 0600)\n"
                << "  keep this file safe and private: without it, data encrypted with its data keys cannot be decrypted\n"
                << "key vault: " << vault->description() << "\n";
      return {};
    }();
  });
}

}  // namespace openfle::cli
