#include "analysis/expression.h"

#include <string>
#include <vector>

#include "analysis/marking.h"
#include "analysis/elements.h"
#include "common/try.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;
using bson::Writer;

bool is_field_ref(const Element& e) {
  return e.type == BsonType::kString && !text_of(e).empty() && text_of(e)[0] == '$';
}

// True when `e` holds no field path, variable or operator at any depth: a constant.
bool is_constant(const Element& e) {
  if (is_field_ref(e) || is_operator_document(e)) return false;
  if (e.type != BsonType::kDocument && e.type != BsonType::kArray) return true;
  for (const auto& item : elements(e.value)) {
    if (!is_constant(item)) return false;
  }
  return true;
}

// How MongoDB names what an operator does, in "is not allowed to be evaluated by ..." messages.
std::string describe(std::string_view op) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"$gt", "a greater than comparison"},
      {"$gte", "a greater than or equal to comparison"},
      {"$lt", "a less than comparison"},
      {"$lte", "a less than or equal to comparison"},
      {"$cmp", "a three-way comparison"},
      {"$add", "an addition calculation"},
      {"$subtract", "a subtraction calculation"},
      {"$multiply", "a multiplication calculation"},
      {"$divide", "a division calculation"},
      {"$and", "a conjunction"},
      {"$or", "a disjunction"},
      {"$not", "a negation"},
      {"$concat", "string concatination"},
  };
  for (const auto& [name, text] : kNames) {
    if (name == op) return std::string(text);
  }
  return "the '" + std::string(op) + "' operator";
}

bool non_plain(const SchemaNodePtr& s) {
  return s->kind() == SchemaNode::Kind::kEncrypted || s->kind() == SchemaNode::Kind::kUnknown ||
         s->contains_encrypted();
}

SchemaNodePtr merge(const SchemaNodePtr& a, const SchemaNodePtr& b) {
  if (!non_plain(a) && !non_plain(b)) return SchemaNode::plain();
  if (a->metadata() != nullptr && b->metadata() != nullptr && *a->metadata() == *b->metadata()) return a;
  if (a == b) return a;
  return SchemaNode::unknown();
}

class Analyzer {
 public:
  explicit Analyzer(AnalysisContext& ctx) : ctx_(ctx) {}

  // `evaluator` names the operator that evaluates this expression (kEvaluated only).
  Result<SchemaNodePtr> expression(const Element& e, ExpressionContext context, std::string_view evaluator,
                                   Bytes& out, BsonType& out_type) {
    out_type = e.type;
    if (e.type == BsonType::kString && is_field_ref(e)) return reference(e, context, evaluator, out);
    if (is_operator_document(e)) return operator_expression(e, context, evaluator, out, out_type);
    if (e.type == BsonType::kDocument || e.type == BsonType::kArray) {
      return literal_container(e, context, evaluator, out);
    }
    out.insert(out.end(), e.value.begin(), e.value.end());
    return SchemaNode::plain();
  }

 private:
  // A field path ("$a.b") or a variable ("$$ROOT.a", "$$NOW").
  Result<SchemaNodePtr> reference(const Element& e, ExpressionContext context, std::string_view evaluator,
                                  Bytes& out) {
    out.insert(out.end(), e.value.begin(), e.value.end());
    std::string_view ref = text_of(e);
    std::string_view path_text;
    if (ref.substr(0, 2) == "$$") {
      auto dot = ref.find('.');
      std::string_view var = ref.substr(2, dot == std::string_view::npos ? std::string_view::npos : dot - 2);
      if (var != "ROOT" && var != "CURRENT") return SchemaNode::plain();
      if (dot == std::string_view::npos) {
        if (context != ExpressionContext::kForwarded) {
          return fail(ErrorCode::kInvalidArgument, "Access to variable " + std::string(var) + " disallowed");
        }
        return ctx_.schema.shared_from_this();
      }
      path_text = ref.substr(dot + 1);
    } else {
      path_text = ref.substr(1);
    }
    FieldPath path(path_text);
    OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(ctx_.schema, path));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, path));
    if (encryption.encrypted()) {
      if (context == ExpressionContext::kEvaluated) {
        return fail(ErrorCode::kInvalidArgument, "Encrypted field '" + path.dotted() +
                                                     "' is not allowed to be evaluated by " + std::string(evaluator));
      }
      return nodes.front()->shared_from_this();
    }
    if (contains_encrypted(nodes)) {
      if (context != ExpressionContext::kForwarded) {
        return fail(ErrorCode::kInvalidArgument,
                    "Found forbidden reference to prefix of encrypted field " + path.dotted());
      }
      return nodes.size() == 1 ? nodes.front()->shared_from_this() : SchemaNode::unknown();
    }
    return SchemaNode::plain();
  }

  // {a: <expr>, ...} or [<expr>, ...] built from expressions.
  Result<SchemaNodePtr> literal_container(const Element& e, ExpressionContext context, std::string_view evaluator,
                                          Bytes& out) {
    const bool is_object = e.type == BsonType::kDocument;
    const bool forwarded = context == ExpressionContext::kForwarded;
    std::string what = is_object ? "formation of an object literal" : "formation of an array literal";
    Writer w(out);
    auto mark = w.begin_document();
    std::map<std::string, SchemaNodePtr, std::less<>> fields;
    bool any_encrypted = false;
    for (const auto& item : elements(e.value)) {
      Bytes value;
      BsonType type = item.type;
      OPENFLE_ASSIGN_OR_RETURN(auto schema,
                               expression(item, forwarded ? ExpressionContext::kForwarded : ExpressionContext::kEvaluated,
                                          forwarded ? evaluator : std::string_view(what), value, type));
      any_encrypted = any_encrypted || non_plain(schema);
      if (is_object) fields.emplace(std::string(item.key), std::move(schema));
      w.append(type, item.key, value);
    }
    w.end_document(mark);
    if (!any_encrypted) return SchemaNode::plain();
    if (is_object) return SchemaNode::object(std::move(fields));
    return SchemaNode::unknown();
  }

  // The operands of an operator: an array, or a single value meaning a one-element list.
  static std::vector<Element> operands(const Element& args) {
    if (args.type == BsonType::kArray) return elements(args.value);
    return {args};
  }

  Result<SchemaNodePtr> operator_expression(const Element& e, ExpressionContext context, std::string_view evaluator,
                                            Bytes& out, BsonType& out_type) {
    auto fields = elements(e.value);
    if (fields.size() != 1) {
      return fail(ErrorCode::kInvalidArgument,
                  "an expression specification must contain exactly one field, the name of the expression. Found " +
                      std::to_string(fields.size()) + " fields");
    }
    const Element& op = fields[0];
    Writer w(out);
    auto mark = w.begin_document();
    SchemaNodePtr result = SchemaNode::plain();
    if (op.key == "$literal" || op.key == "$const") {
      w.append_raw(op.raw);
    } else if (op.key == "$eq" || op.key == "$ne") {
      OPENFLE_RETURN_IF_ERROR(comparison(op, operands(op), out));
    } else if (op.key == "$in") {
      OPENFLE_RETURN_IF_ERROR(in_expression(op, out));
    } else if (op.key == "$cond" || op.key == "$ifNull" || op.key == "$switch" || op.key == "$let") {
      OPENFLE_ASSIGN_OR_RETURN(result, transparent(op, context, evaluator, out));
    } else {
      // Every other operator computes with its operands.
      std::string what = describe(op.key);
      Bytes args;
      BsonType type = op.type;
      if (op.type == BsonType::kArray) {
        Writer a(args);
        auto m = a.begin_document();
        for (const auto& item : elements(op.value)) {
          Bytes value;
          BsonType t = item.type;
          OPENFLE_RETURN_IF_ERROR(expression(item, ExpressionContext::kEvaluated, what, value, t));
          a.append(t, item.key, value);
        }
        a.end_document(m);
      } else {
        OPENFLE_RETURN_IF_ERROR(expression(op, ExpressionContext::kEvaluated, what, args, type));
      }
      w.append(type, op.key, args);
    }
    w.end_document(mark);
    out_type = BsonType::kDocument;
    return result;
  }

  struct Operand {
    Element element{};
    SchemaNodePtr schema;
    bool literal = false;
    bool field = false;
    std::string name;  // the field path, or what computes the value
    Bytes bytes;       // analysed bytes
    BsonType type = BsonType::kNull;
  };

  Result<Operand> operand(const Element& e) {
    Operand o;
    o.element = e;
    o.schema = SchemaNode::plain();
    o.type = e.type;
    if (is_field_ref(e)) {
      o.field = true;
      std::string_view ref = text_of(e);
      o.name = std::string(ref.substr(0, 2) == "$$" ? ref : ref.substr(1));
      OPENFLE_ASSIGN_OR_RETURN(o.schema, reference(e, ExpressionContext::kCompared, "", o.bytes));
    } else if (is_operator_document(e)) {
      auto inner = elements(e.value);
      if (inner.size() == 1 && (inner[0].key == "$literal" || inner[0].key == "$const")) {
        o.literal = true;
        o.element = inner[0];
        o.type = inner[0].type;
        o.bytes.assign(inner[0].value.begin(), inner[0].value.end());
      } else {
        o.name = describe(inner.empty() ? "" : inner[0].key);
        OPENFLE_ASSIGN_OR_RETURN(o.schema, expression(e, ExpressionContext::kEvaluated, o.name, o.bytes, o.type));
      }
    } else if ((e.type == BsonType::kDocument || e.type == BsonType::kArray) && !is_constant(e)) {
      o.name = e.type == BsonType::kDocument ? "formation of an object literal" : "formation of an array literal";
      OPENFLE_ASSIGN_OR_RETURN(o.schema, expression(e, ExpressionContext::kEvaluated, o.name, o.bytes, o.type));
    } else {
      o.literal = true;
      o.bytes.assign(e.value.begin(), e.value.end());
    }
    return o;
  }

  // The operands of $eq, $ne or one $in element test: encrypted fields are compared only with
  // constants (which become placeholders) or with fields encrypted the same way.
  Status compare(std::vector<Operand>& ops) {
    const Operand* encrypted = nullptr;
    for (const auto& o : ops) {
      if (o.field && o.schema->metadata() != nullptr) {
        if (encrypted != nullptr && !(*encrypted->schema->metadata() == *o.schema->metadata())) {
          return fail(ErrorCode::kInvalidArgument,
                      "Comparison disallowed between fields with different encryption algorithms; encryption "
                      "algorithm for field '" + encrypted->name + "' does not match the algorithm of '" + o.name + "'");
        }
        encrypted = &o;
      }
    }
    if (encrypted == nullptr) return {};
    const EncryptionMetadata& md = *encrypted->schema->metadata();
    if (md.algorithm == Algorithm::kRandom) {
      return fail(ErrorCode::kInvalidArgument,
                  "Comparison disallowed between fields where one is randomly encrypted; field '" + encrypted->name +
                      "' is randomly encrypted.");
    }
    for (auto& o : ops) {
      if (o.field && o.schema->metadata() == nullptr) {
        return fail(ErrorCode::kInvalidArgument, "Comparison disallowed between encrypted fields and unencrypted fields; '" +
                                                     encrypted->name + "' is encrypted but is compared to '" + o.name + "'");
      }
      if (!o.field && !o.literal) {
        return fail(ErrorCode::kInvalidArgument, "Result of evaluating " + o.name +
                                                     " forbidden from being compared to encrypted fields but is compared to '" +
                                                     encrypted->name + "'");
      }
      if (o.literal) {
        MarkingOptions options;
        options.context = MarkingContext::kComparison;
        options.non_simple_collation = ctx_.non_simple_collation;
        OPENFLE_ASSIGN_OR_RETURN(auto marking, make_marking(md, o.type, o.bytes, FieldPath(encrypted->name), options));
        Bytes wrapped;
        Writer c(wrapped);
        auto m = c.begin_document();
        c.append(BsonType::kBinary, "$const", marking);
        c.end_document(m);
        o.bytes = std::move(wrapped);
        o.type = BsonType::kDocument;
        ctx_.marked = true;
      }
    }
    return {};
  }

  static void write_operands(const Element& op, const std::vector<Operand>& ops, Bytes& out) {
    Writer w(out);
    if (op.type != BsonType::kArray) {
      w.append(ops[0].type, op.key, ops[0].bytes);
      return;
    }
    w.append_header(BsonType::kArray, op.key);
    auto m = w.begin_document();
    for (std::size_t i = 0; i < ops.size(); ++i) w.append(ops[i].type, std::to_string(i), ops[i].bytes);
    w.end_document(m);
  }

  Status comparison(const Element& op, const std::vector<Element>& args, Bytes& out) {
    std::vector<Operand> ops;
    for (const auto& a : args) {
      OPENFLE_ASSIGN_OR_RETURN(auto o, operand(a));
      ops.push_back(std::move(o));
    }
    OPENFLE_RETURN_IF_ERROR(compare(ops));
    write_operands(op, ops, out);
    return {};
  }

  // {$in: [needle, [v, ...]]}: each element is compared with the needle.
  Status in_expression(const Element& op, Bytes& out) {
    auto args = operands(op);
    if (args.size() != 2) {
      return fail(ErrorCode::kInvalidArgument, "Expression $in takes exactly 2 arguments. " +
                                                   std::to_string(args.size()) + " were passed in.");
    }
    OPENFLE_ASSIGN_OR_RETURN(auto needle, operand(args[0]));
    if (args[1].type != BsonType::kArray) {
      // Not a literal array: the needle is evaluated against something computed.
      if (needle.field && non_plain(needle.schema)) {
        return fail(ErrorCode::kInvalidArgument, "Encrypted field '" + needle.name +
                                                     "' is not allowed to be evaluated by an $in comparison without an array literal");
      }
      Bytes haystack;
      BsonType type = args[1].type;
      OPENFLE_RETURN_IF_ERROR(expression(args[1], ExpressionContext::kEvaluated, "an $in comparison", haystack, type));
      Operand rest;
      rest.element = args[1];
      rest.schema = SchemaNode::plain();
      rest.bytes = std::move(haystack);
      rest.type = type;
      std::vector<Operand> ops{needle, std::move(rest)};
      write_operands(op, ops, out);
      return {};
    }
    std::vector<Operand> items;
    for (const auto& item : elements(args[1].value)) {
      OPENFLE_ASSIGN_OR_RETURN(auto o, operand(item));
      std::vector<Operand> pair{needle, std::move(o)};
      OPENFLE_RETURN_IF_ERROR(compare(pair));
      items.push_back(std::move(pair[1]));
    }
    Writer w(out);
    w.append_header(BsonType::kArray, op.key);
    auto m = w.begin_document();
    w.append(needle.type, "0", needle.bytes);
    w.append_header(BsonType::kArray, "1");
    auto n = w.begin_document();
    for (std::size_t i = 0; i < items.size(); ++i) w.append(items[i].type, std::to_string(i), items[i].bytes);
    w.end_document(n);
    w.end_document(m);
    return {};
  }

  // $cond, $ifNull, $switch and $let pass their results through: those are analysed in the
  // caller's context; conditions and bindings are evaluated.
  Result<SchemaNodePtr> transparent(const Element& op, ExpressionContext context, std::string_view evaluator,
                                    Bytes& out) {
    std::optional<SchemaNodePtr> result;
    auto branch = [&](const Element& e, Bytes& value, BsonType& type) -> Status {
      OPENFLE_ASSIGN_OR_RETURN(auto s, expression(e, context, evaluator, value, type));
      result = result ? merge(*result, s) : s;
      return {};
    };
    auto condition = [&](const Element& e, std::string_view what, Bytes& value, BsonType& type) -> Status {
      return expression(e, ExpressionContext::kEvaluated, what, value, type).map([](auto&&) {});
    };
    Writer w(out);
    if (op.key == "$cond" && op.type == BsonType::kArray) {
      auto args = elements(op.value);
      w.append_header(BsonType::kArray, op.key);
      auto m = w.begin_document();
      for (std::size_t i = 0; i < args.size(); ++i) {
        Bytes value;
        BsonType type = args[i].type;
        if (i == 0) {
          OPENFLE_RETURN_IF_ERROR(condition(args[i], "a boolean conditional", value, type));
        } else {
          OPENFLE_RETURN_IF_ERROR(branch(args[i], value, type));
        }
        w.append(type, args[i].key, value);
      }
      w.end_document(m);
    } else if (op.key == "$ifNull") {
      w.append_header(op.type, op.key);
      auto m = w.begin_document();
      for (const auto& arg : operands(op)) {
        Bytes value;
        BsonType type = arg.type;
        OPENFLE_RETURN_IF_ERROR(branch(arg, value, type));
        w.append(type, arg.key, value);
      }
      w.end_document(m);
    } else if (op.type == BsonType::kDocument) {
      // {$cond: {if, then, else}}, {$switch: {branches: [{case, then}], default}}, {$let: {vars, in}}
      w.append_header(BsonType::kDocument, op.key);
      auto m = w.begin_document();
      for (const auto& part : elements(op.value)) {
        Bytes value;
        BsonType type = part.type;
        if (part.key == "if") {
          OPENFLE_RETURN_IF_ERROR(condition(part, "a boolean conditional", value, type));
        } else if (part.key == "then" || part.key == "else" || part.key == "default" || part.key == "in") {
          OPENFLE_RETURN_IF_ERROR(branch(part, value, type));
        } else if (part.key == "vars" && part.type == BsonType::kDocument) {
          for (const auto& var : elements(part.value)) {
            if (var.key == "CURRENT") return fail(ErrorCode::kInvalidArgument, "Rebinding of CURRENT disallowed");
          }
          OPENFLE_RETURN_IF_ERROR(condition(part, "a let binding", value, type));
        } else if (part.key == "branches" && part.type == BsonType::kArray) {
          Writer b(value);
          auto bm = b.begin_document();
          for (const auto& item : elements(part.value)) {
            if (item.type != BsonType::kDocument) {
              b.append_raw(item.raw);
              continue;
            }
            b.append_header(BsonType::kDocument, item.key);
            auto im = b.begin_document();
            for (const auto& f : elements(item.value)) {
              Bytes v;
              BsonType t = f.type;
              if (f.key == "case") {
                OPENFLE_RETURN_IF_ERROR(condition(f, "a switch case", v, t));
              } else {
                OPENFLE_RETURN_IF_ERROR(branch(f, v, t));
              }
              b.append(t, f.key, v);
            }
            b.end_document(im);
          }
          b.end_document(bm);
        } else {
          OPENFLE_RETURN_IF_ERROR(condition(part, describe(op.key), value, type));
        }
        w.append(type, part.key, value);
      }
      w.end_document(m);
    } else {
      w.append_raw(op.raw);
    }
    return result.value_or(SchemaNode::plain());
  }

  AnalysisContext& ctx_;
};

}  // namespace

Result<SchemaNodePtr> analyze_expression(const bson::Element& expr, ExpressionContext context, AnalysisContext& ctx,
                                         Bytes& out, BsonType& out_type) {
  return Analyzer(ctx).expression(expr, context, "an expression", out, out_type);
}

}  // namespace openfle::analysis
