// auth_bench_test.cc — in-process timing of the token check on a cached
// token, for `make bench` (scripts/bench.py runs it with --no-skip). Skipped
// in `make test`: a timing is not a test; the figure it prints is compared
// against the 100 µs budget by the benchmark, not asserted here.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "api_harness.h"
#include "auth/secret_hash.h"
#include "service/auth_service.h"

using namespace accessd;

TEST_CASE("bench: cached token check" * doctest::skip()) {
  testing::TestServer server;
  auto admin = server.Admin();
  const std::string ws = server.CreateWorkspace(admin, "Bench");
  const auto sat = server.CreateSat(admin, "workspace", ws);
  const std::string header = "Bearer " + sat.secret;
  REQUIRE(server.app().auth().AuthenticateHeader(header).ok());  // first use: one Argon2id

  const uint64_t hashes_before = auth::Argon2Count();
  std::vector<double> per_call_us;
  for (int round = 0; round < 21; ++round) {
    const int kCalls = 20000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
      auto p = server.app().auth().AuthenticateHeader(header);
      if (!p.ok()) FAIL("a cached token was refused");
    }
    const auto t1 = std::chrono::steady_clock::now();
    per_call_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / kCalls);
  }
  CHECK(auth::Argon2Count() == hashes_before);  // cached: no hash at all
  std::sort(per_call_us.begin(), per_call_us.end());
  std::printf("BENCH cached_token_check_us %.3f\n", per_call_us[per_call_us.size() / 2]);
}
