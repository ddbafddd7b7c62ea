#include "keyvault/vault_checks.h"

#include <set>
#include <string>

namespace openfle::keyvault {

Status check_batch(std::span<const KeyDocument> keys) {
  std::set<Uuid> ids;
  std::set<std::string_view> names;
  for (const auto& key : keys) {
    if (!ids.insert(key.id).second) {
      return fail(ErrorCode::kAlreadyExists,
                  "key _id " + key.id.to_string() + " appears twice in the input");
    }
    for (const auto& name : key.key_alt_names) {
      if (!names.insert(name).second) {
        return fail(ErrorCode::kAlreadyExists,
                    "keyAltName '" + name + "' appears on two keys in the input");
      }
    }
  }
  return {};
}

tl::unexpected<Error> duplicate_id(const Uuid& id) {
  return fail(ErrorCode::kAlreadyExists, "a key with _id " + id.to_string() + " already exists");
}

tl::unexpected<Error> duplicate_alt_name(std::string_view name, const Uuid& owner) {
  return fail(ErrorCode::kAlreadyExists, "keyAltName '" + std::string(name) +
                                             "' already exists (on key " + owner.to_string() + ")");
}

tl::unexpected<Error> conflict_error(const std::vector<Uuid>& conflicts) {
  std::string ids;
  for (std::size_t i = 0; i < conflicts.size() && i < 5; ++i) {
    if (i > 0) ids += ", ";
    ids += conflicts[i].to_string();
  }
  if (conflicts.size() > 5) ids += ", ...";
  return fail(ErrorCode::kFailedPrecondition,
              std::to_string(conflicts.size()) +
                  " key(s) changed or were deleted while being rewrapped (" + ids +
                  "); nothing was written, run the command again");
}

}  // namespace openfle::keyvault
