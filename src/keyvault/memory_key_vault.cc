// The in-memory key vault: for tests and for tools that hold keys only for one run.
#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include "keyvault/vault_checks.h"
#include "openfle/key_vault.h"

namespace openfle {
namespace {

class MemoryKeyVault final : public KeyVault {
 public:
  std::string description() const override { return "memory:"; }

  Result<std::vector<KeyDocument>> find(const KeyFilter& filter) override {
    std::lock_guard lock(mu_);
    std::vector<KeyDocument> out;
    for (const auto& [id, key] : keys_) {
      if (filter.matches(key.to_document())) out.push_back(key);
    }
    return out;
  }

  Status insert(std::span<const KeyDocument> keys) override {
    std::lock_guard lock(mu_);
    if (auto ok = keyvault::check_batch(keys); !ok) return ok;
    for (const auto& key : keys) {
      if (keys_.count(key.id) != 0) return keyvault::duplicate_id(key.id);
      for (const auto& name : key.key_alt_names) {
        if (auto owner = owner_of(name)) return keyvault::duplicate_alt_name(name, *owner);
      }
    }
    for (const auto& key : keys) keys_.emplace(key.id, key);
    return {};
  }

  Status upsert(std::span<const KeyDocument> keys) override {
    std::lock_guard lock(mu_);
    if (auto ok = keyvault::check_batch(keys); !ok) return ok;
    for (const auto& key : keys) {
      for (const auto& name : key.key_alt_names) {
        auto owner = owner_of(name);
        if (owner && *owner != key.id && !replaced(keys, *owner, name)) {
          return keyvault::duplicate_alt_name(name, *owner);
        }
      }
    }
    for (const auto& key : keys) keys_.insert_or_assign(key.id, key);
    return {};
  }

  Result<bool> remove(const Uuid& id) override {
    std::lock_guard lock(mu_);
    return keys_.erase(id) > 0;
  }

  Result<std::optional<KeyDocument>> add_key_alt_name(const Uuid& id, std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::optional<KeyDocument>();
    if (auto owner = owner_of(name); owner && *owner != id) return keyvault::duplicate_alt_name(name, *owner);
    KeyDocument before = it->second;
    if (!it->second.has_alt_name(name)) it->second.key_alt_names.emplace_back(name);
    return std::optional<KeyDocument>(std::move(before));
  }

  Result<std::optional<KeyDocument>> remove_key_alt_name(const Uuid& id, std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::optional<KeyDocument>();
    KeyDocument before = it->second;
    auto& names = it->second.key_alt_names;
    names.erase(std::remove(names.begin(), names.end(), name), names.end());
    return std::optional<KeyDocument>(std::move(before));
  }

  Result<WrappingUpdateResult> update_wrappings(std::span<const WrappingUpdate> updates) override {
    std::lock_guard lock(mu_);
    WrappingUpdateResult result;
    for (const auto& u : updates) {
      auto it = keys_.find(u.id);
      const bool found = it != keys_.end();
      if (found && it->second.key_material == u.key_material && it->second.master_key == u.master_key) {
        ++result.already_current;
      } else if (!found || it->second.key_material != u.expected_key_material) {
        result.conflicts.push_back(u.id);
      }
    }
    if (!result.conflicts.empty()) return keyvault::conflict_error(result.conflicts);
    for (const auto& u : updates) {
      auto& key = keys_.at(u.id);
      if (key.key_material == u.key_material && key.master_key == u.master_key) continue;
      key.master_key = u.master_key;
      key.key_material = u.key_material;
      key.update_date_ms = u.update_date_ms;
      ++result.updated;
    }
    return result;
  }

  bool atomic_batches() const noexcept override { return true; }

 private:
  std::optional<Uuid> owner_of(std::string_view name) const {
    for (const auto& [id, key] : keys_) {
      if (key.has_alt_name(name)) return id;
    }
    return std::nullopt;
  }

  // True when `owner`, which holds `name` now, is itself replaced by a version of the batch that
  // no longer has the name.
  static bool replaced(std::span<const KeyDocument> batch, const Uuid& owner, std::string_view name) {
    for (const auto& key : batch) {
      if (key.id == owner) return !key.has_alt_name(name);
    }
    return false;
  }

  std::mutex mu_;
  std::map<Uuid, KeyDocument> keys_;
};

}  // namespace

std::shared_ptr<KeyVault> make_memory_key_vault() { return std::make_shared<MemoryKeyVault>(); }

}  // namespace openfle
