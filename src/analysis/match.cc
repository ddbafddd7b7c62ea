#include "analysis/match.h"

#include <string>
#include <vector>

#include "analysis/expression.h"
#include "analysis/marking.h"
#include "analysis/elements.h"
#include "common/try.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;
using bson::Writer;

class FilterAnalyzer {
 public:
  explicit FilterAnalyzer(AnalysisContext& ctx) : ctx_(ctx) {}

  Status filter(ByteView doc, Bytes& out) {
    Writer w(out);
    auto mark = w.begin_document();
    ElementReader r(doc);
    while (auto e = r.next()) {
      if (!e->key.empty() && e->key[0] == '$') {
        OPENFLE_RETURN_IF_ERROR(top_level_operator(*e, out));
      } else {
        OPENFLE_RETURN_IF_ERROR(predicate(*e, out));
      }
    }
    if (r.malformed()) return fail(ErrorCode::kMalformedData, "malformed BSON in a query filter");
    w.end_document(mark);
    return {};
  }

 private:
  MarkingOptions comparison_options() const {
    MarkingOptions o;
    o.context = MarkingContext::kComparison;
    o.non_simple_collation = ctx_.non_simple_collation;
    o.schema = &ctx_.schema;
    return o;
  }

  Status top_level_operator(const Element& e, Bytes& out) {
    Writer w(out);
    if (e.key == "$and" || e.key == "$or" || e.key == "$nor") {
      if (e.type != BsonType::kArray) return refuse(std::string(e.key) + " must be an array");
      w.append_header(BsonType::kArray, e.key);
      auto mark = w.begin_document();
      for (const auto& child : elements(e.value)) {
        if (child.type != BsonType::kDocument) return refuse(std::string(e.key) + " argument's entries must be objects");
        w.append_header(BsonType::kDocument, child.key);
        OPENFLE_RETURN_IF_ERROR(filter(child.value, out));
      }
      w.end_document(mark);
      return {};
    }
    if (e.key == "$expr") {
      Bytes value;
      BsonType type = e.type;
      OPENFLE_RETURN_IF_ERROR(analyze_expression(e, ExpressionContext::kForwarded, ctx_, value, type));
      w.append(type, e.key, value);
      return {};
    }
    if (e.key == "$text" || e.key == "$where") {
      return refuse("Unsupported match expression operator for encryption: " + std::string(e.key));
    }
    if (e.key == "$jsonSchema" && ctx_.schema.contains_encrypted()) {
      // MongoDB translates it into internal operators, most of which it then refuses; openfle
      // refuses it whenever the collection has encrypted fields.
      return refuse("Unsupported match expression operator for encryption: $jsonSchema");
    }
    // $comment, $alwaysTrue, $alwaysFalse, $sampleRate: nothing to encrypt.
    w.append_raw(e.raw);
    return {};
  }

  // {path: value} or {path: {$op: ...}}.
  Status predicate(const Element& e, Bytes& out) {
    FieldPath path(e.key);
    OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(ctx_.schema, path));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, path));
    const bool prefix = !encryption.encrypted() && contains_encrypted(nodes);
    Writer w(out);
    if (is_operator_document(e)) {
      w.append_header(BsonType::kDocument, e.key);
      return operators(e.value, path, encryption, prefix, out);
    }
    if (e.type == BsonType::kRegex && encryption.encrypted()) {
      return refuse("Invalid match expression operator on encrypted field '" + path.dotted() + "': $regex");
    }
    if (encryption.encrypted()) {
      // Implicit equality: mongocryptd writes {path: {$eq: <placeholder>}}.
      OPENFLE_ASSIGN_OR_RETURN(auto marking, equality_marking(*encryption.metadata, e, path));
      w.append_header(BsonType::kDocument, e.key);
      auto mark = w.begin_document();
      w.append(BsonType::kBinary, "$eq", marking);
      w.end_document(mark);
      return {};
    }
    return equality_on_plain(e, e.key, path, prefix, out);
  }

  Result<Bytes> equality_marking(const EncryptionMetadata& md, const Element& value, const FieldPath& path) {
    if (value.type == BsonType::kNull) {
      return refuse("Illegal equality to null predicate for encrypted field: '" + path.dotted() + "'");
    }
    OPENFLE_ASSIGN_OR_RETURN(auto marking, make_marking(md, value.type, value.value, path, comparison_options()));
    ctx_.marked = true;
    return marking;
  }

  // Equality of a path that is not itself encrypted with `value`, written under `key`.
  Status equality_on_plain(const Element& value, std::string_view key, const FieldPath& path, bool prefix, Bytes& out) {
    Writer w(out);
    if (prefix && value.type == BsonType::kDocument) {
      // {user: {ssn: "..."}} where user.ssn is encrypted: the placeholders go inside the object.
      w.append_header(BsonType::kDocument, key);
      FieldPath at = path;
      bool marked = false;
      OPENFLE_RETURN_IF_ERROR(mark_document_into(ctx_.schema, value.value, at, comparison_options(), out, marked));
      ctx_.marked = ctx_.marked || marked;
      return {};
    }
    if (prefix && value.type == BsonType::kArray) {
      return refuse("$eq to array predicate is illegal for prefix of encrypted path: " + path.dotted());
    }
    w.append(value.type, key, value.value);
    return {};
  }

  // The operator document of a predicate on `path`.
  Status operators(ByteView ops, const FieldPath& path, const PathEncryption& encryption, bool prefix, Bytes& out) {
    Writer w(out);
    auto mark = w.begin_document();
    for (const auto& op : elements(ops)) {
      const std::string name(op.key);
      if (name == "$eq" || name == "$ne") {
        if (encryption.encrypted()) {
          OPENFLE_ASSIGN_OR_RETURN(auto marking, equality_marking(*encryption.metadata, op, path));
          w.append(BsonType::kBinary, op.key, marking);
        } else {
          OPENFLE_RETURN_IF_ERROR(equality_on_plain(op, op.key, path, prefix, out));
        }
      } else if (name == "$in" || name == "$nin" || name == "$all") {
        OPENFLE_RETURN_IF_ERROR(in_list(op, path, encryption, prefix, out));
      } else if (name == "$not") {
        if (op.type == BsonType::kRegex) {
          if (encryption.encrypted()) {
            return refuse("Invalid match expression operator on encrypted field '" + path.dotted() + "': $regex");
          }
          w.append_raw(op.raw);
        } else if (op.type == BsonType::kDocument) {
          w.append_header(BsonType::kDocument, op.key);
          OPENFLE_RETURN_IF_ERROR(operators(op.value, path, encryption, prefix, out));
        } else {
          return refuse("$not needs a regex or a document");
        }
      } else if (name == "$exists") {
        w.append_raw(op.raw);
      } else if (name == "$elemMatch") {
        // MongoDB passes $elemMatch over a prefix of encrypted fields through unanalysed, which would
        // send the values inside it in the clear: openfle refuses both cases.
        if (encryption.encrypted() || prefix) {
          return refuse("$elemMatch is unsupported on encrypted fields: '" + path.dotted() + "'" +
                        (prefix ? " holds encrypted fields" : ""));
        }
        w.append_raw(op.raw);
      } else if (name == "$gt" || name == "$gte" || name == "$lt" || name == "$lte") {
        if (encryption.encrypted()) {
          return refuse("Invalid match expression operator on encrypted field '" + path.dotted() + "': " + name);
        }
        if (prefix && (op.type == BsonType::kDocument || op.type == BsonType::kArray)) {
          return refuse("Invalid match expression operator on encrypted field '" + path.dotted() + " " + name + "'");
        }
        w.append_raw(op.raw);
      } else if (encryption.encrypted()) {
        // $regex, $mod, $size, $type, $bits*, geo, and any operator MongoDB may add later.
        return refuse("Invalid match expression operator on encrypted field '" + path.dotted() + "': " + name);
      } else {
        w.append_raw(op.raw);
      }
    }
    w.end_document(mark);
    return {};
  }

  Status in_list(const Element& op, const FieldPath& path, const PathEncryption& encryption, bool prefix, Bytes& out) {
    if (op.type != BsonType::kArray) return refuse(std::string(op.key) + " needs an array");
    Writer w(out);
    w.append_header(BsonType::kArray, op.key);
    auto mark = w.begin_document();
    for (const auto& item : elements(op.value)) {
      if (encryption.encrypted()) {
        if (item.type == BsonType::kRegex) {
          return refuse("Illegal regex inside " + std::string(op.key) + " against an encrypted field: '" + path.dotted() + "'");
        }
        if (item.type == BsonType::kNull) {
          return refuse("Illegal equality to null inside " + std::string(op.key) + " against an encrypted field: '" +
                        path.dotted() + "'");
        }
        OPENFLE_ASSIGN_OR_RETURN(auto marking, equality_marking(*encryption.metadata, item, path));
        w.append(BsonType::kBinary, item.key, marking);
      } else if (prefix && item.type == BsonType::kArray) {
        return refuse("Illegal " + std::string(op.key) + " element for prefix '" + path.dotted() +
                      "' of encrypted path: an array");
      } else {
        OPENFLE_RETURN_IF_ERROR(equality_on_plain(item, item.key, path, prefix, out));
      }
    }
    w.end_document(mark);
    return {};
  }

  AnalysisContext& ctx_;
};

}  // namespace

Status analyze_filter(ByteView filter, AnalysisContext& ctx, Bytes& out) { return FilterAnalyzer(ctx).filter(filter, out); }

Result<bool> non_simple_collation(ByteView command_or_statement) {
  auto collation = find_field(command_or_statement, "collation");
  if (!collation) return false;
  if (collation->type != BsonType::kDocument) {
    return fail(ErrorCode::kInvalidArgument, "collation command parameter must be of type Object");
  }
  auto fields = elements(collation->value);
  if (fields.size() == 1 && fields[0].key == "locale" && fields[0].type == BsonType::kString) {
    std::string_view locale(reinterpret_cast<const char*>(fields[0].value.data()) + 4, fields[0].value.size() - 5);
    if (locale == "simple") return false;
  }
  return !fields.empty();
}

}  // namespace openfle::analysis
