#include "analysis/path.h"

namespace openfle::analysis {

FieldPath::FieldPath(std::string_view dotted) {
  while (true) {
    auto dot = dotted.find('.');
    parts_.emplace_back(dotted.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
}

std::string FieldPath::dotted() const {
  std::string out;
  for (const auto& p : parts_) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

FieldPath FieldPath::join(const FieldPath& more) const {
  FieldPath out = *this;
  out.parts_.insert(out.parts_.end(), more.parts_.begin(), more.parts_.end());
  return out;
}

bool FieldPath::starts_with(const FieldPath& other) const {
  if (other.parts_.size() > parts_.size()) return false;
  for (std::size_t i = 0; i < other.parts_.size(); ++i) {
    if (parts_[i] != other.parts_[i]) return false;
  }
  return true;
}

Result<JsonPointer> JsonPointer::parse(std::string_view text) {
  JsonPointer p;
  p.text_ = std::string(text);
  if (text.empty() || text[0] != '/') {
    return fail(ErrorCode::kInvalidArgument, "JSON Pointer '" + std::string(text) + "' must start with '/'");
  }
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      p.tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] == '~') {
      if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
        token += text[i + 1] == '0' ? '~' : '/';
        ++i;
        continue;
      }
      return fail(ErrorCode::kInvalidArgument,
                  "JSON Pointer '" + std::string(text) + "' has a '~' not followed by 0 or 1");
    }
    token += text[i];
  }
  return p;
}

std::optional<bson::Element> find_field(ByteView doc, std::string_view key) noexcept {
  bson::ElementReader r(doc);
  while (auto e = r.next()) {
    if (e->key == key) return e;
  }
  return std::nullopt;
}

std::optional<bson::Element> JsonPointer::resolve(ByteView doc) const {
  std::optional<bson::Element> at;
  ByteView container = doc;
  for (const auto& token : tokens_) {
    at = find_field(container, token);
    if (!at) return std::nullopt;
    if (&token != &tokens_.back()) {
      if (at->type != BsonType::kDocument && at->type != BsonType::kArray) return std::nullopt;
      container = at->value;
    }
  }
  return at;
}

}  // namespace openfle::analysis
