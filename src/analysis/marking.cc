#include "analysis/marking.h"

#include <string>

#include "common/try.h"
#include "crypto/fle1_placeholder.h"
#include "crypto/fle1_value.h"

namespace openfle::analysis {
namespace {

tl::unexpected<Error> at(const FieldPath& path, std::string message) {
  return fail(ErrorCode::kInvalidArgument, "field '" + path.dotted() + "': " + message);
}

}  // namespace

Result<Bytes> make_marking(const EncryptionMetadata& md, BsonType type, ByteView value, const FieldPath& path,
                           const MarkingOptions& options) {
  // 1. The value's type, for this algorithm.
  if (type == BsonType::kBinary && value.size() >= 5 && value[4] == 6) {
    return at(path, "Cannot encrypt element of type: encrypted binary data");
  }
  if (!crypto::allowed_for(type, md.algorithm)) {
    return at(path, "Cannot encrypt element of type: " + std::string(bson_type_name(type)));
  }
  // 2. Only deterministic encryption can be compared.
  if (options.context == MarkingContext::kComparison && md.algorithm == Algorithm::kRandom) {
    return at(path, "Cannot query on fields encrypted with the randomized encryption algorithm");
  }
  // 3. Encrypted strings compare byte for byte, never under a collation. (MongoDB prints the value
  // here; openfle does not put plaintext in error messages.)
  if (options.context == MarkingContext::kComparison && options.non_simple_collation &&
      (type == BsonType::kString || type == BsonType::kSymbol)) {
    return at(path, "cannot apply non-simple collation when comparing to element " + path.dotted() +
                        " with client-side encryption");
  }
  // 4. The schema's bsonType.
  if (!md.allows(type)) {
    return at(path, "Cannot encrypt element of type " + std::string(bson_type_name(type)) +
                        " because schema requires that type is one of: " + md.types_text());
  }
  // 5. The key: a UUID, or the keyAltName a JSON Pointer finds in the inserted document.
  std::variant<Uuid, std::string_view> key;
  if (const auto* id = std::get_if<Uuid>(&md.key_id)) {
    key = *id;
  } else {
    const auto& pointer = std::get<JsonPointer>(md.key_id);
    if (!options.pointer_root) return at(path, "A non-static (JSONPointer) keyId is not supported.");
    auto target = pointer.resolve(*options.pointer_root);
    if (!target) return at(path, "keyId pointer '" + pointer.text() + "' must point to a field that exists");
    if (options.schema != nullptr) {
      FieldPath target_path;
      for (const auto& token : pointer.tokens()) target_path.push(token);
      auto target_encryption = lookup(*options.schema, target_path);
      if (!target_encryption || target_encryption->encrypted()) {
        return at(path, "keyId pointer '" + pointer.text() + "' cannot point to an encrypted field");
      }
    }
    if (target->type != BsonType::kString) {
      return at(path, "keyId pointer '" + pointer.text() + "' must point to a string");
    }
    key = std::string_view(reinterpret_cast<const char*>(target->value.data()) + 4, target->value.size() - 5);
  }
  Bytes blob;
  crypto::append_placeholder(md.algorithm, key, type, value, blob);
  return bson::binary_value(6, blob);
}

namespace {

Status mark_level(const NodeSet& nodes, ByteView doc, FieldPath& prefix, const MarkingOptions& options, Bytes& out,
                  bool& marked) {
  bson::Writer w(out);
  const std::size_t mark = w.begin_document();
  bson::ElementReader reader(doc);
  NodeSet children;
  while (auto e = reader.next()) {
    prefix.push(e->key);
    OPENFLE_RETURN_IF_ERROR(step(nodes, e->key, prefix, children));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(children, prefix));
    if (encryption.encrypted()) {
      OPENFLE_ASSIGN_OR_RETURN(auto marking, make_marking(*encryption.metadata, e->type, e->value, prefix, options));
      w.append(BsonType::kBinary, e->key, marking);
      marked = true;
    } else if (e->type == BsonType::kDocument && contains_encrypted(children)) {
      w.append_header(e->type, e->key);
      NodeSet below = children;  // `children` is reused for the next field
      OPENFLE_RETURN_IF_ERROR(mark_level(below, e->value, prefix, options, out, marked));
    } else if (e->type == BsonType::kArray && contains_encrypted(children)) {
      return fail(ErrorCode::kInvalidArgument, "An array at path '" + prefix.dotted() + "' would violate the schema");
    } else {
      w.append_raw(e->raw);
    }
    prefix.pop();
  }
  if (reader.malformed()) return fail(ErrorCode::kMalformedData, "malformed BSON document");
  w.end_document(mark);
  return {};
}

}  // namespace

Status mark_document_into(const SchemaNode& schema, ByteView doc, FieldPath& prefix, const MarkingOptions& options,
                          Bytes& out, bool& marked) {
  OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(schema, prefix));
  return mark_level(nodes, doc, prefix, options, out, marked);
}

Status check_insert_document(const SchemaNode& schema, ByteView doc) {
  auto id = lookup(schema, FieldPath("_id"));
  if (id && id->encrypted() && !find_field(doc, "_id")) {
    return fail(ErrorCode::kInvalidArgument, "_id must be explicitly provided when configured as encrypted");
  }
  bson::ElementReader reader(doc);
  while (auto e = reader.next()) {
    if (e->type != BsonType::kTimestamp) continue;
    bool zero = std::all_of(e->value.begin(), e->value.end(), [](std::uint8_t b) { return b == 0; });
    if (!zero) continue;
    auto encryption = lookup(schema, FieldPath(e->key));
    if (encryption && encryption->encrypted()) {
      return fail(ErrorCode::kInvalidArgument,
                  "A command that inserts cannot supply Timestamp(0, 0) for an encrypted top-level field at path " +
                      std::string(e->key));
    }
  }
  return {};
}

}  // namespace openfle::analysis
