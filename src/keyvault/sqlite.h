// A thin RAII layer over the SQLite C API: a connection, prepared statements, transactions. Every
// failure becomes an Error naming the database and what was being done.
#ifndef OPENFLE_KEYVAULT_SQLITE_H_
#define OPENFLE_KEYVAULT_SQLITE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "openfle/bson.h"
#include "openfle/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace openfle::sqlite {

class Statement;

class Database {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<Database> open(const std::string& path);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] int changes() const;
  // An Error for the connection's last failure, prefixed with what we were doing.
  [[nodiscard]] Error error(std::string_view doing) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, ByteView blob);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // Runs one step: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion, for statements that return no rows.
  Status run();
  void reset();

  [[nodiscard]] ByteView column_blob(int index) const;
  [[nodiscard]] std::string_view column_text(int index) const;
  [[nodiscard]] std::int64_t column_int(int index) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const Database* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace openfle::sqlite

#endif  // OPENFLE_KEYVAULT_SQLITE_H_
