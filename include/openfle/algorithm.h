// The two FLE1 (CSFLE) encryption algorithms.
//
// Deterministic: equal plaintexts under one key give equal ciphertexts, so the field can be queried
// by equality; it reveals which values repeat. Random: every encryption differs; the field cannot
// be queried. Prefer random unless you need equality queries.
#ifndef OPENFLE_ALGORITHM_H_
#define OPENFLE_ALGORITHM_H_

#include <optional>
#include <string_view>

namespace openfle {

enum class Algorithm {
  kDeterministic = 1,  // blob subtype 1
  kRandom = 2,         // blob subtype 2
};

// MongoDB's names: "AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic" and "...-Random".
std::string_view algorithm_name(Algorithm algorithm) noexcept;
// Accepts MongoDB's names and the short forms "deterministic" and "random" (case-insensitive).
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;

}  // namespace openfle

#endif  // OPENFLE_ALGORITHM_H_
