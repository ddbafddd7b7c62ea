// Checks and error messages every key vault implementation shares, so that all of them refuse the
// same inputs with the same words.
#ifndef OPENFLE_KEYVAULT_VAULT_CHECKS_H_
#define OPENFLE_KEYVAULT_VAULT_CHECKS_H_

#include <span>
#include <string_view>
#include <vector>

#include "openfle/key_vault.h"

namespace openfle::keyvault {

// Within one batch: no _id and no keyAltName twice.
Status check_batch(std::span<const KeyDocument> keys);

tl::unexpected<Error> duplicate_id(const Uuid& id);
tl::unexpected<Error> duplicate_alt_name(std::string_view name, const Uuid& owner);
tl::unexpected<Error> conflict_error(const std::vector<Uuid>& conflicts);

}  // namespace openfle::keyvault

#endif  // OPENFLE_KEYVAULT_VAULT_CHECKS_H_
