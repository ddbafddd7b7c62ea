// The public face of query analysis: EncryptionSchema, SchemaMap, MarkedCommand and the
// mongocryptd protocol (include/openfle/auto_encryption.h).
#include "analysis/command.h"
#include "analysis/path.h"
#include "analysis/schema.h"
#include "bson/access.h"
#include "bson/raw.h"
#include "common/try.h"
#include "openfle/auto_encryption.h"

namespace openfle {

Result<EncryptionSchema> EncryptionSchema::parse(const Document& schema, bool remote) {
  OPENFLE_ASSIGN_OR_RETURN(auto root, analysis::parse_schema(schema.bytes(), remote));
  return EncryptionSchema(std::move(root), remote);
}

Result<EncryptionSchema> EncryptionSchema::from_json(std::string_view json, bool remote) {
  OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(json));
  return parse(doc, remote);
}

bool EncryptionSchema::has_encrypted_fields() const noexcept {
  return root_->contains_encrypted() || root_->kind() == analysis::SchemaNode::Kind::kEncrypted;
}

Result<SchemaMap> SchemaMap::from_document(const Document& map) {
  SchemaMap out;
  bson::ElementReader r(map.bytes());
  while (auto e = r.next()) {
    const std::string ns(e->key);
    auto dot = ns.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == ns.size()) {
      return fail(ErrorCode::kInvalidArgument,
                  "schema map key '" + ns + "' is not a namespace: expected \"database.collection\"");
    }
    if (e->type != BsonType::kDocument) {
      return fail(ErrorCode::kInvalidArgument, "the schema for '" + ns + "' must be a document, not " +
                                                   std::string(bson_type_name(e->type)));
    }
    auto schema = EncryptionSchema::parse(DocumentAccess::adopt(Bytes(e->value.begin(), e->value.end())), false);
    if (!schema) return fail(schema.error().with_context("schema for '" + ns + "'"));
    out.set(ns, std::move(*schema));
  }
  return out;
}

Result<SchemaMap> SchemaMap::from_json(std::string_view json) {
  OPENFLE_ASSIGN_OR_RETURN(auto doc, Document::from_json(json));
  return from_document(doc);
}

void SchemaMap::set(std::string ns, EncryptionSchema schema) { schemas_.insert_or_assign(std::move(ns), std::move(schema)); }

const EncryptionSchema* SchemaMap::find(std::string_view ns) const {
  auto it = schemas_.find(ns);
  return it == schemas_.end() ? nullptr : &it->second;
}

std::vector<std::string> SchemaMap::namespaces() const {
  std::vector<std::string> out;
  for (const auto& [ns, schema] : schemas_) out.push_back(ns);
  return out;
}

Document MarkedCommand::to_reply() const {
  return Document::Builder()
      .append("hasEncryptionPlaceholders", *Value::from_json(has_encryption_placeholders ? "true" : "false"))
      .append("schemaRequiresEncryption", *Value::from_json(schema_requires_encryption ? "true" : "false"))
      .append("result", result)
      .append("ok", Value::int32(1))
      .build();
}

Result<MarkedCommand> analyze_command(std::string_view db, const Document& command, const SchemaMap& schemas) {
  return analysis::analyze_command(db, command, [&](std::string_view ns) { return schemas.find(ns); });
}

Result<Document> answer_mongocryptd(std::string_view db, const Document& command_with_schema) {
  // libmongocrypt asks mongocryptd's wire version (isMaster) before analysing create and
  // createIndexes: answer as mongocryptd 6.0 does.
  if (auto first = bson::ElementReader(command_with_schema.bytes()).next();
      first && (first->key == "hello" || first->key == "isMaster" || first->key == "ismaster")) {
    return Document::Builder()
        .append("ismaster", *Value::from_json("true"))
        .append("isWritablePrimary", *Value::from_json("true"))
        .append("maxWireVersion", Value::int32(17))
        .append("iscryptd", *Value::from_json("true"))
        .append("ok", Value::int32(1))
        .build();
  }
  std::optional<bson::Element> json_schema;
  std::optional<bson::Element> is_remote;
  Bytes stripped;
  bson::Writer w(stripped);
  auto mark = w.begin_document();
  bson::ElementReader r(command_with_schema.bytes());
  std::string collection;
  bool first = true;
  while (auto e = r.next()) {
    if (first && e->type == BsonType::kString) {
      collection.assign(reinterpret_cast<const char*>(e->value.data()) + 4, e->value.size() - 5);
    } else if (first && e->key == "explain" && e->type == BsonType::kDocument) {
      bson::ElementReader inner(e->value);
      if (auto name = inner.next(); name && name->type == BsonType::kString) {
        collection.assign(reinterpret_cast<const char*>(name->value.data()) + 4, name->value.size() - 5);
      }
    }
    first = false;
    if (e->key == "jsonSchema") {
      json_schema = e;
    } else if (e->key == "isRemoteSchema") {
      is_remote = e;
    } else {
      w.append_raw(e->raw);
    }
  }
  w.end_document(mark);
  if (!json_schema) return fail(ErrorCode::kInvalidArgument, "jsonSchema or encryptionInformation is required");
  if (json_schema->type != BsonType::kDocument) {
    return fail(ErrorCode::kInvalidArgument, "jsonSchema is expected to be a object");
  }
  if (!is_remote) return fail(ErrorCode::kInvalidArgument, "isRemoteSchema is a required command field");
  if (is_remote->type != BsonType::kBool) {
    return fail(ErrorCode::kInvalidArgument, "isRemoteSchema is expected to be a boolean");
  }
  OPENFLE_ASSIGN_OR_RETURN(auto schema,
                           EncryptionSchema::parse(DocumentAccess::adopt(Bytes(json_schema->value.begin(), json_schema->value.end())),
                                                   is_remote->value[0] != 0));
  const std::string ns = std::string(db) + "." + collection;
  OPENFLE_ASSIGN_OR_RETURN(
      auto marked, analysis::analyze_command(db, DocumentAccess::adopt(std::move(stripped)),
                                             [&](std::string_view n) { return n == ns ? &schema : nullptr; }));
  return marked.to_reply();
}

}  // namespace openfle
