// Internal constructors for Value and Document from bytes openfle itself produced and knows to be
// well formed (the public factories validate; these do not).
#ifndef OPENFLE_BSON_ACCESS_H_
#define OPENFLE_BSON_ACCESS_H_

#include "openfle/bson.h"

namespace openfle {

struct ValueAccess {
  static Value make(BsonType type, Bytes bytes) { return Value(type, std::move(bytes)); }
};

struct DocumentAccess {
  static Document adopt(Bytes bytes) { return Document(std::move(bytes)); }
  // Overwrites the document's bytes with zeros (for documents that carried credentials); the
  // document is {} afterwards.
  static void wipe(Document& doc);
};

}  // namespace openfle

#endif  // OPENFLE_BSON_ACCESS_H_
