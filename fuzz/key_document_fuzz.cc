// Fuzzes key-document parsing (strict, as libmongocrypt's) from BSON bytes, and the round trip of
// whatever parses: emitting and re-parsing must give the same key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "openfle/key_document.h"
#include "openfle/key_vault.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  auto doc = Document::from_bytes(ByteView(data, size));
  if (!doc) return 0;
  if (auto key = KeyDocument::from_document(*doc)) {
    auto again = KeyDocument::from_document(key->to_document());
    if (!again || !(*again == *key)) std::abort();  // emission must round-trip
  }
  (void)MasterKey::from_document(*doc);
  if (auto filter = KeyFilter::from_document(*doc)) (void)filter->matches(*doc);
  return 0;
}
