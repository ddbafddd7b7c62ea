// What automatic encryption needs from ClientEncryption beyond its public API: turning the
// placeholders query analysis leaves in a command into ciphertexts, with the client's keys and
// key cache.
#ifndef OPENFLE_CLIENT_INTERNALS_H_
#define OPENFLE_CLIENT_INTERNALS_H_

#include "openfle/client_encryption.h"

namespace openfle {

struct ClientEncryptionInternals {
  // `doc` with every FLE1 placeholder replaced by its ciphertext; the keys are fetched (all at
  // once) and unwrapped as needed. Errors name the field and the key.
  static Result<Document> encrypt_placeholders(ClientEncryption& client, ByteView doc);
};

}  // namespace openfle

#endif  // OPENFLE_CLIENT_INTERNALS_H_
