// Field paths ("a.b.c", as MongoDB queries name fields) and JSON Pointers ("/a/b", RFC 6901, as
// CSFLE schemas name the field that holds a keyAltName).
#ifndef OPENFLE_ANALYSIS_PATH_H_
#define OPENFLE_ANALYSIS_PATH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bson/raw.h"
#include "openfle/status.h"

namespace openfle::analysis {

// A dotted path split into its components. Building one never fails; empty components are kept
// (MongoDB rejects them where it matters, and so do the callers).
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(std::string_view dotted);

  [[nodiscard]] const std::vector<std::string>& parts() const noexcept { return parts_; }
  [[nodiscard]] std::size_t size() const noexcept { return parts_.size(); }
  [[nodiscard]] bool empty() const noexcept { return parts_.empty(); }
  [[nodiscard]] std::string dotted() const;

  void push(std::string_view part) { parts_.emplace_back(part); }
  void pop() { parts_.pop_back(); }
  // This path followed by `more` ("a" + "b.c" = "a.b.c").
  [[nodiscard]] FieldPath join(const FieldPath& more) const;
  // True when this path is `other` or begins with it.
  [[nodiscard]] bool starts_with(const FieldPath& other) const;

  friend bool operator==(const FieldPath&, const FieldPath&) = default;

 private:
  std::vector<std::string> parts_;
};

// An RFC 6901 JSON Pointer. Parsing fails on text that does not start with '/' or has a bad '~'
// escape.
class JsonPointer {
 public:
  static Result<JsonPointer> parse(std::string_view text);
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] const std::vector<std::string>& tokens() const noexcept { return tokens_; }

  // The element the pointer names in `doc`: documents are entered by field name and arrays by
  // index; nullopt when there is none.
  [[nodiscard]] std::optional<bson::Element> resolve(ByteView doc) const;

  friend bool operator==(const JsonPointer& a, const JsonPointer& b) { return a.text_ == b.text_; }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
};

// The element named `key` among the top-level fields of `doc`, or nullopt.
std::optional<bson::Element> find_field(ByteView doc, std::string_view key) noexcept;

}  // namespace openfle::analysis

#endif  // OPENFLE_ANALYSIS_PATH_H_
