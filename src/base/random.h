// random.h — cryptographically secure randomness (OpenSSL's CSPRNG) and the
// base62 alphabet used by token secrets and object ids.
//
// Never use <random> engines for anything a client sees: ids and secrets
// come from here. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace accessd {

// 0-9A-Za-z, in that order (the digit order of SPEC §2's base62 checksum).
inline constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// n characters drawn uniformly from kBase62 (rejection sampling: no modulo bias).
std::string RandomBase62(size_t n);

// An object id: prefix + "_" + 20 base62 characters (about 119 bits), e.g.
// "ws_3kT9...". Unguessable, so an id alone never grants anything.
std::string NewId(const char* prefix);

// Fills buf with n random bytes. Aborts the process if the CSPRNG fails:
// continuing with weak randomness would be worse than stopping.
void RandomBytes(unsigned char* buf, size_t n);

}  // namespace accessd
