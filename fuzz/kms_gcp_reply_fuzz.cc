// libFuzzer target: arbitrary bytes as a GCP reply (status and body) into every GCP parser:
// OAuth token, Cloud KMS encrypt and decrypt.
#include <cstddef>
#include <cstdint>

#include "fuzz/kms_reply_input.h"
#include "kms/gcp/gcp_kms_request.h"
#include "kms/gcp/gcp_oauth.h"
#include "kms/http_kms_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  const net::HttpResponse response = fuzz::reply_from_fuzz_input(data, size);
  auto token = kms::gcp::parse_gcp_token_response(response);
  fuzz::check_result(token);
  if (token && !kms::check_bearer_token("token", token->token)) __builtin_trap();
  fuzz::check_result(kms::gcp::parse_gcp_encrypt_response(response));
  fuzz::check_result(kms::gcp::parse_gcp_decrypt_response(response));
  return 0;
}
