// Test certificates, generated once per test process by tests/tools/make_test_certs.sh (see it for
// the list of files) into a temporary directory that is removed at exit.
//
//   const std::string* dir = openfle::testing::test_cert_dir();
//   if (dir == nullptr) GTEST_SKIP() << openfle::testing::test_cert_skip_reason();
//   std::string ca = *dir + "/ca.pem";
#ifndef OPENFLE_TESTS_SUPPORT_TEST_CERTS_H_
#define OPENFLE_TESTS_SUPPORT_TEST_CERTS_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace openfle::testing {

namespace detail {
struct CertDir {
  std::string path;
  std::string error;
  CertDir() {
    const std::filesystem::path script =
        std::filesystem::path(__FILE__).parent_path().parent_path() / "tools" /
        "make_test_certs.sh";
    std::error_code ec;
    if (!std::filesystem::exists(script, ec)) {
      error = "test certificate script not found at " + script.string();
      return;
    }
    std::string templ = (std::filesystem::temp_directory_path() / "openfle-certs-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      error = "mkdtemp failed";
      return;
    }
    const std::string command = "sh '" + script.string() + "' '" + templ + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
      error = "'" + command + "' failed (is the openssl command installed?)";
      std::filesystem::remove_all(templ, ec);
      return;
    }
    path = templ;
  }
  ~CertDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

inline CertDir& cert_dir() {
  static CertDir dir;
  return dir;
}
}  // namespace detail

// The directory holding the generated files, or nullptr if they could not be made.
inline const std::string* test_cert_dir() {
  auto& d = detail::cert_dir();
  return d.path.empty() ? nullptr : &d.path;
}

inline const std::string& test_cert_skip_reason() { return detail::cert_dir().error; }

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_TEST_CERTS_H_
