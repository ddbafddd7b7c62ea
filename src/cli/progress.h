// Progress of long work on stderr: a bar with done/total, rate and ETA on a terminal, plain lines
// every few seconds otherwise (logs, CI), nothing with quiet. update() may be called from any thread.
#ifndef OPENFLE_CLI_PROGRESS_H_
#define OPENFLE_CLI_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace openfle::cli {

class Progress {
 public:
  Progress(std::string what, bool quiet);
  void update(std::size_t done, std::size_t total);
  // Ends the bar's line, if one was drawn.
  void finish();

 private:
  void draw(std::size_t done, std::size_t total, bool force);

  std::string what_;
  bool quiet_;
  bool tty_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace openfle::cli

#endif  // OPENFLE_CLI_PROGRESS_H_
