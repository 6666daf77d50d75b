// secret_hash_test.cc — Argon2id round trip at the production parameters,
// and the concurrency bound.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/secret_hash.h"

using namespace accessd::auth;

TEST_CASE("Argon2id round trip with the production parameters") {
  Argon2Params p;  // defaults: m=19 MiB, t=2, p=1
  ConfigureArgon2(p);
  std::string phc = HashSecret("correct horse battery staple");
  CHECK(phc.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(phc.find("correct horse") == std::string::npos);
  CHECK(VerifySecret("correct horse battery staple", phc));
  CHECK_FALSE(VerifySecret("correct horse battery stapl", phc));
  CHECK_FALSE(VerifySecret("", phc));
  // Fresh salt: the same secret hashes differently.
  CHECK(HashSecret("correct horse battery staple") != phc);
}

TEST_CASE("hashes made with other parameters still verify") {
  Argon2Params small;
  small.memory_kib = 256;
  small.iterations = 1;
  ConfigureArgon2(small);
  std::string phc = HashSecret("s3cret-value");
  ConfigureArgon2(Argon2Params{});
  CHECK(phc.find("m=256,t=1") != std::string::npos);
  CHECK(VerifySecret("s3cret-value", phc));
}

TEST_CASE("malformed PHC strings are refused without crashing") {
  for (const char* bad : {"", "plain", "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                          "$argon2id$v=19$m=8,t=1,p=1$$", "$argon2id$garbage"}) {
    CAPTURE(bad);
    CHECK_FALSE(VerifySecret("x", bad));
  }
}

TEST_CASE("the number of concurrent Argon2 computations is bounded") {
  Argon2Params p;
  p.memory_kib = 1024;
  p.iterations = 1;
  p.max_concurrent = 2;
  ConfigureArgon2(p);
  const uint64_t before = Argon2Count();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (VerifySecret("pw", HashSecret("pw"))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(Argon2Count() - before == 16);
  CHECK(Argon2RunningPeak() <= 2);
  ConfigureArgon2(Argon2Params{});
}
