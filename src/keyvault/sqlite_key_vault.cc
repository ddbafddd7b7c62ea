// The embedded key vault: one SQLite database file.
//
// Key documents are stored whole, as BSON, beside the columns that need indexes. keyAltNames live
// in their own table whose primary key makes every name unique across the vault, the guarantee
// MongoDB gets from a unique index on keyAltNames. Every change that touches several rows runs in
// one transaction, so a failure or a crash leaves the vault as it was before.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "common/strings.h"
#include "common/try.h"
#include "keyvault/sqlite.h"
#include "keyvault/vault_checks.h"
#include "openfle/key_vault.h"

namespace openfle {
namespace {

constexpr int kSchemaVersion = 1;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS data_keys (
  seq INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
  provider TEXT NOT NULL,
  key_material BLOB NOT NULL,
  document BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS key_alt_names (
  name TEXT PRIMARY KEY,
  key_id BLOB NOT NULL REFERENCES data_keys (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS key_alt_names_by_key ON key_alt_names (key_id);
CREATE INDEX IF NOT EXISTS data_keys_by_provider ON data_keys (provider);
)sql";

// Creates the file with mode 0600 (and missing parent directories with 0700) before SQLite opens
// it, so the vault is never readable by other users, not even for an instant.
Status create_private_file(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) {
      return fail(ErrorCode::kIoError, "cannot create the directory '" + p.parent_path().string() +
                                           "' for the key vault: " + ec.message());
    }
    ::chmod(p.parent_path().c_str(), 0700);
  }
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return fail(ErrorCode::kIoError, "cannot create the key vault '" + path + "': " + errno_message(errno));
}

class SqliteKeyVault final : public KeyVault {
 public:
  explicit SqliteKeyVault(sqlite::Database db) : db_(std::move(db)) {}

  Status init() {
    OPENFLE_RETURN_IF_ERROR(db_.exec("PRAGMA busy_timeout = 10000"));
    OPENFLE_RETURN_IF_ERROR(db_.exec("PRAGMA journal_mode = WAL"));
    OPENFLE_RETURN_IF_ERROR(db_.exec("PRAGMA synchronous = FULL"));
    OPENFLE_RETURN_IF_ERROR(db_.exec("PRAGMA foreign_keys = ON"));
    std::int64_t version = 0;
    {
      // Finalized before any write: a statement left open would hold a read transaction, and
      // SQLite refuses to upgrade that to a write (SQLITE_BUSY, with no waiting) when another
      // process writes at the same time.
      OPENFLE_ASSIGN_OR_RETURN(auto version_stmt, db_.prepare("PRAGMA user_version"));
      OPENFLE_ASSIGN_OR_RETURN(bool has_row, version_stmt.step());
      version = has_row ? version_stmt.column_int(0) : 0;
    }
    if (version == kSchemaVersion) return {};  // opening an existing vault writes nothing
    if (version > kSchemaVersion) {
      return fail(ErrorCode::kFailedPrecondition,
                  "key vault '" + db_.path() + "' was written by a newer openfle (schema " +
                      std::to_string(version) + "); upgrade openfle to use it");
    }
    OPENFLE_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
    OPENFLE_RETURN_IF_ERROR(db_.exec(kSchema));
    OPENFLE_RETURN_IF_ERROR(db_.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)));
    return tx.commit();
  }

  std::string description() const override { return "sqlite:" + db_.path(); }

  Result<std::vector<KeyDocument>> find(const KeyFilter& filter) override {
    std::lock_guard lock(mu_);
    std::vector<KeyDocument> out;
    if (const auto& lookup = filter.lookup()) {
      std::set<Uuid> seen;
      for (const auto& id : lookup->first) {
        OPENFLE_ASSIGN_OR_RETURN(auto key, load(id));
        if (key && seen.insert(key->id).second) out.push_back(std::move(*key));
      }
      OPENFLE_ASSIGN_OR_RETURN(auto by_name, db_.prepare("SELECT key_id FROM key_alt_names WHERE name = ?"));
      for (const auto& name : lookup->second) {
        by_name.reset();
        by_name.bind(1, std::string_view(name));
        OPENFLE_ASSIGN_OR_RETURN(bool row, by_name.step());
        if (!row) continue;
        OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::from_bytes(by_name.column_blob(0)));
        OPENFLE_ASSIGN_OR_RETURN(auto key, load(id));
        if (key && seen.insert(key->id).second) out.push_back(std::move(*key));
      }
      return out;
    }
    OPENFLE_ASSIGN_OR_RETURN(auto all, db_.prepare("SELECT document FROM data_keys ORDER BY seq"));
    while (true) {
      OPENFLE_ASSIGN_OR_RETURN(bool row, all.step());
      if (!row) break;
      OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_bytes(all.column_blob(0)));
      if (!filter.matches(doc)) continue;
      OPENFLE_ASSIGN_OR_RETURN(auto key, parse_stored(doc));
      out.push_back(std::move(key));
    }
    return out;
  }

  Status insert(std::span<const KeyDocument> keys) override { return write_all(keys, false); }
  Status upsert(std::span<const KeyDocument> keys) override { return write_all(keys, true); }

  Result<bool> remove(const Uuid& id) override {
    std::lock_guard lock(mu_);
    OPENFLE_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
    OPENFLE_ASSIGN_OR_RETURN(auto stmt, db_.prepare("DELETE FROM data_keys WHERE id = ?"));
    stmt.bind(1, ByteView(id.bytes()));
    OPENFLE_RETURN_IF_ERROR(stmt.run());
    bool deleted = db_.changes() > 0;
    OPENFLE_RETURN_IF_ERROR(tx.commit());
    return deleted;
  }

  Result<std::optional<KeyDocument>> add_key_alt_name(const Uuid& id, std::string_view name) override {
    return change_alt_names(id, name, true);
  }

  Result<std::optional<KeyDocument>> remove_key_alt_name(const Uuid& id, std::string_view name) override {
    return change_alt_names(id, name, false);
  }

  Result<WrappingUpdateResult> update_wrappings(std::span<const WrappingUpdate> updates) override {
    std::lock_guard lock(mu_);
    OPENFLE_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
    WrappingUpdateResult result;
    std::vector<KeyDocument> changed;
    for (const auto& u : updates) {
      OPENFLE_ASSIGN_OR_RETURN(auto key, load(u.id));
      const bool done = key && key->key_material == u.key_material && key->master_key == u.master_key;
      if (done) {
        ++result.already_current;
      } else if (!key || key->key_material != u.expected_key_material) {
        result.conflicts.push_back(u.id);  // deleted, or changed since the rewrap read it
      } else {
        key->master_key = u.master_key;
        key->key_material = u.key_material;
        key->update_date_ms = u.update_date_ms;
        changed.push_back(std::move(*key));
      }
    }
    if (!result.conflicts.empty()) return keyvault::conflict_error(result.conflicts);
    OPENFLE_ASSIGN_OR_RETURN(
        auto stmt, db_.prepare("UPDATE data_keys SET provider = ?, key_material = ?, document = ? WHERE id = ?"));
    for (const auto& key : changed) {
      stmt.reset();
      Document doc = key.to_document();
      std::string provider = key.master_key.provider().to_string();
      stmt.bind(1, std::string_view(provider)).bind(2, ByteView(key.key_material)).bind(3, doc.bytes());
      stmt.bind(4, ByteView(key.id.bytes()));
      OPENFLE_RETURN_IF_ERROR(stmt.run());
      ++result.updated;
    }
    OPENFLE_RETURN_IF_ERROR(tx.commit());
    return result;
  }

  bool atomic_batches() const noexcept override { return true; }

 private:
  Result<KeyDocument> parse_stored(const Document& doc) {
    auto key = KeyDocument::from_document(doc);
    if (!key) return fail(key.error().with_context("corrupt key document in key vault '" + db_.path() + "'"));
    return key;
  }

  Result<std::optional<KeyDocument>> load(const Uuid& id) {
    OPENFLE_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT document FROM data_keys WHERE id = ?"));
    stmt.bind(1, ByteView(id.bytes()));
    OPENFLE_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return std::optional<KeyDocument>();
    OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_bytes(stmt.column_blob(0)));
    OPENFLE_ASSIGN_OR_RETURN(auto key, parse_stored(doc));
    return std::optional<KeyDocument>(std::move(key));
  }

  Result<std::optional<Uuid>> owner_of(std::string_view name) {
    OPENFLE_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT key_id FROM key_alt_names WHERE name = ?"));
    stmt.bind(1, name);
    OPENFLE_ASSIGN_OR_RETURN(bool row, stmt.step());
    if (!row) return std::optional<Uuid>();
    OPENFLE_ASSIGN_OR_RETURN(auto id, Uuid::from_bytes(stmt.column_blob(0)));
    return std::optional<Uuid>(id);
  }

  // Writes one key's row and alt names; inside the caller's transaction.
  Status write_key(const KeyDocument& key) {
    Document doc = key.to_document();
    std::string provider = key.master_key.provider().to_string();
    OPENFLE_ASSIGN_OR_RETURN(
        auto row, db_.prepare("INSERT INTO data_keys (id, provider, key_material, document) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, "
                              "key_material = excluded.key_material, document = excluded.document"));
    row.bind(1, ByteView(key.id.bytes())).bind(2, std::string_view(provider));
    row.bind(3, ByteView(key.key_material)).bind(4, doc.bytes());
    OPENFLE_RETURN_IF_ERROR(row.run());
    OPENFLE_ASSIGN_OR_RETURN(auto clear, db_.prepare("DELETE FROM key_alt_names WHERE key_id = ?"));
    clear.bind(1, ByteView(key.id.bytes()));
    OPENFLE_RETURN_IF_ERROR(clear.run());
    OPENFLE_ASSIGN_OR_RETURN(auto names, db_.prepare("INSERT INTO key_alt_names (name, key_id) VALUES (?, ?)"));
    for (const auto& name : key.key_alt_names) {
      names.reset();
      names.bind(1, std::string_view(name)).bind(2, ByteView(key.id.bytes()));
      OPENFLE_RETURN_IF_ERROR(names.run());
    }
    return {};
  }

  Status write_all(std::span<const KeyDocument> keys, bool replace) {
    std::lock_guard lock(mu_);
    OPENFLE_RETURN_IF_ERROR(keyvault::check_batch(keys));
    std::set<Uuid> batch_ids;
    for (const auto& key : keys) batch_ids.insert(key.id);
    OPENFLE_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
    for (const auto& key : keys) {
      if (!replace) {
        OPENFLE_ASSIGN_OR_RETURN(auto existing, load(key.id));
        if (existing) return keyvault::duplicate_id(key.id);
      }
    }
    // Replaced keys first drop their names, so names may move between keys of one batch.
    if (replace) {
      OPENFLE_ASSIGN_OR_RETURN(auto clear, db_.prepare("DELETE FROM key_alt_names WHERE key_id = ?"));
      for (const auto& id : batch_ids) {
        clear.reset();
        clear.bind(1, ByteView(id.bytes()));
        OPENFLE_RETURN_IF_ERROR(clear.run());
      }
    }
    for (const auto& key : keys) {
      for (const auto& name : key.key_alt_names) {
        OPENFLE_ASSIGN_OR_RETURN(auto owner, owner_of(name));
        if (owner && *owner != key.id) return keyvault::duplicate_alt_name(name, *owner);
      }
      OPENFLE_RETURN_IF_ERROR(write_key(key));
    }
    return tx.commit();
  }

  Result<std::optional<KeyDocument>> change_alt_names(const Uuid& id, std::string_view name, bool add) {
    std::lock_guard lock(mu_);
    OPENFLE_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db_));
    OPENFLE_ASSIGN_OR_RETURN(auto key, load(id));
    if (!key) return std::optional<KeyDocument>();
    KeyDocument before = *key;
    if (add) {
      OPENFLE_ASSIGN_OR_RETURN(auto owner, owner_of(name));
      if (owner && *owner != id) return keyvault::duplicate_alt_name(name, *owner);
      if (!key->has_alt_name(name)) key->key_alt_names.emplace_back(name);
    } else {
      auto& names = key->key_alt_names;
      names.erase(std::remove(names.begin(), names.end(), name), names.end());
    }
    OPENFLE_RETURN_IF_ERROR(write_key(*key));
    OPENFLE_RETURN_IF_ERROR(tx.commit());
    return std::optional<KeyDocument>(std::move(before));
  }

  std::mutex mu_;
  sqlite::Database db_;
};

}  // namespace

Result<std::shared_ptr<KeyVault>> open_sqlite_key_vault(const std::string& path) {
  if (path.empty()) return fail(ErrorCode::kInvalidArgument, "sqlite key vault needs a file path: sqlite:PATH");
  OPENFLE_RETURN_IF_ERROR(create_private_file(path));
  OPENFLE_ASSIGN_OR_RETURN(auto db, sqlite::Database::open(path));
  auto vault = std::make_shared<SqliteKeyVault>(std::move(db));
  OPENFLE_RETURN_IF_ERROR(vault->init());
  return std::shared_ptr<KeyVault>(std::move(vault));
}

Result<std::shared_ptr<KeyVault>> open_key_vault(std::string_view uri) {
  if (uri.rfind("sqlite:", 0) == 0) return open_sqlite_key_vault(std::string(uri.substr(7)));
  if (uri == "memory:") return make_memory_key_vault();
  return fail(ErrorCode::kInvalidArgument,
              "unsupported key vault URI '" + std::string(uri.substr(0, 200)) +
                  "': expected sqlite:PATH or memory:");
}

}  // namespace openfle
