// log.h — one-line structured logs to stderr.
//
// Log lines never carry secrets: callers pass paths without query strings
// and never pass headers or bodies. Thread-safe (one write(2) per line).
#pragma once

#include <string>

namespace accessd {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
// Parses "debug" | "info" | "warn" | "error".
bool ParseLogLevel(const std::string& s, LogLevel* out);
void Log(LogLevel level, const std::string& msg);

inline void LogDebug(const std::string& msg) { Log(LogLevel::kDebug, msg); }
inline void LogInfo(const std::string& msg) { Log(LogLevel::kInfo, msg); }
inline void LogWarn(const std::string& msg) { Log(LogLevel::kWarn, msg); }
inline void LogError(const std::string& msg) { Log(LogLevel::kError, msg); }
bool LogEnabled(LogLevel level);

}  // namespace accessd
