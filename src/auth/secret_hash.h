// secret_hash.h — Argon2id hashing of secrets at rest (passwords, token
// secrets), with a bound on how many hashes run at once.
//
// Each Argon2id computation at the default cost holds 19 MiB and ~46 ms of
// CPU; an unbounded burst of never-seen tokens would exhaust memory. Every
// hash and verify therefore takes a slot of a process-wide semaphore
// (Configure sets its size). This is the only file that includes argon2.h.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accessd::auth {

struct Argon2Params {
  uint32_t memory_kib = 19456;  // 19 MiB
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
  uint32_t max_concurrent = 2;  // hashes running at once, process-wide
};

// Sets the parameters for new hashes and the concurrency bound. Call once at
// startup, before serving.
void ConfigureArgon2(const Argon2Params& params);

// Returns a PHC string "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a
// fresh 16-byte salt.
std::string HashSecret(std::string_view secret);

// Constant-time verification against a PHC string produced by HashSecret (or
// imported). Returns false for a malformed hash. The parameters are read from
// the PHC string, so hashes made with older parameters still verify.
bool VerifySecret(std::string_view secret, const std::string& phc);

// A cheap gate before verifying: an Argon2id PHC prefix and a sane length.
// libargon2 parses the rest; the legacy importer checks an imported hash's
// full shape and cost itself (service/legacy_import.cc CheckPasswordHash).
bool IsArgon2idPhc(const std::string& phc);

// Number of Argon2 computations that ran in this process (tests and the
// benchmark use it to prove the cache works).
uint64_t Argon2Count();
// The most computations that ever ran at once in this process (tests).
uint32_t Argon2RunningPeak();

}  // namespace accessd::auth
