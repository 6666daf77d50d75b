// core_api_test.cc — the core of accessd over HTTP against a real server
// (tests/api_harness.h): sessions, workspaces, members, invitations, tokens,
// the access ladder of SPEC §3, bad input, secrets appearing once, tenant
// isolation and restart survival.
#include <doctest/doctest.h>

#include <set>

#include "api_harness.h"
#include "auth/secret_hash.h"
#include "store/audit_store.h"

using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;

namespace {

// Audit rows of the server's default organization, oldest first.
std::vector<accessd::model::AuditRow> AuditRows(TestServer& s, const std::string& org_id) {
  std::vector<accessd::model::AuditRow> rows;
  s.app().db().Read([&](accessd::store::Conn& c) {
    accessd::store::AuditQuery q;
    q.org_id = org_id;
    q.limit = 100000;
    rows = accessd::store::QueryAudit(c, q);
  });
  return rows;
}

bool HasAudit(TestServer& s, const std::string& target_type, const std::string& action,
              const std::string& target_id = "", const std::string& outcome = "success") {
  for (const auto& r : AuditRows(s, s.org_id())) {
    if (r.target_type == target_type && r.action == action && r.outcome == outcome &&
        (target_id.empty() || r.target_id == target_id)) {
      return true;
    }
  }
  return false;
}

void CheckError(const Reply& r, int status, const std::string& code) {
  CAPTURE(r.text);
  CHECK(r.status == status);
  REQUIRE(r.body.is_object());
  CHECK(r.body["code"] == code);
  CHECK(r.body["error"].is_string());
}

}  // namespace

TEST_CASE("healthz and readyz answer without credentials") {
  TestServer s;
  CHECK(s.Call(Caller{}, "GET", "/healthz").status == 200);
  CHECK(s.Call(Caller{}, "GET", "/readyz").status == 200);
}

TEST_CASE("login sets a strict HttpOnly cookie, a new session each time, and audits") {
  TestServer s;
  Reply bad = s.Call(Caller{}, "POST", "/api/session",
                     json{{"email", TestServer::kAdminEmail}, {"password", "wrong-password-1"}});
  CheckError(bad, 401, "unauthenticated");
  Reply unknown = s.Call(Caller{}, "POST", "/api/session",
                         json{{"email", "nobody@example.test"}, {"password", "wrong-password-1"}});
  CheckError(unknown, 401, "unauthenticated");
  CHECK(bad.body == unknown.body);  // never says which
  CHECK(HasAudit(s, "session", "login_failed", "", "failed"));

  Reply ok = s.Call(Caller{}, "POST", "/api/session",
                    json{{"email", TestServer::kAdminEmail}, {"password", TestServer::kAdminPassword}});
  REQUIRE(ok.status == 200);
  std::string cookie = ok.Header("Set-Cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  CHECK(ok.body["csrfToken"].is_string());
  CHECK(ok.body["user"]["role"] == "admin");
  CHECK(HasAudit(s, "session", "login"));

  Caller a = s.Admin(), b = s.Admin();
  CHECK(a.cookie != b.cookie);
  CHECK(a.csrf != b.csrf);

  Reply me = s.Call(a, "GET", "/api/me");
  REQUIRE(me.status == 200);
  CHECK(me.body["user"]["email"] == TestServer::kAdminEmail);
  CHECK(me.body["workspaces"].is_array());

  // CSRF: a cookie-authenticated change without the header is refused.
  Caller no_csrf = a;
  no_csrf.csrf.clear();
  CheckError(s.Call(no_csrf, "POST", "/api/workspaces", json{{"name", "X"}}), 403, "forbidden");
  Caller wrong_csrf = a;
  wrong_csrf.csrf = b.csrf;
  CheckError(s.Call(wrong_csrf, "POST", "/api/workspaces", json{{"name", "X"}}), 403, "forbidden");

  // Logout kills the session only.
  CHECK(s.Call(a, "DELETE", "/api/session").status == 204);
  CheckError(s.Call(a, "GET", "/api/me"), 401, "unauthenticated");
  CHECK(s.Call(b, "GET", "/api/me").status == 200);
  CHECK(HasAudit(s, "session", "logout"));
}

TEST_CASE("workspaces: admins write, members read theirs, tokens get 401") {
  TestServer s;
  Caller admin = s.Admin();
  std::string prod = s.CreateWorkspace(admin, "Prod");
  std::string dev = s.CreateWorkspace(admin, "Dev");
  CHECK(HasAudit(s, "workspace", "created", prod));
  CheckError(s.Call(admin, "POST", "/api/workspaces", json{{"name", "prod"}}), 409, "conflict");

  Caller member = s.CreateUser(admin, "m@example.test", "member", {dev});
  Reply list = s.Call(member, "GET", "/api/workspaces");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["workspaces"].size() == 1);
  CHECK(list.body["workspaces"][0]["id"] == dev);
  CheckError(s.Call(member, "POST", "/api/workspaces", json{{"name", "Mine"}}), 403, "forbidden");
  CheckError(s.Call(member, "PATCH", "/api/workspaces/" + dev, json{{"name", "x"}}), 403,
             "forbidden");

  Reply renamed = s.Call(admin, "PATCH", "/api/workspaces/" + dev,
                         json{{"name", "Development"}, {"environment", "dev"}});
  REQUIRE(renamed.status == 200);
  CHECK(renamed.body["workspace"]["name"] == "Development");
  CHECK(HasAudit(s, "workspace", "updated", dev));

  auto sat = s.CreateSat(admin, "workspace", prod);
  CheckError(s.Call(TestServer::Bearer(sat.secret), "GET", "/api/workspaces"), 401,
             "unauthenticated");

  CheckError(s.Call(admin, "DELETE", "/api/workspaces/ws_doesnotexist000000"), 404, "not_found");
}

TEST_CASE("deleting a workspace deletes its tokens before the request returns") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Temp");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto pat = s.CreatePat(admin, ws, "read_write");
  Caller sat_c = TestServer::Bearer(sat.secret), pat_c = TestServer::Bearer(pat.secret);
  REQUIRE(s.Call(sat_c, "GET", "/v2/workspace").status == 200);  // warm the cache
  REQUIRE(s.Call(pat_c, "GET", "/v2/workspace").status == 200);
  REQUIRE(s.Call(admin, "DELETE", "/api/workspaces/" + ws).status == 204);
  CheckError(s.Call(sat_c, "GET", "/v2/workspace"), 401, "unauthenticated");
  CheckError(s.Call(pat_c, "GET", "/v2/workspace"), 401, "unauthenticated");
  CHECK(HasAudit(s, "workspace", "deleted", ws));
}

TEST_CASE("service access tokens: create, list without secrets, delete, never edit") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto org_sat = s.CreateSat(admin, "organization", "");
  auto ws_sat = s.CreateSat(admin, "workspace", ws, json{{"sources", {{"edit", true}}}});
  CHECK(HasAudit(s, "service_access_token", "created", org_sat.id));

  Reply orgs = s.Call(admin, "GET", "/api/service-access-tokens?level=organization");
  REQUIRE(orgs.status == 200);
  REQUIRE(orgs.body["tokens"].size() == 1);
  CHECK(orgs.body["tokens"][0]["id"] == org_sat.id);
  CHECK(orgs.body["tokens"][0]["kind"] == "organization_sat");
  Reply wss = s.Call(admin, "GET", "/api/service-access-tokens?level=workspace&workspace_id=" + ws);
  REQUIRE(wss.body["tokens"].size() == 1);
  CHECK(wss.body["tokens"][0]["policy"]["sources"]["edit"] == true);
  for (const auto* secret : {&org_sat.secret, &ws_sat.secret}) {
    CHECK(orgs.text.find(*secret) == std::string::npos);
    CHECK(wss.text.find(*secret) == std::string::npos);
    CHECK(wss.text.find(secret->substr(22, 32)) == std::string::npos);
  }

  // Editing is not a thing: 405.
  for (const char* m : {"PATCH", "PUT"}) {
    Reply r = s.Call(admin, m, "/api/service-access-tokens/" + ws_sat.id, json{{"name", "x"}});
    CheckError(r, 405, "method_not_allowed");
  }

  // Validation: every problem named.
  Reply bad = s.Call(admin, "POST", "/api/service-access-tokens",
                     json{{"level", "galaxy"}, {"name", ""}, {"extra", 1}});
  CheckError(bad, 400, "invalid_request");
  Reply bad_policy = s.Call(admin, "POST", "/api/service-access-tokens",
                            json{{"level", "workspace"}, {"name", "p"}, {"workspaceId", ws},
                                 {"policy", {{"sources", {{"edit", {{"ids", {"src_nope"}}}}}}}}});
  CheckError(bad_policy, 400, "invalid_request");
  REQUIRE(bad_policy.body["details"].is_array());
  CHECK(bad_policy.body["details"][0]["field"] == "policy.sources.edit.ids[0]");
  Reply bad_ws = s.Call(admin, "POST", "/api/service-access-tokens",
                        json{{"level", "workspace"}, {"name", "p"}, {"workspaceId", "ws_nope"}});
  CheckError(bad_ws, 400, "invalid_request");

  // Delete takes effect before the delete returns, even with a warm cache.
  Caller c = TestServer::Bearer(ws_sat.secret);
  REQUIRE(s.Call(c, "GET", "/v2/workspace").status == 200);
  REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + ws_sat.id).status == 204);
  CheckError(s.Call(c, "GET", "/v2/workspace"), 401, "unauthenticated");
  CheckError(s.Call(admin, "DELETE", "/api/service-access-tokens/" + ws_sat.id), 404, "not_found");
  CHECK(HasAudit(s, "service_access_token", "deleted", ws_sat.id));

  // Members neither see nor create SATs.
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  CheckError(s.Call(member, "GET", "/api/service-access-tokens"), 403, "forbidden");
  CheckError(s.Call(member, "POST", "/api/service-access-tokens",
                    json{{"level", "organization"}, {"name", "mine"}}),
             403, "forbidden");
  CheckError(s.Call(member, "DELETE", "/api/service-access-tokens/" + org_sat.id), 403, "forbidden");
}

TEST_CASE("SATs do not depend on the admin who made them") {
  TestServer s;
  Caller owner = s.Admin();
  std::string ws = s.CreateWorkspace(owner, "Prod");
  Caller second = s.CreateUser(owner, "second@example.test", "admin", {ws});
  auto sat = s.CreateSat(second, "workspace", ws);
  REQUIRE(s.Call(owner, "PATCH", "/api/members/" + second.user_id, json{{"role", "member"}}).status == 200);
  CHECK(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  REQUIRE(s.Call(owner, "DELETE", "/api/members/" + second.user_id).status == 204);
  CHECK(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
}

TEST_CASE("personal access tokens belong to one user and die with the user") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string other_ws = s.CreateWorkspace(admin, "Other");
  Caller alice = s.CreateUser(admin, "alice@example.test", "member", {ws});
  Caller bob = s.CreateUser(admin, "bob@example.test", "member", {ws});

  auto pat = s.CreatePat(alice, ws, "read_only");
  CHECK(HasAudit(s, "personal_access_token", "created", pat.id));
  CheckError(s.Call(alice, "POST", "/api/personal-access-tokens",
                    json{{"name", "x"}, {"workspaceId", ws}, {"scope", "admin"}}),
             400, "invalid_request");
  CheckError(s.Call(alice, "POST", "/api/personal-access-tokens",
                    json{{"name", "x"}, {"workspaceId", other_ws}, {"scope", "read_only"}}),
             400, "invalid_request");

  Reply mine = s.Call(alice, "GET", "/api/personal-access-tokens");
  REQUIRE(mine.body["tokens"].size() == 1);
  CHECK(mine.body["tokens"][0]["scope"] == "read_only");
  CHECK(mine.body["tokens"][0]["userId"] == alice.user_id);
  CHECK(mine.text.find(pat.secret.substr(22, 32)) == std::string::npos);
  CHECK(s.Call(bob, "GET", "/api/personal-access-tokens").body["tokens"].empty());
  CheckError(s.Call(bob, "DELETE", "/api/personal-access-tokens/" + pat.id), 404, "not_found");
  CheckError(s.Call(alice, "PATCH", "/api/personal-access-tokens/" + pat.id, json{{"name", "y"}}),
             405, "method_not_allowed");

  Caller pc = TestServer::Bearer(pat.secret);
  Reply w = s.Call(pc, "GET", "/v2/workspace");
  REQUIRE(w.status == 200);
  CHECK(w.body["workspace"]["id"] == ws);
  CHECK(w.body["workspace"]["region"] == "local");

  // Removing the user kills the PAT and the session at once.
  REQUIRE(s.Call(admin, "DELETE", "/api/members/" + alice.user_id).status == 204);
  CheckError(s.Call(pc, "GET", "/v2/workspace"), 401, "unauthenticated");
  CheckError(s.Call(alice, "GET", "/api/me"), 401, "unauthenticated");
  CHECK(HasAudit(s, "user", "removed_from_organization", alice.user_id));
  // The email can be invited again.
  Reply inv = s.Call(admin, "POST", "/api/invitations",
                     json{{"emails", {"alice@example.test"}}, {"role", "member"}, {"workspaceIds", {ws}}});
  CHECK(inv.status == 201);
}

TEST_CASE("the access ladder of SPEC §3 for every credential on every core API") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string ws2 = s.CreateWorkspace(admin, "Dev");
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  auto org_sat = s.CreateSat(admin, "organization", "");
  auto ws_sat = s.CreateSat(admin, "workspace", ws);
  auto pat_ro = s.CreatePat(member, ws, "read_only");
  auto pat_rw = s.CreatePat(member, ws, "read_write");
  auto deleted = s.CreateSat(admin, "workspace", ws);
  REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + deleted.id).status == 204);

  const std::string forged = "acd_satw_AAAAAAAAAAAA_" + std::string(32, 'B') + "000000";
  std::string unknown_but_valid;
  {
    // Right shape and checksum, unknown key id.
    auto t = accessd::auth::GenerateToken(accessd::auth::TokenKind::kWorkspaceSat);
    unknown_but_valid = t.full;
  }
  Caller basic_pat = TestServer::Bearer(pat_rw.secret);
  basic_pat.basic = true;

  struct Row {
    const char* who;
    Caller caller;
    int workspace;   // GET /v2/workspace
    int api;         // GET /api/workspaces
    int sat_list;    // GET /api/service-access-tokens
  };
  std::vector<Row> rows = {
      {"no credential", Caller{}, 401, 401, 401},
      {"forged token", TestServer::Bearer(forged), 401, 401, 401},
      {"unknown token", TestServer::Bearer(unknown_but_valid), 401, 401, 401},
      {"deleted token", TestServer::Bearer(deleted.secret), 401, 401, 401},
      {"garbage header", TestServer::Bearer("not a token"), 401, 401, 401},
      {"org SAT", TestServer::Bearer(org_sat.secret), 403, 401, 401},
      {"workspace SAT", TestServer::Bearer(ws_sat.secret), 200, 401, 401},
      {"PAT read_only", TestServer::Bearer(pat_ro.secret), 200, 401, 401},
      {"PAT read_write (Basic)", basic_pat, 200, 401, 401},
      {"admin session", admin, 400, 200, 200},
      {"member session", member, 400, 200, 403},
  };
  for (const auto& r : rows) {
    CAPTURE(r.who);
    CHECK(s.Call(r.caller, "GET", "/v2/workspace").status == r.workspace);
    CHECK(s.Call(r.caller, "GET", "/api/workspaces").status == r.api);
    CHECK(s.Call(r.caller, "GET", "/api/service-access-tokens").status == r.sat_list);
  }
  // The org SAT's refusal carries its own code.
  CheckError(s.Call(TestServer::Bearer(org_sat.secret), "GET", "/v2/workspace"), 403,
             "token_type_not_allowed");
  // Sessions pick the workspace with workspace_id; members only their own.
  CHECK(s.Call(admin, "GET", "/v2/workspace?workspace_id=" + ws2).status == 200);
  CHECK(s.Call(member, "GET", "/v2/workspace?workspace_id=" + ws).status == 200);
  CheckError(s.Call(member, "GET", "/v2/workspace?workspace_id=" + ws2), 404, "not_found");

  // Token requests are audited, allowed or denied; 401s name no one.
  bool read_row = false, denied_row = false;
  for (const auto& row : AuditRows(s, s.org_id())) {
    if (row.actor_id == ws_sat.id && row.action == "read" && row.outcome == "success") read_row = true;
    if (row.actor_id == org_sat.id && row.outcome == "denied") denied_row = true;
  }
  CHECK(read_row);
  CHECK(denied_row);
}

TEST_CASE("forged and malformed tokens cost no Argon2; a cached token costs none either") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  const uint64_t before = accessd::auth::Argon2Count();
  std::string wrong_check = sat.secret;
  wrong_check.back() = wrong_check.back() == 'A' ? 'B' : 'A';
  for (int i = 0; i < 20; ++i) {
    CHECK(s.Call(TestServer::Bearer(wrong_check), "GET", "/v2/workspace").status == 401);
    CHECK(s.Call(TestServer::Bearer("acd_pat_short"), "GET", "/v2/workspace").status == 401);
  }
  CHECK(accessd::auth::Argon2Count() == before);
  for (int i = 0; i < 20; ++i) CHECK(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  CHECK(accessd::auth::Argon2Count() == before + 1);  // first use only
  // A valid-looking token with the right key id but another secret is
  // refused against the cached digest, without Argon2.
  auto other = accessd::auth::GenerateToken(accessd::auth::TokenKind::kWorkspaceSat);
  std::string body = "acd_satw_" + sat.id + "_" + other.parts.secret;
  std::string forged = body + accessd::auth::Checksum(body);
  CHECK(s.Call(TestServer::Bearer(forged), "GET", "/v2/workspace").status == 401);
  CHECK(accessd::auth::Argon2Count() == before + 1);
}

TEST_CASE("members: roles, the last admin, workspace membership") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string ws2 = s.CreateWorkspace(admin, "Dev");
  Caller m = s.CreateUser(admin, "m@example.test", "member", {ws});

  Reply list = s.Call(admin, "GET", "/api/members");
  REQUIRE(list.status == 200);
  CHECK(list.body["members"].size() == 2);
  CheckError(s.Call(m, "GET", "/api/members"), 403, "forbidden");

  // The only admin can neither be demoted nor removed.
  CheckError(s.Call(admin, "PATCH", "/api/members/" + admin.user_id, json{{"role", "member"}}), 409,
             "conflict");
  CheckError(s.Call(admin, "DELETE", "/api/members/" + admin.user_id), 409, "conflict");
  CheckError(s.Call(admin, "PATCH", "/api/members/" + m.user_id, json{{"role", "owner"}}), 400,
             "invalid_request");

  Reply promoted = s.Call(admin, "PATCH", "/api/members/" + m.user_id, json{{"role", "admin"}});
  REQUIRE(promoted.status == 200);
  CHECK(promoted.body["member"]["role"] == "admin");
  CHECK(HasAudit(s, "user", "changed_permission", m.user_id));
  // Now there are two admins: the first may step down.
  CHECK(s.Call(admin, "PATCH", "/api/members/" + admin.user_id, json{{"role", "member"}}).status == 200);
  // And the other cannot any more.
  CheckError(s.Call(m, "PATCH", "/api/members/" + m.user_id, json{{"role", "member"}}), 409,
             "conflict");
  // The session follows the role change on the next request.
  CheckError(s.Call(admin, "GET", "/api/members"), 403, "forbidden");

  Reply set = s.Call(m, "PUT", "/api/members/" + admin.user_id + "/workspaces",
                     json{{"workspaceIds", {ws2}}});
  REQUIRE(set.status == 200);
  CHECK(set.body["member"]["workspaceIds"] == json{ws2});
  CheckError(s.Call(m, "PUT", "/api/members/" + admin.user_id + "/workspaces",
                    json{{"workspaceIds", {"ws_nope"}}}),
             400, "invalid_request");
  Reply theirs = s.Call(admin, "GET", "/api/workspaces");
  REQUIRE(theirs.body["workspaces"].size() == 1);
  CHECK(theirs.body["workspaces"][0]["id"] == ws2);
}

TEST_CASE("invitations: create, list without tokens, accept once, expire after 3 days") {
  accessd::FakeClock clock(1'800'000'000'000);
  TestServer s(accessd::Config(), &clock);
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  CheckError(s.Call(admin, "POST", "/api/invitations",
                    json{{"emails", {"a@example.test"}}, {"role", "member"}}),
             400, "invalid_request");  // needs a workspace or group
  CheckError(s.Call(admin, "POST", "/api/invitations",
                    json{{"emails", {"not-an-email"}}, {"role", "member"}, {"workspaceIds", {ws}}}),
             400, "invalid_request");
  CheckError(s.Call(admin, "POST", "/api/invitations",
                    json{{"emails", {TestServer::kAdminEmail}}, {"role", "member"}, {"workspaceIds", {ws}}}),
             409, "conflict");

  Reply inv = s.Call(admin, "POST", "/api/invitations",
                     json{{"emails", {"a@example.test", "b@example.test"}}, {"role", "member"},
                          {"workspaceIds", {ws}}, {"groupIds", json::array()}});
  REQUIRE(inv.status == 201);
  REQUIRE(inv.body["invitations"].size() == 2);
  std::string token_a = inv.body["invitations"][0]["token"];
  std::string token_b = inv.body["invitations"][1]["token"];
  std::string id_b = inv.body["invitations"][1]["id"];
  CHECK(HasAudit(s, "user_invitation", "created"));

  Reply list = s.Call(admin, "GET", "/api/invitations");
  REQUIRE(list.body["invitations"].size() == 2);
  CHECK(list.text.find(token_a) == std::string::npos);

  CheckError(s.Call(Caller{}, "POST", "/api/invitations/accept",
                    json{{"token", token_a}, {"displayName", "A"}, {"password", "short"}}),
             400, "invalid_request");
  Reply acc = s.Call(Caller{}, "POST", "/api/invitations/accept",
                     json{{"token", token_a}, {"displayName", "A"}, {"password", "long-enough-pass"}});
  REQUIRE(acc.status == 201);
  CHECK(acc.body["user"]["email"] == "a@example.test");
  CHECK(HasAudit(s, "user", "added_to_organization", acc.body["user"]["id"]));
  CheckError(s.Call(Caller{}, "POST", "/api/invitations/accept",
                    json{{"token", token_a}, {"displayName", "A"}, {"password", "long-enough-pass"}}),
             404, "not_found");  // used once
  Caller a = s.Login("a@example.test", "long-enough-pass");
  Reply theirs = s.Call(a, "GET", "/api/workspaces");
  CHECK(theirs.body["workspaces"][0]["id"] == ws);

  clock.AdvanceMs(3LL * 24 * 3600 * 1000 + 1);
  CheckError(s.Call(Caller{}, "POST", "/api/invitations/accept",
                    json{{"token", token_b}, {"displayName", "B"}, {"password", "long-enough-pass"}}),
             404, "not_found");
  // The admin's session went idle past its limit (12 h by default) in fake
  // time: it is refused, and a new login works.
  CheckError(s.Call(admin, "GET", "/api/me"), 401, "unauthenticated");
  Caller admin2 = s.Admin();
  CHECK(s.Call(admin2, "GET", "/api/invitations").body["invitations"].empty());
  CHECK(s.Call(admin2, "DELETE", "/api/invitations/" + id_b).status == 204);
  CheckError(s.Call(admin2, "DELETE", "/api/invitations/" + id_b), 404, "not_found");
}

TEST_CASE("leaked tokens can be revoked by anyone; the answer reveals nothing") {
  accessd::Config cfg;
  cfg.revoke_per_minute = 4;
  // A fake clock keeps the limiter's one-minute window from rolling over
  // halfway through the test.
  accessd::FakeClock clock(1'800'000'000'000);
  TestServer s(cfg, &clock);
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto other = s.CreateSat(admin, "workspace", ws);
  REQUIRE(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  Reply r = s.Call(Caller{}, "POST", "/v2/tokens/revoke",
                   json{{"tokens", {sat.secret, "acd_satw_junk", "whatever-this-is-20ch"}}});
  CHECK(r.status == 202);
  Reply r2 = s.Call(Caller{}, "POST", "/v2/tokens/revoke", json{{"tokens", {"nothing-at-all-here"}}});
  CHECK(r2.status == 202);
  CHECK(r.body == r2.body);
  CheckError(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace"), 401, "unauthenticated");
  CHECK(s.Call(TestServer::Bearer(other.secret), "GET", "/v2/workspace").status == 200);
  CHECK(HasAudit(s, "service_access_token", "deleted", sat.id));
  // A forged secret for a real key id revokes nothing.
  auto fake = accessd::auth::GenerateToken(accessd::auth::TokenKind::kWorkspaceSat);
  std::string body = "acd_satw_" + other.id + "_" + fake.parts.secret;
  s.Call(Caller{}, "POST", "/v2/tokens/revoke", json{{"tokens", {body + accessd::auth::Checksum(body)}}});
  CHECK(s.Call(TestServer::Bearer(other.secret), "GET", "/v2/workspace").status == 200);
  CheckError(s.Call(Caller{}, "POST", "/v2/tokens/revoke", json{{"tokens", "x"}}), 400, "invalid_request");
  // Rate limited per address.
  Reply limited = s.Call(Caller{}, "POST", "/v2/tokens/revoke", json{{"tokens", json::array()}});
  CheckError(limited, 429, "rate_limited");
}

TEST_CASE("secrets appear exactly once: not in the database, audit rows or later answers") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::vector<std::string> secrets;
  secrets.push_back(s.CreateSat(admin, "organization", "").secret);
  secrets.push_back(s.CreateSat(admin, "workspace", ws).secret);
  secrets.push_back(s.CreatePat(admin, ws, "read_write").secret);
  for (const auto& sec : secrets) s.Call(TestServer::Bearer(sec), "GET", "/v2/workspace");
  Reply inv = s.Call(admin, "POST", "/api/invitations",
                     json{{"emails", {"x@example.test"}}, {"role", "member"}, {"workspaceIds", {ws}}});
  secrets.push_back(inv.body["invitations"][0]["token"]);
  secrets.push_back(admin.csrf);
  secrets.push_back(admin.cookie.substr(admin.cookie.find('=') + 1));
  secrets.push_back(TestServer::kAdminPassword);

  std::string later;
  for (const char* path : {"/api/service-access-tokens", "/api/personal-access-tokens",
                           "/api/invitations", "/api/me", "/api/members", "/api/workspaces"}) {
    later += s.Call(admin, "GET", path).text;
  }
  std::string audit;
  for (const auto& r : AuditRows(s, s.org_id())) audit += r.details_json + r.target_id + r.actor_id;
  s.Stop();  // checkpoint the WAL into the file
  std::string db = accessd::testing::ReadDatabaseFiles(s.db_path());
  for (const auto& sec : secrets) {
    CAPTURE(sec);
    CHECK(later.find(sec) == std::string::npos);
    CHECK(audit.find(sec) == std::string::npos);
    CHECK(db.find(sec) == std::string::npos);
    if (sec.rfind("acd_", 0) == 0) {
      // Not even the 32 secret characters alone.
      std::string core = sec.substr(sec.size() - 38, 32);
      CHECK(db.find(core) == std::string::npos);
      CHECK(audit.find(core) == std::string::npos);
    }
  }
}

TEST_CASE("a second organization sees nothing of the first") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  auto pat = s.CreatePat(member, ws, "read_only");
  Reply inv = s.Call(admin, "POST", "/api/invitations",
                     json{{"emails", {"i@example.test"}}, {"role", "member"}, {"workspaceIds", {ws}}});
  std::string inv_id = inv.body["invitations"][0]["id"];

  auto other = s.app().identity().CreateOrganization("Other", "boss@other.test", "other-password-1");
  REQUIRE(other.ok());
  Caller boss = s.Login("boss@other.test", "other-password-1");
  CHECK(s.Call(boss, "GET", "/api/workspaces").body["workspaces"].empty());
  CHECK(s.Call(boss, "GET", "/api/members").body["members"].size() == 1);
  CHECK(s.Call(boss, "GET", "/api/service-access-tokens").body["tokens"].empty());
  CHECK(s.Call(boss, "GET", "/api/invitations").body["invitations"].empty());
  CheckError(s.Call(boss, "PATCH", "/api/workspaces/" + ws, json{{"name", "Mine"}}), 404, "not_found");
  CheckError(s.Call(boss, "DELETE", "/api/workspaces/" + ws), 404, "not_found");
  CheckError(s.Call(boss, "DELETE", "/api/service-access-tokens/" + sat.id), 404, "not_found");
  CheckError(s.Call(boss, "PATCH", "/api/members/" + member.user_id, json{{"role", "admin"}}), 404,
             "not_found");
  CheckError(s.Call(boss, "DELETE", "/api/members/" + member.user_id), 404, "not_found");
  CheckError(s.Call(boss, "DELETE", "/api/invitations/" + inv_id), 404, "not_found");
  CheckError(s.Call(boss, "GET", "/v2/workspace?workspace_id=" + ws), 404, "not_found");
  CheckError(s.Call(boss, "POST", "/api/service-access-tokens",
                    json{{"level", "workspace"}, {"name", "x"}, {"workspaceId", ws}}),
             400, "invalid_request");
  CheckError(s.Call(boss, "POST", "/api/personal-access-tokens",
                    json{{"name", "x"}, {"workspaceId", ws}, {"scope", "read_only"}}),
             400, "invalid_request");
  // And the first organization's tokens still work, unchanged.
  CHECK(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  CHECK(s.Call(TestServer::Bearer(pat.secret), "GET", "/v2/workspace").status == 200);
  // The other organization's audit log holds only its own rows.
  for (const auto& r : AuditRows(s, other->org_id)) CHECK(r.target_id != ws);
}

TEST_CASE("tokens, sessions and data survive a restart") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto pat = s.CreatePat(admin, ws, "read_write");
  s.Restart();
  CHECK(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  CHECK(s.Call(TestServer::Bearer(pat.secret), "GET", "/v2/workspace").status == 200);
  CHECK(s.Call(admin, "GET", "/api/me").status == 200);
  Reply list = s.Call(admin, "GET", "/api/workspaces");
  REQUIRE(list.body["workspaces"].size() == 1);
  CHECK(list.body["workspaces"][0]["id"] == ws);
}

TEST_CASE("bad input gets a 4xx JSON error and changes nothing") {
  accessd::Config cfg;
  cfg.max_body_bytes = 4096;
  TestServer s(cfg);
  Caller admin = s.Admin();
  const size_t audit_before = AuditRows(s, s.org_id()).size();
  struct Case {
    const char* what;
    std::string method, path, body;
    int status;
    const char* code;
  } cases[] = {
      {"malformed JSON", "POST", "/api/workspaces", "{\"name\": ", 400, "invalid_request"},
      {"not an object", "POST", "/api/workspaces", "[1,2]", 400, "invalid_request"},
      {"wrong type", "POST", "/api/workspaces", "{\"name\": 5}", 400, "invalid_request"},
      {"unknown field", "POST", "/api/workspaces", "{\"name\": \"a\", \"color\": 1}", 400,
       "invalid_request"},
      {"missing field", "POST", "/api/workspaces", "{}", 400, "invalid_request"},
      {"empty name", "POST", "/api/workspaces", "{\"name\": \"  \"}", 400, "invalid_request"},
      {"control characters", "POST", "/api/workspaces", "{\"name\": \"a\\u0001b\"}", 400,
       "invalid_request"},
      {"too long", "POST", "/api/workspaces", "{\"name\": \"" + std::string(101, 'x') + "\"}", 400,
       "invalid_request"},
      {"oversized body", "POST", "/api/workspaces", "{\"name\": \"" + std::string(8000, 'x') + "\"}",
       413, "payload_too_large"},
      {"invalid UTF-8", "POST", "/api/workspaces", "{\"name\": \"\xff\xfe\"}", 400, "invalid_request"},
      {"unsupported method", "PUT", "/api/workspaces", "{}", 405, "method_not_allowed"},
      {"unknown endpoint", "GET", "/api/nothing-here", "", 404, "not_found"},
      {"bad login body", "POST", "/api/session", "{\"email\": 1}", 400, "invalid_request"},
      {"bad level", "GET", "/api/service-access-tokens?level=planet", "", 400, "invalid_request"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    Reply r = s.CallRaw(admin, c.method, c.path, c.body);
    CheckError(r, c.status, c.code);
    if (c.status == 400 && std::string(c.what) == "wrong type") {
      REQUIRE(r.body["details"].is_array());
      CHECK(r.body["details"][0]["field"] == "name");
    }
  }
  CHECK(s.Call(admin, "GET", "/api/workspaces").body["workspaces"].empty());
  CHECK(AuditRows(s, s.org_id()).size() == audit_before);
}

TEST_CASE("GET /v2/workspace is kept between changes and shows every answered change") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  Caller t = TestServer::Bearer(sat.secret);
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  auto& identity = s.app().identity();
  auto name = [&](const Caller& who, const std::string& path) {
    Reply r = s.Call(who, "GET", path);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    return r.body["workspace"]["name"].get<std::string>();
  };

  CHECK(name(t, "/v2/workspace") == "Prod");
  uint64_t hits = identity.workspace_cache_hits();
  CHECK(name(t, "/v2/workspace") == "Prod");  // only an audit row was written in between
  CHECK(identity.workspace_cache_hits() == hits + 1);

  REQUIRE(s.Call(admin, "PATCH", "/api/workspaces/" + ws, json{{"name", "Production"}}).status ==
          200);
  CHECK(name(t, "/v2/workspace") == "Production");
  CHECK(name(admin, "/v2/workspace?workspace_id=" + ws) == "Production");
  CHECK(name(member, "/v2/workspace?workspace_id=" + ws) == "Production");
  // A member's reach is read each time, even while the row is kept.
  REQUIRE(s.Call(admin, "PUT", "/api/members/" + member.user_id + "/workspaces",
                 json{{"workspaceIds", json::array()}}).status == 200);
  name(t, "/v2/workspace");  // keep the row at the new generation
  CheckError(s.Call(member, "GET", "/v2/workspace?workspace_id=" + ws), 404, "not_found");

  for (int i = 0; i < 20; ++i) {
    const std::string want = "Prod " + std::to_string(i);
    REQUIRE(s.Call(admin, "PATCH", "/api/workspaces/" + ws, json{{"name", want}}).status == 200);
    CHECK(name(t, "/v2/workspace") == want);
  }
}

TEST_CASE("a PAT follows its user's workspace membership on the next request") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  Caller m = s.CreateUser(admin, "m@example.test", "member", {ws});
  auto pat = s.CreatePat(m, ws, "read_write");
  Caller pc = TestServer::Bearer(pat.secret);
  REQUIRE(s.Call(pc, "GET", "/v2/workspace").status == 200);
  REQUIRE(s.Call(admin, "PUT", "/api/members/" + m.user_id + "/workspaces",
                 json{{"workspaceIds", json::array()}}).status == 200);
  CheckError(s.Call(pc, "GET", "/v2/workspace"), 403, "forbidden");
  REQUIRE(s.Call(admin, "PUT", "/api/members/" + m.user_id + "/workspaces",
                 json{{"workspaceIds", {ws}}}).status == 200);
  CHECK(s.Call(pc, "GET", "/v2/workspace").status == 200);
}

TEST_CASE("lastUsedAt: written by the maintenance flush, at most once a minute per token") {
  accessd::FakeClock clock(1'800'000'000'000);
  TestServer s(accessd::Config(), &clock);
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto last_used = [&]() -> json {
    Reply list = s.Call(admin, "GET", "/api/service-access-tokens");
    REQUIRE(list.status == 200);
    for (const auto& t : list.body["tokens"]) {
      if (t["id"] == sat.id) return t["lastUsedAt"];
    }
    FAIL("the token is not listed");
    return json();
  };
  auto use = [&] {
    REQUIRE(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  };

  CHECK(last_used().is_null());  // never used
  const int64_t first = clock.NowMs();
  use();  // recorded in memory; the maintenance task (every 5 s) or this flush writes it
  s.app().auth().FlushTouches();
  CHECK(last_used() == accessd::FormatRfc3339(first));

  clock.AdvanceMs(30'000);  // within the minute: no new time
  use();
  s.app().auth().FlushTouches();
  CHECK(last_used() == accessd::FormatRfc3339(first));

  clock.AdvanceMs(31'000);  // a minute after the recorded use
  const int64_t second = clock.NowMs();
  use();
  s.app().auth().FlushTouches();
  CHECK(last_used() == accessd::FormatRfc3339(second));

  // Revisiting within the minute, with nothing pending, changes nothing.
  clock.AdvanceMs(1'000);
  use();
  s.app().auth().FlushTouches();
  CHECK(last_used() == accessd::FormatRfc3339(second));
}
