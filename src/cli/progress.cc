#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace openfle::cli {
namespace {

std::string seconds_text(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%.0fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string what, bool quiet)
    : what_(std::move(what)), quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::size_t done, std::size_t total) {
  if (quiet_) return;
  std::lock_guard lock(mu_);
  draw(done, total, done == total);
}

void Progress::draw(std::size_t done, std::size_t total, bool force) {
  auto now = std::chrono::steady_clock::now();
  // At most 10 redraws a second on a terminal; a line every 5 s elsewhere.
  auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (!force && drawn_ && now - last_draw_ < interval) return;
  // Off a terminal, work that finishes within the interval leaves no progress lines at all.
  if (!drawn_ && !tty_ && now - start_ < interval) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::string eta = rate > 0 && total > done ? seconds_text(static_cast<double>(total - done) / rate) : "-";
  char line[256];
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    std::snprintf(line, sizeof(line), "\r%s [%s] %zu/%zu  %.0f/s  ETA %s ", what_.c_str(), bar.c_str(), done, total,
                  rate, eta.c_str());
  } else {
    std::snprintf(line, sizeof(line), "%s: %zu/%zu (%.0f/s, ETA %s)\n", what_.c_str(), done, total, rate, eta.c_str());
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  std::lock_guard lock(mu_);
  if (tty_ && drawn_ && !quiet_) std::fputs("\n", stderr);
}

}  // namespace openfle::cli
