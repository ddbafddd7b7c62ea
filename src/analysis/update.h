// Update documents (update's u, findAndModify's update): operator updates, replacements and
// pipelines, with mongocryptd's rules (docs/auto-encryption.md "Updates").
#ifndef OPENFLE_ANALYSIS_UPDATE_H_
#define OPENFLE_ANALYSIS_UPDATE_H_

#include "analysis/match.h"
#include "bson/raw.h"

namespace openfle::analysis {

// Appends the analysed update (`update` is the u / update element; its type and key are kept) to
// `out`. `upsert` adds the checks of an insert (an encrypted _id must be given...).
Status analyze_update(const bson::Element& update, bool upsert, std::string_view command, AnalysisContext& ctx,
                      Bytes& out);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_UPDATE_H_
