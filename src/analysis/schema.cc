// Schema parsing in two passes, as MongoDB does it: first the generic $jsonSchema checks over the
// whole schema (a bad keyword anywhere fails), then the CSFLE rules while the encryption tree is
// built. Messages are MongoDB's (mongocryptd); each is prefixed with the schema path.
#include "analysis/schema.h"

#include <algorithm>
#include <array>
#include <set>

#include "bson/raw.h"
#include "analysis/elements.h"
#include "common/try.h"
#include "crypto/fle1_value.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;

constexpr std::string_view kDeterministicName = "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic";
constexpr std::string_view kRandomName = "AEAD_AES_256_CBC_HMAC_SHA_512-Random";

// Every keyword MongoDB's $jsonSchema parser knows.
constexpr std::array<std::string_view, 31> kKnownKeywords = {
    "additionalItems", "additionalProperties", "allOf",     "anyOf",      "bsonType",
    "dependencies",    "description",          "encrypt",   "encryptMetadata", "enum",
    "exclusiveMaximum", "exclusiveMinimum",    "items",     "maxItems",   "maxLength",
    "maxProperties",   "maximum",              "minItems",  "minLength",  "minProperties",
    "minimum",         "multipleOf",           "not",       "oneOf",      "pattern",
    "patternProperties", "properties",         "required",  "title",      "type",
    "uniqueItems"};
constexpr std::array<std::string_view, 6> kUnsupportedKeywords = {"$ref", "$schema", "default",
                                                                  "definitions", "format", "id"};
// Keywords query analysis accepts in a remote schema (everything but `dependencies`)...
constexpr std::array<std::string_view, 30> kRemoteKeywords = {
    "additionalItems", "additionalProperties", "allOf",        "anyOf",         "bsonType",
    "description",     "encrypt",              "encryptMetadata", "enum",       "exclusiveMaximum",
    "exclusiveMinimum", "items",               "maxItems",     "maxLength",     "maxProperties",
    "maximum",         "minItems",             "minLength",    "minProperties", "minimum",
    "multipleOf",      "not",                  "oneOf",        "pattern",       "patternProperties",
    "properties",      "required",             "title",        "type",          "uniqueItems"};
// ...and in a local one (schemaMap): only what describes structure and encryption.
constexpr std::array<std::string_view, 15> kLocalKeywords = {
    "additionalItems", "additionalProperties", "allOf", "anyOf",            "bsonType",
    "description",     "encrypt",              "encryptMetadata", "items", "not",
    "oneOf",           "patternProperties",    "properties", "title",      "type"};
// JSON Schema's own type names, for `type`.
constexpr std::array<std::string_view, 6> kJsonTypes = {"array", "boolean", "null", "object", "string", "number"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// Errors carry the schema path in front of MongoDB's message.
struct SchemaError {
  std::string path;
  tl::unexpected<Error> operator()(std::string message, ErrorCode code = ErrorCode::kInvalidArgument) const {
    return fail(code, path + ": " + message);
  }
};

std::string child_path(const std::string& path, std::string_view keyword) { return path + "." + std::string(keyword); }

constexpr std::array<BsonType, 4> kNumberTypes = {BsonType::kDouble, BsonType::kInt32, BsonType::kInt64,
                                                  BsonType::kDecimal128};

// ---- pass A: generic $jsonSchema validation ----

Status validate_type_keyword(const Element& e, const SchemaError& err) {
  const bool json = e.key == "type";
  auto check_name = [&](std::string_view name) -> Status {
    if (json) {
      if (name == "integer") return err("$jsonSchema type 'integer' is not currently supported.");
      if (!contains(kJsonTypes, name)) return err("Unknown type name alias: " + std::string(name));
    } else if (name != "number" && !bson_type_from_name(name)) {
      return err("Unknown type name alias: " + std::string(name));
    }
    return {};
  };
  const std::string kw(e.key);
  if (e.type == BsonType::kString) return check_name(text_of(e));
  if (e.type != BsonType::kArray) {
    return err("$jsonSchema keyword '" + kw + "' must be either a string or an array of strings");
  }
  std::set<std::string_view> seen;
  for (const auto& item : elements(e.value)) {
    if (item.type != BsonType::kString) return err("$jsonSchema keyword '" + kw + "' array elements must be strings");
    if (!seen.insert(text_of(item)).second) {
      return err("$jsonSchema keyword '" + kw + "' has duplicate value: " + std::string(text_of(item)));
    }
    OPENFLE_RETURN_IF_ERROR(check_name(text_of(item)));
  }
  return {};
}

Status validate_generic(ByteView schema, const std::string& path);

Status validate_schema_value(const Element& e, const std::string& path, std::string_view what) {
  if (e.type != BsonType::kDocument) {
    return fail(ErrorCode::kInvalidArgument, path + ": " + std::string(what) + " must be an object");
  }
  return validate_generic(e.value, path);
}

// The fields of `encrypt` or `encryptMetadata`, as MongoDB's IDL parses them (strict).
Status validate_encrypt_fields(const Element& e, const std::string& path) {
  SchemaError err{path};
  const bool is_encrypt = e.key == "encrypt";
  for (const auto& f : elements(e.value)) {
    if (f.key == "algorithm") {
      if (f.type != BsonType::kString) return err("BSON field '" + std::string(e.key) + ".algorithm' must be a string");
      auto name = text_of(f);
      if (name != kDeterministicName && name != kRandomName) {
        return err("Enumeration value '" + std::string(name) + "' for field '" + std::string(e.key) +
                   ".algorithm' is not a valid value.");
      }
    } else if (f.key == "keyId") {
      if (f.type == BsonType::kString) {
        auto text = text_of(f);
        if (text.empty()) return err("Empty JSONPointers are not supported");
        if (text[0] != '/') return err("JSONPointer must start with a '/'");
        if (!JsonPointer::parse(text)) return err("JSONPointer cannot contain unescaped ~ character");
      } else if (f.type == BsonType::kArray) {
        for (const auto& id : elements(f.value)) {
          if (id.type != BsonType::kBinary) {
            return err("Array elements must have type BinData, found " + std::string(bson_type_name(id.type)));
          }
          if (id.value[4] != 4 || id.value.size() != 21) {
            return err("Array elements must have bindata type UUID, found " + std::to_string(id.value[4]));
          }
        }
      } else {
        return err("Expected either string or array of UUID for EncryptSchemaKeyId, found " +
                   std::string(bson_type_name(f.type)));
      }
    } else if (f.key == "bsonType" && is_encrypt) {
      OPENFLE_RETURN_IF_ERROR(validate_type_keyword(f, SchemaError{child_path(path, "bsonType")}));
    } else if (f.key == "initializationVector") {
      // A pre-GA field MongoDB still parses and ignores.
    } else {
      return err("BSON field '" + std::string(e.key) + "." + std::string(f.key) + "' is an unknown field.");
    }
  }
  return {};
}

Status validate_generic(ByteView schema, const std::string& path) {
  SchemaError err{path};
  std::set<std::string_view> seen;
  auto all = elements(schema);
  for (const auto& e : all) {
    if (contains(kUnsupportedKeywords, e.key)) {
      return err("$jsonSchema keyword '" + std::string(e.key) + "' is not currently supported");
    }
    if (!contains(kKnownKeywords, e.key)) return err("Unknown $jsonSchema keyword: " + std::string(e.key));
    if (!seen.insert(e.key).second) return err("Duplicate $jsonSchema keyword: " + std::string(e.key));
  }
  if (seen.count("type") && seen.count("bsonType")) {
    return err("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  }
  if (seen.count("encrypt")) {
    for (std::string_view t : {"type", "bsonType"}) {
      if (seen.count(t)) {
        return err("$jsonSchema keyword 'encrypt' cannot be used in conjunction with '" + std::string(t) +
                   "', 'encrypt' implies type 'bsonType::BinData'");
      }
    }
    if (seen.count("encryptMetadata")) {
      return err("Cannot specify both $jsonSchema keywords 'encrypt' and 'encryptMetadata'");
    }
  }
  for (const auto& e : all) {
    const std::string sub = child_path(path, e.key);
    if (e.key == "encrypt" || e.key == "encryptMetadata") {
      if (e.type != BsonType::kDocument) return err("$jsonSchema keyword '" + std::string(e.key) + "' must be an object ");
      if (e.key == "encryptMetadata" && e.value.size() <= 5) {
        return err("$jsonSchema keyword 'encryptMetadata' cannot be an empty object ");
      }
      OPENFLE_RETURN_IF_ERROR(validate_encrypt_fields(e, sub));
    } else if (e.key == "title" || e.key == "description") {
      if (e.type != BsonType::kString) return err("$jsonSchema keyword '" + std::string(e.key) + "' must be of type string");
    } else if (e.key == "type" || e.key == "bsonType") {
      OPENFLE_RETURN_IF_ERROR(validate_type_keyword(e, err));
    } else if (e.key == "properties" || e.key == "patternProperties") {
      if (e.type != BsonType::kDocument) return err("$jsonSchema keyword '" + std::string(e.key) + "' must be an object");
      for (const auto& p : elements(e.value)) {
        if (e.key == "patternProperties") {
          try {
            std::regex re(std::string(p.key), std::regex::ECMAScript);
          } catch (const std::regex_error&) {
            return err("Invalid regular expression in 'patternProperties': " + std::string(p.key));
          }
        }
        OPENFLE_RETURN_IF_ERROR(validate_schema_value(p, child_path(sub, p.key), "the value of '" + std::string(p.key) + "'"));
      }
    } else if (e.key == "additionalProperties" || e.key == "additionalItems") {
      if (e.type == BsonType::kDocument) {
        OPENFLE_RETURN_IF_ERROR(validate_generic(e.value, sub));
      } else if (e.type != BsonType::kBool) {
        return err("$jsonSchema keyword '" + std::string(e.key) + "' must be either an object or a boolean");
      }
    } else if (e.key == "items") {
      if (e.type == BsonType::kDocument) {
        OPENFLE_RETURN_IF_ERROR(validate_generic(e.value, sub));
      } else if (e.type == BsonType::kArray) {
        for (const auto& item : elements(e.value)) {
          OPENFLE_RETURN_IF_ERROR(validate_schema_value(item, child_path(sub, item.key), "each schema of 'items'"));
        }
      } else {
        return err("$jsonSchema keyword 'items' must be an array or an object");
      }
    } else if (e.key == "allOf" || e.key == "anyOf" || e.key == "oneOf") {
      if (e.type != BsonType::kArray || e.value.size() <= 5) {
        return err("$jsonSchema keyword '" + std::string(e.key) + "' must be a nonempty array");
      }
      for (const auto& item : elements(e.value)) {
        OPENFLE_RETURN_IF_ERROR(validate_schema_value(item, child_path(sub, item.key),
                                                      "each schema of '" + std::string(e.key) + "'"));
      }
    } else if (e.key == "not") {
      OPENFLE_RETURN_IF_ERROR(validate_schema_value(e, sub, "$jsonSchema keyword 'not'"));
    }
    // The remaining keywords (required, minimum, pattern, ...) constrain values the server checks;
    // query analysis only needs to know they are there (pass B refuses them in local schemas).
  }
  return {};
}

// ---- pass B: the encryption tree ----

struct MetadataLayer {
  std::optional<Algorithm> algorithm;
  std::optional<std::variant<Uuid, JsonPointer>> key_id;
};

MetadataLayer read_layer(ByteView encrypt) {
  MetadataLayer layer;
  for (const auto& f : elements(encrypt)) {
    if (f.key == "algorithm") {
      layer.algorithm = text_of(f) == kDeterministicName ? Algorithm::kDeterministic : Algorithm::kRandom;
    } else if (f.key == "keyId") {
      if (f.type == BsonType::kString) {
        layer.key_id = *JsonPointer::parse(text_of(f));
      } else {
        auto ids = elements(f.value);
        // MongoDB uses the first UUID of the array.
        if (!ids.empty()) layer.key_id = *Uuid::from_bytes(ids.front().value.subspan(5));
      }
    }
  }
  return layer;
}

// Whether a subschema's type is exactly "object", so its fields may be encrypted.
bool object_typed(ByteView schema) {
  for (const auto& e : elements(schema)) {
    if (e.key != "type" && e.key != "bsonType") continue;
    if (e.type == BsonType::kString) return text_of(e) == "object";
    auto items = elements(e.value);
    return items.size() == 1 && text_of(items[0]) == "object";
  }
  return false;
}

struct BuildContext {
  bool remote = false;
};

struct Position {
  std::string path;                  // schema path, for errors
  bool encryption_allowed = false;   // may `encrypt` appear here?
  bool random_forbidden = false;     // top-level _id: Random not allowed
  std::vector<MetadataLayer> chain;  // inherited encryptMetadata, root first
};

Result<SchemaNodePtr> build(ByteView schema, Position pos, const BuildContext& ctx);

Result<SchemaNodePtr> build_encrypted(ByteView schema, const Element& encrypt, const Position& pos) {
  SchemaError err{pos.path};
  if (!pos.encryption_allowed) return err("Invalid schema containing the 'encrypt' keyword.");
  if (elements(schema).size() > 1) {
    return err(
        "Invalid schema containing the 'encrypt' keyword, sibling keywords are not allowed as such "
        "restrictions cannot work on an encrypted field.");
  }
  MetadataLayer resolved;
  for (const auto& layer : pos.chain) {
    if (layer.algorithm) resolved.algorithm = layer.algorithm;
    if (layer.key_id) resolved.key_id = layer.key_id;
  }
  MetadataLayer own = read_layer(encrypt.value);
  if (own.algorithm) resolved.algorithm = own.algorithm;
  if (own.key_id) resolved.key_id = own.key_id;
  if (!resolved.algorithm) return err("Encrypt object combined with encryptMetadata needs to specify an algorithm");
  if (!resolved.key_id) return err("Encrypt object combined with encryptMetadata needs to specify a keyId");
  EncryptionMetadata md;
  md.algorithm = *resolved.algorithm;
  md.key_id = *resolved.key_id;
  if (pos.random_forbidden && md.algorithm == Algorithm::kRandom) {
    return err("Invalid schema containing the 'encrypt' keyword, " + std::string(kRandomName) +
               " encryption algorithm not allowed.");
  }
  std::size_t listed = 0;
  for (const auto& f : elements(encrypt.value)) {
    if (f.key != "bsonType") continue;
    std::vector<std::string_view> names;
    if (f.type == BsonType::kString) {
      names.push_back(text_of(f));
    } else {
      for (const auto& item : elements(f.value)) names.push_back(text_of(item));
    }
    listed = names.size();
    for (auto name : names) {
      if (name == "number") {
        md.number = true;
      } else {
        md.bson_types.push_back(*bson_type_from_name(name));
      }
    }
  }
  std::sort(md.bson_types.begin(), md.bson_types.end(),
            [](BsonType a, BsonType b) { return static_cast<std::uint8_t>(a) < static_cast<std::uint8_t>(b); });
  if (md.algorithm == Algorithm::kDeterministic) {
    if (listed != 1) return err("A deterministically encrypted field must have exactly one specified type.");
    if (std::holds_alternative<JsonPointer>(md.key_id)) {
      return err("A deterministically encrypted field cannot have a keyId represented by a JSON pointer");
    }
  }
  std::vector<BsonType> all = md.bson_types;
  if (md.number) all.insert(all.end(), kNumberTypes.begin(), kNumberTypes.end());
  for (BsonType t : all) {
    if (!crypto::allowed_for(t, md.algorithm)) return err("Cannot encrypt element of type: " + std::string(bson_type_name(t)));
  }
  return SchemaNode::encrypted(std::move(md));
}

Result<SchemaNodePtr> build(ByteView schema, Position pos, const BuildContext& ctx) {
  SchemaError err{pos.path};
  auto all = elements(schema);
  std::optional<Element> encrypt;
  std::optional<Element> metadata;
  for (const auto& e : all) {
    if (!contains(kRemoteKeywords, e.key)) {
      return err("JSON schema keyword '" + std::string(e.key) + "' is not supported for client-side encryption");
    }
    if (!ctx.remote && !contains(kLocalKeywords, e.key)) {
      return err("JSON schema keyword '" + std::string(e.key) + "' is only allowed with a remote schema");
    }
    if (e.key == "encrypt") encrypt = e;
    if (e.key == "encryptMetadata") metadata = e;
  }
  // Array and logical subschemas can never hold encryption, whatever their position.
  for (const auto& e : all) {
    Position forbidden{child_path(pos.path, e.key), false, false, {}};
    if (e.key == "items" || e.key == "additionalItems") {
      if (e.type == BsonType::kDocument) {
        OPENFLE_RETURN_IF_ERROR(build(e.value, forbidden, ctx));
      } else if (e.type == BsonType::kArray) {
        for (const auto& item : elements(e.value)) {
          OPENFLE_RETURN_IF_ERROR(build(item.value, Position{child_path(forbidden.path, item.key), false, false, {}}, ctx));
        }
      }
    } else if (e.key == "allOf" || e.key == "anyOf" || e.key == "oneOf") {
      for (const auto& item : elements(e.value)) {
        OPENFLE_RETURN_IF_ERROR(build(item.value, Position{child_path(forbidden.path, item.key), false, false, {}}, ctx));
      }
    } else if (e.key == "not") {
      OPENFLE_RETURN_IF_ERROR(build(e.value, forbidden, ctx));
    }
  }
  if (encrypt) return build_encrypted(schema, *encrypt, pos);
  if (metadata) {
    if (!pos.encryption_allowed) return err("Invalid schema containing the 'encryptMetadata' keyword.");
    pos.chain.push_back(read_layer(metadata->value));
  }

  const bool children_allowed = pos.encryption_allowed && object_typed(schema);
  const bool top_level = pos.path == "jsonSchema";
  std::map<std::string, SchemaNodePtr, std::less<>> properties;
  std::vector<SchemaNode::Pattern> patterns;
  SchemaNodePtr additional;
  bool has_children = false;
  for (const auto& e : all) {
    if (e.key == "properties") {
      for (const auto& p : elements(e.value)) {
        // A dotted property name cannot be reached by a dotted path: nothing under it may be encrypted.
        bool allowed = children_allowed && p.key.find('.') == std::string_view::npos;
        Position child{child_path(child_path(pos.path, "properties"), p.key), allowed,
                       top_level && p.key == "_id", pos.chain};
        OPENFLE_ASSIGN_OR_RETURN(auto node, build(p.value, std::move(child), ctx));
        properties.emplace(std::string(p.key), std::move(node));
        has_children = true;
      }
    }
  }
  for (const auto& e : all) {
    if (e.key == "patternProperties") {
      for (const auto& p : elements(e.value)) {
        std::regex re(std::string(p.key), std::regex::ECMAScript);
        Position child{child_path(child_path(pos.path, "patternProperties"), p.key), children_allowed,
                       top_level && std::regex_search("_id", re), pos.chain};
        OPENFLE_ASSIGN_OR_RETURN(auto node, build(p.value, std::move(child), ctx));
        patterns.push_back(SchemaNode::Pattern{std::string(p.key), std::move(re), std::move(node)});
        has_children = true;
      }
    } else if (e.key == "additionalProperties" && e.type == BsonType::kDocument) {
      Position child{child_path(pos.path, "additionalProperties"), children_allowed,
                     top_level && properties.find("_id") == properties.end(), pos.chain};
      OPENFLE_ASSIGN_OR_RETURN(additional, build(e.value, std::move(child), ctx));
      has_children = true;
    }
  }
  if (!has_children && !object_typed(schema)) return SchemaNode::plain();
  return SchemaNode::object(std::move(properties), std::move(patterns), std::move(additional));
}

}  // namespace

bool EncryptionMetadata::allows(BsonType type) const {
  if (number && std::find(kNumberTypes.begin(), kNumberTypes.end(), type) != kNumberTypes.end()) return true;
  if (bson_types.empty() && !number) return true;
  return std::find(bson_types.begin(), bson_types.end(), type) != bson_types.end();
}

std::string EncryptionMetadata::types_text() const {
  std::string out = "[ ";
  if (number) out += "number ";
  for (BsonType t : bson_types) out += std::string(bson_type_name(t)) + " ";
  return out + "]";
}

SchemaNodePtr SchemaNode::plain() {
  static const SchemaNodePtr node = std::make_shared<const SchemaNode>();
  return node;
}

SchemaNodePtr SchemaNode::unknown() {
  auto node = std::make_shared<SchemaNode>();
  node->kind_ = Kind::kUnknown;
  return node;
}

SchemaNodePtr SchemaNode::encrypted(EncryptionMetadata metadata) {
  auto node = std::make_shared<SchemaNode>();
  node->kind_ = Kind::kEncrypted;
  node->metadata_ = std::move(metadata);
  return node;
}

SchemaNodePtr SchemaNode::object(std::map<std::string, SchemaNodePtr, std::less<>> properties,
                                 std::vector<Pattern> patterns, SchemaNodePtr additional, bool exclusive) {
  auto node = std::make_shared<SchemaNode>();
  node->kind_ = Kind::kObject;
  node->exclusive_ = exclusive;
  auto marks = [](const SchemaNodePtr& n) {
    return n && (n->kind() == Kind::kEncrypted || n->kind() == Kind::kUnknown || n->contains_encrypted());
  };
  bool below = marks(additional);
  for (const auto& [name, child] : properties) below = below || marks(child);
  for (const auto& p : patterns) below = below || marks(p.node);
  node->properties_ = std::move(properties);
  node->patterns_ = std::move(patterns);
  node->additional_ = std::move(additional);
  node->contains_encrypted_ = below;
  return node;
}

void SchemaNode::children(std::string_view field, std::vector<const SchemaNode*>& out) const {
  const std::size_t before = out.size();
  if (auto it = properties_.find(field); it != properties_.end()) {
    out.push_back(it->second.get());
    if (exclusive_) return;
  }
  if (!patterns_.empty()) {
    const std::string name(field);
    for (const auto& p : patterns_) {
      if (std::regex_search(name, p.regex)) out.push_back(p.node.get());
    }
  }
  if (out.size() == before && additional_) out.push_back(additional_.get());
}

Status step(const NodeSet& nodes, std::string_view field, const FieldPath& path, NodeSet& out) {
  out.clear();
  for (const SchemaNode* node : nodes) {
    switch (node->kind()) {
      case SchemaNode::Kind::kEncrypted:
        return fail(ErrorCode::kInvalidArgument,
                    "Invalid operation on path '" + path.dotted() + "' which contains an encrypted path prefix.");
      case SchemaNode::Kind::kUnknown:
        return fail(ErrorCode::kInvalidArgument,
                    "Cannot get metadata for path whose encryption properties are not known until runtime.");
      case SchemaNode::Kind::kObject:
        node->children(field, out);
        break;
      case SchemaNode::Kind::kPlain:
        break;  // the path leaves the schema here: nothing below is encrypted
    }
  }
  return {};
}

Result<PathEncryption> resolve(const NodeSet& nodes, const FieldPath& path) {
  PathEncryption result;
  bool first = true;
  for (const SchemaNode* node : nodes) {
    if (node->kind() == SchemaNode::Kind::kUnknown) {
      return fail(ErrorCode::kInvalidArgument,
                  "Cannot get metadata for path whose encryption properties are not known until runtime.");
    }
    const EncryptionMetadata* md = node->metadata();
    const bool same = md == result.metadata || (md != nullptr && result.metadata != nullptr && *md == *result.metadata);
    if (!first && !same) {
      return fail(ErrorCode::kInvalidArgument, "Found conflicting encryption metadata for path: '" + path.dotted() + "'");
    }
    result.metadata = md;
    first = false;
  }
  return result;
}

bool contains_encrypted(const NodeSet& nodes) {
  return std::any_of(nodes.begin(), nodes.end(), [](const SchemaNode* n) {
    return n->kind() == SchemaNode::Kind::kUnknown || n->contains_encrypted();
  });
}

Result<NodeSet> walk(const SchemaNode& root, const FieldPath& path) {
  NodeSet nodes{&root};
  NodeSet next;
  for (const auto& part : path.parts()) {
    OPENFLE_RETURN_IF_ERROR(step(nodes, part, path, next));
    nodes.swap(next);
    if (nodes.empty()) break;
  }
  return nodes;
}

Result<PathEncryption> lookup(const SchemaNode& root, const FieldPath& path) {
  OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(root, path));
  return resolve(nodes, path);
}

bool may_contain_encrypted_below(const SchemaNode& root, const FieldPath& prefix) {
  auto nodes = walk(root, prefix);
  if (!nodes) return true;  // below an encrypted or unknown field: treat as encrypted territory
  return contains_encrypted(*nodes);
}

Result<SchemaNodePtr> node_at(const SchemaNode& root, const FieldPath& path) {
  OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(root, path));
  OPENFLE_RETURN_IF_ERROR(resolve(nodes, path));
  if (nodes.empty()) return SchemaNode::plain();
  if (nodes.size() == 1) return nodes.front()->shared_from_this();
  if (!contains_encrypted(nodes) && resolve(nodes, path)->metadata == nullptr) return SchemaNode::plain();
  if (nodes.front()->kind() == SchemaNode::Kind::kEncrypted) return nodes.front()->shared_from_this();
  return SchemaNode::unknown();
}

SchemaNodePtr with_path(const SchemaNode& root, const FieldPath& path, SchemaNodePtr node) {
  if (path.empty()) return node;
  FieldPath rest;
  for (std::size_t i = 1; i < path.size(); ++i) rest.push(path.parts()[i]);
  const std::string& head = path.parts().front();
  std::map<std::string, SchemaNodePtr, std::less<>> properties;
  std::vector<SchemaNode::Pattern> patterns;
  SchemaNodePtr additional;
  SchemaNodePtr child = SchemaNode::plain();
  if (root.kind() == SchemaNode::Kind::kObject) {
    properties = root.properties();
    patterns = root.patterns();
    additional = root.additional();
    if (!rest.empty()) {
      auto current = node_at(root, FieldPath(head));
      if (current && (*current)->kind() == SchemaNode::Kind::kObject) child = *current;
    }
  } else if (root.kind() == SchemaNode::Kind::kUnknown) {
    additional = SchemaNode::unknown();  // the other fields stay unknown
  }
  properties[head] = rest.empty() ? std::move(node) : with_path(*child, rest, std::move(node));
  return SchemaNode::object(std::move(properties), std::move(patterns), std::move(additional), true);
}

Result<SchemaNodePtr> parse_schema(ByteView schema, bool remote) {
  auto size = bson::value_size(BsonType::kDocument, schema);
  if (!size || *size != schema.size() || !bson::is_valid_value(BsonType::kDocument, schema)) {
    return fail(ErrorCode::kMalformedData, "jsonSchema is not a well-formed BSON document");
  }
  OPENFLE_RETURN_IF_ERROR(validate_generic(schema, "jsonSchema"));
  return build(schema, Position{"jsonSchema", true, false, {}}, BuildContext{remote});
}

}  // namespace openfle::analysis
