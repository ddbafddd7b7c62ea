// Building FLE1 placeholders ("markings") for the values a schema encrypts, with MongoDB's checks
// in MongoDB's order (docs/auto-encryption.md "Types"), and marking whole documents.
#ifndef OPENFLE_ANALYSIS_MARKING_H_
#define OPENFLE_ANALYSIS_MARKING_H_

#include <optional>

#include "analysis/path.h"
#include "analysis/schema.h"
#include "bson/raw.h"

namespace openfle::analysis {

// Where a value is being marked. Writes (inserted documents, $set, replacements) may use either
// algorithm; comparisons (filters, $expr) only deterministic encryption.
enum class MarkingContext { kWrite, kComparison };

struct MarkingOptions {
  MarkingContext context = MarkingContext::kWrite;
  // The operation has a collation other than "simple": strings cannot be compared encrypted.
  bool non_simple_collation = false;
  // The whole document being inserted, for keyIds given as JSON Pointers; nullopt where there is
  // none (updates, queries), which makes such keyIds an error.
  std::optional<ByteView> pointer_root;
  // The schema, to refuse a JSON Pointer that points at an encrypted field.
  const SchemaNode* schema = nullptr;
};

// The Binary subtype 6 value bytes of the placeholder for `value` (of type `type`) at `path`.
// Errors are MongoDB's, prefixed with the field: "field 'ssn': Cannot encrypt element of type: null".
Result<Bytes> make_marking(const EncryptionMetadata& metadata, BsonType type, ByteView value,
                           const FieldPath& path, const MarkingOptions& options);

// Appends `doc` to `out` with every value the schema encrypts (at `prefix` + its own paths)
// replaced by a placeholder; `marked` is set when one was written. Arrays are not entered: an
// array where encrypted fields may be below is an error (MongoDB's 31006).
Status mark_document_into(const SchemaNode& schema, ByteView doc, FieldPath& prefix, const MarkingOptions& options,
                          Bytes& out, bool& marked);

// MongoDB's checks on a document being inserted (or upserted): an encrypted _id must be given, and
// no encrypted top-level field may be Timestamp(0, 0), which the server would replace.
Status check_insert_document(const SchemaNode& schema, ByteView doc);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_MARKING_H_
