// Small helpers every part of query analysis uses to read BSON: the elements of a document, the
// text of a string element, operator documents, and MongoDB-style refusals.
#ifndef OPENFLE_ANALYSIS_ELEMENTS_H_
#define OPENFLE_ANALYSIS_ELEMENTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "bson/raw.h"
#include "openfle/status.h"

namespace openfle::analysis {

// The elements of a (validated) document or array, in order.
inline std::vector<bson::Element> elements(ByteView doc) {
  std::vector<bson::Element> out;
  bson::ElementReader r(doc);
  while (auto e = r.next()) out.push_back(*e);
  return out;
}

// The text of a string (or code, symbol) element, without its length and NUL.
inline std::string_view text_of(const bson::Element& e) {
  return {reinterpret_cast<const char*>(e.value.data()) + 4, e.value.size() - 5};
}

// A document whose first field starts with '$': {$gt: 1}, {$add: [...]}.
inline bool is_operator_document(const bson::Element& e) {
  if (e.type != BsonType::kDocument) return false;
  bson::ElementReader r(e.value);
  auto first = r.next();
  return first && !first->key.empty() && first->key[0] == '$';
}

// What query analysis returns for a command MongoDB would refuse.
[[nodiscard]] inline tl::unexpected<Error> refuse(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_ELEMENTS_H_
