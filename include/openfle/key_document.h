// KeyDocument: one data key as the key vault stores it (MongoDB's key vault document schema).
//
//   {_id: UUID, keyAltNames?: [string], keyMaterial: BinData(0), creationDate: Date,
//    updateDate: Date, status: <any>, masterKey: {...}, version?: 0}
//
// Parsing is strict, as libmongocrypt's: an unknown field, a wrong type or a duplicate keyAltName is
// an error that names the field. to_document() emits libmongocrypt's field order, so documents
// openfle writes are accepted by every MongoDB driver.
#ifndef OPENFLE_KEY_DOCUMENT_H_
#define OPENFLE_KEY_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "openfle/bson.h"
#include "openfle/master_key.h"
#include "openfle/status.h"
#include "openfle/uuid.h"

namespace openfle {

struct KeyDocument {
  Uuid id;
  std::vector<std::string> key_alt_names;
  Bytes key_material;           // the wrapped data key (not secret: only the KMS can unwrap it)
  std::int64_t creation_date_ms = 0;
  std::int64_t update_date_ms = 0;
  Value status = Value::int32(0);  // informational; libmongocrypt ignores its value
  MasterKey master_key = MasterKey::local();
  std::optional<Value> version;    // when present, it must be the number 0

  static Result<KeyDocument> from_document(const Document& doc);
  static Result<KeyDocument> from_json(std::string_view json);
  [[nodiscard]] Document to_document() const;

  [[nodiscard]] bool has_alt_name(std::string_view name) const;
  friend bool operator==(const KeyDocument&, const KeyDocument&) = default;
};

}  // namespace openfle

#endif  // OPENFLE_KEY_DOCUMENT_H_
