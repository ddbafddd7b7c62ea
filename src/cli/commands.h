// The CLI's subcommands. Each add_* registers its subcommands on the app; the callbacks run the
// command and record its outcome in `status`.
#ifndef OPENFLE_CLI_COMMANDS_H_
#define OPENFLE_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "openfle/auto_encryption.h"

namespace openfle::cli {

// Where a subcommand leaves its result for main() to turn into an exit status.
struct Outcome {
  Status status;
};

void add_init_command(CLI::App& app, Context& ctx, Outcome& outcome);
void add_key_commands(CLI::App& app, Context& ctx, Outcome& outcome);
void add_crypt_commands(CLI::App& app, Context& ctx, Outcome& outcome);
// Registers `key rewrap`, `key usage` (under `key`) and `reencrypt`.
void add_rewrap_commands(CLI::App& app, CLI::App& key, Context& ctx, Outcome& outcome);
void add_bench_command(CLI::App& app, Context& ctx, Outcome& outcome);
// Registers `command encrypt`, `command decrypt` and `command analyze`.
void add_command_commands(CLI::App& app, Context& ctx, Outcome& outcome);

// A schema map file ({"db.coll": <schema>, ...} in Extended JSON), validated; errors name the file.
Result<SchemaMap> read_schema_map(const std::string& path);
// An AutoEncrypter over the context's client, with the schema map in `schema_map_path`.
Result<std::unique_ptr<AutoEncrypter>> make_auto_encrypter(Context& ctx, const std::string& schema_map_path);
// " (it has: a.b, c.d)", for errors about a namespace the map lacks.
std::string list_namespaces(const SchemaMap& map);

}  // namespace openfle::cli

#endif  // OPENFLE_CLI_COMMANDS_H_
