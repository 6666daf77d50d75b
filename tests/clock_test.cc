// clock_test.cc — RFC 3339 formatting and parsing (base/clock): known
// values, the fast path against the printf path at its edges, round trips.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>

#include "base/clock.h"

using accessd::FormatRfc3339;
using accessd::ParseRfc3339;

TEST_CASE("RFC 3339: known instants format exactly") {
  struct Case {
    int64_t ms;
    const char* text;
  } cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {1, "1970-01-01T00:00:00.001Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {951782400000, "2000-02-29T00:00:00.000Z"},
      {1795858205123, "2026-11-28T09:30:05.123Z"},
      {253402300799999, "9999-12-31T23:59:59.999Z"},
      {-62167219200000, "0000-01-01T00:00:00.000Z"},
      {253402300800000, "10000-01-01T00:00:00.000Z"},  // beyond four digits: printf path
  };
  for (const auto& c : cases) {
    CAPTURE(c.ms);
    CHECK(FormatRfc3339(c.ms) == c.text);
  }
}

TEST_CASE("RFC 3339: format and parse round-trip over random instants") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(-62167219200000, 253402300799999);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = any(rng);
    const std::string text = FormatRfc3339(ms);
    CAPTURE(ms);
    CAPTURE(text);
    REQUIRE(text.size() == 24);
    auto back = ParseRfc3339(text);
    REQUIRE(back.has_value());
    CHECK(*back == ms);
  }
}
