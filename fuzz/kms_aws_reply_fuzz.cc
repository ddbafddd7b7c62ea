// libFuzzer target: arbitrary bytes as an AWS KMS reply (status and body) into every AWS parser.
#include <cstddef>
#include <cstdint>

#include "fuzz/kms_reply_input.h"
#include "kms/aws/aws_kms_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  const net::HttpResponse response = fuzz::reply_from_fuzz_input(data, size);
  fuzz::check_result(kms::aws::parse_aws_encrypt_response(response));
  auto plaintext = kms::aws::parse_aws_decrypt_response(response);
  fuzz::check_result(plaintext);
  if (plaintext && plaintext->empty()) __builtin_trap();  // an empty data key is never success
  return 0;
}
