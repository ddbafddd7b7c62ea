// Input and output for the CLI: line-numbered Extended JSON input, all-or-nothing output, files
// that hold secrets.
#ifndef OPENFLE_CLI_IO_H_
#define OPENFLE_CLI_IO_H_

#include <cstdio>
#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "openfle/bson.h"
#include "openfle/secret_bytes.h"
#include "openfle/status.h"

namespace openfle::cli {

// A parsed JSON file that carries credentials or keys: the file's bytes and the parsed document
// are wiped when this goes away.
class SecretDocument {
 public:
  explicit SecretDocument(Document doc) : doc_(std::move(doc)) {}
  SecretDocument(SecretDocument&&) = default;
  SecretDocument& operator=(SecretDocument&&) = default;
  SecretDocument(const SecretDocument&) = delete;
  SecretDocument& operator=(const SecretDocument&) = delete;
  ~SecretDocument();
  [[nodiscard]] const Document& document() const { return doc_; }

 private:
  Document doc_;
};

Result<SecretDocument> read_secret_json_file(const std::string& path, std::string_view what);

// Reads a whole file ("-" is stdin).
Result<std::string> read_input(const std::string& path);

// Calls `each(line_number, text)` for every non-blank line; stops at the first error, which is
// returned with "line N: " in front.
Status for_each_line(std::istream& in, const std::function<Status(std::size_t, std::string_view)>& each);

// Collects output and writes it only when commit() is called, so a failing command leaves nothing
// half-written. Output beyond a few MiB is spooled to an unlinked temporary file, so memory stays
// bounded on large streams.
class AllOrNothingOutput {
 public:
  // `path` empty or "-" means stdout; otherwise the file is replaced atomically (mode 0600).
  explicit AllOrNothingOutput(std::string path = {});
  AllOrNothingOutput(const AllOrNothingOutput&) = delete;
  AllOrNothingOutput& operator=(const AllOrNothingOutput&) = delete;
  ~AllOrNothingOutput();

  Status write_line(std::string_view line);
  Status commit();

 private:
  Status spill();
  std::string path_;
  std::string buffer_;
  std::FILE* spool_ = nullptr;
};

// Writes `content` to a new file with mode 0600, fsyncs it and its directory, and renames it into
// place; never leaves a partial file at `path`.
Status write_private_file(const std::string& path, std::string_view content);

}  // namespace openfle::cli

#endif  // OPENFLE_CLI_IO_H_

namespace openfle::cli {

// Creates `path` (which must not exist) with mode 0600 and writes `content`, fsynced; on failure
// the file is removed. For files that must never be silently replaced, such as a master key.
Status create_private_file(const std::string& path, std::string_view content);

}  // namespace openfle::cli
