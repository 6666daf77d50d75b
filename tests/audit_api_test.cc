// audit_api_test.cc — the Audit Log API (GET /v2/audit-logs), retention
// pruning, and the organization settings (GET/PATCH /api/organization),
// against a real server and a real SQLite file (tests/api_harness.h).
//
// The API's answers are checked against the store read directly
// (store::QueryAudit), and totals against counts computed here by walking
// every row, so the trigger-maintained audit_counts table is checked by
// something that does not use it. Time moves only through FakeClock.
//
// Benchmark: the case "benchmark: audit page ..." is skipped by default; run
//   build/accessd_test -tc='benchmark: audit*' --no-skip
// to fill 1,000,000 rows and print the median time of a workspace-filtered
// page of 100 deep in the table (store level and over HTTP). It asserts no
// timing; it reports.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "api_harness.h"
#include "store/audit_store.h"
#include "store/db.h"

using accessd::FakeClock;
using accessd::FormatRfc3339;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kStart = 1795000000000;  // 2026-11-18, an arbitrary fixed "now"

Reply AuditLogs(TestServer& s, const Caller& who, const std::string& query = "") {
  return s.Call(who, "GET", "/v2/audit-logs" + query);
}

// Every row of the organization, straight from the store, ascending.
std::vector<accessd::model::AuditRow> StoreRows(TestServer& s, const std::string& org_id) {
  std::vector<accessd::model::AuditRow> out;
  accessd::store::AuditQuery q;
  q.org_id = org_id;
  q.limit = 50000;
  for (;;) {
    std::vector<accessd::model::AuditRow> page;
    s.app().db().Read([&](accessd::store::Conn& c) { page = accessd::store::QueryAudit(c, q); });
    if (page.empty()) break;
    q.after_id = page.back().id;
    out.insert(out.end(), page.begin(), page.end());
  }
  return out;
}

// Follows paging.next from `first` to the end; returns every row seen.
// CHECKs that each page answers 200 with the same total and that `next`
// carries the per_page asked for.
std::vector<json> FollowPages(TestServer& s, const Caller& who, const std::string& first,
                              int64_t* total = nullptr) {
  std::vector<json> rows;
  std::string path = "/v2/audit-logs" + first;
  int64_t seen_total = -1;
  for (int guard = 0; guard < 100000; ++guard) {
    Reply r = s.Call(who, "GET", path);
    REQUIRE_MESSAGE(r.status == 200, path << ": " << r.text);
    int64_t t = r.body["paging"]["total"].get<int64_t>();
    if (seen_total >= 0) CHECK(t == seen_total);
    seen_total = t;
    for (const auto& row : r.body["data"]) rows.push_back(row);
    if (!r.body["paging"].contains("next")) break;
    CHECK(r.body["data"].size() > 0);
    path = r.body["paging"]["next"].get<std::string>();
    REQUIRE(path.rfind("/v2/audit-logs?after_cursor=", 0) == 0);
  }
  if (total) *total = seen_total;
  return rows;
}

std::vector<int64_t> Ids(const std::vector<json>& rows) {
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(std::stoll(r["id"].get<std::string>()));
  return out;
}

std::vector<int64_t> Ids(const std::vector<accessd::model::AuditRow>& rows) {
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

// The part of a token after its public key id: what must never be stored.
std::string SecretPart(const std::string& token) { return token.substr(token.rfind('_') + 1); }

// Percent-encodes the characters of an RFC 3339 time that need it in a query.
std::string Encode(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == ':') {
      out += "%3A";
    } else if (ch == '+') {
      out += "%2B";
    } else {
      out += ch;
    }
  }
  return out;
}

// A row written by retention pruning.
bool IsPruneRow(const accessd::model::AuditRow& row) {
  return row.actor_type == "system" && row.action == "deleted" && row.target_type == "organization";
}

// The settings used by the harness but with a fixed, controllable clock.
struct ClockedServer {
  FakeClock clock{kStart};
  TestServer s{accessd::Config(), &clock};
};

}  // namespace

TEST_CASE("audit log: the access ladder, and nothing crosses organizations") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto org_sat = s.CreateSat(admin, "organization", "");
  auto gone_sat = s.CreateSat(admin, "organization", "");
  REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + gone_sat.id).status == 204);
  auto ws_sat = s.CreateSat(admin, "workspace", ws);
  Caller member = s.CreateUser(admin, "member@example.test", "member", {ws});
  auto pat = s.CreatePat(member, ws, "read_write");
  auto admin_pat = s.CreatePat(admin, ws, "read_write");

  // A second organization with its own admin, workspace, token and rows.
  auto other = s.app().identity().CreateOrganization("Other", "other@example.test",
                                                     TestServer::kUserPassword);
  REQUIRE(other.ok());
  Caller other_admin = s.Login("other@example.test", TestServer::kUserPassword);
  std::string other_ws = s.CreateWorkspace(other_admin, "Other Prod");
  auto other_sat = s.CreateSat(other_admin, "organization", "");

  struct Case {
    std::string name;
    Caller who;
    int status;
  };
  const Case cases[] = {
      {"no credential", Caller{}, 401},
      {"malformed token", TestServer::Bearer("acd_sato_not-a-token"), 401},
      {"deleted org SAT", TestServer::Bearer(gone_sat.secret), 401},
      {"workspace SAT", TestServer::Bearer(ws_sat.secret), 403},
      {"member PAT", TestServer::Bearer(pat.secret), 403},
      {"admin's PAT", TestServer::Bearer(admin_pat.secret), 403},
      {"member session", member, 403},
      {"org SAT", TestServer::Bearer(org_sat.secret), 200},
      {"admin session", admin, 200},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    Reply r = AuditLogs(s, tc.who);
    CHECK(r.status == tc.status);
    if (tc.status != 200) {
      CHECK(r.body.contains("code"));
      CHECK_FALSE(r.body.contains("data"));
    }
  }

  // Denied token requests are audited as denied; the org SAT's read as
  // "organization listed".
  auto rows = StoreRows(s, s.org_id());
  auto find = [&](const std::string& actor, const std::string& outcome) {
    for (const auto& row : rows) {
      json d = json::parse(row.details_json);
      if (row.actor_id == actor && row.outcome == outcome && d["path"] == "/v2/audit-logs") {
        return std::optional<accessd::model::AuditRow>(row);
      }
    }
    return std::optional<accessd::model::AuditRow>();
  };
  for (const std::string& denied : {ws_sat.id, pat.id, admin_pat.id}) {
    CAPTURE(denied);
    auto row = find(denied, "denied");
    REQUIRE(row);
    CHECK(json::parse(row->details_json)["status"] == 403);
  }
  auto listed = find(org_sat.id, "success");
  REQUIRE(listed);
  CHECK(listed->actor_type == "service_access_token");
  CHECK(listed->target_type == "organization");
  CHECK(listed->target_id == s.org_id());
  CHECK(listed->action == "listed");
  CHECK_FALSE(listed->workspace_id.has_value());

  // Each organization sees exactly its own rows, whoever asks and however
  // the filters and the cursor are set.
  struct View {
    std::string name;
    Caller who;
    std::string org_id;
  };
  const View views[] = {
      {"admin", admin, s.org_id()},
      {"org SAT", TestServer::Bearer(org_sat.secret), s.org_id()},
      {"other admin", other_admin, other->org_id},
      {"other org SAT", TestServer::Bearer(other_sat.secret), other->org_id},
  };
  for (const auto& v : views) {
    CAPTURE(v.name);
    auto all = FollowPages(s, v.who, "?per_page=50");
    REQUIRE_FALSE(all.empty());
    for (const auto& row : all) CHECK(row["organizationId"] == v.org_id);
    // Another organization's workspace filters to nothing.
    const std::string foreign_ws = v.org_id == s.org_id() ? other_ws : ws;
    Reply f = AuditLogs(s, v.who, "?workspace_id=" + foreign_ws);
    REQUIRE(f.status == 200);
    CHECK(f.body["data"].empty());
    CHECK(f.body["paging"]["total"] == 0);
    CHECK_FALSE(f.body["paging"].contains("next"));
    // A cursor is a position, not a key: from the start, still only ours.
    Reply c = AuditLogs(s, v.who, "?after_cursor=0&per_page=100");
    REQUIRE(c.status == 200);
    for (const auto& row : c.body["data"]) CHECK(row["organizationId"] == v.org_id);
  }
}

TEST_CASE("audit log: the cursor walks every row once, ascending, with nothing missing") {
  ClockedServer cs;
  TestServer& s = cs.s;
  Caller admin = s.Admin();
  std::vector<std::string> wss;
  for (int i = 0; i < 3; ++i) {
    cs.clock.AdvanceMs(1000);
    wss.push_back(s.CreateWorkspace(admin, "ws" + std::to_string(i)));
  }
  auto sat = s.CreateSat(admin, "workspace", wss[1]);
  for (int i = 0; i < 40; ++i) {
    cs.clock.AdvanceMs(10);
    REQUIRE(s.Call(TestServer::Bearer(sat.secret), "GET", "/v2/workspace").status == 200);
  }
  const auto expected = Ids(StoreRows(s, s.org_id()));
  REQUIRE(expected.size() > 45);

  for (int per_page : {1, 7, 45, 100}) {
    CAPTURE(per_page);
    int64_t total = -1;
    auto rows = FollowPages(s, admin, "?per_page=" + std::to_string(per_page), &total);
    auto ids = Ids(rows);
    CHECK(ids == expected);  // same rows, same (ascending) order: no gap, no duplicate
    CHECK(std::set<int64_t>(ids.begin(), ids.end()).size() == ids.size());
    CHECK(total == static_cast<int64_t>(expected.size()));
  }

  // The page that ends exactly at the last row has no next; the one before
  // it does, and its next says where to continue.
  const size_t n = expected.size();
  Reply last = AuditLogs(s, admin, "?per_page=5&after_cursor=" + std::to_string(expected[n - 6]));
  REQUIRE(last.status == 200);
  CHECK(last.body["data"].size() == 5);
  CHECK_FALSE(last.body["paging"].contains("next"));
  Reply before = AuditLogs(s, admin, "?per_page=5&after_cursor=" + std::to_string(expected[n - 7]));
  REQUIRE(before.status == 200);
  CHECK(before.body["paging"]["next"] ==
        "/v2/audit-logs?after_cursor=" + std::to_string(expected[n - 2]) + "&per_page=5");
  // Past the end: an empty page, still the full total.
  Reply past = AuditLogs(s, admin, "?after_cursor=" + std::to_string(expected[n - 1]));
  REQUIRE(past.status == 200);
  CHECK(past.body["data"].empty());
  CHECK(past.body["paging"]["total"] == static_cast<int64_t>(n));

  // Default page size is 100.
  Reply def = AuditLogs(s, admin);
  REQUIRE(def.status == 200);
  CHECK(def.body["data"].size() == std::min<size_t>(100, n));
}

TEST_CASE("audit log: filters alone and combined, and next keeps them") {
  ClockedServer cs;
  TestServer& s = cs.s;
  Caller admin = s.Admin();
  std::string a = s.CreateWorkspace(admin, "A");
  std::string b = s.CreateWorkspace(admin, "B");
  auto sat_a = s.CreateSat(admin, "workspace", a);
  auto sat_b = s.CreateSat(admin, "workspace", b);
  auto org_sat = s.CreateSat(admin, "organization", "");
  for (int i = 0; i < 30; ++i) {
    cs.clock.AdvanceMs(1000);
    REQUIRE(s.Call(TestServer::Bearer(i % 3 ? sat_a.secret : sat_b.secret), "GET", "/v2/workspace")
                .status == 200);
  }
  // Workspace b is deleted: its rows must stay queryable.
  REQUIRE(s.Call(admin, "DELETE", "/api/workspaces/" + b).status == 204);
  const auto all = StoreRows(s, s.org_id());

  const int64_t mid = kStart + 15 * 1000;  // half of the reads are after it
  struct Case {
    std::string name;
    std::optional<std::string> ws;
    std::optional<std::string> created_after;  // sent percent-encoded
  };
  // The same instant written three ways: with Z, with an offset (the '+'
  // must survive the round trip through `next`), and with fractional seconds.
  const std::string at_z = FormatRfc3339(mid);
  const std::string at_offset = FormatRfc3339(mid + 2 * 3600 * 1000).substr(0, 19) + "+02:00";
  const Case cases[] = {
      {"no filter", std::nullopt, std::nullopt},
      {"workspace a", a, std::nullopt},
      {"deleted workspace b", b, std::nullopt},
      {"unknown workspace", std::string("ws_doesnotexist"), std::nullopt},
      {"created_after Z", std::nullopt, at_z},
      {"created_after offset", std::nullopt, at_offset},
      {"workspace a + created_after", a, at_z},
      {"workspace b + created_after offset", b, at_offset},
      {"created_after in the future", std::nullopt, FormatRfc3339(kStart + 365 * kDayMs)},
  };
  REQUIRE(accessd::ParseRfc3339(at_offset) == mid);
  REQUIRE(Encode(at_offset).find("%2B02%3A00") != std::string::npos);
  for (const auto& tc : cases) {
    CAPTURE(tc.name);
    std::vector<int64_t> expected;
    const int64_t after = tc.created_after ? *accessd::ParseRfc3339(*tc.created_after) : INT64_MIN;
    for (const auto& row : all) {
      if (tc.ws && row.workspace_id != *tc.ws) continue;
      if (row.created_at <= after) continue;
      expected.push_back(row.id);
    }
    std::string query = "?per_page=4";
    if (tc.ws) query += "&workspace_id=" + *tc.ws;
    if (tc.created_after) {
      query += "&created_after=" + Encode(*tc.created_after);
    }
    Reply first = AuditLogs(s, admin, query);
    REQUIRE_MESSAGE(first.status == 200, first.text);
    CHECK(first.body["paging"]["total"] == static_cast<int64_t>(expected.size()));
    if (expected.size() > 4) {
      const std::string next = first.body["paging"]["next"].get<std::string>();
      if (tc.ws) CHECK(next.find("&workspace_id=" + *tc.ws) != std::string::npos);
      if (tc.created_after) {
        CHECK(next.find("&created_after=" + Encode(*tc.created_after)) != std::string::npos);
      }
      CHECK(next.find("per_page=4") != std::string::npos);
    } else {
      CHECK_FALSE(first.body["paging"].contains("next"));
    }
    int64_t total = -1;
    auto rows = FollowPages(s, admin, query, &total);
    CHECK(Ids(rows) == expected);
    CHECK(total == static_cast<int64_t>(expected.size()));
    for (const auto& row : rows) {
      if (tc.ws) CHECK(row["workspaceId"] == *tc.ws);
      CHECK(accessd::ParseRfc3339(row["createdAt"].get<std::string>()) > after);
    }
  }
  // Sanity of the scenario itself: the filters really select subsets.
  CHECK(std::count_if(all.begin(), all.end(), [&](const auto& r) { return r.workspace_id == b; }) >=
        10);

  // The same filters through an org SAT (its own reads add rows as it goes,
  // at the end, which paging simply picks up).
  Reply r = AuditLogs(s, TestServer::Bearer(org_sat.secret),
                      "?workspace_id=" + a + "&created_after=" + at_z);
  REQUIRE(r.status == 200);
  for (const auto& row : r.body["data"]) CHECK(row["workspaceId"] == a);
}

TEST_CASE("audit log: malformed queries answer 400 and change nothing") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto org_sat = s.CreateSat(admin, "organization", "");
  for (int i = 0; i < 3; ++i) s.CreateSat(admin, "workspace", ws);  // rows to page through

  struct Case {
    std::string query;
    int status;
    const char* field;  // the field error expected, for 400s
  };
  const Case cases[] = {
      {"?per_page=0", 400, "per_page"},
      {"?per_page=101", 400, "per_page"},
      {"?per_page=abc", 400, "per_page"},
      {"?per_page=", 400, "per_page"},
      {"?per_page=-1", 400, "per_page"},
      {"?per_page=1.5", 400, "per_page"},
      {"?per_page=%2B5", 400, "per_page"},
      {"?per_page=99999999999999999999", 400, "per_page"},
      {"?per_page=1", 200, nullptr},
      {"?per_page=100", 200, nullptr},
      {"?per_page=007", 200, nullptr},
      {"?created_after=yesterday", 400, "created_after"},
      {"?created_after=2026-13-01T00%3A00%3A00Z", 400, "created_after"},
      {"?created_after=", 400, "created_after"},
      {"?created_after=2026-01-01", 400, "created_after"},
      {"?created_after=2026-01-01T00%3A00%3A00Z", 200, nullptr},
      {"?after_cursor=abc", 400, "after_cursor"},
      {"?after_cursor=-5", 400, "after_cursor"},
      {"?after_cursor=", 400, "after_cursor"},
      {"?after_cursor=1e3", 400, "after_cursor"},
      {"?after_cursor=99999999999999999999999", 400, "after_cursor"},
      {"?after_cursor=0", 200, nullptr},
      {"?after_cursor=999999999", 200, nullptr},
      {"?workspace_id=", 400, "workspace_id"},
      {"?workspace_id=ws_unknown", 200, nullptr},
      {"?unrelated=1", 200, nullptr},
  };
  for (const Caller& who : {admin, TestServer::Bearer(org_sat.secret)}) {
    for (const auto& tc : cases) {
      CAPTURE(tc.query);
      const size_t before = StoreRows(s, s.org_id()).size();
      Reply r = AuditLogs(s, who, tc.query);
      CHECK(r.status == tc.status);
      if (tc.status == 400) {
        CHECK(r.body["code"] == "invalid_request");
        bool named = false;
        for (const auto& d : r.body["details"]) named = named || d["field"] == tc.field;
        CHECK_MESSAGE(named, r.text);
        // Only the org SAT's own request row may have been added.
        CHECK(StoreRows(s, s.org_id()).size() == before + (who.token.empty() ? 0 : 1));
      } else {
        CHECK(r.body["data"].is_array());
        CHECK(r.body["paging"]["total"].is_number_integer());
      }
    }
  }
  CHECK(AuditLogs(s, admin, "?per_page=1").body["data"].size() == 1);
  CHECK(AuditLogs(s, admin, "?per_page=100").body["data"].size() ==
        std::min<size_t>(100, StoreRows(s, s.org_id()).size()));
  // A refused query by a token is audited as failed, naming the organization.
  auto rows = StoreRows(s, s.org_id());
  bool failed_row = false;
  for (const auto& row : rows) {
    failed_row = failed_row || (row.actor_id == org_sat.id && row.outcome == "failed" &&
                                row.target_type == "organization" && row.action == "listed");
  }
  CHECK(failed_row);
}

TEST_CASE("audit log: rows have the documented shape; secrets appear nowhere") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  std::vector<TestServer::Token> tokens = {
      s.CreateSat(admin, "organization", ""),
      s.CreateSat(admin, "workspace", ws, json{{"sources", {{"edit", true}}}}),
      s.CreatePat(member, ws, "read_only"),
      s.CreatePat(admin, ws, "read_write"),
  };
  // Use each (allowed or not), present it both ways, then delete two.
  for (const auto& t : tokens) {
    Caller bearer = TestServer::Bearer(t.secret);
    Caller basic = bearer;
    basic.basic = true;
    s.Call(bearer, "GET", "/v2/workspace");
    s.Call(basic, "GET", "/v2/audit-logs");
    s.Call(bearer, "GET", "/v2/sources");
  }
  REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + tokens[1].id).status == 204);
  REQUIRE(s.Call(member, "DELETE", "/api/personal-access-tokens/" + tokens[2].id).status == 204);
  // Revocation of a leaked token sends the secret itself.
  s.Call(Caller{}, "POST", "/v2/tokens/revoke", json{{"tokens", {tokens[3].secret}}});

  auto rows = FollowPages(s, admin, "?per_page=100");
  REQUIRE(rows.size() > 20);
  const std::set<std::string> keys = {
      "id",        "actorId",     "actorType",      "targetId", "targetType", "action", "ip",
      "createdAt", "workspaceId", "organizationId", "outcome",  "userAgent",  "details"};
  for (const auto& row : rows) {
    CAPTURE(row.dump());
    std::set<std::string> got;
    for (auto it = row.begin(); it != row.end(); ++it) got.insert(it.key());
    CHECK(got == keys);
    CHECK(row["id"].is_string());
    CHECK(row["details"].is_object());
    CHECK((row["workspaceId"].is_null() || row["workspaceId"].is_string()));
    CHECK(row["organizationId"] == s.org_id());
    CHECK(accessd::ParseRfc3339(row["createdAt"].get<std::string>()).has_value());
    CHECK(row["createdAt"].get<std::string>().size() == 24);  // milliseconds, Z
    const std::string outcome = row["outcome"];
    CHECK((outcome == "success" || outcome == "denied" || outcome == "failed"));
    const std::string actor = row["actorType"];
    CHECK((actor == "user" || actor == "service_access_token" || actor == "personal_access_token" ||
           actor == "system"));
    const std::string text = row.dump();
    for (const auto& t : tokens) {
      CHECK(text.find(t.secret) == std::string::npos);
      CHECK(text.find(SecretPart(t.secret)) == std::string::npos);
    }
  }
  // The token lifecycle is there, by key id.
  for (const auto& t : tokens) {
    bool created = false;
    for (const auto& row : rows) {
      created = created || (row["targetId"] == t.id && row["action"] == "created");
    }
    CHECK_MESSAGE(created, t.id);
  }
  // Nor in the database file.
  const std::string files = accessd::testing::ReadDatabaseFiles(s.db_path());
  for (const auto& t : tokens) CHECK(files.find(SecretPart(t.secret)) == std::string::npos);
}

TEST_CASE("audit log: token reads are audited and readable through the API") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  auto org_sat = s.CreateSat(admin, "organization", "");
  Caller user_agent_caller = TestServer::Bearer(sat.secret);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(s.Call(user_agent_caller, "GET", "/v2/workspace").status == 200);
  }
  auto rows = FollowPages(s, TestServer::Bearer(org_sat.secret), "?workspace_id=" + ws);
  int reads = 0;
  for (const auto& row : rows) {
    if (row["actorId"] != sat.id || row["action"] != "read") continue;
    ++reads;
    CHECK(row["actorType"] == "service_access_token");
    CHECK(row["targetType"] == "workspace");
    CHECK(row["targetId"] == ws);
    CHECK(row["workspaceId"] == ws);
    CHECK(row["outcome"] == "success");
    CHECK(row["ip"] == "127.0.0.1");
    CHECK(row["details"]["method"] == "GET");
    CHECK(row["details"]["path"] == "/v2/workspace");
    CHECK(row["details"]["status"] == 200);
  }
  CHECK(reads == 4);
  // The org SAT's own listing is its row: "organization listed".
  Reply r = AuditLogs(s, admin, "?created_after=2000-01-01T00%3A00%3A00Z&per_page=100");
  REQUIRE(r.status == 200);
  int listed = 0;
  for (const auto& row : FollowPages(s, admin, "?per_page=100")) {
    if (row["actorId"] == org_sat.id) {
      ++listed;
      CHECK(row["action"] == "listed");
      CHECK(row["targetType"] == "organization");
      CHECK(row["targetId"] == s.org_id());
      CHECK(row["workspaceId"].is_null());
    }
  }
  CHECK(listed == 1);
}

TEST_CASE("retention: rows older than auditRetentionDays are pruned, and that is audited") {
  ClockedServer cs;
  TestServer& s = cs.s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  REQUIRE(s.Call(admin, "PATCH", "/api/organization", json{{"auditRetentionDays", 30}}).status ==
          200);
  auto other =
      s.app().identity().CreateOrganization("Other", "o@example.test", TestServer::kUserPassword);
  REQUIRE(other.ok());
  auto quiet =
      s.app().identity().CreateOrganization("Quiet", "q@example.test", TestServer::kUserPassword);
  REQUIRE(quiet.ok());

  // Old rows, written as they would have been: ours 40 days back, one per
  // hour for 20 days (half of them beyond 30 days); the other organization's
  // 400 days back (beyond its default 365). Plus rows exactly at the cutoff.
  const int64_t now = kStart + 1000;
  const int64_t cutoff = now - 30 * kDayMs;
  s.app().db().Write([&](accessd::store::Conn& c) {
    accessd::store::InsertSyntheticAudit(c, s.org_id(), {ws, ""}, 480, now - 40 * kDayMs,
                                         3600 * 1000);
    accessd::store::InsertSyntheticAudit(c, other->org_id, {}, 25, now - 400 * kDayMs, 1);
    accessd::store::InsertSyntheticAudit(c, s.org_id(), {ws}, 1, cutoff, 1);      // kept
    accessd::store::InsertSyntheticAudit(c, s.org_id(), {ws}, 1, cutoff - 1, 1);  // pruned
    return accessd::Status::Ok();
  });
  cs.clock.SetMs(now);

  auto count_old = [&](const std::string& org, int64_t before) {
    int64_t n = 0;
    for (const auto& r : StoreRows(s, org)) n += r.created_at < before;
    return n;
  };
  const int64_t ours_old = count_old(s.org_id(), cutoff);
  const int64_t other_old = count_old(other->org_id, now - 365 * kDayMs);
  REQUIRE(ours_old == 241);  // hours 0..239 of 480 are older than 30 days, plus cutoff - 1
  REQUIRE(other_old == 25);
  const size_t ours_before = StoreRows(s, s.org_id()).size();
  const size_t quiet_before = StoreRows(s, quiet->org_id).size();

  auto pruned = s.app().audit().PruneExpired(cs.clock.NowMs());
  REQUIRE(pruned.ok());
  CHECK(*pruned == ours_old + other_old);
  CHECK(count_old(s.org_id(), cutoff) == 0);
  CHECK(count_old(other->org_id, now - 365 * kDayMs) == 0);
  // Everything else stays, plus the one pruning row.
  CHECK(StoreRows(s, s.org_id()).size() == ours_before - ours_old + 1);
  CHECK(StoreRows(s, quiet->org_id).size() == quiet_before);

  struct Expect {
    std::string org_id;
    int64_t rows;
    int64_t cutoff;
  };
  for (const Expect& e : {Expect{s.org_id(), ours_old, cutoff},
                          Expect{other->org_id, other_old, now - 365 * kDayMs}}) {
    CAPTURE(e.org_id);
    int found = 0;
    for (const auto& row : StoreRows(s, e.org_id)) {
      if (!IsPruneRow(row)) continue;
      ++found;
      CHECK(row.actor_id == "system");
      CHECK(row.target_type == "organization");
      CHECK(row.target_id == e.org_id);
      CHECK(row.action == "deleted");
      CHECK(row.outcome == "success");
      CHECK_FALSE(row.workspace_id.has_value());
      CHECK(row.created_at == now);
      json d = json::parse(row.details_json);
      CHECK(d["reason"] == "retention");
      CHECK(d["prunedRows"] == e.rows);
      CHECK(d["before"] == FormatRfc3339(e.cutoff));
    }
    CHECK(found == 1);
  }
  for (const auto& row : StoreRows(s, quiet->org_id)) CHECK_FALSE(IsPruneRow(row));

  // Through the API: the pruning row, and totals that match what is left.
  auto api_rows = FollowPages(s, admin, "?per_page=100");
  CHECK(Ids(api_rows) == Ids(StoreRows(s, s.org_id())));
  CHECK(api_rows.back()["actorType"] == "system");
  CHECK(api_rows.back()["details"]["prunedRows"] == ours_old);
  Reply ws_page = AuditLogs(s, admin, "?workspace_id=" + ws);
  int64_t ws_rows = 0;
  for (const auto& r : StoreRows(s, s.org_id())) ws_rows += r.workspace_id == ws;
  CHECK(ws_page.body["paging"]["total"] == ws_rows);

  // A second run finds nothing and writes nothing.
  const size_t after_first = StoreRows(s, s.org_id()).size();
  auto again = s.app().audit().PruneExpired(cs.clock.NowMs());
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(StoreRows(s, s.org_id()).size() == after_first);

  // A day later the rows that were at the cutoff go too (one more row).
  cs.clock.AdvanceMs(kDayMs);
  auto later = s.app().audit().PruneExpired(cs.clock.NowMs());
  REQUIRE(later.ok());
  CHECK(*later >= 1);
}

TEST_CASE("retention: a prune of exactly one batch is audited once, with every row") {
  ClockedServer cs;
  TestServer& s = cs.s;
  const int64_t batch = accessd::service::AuditService::kPruneBatchRows;
  s.app().db().Write([&](accessd::store::Conn& c) {
    accessd::store::InsertSyntheticAudit(c, s.org_id(), {""}, batch, kStart - 400 * kDayMs, 1);
    return accessd::Status::Ok();
  });
  auto pruned = s.app().audit().PruneExpired(kStart);
  REQUIRE(pruned.ok());
  CHECK(*pruned == batch);
  int found = 0;
  for (const auto& row : StoreRows(s, s.org_id())) {
    if (!IsPruneRow(row)) continue;
    ++found;
    CHECK(json::parse(row.details_json)["prunedRows"] == batch);
  }
  CHECK(found == 1);
}

TEST_CASE("audit log: exact totals over 200,000 rows, with and without filters, after pruning") {
  ClockedServer cs;
  TestServer& s = cs.s;
  Caller admin = s.Admin();
  std::vector<std::string> wss;
  for (int i = 0; i < 3; ++i) wss.push_back(s.CreateWorkspace(admin, "ws" + std::to_string(i)));
  auto other =
      s.app().identity().CreateOrganization("Other", "o@example.test", TestServer::kUserPassword);
  REQUIRE(other.ok());
  Caller other_admin = s.Login("o@example.test", TestServer::kUserPassword);

  // One write job, one prepared INSERT: 200,000 rows over 400 days (one per
  // ~173 s) in three workspaces and none, plus 10,000 rows of the other
  // organization interleaved in time.
  const int64_t n = 200000;
  const int64_t step = 400 * kDayMs / n;
  const int64_t first = kStart - 400 * kDayMs;
  REQUIRE(s.app()
              .db()
              .Write([&](accessd::store::Conn& c) {
                accessd::store::InsertSyntheticAudit(
                    c, s.org_id(), {wss[0], wss[1], "", wss[2], wss[0]}, n, first, step);
                accessd::store::InsertSyntheticAudit(c, other->org_id, {""}, 10000, first,
                                                     step * 20);
                return accessd::Status::Ok();
              })
              .ok());

  // Totals computed here from the rows themselves, for a set of filters.
  // (`rows`: every row of ours, read straight from the store.)
  auto check_totals = [&](const std::string& when,
                          const std::vector<accessd::model::AuditRow>& rows) {
    CAPTURE(when);
    const std::vector<std::optional<std::string>> ws_filters = {std::nullopt, wss[0], wss[1],
                                                                wss[2], std::string("ws_none")};
    const std::vector<std::optional<int64_t>> after_filters = {
        std::nullopt, first - 1, kStart - 200 * kDayMs, kStart - kDayMs, kStart + kDayMs};
    for (const auto& wf : ws_filters) {
      for (const auto& af : after_filters) {
        int64_t expected = 0;
        for (const auto& r : rows) {
          if (wf && r.workspace_id != *wf) continue;
          if (af && r.created_at <= *af) continue;
          ++expected;
        }
        std::string q = "?per_page=3";
        if (wf) q += "&workspace_id=" + *wf;
        if (af) q += "&created_after=" + FormatRfc3339(*af);
        CAPTURE(q);
        Reply r = AuditLogs(s, admin, q);
        REQUIRE(r.status == 200);
        CHECK(r.body["paging"]["total"] == expected);
        CHECK(r.body["data"].size() == static_cast<size_t>(std::min<int64_t>(3, expected)));
      }
    }
    // The other organization's own view, unaffected by ours.
    int64_t others = static_cast<int64_t>(StoreRows(s, other->org_id).size());
    CHECK(AuditLogs(s, other_admin).body["paging"]["total"] == others);
  };
  const auto ours = StoreRows(s, s.org_id());
  REQUIRE(ours.size() > static_cast<size_t>(n));
  check_totals("after the bulk insert", ours);

  // A deep page with a workspace filter is the same as the store's.
  {
    const auto& rows = ours;
    std::vector<int64_t> in_ws1;
    for (const auto& r : rows) {
      if (r.workspace_id == wss[1]) in_ws1.push_back(r.id);
    }
    REQUIRE(in_ws1.size() > 35000);
    const size_t at = in_ws1.size() - 1000;
    Reply deep = AuditLogs(
        s, admin,
        "?workspace_id=" + wss[1] + "&per_page=100&after_cursor=" + std::to_string(in_ws1[at]));
    REQUIRE(deep.status == 200);
    CHECK(Ids(std::vector<json>(deep.body["data"].begin(), deep.body["data"].end())) ==
          std::vector<int64_t>(in_ws1.begin() + at + 1, in_ws1.begin() + at + 101));
  }

  // Retention 200 days: about half of ours goes, in 10 batches, and the other
  // organization (365 days) loses the rows beyond its own window.
  REQUIRE(s.Call(admin, "PATCH", "/api/organization", json{{"auditRetentionDays", 200}}).status ==
          200);
  int64_t expect_pruned = 0;
  for (const auto& r : ours) expect_pruned += r.created_at < kStart - 200 * kDayMs;
  for (const auto& r : StoreRows(s, other->org_id)) {
    expect_pruned += r.created_at < kStart - 365 * kDayMs;
  }
  REQUIRE(expect_pruned > 100000);
  auto pruned = s.app().audit().PruneExpired(kStart);
  REQUIRE(pruned.ok());
  CHECK(*pruned == expect_pruned);
  check_totals("after pruning", StoreRows(s, s.org_id()));
}

// Not run by default (see the header): fills 1,000,000 rows and reports the
// median time of one workspace-filtered page of 100 deep in the table.
TEST_CASE("benchmark: audit page of 100 with workspace_id over 1,000,000 rows" * doctest::skip()) {
  TestServer s;
  Caller admin = s.Admin();
  std::vector<std::string> wss;
  for (int i = 0; i < 4; ++i) wss.push_back(s.CreateWorkspace(admin, "ws" + std::to_string(i)));
  const int64_t n = 1000000;
  auto t0 = std::chrono::steady_clock::now();
  int64_t last_id = 0;
  REQUIRE(s.app()
              .db()
              .Write([&](accessd::store::Conn& c) {
                last_id = accessd::store::InsertSyntheticAudit(
                    c, s.org_id(), wss, n, kStart - 300 * kDayMs, 300 * kDayMs / n);
                return accessd::Status::Ok();
              })
              .ok());
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  MESSAGE("inserted " << n << " rows in " << ms(std::chrono::steady_clock::now() - t0) << " ms");

  auto median = [&](const std::function<void(int)>& fn) {
    std::vector<double> times;
    for (int i = 0; i < 201; ++i) {
      auto a = std::chrono::steady_clock::now();
      fn(i);
      times.push_back(ms(std::chrono::steady_clock::now() - a));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
  };
  accessd::store::AuditQuery q;
  q.org_id = s.org_id();
  q.workspace_id = wss[2];
  q.limit = 100;
  const double store_ms = median([&](int i) {
    q.after_id = last_id - 200000 + i * 500;
    s.app().db().Read([&](accessd::store::Conn& c) {
      auto page = accessd::store::ReadAuditPage(c, q);
      REQUIRE(page.rows.size() == 100);
    });
  });
  const double http_ms = median([&](int i) {
    Reply r = AuditLogs(s, admin,
                        "?workspace_id=" + wss[2] + "&per_page=100&after_cursor=" +
                            std::to_string(last_id - 200000 + i * 500));
    REQUIRE(r.status == 200);
  });
  const double created_ms = median([&](int) {
    Reply r = AuditLogs(s, admin,
                        "?workspace_id=" + wss[2] +
                            "&per_page=100&created_after=" + FormatRfc3339(kStart - kDayMs));
    REQUIRE(r.status == 200);
  });
  // The linear case, for the record: created_after before every row.
  const double all_ms = median([&](int) {
    Reply r = AuditLogs(s, admin,
                        "?workspace_id=" + wss[2] +
                            "&per_page=100&created_after=" + FormatRfc3339(kStart - 400 * kDayMs));
    REQUIRE(r.status == 200);
  });
  // An org SAT pays for its own audit row (one group commit) on top.
  auto sat = s.CreateSat(admin, "organization", "");
  const double sat_ms = median([&](int i) {
    Reply r = AuditLogs(s, TestServer::Bearer(sat.secret),
                        "?workspace_id=" + wss[2] + "&per_page=100&after_cursor=" +
                            std::to_string(last_id - 200000 + i * 500));
    REQUIRE(r.status == 200);
  });
  MESSAGE("median page of 100, workspace_id, deep cursor: store "
          << store_ms << " ms; HTTP "
          << "(admin session) " << http_ms << " ms; HTTP (org SAT, audited) " << sat_ms
          << " ms; created_after the last day " << created_ms
          << " ms; created_after matching every row (linear) " << all_ms << " ms");
}

TEST_CASE("organization settings: admins read and change them; everyone else is refused") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  Caller member = s.CreateUser(admin, "member@example.test", "member", {ws});
  auto org_sat = s.CreateSat(admin, "organization", "");
  auto ws_sat = s.CreateSat(admin, "workspace", ws);
  auto pat = s.CreatePat(member, ws, "read_write");

  Reply got = s.Call(admin, "GET", "/api/organization");
  REQUIRE(got.status == 200);
  const json org = got.body["organization"];
  CHECK(org["id"] == s.org_id());
  CHECK(org["name"] == "Default");
  CHECK(org["scimEnabled"] == false);
  CHECK(org["auditRetentionDays"] == 365);
  CHECK(org["accessModel"] == "policies");

  // The access ladder, for reading and for changing.
  Caller no_csrf = admin;
  no_csrf.csrf.clear();
  struct Access {
    std::string name;
    Caller who;
    int get;
    int patch;
  };
  const Access ladder[] = {
      {"no credential", Caller{}, 401, 401},
      {"org SAT", TestServer::Bearer(org_sat.secret), 401, 401},
      {"workspace SAT", TestServer::Bearer(ws_sat.secret), 401, 401},
      {"PAT", TestServer::Bearer(pat.secret), 401, 401},
      {"member session", member, 403, 403},
      {"admin without CSRF token", no_csrf, 200, 403},
  };
  for (const auto& a : ladder) {
    CAPTURE(a.name);
    CHECK(s.Call(a.who, "GET", "/api/organization").status == a.get);
    CHECK(s.Call(a.who, "PATCH", "/api/organization", json{{"name", "Hijacked"}}).status ==
          a.patch);
  }

  // Bad bodies: 400, nothing changes.
  const json bad[] = {
      {{"auditRetentionDays", 0}},
      {{"auditRetentionDays", 3651}},
      {{"auditRetentionDays", -1}},
      {{"auditRetentionDays", "30"}},
      {{"auditRetentionDays", 1.5}},
      {{"scimEnabled", "true"}},
      {{"name", ""}},
      {{"name", std::string(101, 'x')}},
      {{"name", 5}},
      {{"unknownField", true}},
      {{"name", "Fine"}, {"colour", "blue"}},
      json::array(),
  };
  for (const auto& body : bad) {
    CAPTURE(body.dump());
    Reply r = s.Call(admin, "PATCH", "/api/organization", body);
    CHECK(r.status == 400);
    CHECK(r.body["code"] == "invalid_request");
  }
  CHECK(s.CallRaw(admin, "PATCH", "/api/organization", "{not json").status == 400);
  CHECK(s.Call(admin, "GET", "/api/organization").body["organization"] == org);

  // Good changes, each answered with the new state and audited with from/to.
  struct Change {
    json body;
    const char* field;
    json from;
    json to;
  };
  const Change changes[] = {
      {{{"name", "Acme"}}, "name", "Default", "Acme"},
      {{{"scimEnabled", true}}, "scimEnabled", false, true},
      {{{"auditRetentionDays", 1}}, "auditRetentionDays", 365, 1},
      {{{"auditRetentionDays", 3650}}, "auditRetentionDays", 1, 3650},
      // Read-only fields sent back by a client are ignored.
      {{{"name", "Acme Corp"}, {"id", "org_other"}, {"accessModel", "legacy"}},
       "name",
       "Acme",
       "Acme Corp"},
  };
  for (const auto& ch : changes) {
    CAPTURE(ch.body.dump());
    Reply r = s.Call(admin, "PATCH", "/api/organization", ch.body);
    REQUIRE(r.status == 200);
    CHECK(r.body["organization"][ch.field] == ch.to);
    CHECK(r.body["organization"]["id"] == s.org_id());
    CHECK(r.body["organization"]["accessModel"] == "policies");
    CHECK(s.Call(admin, "GET", "/api/organization").body["organization"][ch.field] == ch.to);
    // The newest organization row is this change.
    auto rows = StoreRows(s, s.org_id());
    auto it = std::find_if(rows.rbegin(), rows.rend(), [](const auto& row) {
      return row.target_type == "organization" && row.action == "updated";
    });
    REQUIRE(it != rows.rend());
    CHECK(it->actor_type == "user");
    CHECK(it->actor_id == admin.user_id);
    CHECK(it->target_id == s.org_id());
    CHECK(it->outcome == "success");
    json d = json::parse(it->details_json);
    CHECK(d[ch.field]["from"] == ch.from);
    CHECK(d[ch.field]["to"] == ch.to);
  }
  // The change is visible through the Audit Log API too.
  bool seen = false;
  for (const auto& row : FollowPages(s, admin, "?per_page=100")) {
    seen = seen || (row["targetType"] == "organization" && row["action"] == "updated" &&
                    row["details"].contains("auditRetentionDays"));
  }
  CHECK(seen);
}
