#include "analysis/update.h"

#include <string>
#include <vector>

#include "analysis/marking.h"
#include "analysis/pipeline.h"
#include "analysis/elements.h"
#include "common/try.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;
using bson::Writer;

// How MongoDB names the operators it refuses on encrypted values.
std::string refused_name(std::string_view op) {
  if (op == "$inc" || op == "$mul") return "$inc and $mul";
  if (op == "$max" || op == "$min") return "$max and $min";
  return std::string(op);
}

bool is_refused_on_encrypted(std::string_view op) {
  static constexpr std::string_view kOps[] = {"$inc",  "$mul",  "$max",  "$min",     "$currentDate", "$addToSet",
                                              "$pop",  "$pull", "$push", "$pullAll", "$bit"};
  for (auto k : kOps) {
    if (k == op) return true;
  }
  return false;
}

class UpdateAnalyzer {
 public:
  UpdateAnalyzer(AnalysisContext& ctx, std::string_view command) : ctx_(ctx), command_(command) {}

  Status operators(ByteView update, Bytes& out) {
    Writer w(out);
    auto mark = w.begin_document();
    for (const auto& op : elements(update)) {
      if (op.type != BsonType::kDocument) {
        // The server refuses it ("Modifiers operate on fields but we found type ... instead").
        w.append_raw(op.raw);
        continue;
      }
      w.append_header(BsonType::kDocument, op.key);
      auto inner = w.begin_document();
      for (const auto& field : elements(op.value)) {
        OPENFLE_RETURN_IF_ERROR(field_update(op.key, field, out));
      }
      w.end_document(inner);
    }
    w.end_document(mark);
    return {};
  }

 private:
  // Paths with positional parts ("a.$.b", "a.$[].b", "a.$[i].b") reach into array elements.
  Status positional(const FieldPath& path, bool& handled) {
    FieldPath before;
    for (const auto& part : path.parts()) {
      const bool all = part == "$";
      const bool filtered = part.size() >= 3 && part.substr(0, 2) == "$[" && part.back() == ']';
      if (all || filtered) {
        handled = true;
        OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(ctx_.schema, before));
        OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, before));
        if (encryption.encrypted() || contains_encrypted(nodes)) {
          if (filtered) return refuse("Array update operations not allowed on encrypted values");
          return refuse("Cannot encrypt fields below '$' positional update operator");
        }
        return {};
      }
      before.push(part);
    }
    return {};
  }

  Status field_update(std::string_view op, const Element& field, Bytes& out) {
    Writer w(out);
    FieldPath path(field.key);
    bool positional_path = false;
    OPENFLE_RETURN_IF_ERROR(positional(path, positional_path));
    if (positional_path || op == "$unset") {
      w.append_raw(field.raw);
      return {};
    }
    OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(ctx_.schema, path));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, path));
    const bool prefix = !encryption.encrypted() && contains_encrypted(nodes);
    if (op == "$set" || op == "$setOnInsert") {
      MarkingOptions options;
      options.schema = &ctx_.schema;
      if (encryption.encrypted()) {
        OPENFLE_ASSIGN_OR_RETURN(auto marking, make_marking(*encryption.metadata, field.type, field.value, path, options));
        w.append(BsonType::kBinary, field.key, marking);
        ctx_.marked = true;
        return {};
      }
      if (prefix) {
        if (field.type != BsonType::kDocument) {
          return refuse("Cannot " + std::string(op) + " to a path " + path.dotted() +
                        " that is an encrypted prefix to a non-object type");
        }
        w.append_header(BsonType::kDocument, field.key);
        bool marked = false;
        OPENFLE_RETURN_IF_ERROR(mark_document_into(ctx_.schema, field.value, path, options, out, marked));
        ctx_.marked = ctx_.marked || marked;
        return {};
      }
    } else if (op == "$rename") {
      if (field.type != BsonType::kString) return refuse("The 'to' field for $rename must be a string: " + path.dotted());
      FieldPath to(std::string_view(reinterpret_cast<const char*>(field.value.data()) + 4, field.value.size() - 5));
      OPENFLE_ASSIGN_OR_RETURN(auto to_nodes, walk(ctx_.schema, to));
      OPENFLE_ASSIGN_OR_RETURN(auto to_encryption, resolve(to_nodes, to));
      const bool same = encryption.encrypted() == to_encryption.encrypted() &&
                        (!encryption.encrypted() || *encryption.metadata == *to_encryption.metadata);
      if (!same) return refuse("$rename between two encrypted fields must have the same metadata or both be unencrypted");
      if (!encryption.encrypted() && (prefix || contains_encrypted(to_nodes))) {
        return refuse("$rename is not allowed on an object containing encrypted fields");
      }
    } else if (is_refused_on_encrypted(op) && encryption.encrypted()) {
      return refuse(refused_name(op) + " not allowed on encrypted values");
    }
    w.append_raw(field.raw);
    return {};
  }

  AnalysisContext& ctx_;
  std::string_view command_;
};

}  // namespace

Status analyze_update(const Element& update, bool upsert, std::string_view command, AnalysisContext& ctx, Bytes& out) {
  Writer w(out);
  if (update.type == BsonType::kArray) {
    if (upsert) {
      auto id = lookup(ctx.schema, FieldPath("_id"));
      if (id && id->encrypted()) {
        return refuse("Pipelines in " + std::string(command) + " are not allowed with an encrypted '_id' and 'upsert: true'");
      }
    }
    w.append_header(BsonType::kArray, update.key);
    OPENFLE_ASSIGN_OR_RETURN(auto result, analyze_pipeline(update.value, "", ctx, out));
    if (ctx.schema.contains_encrypted() && result.get() != &ctx.schema) {
      return refuse(
          "Pipelines in updates are not allowed to modify encrypted fields or add fields which are not present in "
          "the schema");
    }
    return {};
  }
  if (update.type != BsonType::kDocument) {
    w.append_raw(update.raw);  // the server refuses it
    return {};
  }
  if (upsert) OPENFLE_RETURN_IF_ERROR(check_insert_document(ctx.schema, update.value));
  ElementReader r(update.value);
  auto first = r.next();
  const bool operator_update = first && !first->key.empty() && first->key[0] == '$';
  w.append_header(BsonType::kDocument, update.key);
  if (operator_update) return UpdateAnalyzer(ctx, command).operators(update.value, out);
  // A replacement document, encrypted as an insert would be (without JSON Pointer keyIds).
  MarkingOptions options;
  options.schema = &ctx.schema;
  FieldPath root;
  bool marked = false;
  OPENFLE_RETURN_IF_ERROR(mark_document_into(ctx.schema, update.value, root, options, out, marked));
  ctx.marked = ctx.marked || marked;
  return {};
}

}  // namespace openfle::analysis
