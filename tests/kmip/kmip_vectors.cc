// kmip_vectors: a command-line window onto src/kms/kmip for the Python tests that talk to a real
// KMIP server (test_raw_kmip.py). It builds requests and parses replies; it does no I/O besides
// stdin/stdout. Byte strings are hex on the command line, on stdin and on stdout.
//
//   kmip_vectors register <secret-hex>            -> request hex (RegisterFormat::kCurrent)
//   kmip_vectors register-1.7 <secret-hex>        -> request hex (kLibmongocrypt17)
//   kmip_vectors activate|get <uid>               -> request hex
//   kmip_vectors create                           -> request hex
//   kmip_vectors encrypt <uid> <plaintext-hex>    -> request hex
//   kmip_vectors decrypt <uid> <data-hex> <iv-hex> -> request hex
//   kmip_vectors length <first-8-bytes-hex>       -> total message length, or "invalid"
//   kmip_vectors parse-register|parse-create      (reply hex on stdin) -> "uid <uid>"
//   kmip_vectors parse-activate <uid>             (reply hex on stdin) -> "ok"
//   kmip_vectors parse-get                        (reply hex on stdin) -> "secret <hex>"
//   kmip_vectors parse-encrypt                    (reply hex on stdin) -> "data <hex> iv <hex>"
//   kmip_vectors parse-decrypt                    (reply hex on stdin) -> "plaintext <hex>"
// A failed parse prints "error <code>: <message>" and exits 1; bad usage exits 2.
// Printing secrets in hex is what this test tool is for; the library never does.
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/encoding.h"
#include "kms/kmip/messages.h"
#include "kms/kmip/ttlv.h"

namespace {

using openfle::Bytes;
using openfle::Error;
using openfle::SecretBytes;
namespace kmip = openfle::kms::kmip;

int usage() {
  std::cerr
      << "usage: kmip_vectors register|register-1.7|activate|get|create|encrypt|decrypt|length|"
         "parse-register|parse-create|parse-activate|parse-get|parse-encrypt|"
         "parse-decrypt [args] (see the source)\n";
  return 2;
}

int print_error(const Error& e) {
  std::cout << "error " << openfle::error_code_name(e.code()) << ": " << e.message() << "\n";
  return 1;
}

std::optional<Bytes> hex_arg(std::string_view text) {
  auto bytes = openfle::hex_decode(text);
  if (!bytes) std::cerr << "not hex: " << text << "\n";
  return bytes;
}

std::optional<Bytes> hex_stdin() {
  std::string text;
  std::string line;
  while (std::getline(std::cin, line)) text += line;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return hex_arg(text);
}

template <class T>
int print_request(const openfle::Result<T>& request) {
  if (!request) return print_error(request.error());
  if constexpr (std::is_same_v<T, SecretBytes>) {
    std::cout << openfle::hex_encode(request->expose()) << "\n";
  } else {
    std::cout << openfle::hex_encode(*request) << "\n";
  }
  return 0;
}

int run(const std::vector<std::string_view>& args) {
  if (args.empty()) return usage();
  std::string_view cmd = args[0];
  auto argc = args.size();

  if ((cmd == "register" || cmd == "register-1.7") && argc == 2) {
    auto secret = hex_arg(args[1]);
    if (!secret) return 2;
    auto format =
        cmd == "register" ? kmip::RegisterFormat::kCurrent : kmip::RegisterFormat::kLibmongocrypt17;
    return print_request(kmip::build_register_request(SecretBytes::copy_of(*secret), format));
  }
  if (cmd == "activate" && argc == 2) return print_request(kmip::build_activate_request(args[1]));
  if (cmd == "get" && argc == 2) return print_request(kmip::build_get_request(args[1]));
  if (cmd == "create" && argc == 1) {
    std::cout << openfle::hex_encode(kmip::build_create_request()) << "\n";
    return 0;
  }
  if (cmd == "encrypt" && argc == 3) {
    auto plaintext = hex_arg(args[2]);
    if (!plaintext) return 2;
    return print_request(kmip::build_encrypt_request(args[1], SecretBytes::copy_of(*plaintext)));
  }
  if (cmd == "decrypt" && argc == 4) {
    auto data = hex_arg(args[2]);
    auto iv = hex_arg(args[3]);
    if (!data || !iv) return 2;
    return print_request(kmip::build_decrypt_request(args[1], *data, *iv));
  }
  if (cmd == "length" && argc == 2) {
    auto header = hex_arg(args[1]);
    if (!header) return 2;
    auto length = kmip::kmip_message_length(*header);
    if (length) {
      std::cout << *length << "\n";
    } else {
      std::cout << "invalid\n";
    }
    return 0;
  }

  if (cmd.substr(0, 6) != "parse-") return usage();
  auto reply = hex_stdin();
  if (!reply) return 2;
  if ((cmd == "parse-register" || cmd == "parse-create") && argc == 1) {
    auto uid = cmd == "parse-register" ? kmip::parse_register_response(*reply)
                                       : kmip::parse_create_response(*reply);
    if (!uid) return print_error(uid.error());
    std::cout << "uid " << *uid << "\n";
    return 0;
  }
  if (cmd == "parse-activate" && argc == 2) {
    auto status = kmip::parse_activate_response(*reply, args[1]);
    if (!status) return print_error(status.error());
    std::cout << "ok\n";
    return 0;
  }
  if (cmd == "parse-get" && argc == 1) {
    auto secret = kmip::parse_get_response(*reply);
    if (!secret) return print_error(secret.error());
    std::cout << "secret " << openfle::hex_encode(secret->expose()) << "\n";
    return 0;
  }
  if (cmd == "parse-encrypt" && argc == 1) {
    auto result = kmip::parse_encrypt_response(*reply);
    if (!result) return print_error(result.error());
    std::cout << "data " << openfle::hex_encode(result->data) << " iv "
              << openfle::hex_encode(result->iv) << "\n";
    return 0;
  }
  if (cmd == "parse-decrypt" && argc == 1) {
    auto plaintext = kmip::parse_decrypt_response(*reply);
    if (!plaintext) return print_error(plaintext.error());
    std::cout << "plaintext " << openfle::hex_encode(plaintext->expose()) << "\n";
    return 0;
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return run(args);
}
