// Query analysis of whole commands: which commands are analysed, passed through or refused (the
// allow-list libmongocrypt applies), and what mongocryptd does with each analysed one.
#ifndef OPENFLE_ANALYSIS_COMMAND_H_
#define OPENFLE_ANALYSIS_COMMAND_H_

#include <functional>
#include <string_view>

#include "analysis/schema.h"
#include "openfle/auto_encryption.h"

namespace openfle::analysis {

// The schema of a namespace ("db.coll"), or nullptr when it has none.
using SchemaLookup = std::function<const EncryptionSchema*(std::string_view ns)>;

// The analysis of `command` on database `db`. A command that needs no analysis (ping, getMore, ...)
// comes back unchanged with no placeholders; an unsupported one is an error.
Result<MarkedCommand> analyze_command(std::string_view db, const Document& command, const SchemaLookup& schemas);

// One document as an insert would mark it (with JSON Pointer keyIds resolved in it).
Result<MarkedCommand> mark_document(const SchemaNode& schema, ByteView document);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_COMMAND_H_
