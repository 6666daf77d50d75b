// token_format.cc — generation and parsing of acd_ tokens.
#include "auth/token_format.h"

#include <zlib.h>

#include "base/random.h"

namespace accessd::auth {

namespace {

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool AllBase62(std::string_view s) {
  for (char c : s) {
    if (!IsBase62(c)) return false;
  }
  return true;
}

}  // namespace

const char* TokenKindPrefix(TokenKind k) {
  switch (k) {
    case TokenKind::kOrgSat: return "sato";
    case TokenKind::kWorkspaceSat: return "satw";
    case TokenKind::kPat: return "pat";
  }
  return "";
}

const char* TokenKindName(TokenKind k) {
  switch (k) {
    case TokenKind::kOrgSat: return "organization_sat";
    case TokenKind::kWorkspaceSat: return "workspace_sat";
    case TokenKind::kPat: return "pat";
  }
  return "";
}

std::string Checksum(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  uint64_t v = crc & 0xffffffffu;
  std::string out(kCheckLength, '0');
  for (size_t i = kCheckLength; i-- > 0 && v > 0;) {
    out[i] = kBase62[v % 62];
    v /= 62;
  }
  return out;
}

NewToken GenerateToken(TokenKind kind) {
  NewToken t;
  t.parts.kind = kind;
  t.parts.key_id = RandomBase62(kKeyIdLength);
  t.parts.secret = RandomBase62(kSecretLength);
  std::string body = std::string("acd_") + TokenKindPrefix(kind) + "_" + t.parts.key_id + "_" +
                     t.parts.secret;
  t.full = body + Checksum(body);
  return t;
}

std::optional<ParsedToken> ParseToken(std::string_view token) {
  if (token.size() < 4 || token.substr(0, 4) != "acd_") return std::nullopt;
  std::string_view rest = token.substr(4);
  size_t us = rest.find('_');
  if (us == std::string_view::npos) return std::nullopt;
  std::string_view kind_s = rest.substr(0, us);
  ParsedToken p;
  if (kind_s == "sato") {
    p.kind = TokenKind::kOrgSat;
  } else if (kind_s == "satw") {
    p.kind = TokenKind::kWorkspaceSat;
  } else if (kind_s == "pat") {
    p.kind = TokenKind::kPat;
  } else {
    return std::nullopt;
  }
  rest = rest.substr(us + 1);
  if (rest.size() != kKeyIdLength + 1 + kSecretLength + kCheckLength) return std::nullopt;
  std::string_view key_id = rest.substr(0, kKeyIdLength);
  if (rest[kKeyIdLength] != '_') return std::nullopt;
  std::string_view secret = rest.substr(kKeyIdLength + 1, kSecretLength);
  std::string_view check = rest.substr(kKeyIdLength + 1 + kSecretLength);
  if (!AllBase62(key_id) || !AllBase62(secret) || !AllBase62(check)) return std::nullopt;
  std::string_view body = token.substr(0, token.size() - kCheckLength);
  if (Checksum(body) != check) return std::nullopt;
  p.key_id = std::string(key_id);
  p.secret = std::string(secret);
  return p;
}

TokenClass ClassifyToken(std::string_view token) {
  if (token.size() >= 4 && token.substr(0, 4) == "acd_") return TokenClass::kAccessd;
  if (token.size() < 20 || token.size() > 128) return TokenClass::kMalformed;
  for (char c : token) {
    if (c <= 0x20 || c >= 0x7f) return TokenClass::kMalformed;
  }
  return TokenClass::kLegacy;
}

}  // namespace accessd::auth
