// openfle key ...: creating, importing, exporting, listing and editing data keys.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/io.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

std::string iso_date(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string summary_line(const KeyDocument& key) {
  std::string names;
  for (const auto& n : key.key_alt_names) names += (names.empty() ? "" : ",") + n;
  return key.id.to_string() + "  " + key.master_key.provider().to_string() + "  " + iso_date(key.creation_date_ms) +
         "  " + (names.empty() ? "-" : names);
}

// Key documents from Extended JSON: one per line, or one JSON array of documents.
Result<std::vector<KeyDocument>> parse_key_documents(const std::string& text) {
  std::vector<KeyDocument> keys;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    auto wrapper = Document::from_json("{\"keys\": " + text + "}");
    if (!wrapper) return fail(wrapper.error().with_context("input is not a JSON array of key documents"));
    auto array = wrapper->get("keys");
    if (!array || array->type() != BsonType::kArray) {
      return fail(ErrorCode::kInvalidArgument, "input is not a JSON array of key documents");
    }
    auto items = Document::from_bytes(array->bytes());
    std::size_t index = 0;
    for (const auto& k : items->keys()) {
      auto item = items->get(k);
      if (item->type() != BsonType::kDocument) {
        return fail(ErrorCode::kInvalidArgument, "array element " + std::to_string(index) + " is not a document");
      }
      auto key = KeyDocument::from_document(*Document::from_bytes(item->bytes()));
      if (!key) return fail(key.error().with_context("array element " + std::to_string(index)));
      keys.push_back(std::move(*key));
      ++index;
    }
    return keys;
  }
  std::istringstream in(text);
  OPENFLE_RETURN_IF_ERROR(for_each_line(in, [&](std::size_t, std::string_view line) -> Status {
    OPENFLE_ASSIGN_OR_RETURN(auto key, KeyDocument::from_json(line));
    keys.push_back(std::move(key));
    return {};
  }));
  return keys;
}

Status print_document(const Document& doc) {
  std::cout << doc.to_json(JsonMode::kCanonical) << "\n";
  return {};
}

}  // namespace

void add_key_commands(CLI::App& app, Context& ctx, Outcome& outcome) {
  auto* key = app.add_subcommand("key", "Create, import, export, list and edit data keys");
  key->require_subcommand(1);

  // key create
  auto* create = key->add_subcommand("create", "Create a data key; prints its id (UUID) last");
  auto provider = std::make_shared<std::string>("local");
  auto master_key_json = std::make_shared<std::string>();
  auto alt_names = std::make_shared<std::vector<std::string>>();
  create->add_option("--provider", *provider, "KMS provider: local, aws, azure, gcp, kmip, or <kind>:<name>")
      ->capture_default_str();
  create->add_option("--master-key", *master_key_json,
                     "masterKey document in Extended JSON (required for aws, azure, gcp; optional for kmip)");
  create->add_option("--alt-name", *alt_names, "A keyAltName for the key (repeatable)");
  create->callback([&ctx, &outcome, provider, master_key_json, alt_names] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
      DataKeyOptions options;
      options.key_alt_names = *alt_names;
      if (!master_key_json->empty()) {
        OPENFLE_ASSIGN_OR_RETURN(auto id, KmsProviderId::parse(*provider));
        auto doc = Document::from_json(*master_key_json);
        if (!doc) return fail(doc.error().with_context("--master-key"));
        auto mk = MasterKey::from_document(id, *doc);
        if (!mk) return fail(mk.error().with_context("--master-key"));
        options.master_key = std::move(*mk);
      }
      OPENFLE_ASSIGN_OR_RETURN(auto id, client->create_data_key(*provider, std::move(options)));
      std::cout << id.to_string() << std::endl;
      return {};
    }();
  });

  // key import
  auto* import = key->add_subcommand("import", "Import key documents (Extended JSON), all or nothing");
  auto import_path = std::make_shared<std::string>("-");
  auto replace = std::make_shared<bool>(false);
  import->add_option("file", *import_path, "File of key documents, one per line or a JSON array; - for stdin")
      ->capture_default_str();
  import->add_flag("--replace", *replace,
                   "Replace keys that already exist (restoring a backup) instead of refusing them");
  import->callback([&ctx, &outcome, import_path, replace] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto text, read_input(*import_path));
      OPENFLE_ASSIGN_OR_RETURN(auto keys, parse_key_documents(text));
      if (keys.empty()) return fail(ErrorCode::kInvalidArgument, "no key documents in the input");
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      OPENFLE_RETURN_IF_ERROR(*replace ? vault->upsert(keys) : vault->insert(keys));
      std::cerr << "imported " << keys.size() << " key(s) into " << vault->description() << "\n";
      return {};
    }();
  });

  // key export
  auto* exp = key->add_subcommand("export", "Print every key document as canonical Extended JSON, one per line");
  exp->callback([&ctx, &outcome] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      OPENFLE_ASSIGN_OR_RETURN(auto keys, vault->find(KeyFilter::all()));
      AllOrNothingOutput out;
      for (const auto& k : keys) OPENFLE_RETURN_IF_ERROR(out.write_line(k.to_document().to_json()));
      return out.commit();
    }();
  });

  // key list
  auto* list = key->add_subcommand("list", "List keys: id, provider, creation date, keyAltNames");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print key documents (relaxed Extended JSON) instead of a table");
  list->callback([&ctx, &outcome, list_json] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      OPENFLE_ASSIGN_OR_RETURN(auto keys, vault->find(KeyFilter::all()));
      for (const auto& k : keys) {
        std::cout << (*list_json ? k.to_document().to_json(JsonMode::kRelaxed) : summary_line(k)) << "\n";
      }
      if (keys.empty() && !*list_json) std::cerr << "no keys in " << vault->description() << "\n";
      return {};
    }();
  });

  // key get
  auto* get = key->add_subcommand("get", "Print one key document (canonical Extended JSON)");
  auto get_id = std::make_shared<std::string>();
  auto get_name = std::make_shared<std::string>();
  auto* id_opt = get->add_option("--id", *get_id, "The key's id (UUID)");
  auto* name_opt = get->add_option("--alt-name", *get_name, "One of the key's keyAltNames");
  id_opt->excludes(name_opt);
  get->callback([&ctx, &outcome, get_id, get_name] {
    outcome.status = [&]() -> Status {
      if (get_id->empty() && get_name->empty()) {
        return fail(ErrorCode::kInvalidArgument, "key get needs --id UUID or --alt-name NAME");
      }
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      KeyFilter filter = KeyFilter::all();
      if (!get_id->empty()) {
        OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::parse(*get_id));
        filter = KeyFilter::by_id(id);
      } else {
        filter = KeyFilter::by_alt_names({*get_name});
      }
      OPENFLE_ASSIGN_OR_RETURN(auto keys, vault->find(filter));
      if (keys.empty()) {
        return fail(ErrorCode::kNotFound, (get_id->empty() ? "no key has the keyAltName '" + *get_name + "'"
                                                           : "no key has the id " + *get_id) +
                                              " in " + vault->description());
      }
      return print_document(keys.front().to_document());
    }();
  });

  // key delete
  auto* del = key->add_subcommand("delete", "Delete a data key (data encrypted with it becomes unreadable)");
  auto del_id = std::make_shared<std::string>();
  auto del_yes = std::make_shared<bool>(false);
  del->add_option("--id", *del_id, "The key's id (UUID)")->required();
  del->add_flag("--yes", *del_yes, "Do not ask: data still encrypted with this key will be lost");
  del->callback([&ctx, &outcome, del_id, del_yes] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::parse(*del_id));
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      OPENFLE_ASSIGN_OR_RETURN(auto found, vault->find(KeyFilter::by_id(id)));
      if (found.empty()) return fail(ErrorCode::kNotFound, "no key has the id " + *del_id + " in " + vault->description());
      if (!*del_yes) {
        const std::string warning = "data still encrypted with data key " + *del_id +
                                    " can never be decrypted once it is deleted (check with 'openfle key usage'; "
                                    "move such data with 'openfle reencrypt')";
        if (::isatty(STDIN_FILENO) != 1) {
          return fail(ErrorCode::kFailedPrecondition, "refusing to delete without --yes: " + warning);
        }
        std::cerr << "Warning: " << warning << ".\nType 'delete' to delete it: " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "delete") return fail(ErrorCode::kFailedPrecondition, "not deleted");
      }
      OPENFLE_ASSIGN_OR_RETURN(bool deleted, vault->remove(id));
      if (!deleted) return fail(ErrorCode::kNotFound, "no key has the id " + *del_id + " in " + vault->description());
      std::cerr << "deleted key " << *del_id << "\n";
      return {};
    }();
  });

  add_rewrap_commands(app, *key, ctx, outcome);

  // key add-alt-name / remove-alt-name
  for (bool adding : {true, false}) {
    auto* cmd = key->add_subcommand(adding ? "add-alt-name" : "remove-alt-name",
                                    adding ? "Add a keyAltName to a key" : "Remove a keyAltName from a key");
    auto id_text = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("--id", *id_text, "The key's id (UUID)")->required();
    cmd->add_option("--name", *name, "The keyAltName")->required();
    cmd->callback([&ctx, &outcome, id_text, name, adding] {
      outcome.status = [&]() -> Status {
        OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::parse(*id_text));
        OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
        OPENFLE_ASSIGN_OR_RETURN(auto before, adding ? vault->add_key_alt_name(id, *name)
                                                     : vault->remove_key_alt_name(id, *name));
        if (!before) return fail(ErrorCode::kNotFound, "no key has the id " + *id_text + " in " + vault->description());
        if (!adding && !before->has_alt_name(*name)) {
          ctx.warn("key " + *id_text + " had no keyAltName '" + *name + "'");
        }
        return {};
      }();
    });
  }
}

}  // namespace openfle::cli
