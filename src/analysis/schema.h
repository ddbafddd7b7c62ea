// The encryption view of a CSFLE JSON Schema: which paths are encrypted, how, and which may hold
// encrypted fields below them. Built from a schema by parse_schema() with MongoDB's rules
// (docs/auto-encryption.md "Schemas"), and derived from other trees as an aggregation pipeline
// reshapes documents (pipeline.cc).
//
// Lookups follow mongocryptd: a field name selects its `properties` entry and every matching
// `patternProperties` entry (an unanchored regex search), or else `additionalProperties`; when
// several apply they must agree.
#ifndef OPENFLE_ANALYSIS_SCHEMA_H_
#define OPENFLE_ANALYSIS_SCHEMA_H_

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <variant>
#include <vector>

#include "analysis/path.h"
#include "openfle/algorithm.h"
#include "openfle/bson.h"
#include "openfle/uuid.h"

namespace openfle::analysis {

// How one encrypted field is encrypted: the resolved `encrypt` keyword (with inherited
// encryptMetadata).
struct EncryptionMetadata {
  Algorithm algorithm = Algorithm::kRandom;
  std::variant<Uuid, JsonPointer> key_id;  // the first UUID of keyId, or a pointer to a keyAltName
  std::vector<BsonType> bson_types;        // empty: any type the algorithm allows
  bool number = false;                     // bsonType listed "number"

  [[nodiscard]] bool allows(BsonType type) const;
  // "[ string ]", as MongoDB prints the allowed set.
  [[nodiscard]] std::string types_text() const;
  friend bool operator==(const EncryptionMetadata&, const EncryptionMetadata&) = default;
};

class SchemaNode;
using SchemaNodePtr = std::shared_ptr<const SchemaNode>;

class SchemaNode : public std::enable_shared_from_this<SchemaNode> {
 public:
  enum class Kind {
    kPlain,      // nothing below is encrypted (a leaf, or a schema that cannot hold encryption)
    kObject,     // an object whose fields are described by properties/patternProperties/...
    kEncrypted,  // the value here is encrypted (a leaf: nothing below it can be described)
    kUnknown,    // may or may not be encrypted: known only at run time (after some pipeline stages)
  };

  static SchemaNodePtr plain();
  static SchemaNodePtr unknown();
  static SchemaNodePtr encrypted(EncryptionMetadata metadata);

  struct Pattern {
    std::string source;
    std::regex regex;
    SchemaNodePtr node;
  };
  // An object node; `contains_encrypted` is derived from the children. In an `exclusive` node (one
  // a pipeline stage derived) a field in `properties` is described by that entry alone.
  static SchemaNodePtr object(std::map<std::string, SchemaNodePtr, std::less<>> properties,
                              std::vector<Pattern> patterns = {}, SchemaNodePtr additional = nullptr,
                              bool exclusive = false);

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] const EncryptionMetadata* metadata() const noexcept {
    return metadata_ ? &*metadata_ : nullptr;
  }
  [[nodiscard]] const std::map<std::string, SchemaNodePtr, std::less<>>& properties() const noexcept {
    return properties_;
  }
  [[nodiscard]] const std::vector<Pattern>& patterns() const noexcept { return patterns_; }
  [[nodiscard]] const SchemaNodePtr& additional() const noexcept { return additional_; }

  // True when some node strictly below this one is encrypted or unknown.
  [[nodiscard]] bool contains_encrypted() const noexcept { return contains_encrypted_; }
  // The children one field name selects (see the file comment).
  void children(std::string_view field, std::vector<const SchemaNode*>& out) const;

 private:
  Kind kind_ = Kind::kPlain;
  std::optional<EncryptionMetadata> metadata_;
  std::map<std::string, SchemaNodePtr, std::less<>> properties_;
  std::vector<Pattern> patterns_;
  SchemaNodePtr additional_;
  bool contains_encrypted_ = false;
  bool exclusive_ = false;
};

// What a path resolves to.
struct PathEncryption {
  const EncryptionMetadata* metadata = nullptr;  // set when the path is encrypted
  [[nodiscard]] bool encrypted() const noexcept { return metadata != nullptr; }
};

// The schema nodes a path prefix reaches (several when patternProperties overlap). Walking a
// document level by level with step() costs one child lookup per field.
using NodeSet = std::vector<const SchemaNode*>;

// The nodes `field` reaches from `nodes`. Errors (with `path`, the full path so far, in the
// message) when a node is encrypted (51102) or unknown (31133): the path goes below it.
Status step(const NodeSet& nodes, std::string_view field, const FieldPath& path, NodeSet& out);
// The encryption of the path that reached `nodes`: they must agree (51142).
Result<PathEncryption> resolve(const NodeSet& nodes, const FieldPath& path);
// True when an encrypted or unknown node may be strictly below one of `nodes`.
bool contains_encrypted(const NodeSet& nodes);
// The nodes `path` reaches from `root`.
Result<NodeSet> walk(const SchemaNode& root, const FieldPath& path);

// The encryption of `path` under `root`. Errors, with MongoDB's messages: the path goes below an
// encrypted field (51102), the schemas that apply to it disagree (51142), or its encryption is
// known only at run time (31133).
Result<PathEncryption> lookup(const SchemaNode& root, const FieldPath& path);

// True when an encrypted (or unknown) field may exist strictly below `prefix`.
bool may_contain_encrypted_below(const SchemaNode& root, const FieldPath& prefix);

// The one node `path` reaches from `root` (plain when it leaves the schema, unknown when several
// different nodes apply); errors as lookup().
Result<SchemaNodePtr> node_at(const SchemaNode& root, const FieldPath& path);

// A copy of `root` in which `path` is described by `node` alone (objects are made along the
// path as needed): how $addFields, $set, $unset and exclusion $project change a schema.
SchemaNodePtr with_path(const SchemaNode& root, const FieldPath& path, SchemaNodePtr node);

// Parses and validates a CSFLE JSON Schema (MongoDB's rules, docs/auto-encryption.md). A local
// schema (`remote` false, the schemaMap case) may use only the keywords encryption needs. Errors
// name the schema path: "jsonSchema.properties.ssn: <MongoDB's message>".
Result<SchemaNodePtr> parse_schema(ByteView schema, bool remote);

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_SCHEMA_H_
