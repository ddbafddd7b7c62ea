// Query filters (find's filter, update's q, $match, ...): every comparison to a deterministically
// encrypted field gets a placeholder; every query the encryption cannot answer is refused with
// MongoDB's message (docs/auto-encryption.md "Queries").
//
// The filter keeps the caller's shape; only implicit equality on an encrypted field is written as
// {$eq: <placeholder>}, as mongocryptd writes it.
#ifndef OPENFLE_ANALYSIS_MATCH_H_
#define OPENFLE_ANALYSIS_MATCH_H_

#include <functional>

#include "analysis/schema.h"
#include "bson/raw.h"

namespace openfle::analysis {

// What every part of one command's analysis shares.
struct AnalysisContext {
  explicit AnalysisContext(const SchemaNode& s) : schema(s) {}
  // The same settings over another schema (a pipeline stage's input).
  [[nodiscard]] AnalysisContext over(const SchemaNode& s) const {
    AnalysisContext c(s);
    c.non_simple_collation = non_simple_collation;
    c.collection_has_encryption = collection_has_encryption;
    return c;
  }

  const SchemaNode& schema;
  bool non_simple_collation = false;
  bool marked = false;  // set once any placeholder is written
  // Whether another collection of the database has encrypted fields ($lookup, $graphLookup);
  // when absent, only the analysed collection's schema is known.
  std::function<bool(std::string_view collection)> collection_has_encryption;
};

// Appends the analysed filter document to `out`.
Status analyze_filter(ByteView filter, AnalysisContext& ctx, Bytes& out);

// The collation of a command or statement: true when one is given and it is not {locale: "simple"}.
Result<bool> non_simple_collation(ByteView command_or_statement);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_MATCH_H_
