// digest.h — SHA-256 and constant-time comparison (OpenSSL).
//
// SHA-256 is used only for high-entropy values (session ids, CSRF tokens,
// invitation tokens, the in-memory fingerprint of an already verified token,
// the lookup index of legacy tokens). Low-entropy secrets — passwords — and
// token secrets at rest use Argon2id (auth/secret_hash.h). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace accessd {

// Lowercase hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte SHA-256(data).
std::string Sha256Raw(std::string_view data);
// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace accessd
