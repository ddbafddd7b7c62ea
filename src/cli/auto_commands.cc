// openfle command encrypt / decrypt / analyze: one database command or reply, shown exactly as a
// driver with automatic encryption would send or receive it.
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"
#include "common/try.h"

namespace openfle::cli {

Result<SchemaMap> read_schema_map(const std::string& path) {
  OPENFLE_ASSIGN_OR_RETURN(auto text, read_input(path));
  auto map = SchemaMap::from_json(text);
  if (!map) return fail(map.error().with_context("schema map '" + path + "'"));
  return map;
}

Result<std::unique_ptr<AutoEncrypter>> make_auto_encrypter(Context& ctx, const std::string& schema_map_path) {
  OPENFLE_ASSIGN_OR_RETURN(auto map, read_schema_map(schema_map_path));
  OPENFLE_ASSIGN_OR_RETURN(auto client, ctx.shared_client());
  AutoEncryptionOptions options;
  options.schema_map = std::move(map);
  return AutoEncrypter::create(std::move(client), std::move(options));
}

std::string list_namespaces(const SchemaMap& map) {
  std::string out;
  for (const auto& ns : map.namespaces()) out += (out.empty() ? "" : ", ") + ns;
  return out.empty() ? " (it has none)" : " (it has: " + out + ")";
}

namespace {

// One Extended JSON document: the whole input, which may span lines.
Result<Document> read_one_document(const std::string& input, std::string_view what) {
  OPENFLE_ASSIGN_OR_RETURN(auto text, read_input(input));
  auto doc = Document::from_json(text);
  if (!doc) return fail(doc.error().with_context(std::string(what) + (input == "-" ? " on stdin" : " in '" + input + "'")));
  return doc;
}

Status write_document(const Document& doc, const std::string& output) {
  AllOrNothingOutput out(output);
  OPENFLE_RETURN_IF_ERROR(out.write_line(doc.to_json(JsonMode::kCanonical)));
  return out.commit();
}

std::string schema_map_from_env() {
  const char* env = std::getenv("OPENFLE_SCHEMA_MAP");
  return env != nullptr ? env : "";
}

}  // namespace

void add_command_commands(CLI::App& app, Context& ctx, Outcome& outcome) {
  auto* command = app.add_subcommand(
      "command", "Automatic encryption of one database command: what a driver would send and receive");
  command->require_subcommand(1);

  struct Args {
    std::string db;
    std::string schema_map;
    std::string input = "-";
    std::string output = "-";
  };
  auto add_io = [](CLI::App* cmd, Args& a) {
    cmd->add_option("--input", a.input, "Read the document from FILE instead of stdin")->capture_default_str();
    cmd->add_option("--output", a.output, "Write the result to FILE (mode 0600) instead of stdout")
        ->capture_default_str();
  };
  auto add_schema = [](CLI::App* cmd, Args& a) {
    cmd->add_option("--db", a.db, "The database the command runs on")->required();
    cmd->add_option("--schema-map", a.schema_map,
                    "Schema map file: {\"db.coll\": <CSFLE JSON Schema>, ...} (env OPENFLE_SCHEMA_MAP)");
  };
  auto schema_path = [](const Args& a) -> Result<std::string> {
    std::string path = a.schema_map.empty() ? schema_map_from_env() : a.schema_map;
    if (path.empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  "give --schema-map FILE (or set OPENFLE_SCHEMA_MAP): the JSON Schemas that say which "
                  "fields to encrypt, as the drivers' schemaMap option");
    }
    return path;
  };

  auto enc = std::make_shared<Args>();
  auto* enc_cmd = command->add_subcommand(
      "encrypt", "Read one command (Extended JSON) and print it with every field its schema encrypts encrypted");
  add_schema(enc_cmd, *enc);
  add_io(enc_cmd, *enc);
  enc_cmd->callback([&ctx, &outcome, enc, schema_path] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto path, schema_path(*enc));
      OPENFLE_ASSIGN_OR_RETURN(auto cmd, read_one_document(enc->input, "command"));
      OPENFLE_ASSIGN_OR_RETURN(auto encrypter, make_auto_encrypter(ctx, path));
      OPENFLE_ASSIGN_OR_RETURN(auto encrypted, encrypter->encrypt_command(enc->db, cmd));
      return write_document(encrypted, enc->output);
    }();
  });

  auto analyze = std::make_shared<Args>();
  auto* analyze_cmd = command->add_subcommand(
      "analyze",
      "Read one command and print the query analysis (mongocryptd's reply: the command with placeholders "
      "where values will be encrypted); needs no keys");
  add_schema(analyze_cmd, *analyze);
  add_io(analyze_cmd, *analyze);
  analyze_cmd->callback([&outcome, analyze, schema_path] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto path, schema_path(*analyze));
      OPENFLE_ASSIGN_OR_RETURN(auto cmd, read_one_document(analyze->input, "command"));
      OPENFLE_ASSIGN_OR_RETURN(auto map, read_schema_map(path));
      OPENFLE_ASSIGN_OR_RETURN(auto marked, analyze_command(analyze->db, cmd, map));
      return write_document(marked.to_reply(), analyze->output);
    }();
  });

  auto dec = std::make_shared<Args>();
  auto* dec_cmd = command->add_subcommand(
      "decrypt", "Read one server reply (Extended JSON) and print it with every encrypted value decrypted");
  add_io(dec_cmd, *dec);
  dec_cmd->callback([&ctx, &outcome, dec] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto reply, read_one_document(dec->input, "reply"));
      OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
      OPENFLE_ASSIGN_OR_RETURN(auto plain, client->decrypt_document(reply));
      return write_document(plain, dec->output);
    }();
  });
}

}  // namespace openfle::cli
