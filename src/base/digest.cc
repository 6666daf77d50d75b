// digest.cc — thin wrappers over OpenSSL's one-shot SHA256 and CRYPTO_memcmp.
#include "base/digest.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace accessd {

std::string Sha256Raw(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

std::string Sha256Hex(std::string_view data) {
  static const char kHex[] = "0123456789abcdef";
  std::string raw = Sha256Raw(data), out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace accessd
