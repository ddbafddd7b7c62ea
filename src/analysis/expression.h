// Aggregation expressions ($expr, $project and $addFields values, $group keys and accumulators)
// over encrypted fields, with mongocryptd's rules: an encrypted field may be passed along
// (forwarded), compared for equality with constants or with fields encrypted the same way
// (compared: the constants become placeholders), but never evaluated by any other operator.
#ifndef OPENFLE_ANALYSIS_EXPRESSION_H_
#define OPENFLE_ANALYSIS_EXPRESSION_H_

#include "analysis/match.h"
#include "analysis/schema.h"
#include "bson/raw.h"

namespace openfle::analysis {

enum class ExpressionContext {
  kForwarded,  // the value is returned as it is ($project: {x: "$ssn"})
  kCompared,   // compared for equality ($eq, $ne, $in with a literal array, group keys)
  kEvaluated,  // computed with (every other operator)
};

// Appends the analysed expression `expr` (its value bytes, of type `expr.type`, with the same type
// unless a constant became a placeholder inside a {$const: ...}) to `out` and returns the schema of
// its result: plain, encrypted (a field reference), a subtree (a reference to an object with
// encrypted fields), or unknown (branches that disagree).
Result<SchemaNodePtr> analyze_expression(const bson::Element& expr, ExpressionContext context,
                                         AnalysisContext& ctx, Bytes& out, BsonType& out_type);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_EXPRESSION_H_
