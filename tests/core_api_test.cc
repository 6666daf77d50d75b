// core_api_test.cc — sessions, workspaces and tokens over HTTP against a real
// server (tests/api_harness.h).
#include <doctest/doctest.h>

#include "api_harness.h"

using accessd::testing::Caller;
using accessd::testing::TestServer;

TEST_CASE("healthz and readyz answer without credentials") {
  TestServer s;
  CHECK(s.Call(Caller{}, "GET", "/healthz").status == 200);
  CHECK(s.Call(Caller{}, "GET", "/readyz").status == 200);
}

TEST_CASE("a workspace SAT reads its workspace with Bearer and Basic") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto r = s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace");
  CHECK(r.status == 200);
  CHECK(r.body["workspace"]["id"] == ws);
  Caller basic = TestServer::Bearer(sat.secret);
  basic.basic = true;
  CHECK(s.Call(basic, "GET", "/v2/workspace").status == 200);
}
