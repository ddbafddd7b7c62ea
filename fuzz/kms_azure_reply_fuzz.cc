// libFuzzer target: arbitrary bytes as an Azure reply (status and body) into every Azure parser:
// identity platform token, IMDS token, wrapkey and unwrapkey.
#include <cstddef>
#include <cstdint>

#include "fuzz/kms_reply_input.h"
#include "kms/azure/azure_imds.h"
#include "kms/azure/azure_kms_request.h"
#include "kms/http_kms_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  const net::HttpResponse response = fuzz::reply_from_fuzz_input(data, size);
  for (auto* parse :
       {&kms::azure::parse_azure_token_response, &kms::azure::parse_azure_imds_token_response}) {
    auto token = parse(response);
    fuzz::check_result(token);
    // A token we accept must be safe to put into an Authorization header.
    if (token && !kms::check_bearer_token("token", token->token)) __builtin_trap();
  }
  fuzz::check_result(kms::azure::parse_azure_wrap_response(response));
  fuzz::check_result(kms::azure::parse_azure_unwrap_response(response));
  return 0;
}
