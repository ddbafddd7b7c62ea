// KeyFilter: a small MongoDB query matcher, enough for the filters users give key operations
// (rewrap by provider, by _id, by keyAltNames, by dates).
#include <cstring>
#include <string>
#include <vector>

#include "bson/access.h"
#include "bson/raw.h"
#include "common/try.h"
#include "openfle/key_vault.h"

namespace openfle {
namespace {

using bson::Element;
using bson::ElementReader;

std::vector<Element> elements_of(ByteView doc) {
  std::vector<Element> out;
  ElementReader r(doc);
  while (auto e = r.next()) out.push_back(*e);
  return out;
}

bool is_number(BsonType t) {
  return t == BsonType::kInt32 || t == BsonType::kInt64 || t == BsonType::kDouble;
}

std::int64_t as_i64(BsonType t, ByteView v) {
  if (t == BsonType::kInt32) return bson::read_i32(v.data());
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u |= static_cast<std::uint64_t>(v[i]) << (8 * i);
  return static_cast<std::int64_t>(u);
}

double as_double(BsonType t, ByteView v) {
  if (t == BsonType::kDouble) {
    double d = 0;
    std::memcpy(&d, v.data(), 8);
    return d;
  }
  return static_cast<double>(as_i64(t, v));
}

// <0, 0, >0, or nullopt when the two are not comparable (different kinds of type).
std::optional<int> compare(BsonType at, ByteView a, BsonType bt, ByteView b) {
  if (is_number(at) && is_number(bt)) {
    if (at != BsonType::kDouble && bt != BsonType::kDouble) {
      auto x = as_i64(at, a);
      auto y = as_i64(bt, b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = as_double(at, a);
    double y = as_double(bt, b);
    if (x != x || y != y) return std::nullopt;  // NaN
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (at != bt) return std::nullopt;
  if (at == BsonType::kDateTime) {
    auto x = as_i64(at, a);
    auto y = as_i64(bt, b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (at == BsonType::kString) {
    std::string_view x(reinterpret_cast<const char*>(a.data()) + 4, a.size() - 5);
    std::string_view y(reinterpret_cast<const char*>(b.data()) + 4, b.size() - 5);
    return x.compare(y) < 0 ? -1 : (x == y ? 0 : 1);
  }
  if (a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0) return 0;
  return std::nullopt;  // only equality is defined for other types here
}

// The values at `path` in `doc`: the value itself and, if it is an array, each element too.
std::vector<Element> values_at(ByteView doc, std::string_view path) {
  std::vector<Element> out;
  auto dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  ElementReader r(doc);
  while (auto e = r.next()) {
    if (e->key != head) continue;
    if (dot == std::string_view::npos) {
      out.push_back(*e);
      if (e->type == BsonType::kArray) {
        ElementReader items(e->value);
        while (auto item = items.next()) out.push_back(*item);
      }
    } else if (e->type == BsonType::kDocument) {
      return values_at(e->value, path.substr(dot + 1));
    } else if (e->type == BsonType::kArray) {
      ElementReader items(e->value);
      while (auto item = items.next()) {
        if (item->type == BsonType::kDocument) {
          auto more = values_at(item->value, path.substr(dot + 1));
          out.insert(out.end(), more.begin(), more.end());
        }
      }
    }
    break;
  }
  return out;
}

bool any_compares(const std::vector<Element>& values, const Element& target,
                  bool (*accept)(int)) {
  for (const auto& v : values) {
    auto c = compare(v.type, v.value, target.type, target.value);
    if (c && accept(*c)) return true;
  }
  return false;
}

bool equals_any(const std::vector<Element>& values, const Element& target) {
  return any_compares(values, target, [](int c) { return c == 0; });
}

bool in_list(const std::vector<Element>& values, const Element& list) {
  ElementReader r(list.value);
  while (auto candidate = r.next()) {
    if (equals_any(values, *candidate)) return true;
  }
  return false;
}

bool is_operator_document(const Element& e) {
  if (e.type != BsonType::kDocument) return false;
  ElementReader r(e.value);
  auto first = r.next();
  return first && !first->key.empty() && first->key[0] == '$';
}

bool truthy(const Element& e) {
  switch (e.type) {
    case BsonType::kBool: return e.value[0] != 0;
    case BsonType::kInt32:
    case BsonType::kInt64:
    case BsonType::kDouble: return as_double(e.type, e.value) != 0;
    case BsonType::kNull:
    case BsonType::kUndefined: return false;
    default: return true;
  }
}

bool match_document(ByteView filter, ByteView doc);

bool match_field(ByteView doc, std::string_view path, const Element& condition) {
  auto values = values_at(doc, path);
  if (!is_operator_document(condition)) return equals_any(values, condition);
  for (const auto& op : elements_of(condition.value)) {
    bool ok = false;
    if (op.key == "$eq") {
      ok = equals_any(values, op);
    } else if (op.key == "$ne") {
      ok = !equals_any(values, op);
    } else if (op.key == "$in") {
      ok = in_list(values, op);
    } else if (op.key == "$nin") {
      ok = !in_list(values, op);
    } else if (op.key == "$exists") {
      ok = values.empty() != truthy(op);
    } else if (op.key == "$gt") {
      ok = any_compares(values, op, [](int c) { return c > 0; });
    } else if (op.key == "$gte") {
      ok = any_compares(values, op, [](int c) { return c >= 0; });
    } else if (op.key == "$lt") {
      ok = any_compares(values, op, [](int c) { return c < 0; });
    } else if (op.key == "$lte") {
      ok = any_compares(values, op, [](int c) { return c <= 0; });
    }
    if (!ok) return false;
  }
  return true;
}

bool match_document(ByteView filter, ByteView doc) {
  for (const auto& e : elements_of(filter)) {
    if (e.key == "$and" || e.key == "$or" || e.key == "$nor") {
      bool any = false;
      bool all = true;
      for (const auto& clause : elements_of(e.value)) {
        bool m = match_document(clause.value, doc);
        any = any || m;
        all = all && m;
      }
      bool ok = e.key == "$and" ? all : (e.key == "$or" ? any : !any);
      if (!ok) return false;
    } else if (!match_field(doc, e.key, e)) {
      return false;
    }
  }
  return true;
}

Status validate(ByteView filter, const std::string& where) {
  for (const auto& e : elements_of(filter)) {
    if (e.key == "$and" || e.key == "$or" || e.key == "$nor") {
      if (e.type != BsonType::kArray) {
        return fail(ErrorCode::kInvalidArgument, where + std::string(e.key) + " must be an array of filters");
      }
      auto clauses = elements_of(e.value);
      if (clauses.empty()) {
        return fail(ErrorCode::kInvalidArgument, where + std::string(e.key) + " must not be empty");
      }
      for (const auto& clause : clauses) {
        if (clause.type != BsonType::kDocument) {
          return fail(ErrorCode::kInvalidArgument, where + std::string(e.key) + " must contain documents");
        }
        OPENFLE_RETURN_IF_ERROR(validate(clause.value, where));
      }
      continue;
    }
    if (!e.key.empty() && e.key[0] == '$') {
      return fail(ErrorCode::kInvalidArgument,
                  where + "unsupported top-level operator " + std::string(e.key) +
                      " (supported: $and, $or, $nor)");
    }
    if (!is_operator_document(e)) continue;
    for (const auto& op : elements_of(e.value)) {
      static constexpr std::string_view kOps[] = {"$eq", "$ne", "$in", "$nin", "$exists",
                                                  "$gt", "$gte", "$lt", "$lte"};
      bool known = false;
      for (auto k : kOps) known = known || op.key == k;
      if (!known) {
        return fail(ErrorCode::kInvalidArgument,
                    where + "unsupported operator " + std::string(op.key) + " on field '" +
                        std::string(e.key) + "' (supported: $eq $ne $in $nin $exists $gt $gte $lt $lte)");
      }
      if ((op.key == "$in" || op.key == "$nin") && op.type != BsonType::kArray) {
        return fail(ErrorCode::kInvalidArgument, where + std::string(op.key) + " on field '" +
                                                     std::string(e.key) + "' needs an array");
      }
    }
  }
  return {};
}

Value uuid_value(const Uuid& id) { return Value::binary(4, id.bytes()); }

Document array_of(const std::vector<Value>& values) {
  Document::Builder b;
  for (std::size_t i = 0; i < values.size(); ++i) b.append(std::to_string(i), values[i]);
  return b.build();
}

Value as_array(const Document& d) {
  return ValueAccess::make(BsonType::kArray, Bytes(d.bytes().begin(), d.bytes().end()));
}

}  // namespace

KeyFilter KeyFilter::all() { return KeyFilter(Document()); }

KeyFilter KeyFilter::by_id(const Uuid& id) {
  KeyFilter f(Document::Builder().append("_id", uuid_value(id)).build());
  f.lookup_.emplace(std::vector<Uuid>{id}, std::vector<std::string>{});
  return f;
}

KeyFilter KeyFilter::by_alt_names(std::vector<std::string> names) {
  return by_ids_or_alt_names({}, std::move(names));
}

KeyFilter KeyFilter::by_ids_or_alt_names(std::vector<Uuid> ids, std::vector<std::string> names) {
  std::vector<Value> id_values;
  for (const auto& id : ids) id_values.push_back(uuid_value(id));
  std::vector<Value> name_values;
  for (const auto& n : names) name_values.push_back(Value::string(n));
  auto in = [](const std::vector<Value>& values) {
    return Document::Builder().append("$in", as_array(array_of(values))).build();
  };
  Document clauses = Document::Builder()
                         .append("0", Document::Builder().append("_id", in(id_values)).build())
                         .append("1", Document::Builder().append("keyAltNames", in(name_values)).build())
                         .build();
  KeyFilter f(Document::Builder().append("$or", as_array(clauses)).build());
  f.lookup_.emplace(std::move(ids), std::move(names));
  return f;
}

Result<KeyFilter> KeyFilter::from_document(const Document& query) {
  OPENFLE_RETURN_IF_ERROR(validate(query.bytes(), "key filter: "));
  return KeyFilter(query);
}

Result<KeyFilter> KeyFilter::from_json(std::string_view json) {
  auto doc = Document::from_json(json);
  if (!doc) return fail(doc.error().with_context("key filter"));
  return from_document(*doc);
}

bool KeyFilter::matches(const Document& key_document) const {
  return match_document(query_.bytes(), key_document.bytes());
}

}  // namespace openfle
