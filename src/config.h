// config.h — every option of accessd, with its default, and where it came
// from: flags > environment (ACCESSD_LISTEN, ACCESSD_DB) > config file >
// defaults (SPEC §8). config.toml at the top of the repository documents each
// key. This is the only file that includes toml++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace accessd {

struct Config {
  // [server]
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  int threads = 64;                      // worker threads; each keep-alive connection holds one
  int64_t max_body_bytes = 1 << 20;      // larger request bodies answer 413
  int keep_alive_max_count = 100000;     // requests per keep-alive connection
  int read_timeout_seconds = 10;
  bool access_log = true;                // one line per request (never headers or query strings)

  // [database]
  std::string db_path = "./data/accessd.db";

  // [security]
  uint32_t argon2_memory_kib = 19456;    // 19 MiB
  uint32_t argon2_iterations = 2;
  uint32_t argon2_max_concurrent = 2;    // Argon2 computations at once (memory bound)
  int session_idle_minutes = 720;        // sessions expire after this much idleness
  bool cookie_secure = false;            // set the Secure cookie flag (behind TLS)
  int revoke_per_minute = 30;            // POST /v2/tokens/revoke requests per client IP

  // [audit]
  int prune_interval_seconds = 3600;     // how often retention pruning runs

  // [log]
  std::string log_level = "info";
};

// Parses HOST:PORT ("127.0.0.1:8080", "[::1]:8080", ":8080").
bool ParseListen(const std::string& s, std::string* host, int* port);

// Reads `path` into *config (keys absent from the file keep their current
// values). Errors name the file, the line and the key:
//   "config.toml:12: server.threads: expected an integer"
// A missing file is an error only when `required`.
Status LoadConfigFile(const std::string& path, bool required, Config* config);

// Applies ACCESSD_LISTEN and ACCESSD_DB when set.
Status ApplyEnvironment(Config* config);

}  // namespace accessd
