// Uuid: a data key's _id, 16 bytes in RFC 4122 order (BSON Binary subtype 4).
#ifndef OPENFLE_UUID_H_
#define OPENFLE_UUID_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "openfle/status.h"

namespace openfle {

class Uuid {
 public:
  Uuid() = default;
  explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  // A random version-4 UUID, exactly as libmongocrypt makes key ids.
  static Uuid random_v4();
  // Parses "8-4-4-4-12" hex (case-insensitive). The error names the text that was given.
  static Result<Uuid> parse(std::string_view text);
  // From exactly 16 raw bytes.
  static Result<Uuid> from_bytes(std::span<const std::uint8_t> bytes);

  // Lower-case "8-4-4-4-12".
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

  friend auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace openfle

template <>
struct std::hash<openfle::Uuid> {
  std::size_t operator()(const openfle::Uuid& id) const noexcept {
    std::size_t h = 1469598103934665603ULL;
    for (std::uint8_t b : id.bytes()) h = (h ^ b) * 1099511628211ULL;
    return h;
  }
};

#endif  // OPENFLE_UUID_H_
