// openfle encrypt / decrypt: Extended JSON document streams, one document per line.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"
#include "common/try.h"
#include "openfle/auto_encryption.h"

namespace openfle::cli {
namespace {

struct StreamOptions {
  std::string input = "-";
  std::string output = "-";
};

void add_stream_options(CLI::App* cmd, StreamOptions& s) {
  cmd->add_option("--input", s.input, "Read documents from FILE instead of stdin")->capture_default_str();
  cmd->add_option("--output", s.output,
                  "Write documents to FILE (replaced atomically, mode 0600) instead of stdout")
      ->capture_default_str();
}

// Runs `transform` over every document of the input and writes all results, or nothing.
Status transform_stream(const StreamOptions& s, const std::function<Result<Document>(const Document&)>& transform) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (s.input != "-") {
    file.open(s.input, std::ios::binary);
    if (!file) return fail(ErrorCode::kNotFound, "cannot open input file '" + s.input + "'");
    in = &file;
  }
  AllOrNothingOutput out(s.output);
  OPENFLE_RETURN_IF_ERROR(for_each_line(*in, [&](std::size_t, std::string_view line) -> Status {
    OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(line));
    OPENFLE_ASSIGN_OR_RETURN(auto result, transform(doc));
    return out.write_line(result.to_json(JsonMode::kCanonical));
  }));
  return out.commit();
}

}  // namespace

void add_crypt_commands(CLI::App& app, Context& ctx, Outcome& outcome) {
  // encrypt
  struct EncryptArgs {
    std::string key_id;
    std::string key_alt_name;
    std::string algorithm;
    std::vector<std::string> fields;
    std::string schema_map;
    std::string ns;
    StreamOptions stream;
  };
  auto args = std::make_shared<EncryptArgs>();
  auto* enc = app.add_subcommand(
      "encrypt",
      "Encrypt fields of Extended JSON documents read one per line: the --field paths with one key and "
      "algorithm, or every field a JSON Schema names (--schema-map and --namespace)");
  auto* id_opt = enc->add_option("--key-id", args->key_id, "Data key id (UUID)");
  auto* name_opt = enc->add_option("--key-alt-name", args->key_alt_name, "Data key keyAltName");
  id_opt->excludes(name_opt);
  auto* algorithm_opt = enc->add_option("--algorithm", args->algorithm, "deterministic or random");
  auto* field_opt = enc->add_option("--field", args->fields, "Dotted path of a field to encrypt (repeatable)");
  auto* schema_opt = enc->add_option("--schema-map", args->schema_map,
                                     "Schema map file: {\"db.coll\": <CSFLE JSON Schema>, ...} in Extended JSON");
  auto* ns_opt = enc->add_option("--namespace", args->ns, "The documents' namespace in the schema map (DB.COLL)");
  schema_opt->needs(ns_opt);
  ns_opt->needs(schema_opt);
  for (auto* explicit_opt : {id_opt, name_opt, algorithm_opt, field_opt}) schema_opt->excludes(explicit_opt);
  add_stream_options(enc, args->stream);
  enc->callback([&ctx, &outcome, args] {
    outcome.status = [&]() -> Status {
      if (!args->schema_map.empty()) {
        OPENFLE_ASSIGN_OR_RETURN(auto encrypter, make_auto_encrypter(ctx, args->schema_map));
        if (encrypter->schema_map().find(args->ns) == nullptr) {
          return fail(ErrorCode::kInvalidArgument, "namespace '" + args->ns + "' has no schema in '" +
                                                       args->schema_map + "'" + list_namespaces(encrypter->schema_map()));
        }
        return transform_stream(args->stream,
                                [&](const Document& doc) { return encrypter->encrypt_document(args->ns, doc); });
      }
      if (args->algorithm.empty() || args->fields.empty()) {
        return fail(ErrorCode::kInvalidArgument,
                    "give --algorithm and at least one --field (explicit encryption), or --schema-map FILE "
                    "and --namespace DB.COLL (encryption by schema)");
      }
      auto algorithm = parse_algorithm(args->algorithm);
      if (!algorithm) {
        return fail(ErrorCode::kInvalidArgument,
                    "--algorithm '" + args->algorithm + "' is not one of: deterministic, random");
      }
      if (args->key_id.empty() == args->key_alt_name.empty()) {
        return fail(ErrorCode::kInvalidArgument, "give exactly one of --key-id UUID or --key-alt-name NAME");
      }
      EncryptOptions options;
      options.algorithm = *algorithm;
      if (!args->key_id.empty()) {
        OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::parse(args->key_id));
        options.key = id;
      } else {
        options.key = args->key_alt_name;
      }
      OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
      std::vector<bool> ever_found(args->fields.size(), false);
      OPENFLE_RETURN_IF_ERROR(transform_stream(args->stream, [&](const Document& doc) -> Result<Document> {
        std::vector<bool> found;
        auto result = client->encrypt_fields(doc, args->fields, options, &found);
        for (std::size_t i = 0; i < found.size(); ++i) ever_found[i] = ever_found[i] || found[i];
        return result;
      }));
      for (std::size_t i = 0; i < args->fields.size(); ++i) {
        if (!ever_found[i]) ctx.warn("no input document has the field '" + args->fields[i] + "'; nothing was encrypted for it");
      }
      return {};
    }();
  });

  // decrypt
  auto dec_stream = std::make_shared<StreamOptions>();
  auto* dec = app.add_subcommand("decrypt", "Decrypt every encrypted value of Extended JSON documents read one per line");
  add_stream_options(dec, *dec_stream);
  dec->callback([&ctx, &outcome, dec_stream] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
      return transform_stream(*dec_stream, [&](const Document& doc) { return client->decrypt_document(doc); });
    }();
  });
}

}  // namespace openfle::cli
