// token_format.h — the wire format of accessd tokens (SPEC §2):
//
//   acd_<kind>_<keyid>_<secret><check>
//   kind   sato | satw | pat
//   keyid  12 base62 characters: the public handle (the token's id)
//   secret 32 base62 characters from the CSPRNG
//   check  6 base62 characters: zlib's CRC32 of everything before it
//
// The checksum lets secret scanners find leaked tokens and lets the server
// refuse a mistyped or forged token before any database work or hashing.
// The checksum is not a secret and proves nothing about authenticity.
//
// Legacy tokens (SPEC §7) are opaque strings of 20-128 printable ASCII
// characters; ClassifyToken tells them apart. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace accessd::auth {

enum class TokenKind { kOrgSat, kWorkspaceSat, kPat };

// "sato" / "satw" / "pat" (the wire prefix).
const char* TokenKindPrefix(TokenKind k);
// "organization_sat" / "workspace_sat" / "pat" (the API name).
const char* TokenKindName(TokenKind k);

inline constexpr size_t kKeyIdLength = 12;
inline constexpr size_t kSecretLength = 32;
inline constexpr size_t kCheckLength = 6;

struct ParsedToken {
  TokenKind kind;
  std::string key_id;
  std::string secret;  // the 32 secret characters (without the checksum)
};

// A freshly generated token: the full string (shown once) and its parts.
struct NewToken {
  std::string full;
  ParsedToken parts;
};

// Generates a token with a random key id and secret.
NewToken GenerateToken(TokenKind kind);

// base62 of zlib's CRC32 of `data`, left-padded with '0' to 6 characters.
std::string Checksum(std::string_view data);

// Parses a presented token in the acd_ format. nullopt when the shape,
// alphabet, kind or checksum is wrong — no database lookup is ever needed
// to reject those.
std::optional<ParsedToken> ParseToken(std::string_view token);

enum class TokenClass { kMalformed, kAccessd, kLegacy };
// kAccessd: starts with "acd_" (then ParseToken decides); kLegacy: 20-128
// printable ASCII characters without spaces and no acd_ prefix.
TokenClass ClassifyToken(std::string_view token);

}  // namespace accessd::auth
