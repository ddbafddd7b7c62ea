// libFuzzer target: arbitrary bytes as the body of a KMS error reply into http_kms_error, which
// parses the four providers' error shapes and quotes untrusted text into a message.
#include <cstddef>
#include <cstdint>

#include "fuzz/kms_reply_input.h"
#include "kms/http_kms_error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace openfle;
  net::HttpResponse response = fuzz::reply_from_fuzz_input(data, size);
  if (kms::is_http_success(response.status)) response.status = 400;
  const Result<int> as_result = fail(kms::http_kms_error("KMS", response));
  fuzz::check_result(as_result);
  return 0;
}
