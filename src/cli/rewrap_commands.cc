// openfle key rewrap, openfle reencrypt and openfle key usage: moving master keys and retiring
// data keys without losing data (README "Migrating to a KMS").
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/io.h"
#include "cli/progress.h"
#include "common/try.h"

namespace openfle::cli {
namespace {

struct RewrapArgs {
  std::string filter;
  std::string provider;
  std::string master_key;
  bool dry_run = false;
  std::string backup;
  // Each key needs up to three KMS requests; 64 in flight rewraps 10,000 keys in seconds against
  // a KMS answering in 20 ms, well within the request quotas of the cloud KMSs.
  int concurrency = 64;
  bool quiet = false;
};

Status run_rewrap(Context& ctx, const RewrapArgs& args) {
  if (!args.master_key.empty() && args.provider.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--master-key needs --provider (the KMS provider the master key is in)");
  }
  KeyFilter filter = KeyFilter::all();
  if (!args.filter.empty()) {
    OPENFLE_ASSIGN_OR_RETURN(filter, KeyFilter::from_json(args.filter));
  }
  RewrapOptions options;
  options.dry_run = args.dry_run;
  options.concurrency = args.concurrency;
  if (!args.provider.empty()) {
    OPENFLE_ASSIGN_OR_RETURN(auto id, KmsProviderId::parse(args.provider));
    auto doc = Document::from_json(args.master_key.empty() ? "{}" : args.master_key);
    if (!doc) return fail(doc.error().with_context("--master-key"));
    auto mk = MasterKey::from_document(id, *doc);
    if (!mk) return fail(mk.error().with_context("--master-key"));
    options.master_key = std::move(*mk);
  }
  OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
  if (!args.backup.empty()) {
    OPENFLE_ASSIGN_OR_RETURN(auto keys, client->key_vault()->find(filter));
    std::string content;
    for (const auto& k : keys) content += k.to_document().to_json() + "\n";
    OPENFLE_RETURN_IF_ERROR(create_private_file(args.backup, content));
    std::cerr << "backed up " << keys.size() << " key document(s) to " << args.backup
              << " (restore with: openfle key import --replace " << args.backup << ")\n";
  }
  Progress progress(args.dry_run ? "verifying" : "rewrapping", args.quiet);
  options.progress = [&](std::size_t done, std::size_t total) { progress.update(done, total); };
  auto result = client->rewrap_many_data_key(filter, std::move(options));
  progress.finish();
  if (!result) return fail(result.error());
  double seconds = static_cast<double>(result->elapsed.count()) / 1000.0;
  char took[32];
  std::snprintf(took, sizeof(took), "%.1f s", seconds);
  if (result->matched == 0) {
    std::cout << "no key matched the filter; nothing to do\n";
    return {};
  }
  if (result->dry_run) {
    std::cout << "dry run: " << result->rewrapped << " of " << result->matched
              << " key(s) would be rewrapped; every new wrapping was verified; nothing was written (" << took << ")\n";
  } else {
    std::cout << "rewrapped " << result->rewrapped << " of " << result->matched << " key(s) in " << took << "\n";
  }
  for (const auto& [move, count] : result->moves) std::cout << "  " << count << "  " << move << "\n";
  if (result->created_master_key) {
    std::string fields = result->created_master_key->to_document().to_json(JsonMode::kRelaxed);
    std::cout << "  the KMS created the master key " << fields << "\n";
    if (result->dry_run) {
      std::cout << "  to use that same master key for the real run, pass --master-key with its fields\n";
    }
  }
  if (result->already_current > 0) {
    std::cout << "  " << result->already_current << " key(s) already wrapped by the target, left as they were\n";
  }
  return {};
}

// Reads Extended JSON documents and calls `each` with each one; line numbers in errors.
Status for_each_document(const std::string& input, const std::function<Status(const Document&)>& each) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) return fail(ErrorCode::kNotFound, "cannot open input file '" + input + "'");
    in = &file;
  }
  return for_each_line(*in, [&](std::size_t, std::string_view line) -> Status {
    OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(line));
    return each(doc);
  });
}

}  // namespace

void add_rewrap_commands(CLI::App& app, CLI::App& key, Context& ctx, Outcome& outcome) {
  auto args = std::make_shared<RewrapArgs>();
  auto* rewrap = key.add_subcommand(
      "rewrap", "Rewrap data keys with another (or their own) master key; verified before anything is written");
  rewrap->add_option("--filter", args->filter, "Key-vault query selecting the keys, e.g. '{\"masterKey.provider\": \"local\"}'");
  rewrap->add_option("--provider", args->provider, "Target KMS provider (local, aws, azure, gcp, kmip, <kind>:<name>)");
  rewrap->add_option("--master-key", args->master_key, "Target masterKey document (Extended JSON); needs --provider");
  rewrap->add_flag("--dry-run", args->dry_run, "Unwrap, rewrap and verify every key, but write nothing");
  rewrap->add_option("--backup", args->backup, "First write the matching key documents to FILE (new file, mode 0600)");
  rewrap->add_option("--concurrency", args->concurrency, "Keys processed at once")->capture_default_str()->check(CLI::Range(1, 512));
  rewrap->add_flag("--quiet", args->quiet, "No progress on stderr");
  rewrap->callback([&ctx, &outcome, args] { outcome.status = run_rewrap(ctx, *args); });

  // reencrypt
  struct ReencryptArgs {
    std::string from;
    std::string to;
    std::string input = "-";
    std::string output = "-";
  };
  auto re = std::make_shared<ReencryptArgs>();
  auto* reencrypt = app.add_subcommand(
      "reencrypt", "Re-encrypt values encrypted with one data key under another (to retire a key)");
  reencrypt->add_option("--from-key", re->from, "Id of the data key to move away from")->required();
  reencrypt->add_option("--to-key", re->to, "Id of the data key to move to")->required();
  reencrypt->add_option("--input", re->input, "Read documents from FILE instead of stdin")->capture_default_str();
  reencrypt->add_option("--output", re->output, "Write documents to FILE (atomically, mode 0600)")->capture_default_str();
  reencrypt->callback([&ctx, &outcome, re] {
    outcome.status = [&]() -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto from, Uuid::parse(re->from));
      OPENFLE_ASSIGN_OR_RETURN(auto to, Uuid::parse(re->to));
      if (from == to) return fail(ErrorCode::kInvalidArgument, "--from-key and --to-key are the same key");
      OPENFLE_ASSIGN_OR_RETURN(auto* client, ctx.client());
      AllOrNothingOutput out(re->output);
      std::size_t values = 0;
      std::size_t documents = 0;
      OPENFLE_RETURN_IF_ERROR(for_each_document(re->input, [&](const Document& doc) -> Status {
        std::size_t changed = 0;
        OPENFLE_ASSIGN_OR_RETURN(auto moved, client->reencrypt_document(doc, from, to, &changed));
        values += changed;
        documents += changed > 0 ? 1 : 0;
        return out.write_line(moved.to_json());
      }));
      OPENFLE_RETURN_IF_ERROR(out.commit());
      std::cerr << "re-encrypted " << values << " value(s) in " << documents << " document(s) from key " << re->from
                << " to key " << re->to << "\n";
      return {};
    }();
  });

  // key usage
  auto usage_input = std::make_shared<std::string>("-");
  auto* usage = key.add_subcommand("usage", "Count the encrypted values per data key in a document stream");
  usage->add_option("--input", *usage_input, "Read documents from FILE instead of stdin")->capture_default_str();
  usage->callback([&ctx, &outcome, usage_input] {
    outcome.status = [&]() -> Status {
      std::map<Uuid, std::size_t> documents;
      std::size_t total = 0;
      OPENFLE_RETURN_IF_ERROR(for_each_document(*usage_input, [&](const Document& doc) -> Status {
        ++total;
        for (const auto& id : data_keys_used(doc)) ++documents[id];
        return {};
      }));
      OPENFLE_ASSIGN_OR_RETURN(auto vault, ctx.key_vault());
      for (const auto& [id, count] : documents) {
        OPENFLE_ASSIGN_OR_RETURN(auto keys, vault->find(KeyFilter::by_id(id)));
        std::string names;
        if (!keys.empty()) {
          for (const auto& n : keys.front().key_alt_names) names += (names.empty() ? "" : ",") + n;
        }
        std::cout << id.to_string() << "  " << count << " document(s)  "
                  << (keys.empty() ? "NOT IN KEY VAULT" : (names.empty() ? "-" : names)) << "\n";
      }
      std::cerr << "scanned " << total << " document(s); " << documents.size() << " data key(s) in use\n";
      return {};
    }();
  });
}

}  // namespace openfle::cli
