// clock.h — wall-clock time in milliseconds since the Unix epoch, and its
// RFC 3339 rendering (UTC, milliseconds: "2026-11-28T07:14:50.123Z").
//
// Code that needs "now" takes a Clock& so tests can use FakeClock instead of
// sleeping. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace accessd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override;
};

// A clock that only moves when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  void AdvanceMs(int64_t ms) { now_ += ms; }
  void SetMs(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-28T07:14:50.123Z"
std::string FormatRfc3339(int64_t ms);
// Accepts RFC 3339 date-times with any offset ("Z", "+02:00") and optional
// fractional seconds; returns milliseconds since the epoch, or nullopt.
std::optional<int64_t> ParseRfc3339(const std::string& s);

}  // namespace accessd
