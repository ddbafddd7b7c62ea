#include "client/key_cache.h"

#include <mutex>

namespace openfle::client {

KeyCache::KeyCache(std::chrono::milliseconds ttl, Clock clock) : ttl_(ttl), clock_(std::move(clock)) {}

bool KeyCache::live(const Entry& e) const { return ttl_.count() == 0 || clock_() < e.expires; }

std::shared_ptr<const DataKey> KeyCache::find(const Uuid& id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end() || !live(it->second)) return nullptr;
  return it->second.key;
}

std::shared_ptr<const DataKey> KeyCache::find_by_alt_name(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto name_it = by_name_.find(std::string(name));
  if (name_it == by_name_.end()) return nullptr;
  auto it = by_id_.find(name_it->second);
  if (it == by_id_.end() || !live(it->second)) return nullptr;
  return it->second.key;
}

void KeyCache::insert(std::shared_ptr<const DataKey> key) {
  std::unique_lock lock(mu_);
  // Drop expired entries so the cache does not grow with keys no longer used.
  for (auto it = by_id_.begin(); it != by_id_.end();) {
    if (!live(it->second)) {
      for (const auto& name : it->second.key->alt_names) by_name_.erase(name);
      it = by_id_.erase(it);
    } else {
      ++it;
    }
  }
  erase_locked(key->id);
  for (const auto& name : key->alt_names) by_name_.insert_or_assign(name, key->id);
  Uuid id = key->id;
  by_id_.insert_or_assign(id, Entry{std::move(key), clock_() + ttl_});
}

void KeyCache::erase(const Uuid& id) {
  std::unique_lock lock(mu_);
  erase_locked(id);
}

void KeyCache::erase_locked(const Uuid& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  for (const auto& name : it->second.key->alt_names) {
    auto n = by_name_.find(name);
    if (n != by_name_.end() && n->second == id) by_name_.erase(n);
  }
  by_id_.erase(it);
}

void KeyCache::clear() {
  std::unique_lock lock(mu_);
  by_id_.clear();
  by_name_.clear();
}

}  // namespace openfle::client
