// An allocator that wipes memory (OPENSSL_cleanse) before giving it back.
//
// For standard containers that briefly hold secrets we do not control the layout of, such as the
// strings and nodes of a parsed JSON reply carrying a data key or a bearer token. SecretBytes
// remains the type for secrets we hold on to; this only makes sure that copies a library makes
// for us do not outlive their use in freed heap memory.
#ifndef OPENFLE_COMMON_WIPING_ALLOCATOR_H_
#define OPENFLE_COMMON_WIPING_ALLOCATOR_H_

#include <openssl/crypto.h>

#include <cstddef>
#include <memory>
#include <string>

namespace openfle {

template <class T>
struct WipingAllocator {
  using value_type = T;

  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}  // NOLINT: converting by design

  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    if (p != nullptr) OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }

  template <class U>
  bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

// A string whose heap buffer is wiped when it is freed or regrown. Short strings live inside the
// object (small-string optimisation), so put the object itself in wiped memory too when it matters.
using WipingString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

}  // namespace openfle

#endif  // OPENFLE_COMMON_WIPING_ALLOCATOR_H_
