// A child process for tests (an emulator, a KMIP server): started with its stdout on a pipe, read
// until it announces "LISTENING <port> ...", stopped with SIGTERM (then SIGKILL) when destroyed.
#ifndef OPENFLE_TESTS_SUPPORT_SUBPROCESS_H_
#define OPENFLE_TESTS_SUPPORT_SUBPROCESS_H_

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace openfle::testing {

class Subprocess {
 public:
  Subprocess() = default;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  Subprocess(Subprocess&& o) noexcept : pid_(o.pid_), out_(o.out_), line_(std::move(o.line_)) {
    o.pid_ = -1;
    o.out_ = -1;
  }
  ~Subprocess() { stop(); }

  // Starts `argv` and waits (up to `timeout`) for a stdout line starting with "LISTENING"; returns
  // false (with the reason in `error`) if the process exits or stays silent.
  bool start(const std::vector<std::string>& argv, std::string& error,
             std::chrono::seconds timeout = std::chrono::seconds(60)) {
    int fds[2];
    if (::pipe(fds) != 0) {
      error = "pipe failed";
      return false;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      // If the test process dies (a crash, a killed run), take the server down with it rather
      // than leave it holding ctest's output pipe open.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string buffer;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 200) > 0) {
        char c = 0;
        if (::read(out_, &c, 1) != 1) break;
        if (c == '\n') {
          if (buffer.rfind("LISTENING", 0) == 0) {
            line_ = buffer;
            return true;
          }
          buffer.clear();
        } else {
          buffer.push_back(c);
        }
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error = argv[0] + " exited before listening (status " + std::to_string(status) + ")";
        return false;
      }
    }
    error = argv[0] + " did not print LISTENING in time";
    return false;
  }

  // The fields of the LISTENING line: [1] is the port.
  [[nodiscard]] std::vector<std::string> fields() const {
    std::istringstream in(line_);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  }
  [[nodiscard]] int port() const {
    auto f = fields();
    return f.size() > 1 ? std::stoi(f[1]) : 0;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 150; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    if (out_ >= 0) {
      ::close(out_);
      out_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string line_;
};

}  // namespace openfle::testing

#endif  // OPENFLE_TESTS_SUPPORT_SUBPROCESS_H_
