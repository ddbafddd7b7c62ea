// Aggregation pipelines over a collection with encrypted fields: each stage is analysed against
// the schema of the documents reaching it, and the schema follows the documents through the
// pipeline ($project keeps only some fields, $group makes new ones...). Stages MongoDB does not
// support with automatic encryption are refused with its message.
#ifndef OPENFLE_ANALYSIS_PIPELINE_H_
#define OPENFLE_ANALYSIS_PIPELINE_H_

#include "analysis/match.h"
#include "bson/raw.h"

namespace openfle::analysis {

// Appends the analysed pipeline (the value bytes of an array of stages) to `out` and returns the
// schema of its output documents. `collection` is the collection aggregated ($lookup may only
// join it with itself, as before MongoDB 8.1).
Result<SchemaNodePtr> analyze_pipeline(ByteView pipeline, std::string_view collection, AnalysisContext& ctx,
                                       Bytes& out);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_PIPELINE_H_
