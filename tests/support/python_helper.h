// Runs a Python helper script from tests/tools/ with Debian's /usr/bin/python3, for tests that
// check our output against an independent implementation (botocore, PyJWT, cryptography).
//
//   auto r = openfle::testing::run_python_helper("botocore_sigv4.py", json_request);
//   if (r.exit_code == openfle::testing::kHelperMissingModule) GTEST_SKIP() << r.output;
#ifndef OPENFLE_TESTS_SUPPORT_PYTHON_HELPER_H_
#define OPENFLE_TESTS_SUPPORT_PYTHON_HELPER_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace openfle::testing {

// Exit status a helper uses when the Python module it needs is not installed.
inline constexpr int kHelperMissingModule = 3;
// Exit status reported when /usr/bin/python3 itself is absent.
inline constexpr int kNoPython = 127;

struct PythonHelperResult {
  int exit_code = -1;
  std::string output;  // stdout, with stderr appended after it
};

inline std::string python_helper_path(std::string_view script) {
  return std::string(OPENFLE_SOURCE_DIR) + "/tests/tools/" + std::string(script);
}

// Feeds `input` to the script's stdin (through a temporary file) and collects its output.
inline PythonHelperResult run_python_helper(std::string_view script, std::string_view input) {
  PythonHelperResult result;
  if (access("/usr/bin/python3", X_OK) != 0) {
    result.exit_code = kNoPython;
    result.output = "/usr/bin/python3 is not installed";
    return result;
  }
  char input_path[] = "/tmp/openfle-helper-in-XXXXXX";
  const int fd = mkstemp(input_path);
  if (fd < 0) {
    result.output = "cannot create a temporary file";
    return result;
  }
  close(fd);
  {
    std::ofstream out(input_path, std::ios::binary);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  const std::string command =
      "/usr/bin/python3 '" + python_helper_path(script) + "' < '" + input_path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    unlink(input_path);
    result.output = "popen failed";
    return result;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  unlink(input_path);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == '\r')) {
    result.output.pop_back();
  }
  return result;
}

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_PYTHON_HELPER_H_
