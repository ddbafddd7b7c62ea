#include "client/document_crypto.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "bson/raw.h"
#include "common/try.h"
#include "crypto/fle1_placeholder.h"
#include "crypto/fle1_value.h"

namespace openfle::client {
namespace {

// The chain of keys from the root to the element being processed; turned into "a.b.0" only when
// an error needs it.
struct PathNode {
  const PathNode* parent;
  std::string_view key;
};

std::string path_string(const PathNode* node) {
  std::vector<std::string_view> parts;
  for (; node != nullptr; node = node->parent) parts.push_back(node->key);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += *it;
  }
  return out;
}

tl::unexpected<Error> at_field(const PathNode* node, const Error& error) {
  return fail(error.with_context("field '" + path_string(node) + "'"));
}

bool is_fle1_ciphertext(const bson::Element& e) {
  return e.type == BsonType::kBinary && e.value.size() >= 6 && e.value[4] == 6 &&
         (e.value[5] == 1 || e.value[5] == 2);
}

bool is_placeholder(const bson::Element& e) {
  return e.type == BsonType::kBinary && e.value.size() >= 6 && e.value[4] == 6 &&
         e.value[5] == crypto::kPlaceholderBlobSubtype;
}

// The subtype-6 values a rewrite hands to its callback, parsed.
struct Ciphertexts {
  static bool matches(const bson::Element& e) { return is_fle1_ciphertext(e); }
  static Result<crypto::CiphertextView> parse(ByteView blob) { return crypto::parse_ciphertext(blob); }
};
struct Placeholders {
  static bool matches(const bson::Element& e) { return is_placeholder(e); }
  static Result<crypto::PlaceholderView> parse(ByteView blob) { return crypto::parse_placeholder(blob); }
};

// Copies `doc` to `out`, handing every subtype-6 value Kind matches to `on_blob(element, view,
// node)`, which appends the replacement element (header and value) itself. Shared by decryption,
// re-encryption and placeholder encryption; a template so the per-field call inlines.
template <class Kind, class OnBlob>
Status rewrite_blobs(ByteView doc, Bytes& out, const PathNode* parent, OnBlob& on_blob) {
  bson::Writer w(out);
  const std::size_t mark = w.begin_document();
  bson::ElementReader reader(doc);
  while (auto e = reader.next()) {
    PathNode node{parent, e->key};
    if (Kind::matches(*e)) {
      auto view = Kind::parse(e->value.subspan(5));
      if (!view) return at_field(&node, view.error());
      OPENFLE_RETURN_IF_ERROR(on_blob(*e, *view, &node));
    } else if (e->type == BsonType::kDocument || e->type == BsonType::kArray) {
      w.append_header(e->type, e->key);
      OPENFLE_RETURN_IF_ERROR(rewrite_blobs<Kind>(e->value, out, &node, on_blob));
    } else {
      w.append_raw(e->raw);
    }
  }
  if (reader.malformed()) {
    return fail(ErrorCode::kMalformedData,
                "malformed BSON" + (parent == nullptr ? std::string() : " in field '" + path_string(parent) + "'"));
  }
  w.end_document(mark);
  return {};
}

// The key for a ciphertext, or kNotFound with `missing` set.
Result<const DataKey*> key_for(OperationKeys& keys, const Uuid& id, std::optional<Uuid>& missing) {
  const DataKey* key = keys.get(id);
  if (key == nullptr) {
    missing = id;
    return fail(ErrorCode::kNotFound, "data key " + id.to_string() + " is not loaded");
  }
  return key;
}

void collect_placeholder_keys_into(ByteView doc, std::set<Uuid>& seen_ids, std::set<std::string>& seen_names,
                                   KeyRefs& refs) {
  bson::ElementReader reader(doc);
  while (auto next = reader.next()) {
    // Engaged (the loop condition); clang-tidy 16 loses track of it in these recursive walks.
    const bson::Element& e = *next;  // NOLINT(bugprone-unchecked-optional-access)
    if (is_placeholder(e)) {
      auto view = crypto::parse_placeholder(e.value.subspan(5));
      if (!view) continue;  // reported by the rewrite, with the field's path
      if (const auto* id = std::get_if<Uuid>(&view->key)) {
        if (seen_ids.insert(*id).second) refs.ids.push_back(*id);
      } else {
        std::string name(std::get<std::string_view>(view->key));
        if (seen_names.insert(name).second) refs.alt_names.push_back(std::move(name));
      }
    } else if (e.type == BsonType::kDocument || e.type == BsonType::kArray) {
      collect_placeholder_keys_into(e.value, seen_ids, seen_names, refs);
    }
  }
}

void collect_into(ByteView doc, std::set<Uuid>& seen, std::vector<Uuid>& ids) {
  bson::ElementReader reader(doc);
  while (auto next = reader.next()) {
    // Engaged (the loop condition); clang-tidy 16 loses track of it in these recursive walks.
    const bson::Element& e = *next;  // NOLINT(bugprone-unchecked-optional-access)
    if (is_fle1_ciphertext(e)) {
      auto view = crypto::parse_ciphertext(e.value.subspan(5));
      if (view && seen.insert(view->key_id).second) ids.push_back(view->key_id);
    } else if (e.type == BsonType::kDocument || e.type == BsonType::kArray) {
      collect_into(e.value, seen, ids);
    }
  }
}

struct PathSpec {
  std::size_t index;                     // into the caller's paths
  std::vector<std::string_view> parts;   // components
};

Status encrypt_into(ByteView doc, const std::vector<const PathSpec*>& specs, std::size_t depth,
                    const DataKey& key, Algorithm algorithm, crypto::AesCbcContext& aes, Bytes& out,
                    std::vector<bool>& found, const PathNode* parent) {
  bson::Writer w(out);
  const std::size_t mark = w.begin_document();
  bson::ElementReader reader(doc);
  std::vector<const PathSpec*> deeper;
  while (auto e = reader.next()) {
    PathNode node{parent, e->key};
    const PathSpec* ends_here = nullptr;
    deeper.clear();
    for (const PathSpec* spec : specs) {
      if (spec->parts[depth] != e->key) continue;
      if (spec->parts.size() == depth + 1) {
        found[spec->index] = true;
        ends_here = spec;
      } else {
        deeper.push_back(spec);
      }
    }
    if (ends_here != nullptr) {
      std::optional<std::uint8_t> subtype;
      if (e->type == BsonType::kBinary) subtype = e->value[4];
      if (auto ok = crypto::check_encryptable(e->type, subtype, algorithm); !ok) {
        return at_field(&node, ok.error());
      }
      w.append_header(BsonType::kBinary, e->key);
      Bytes blob;
      OPENFLE_RETURN_IF_ERROR(crypto::encrypt_value(aes, key.cipher, key.id, algorithm, e->type, e->value, blob));
      w.append_raw(bson::binary_value(6, blob));
    } else if (!deeper.empty() && e->type == BsonType::kDocument) {
      w.append_header(e->type, e->key);
      OPENFLE_RETURN_IF_ERROR(
          encrypt_into(e->value, deeper, depth + 1, key, algorithm, aes, out, found, &node));
    } else if (!deeper.empty() && e->type == BsonType::kArray) {
      return fail(ErrorCode::kInvalidArgument,
                  "field '" + path_string(&node) + "' is an array: a path into an array cannot be "
                  "encrypted; encrypt the whole array with the random algorithm instead");
    } else {
      w.append_raw(e->raw);
    }
  }
  if (reader.malformed()) return fail(ErrorCode::kMalformedData, "malformed BSON document");
  w.end_document(mark);
  return {};
}

}  // namespace

const DataKey* OperationKeys::get(const Uuid& id) {
  if (last_ < held_.size() && held_[last_]->id == id) return held_[last_].get();
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (held_[i]->id == id) {
      last_ = i;
      return held_[i].get();
    }
  }
  auto cached = cache_.find(id);
  if (!cached) return nullptr;
  held_.push_back(std::move(cached));
  last_ = held_.size() - 1;
  return held_.back().get();
}

const DataKey* OperationKeys::get_by_alt_name(std::string_view name) {
  for (const auto& key : held_) {
    if (std::find(key->alt_names.begin(), key->alt_names.end(), name) != key->alt_names.end()) return key.get();
  }
  auto cached = cache_.find_by_alt_name(name);
  if (!cached) return nullptr;
  held_.push_back(std::move(cached));
  return held_.back().get();
}

void OperationKeys::add(std::shared_ptr<const DataKey> key) { held_.push_back(std::move(key)); }

Status decrypt_document(ByteView doc, OperationKeys& keys, crypto::AesCbcContext& aes, Bytes& out,
                        std::optional<Uuid>& missing) {
  auto decrypt = [&](const bson::Element& e, const crypto::CiphertextView& view, const PathNode* node) -> Status {
    OPENFLE_ASSIGN_OR_RETURN(const DataKey* key, key_for(keys, view.key_id, missing));
    bson::Writer(out).append_header(view.original_type, e.key);
    if (auto ok = crypto::decrypt_value(aes, key->cipher, view, out); !ok) {
      return at_field(node, ok.error().with_context("cannot decrypt with data key " + view.key_id.to_string()));
    }
    return {};
  };
  return rewrite_blobs<Ciphertexts>(doc, out, nullptr, decrypt);
}

Status reencrypt_document(ByteView doc, const Uuid& from, const DataKey& to, OperationKeys& keys,
                          crypto::AesCbcContext& aes, Bytes& out, std::size_t& changed,
                          std::optional<Uuid>& missing) {
  Bytes plain;
  Bytes blob;
  auto reencrypt = [&](const bson::Element& e, const crypto::CiphertextView& view, const PathNode* node) -> Status {
    if (view.key_id != from) {
      bson::Writer(out).append_raw(e.raw);
      return {};
    }
    OPENFLE_ASSIGN_OR_RETURN(const DataKey* key, key_for(keys, view.key_id, missing));
    plain.clear();
    blob.clear();
    if (auto ok = crypto::decrypt_value(aes, key->cipher, view, plain); !ok) {
      return at_field(node, ok.error().with_context("cannot decrypt with data key " + from.to_string()));
    }
    // The value keeps its algorithm: deterministic values stay queryable under the new key.
    OPENFLE_RETURN_IF_ERROR(crypto::encrypt_value(aes, to.cipher, to.id, view.algorithm, view.original_type, plain, blob));
    bson::Writer(out).append(BsonType::kBinary, e.key, bson::binary_value(6, blob));
    ++changed;
    return {};
  };
  changed = 0;
  auto status = rewrite_blobs<Ciphertexts>(doc, out, nullptr, reencrypt);
  std::fill(plain.begin(), plain.end(), std::uint8_t{0});
  return status;
}

Status encrypt_placeholders(ByteView doc, OperationKeys& keys, crypto::AesCbcContext& aes, Bytes& out,
                            bool& missing) {
  Bytes blob;
  auto encrypt = [&](const bson::Element& e, const crypto::PlaceholderView& p, const PathNode* node) -> Status {
    const DataKey* key = nullptr;
    if (const auto* id = std::get_if<Uuid>(&p.key)) {
      key = keys.get(*id);
    } else {
      key = keys.get_by_alt_name(std::get<std::string_view>(p.key));
    }
    if (key == nullptr) {
      missing = true;
      return fail(ErrorCode::kNotFound, "a data key is not loaded");
    }
    std::optional<std::uint8_t> subtype;
    if (p.type == BsonType::kBinary) subtype = p.value[4];
    if (auto ok = crypto::check_encryptable(p.type, subtype, p.algorithm); !ok) return at_field(node, ok.error());
    blob.clear();
    OPENFLE_RETURN_IF_ERROR(crypto::encrypt_value(aes, key->cipher, key->id, p.algorithm, p.type, p.value, blob));
    bson::Writer(out).append(BsonType::kBinary, e.key, bson::binary_value(6, blob));
    return {};
  };
  missing = false;
  return rewrite_blobs<Placeholders>(doc, out, nullptr, encrypt);
}

KeyRefs collect_placeholder_keys(ByteView doc) {
  std::set<Uuid> ids;
  std::set<std::string> names;
  KeyRefs refs;
  collect_placeholder_keys_into(doc, ids, names, refs);
  return refs;
}

std::vector<Uuid> collect_key_ids(ByteView doc) {
  std::set<Uuid> seen;
  std::vector<Uuid> ids;
  collect_into(doc, seen, ids);
  return ids;
}

Status encrypt_paths(ByteView doc, std::span<const std::string> paths, const DataKey& key,
                     Algorithm algorithm, crypto::AesCbcContext& aes, Bytes& out,
                     std::vector<bool>& found) {
  std::vector<PathSpec> specs;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    PathSpec spec{i, {}};
    std::string_view rest = paths[i];
    while (true) {
      auto dot = rest.find('.');
      std::string_view part = rest.substr(0, dot);
      if (part.empty()) {
        return fail(ErrorCode::kInvalidArgument, "field path '" + paths[i] + "' has an empty component");
      }
      spec.parts.push_back(part);
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    specs.push_back(std::move(spec));
  }
  // A path that is a prefix of another would encrypt a value and then look inside the ciphertext.
  for (const auto& a : specs) {
    for (const auto& b : specs) {
      if (&a == &b || a.parts.size() > b.parts.size()) continue;
      if (std::equal(a.parts.begin(), a.parts.end(), b.parts.begin()) &&
          (a.parts.size() < b.parts.size() || a.index < b.index)) {
        if (a.parts.size() == b.parts.size()) continue;  // the same path twice is harmless
        return fail(ErrorCode::kInvalidArgument, "field paths '" + paths[a.index] + "' and '" +
                                                     paths[b.index] + "' overlap");
      }
    }
  }
  std::vector<const PathSpec*> pointers;
  pointers.reserve(specs.size());
  for (const auto& s : specs) pointers.push_back(&s);
  found.assign(paths.size(), false);
  return encrypt_into(doc, pointers, 0, key, algorithm, aes, out, found, nullptr);
}

}  // namespace openfle::client
