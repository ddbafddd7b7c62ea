#include "analysis/pipeline.h"

#include <string>
#include <vector>

#include "analysis/expression.h"
#include "analysis/elements.h"
#include "common/try.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;
using bson::Writer;

bool non_plain(const SchemaNodePtr& s) {
  return s->kind() == SchemaNode::Kind::kEncrypted || s->kind() == SchemaNode::Kind::kUnknown ||
         s->contains_encrypted();
}

bool is_truthy_flag(const Element& e) {
  switch (e.type) {
    case BsonType::kBool: return e.value[0] != 0;
    case BsonType::kInt32: return bson::read_i32(e.value.data()) != 0;
    case BsonType::kInt64:
    case BsonType::kDouble: return std::any_of(e.value.begin(), e.value.end(), [](std::uint8_t b) { return b != 0; });
    default: return false;
  }
}

bool is_flag(const Element& e) {
  return e.type == BsonType::kBool || e.type == BsonType::kInt32 || e.type == BsonType::kInt64 ||
         e.type == BsonType::kDouble;
}

class PipelineAnalyzer {
 public:
  PipelineAnalyzer(std::string_view collection, AnalysisContext& ctx) : collection_(collection), ctx_(ctx) {}

  Result<SchemaNodePtr> pipeline(ByteView stages, SchemaNodePtr schema, Bytes& out) {
    Writer w(out);
    auto mark = w.begin_document();
    for (const auto& stage : elements(stages)) {
      if (stage.type != BsonType::kDocument) return refuse("Each element of the 'pipeline' array must be an object");
      auto fields = elements(stage.value);
      if (fields.size() != 1) {
        return refuse("A pipeline stage specification object must contain exactly one field.");
      }
      w.append_header(BsonType::kDocument, stage.key);
      auto stage_mark = w.begin_document();
      OPENFLE_ASSIGN_OR_RETURN(schema, this->stage(fields[0], schema, out));
      w.end_document(stage_mark);
    }
    w.end_document(mark);
    return schema;
  }

 private:
  AnalysisContext at(const SchemaNodePtr& schema) const { return ctx_.over(*schema); }

  Result<SchemaNodePtr> expression(const Element& e, ExpressionContext context, const SchemaNodePtr& schema,
                                   Bytes& value, BsonType& type) {
    auto c = at(schema);
    auto result = analyze_expression(e, context, c, value, type);
    ctx_.marked = ctx_.marked || c.marked;
    return result;
  }

  Result<SchemaNodePtr> stage(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    Writer w(out);
    const std::string name(s.key);
    if (name == "$match") {
      if (s.type != BsonType::kDocument) return refuse("the match filter must be an expression in an object");
      auto c = at(schema);
      w.append_header(BsonType::kDocument, s.key);
      OPENFLE_RETURN_IF_ERROR(analyze_filter(s.value, c, out));
      ctx_.marked = ctx_.marked || c.marked;
      return schema;
    }
    if (name == "$limit" || name == "$skip" || name == "$sample") {
      w.append_raw(s.raw);
      return schema;
    }
    if (name == "$sort") return sort(s, schema, out);
    if (name == "$project") return project(s, schema, out);
    if (name == "$addFields" || name == "$set") return add_fields(s, schema, out);
    if (name == "$unset") return unset(s, schema, out);
    if (name == "$replaceRoot" || name == "$replaceWith") return replace_root(s, schema, out);
    if (name == "$group") return group(s, schema, out);
    if (name == "$bucket" || name == "$bucketAuto") return bucket(s, schema, out);
    if (name == "$sortByCount") return sort_by_count(s, schema, out);
    if (name == "$unwind") return unwind(s, schema, out);
    if (name == "$count") {
      w.append_raw(s.raw);
      return SchemaNode::plain();
    }
    if (name == "$lookup") return lookup_stage(s, schema, out);
    if (name == "$graphLookup") return graph_lookup(s, schema, out);
    if (name == "$geoNear") return geo_near(s, schema, out);
    if (name == "$collStats" || name == "$indexStats" || name == "$documents") {
      w.append_raw(s.raw);
      return SchemaNode::plain();
    }
    return refuse("Aggregation stage " + name + " is not allowed or supported with automatic encryption.");
  }

  Result<SchemaNodePtr> sort(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("the $sort key specification must be an object");
    for (const auto& key : elements(s.value)) {
      FieldPath path(key.key);
      OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(*schema, path));
      OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, path));
      if (encryption.encrypted() || contains_encrypted(nodes)) {
        return refuse("Sorting on key '" + path.dotted() + "' is not allowed due to encryption.");
      }
    }
    Writer(out).append_raw(s.raw);
    return schema;
  }

  // {$project: {...}}: an inclusion keeps only what it names (and _id), an exclusion drops what it
  // names; computed fields take their expression's schema.
  Result<SchemaNodePtr> project(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("$project specification must be an object");
    bool exclusion = true;
    bool any = false;
    std::function<void(ByteView, bool)> scan = [&](ByteView spec, bool top) {
      for (const auto& f : elements(spec)) {
        if (top && f.key == "_id") continue;
        any = true;
        if (is_flag(f)) {
          if (is_truthy_flag(f)) exclusion = false;
        } else if (f.type == BsonType::kDocument && !is_operator_document(f)) {
          scan(f.value, false);
        } else {
          exclusion = false;
        }
      }
    };
    scan(s.value, true);
    if (!any) {
      // Only _id: an exclusion if it is 0, otherwise an inclusion of _id alone.
      auto id = find_field(s.value, "_id");
      exclusion = id && is_flag(*id) && !is_truthy_flag(*id);
    }
    SchemaNodePtr result = exclusion ? schema : SchemaNode::object({}, {}, nullptr, true);
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    FieldPath prefix;
    bool id_seen = false;
    OPENFLE_RETURN_IF_ERROR(project_level(s.value, schema, exclusion, prefix, result, id_seen, out));
    if (!exclusion && !id_seen) {
      OPENFLE_ASSIGN_OR_RETURN(auto id, node_at(*schema, FieldPath("_id")));
      result = with_path(*result, FieldPath("_id"), id);
    }
    return result;
  }

  Status project_level(ByteView spec, const SchemaNodePtr& schema, bool exclusion, FieldPath& prefix,
                       SchemaNodePtr& result, bool& id_seen, Bytes& out) {
    Writer w(out);
    auto mark = w.begin_document();
    for (const auto& f : elements(spec)) {
      FieldPath path = prefix.join(FieldPath(f.key));
      if (prefix.empty() && f.key == "_id") id_seen = true;
      if (is_flag(f)) {
        if (exclusion || !is_truthy_flag(f)) {
          result = with_path(*result, path, SchemaNode::plain());
        } else {
          OPENFLE_ASSIGN_OR_RETURN(auto kept, node_at(*schema, path));
          result = with_path(*result, path, kept);
        }
        w.append_raw(f.raw);
      } else if (f.type == BsonType::kDocument && !is_operator_document(f)) {
        w.append_header(BsonType::kDocument, f.key);
        FieldPath nested = path;
        OPENFLE_RETURN_IF_ERROR(project_level(f.value, schema, exclusion, nested, result, id_seen, out));
      } else {
        Bytes value;
        BsonType type = f.type;
        OPENFLE_ASSIGN_OR_RETURN(auto computed, expression(f, ExpressionContext::kForwarded, schema, value, type));
        result = with_path(*result, path, computed);
        w.append(type, f.key, value);
      }
    }
    w.end_document(mark);
    return {};
  }

  Result<SchemaNodePtr> add_fields(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse(std::string(s.key) + " specification stage must be an object");
    SchemaNodePtr result = schema;
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    for (const auto& f : elements(s.value)) {
      Bytes value;
      BsonType type = f.type;
      OPENFLE_ASSIGN_OR_RETURN(auto computed, expression(f, ExpressionContext::kForwarded, schema, value, type));
      result = with_path(*result, FieldPath(f.key), computed);
      w.append(type, f.key, value);
    }
    w.end_document(mark);
    return result;
  }

  Result<SchemaNodePtr> unset(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    SchemaNodePtr result = schema;
    std::vector<std::string_view> paths;
    if (s.type == BsonType::kString) {
      paths.push_back(text_of(s));
    } else if (s.type == BsonType::kArray) {
      for (const auto& p : elements(s.value)) {
        if (p.type != BsonType::kString) return refuse("$unset specification must be a string or an array of strings");
        paths.push_back(text_of(p));
      }
    } else {
      return refuse("$unset specification must be a string or an array of strings");
    }
    for (auto p : paths) result = with_path(*result, FieldPath(p), SchemaNode::plain());
    Writer(out).append_raw(s.raw);
    return result;
  }

  Result<SchemaNodePtr> replace_root(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    Writer w(out);
    std::optional<Element> root = s;
    if (s.key == "$replaceRoot") {
      if (s.type != BsonType::kDocument) return refuse("$replaceRoot requires an object, found " + std::string(bson_type_name(s.type)));
      root = find_field(s.value, "newRoot");
      if (!root) return refuse("no newRoot specified for the $replaceRoot stage");
    }
    Bytes value;
    BsonType type = root->type;
    OPENFLE_ASSIGN_OR_RETURN(auto result, expression(*root, ExpressionContext::kForwarded, schema, value, type));
    if (result->kind() == SchemaNode::Kind::kEncrypted) return refuse("$replaceRoot cannot have an encrypted field as root");
    if (s.key == "$replaceRoot") {
      w.append_header(BsonType::kDocument, s.key);
      auto mark = w.begin_document();
      w.append(type, "newRoot", value);
      w.end_document(mark);
    } else {
      w.append(type, s.key, value);
    }
    return result;
  }

  // A group key: deterministic fields may be grouped on; random or unknown ones may not.
  Result<SchemaNodePtr> group_key(const Element& key, const SchemaNodePtr& schema, Bytes& value, BsonType& type) {
    OPENFLE_ASSIGN_OR_RETURN(auto result, expression(key, ExpressionContext::kForwarded, schema, value, type));
    std::function<Status(const SchemaNodePtr&)> check = [&](const SchemaNodePtr& n) -> Status {
      const bool random = n->metadata() != nullptr && n->metadata()->algorithm == Algorithm::kRandom;
      if (random || n->kind() == SchemaNode::Kind::kUnknown) {
        std::string path = key.type == BsonType::kString ? std::string(text_of(key)) : std::string(key.key);
        if (!path.empty() && path[0] == '$') path.erase(0, 1);
        return refuse("Cannot group on field '" + path +
                      "' which is encrypted with the random algorithm or whose encryption properties are not known "
                      "until runtime");
      }
      for (const auto& [name, child] : n->properties()) OPENFLE_RETURN_IF_ERROR(check(child));
      for (const auto& p : n->patterns()) OPENFLE_RETURN_IF_ERROR(check(p.node));
      if (n->additional()) OPENFLE_RETURN_IF_ERROR(check(n->additional()));
      return {};
    };
    OPENFLE_RETURN_IF_ERROR(check(result));
    return result;
  }

  // One accumulator field of $group/$bucket: {$sum: <expr>}, ...
  Result<SchemaNodePtr> accumulator(const Element& field, const SchemaNodePtr& schema, Bytes& out) {
    Writer w(out);
    if (field.type != BsonType::kDocument) return refuse("The field '" + std::string(field.key) + "' must be an accumulator object");
    auto ops = elements(field.value);
    if (ops.size() != 1) return refuse("The field '" + std::string(field.key) + "' must specify one accumulator");
    const Element& op = ops[0];
    const std::string name(op.key);
    Bytes value;
    BsonType type = op.type;
    OPENFLE_ASSIGN_OR_RETURN(auto input, expression(op, ExpressionContext::kForwarded, schema, value, type));
    SchemaNodePtr result = SchemaNode::plain();
    if (name == "$first" || name == "$last") {
      result = input;
    } else if (name == "$push") {
      if (non_plain(input)) result = SchemaNode::unknown();
    } else if (name == "$addToSet") {
      if (non_plain(input)) {
        const bool deterministic = input->metadata() != nullptr && input->metadata()->algorithm == Algorithm::kDeterministic;
        if (!deterministic) {
          return refuse("'" + std::string(field.key) +
                        "' cannot have fields encrypted with the random algorithm or whose encryption properties are "
                        "not known until runtime when used in an $addToSet accumulator.");
        }
        result = SchemaNode::unknown();
      }
    } else if (non_plain(input)) {
      return refuse("Accumulator '" + name + "' cannot aggregate encrypted fields.");
    }
    w.append_header(BsonType::kDocument, field.key);
    auto mark = w.begin_document();
    w.append(type, op.key, value);
    w.end_document(mark);
    return result;
  }

  Result<SchemaNodePtr> group(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("a group's fields must be specified in an object");
    std::map<std::string, SchemaNodePtr, std::less<>> fields;
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    bool has_id = false;
    for (const auto& f : elements(s.value)) {
      if (f.key == "_id") {
        has_id = true;
        Bytes value;
        BsonType type = f.type;
        OPENFLE_ASSIGN_OR_RETURN(auto key, group_key(f, schema, value, type));
        fields.emplace("_id", key);
        w.append(type, f.key, value);
      } else {
        OPENFLE_ASSIGN_OR_RETURN(auto acc, accumulator(f, schema, out));
        fields.emplace(std::string(f.key), acc);
      }
    }
    if (!has_id) return refuse("a group specification must include an _id");
    w.end_document(mark);
    return SchemaNode::object(std::move(fields), {}, nullptr, true);
  }

  Result<SchemaNodePtr> bucket(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse(std::string(s.key) + " requires an object");
    std::map<std::string, SchemaNodePtr, std::less<>> fields;
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    for (const auto& f : elements(s.value)) {
      if (f.key == "groupBy") {
        Bytes value;
        BsonType type = f.type;
        OPENFLE_ASSIGN_OR_RETURN(auto by, expression(f, ExpressionContext::kForwarded, schema, value, type));
        if (non_plain(by)) return refuse("'groupBy' expression cannot reference encrypted fields or their prefixes.");
        w.append(type, f.key, value);
      } else if (f.key == "output" && f.type == BsonType::kDocument) {
        w.append_header(BsonType::kDocument, f.key);
        auto m = w.begin_document();
        for (const auto& acc : elements(f.value)) {
          OPENFLE_ASSIGN_OR_RETURN(auto result, accumulator(acc, schema, out));
          fields.emplace(std::string(acc.key), result);
        }
        w.end_document(m);
      } else {
        w.append_raw(f.raw);
      }
    }
    w.end_document(mark);
    return SchemaNode::object(std::move(fields), {}, nullptr, true);
  }

  Result<SchemaNodePtr> sort_by_count(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    Bytes value;
    BsonType type = s.type;
    OPENFLE_ASSIGN_OR_RETURN(auto key, group_key(s, schema, value, type));
    Writer(out).append(type, s.key, value);
    return SchemaNode::object({{"_id", key}}, {}, nullptr, true);
  }

  Result<SchemaNodePtr> unwind(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    std::string_view path_text;
    std::optional<std::string_view> index;
    if (s.type == BsonType::kString) {
      path_text = text_of(s);
    } else if (s.type == BsonType::kDocument) {
      auto p = find_field(s.value, "path");
      if (!p || p->type != BsonType::kString) return refuse("$unwind requires a 'path' string");
      path_text = text_of(*p);
      if (auto i = find_field(s.value, "includeArrayIndex"); i && i->type == BsonType::kString) index = text_of(*i);
    } else {
      return refuse("$unwind requires a string or an object");
    }
    if (path_text.empty() || path_text[0] != '$') return refuse("$unwind path must be prefixed by a '$'");
    FieldPath path(path_text.substr(1));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, lookup(*schema, path));
    if (encryption.encrypted() && encryption.metadata->algorithm == Algorithm::kRandom) {
      return refuse("$unwind is not allowed on a field which is encrypted with the randomized algorithm");
    }
    Writer(out).append_raw(s.raw);
    return index ? with_path(*schema, FieldPath(*index), SchemaNode::plain()) : schema;
  }

  // Before MongoDB 8.1, a pipeline over a collection with encrypted fields may join it only with
  // itself; openfle also refuses joining a collection the schema map says is encrypted.
  Status check_foreign(const Element& stage, const SchemaNodePtr& schema) {
    auto from = find_field(stage.value, "from");
    if (!from || from->type != BsonType::kString) return {};
    std::string_view other = text_of(*from);
    if (other == collection_ || collection_.empty()) return {};
    const bool foreign_encrypted = ctx_.collection_has_encryption && ctx_.collection_has_encryption(other);
    if (ctx_.schema.contains_encrypted() || non_plain(schema) || foreign_encrypted) {
      return refuse("Pipeline over an encrypted collection cannot reference additional collections.");
    }
    return {};
  }

  Result<SchemaNodePtr> lookup_stage(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("the $lookup stage specification must be an object");
    OPENFLE_RETURN_IF_ERROR(check_foreign(s, schema));
    const SchemaNodePtr root = ctx_.schema.shared_from_this();
    std::optional<Element> local = find_field(s.value, "localField");
    std::optional<Element> foreign = find_field(s.value, "foreignField");
    if (non_plain(root)) {
      if (auto let = find_field(s.value, "let"); let && let->type == BsonType::kDocument && let->value.size() > 5) {
        return refuse("Non-empty 'let' field is not allowed in the $lookup aggregation stage over an encrypted collection.");
      }
      if (local && foreign && local->type == BsonType::kString && foreign->type == BsonType::kString) {
        OPENFLE_RETURN_IF_ERROR(join_fields(text_of(*local), *schema, text_of(*foreign), *root, "$lookup", "localField",
                                            "foreignField"));
      }
    }
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    std::optional<std::string_view> as;
    for (const auto& f : elements(s.value)) {
      if (f.key == "pipeline" && f.type == BsonType::kArray) {
        w.append_header(BsonType::kArray, f.key);
        OPENFLE_RETURN_IF_ERROR(pipeline(f.value, root, out));
      } else {
        if (f.key == "as" && f.type == BsonType::kString) as = text_of(f);
        w.append_raw(f.raw);
      }
    }
    w.end_document(mark);
    if (!as) return refuse("must specify 'as' field for a $lookup");
    return with_path(*schema, FieldPath(*as), non_plain(root) ? SchemaNode::unknown() : SchemaNode::plain());
  }

  // localField/foreignField of $lookup, connectFromField/connectToField of $graphLookup.
  Status join_fields(std::string_view a_text, const SchemaNode& a_schema, std::string_view b_text,
                     const SchemaNode& b_schema, std::string_view stage, std::string_view a_name,
                     std::string_view b_name) {
    FieldPath a(a_text);
    FieldPath b(b_text);
    OPENFLE_ASSIGN_OR_RETURN(auto a_nodes, walk(a_schema, a));
    OPENFLE_ASSIGN_OR_RETURN(auto b_nodes, walk(b_schema, b));
    OPENFLE_ASSIGN_OR_RETURN(auto a_enc, resolve(a_nodes, a));
    OPENFLE_ASSIGN_OR_RETURN(auto b_enc, resolve(b_nodes, b));
    const std::string where = " in the " + std::string(stage) + " aggregation stage";
    if (!a_enc.encrypted() && contains_encrypted(a_nodes)) {
      return refuse("'" + std::string(a_name) + "' '" + a.dotted() + "'" + where + " cannot have an encrypted child.");
    }
    if (!b_enc.encrypted() && contains_encrypted(b_nodes)) {
      return refuse("'" + std::string(b_name) + "' '" + b.dotted() + "'" + where + " cannot have an encrypted child.");
    }
    const bool same = a_enc.encrypted() == b_enc.encrypted() && (!a_enc.encrypted() || *a_enc.metadata == *b_enc.metadata);
    const std::string both = "'" + std::string(a_name) + "' '" + a.dotted() + " and '" + std::string(b_name) + "' '" +
                             b.dotted() + "'" + where + " need to be both ";
    if (!same) return refuse(both + "unencypted or be encrypted with the same encryption properties.");
    if (a_enc.encrypted() && a_enc.metadata->algorithm == Algorithm::kRandom) {
      return refuse(both + "encrypted with deterministic algorithm.");
    }
    return {};
  }

  Result<SchemaNodePtr> graph_lookup(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("the $graphLookup stage specification must be an object");
    OPENFLE_RETURN_IF_ERROR(check_foreign(s, schema));
    const SchemaNodePtr root = ctx_.schema.shared_from_this();
    auto from = find_field(s.value, "connectFromField");
    auto to = find_field(s.value, "connectToField");
    if (non_plain(root) && from && to && from->type == BsonType::kString && to->type == BsonType::kString) {
      OPENFLE_RETURN_IF_ERROR(join_fields(text_of(*from), *root, text_of(*to), *root, "$graphLookup",
                                          "connectFromField", "connectToField"));
    }
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    std::optional<std::string_view> as;
    for (const auto& f : elements(s.value)) {
      if (f.key == "startWith") {
        Bytes value;
        BsonType type = f.type;
        OPENFLE_RETURN_IF_ERROR(expression(f, ExpressionContext::kCompared, schema, value, type));
        w.append(type, f.key, value);
      } else if (f.key == "restrictSearchWithMatch" && f.type == BsonType::kDocument) {
        auto c = at(root);
        w.append_header(BsonType::kDocument, f.key);
        OPENFLE_RETURN_IF_ERROR(analyze_filter(f.value, c, out));
        ctx_.marked = ctx_.marked || c.marked;
      } else {
        if (f.key == "as" && f.type == BsonType::kString) as = text_of(f);
        w.append_raw(f.raw);
      }
    }
    w.end_document(mark);
    if (!as) return refuse("must specify 'as' field for a $graphLookup");
    return with_path(*schema, FieldPath(*as), non_plain(root) ? SchemaNode::unknown() : SchemaNode::plain());
  }

  Result<SchemaNodePtr> geo_near(const Element& s, const SchemaNodePtr& schema, Bytes& out) {
    if (s.type != BsonType::kDocument) return refuse("$geoNear argument must be an object");
    SchemaNodePtr result = schema;
    Writer w(out);
    w.append_header(BsonType::kDocument, s.key);
    auto mark = w.begin_document();
    for (const auto& f : elements(s.value)) {
      if (f.key == "query" && f.type == BsonType::kDocument) {
        auto c = at(schema);
        w.append_header(BsonType::kDocument, f.key);
        OPENFLE_RETURN_IF_ERROR(analyze_filter(f.value, c, out));
        ctx_.marked = ctx_.marked || c.marked;
        continue;
      }
      if (f.key == "key" && f.type == BsonType::kString) {
        FieldPath key(text_of(f));
        OPENFLE_ASSIGN_OR_RETURN(auto encryption, lookup(*schema, key));
        if (encryption.encrypted()) {
          return refuse("'key' field '" + key.dotted() + "' in the $geoNear aggregation stage cannot be encrypted.");
        }
      }
      if ((f.key == "distanceField" || f.key == "includeLocs") && f.type == BsonType::kString) {
        result = with_path(*result, FieldPath(text_of(f)), SchemaNode::plain());
      }
      w.append_raw(f.raw);
    }
    w.end_document(mark);
    return result;
  }

  std::string_view collection_;
  AnalysisContext& ctx_;
};

}  // namespace

Result<SchemaNodePtr> analyze_pipeline(ByteView pipeline, std::string_view collection, AnalysisContext& ctx,
                                       Bytes& out) {
  return PipelineAnalyzer(collection, ctx).pipeline(pipeline, ctx.schema.shared_from_this(), out);
}

}  // namespace openfle::analysis
