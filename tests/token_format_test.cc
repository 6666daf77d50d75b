// token_format_test.cc — the token wire format (SPEC §2), table-driven.
#include <doctest/doctest.h>

#include <regex>
#include <set>
#include <string>

#include "auth/token_format.h"

using namespace accessd::auth;

namespace {

// An independent implementation of the checksum for cross-checking: zlib's
// CRC32 computed bit by bit, then base62 (0-9A-Za-z), 6 digits.
std::string ReferenceChecksum(const std::string& s) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  uint64_t v = crc ^ 0xffffffffu;
  const char* digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out(6, '0');
  for (int i = 5; i >= 0; --i) {
    out[i] = digits[v % 62];
    v /= 62;
  }
  return out;
}

}  // namespace

TEST_CASE("generated tokens match the pinned regex and checksum") {
  const std::regex re("acd_(sato|satw|pat)_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}");
  std::set<std::string> key_ids;
  for (TokenKind kind : {TokenKind::kOrgSat, TokenKind::kWorkspaceSat, TokenKind::kPat}) {
    for (int i = 0; i < 200; ++i) {
      NewToken t = GenerateToken(kind);
      REQUIRE(std::regex_match(t.full, re));
      CHECK(t.full.rfind(std::string("acd_") + TokenKindPrefix(kind) + "_", 0) == 0);
      std::string body = t.full.substr(0, t.full.size() - 6);
      CHECK(t.full.substr(t.full.size() - 6) == ReferenceChecksum(body));
      auto parsed = ParseToken(t.full);
      REQUIRE(parsed);
      CHECK(parsed->kind == kind);
      CHECK(parsed->key_id == t.parts.key_id);
      CHECK(parsed->secret == t.parts.secret);
      CHECK(key_ids.insert(t.parts.key_id).second);  // random, unique
    }
  }
}

TEST_CASE("checksum matches known values") {
  // CRC32("") = 0; CRC32("123456789") = 0xCBF43926 (the standard check value).
  CHECK(Checksum("") == "000000");
  CHECK(Checksum("123456789") == "3jZRME");
  CHECK(ReferenceChecksum("123456789") == "3jZRME");  // 0xCBF43926 in base62
}

TEST_CASE("malformed tokens are refused by shape and checksum alone") {
  NewToken good = GenerateToken(TokenKind::kWorkspaceSat);
  std::string flipped_secret = good.full;
  flipped_secret[30] = flipped_secret[30] == 'a' ? 'b' : 'a';
  std::string flipped_check = good.full;
  flipped_check.back() = flipped_check.back() == '0' ? '1' : '0';
  struct Case {
    std::string token;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"acd_", "prefix only"},
      {"acd_satx_" + good.parts.key_id + "_" + good.parts.secret + "000000", "unknown kind"},
      {good.full.substr(0, good.full.size() - 1), "one character short"},
      {good.full + "0", "one character long"},
      {flipped_secret, "a changed secret character breaks the checksum"},
      {flipped_check, "a changed checksum character"},
      {"ACD_" + good.full.substr(4), "prefix is case-sensitive"},
      {"acd_satw_" + good.parts.key_id + "-" + good.parts.secret + good.full.substr(good.full.size() - 6),
       "wrong separator"},
      {"acd_satw_" + good.parts.key_id.substr(0, 11) + "!_" + good.parts.secret + "000000",
       "non-base62 character"},
      {std::string("acd_pat_") + std::string(12, 'a') + "_" + std::string(38, 'a'), "bad checksum"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.why);
    CHECK_FALSE(ParseToken(c.token));
  }
  CHECK(ParseToken(good.full));
}

TEST_CASE("token classification separates acd_ tokens, legacy tokens and junk") {
  struct Case {
    std::string token;
    TokenClass want;
  } cases[] = {
      {"acd_pat_whatever", TokenClass::kAccessd},
      {"2QHVKQJeojt6Ae9e4iiOhycHrdG", TokenClass::kLegacy},  // from legacy-export.md
      {std::string(20, 'x'), TokenClass::kLegacy},
      {std::string(128, 'x'), TokenClass::kLegacy},
      {std::string(19, 'x'), TokenClass::kMalformed},
      {std::string(129, 'x'), TokenClass::kMalformed},
      {"has a space in it here", TokenClass::kMalformed},
      {std::string("tab\there-is-twenty-chars"), TokenClass::kMalformed},
      {"", TokenClass::kMalformed},
  };
  for (const auto& c : cases) {
    CAPTURE(c.token);
    CHECK(ClassifyToken(c.token) == c.want);
  }
}
