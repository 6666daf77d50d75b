// log.cc — timestamped lines on stderr, written with one write(2) each so
// lines from concurrent threads never interleave.
#include "base/log.h"

#include <unistd.h>

#include <atomic>

#include "base/clock.h"

namespace accessd {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
const char* kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool ParseLogLevel(const std::string& s, LogLevel* out) {
  for (int i = 0; i < 4; ++i) {
    if (s == kNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, const std::string& msg) {
  if (!LogEnabled(level)) return;
  std::string line = FormatRfc3339(SystemClock().NowMs());
  line += " ";
  line += kNames[static_cast<int>(level)];
  line += " ";
  line += msg;
  line += "\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace accessd
