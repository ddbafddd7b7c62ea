// Small text helpers shared across subsystems.
#ifndef OPENFLE_COMMON_STRINGS_H_
#define OPENFLE_COMMON_STRINGS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace openfle {

// ASCII case-insensitive equality (HTTP header names, option names, algorithm names). Locale-free.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The text of an errno value, e.g. "No such file or directory". Thread-safe, unlike strerror.
inline std::string errno_message(int err) { return std::generic_category().message(err); }

}  // namespace openfle

#endif  // OPENFLE_COMMON_STRINGS_H_
