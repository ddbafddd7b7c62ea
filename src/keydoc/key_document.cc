#include "openfle/key_document.h"

#include <algorithm>
#include <set>
#include <string>

#include "bson/access.h"
#include "bson/raw.h"
#include "common/try.h"

namespace openfle {
namespace {

tl::unexpected<Error> wrong_type(std::string_view field, std::string_view expected, BsonType got) {
  return fail(ErrorCode::kInvalidArgument, "key document field '" + std::string(field) +
                                               "' must be " + std::string(expected) + ", got " +
                                               std::string(bson_type_name(got)));
}

std::int64_t read_i64(ByteView v) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(v[i]) << (8 * i);
  return static_cast<std::int64_t>(u);
}

Value date_value(std::int64_t ms) {
  Bytes b(8);
  auto u = static_cast<std::uint64_t>(ms);
  for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(u >> (8 * i));
  return ValueAccess::make(BsonType::kDateTime, std::move(b));
}

bool is_zero_number(const bson::Element& e) {
  switch (e.type) {
    case BsonType::kInt32: return bson::read_i32(e.value.data()) == 0;
    case BsonType::kInt64: return read_i64(e.value) == 0;
    default: return false;
  }
}

}  // namespace

Result<KeyDocument> KeyDocument::from_document(const Document& doc) {
  KeyDocument key;
  bool has_id = false;
  bool has_material = false;
  bool has_creation = false;
  bool has_update = false;
  bool has_status = false;
  bool has_master_key = false;
  std::set<std::string_view> seen;
  bson::ElementReader reader(doc.bytes());
  while (auto e = reader.next()) {
    if (!seen.insert(e->key).second) {
      return fail(ErrorCode::kInvalidArgument,
                  "key document has the field '" + std::string(e->key) + "' twice");
    }
    if (e->key == "_id") {
      if (e->type != BsonType::kBinary || e->value[4] != 4) return wrong_type("_id", "a UUID (Binary subtype 4)", e->type);
      auto id = Uuid::from_bytes(e->value.subspan(5));
      if (!id) return fail(id.error().with_context("key document field '_id'"));
      key.id = *id;
      has_id = true;
    } else if (e->key == "keyAltNames") {
      if (e->type != BsonType::kArray) return wrong_type("keyAltNames", "an array of strings", e->type);
      bson::ElementReader names(e->value);
      while (auto n = names.next()) {
        if (n->type != BsonType::kString) {
          return wrong_type("keyAltNames", "an array of strings", n->type);
        }
        std::string name(reinterpret_cast<const char*>(n->value.data()) + 4, n->value.size() - 5);
        if (key.has_alt_name(name)) {
          return fail(ErrorCode::kInvalidArgument,
                      "key document lists the keyAltName '" + name + "' twice");
        }
        key.key_alt_names.push_back(std::move(name));
      }
    } else if (e->key == "keyMaterial") {
      if (e->type != BsonType::kBinary || e->value[4] != 0) return wrong_type("keyMaterial", "Binary subtype 0", e->type);
      key.key_material.assign(e->value.begin() + 5, e->value.end());
      has_material = true;
    } else if (e->key == "creationDate" || e->key == "updateDate") {
      if (e->type != BsonType::kDateTime) return wrong_type(e->key, "a date", e->type);
      (e->key == "creationDate" ? key.creation_date_ms : key.update_date_ms) = read_i64(e->value);
      (e->key == "creationDate" ? has_creation : has_update) = true;
    } else if (e->key == "status") {
      key.status = ValueAccess::make(e->type, Bytes(e->value.begin(), e->value.end()));
      has_status = true;
    } else if (e->key == "masterKey") {
      if (e->type != BsonType::kDocument) return wrong_type("masterKey", "a document", e->type);
      auto sub = Document::from_bytes(e->value);
      if (!sub) return fail(sub.error());
      auto mk = MasterKey::from_document(*sub);
      if (!mk) return fail(mk.error().with_context("key document field 'masterKey'"));
      key.master_key = std::move(*mk);
      has_master_key = true;
    } else if (e->key == "version") {
      if (!is_zero_number(*e)) {
        return fail(ErrorCode::kInvalidArgument,
                    "key document field 'version' must be 0 (the only FLE1 key version)");
      }
      key.version = ValueAccess::make(e->type, Bytes(e->value.begin(), e->value.end()));
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "unrecognized field '" + std::string(e->key) + "' in key document");
    }
  }
  if (reader.malformed()) return fail(ErrorCode::kMalformedData, "malformed BSON in key document");
  auto require = [](bool present, const char* name) -> Status {
    if (present) return {};
    return fail(ErrorCode::kInvalidArgument,
                std::string("key document is missing the required field '") + name + "'");
  };
  OPENFLE_RETURN_IF_ERROR(require(has_id, "_id"));
  OPENFLE_RETURN_IF_ERROR(require(has_material, "keyMaterial"));
  OPENFLE_RETURN_IF_ERROR(require(has_creation, "creationDate"));
  OPENFLE_RETURN_IF_ERROR(require(has_update, "updateDate"));
  OPENFLE_RETURN_IF_ERROR(require(has_status, "status"));
  OPENFLE_RETURN_IF_ERROR(require(has_master_key, "masterKey"));
  if (key.key_material.empty()) {
    return fail(ErrorCode::kInvalidArgument, "key document field 'keyMaterial' is empty");
  }
  return key;
}

Result<KeyDocument> KeyDocument::from_json(std::string_view json) {
  OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(json));
  return from_document(doc);
}

Document KeyDocument::to_document() const {
  // libmongocrypt's order (_mongocrypt_ctx_datakey _finalize): _id, keyAltNames, keyMaterial,
  // creationDate, updateDate, status, masterKey.
  Bytes out;
  bson::Writer w(out);
  auto mark = w.begin_document();
  w.append(BsonType::kBinary, "_id", bson::binary_value(4, id.bytes()));
  if (!key_alt_names.empty()) {
    w.append_header(BsonType::kArray, "keyAltNames");
    auto array = w.begin_document();
    for (std::size_t i = 0; i < key_alt_names.size(); ++i) {
      w.append(BsonType::kString, std::to_string(i), bson::string_value(key_alt_names[i]));
    }
    w.end_document(array);
  }
  w.append(BsonType::kBinary, "keyMaterial", bson::binary_value(0, key_material));
  w.append(BsonType::kDateTime, "creationDate", date_value(creation_date_ms).bytes());
  w.append(BsonType::kDateTime, "updateDate", date_value(update_date_ms).bytes());
  w.append(status.type(), "status", status.bytes());
  w.append(BsonType::kDocument, "masterKey", master_key.to_document().bytes());
  if (version) w.append(version->type(), "version", version->bytes());
  w.end_document(mark);
  return DocumentAccess::adopt(std::move(out));
}

bool KeyDocument::has_alt_name(std::string_view name) const {
  return std::find(key_alt_names.begin(), key_alt_names.end(), name) != key_alt_names.end();
}

}  // namespace openfle
