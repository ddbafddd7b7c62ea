// An unwrapped data key, ready to encrypt and decrypt: its id, its alt names and the FLE1 key
// state derived from its 96 bytes (the bytes themselves are not kept).
#ifndef OPENFLE_CLIENT_DATA_KEY_H_
#define OPENFLE_CLIENT_DATA_KEY_H_

#include <string>
#include <vector>

#include "crypto/fle1_aead.h"
#include "openfle/uuid.h"

namespace openfle::client {

struct DataKey {
  Uuid id;
  std::vector<std::string> alt_names;
  crypto::Fle1Key cipher;
};

}  // namespace openfle::client

#endif  // OPENFLE_CLIENT_DATA_KEY_H_
