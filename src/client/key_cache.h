// KeyCache: unwrapped data keys by id and by alt name, each kept for a fixed time after it was
// fetched (MongoDB's keyExpirationMS; 0 = forever).
//
// Readers take a shared lock once per key per operation (a document decryption looks a key up
// once, not once per field), so threads decrypting in parallel do not serialize on it.
#ifndef OPENFLE_CLIENT_KEY_CACHE_H_
#define OPENFLE_CLIENT_KEY_CACHE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "client/data_key.h"

namespace openfle::client {

class KeyCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit KeyCache(std::chrono::milliseconds ttl, Clock clock = &std::chrono::steady_clock::now);

  [[nodiscard]] std::shared_ptr<const DataKey> find(const Uuid& id) const;
  [[nodiscard]] std::shared_ptr<const DataKey> find_by_alt_name(std::string_view name) const;
  void insert(std::shared_ptr<const DataKey> key);
  void erase(const Uuid& id);
  void clear();

 private:
  struct Entry {
    std::shared_ptr<const DataKey> key;
    std::chrono::steady_clock::time_point expires;
  };
  [[nodiscard]] bool live(const Entry& e) const;
  void erase_locked(const Uuid& id);

  std::chrono::milliseconds ttl_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  std::unordered_map<Uuid, Entry> by_id_;
  std::unordered_map<std::string, Uuid> by_name_;
};

}  // namespace openfle::client

#endif  // OPENFLE_CLIENT_KEY_CACHE_H_
