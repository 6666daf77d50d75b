// random.cc — OpenSSL RAND_bytes behind a tiny interface.
#include "base/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace accessd {

void RandomBytes(unsigned char* buf, size_t n) {
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) {
    std::fprintf(stderr, "accessd: the system CSPRNG failed; refusing to continue\n");
    std::abort();
  }
}

std::string RandomBase62(size_t n) {
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    RandomBytes(buf, sizeof buf);
    for (unsigned char b : buf) {
      // 248 = 4 * 62: values at or above it would bias the low digits.
      if (b >= 248) continue;
      out.push_back(kBase62[b % 62]);
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string NewId(const char* prefix) { return std::string(prefix) + "_" + RandomBase62(20); }

}  // namespace accessd
