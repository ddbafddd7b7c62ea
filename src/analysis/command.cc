#include "analysis/command.h"

#include <array>
#include <string>
#include <vector>

#include "analysis/expression.h"
#include "analysis/marking.h"
#include "analysis/match.h"
#include "analysis/pipeline.h"
#include "analysis/update.h"
#include "bson/access.h"
#include "common/strings.h"
#include "analysis/elements.h"
#include "common/try.h"

namespace openfle::analysis {
namespace {

using bson::Element;
using bson::ElementReader;
using bson::Writer;

// Commands sent to the server unchanged (libmongocrypt's bypass list; isMaster in any case).
// The search-index commands are bypassed by libmongocrypt since 1.9 (1.7.2 refuses them).
constexpr std::array<std::string_view, 31> kBypassed = {
    "abortTransaction", "authenticate",       "buildInfo",         "commitTransaction", "createSearchIndexes",
    "drop",             "dropDatabase",       "dropIndexes",       "dropSearchIndex",   "endSessions",
    "getCmdLineOpts",   "getLog",             "getMore",           "getnonce",          "hello",
    "killAllSessions",  "killAllSessionsByPattern", "killCursors", "killSessions",      "listCollections",
    "listDatabases",    "listIndexes",        "listSearchIndexes", "logout",            "ping",
    "refreshSessions",  "renameCollection",   "saslContinue",      "saslStart",         "startSession",
    "updateSearchIndex"};

// libmongocrypt matches command names exactly: the legacy "findandmodify" spelling is refused.
constexpr std::array<std::string_view, 11> kAnalysed = {
    "aggregate", "count",  "distinct", "delete",  "find",          "findAndModify",
    "insert",    "update", "explain",  "create",  "createIndexes"};

bool bypassed(std::string_view name) {
  if (ascii_iequals(name, "isMaster")) return true;
  return std::find(kBypassed.begin(), kBypassed.end(), name) != kBypassed.end();
}

bool analysed(std::string_view name) {
  return name == "collMod" || std::find(kAnalysed.begin(), kAnalysed.end(), name) != kAnalysed.end();
}

tl::unexpected<Error> in(std::string_view where, const Error& e) { return fail(e.with_context(where)); }

class CommandAnalyzer {
 public:
  CommandAnalyzer(std::string_view db, const SchemaLookup& schemas) : db_(db), schemas_(schemas) {}

  Result<MarkedCommand> analyze(ByteView command) {
    auto fields = elements(command);
    if (fields.empty()) return refuse("an empty document is not a command");
    const Element& name = fields.front();
    if (bypassed(name.key)) return unchanged(command);
    if (!analysed(name.key)) return refuse("command not supported for auto encryption: " + std::string(name.key));
    if (name.key == "explain") return explain(fields);
    if (name.type != BsonType::kString) {
      return refuse("non-collection command not supported for auto encryption: " + std::string(name.key));
    }
    if (name.value.size() <= 5) return refuse("empty collection name on command: " + std::string(name.key));
    collection_ = std::string(text_of(name));
    const EncryptionSchema* schema = schemas_ ? schemas_(std::string(db_) + "." + collection_) : nullptr;
    const SchemaNode& root = schema != nullptr ? schema->root() : *SchemaNode::plain();
    MarkedCommand result;
    result.schema_requires_encryption =
        root.contains_encrypted() || root.kind() == SchemaNode::Kind::kEncrypted;
    AnalysisContext ctx(root);
    ctx.collection_has_encryption = [this](std::string_view coll) {
      const EncryptionSchema* other = schemas_ ? schemas_(std::string(db_) + "." + std::string(coll)) : nullptr;
      return other != nullptr && other->has_encrypted_fields();
    };
    Bytes out;
    OPENFLE_RETURN_IF_ERROR(body(name.key, fields, ctx, out));
    result.has_encryption_placeholders = ctx.marked;
    result.result = DocumentAccess::adopt(std::move(out));
    return result;
  }

 private:
  static MarkedCommand unchanged(ByteView command) {
    MarkedCommand m;
    m.result = DocumentAccess::adopt(Bytes(command.begin(), command.end()));
    return m;
  }

  // The command with its analysed parts rewritten; "$db" goes last, where libmongocrypt puts it.
  Status body(std::string_view name, const std::vector<Element>& fields, AnalysisContext& ctx, Bytes& out) {
    OPENFLE_ASSIGN_OR_RETURN(ctx.non_simple_collation, non_simple_collation(whole_));
    Writer w(out);
    auto mark = w.begin_document();
    std::optional<Element> db_field;
    for (const auto& f : fields) {
      if (f.key == "$db") {
        db_field = f;
        continue;
      }
      OPENFLE_RETURN_IF_ERROR(field(name, f, ctx, out));
    }
    if (db_field) w.append_raw(db_field->raw);
    w.end_document(mark);
    return {};
  }

  Status filter_field(const Element& f, AnalysisContext& ctx, Bytes& out) {
    if (f.type != BsonType::kDocument) {
      return refuse("BSON field '" + std::string(f.key) + "' is the wrong type '" + std::string(bson_type_name(f.type)) +
                    "', expected type 'object'");
    }
    Writer(out).append_header(BsonType::kDocument, f.key);
    auto status = analyze_filter(f.value, ctx, out);
    if (!status) return in(f.key, status.error());
    return {};
  }

  Status field(std::string_view name, const Element& f, AnalysisContext& ctx, Bytes& out) {
    Writer w(out);
    const std::string key(f.key);
    if (name == "insert" && key == "documents") return documents(f, ctx, out);
    if (name == "update" && key == "updates") return statements(f, ctx, out, true);
    if (name == "delete" && key == "deletes") return statements(f, ctx, out, false);
    if ((name == "find" && key == "filter") || (name == "count" && key == "query") ||
        (name == "distinct" && key == "query") || (name == "findAndModify" && key == "query")) {
      return filter_field(f, ctx, out);
    }
    if (name == "find" && key == "projection" && f.type == BsonType::kDocument) return projection(f, ctx, out);
    if (name == "findAndModify" && key == "update") {
      auto upsert = find_field(whole_, "upsert");
      const bool is_upsert = upsert && upsert->type == BsonType::kBool && upsert->value[0] != 0;
      auto status = analyze_update(f, is_upsert, "findAndModify", ctx, out);
      if (!status) return in("update", status.error());
      return {};
    }
    if (name == "distinct" && key == "key") {
      OPENFLE_RETURN_IF_ERROR(distinct_key(f, ctx));
    }
    if (name == "aggregate" && key == "pipeline") {
      if (f.type != BsonType::kArray) return refuse("'pipeline' option must be specified as an array");
      w.append_header(BsonType::kArray, f.key);
      auto result = analyze_pipeline(f.value, collection_, ctx, out);
      if (!result) return in("pipeline", result.error());
      return {};
    }
    if ((name == "create" || name == "collMod") && key == "validator" && f.type == BsonType::kDocument) {
      return validator(f, ctx, out);
    }
    if (name == "create" && (key == "viewOn" || key == "pipeline") && ctx.schema.contains_encrypted()) {
      return refuse("Creating a view is not supported with automatic encryption");
    }
    if (name == "createIndexes" && key == "indexes" && f.type == BsonType::kArray) {
      for (const auto& index : elements(f.value)) {
        if (index.type != BsonType::kDocument) continue;
        auto partial = find_field(index.value, "partialFilterExpression");
        if (!partial || partial->type != BsonType::kDocument) continue;
        AnalysisContext probe = ctx.over(ctx.schema);
        Bytes ignored;
        OPENFLE_RETURN_IF_ERROR(analyze_filter(partial->value, probe, ignored));
        if (probe.marked) return refuse("Comparison to encrypted fields not supported in a partialFilterExpression.");
      }
    }
    w.append_raw(f.raw);
    return {};
  }

  Status documents(const Element& f, AnalysisContext& ctx, Bytes& out) {
    if (f.type != BsonType::kArray) return refuse("BSON field 'insert.documents' is the wrong type, expected type 'array'");
    Writer w(out);
    w.append_header(BsonType::kArray, f.key);
    auto mark = w.begin_document();
    for (const auto& doc : elements(f.value)) {
      const std::string where = "documents." + std::string(doc.key);
      if (doc.type != BsonType::kDocument) return refuse(where + ": an inserted document must be an object");
      if (auto ok = check_insert_document(ctx.schema, doc.value); !ok) return in(where, ok.error());
      MarkingOptions options;
      options.pointer_root = doc.value;
      options.schema = &ctx.schema;
      w.append_header(BsonType::kDocument, doc.key);
      FieldPath root;
      bool marked = false;
      if (auto ok = mark_document_into(ctx.schema, doc.value, root, options, out, marked); !ok) return in(where, ok.error());
      ctx.marked = ctx.marked || marked;
    }
    w.end_document(mark);
    return {};
  }

  // update's updates ({q, u, upsert, ...}) or delete's deletes ({q, limit, ...}).
  Status statements(const Element& f, AnalysisContext& ctx, Bytes& out, bool is_update) {
    if (f.type != BsonType::kArray) return refuse("BSON field '" + std::string(f.key) + "' must be an array");
    Writer w(out);
    w.append_header(BsonType::kArray, f.key);
    auto mark = w.begin_document();
    for (const auto& statement : elements(f.value)) {
      const std::string where = std::string(f.key) + "." + std::string(statement.key);
      if (statement.type != BsonType::kDocument) return refuse(where + ": each statement must be an object");
      AnalysisContext sctx = ctx.over(ctx.schema);
      OPENFLE_ASSIGN_OR_RETURN(sctx.non_simple_collation, non_simple_collation(statement.value));
      auto upsert = find_field(statement.value, "upsert");
      const bool is_upsert = upsert && upsert->type == BsonType::kBool && upsert->value[0] != 0;
      w.append_header(BsonType::kDocument, statement.key);
      auto smark = w.begin_document();
      for (const auto& part : elements(statement.value)) {
        if (part.key == "q") {
          if (auto ok = filter_field(part, sctx, out); !ok) return in(where, ok.error());
        } else if (part.key == "u" && is_update) {
          if (auto ok = analyze_update(part, is_upsert, "update", sctx, out); !ok) return in(where + ".u", ok.error());
        } else {
          w.append_raw(part.raw);
        }
      }
      w.end_document(smark);
      ctx.marked = ctx.marked || sctx.marked;
    }
    w.end_document(mark);
    return {};
  }

  // find's projection: computed fields are aggregation expressions.
  Status projection(const Element& f, AnalysisContext& ctx, Bytes& out) {
    Writer w(out);
    w.append_header(BsonType::kDocument, f.key);
    auto mark = w.begin_document();
    for (const auto& p : elements(f.value)) {
      const bool flag = p.type == BsonType::kBool || p.type == BsonType::kInt32 || p.type == BsonType::kInt64 ||
                        p.type == BsonType::kDouble;
      if (flag) {
        w.append_raw(p.raw);
        continue;
      }
      Bytes value;
      BsonType type = p.type;
      auto result = analyze_expression(p, ExpressionContext::kForwarded, ctx, value, type);
      if (!result) return in("projection", result.error());
      w.append(type, p.key, value);
    }
    w.end_document(mark);
    return {};
  }

  Status distinct_key(const Element& f, const AnalysisContext& ctx) {
    if (f.type != BsonType::kString) return refuse("BSON field 'distinct.key' must be a string");
    FieldPath key(text_of(f));
    OPENFLE_ASSIGN_OR_RETURN(auto nodes, walk(ctx.schema, key));
    OPENFLE_ASSIGN_OR_RETURN(auto encryption, resolve(nodes, key));
    if (encryption.encrypted()) {
      const auto& md = *encryption.metadata;
      if (std::holds_alternative<JsonPointer>(md.key_id)) {
        return refuse("The distinct key is not allowed to be marked for encryption with a non-UUID keyId");
      }
      if (md.algorithm == Algorithm::kRandom) {
        return refuse("Distinct key is not allowed to be marked for encryption with the randomized encryption algorithm");
      }
      if (ctx.non_simple_collation && md.allows(BsonType::kString) && !md.bson_types.empty()) {
        return refuse("Distinct key cannot be an encrypted string field if the collation is non-simple");
      }
    } else if (contains_encrypted(nodes)) {
      return refuse("Distinct key is not allowed to be a prefix of an encrypted field");
    }
    return {};
  }

  Status validator(const Element& f, AnalysisContext& ctx, Bytes& out) {
    auto parts = elements(f.value);
    const bool json_schema_only = parts.size() == 1 && parts[0].key == "$jsonSchema";
    if (!json_schema_only) {
      AnalysisContext probe = ctx.over(ctx.schema);
      Bytes ignored;
      OPENFLE_RETURN_IF_ERROR(analyze_filter(f.value, probe, ignored));
      if (probe.marked) return refuse("Comparison to encrypted fields not supported in collection validator.");
    }
    Writer(out).append_raw(f.raw);
    return {};
  }

  Result<MarkedCommand> explain(const std::vector<Element>& fields) {
    const Element& inner = fields.front();
    if (inner.type != BsonType::kDocument) return refuse("explain command requires a nested object");
    auto inner_fields = elements(inner.value);
    // As libmongocrypt: the explained command must name a collection.
    if (inner_fields.empty() || inner_fields.front().type != BsonType::kString) {
      return refuse("non-collection command not supported for auto encryption: explain");
    }
    for (std::string_view k : {"jsonSchema", "isRemoteSchema"}) {
      if (find_field(inner.value, k)) {
        return refuse("In an explain command the " + std::string(k) +
                      " field must be top-level and not inside the command being explained.");
      }
    }
    const std::string inner_name(inner_fields.front().key);
    if (inner_name == "explain") return refuse("Explain cannot explain itself.");
    if (bypassed(inner_name) || !analysed(inner_name)) return refuse("Explain failed due to unknown command: " + inner_name);
    if (auto inner_db = find_field(inner.value, "$db"); inner_db && inner_db->type == BsonType::kString) {
      if (text_of(*inner_db) != db_) {
        return refuse("Mismatched $db in explain command. Expected " + std::string(db_) + " but got " +
                      std::string(text_of(*inner_db)));
      }
    }
    CommandAnalyzer sub(db_, schemas_);
    OPENFLE_ASSIGN_OR_RETURN(auto analysed_inner, sub.analyze_whole(inner.value));
    Bytes out;
    Writer w(out);
    auto mark = w.begin_document();
    std::optional<Element> db_field;
    for (const auto& f : fields) {
      if (&f == &fields.front()) {
        w.append(BsonType::kDocument, f.key, analysed_inner.result.bytes());
      } else if (f.key == "$db") {
        db_field = f;
      } else {
        w.append_raw(f.raw);
      }
    }
    if (db_field) w.append_raw(db_field->raw);
    w.end_document(mark);
    analysed_inner.result = DocumentAccess::adopt(std::move(out));
    return analysed_inner;
  }

 public:
  Result<MarkedCommand> analyze_whole(ByteView command) {
    whole_ = command;
    return analyze(command);
  }

 private:
  std::string_view db_;
  const SchemaLookup& schemas_;
  std::string collection_;
  ByteView whole_;
};

}  // namespace

Result<MarkedCommand> analyze_command(std::string_view db, const Document& command, const SchemaLookup& schemas) {
  CommandAnalyzer analyzer(db, schemas);
  return analyzer.analyze_whole(command.bytes());
}

Result<MarkedCommand> mark_document(const SchemaNode& schema, ByteView document) {
  OPENFLE_RETURN_IF_ERROR(check_insert_document(schema, document));
  MarkingOptions options;
  options.pointer_root = document;
  options.schema = &schema;
  Bytes out;
  FieldPath root;
  MarkedCommand result;
  result.schema_requires_encryption = schema.contains_encrypted();
  OPENFLE_RETURN_IF_ERROR(mark_document_into(schema, document, root, options, out, result.has_encryption_placeholders));
  result.result = DocumentAccess::adopt(std::move(out));
  return result;
}

}  // namespace openfle::analysis
