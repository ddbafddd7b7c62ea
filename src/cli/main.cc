// openfle: the command-line interface (docs/cli.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/context.h"

int main(int argc, char** argv) {
  using namespace openfle::cli;
  CLI::App app{"openfle: client-side field-level encryption for MongoDB-shaped data", "openfle"};
  app.set_version_flag("--version", "openfle 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--key-vault", global.key_vault,
                 "Key vault URI: sqlite:PATH or memory: (env OPENFLE_KEY_VAULT; default "
                 "sqlite:$OPENFLE_HOME/keyvault.sqlite)");
  app.add_option("--kms-providers", global.kms_providers,
                 "kmsProviders document in Extended JSON; repeat to merge several files (env "
                 "OPENFLE_KMS_PROVIDERS, ':'-separated; default $OPENFLE_HOME/kms-providers.json)");
  app.add_option("--tls-options", global.tls_options,
                 "KMS TLS options per provider in Extended JSON (env OPENFLE_TLS_OPTIONS)");
  app.add_flag("-v,--verbose", global.verbosity, "More log output on stderr (repeatable)");

  Context ctx(GlobalOptions{});
  Outcome outcome;
  add_init_command(app, ctx, outcome);
  add_key_commands(app, ctx, outcome);
  add_crypt_commands(app, ctx, outcome);
  add_bench_command(app, ctx, outcome);
  add_command_commands(app, ctx, outcome);
  // Global options are parsed before any subcommand callback runs.
  app.parse_complete_callback([&] {
    init_logging(global.verbosity);
    ctx = Context(global);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // openfle reports errors as values; an exception here is a bug (or memory exhaustion).
    std::cerr << "openfle: internal error: " << e.what() << "\n";
    return 1;
  }
  if (!outcome.status) return report(outcome.status.error());
  return 0;
}
