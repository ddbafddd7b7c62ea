// libFuzzer target: arbitrary bytes as kmsProviders.gcp.privateKey (PEM, DER or base64 DER) into
// GcpServiceAccountKey::parse; a key that parses must also sign.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/kms_reply_input.h"
#include "kms/gcp/gcp_service_account_key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  auto key = kms::gcp::GcpServiceAccountKey::parse(
      SecretBytes::copy_of(std::span<const std::uint8_t>(data, size)));
  fuzz::check_result(key);
  if (key && !key->sign_rs256("header.claims")) __builtin_trap();
  return 0;
}
