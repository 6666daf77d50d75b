// resource_api_test.cc — the public API's resources and connections (SPEC §1,
// §3, §6) against a real server and a real SQLite file: the access ladder of
// every endpoint as scenario tables (401 → 404 → 403 → 2xx with its audit
// row), each credential kind (workspace SATs, PATs, admin and member
// sessions), includeFuture, id-scoped grants, connections, cascades into
// stored policies, paging and strict bodies.
//
// Baseline, group and member policies are written through the store (the
// policy HTTP API is tested elsewhere); workspace SAT policies go through
// POST /api/service-access-tokens.
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "api_harness.h"
#include "auth/policy.h"
#include "auth/token_format.h"
#include "base/random.h"
#include "model/types.h"
#include "store/audit_store.h"
#include "store/db.h"
#include "store/group_store.h"
#include "store/policy_store.h"
#include "store/resource_store.h"

using accessd::Status;
using accessd::model::AuditRow;
using accessd::store::PolicySubject;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using json = nlohmann::json;

namespace {

// One resource type as the API names it.
struct Kind {
  const char* path;
  const char* plural;
  const char* singular;
  const char* policy_key;
  const char* target;  // audit target type
  bool has_type;       // sources and destinations carry "type"
};

const Kind kKinds[] = {
    {"/v2/sources", "sources", "source", "sources", "source", true},
    {"/v2/destinations", "destinations", "destination", "destinations", "destination", true},
    {"/transformations", "transformations", "transformation", "transformations", "transformation",
     false},
    {"/libraries", "libraries", "library", "libraries", "transformation_library", false},
    {"/v2/catalog/tracking-plans", "trackingPlans", "trackingPlan", "tracking_plans",
     "tracking_plan", false},
};

const Kind& KindOf(const std::string& plural) {
  for (const Kind& k : kKinds) {
    if (plural == k.plural) return k;
  }
  FAIL("no kind " << plural);
  return kKinds[0];
}

// Every permission on every type.
json FullPolicy() {
  json p = json::object();
  for (const Kind& k : kKinds) {
    p[k.policy_key] = {{"edit", true}, {"connect", true}, {"create_delete", true}};
  }
  return p;
}

json NewBody(const Kind& k, const std::string& name) {
  json b = {{"name", name}, {"config", {{"color", "blue"}}}};
  if (k.has_type) b["type"] = std::string(k.plural) == "sources" ? "javascript" : "postgres";
  return b;
}

std::string WithWs(const std::string& path, const std::string& ws) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "workspace_id=" + ws;
}

// A well-formed token (right shape, right checksum) that was never issued.
std::string UnknownToken() {
  return accessd::auth::GenerateToken(accessd::auth::TokenKind::kWorkspaceSat).full;
}

std::vector<AuditRow> AuditRows(TestServer& s, const std::string& org_id, int64_t after_id = 0) {
  std::vector<AuditRow> rows;
  s.app().db().Read([&](accessd::store::Conn& c) {
    accessd::store::AuditQuery q;
    q.org_id = org_id;
    q.after_id = after_id;
    q.limit = 1000000;
    rows = accessd::store::QueryAudit(c, q);
  });
  return rows;
}

int64_t LastAuditId(TestServer& s, const std::string& org_id) {
  auto rows = AuditRows(s, org_id);
  return rows.empty() ? 0 : rows.back().id;
}

// The row that matches, or nullptr.
const AuditRow* FindRow(const std::vector<AuditRow>& rows, const std::string& actor_type,
                        const std::string& actor_id, const std::string& target_type,
                        const std::string& target_id, const std::string& action,
                        const std::string& outcome) {
  for (const auto& r : rows) {
    if (r.actor_type == actor_type && r.actor_id == actor_id && r.target_type == target_type &&
        r.target_id == target_id && r.action == action && r.outcome == outcome) {
      return &r;
    }
  }
  return nullptr;
}

std::string DescribeRows(const std::vector<AuditRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += r.actor_type + "/" + r.actor_id + " " + r.target_type + "/" + r.target_id + " " +
           r.action + " " + r.outcome + " " + r.details_json + "\n";
  }
  return out;
}

// Stores a baseline/group/member policy the way the policy service will:
// validated, with the current resource seq as its mark, then caches cleared.
void PutPolicy(TestServer& s, const std::string& ws, PolicySubject subject,
               const std::string& subject_id, const json& doc) {
  std::vector<accessd::auth::PolicyError> errors;
  auto p = accessd::auth::ParsePolicy(doc, nullptr, &errors);
  REQUIRE_MESSAGE(p, doc.dump());
  Status st = s.app().db().Write([&](accessd::store::Conn& c) {
    p->seq_mark = accessd::store::CurrentResourceSeq(c);
    accessd::store::PutPolicy(c, ws, subject, subject_id, *p, s.app().clock().NowMs());
    return Status::Ok();
  });
  REQUIRE(st.ok());
  s.app().auth().InvalidateAccess();
}

std::optional<json> StoredPolicy(TestServer& s, const std::string& ws, PolicySubject subject,
                                 const std::string& subject_id, int64_t* seq_mark = nullptr) {
  std::optional<accessd::auth::Policy> p;
  s.app().db().Read(
      [&](accessd::store::Conn& c) { p = accessd::store::GetPolicy(c, ws, subject, subject_id); });
  if (!p) return std::nullopt;
  if (seq_mark) *seq_mark = p->seq_mark;
  return accessd::auth::PolicyToJson(*p);
}

// A group in `ws` with these members.
std::string CreateGroup(TestServer& s, const std::string& ws,
                        const std::vector<std::string>& members) {
  accessd::model::Group g;
  g.id = accessd::NewId("grp");
  g.org_id = s.org_id();
  g.name = "group " + g.id;
  g.created_at = g.updated_at = s.app().clock().NowMs();
  Status st = s.app().db().Write([&](accessd::store::Conn& c) {
    accessd::store::InsertGroup(c, g);
    accessd::store::SetGroupMembers(c, g.id, members);
    accessd::store::SetGroupWorkspaces(c, g.id, {ws});
    return Status::Ok();
  });
  REQUIRE(st.ok());
  s.app().auth().InvalidateAccess();
  return g.id;
}

// Creates a resource as `who` (CHECKs 201) and returns its JSON.
json Create(TestServer& s, const Caller& who, const Kind& k, const std::string& name,
            const std::string& session_ws = "") {
  std::string path = session_ws.empty() ? k.path : WithWs(k.path, session_ws);
  Reply r = s.Call(who, "POST", path, NewBody(k, name));
  REQUIRE_MESSAGE(r.status == 201, r.text);
  return r.body[k.singular];
}

std::string CreateId(TestServer& s, const Caller& who, const Kind& k, const std::string& name,
                     const std::string& session_ws = "") {
  return Create(s, who, k, name, session_ws)["id"].get<std::string>();
}

// A second organization with its admin session and one workspace.
struct OtherOrg {
  std::string org_id;
  Caller admin;
  std::string ws;
};

OtherOrg MakeOtherOrg(TestServer& s) {
  OtherOrg o;
  auto created = s.app().identity().CreateOrganization("Other org", "other-admin@example.test",
                                                       TestServer::kAdminPassword);
  REQUIRE(created.ok());
  o.org_id = created->org_id;
  o.admin = s.Login("other-admin@example.test", TestServer::kAdminPassword);
  o.ws = s.CreateWorkspace(o.admin, "Other prod");
  return o;
}

// ---------------------------------------------------------------------------
// The shared world of the ladder tests: one organization with two
// workspaces, a second organization, and a token for each rung.
struct World {
  TestServer s;
  Caller admin;
  std::string ws;   // the workspace under test
  std::string ws2;  // another workspace of the same organization
  OtherOrg other;
  TestServer::Token sat_none;   // ws, empty own policy (view only)
  TestServer::Token sat_all;    // ws, every permission
  TestServer::Token sat_ws2;    // ws2, every permission
  TestServer::Token sat_other;  // the other organization's workspace, every permission
  TestServer::Token org_sat;
  TestServer::Token sat_deleted;

  World() {
    admin = s.Admin();
    ws = s.CreateWorkspace(admin, "Prod");
    ws2 = s.CreateWorkspace(admin, "Dev");
    other = MakeOtherOrg(s);
    sat_none = s.CreateSat(admin, "workspace", ws);
    sat_all = s.CreateSat(admin, "workspace", ws, FullPolicy());
    sat_ws2 = s.CreateSat(admin, "workspace", ws2, FullPolicy());
    sat_other = s.CreateSat(other.admin, "workspace", other.ws, FullPolicy());
    org_sat = s.CreateSat(admin, "organization", "");
    sat_deleted = s.CreateSat(admin, "workspace", ws, FullPolicy());
    // Used once, so that it is in the verified-token cache when deleted.
    REQUIRE(s.Call(TestServer::Bearer(sat_deleted.secret), "GET", "/v2/workspace").status == 200);
    REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + sat_deleted.id).status == 204);
  }
};

// One rung: who calls, on which path, and what must come back.
struct Rung {
  std::string name;
  Caller who;
  std::string path;
  int status;
  std::string code;  // the error code, when status >= 400
};

void CheckRung(World& w, const std::string& method, const Rung& rung,
               const std::optional<json>& body) {
  CAPTURE(rung.name);
  CAPTURE(method);
  CAPTURE(rung.path);
  Reply r = w.s.Call(rung.who, method, rung.path, body);
  CHECK_MESSAGE(r.status == rung.status, r.text);
  if (!rung.code.empty()) CHECK(r.body["code"] == rung.code);
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("every resource endpoint walks the access ladder") {
  World w;
  for (const Kind& k : kKinds) {
    CAPTURE(k.path);
    // A resource of the other organization, for the cross-tenant rung.
    std::string foreign_id = CreateId(w.s, w.other.admin, k, "foreign", w.other.ws);

    struct Endpoint {
      std::string method;
      bool item;
      int ok;
      std::string action;
    };
    const Endpoint endpoints[] = {{"GET", false, 200, "listed"}, {"POST", false, 201, "created"},
                                  {"GET", true, 200, "read"},    {"PATCH", true, 200, "updated"},
                                  {"PUT", true, 200, "updated"}, {"DELETE", true, 204, "deleted"}};
    for (const Endpoint& e : endpoints) {
      CAPTURE(e.method);
      CAPTURE(e.item);
      const bool mutating = e.method != "GET";
      // A fresh resource per endpoint, created by the admin session.
      const std::string id =
          CreateId(w.s, w.admin, k, "target " + e.method + (e.item ? " item" : ""), w.ws);
      const std::string path = e.item ? std::string(k.path) + "/" + id : std::string(k.path);
      std::optional<json> body;
      if (e.method == "POST") body = NewBody(k, "made by ladder");
      if (e.method == "PATCH") body = json{{"enabled", false}};
      if (e.method == "PUT") body = NewBody(k, "renamed by ladder");

      // Another workspace's or organization's token asking for this
      // workspace: by id for items, by workspace_id for collections.
      const std::string foreign_path = WithWs(path, w.ws);
      const std::string other_org_item =
          e.item ? std::string(k.path) + "/" + foreign_id : WithWs(k.path, w.other.ws);
      std::vector<Rung> rungs = {
          {"no credential", Caller{}, path, 401, "unauthenticated"},
          {"malformed token", TestServer::Bearer("acd_satw_nope"), path, 401, "unauthenticated"},
          {"unknown token", TestServer::Bearer(UnknownToken()), path, 401, "unauthenticated"},
          {"deleted token", TestServer::Bearer(w.sat_deleted.secret), path, 401, "unauthenticated"},
          {"org SAT", TestServer::Bearer(w.org_sat.secret), path, 403, "token_type_not_allowed"},
          {"another workspace's token", TestServer::Bearer(w.sat_ws2.secret), foreign_path, 404,
           "not_found"},
          {"another organization's token", TestServer::Bearer(w.sat_other.secret), foreign_path,
           404, "not_found"},
          {"this workspace's token, other organization's id", TestServer::Bearer(w.sat_all.secret),
           other_org_item, 404, "not_found"},
          {"another organization's admin", w.other.admin, foreign_path, 404, "not_found"},
      };
      if (e.item) {
        rungs.push_back({"another workspace's token by id", TestServer::Bearer(w.sat_ws2.secret),
                         path, 404, "not_found"});
      }
      for (const Rung& rung : rungs) CheckRung(w, e.method, rung, body);

      // Allowed in but not permitted: view works, every change is 403 and
      // changes nothing.
      const json before = w.s.Call(w.admin, "GET", WithWs(path, w.ws)).body;
      const int64_t mark = LastAuditId(w.s, w.s.org_id());
      Reply denied = w.s.Call(TestServer::Bearer(w.sat_none.secret), e.method, path, body);
      if (mutating) {
        CHECK_MESSAGE(denied.status == 403, denied.text);
        CHECK(denied.body["code"] == "forbidden");
        CHECK(denied.body["error"].get<std::string>().find(
                  std::string(e.method == "PATCH" || e.method == "PUT" ? "edit" : "create_delete") +
                  " on " + k.policy_key) != std::string::npos);
        json after = w.s.Call(w.admin, "GET", WithWs(path, w.ws)).body;
        if (e.item) {
          CHECK(after == before);
        } else {
          CHECK(after["paging"]["total"] == before["paging"]["total"]);
        }
        auto rows = AuditRows(w.s, w.s.org_id(), mark);
        CHECK_MESSAGE(FindRow(rows, "service_access_token", w.sat_none.id, k.target,
                              e.item ? id : w.ws, e.action, "denied"),
                      DescribeRows(rows));
      } else {
        CHECK_MESSAGE(denied.status == 200, denied.text);
      }

      // Permitted: the answer, and the audit row naming actor and target.
      const int64_t mark2 = LastAuditId(w.s, w.s.org_id());
      Reply ok = w.s.Call(TestServer::Bearer(w.sat_all.secret), e.method, path, body);
      REQUIRE_MESSAGE(ok.status == e.ok, ok.text);
      std::string target_id = e.item ? id : w.ws;
      if (e.method == "POST") target_id = ok.body[k.singular]["id"].get<std::string>();
      auto rows = AuditRows(w.s, w.s.org_id(), mark2);
      const AuditRow* row = FindRow(rows, "service_access_token", w.sat_all.id, k.target, target_id,
                                    e.action, "success");
      REQUIRE_MESSAGE(row, DescribeRows(rows));
      CHECK(row->workspace_id == w.ws);
      CHECK(json::parse(row->details_json)["status"] == e.ok);
      if (e.method == "DELETE") {
        CHECK(w.s.Call(w.admin, "GET", WithWs(path, w.ws)).status == 404);
      }
      if (e.method == "PATCH") CHECK(ok.body[k.singular]["enabled"] == false);
      if (e.method == "PUT") CHECK(ok.body[k.singular]["name"] == "renamed by ladder");
    }
  }
}

TEST_CASE("connection endpoints walk the access ladder") {
  World w;
  const Kind& src = KindOf("sources");
  const Kind& dst = KindOf("destinations");
  std::string foreign_src = CreateId(w.s, w.other.admin, src, "foreign src", w.other.ws);
  std::string foreign_dst = CreateId(w.s, w.other.admin, dst, "foreign dst", w.other.ws);
  Reply fc = w.s.Call(w.other.admin, "POST", WithWs("/v2/connections", w.other.ws),
                      json{{"sourceId", foreign_src}, {"destinationId", foreign_dst}});
  REQUIRE(fc.status == 201);
  const std::string foreign_conn = fc.body["connection"]["id"];

  struct Endpoint {
    std::string method;
    bool item;
    int ok;
    std::string action;
  };
  const Endpoint endpoints[] = {{"GET", false, 200, "listed"},
                                {"POST", false, 201, "created"},
                                {"GET", true, 200, "read"},
                                {"DELETE", true, 204, "deleted"}};
  int n = 0;
  for (const Endpoint& e : endpoints) {
    CAPTURE(e.method);
    CAPTURE(e.item);
    ++n;
    const std::string a = CreateId(w.s, w.admin, src, "src " + std::to_string(n), w.ws);
    const std::string b = CreateId(w.s, w.admin, dst, "dst " + std::to_string(n), w.ws);
    std::string conn_id;
    if (e.item) {
      Reply r = w.s.Call(w.admin, "POST", WithWs("/v2/connections", w.ws),
                         json{{"sourceId", a}, {"destinationId", b}});
      REQUIRE_MESSAGE(r.status == 201, r.text);
      conn_id = r.body["connection"]["id"];
    }
    const std::string path = e.item ? "/v2/connections/" + conn_id : "/v2/connections";
    std::optional<json> body;
    if (e.method == "POST") body = json{{"sourceId", a}, {"destinationId", b}};
    const std::string other_org_path =
        e.item ? "/v2/connections/" + foreign_conn : WithWs("/v2/connections", w.other.ws);

    std::vector<Rung> rungs = {
        {"no credential", Caller{}, path, 401, "unauthenticated"},
        {"malformed token", TestServer::Bearer("Bearer-ish"), path, 401, "unauthenticated"},
        {"unknown token", TestServer::Bearer(UnknownToken()), path, 401, "unauthenticated"},
        {"deleted token", TestServer::Bearer(w.sat_deleted.secret), path, 401, "unauthenticated"},
        {"org SAT", TestServer::Bearer(w.org_sat.secret), path, 403, "token_type_not_allowed"},
        {"another workspace's token", TestServer::Bearer(w.sat_ws2.secret), WithWs(path, w.ws), 404,
         "not_found"},
        {"another organization's token", TestServer::Bearer(w.sat_other.secret), WithWs(path, w.ws),
         404, "not_found"},
        {"other organization's connection", TestServer::Bearer(w.sat_all.secret), other_org_path,
         404, "not_found"},
        {"another organization's admin", w.other.admin, WithWs(path, w.ws), 404, "not_found"},
    };
    if (e.item) {
      rungs.push_back({"another workspace's token by id", TestServer::Bearer(w.sat_ws2.secret),
                       path, 404, "not_found"});
    }
    if (e.method == "POST") {
      // The ends themselves belong to another workspace.
      rungs.push_back({"ends in another workspace", TestServer::Bearer(w.sat_ws2.secret), path, 404,
                       "not_found"});
    }
    for (const Rung& rung : rungs) CheckRung(w, e.method, rung, body);

    const int64_t mark = LastAuditId(w.s, w.s.org_id());
    const json total_before =
        w.s.Call(w.admin, "GET", WithWs("/v2/connections", w.ws)).body["paging"]["total"];
    Reply denied = w.s.Call(TestServer::Bearer(w.sat_none.secret), e.method, path, body);
    if (e.method != "GET") {
      CHECK_MESSAGE(denied.status == 403, denied.text);
      CHECK(denied.body["error"].get<std::string>().find("connect") != std::string::npos);
      Reply list = w.s.Call(w.admin, "GET", WithWs("/v2/connections", w.ws));
      CHECK(list.body["paging"]["total"] == total_before);
      auto rows = AuditRows(w.s, w.s.org_id(), mark);
      CHECK_MESSAGE(FindRow(rows, "service_access_token", w.sat_none.id, "connection",
                            e.item ? conn_id : w.ws, e.action, "denied"),
                    DescribeRows(rows));
    } else {
      CHECK_MESSAGE(denied.status == 200, denied.text);
    }

    const int64_t mark2 = LastAuditId(w.s, w.s.org_id());
    Reply ok = w.s.Call(TestServer::Bearer(w.sat_all.secret), e.method, path, body);
    REQUIRE_MESSAGE(ok.status == e.ok, ok.text);
    std::string target_id = e.item ? conn_id : w.ws;
    if (e.method == "POST") {
      target_id = ok.body["connection"]["id"];
      CHECK(ok.body["connection"]["sourceId"] == a);
      CHECK(ok.body["connection"]["destinationId"] == b);
      CHECK(ok.body["connection"]["enabled"] == true);
    }
    auto rows = AuditRows(w.s, w.s.org_id(), mark2);
    const AuditRow* row = FindRow(rows, "service_access_token", w.sat_all.id, "connection",
                                  target_id, e.action, "success");
    REQUIRE_MESSAGE(row, DescribeRows(rows));
    CHECK(row->workspace_id == w.ws);
    // Connections made in earlier iterations stay; the ones deleted go.
    if (e.method == "DELETE") CHECK(w.s.Call(w.admin, "GET", WithWs(path, w.ws)).status == 404);
  }
}

TEST_CASE("workspace SATs act with the baseline and their own policy") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  const Kind& src = KindOf("sources");
  const Kind& dst = KindOf("destinations");
  std::string a = CreateId(s, admin, src, "a", ws);
  std::string d1 = CreateId(s, admin, dst, "d1", ws);

  // Own policy: create_delete on destinations only.
  auto sat = s.CreateSat(admin, "workspace", ws, json{{"destinations", {{"create_delete", true}}}});
  Caller t = TestServer::Bearer(sat.secret);
  CHECK(s.Call(t, "POST", "/v2/destinations", NewBody(dst, "d2")).status == 201);
  CHECK(s.Call(t, "POST", "/v2/sources", NewBody(src, "b")).status == 403);
  CHECK(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", false}}).status == 403);

  // The baseline adds edit on sources for every token of the workspace.
  PutPolicy(s, ws, PolicySubject::kBaseline, "", json{{"sources", {{"edit", true}}}});
  CHECK(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", false}}).status == 200);
  CHECK(s.Call(t, "POST", "/v2/sources", NewBody(src, "b")).status == 403);
  // Still no edit on destinations: create_delete is not edit.
  CHECK(s.Call(t, "PATCH", "/v2/destinations/" + d1, json{{"enabled", false}}).status == 403);
  CHECK(s.Call(t, "DELETE", "/v2/destinations/" + d1).status == 204);

  // Emptying the baseline takes effect on the next request.
  PutPolicy(s, ws, PolicySubject::kBaseline, "", json::object());
  CHECK(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", true}}).status == 403);
}

TEST_CASE("PATs: read_only is view only, read_write follows the user's permissions") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string ws2 = s.CreateWorkspace(admin, "Dev");
  const Kind& src = KindOf("sources");
  std::string a = CreateId(s, admin, src, "a", ws);
  std::string b = CreateId(s, admin, src, "b", ws);

  SUBCASE("an admin's read_only PAT may only view") {
    auto pat = s.CreatePat(admin, ws, "read_only");
    Caller t = TestServer::Bearer(pat.secret);
    CHECK(s.Call(t, "GET", "/v2/sources").status == 200);
    CHECK(s.Call(t, "GET", "/v2/sources/" + a).status == 200);
    const int64_t mark = LastAuditId(s, s.org_id());
    Reply r = s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", false}});
    CHECK(r.status == 403);
    CHECK(r.body["error"].get<std::string>().find("read-only") != std::string::npos);
    CHECK(s.Call(t, "POST", "/v2/sources", NewBody(src, "c")).status == 403);
    CHECK(s.Call(t, "DELETE", "/v2/sources/" + a).status == 403);
    CHECK(s.Call(admin, "GET", WithWs("/v2/sources/" + a, ws)).body["source"]["enabled"] == true);
    auto rows = AuditRows(s, s.org_id(), mark);
    CHECK(FindRow(rows, "personal_access_token", pat.id, "source", a, "updated", "denied"));
    // Another workspace of the same organization: 404.
    std::string other = CreateId(s, admin, src, "other", ws2);
    CHECK(s.Call(t, "GET", "/v2/sources/" + other).status == 404);
  }

  SUBCASE("an admin's read_write PAT may do everything there") {
    auto pat = s.CreatePat(admin, ws, "read_write");
    Caller t = TestServer::Bearer(pat.secret);
    Reply r = s.Call(t, "POST", "/v2/sources", NewBody(src, "c"));
    REQUIRE(r.status == 201);
    auto rows = AuditRows(s, s.org_id());
    CHECK(FindRow(rows, "personal_access_token", pat.id, "source",
                  r.body["source"]["id"].get<std::string>(), "created", "success"));
  }

  SUBCASE("a member's read_write PAT has the member's effective permissions") {
    Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
    auto pat = s.CreatePat(member, ws, "read_write");
    Caller t = TestServer::Bearer(pat.secret);
    CHECK(s.Call(t, "GET", "/v2/sources").body["paging"]["total"] == 2);
    CHECK(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", false}}).status == 403);

    // A member policy: edit on a only.
    PutPolicy(s, ws, PolicySubject::kMember, member.user_id,
              json{{"sources", {{"edit", {{"ids", {a}}, {"includeFuture", false}}}}}});
    Reply ok = s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", false}});
    CHECK(ok.status == 200);
    CHECK(s.Call(t, "PATCH", "/v2/sources/" + b, json{{"enabled", false}}).status == 403);
    auto rows = AuditRows(s, s.org_id());
    const AuditRow* row =
        FindRow(rows, "personal_access_token", pat.id, "source", a, "updated", "success");
    REQUIRE(row);
    CHECK(json::parse(row->details_json)["changed"]["enabled"]["to"] == false);

    // A group adds create_delete on sources.
    CHECK(s.Call(t, "POST", "/v2/sources", NewBody(src, "c")).status == 403);
    std::string g = CreateGroup(s, ws, {member.user_id});
    PutPolicy(s, ws, PolicySubject::kGroup, g, json{{"sources", {{"create_delete", true}}}});
    CHECK(s.Call(t, "POST", "/v2/sources", NewBody(src, "c")).status == 201);

    // A read_only PAT of the same member stays view-only.
    auto ro = s.CreatePat(member, ws, "read_only");
    CHECK(
        s.Call(TestServer::Bearer(ro.secret), "PATCH", "/v2/sources/" + a, json{{"enabled", true}})
            .status == 403);

    // Taken out of the workspace: the PAT is refused (403), changes nothing.
    Reply moved = s.Call(admin, "PUT", "/api/members/" + member.user_id + "/workspaces",
                         json{{"workspaceIds", {ws2}}});
    REQUIRE_MESSAGE(moved.status == 200, moved.text);
    // The group still makes them reach ws: the PAT keeps working.
    CHECK(s.Call(t, "GET", "/v2/sources").status == 200);
    Status st = s.app().db().Write([&](accessd::store::Conn& c) {
      accessd::store::SetGroupMembers(c, g, {});
      return Status::Ok();
    });
    REQUIRE(st.ok());
    s.app().auth().InvalidateAccess();
    Reply gone = s.Call(t, "GET", "/v2/sources");
    CHECK(gone.status == 403);
    CHECK(gone.body["code"] == "forbidden");
    CHECK(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"enabled", true}}).status == 403);
  }
}

TEST_CASE("sessions pick the workspace with workspace_id") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string ws2 = s.CreateWorkspace(admin, "Dev");
  const Kind& src = KindOf("sources");
  const Kind& dst = KindOf("destinations");

  // Admins: every workspace, everything; workspace_id is required.
  Reply missing = s.Call(admin, "GET", "/v2/sources");
  CHECK(missing.status == 400);
  CHECK(missing.body["code"] == "invalid_request");
  CHECK(s.Call(admin, "POST", "/v2/sources", NewBody(src, "x")).status == 400);
  CHECK(s.Call(admin, "GET", WithWs("/v2/sources", "ws_doesnotexist")).status == 404);
  std::string a = CreateId(s, admin, src, "a", ws);
  std::string in_ws2 = CreateId(s, admin, src, "in dev", ws2);
  // The id must belong to the named workspace.
  CHECK(s.Call(admin, "GET", WithWs("/v2/sources/" + in_ws2, ws)).status == 404);
  CHECK(s.Call(admin, "GET", WithWs("/v2/sources/" + in_ws2, ws2)).status == 200);
  auto rows = AuditRows(s, s.org_id());
  const AuditRow* row = FindRow(rows, "user", admin.user_id, "source", a, "created", "success");
  REQUIRE(row);
  CHECK(row->workspace_id == ws);

  // Members: only their workspaces, with their effective permissions.
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  CHECK(s.Call(member, "GET", WithWs("/v2/sources", ws)).status == 200);
  CHECK(s.Call(member, "GET", WithWs("/v2/sources", ws2)).status == 404);
  CHECK(s.Call(member, "GET", WithWs("/v2/sources/" + in_ws2, ws2)).status == 404);
  CHECK(s.Call(member, "POST", WithWs("/v2/sources", ws2), NewBody(src, "m")).status == 404);
  CHECK(s.Call(member, "POST", WithWs("/v2/sources", ws), NewBody(src, "m")).status == 403);
  CHECK(s.Call(member, "PATCH", WithWs("/v2/sources/" + a, ws), json{{"enabled", false}}).status ==
        403);

  PutPolicy(s, ws, PolicySubject::kBaseline, "",
            json{{"sources", {{"edit", true}, {"connect", true}}},
                 {"destinations", {{"create_delete", true}}}});
  CHECK(s.Call(member, "PATCH", WithWs("/v2/sources/" + a, ws), json{{"enabled", false}}).status ==
        200);
  Reply d = s.Call(member, "POST", WithWs("/v2/destinations", ws), NewBody(dst, "wh"));
  REQUIRE(d.status == 201);
  rows = AuditRows(s, s.org_id());
  CHECK(FindRow(rows, "user", member.user_id, "destination",
                d.body["destination"]["id"].get<std::string>(), "created", "success"));
  // Connecting also needs edit and connect on the destination.
  Reply c = s.Call(member, "POST", WithWs("/v2/connections", ws),
                   json{{"sourceId", a}, {"destinationId", d.body["destination"]["id"]}});
  CHECK(c.status == 403);
  CHECK(c.body["error"].get<std::string>().find("destinations") != std::string::npos);
  // A CSRF token is still required of sessions.
  Caller no_csrf = member;
  no_csrf.csrf.clear();
  CHECK(s.Call(no_csrf, "PATCH", WithWs("/v2/sources/" + a, ws), json{{"enabled", true}}).status ==
        403);
}

TEST_CASE("includeFuture is exact") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  const Kind& src = KindOf("sources");
  std::string before = CreateId(s, admin, src, "before", ws);

  auto future =
      s.CreateSat(admin, "workspace", ws,
                  json{{"sources", {{"edit", {{"ids", json::array()}, {"includeFuture", true}}}}}});
  auto listed =
      s.CreateSat(admin, "workspace", ws,
                  json{{"sources", {{"edit", {{"ids", {before}}, {"includeFuture", false}}}}}});
  std::string after = CreateId(s, admin, src, "after", ws);
  Caller f = TestServer::Bearer(future.secret);
  Caller l = TestServer::Bearer(listed.secret);

  CHECK(s.Call(f, "PATCH", "/v2/sources/" + before, json{{"enabled", false}}).status == 403);
  CHECK(s.Call(f, "PATCH", "/v2/sources/" + after, json{{"enabled", false}}).status == 200);
  CHECK(s.Call(l, "PATCH", "/v2/sources/" + before, json{{"enabled", false}}).status == 200);
  CHECK(s.Call(l, "PATCH", "/v2/sources/" + after, json{{"enabled", true}}).status == 403);

  // Creating needs create_delete covering future resources; a listed grant
  // only deletes what it lists.
  auto del_listed = s.CreateSat(
      admin, "workspace", ws,
      json{{"sources", {{"create_delete", {{"ids", {before}}, {"includeFuture", false}}}}}});
  Caller dl = TestServer::Bearer(del_listed.secret);
  Reply denied = s.Call(dl, "POST", "/v2/sources", NewBody(src, "nope"));
  CHECK(denied.status == 403);
  CHECK(denied.body["error"].get<std::string>().find("create_delete on sources") !=
        std::string::npos);
  CHECK(s.Call(dl, "DELETE", "/v2/sources/" + after).status == 403);

  auto del_future = s.CreateSat(
      admin, "workspace", ws,
      json{{"sources", {{"create_delete", {{"ids", json::array()}, {"includeFuture", true}}}}}});
  Caller df = TestServer::Bearer(del_future.secret);
  std::string made = CreateId(s, df, src, "made by token");
  CHECK(s.Call(df, "DELETE", "/v2/sources/" + before).status == 403);
  CHECK(s.Call(df, "DELETE", "/v2/sources/" + made).status == 204);
  CHECK(s.Call(dl, "DELETE", "/v2/sources/" + before).status == 204);

  // Member policies: the mark is the seq when the policy was stored.
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  std::string old_src = CreateId(s, admin, src, "old", ws);
  PutPolicy(s, ws, PolicySubject::kMember, member.user_id,
            json{{"sources", {{"edit", {{"ids", json::array()}, {"includeFuture", true}}}}}});
  std::string new_src = CreateId(s, admin, src, "new", ws);
  CHECK(s.Call(member, "PATCH", WithWs("/v2/sources/" + old_src, ws), json{{"enabled", false}})
            .status == 403);
  CHECK(s.Call(member, "PATCH", WithWs("/v2/sources/" + new_src, ws), json{{"enabled", false}})
            .status == 200);
}

TEST_CASE("resource bodies: defaults, read-only fields, PUT versus PATCH, strictness") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws, FullPolicy());
  Caller t = TestServer::Bearer(sat.secret);
  const Kind& src = KindOf("sources");

  Reply created = s.Call(t, "POST", "/v2/sources",
                         json{{"name", "Web"},
                              {"type", "javascript"},
                              {"config", {{"a", 1}, {"password", "hunter2-secret"}}},
                              {"transient", true}});
  REQUIRE(created.status == 201);
  json source = created.body["source"];
  const std::string id = source["id"];
  CHECK(id.rfind("src_", 0) == 0);
  CHECK(source["name"] == "Web");
  CHECK(source["type"] == "javascript");
  CHECK(source["enabled"] == true);
  CHECK(source["geoEnrichmentEnabled"] == false);
  CHECK(source["transient"] == true);
  CHECK(source["workspaceId"] == ws);
  const std::string write_key = source["writeKey"];
  CHECK(write_key.size() == 32);
  CHECK(source["createdAt"].get<std::string>().size() == 24);  // 2026-01-01T00:00:00.000Z
  CHECK(s.Call(t, "GET", "/v2/sources/" + id).body["source"] == source);

  SUBCASE("a PUT of what GET returned, with changes, is accepted; read-only fields are ignored") {
    json back = source;
    back["name"] = "Web app";
    back["id"] = "src_somethingelse";
    back["writeKey"] = "changed";
    back["createdAt"] = "2000-01-01T00:00:00.000Z";
    back["workspaceId"] = "ws_other";
    Reply r = s.Call(t, "PUT", "/v2/sources/" + id, back);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    CHECK(r.body["source"]["id"] == id);
    CHECK(r.body["source"]["writeKey"] == write_key);
    CHECK(r.body["source"]["createdAt"] == source["createdAt"]);
    CHECK(r.body["source"]["workspaceId"] == ws);
    CHECK(r.body["source"]["name"] == "Web app");
    CHECK(r.body["source"]["config"] == source["config"]);
    CHECK(r.body["source"]["transient"] == true);
  }

  SUBCASE("PUT resets absent optional fields; PATCH keeps them") {
    REQUIRE(s.Call(t, "PATCH", "/v2/sources/" + id,
                   json{{"enabled", false}, {"geoEnrichmentEnabled", true}})
                .status == 200);
    json got = s.Call(t, "GET", "/v2/sources/" + id).body["source"];
    CHECK(got["enabled"] == false);
    CHECK(got["geoEnrichmentEnabled"] == true);
    CHECK(got["transient"] == true);
    CHECK(got["config"]["a"] == 1);
    CHECK(got["name"] == "Web");

    Reply put = s.Call(t, "PUT", "/v2/sources/" + id, json{{"name", "Web"}, {"type", "ios"}});
    REQUIRE(put.status == 200);
    json r = put.body["source"];
    CHECK(r["enabled"] == true);
    CHECK(r["geoEnrichmentEnabled"] == false);
    CHECK(r["transient"] == false);
    CHECK(r["config"] == json::object());
    CHECK(r["type"] == "ios");
    CHECK(r["writeKey"] == write_key);

    // PUT needs name (and type for sources).
    Reply no_name = s.Call(t, "PUT", "/v2/sources/" + id, json{{"type", "ios"}});
    CHECK(no_name.status == 400);
    CHECK(no_name.text.find("name") != std::string::npos);
    CHECK(s.Call(t, "PUT", "/v2/sources/" + id, json{{"name", "Web"}}).status == 400);
  }

  SUBCASE("the audit row says what changed, never config values or the write key") {
    REQUIRE(s.Call(t, "PATCH", "/v2/sources/" + id,
                   json{{"name", "Renamed"},
                        {"config", {{"a", 2}, {"password", "hunter2-secret"}, {"b", true}}}})
                .status == 200);
    auto rows = AuditRows(s, s.org_id());
    const AuditRow* row =
        FindRow(rows, "service_access_token", sat.id, "source", id, "updated", "success");
    REQUIRE(row);
    json d = json::parse(row->details_json);
    CHECK(d["changed"]["name"] == json{{"from", "Web"}, {"to", "Renamed"}});
    CHECK(d["changed"]["configKeys"] == json{"a", "b"});
    CHECK(!d["changed"].contains("enabled"));
    for (const auto& r : rows) {
      CHECK(r.details_json.find("hunter2") == std::string::npos);
      CHECK(r.details_json.find(write_key) == std::string::npos);
    }
    const AuditRow* made =
        FindRow(rows, "service_access_token", sat.id, "source", id, "created", "success");
    REQUIRE(made);
    CHECK(json::parse(made->details_json)["configKeys"] == json{"a", "password"});
  }

  SUBCASE("bad bodies are 400 and change nothing") {
    struct Bad {
      std::string method;
      std::string path;
      std::string body;
      std::string field;
    };
    const std::string item = "/v2/sources/" + id;
    const Bad bad[] = {
        {"POST", "/v2/sources", R"({"name":"x","type":"js","color":"red"})", "color"},
        {"POST", "/v2/sources", R"({"type":"js"})", "name"},
        {"POST", "/v2/sources", R"({"name":"x"})", "type"},
        {"POST", "/v2/sources", R"({"name":"","type":"js"})", "name"},
        {"POST", "/v2/sources", R"({"name":")" + std::string(101, 'n') + R"(","type":"js"})",
         "name"},
        {"POST", "/v2/sources", R"({"name":"x","type":"js","config":[1]})", "config"},
        {"POST", "/v2/sources", R"({"name":"x","type":"js","enabled":"yes"})", "enabled"},
        {"POST", "/v2/sources", R"({"name":"x","type":"js","transient":1})", "transient"},
        {"POST", "/v2/sources", "not json", ""},
        {"POST", "/v2/sources", "[]", ""},
        {"POST", "/transformations", R"({"name":"x","type":"js"})", "type"},
        {"POST", "/v2/destinations", R"({"name":"x","type":"pg","transient":true})", "transient"},
        {"PATCH", item, R"({"name":"x","bogus":1})", "bogus"},
        {"PATCH", item, R"({"name":null})", "name"},
        {"PUT", item, R"({"name":"x","type":"js","writeKey":"w","extra":1})", "extra"},
    };
    for (const Bad& b : bad) {
      CAPTURE(b.method);
      CAPTURE(b.body);
      Reply r = s.CallRaw(t, b.method, b.path, b.body);
      CHECK(r.status == 400);
      CHECK(r.body["code"] == "invalid_request");
      if (!b.field.empty()) CHECK(r.text.find("\"" + b.field + "\"") != std::string::npos);
    }
    CHECK(s.Call(t, "GET", "/v2/sources").body["paging"]["total"] == 1);
    CHECK(s.Call(t, "GET", "/v2/sources/" + id).body["source"] == source);
    // Deeply nested configs are refused, not recursed into.
    std::string deep = std::string(40, '[') + std::string(40, ']');
    Reply r = s.CallRaw(t, "POST", "/v2/sources",
                        R"({"name":"deep","type":"js","config":{"x":)" + deep + "}}");
    CHECK(r.status == 400);
  }

  SUBCASE("a denied caller gets 403 even for a bad body") {
    auto none = s.CreateSat(admin, "workspace", ws);
    Reply r = s.CallRaw(TestServer::Bearer(none.secret), "POST", "/v2/sources", R"({"bogus":1})");
    CHECK(r.status == 403);
    r = s.CallRaw(TestServer::Bearer(none.secret), "PATCH", "/v2/sources/" + id, "not json");
    CHECK(r.status == 403);
    // …and a missing resource is 404 before either.
    r = s.CallRaw(TestServer::Bearer(none.secret), "PATCH", "/v2/sources/src_missing", "{}");
    CHECK(r.status == 404);
  }

  SUBCASE("names are unique per type within a workspace") {
    Reply dup = s.Call(t, "POST", "/v2/sources", NewBody(src, "Web"));
    CHECK(dup.status == 409);
    CHECK(dup.body["code"] == "conflict");
    // Same name, other type: fine. Other workspace: fine.
    CHECK(s.Call(t, "POST", "/v2/destinations", NewBody(KindOf("destinations"), "Web")).status ==
          201);
    std::string ws2 = s.CreateWorkspace(admin, "Dev");
    CHECK(s.Call(admin, "POST", WithWs("/v2/sources", ws2), NewBody(src, "Web")).status == 201);
    // Renaming onto a taken name: 409, by PATCH and by PUT.
    std::string other = CreateId(s, t, src, "Other");
    CHECK(s.Call(t, "PATCH", "/v2/sources/" + other, json{{"name", "Web"}}).status == 409);
    CHECK(s.Call(t, "PUT", "/v2/sources/" + other, NewBody(src, "Web")).status == 409);
    CHECK(s.Call(t, "GET", "/v2/sources/" + other).body["source"]["name"] == "Other");
    // Keeping one's own name is not a conflict.
    CHECK(s.Call(t, "PATCH", "/v2/sources/" + other, json{{"name", "Other"}}).status == 200);
  }

  SUBCASE("names and configs round-trip exactly, whatever characters they hold") {
    const std::string name = "He said \"hi\" \\ <b>ünïcødé</b> 🚀 /";
    const json config = {{"quote\"key", "tab\tnewline\nnul\u0001"},
                         {"nested", {{"list", {1, 2.5, nullptr, true, "é"}}}}};
    Reply r = s.Call(t, "POST", "/v2/sources",
                     json{{"name", name}, {"type", "ios \"x\""}, {"config", config}});
    REQUIRE_MESSAGE(r.status == 201, r.text);
    const std::string nid = r.body["source"]["id"];
    for (const Reply& got : {r, s.Call(t, "GET", "/v2/sources/" + nid)}) {
      REQUIRE(got.body.is_object());  // the text parsed as JSON
      json obj = got.body["source"];
      CHECK(obj["name"] == name);
      CHECK(obj["type"] == "ios \"x\"");
      CHECK(obj["config"] == config);
    }
    Reply list = s.Call(t, "GET", "/v2/sources");
    REQUIRE(list.body.is_object());
    CHECK(list.body["sources"][1]["name"] == name);
    CHECK(list.body["sources"][1]["config"] == config);
  }

  SUBCASE("a token's workspace_id must be its own") {
    std::string ws2 = s.CreateWorkspace(admin, "Dev");
    CHECK(s.Call(t, "GET", WithWs("/v2/sources", ws)).status == 200);
    CHECK(s.Call(t, "GET", WithWs("/v2/sources", ws2)).status == 404);
  }
}

TEST_CASE("connections: allowed pairs, both ends' permissions, duplicates") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto full = s.CreateSat(admin, "workspace", ws, FullPolicy());
  Caller t = TestServer::Bearer(full.secret);
  std::string src = CreateId(s, t, KindOf("sources"), "src");
  std::string dst = CreateId(s, t, KindOf("destinations"), "dst");
  std::string trf = CreateId(s, t, KindOf("transformations"), "trf");
  std::string lib = CreateId(s, t, KindOf("libraries"), "lib");
  std::string tp = CreateId(s, t, KindOf("trackingPlans"), "tp");

  struct Case {
    std::string name;
    json body;
    int status;
  };
  const Case cases[] = {
      {"transformation to tracking plan", {{"transformationId", trf}, {"trackingPlanId", tp}}, 400},
      {"two from ends",
       {{"sourceId", src}, {"transformationId", trf}, {"destinationId", dst}},
       400},
      {"two to ends", {{"sourceId", src}, {"destinationId", dst}, {"trackingPlanId", tp}}, 400},
      {"no to end", {{"sourceId", src}}, 400},
      {"empty", json::object(), 400},
      {"unknown field", {{"sourceId", src}, {"destinationId", dst}, {"libraryId", lib}}, 400},
      {"library as destination", {{"sourceId", src}, {"destinationId", lib}}, 404},
      {"destination as source", {{"sourceId", dst}, {"destinationId", dst}}, 404},
      {"missing source", {{"sourceId", "src_missing"}, {"destinationId", dst}}, 404},
      {"source to destination", {{"sourceId", src}, {"destinationId", dst}}, 201},
      {"again", {{"sourceId", src}, {"destinationId", dst}}, 409},
      {"transformation to destination", {{"transformationId", trf}, {"destinationId", dst}}, 201},
      {"source to tracking plan",
       {{"sourceId", src}, {"trackingPlanId", tp}, {"enabled", false}},
       201},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Reply r = s.Call(t, "POST", "/v2/connections", c.body);
    CHECK_MESSAGE(r.status == c.status, r.text);
  }
  Reply list = s.Call(t, "GET", "/v2/connections");
  REQUIRE(list.status == 200);
  CHECK(list.body["paging"]["total"] == 3);
  const json& conns = list.body["connections"];
  REQUIRE(conns.size() == 3);
  CHECK(conns[1]["transformationId"] == trf);
  CHECK(conns[1]["destinationId"] == dst);
  CHECK(conns[2]["trackingPlanId"] == tp);
  CHECK(conns[2]["enabled"] == false);
  CHECK(
      s.Call(t, "GET", "/v2/connections/" + conns[0]["id"].get<std::string>()).body["connection"] ==
      conns[0]);

  // Edit and connect on both ends: a table of policies for source→destination.
  std::string src2 = CreateId(s, t, KindOf("sources"), "src2");
  struct PolicyCase {
    std::string name;
    json policy;
    int status;
  };
  const json both = {{"edit", true}, {"connect", true}};
  const PolicyCase policies[] = {
      {"nothing", json::object(), 403},
      {"source end only", {{"sources", both}}, 403},
      {"destination end only", {{"destinations", both}}, 403},
      {"connect without edit on the destination",
       {{"sources", both}, {"destinations", {{"connect", true}}}},
       403},
      {"edit without connect on the source",
       {{"sources", {{"edit", true}}}, {"destinations", both}},
       403},
      {"the source listed by id",
       {{"sources", {{"edit", {{"ids", {src}}}}, {"connect", true}}}, {"destinations", both}},
       403},
      {"both ends", {{"sources", both}, {"destinations", both}}, 201},
  };
  for (const PolicyCase& pc : policies) {
    CAPTURE(pc.name);
    auto sat = s.CreateSat(admin, "workspace", ws, pc.policy);
    Reply r = s.Call(TestServer::Bearer(sat.secret), "POST", "/v2/connections",
                     json{{"sourceId", src2}, {"destinationId", dst}});
    CHECK_MESSAGE(r.status == pc.status, r.text);
    if (pc.status == 201) {
      // Removing needs the same; a token with one end only may not.
      const std::string id = r.body["connection"]["id"];
      auto half = s.CreateSat(admin, "workspace", ws, json{{"sources", both}});
      CHECK(s.Call(TestServer::Bearer(half.secret), "DELETE", "/v2/connections/" + id).status ==
            403);
      CHECK(s.Call(t, "GET", "/v2/connections/" + id).status == 200);
      CHECK(s.Call(TestServer::Bearer(sat.secret), "DELETE", "/v2/connections/" + id).status ==
            204);
      CHECK(s.Call(t, "GET", "/v2/connections/" + id).status == 404);
    }
  }
  CHECK(s.Call(t, "GET", "/v2/connections").body["paging"]["total"] == 3);
  // Connections cannot be edited.
  CHECK(s.Call(t, "PATCH", "/v2/connections/" + conns[0]["id"].get<std::string>(),
               json{{"enabled", false}})
            .status == 405);
}

TEST_CASE("deleting a resource removes its connections and its id from stored policies") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string ws2 = s.CreateWorkspace(admin, "Dev");
  auto full = s.CreateSat(admin, "workspace", ws, FullPolicy());
  Caller t = TestServer::Bearer(full.secret);
  std::string a = CreateId(s, t, KindOf("sources"), "a");
  std::string keep = CreateId(s, t, KindOf("sources"), "keep");
  std::string d = CreateId(s, t, KindOf("destinations"), "d");
  std::string plan = CreateId(s, t, KindOf("trackingPlans"), "plan");
  Reply c1 = s.Call(t, "POST", "/v2/connections", json{{"sourceId", a}, {"destinationId", d}});
  Reply c2 = s.Call(t, "POST", "/v2/connections", json{{"sourceId", a}, {"trackingPlanId", plan}});
  Reply c3 = s.Call(t, "POST", "/v2/connections", json{{"sourceId", keep}, {"destinationId", d}});
  REQUIRE(c1.status == 201);
  REQUIRE(c2.status == 201);
  REQUIRE(c3.status == 201);

  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  std::string g = CreateGroup(s, ws, {member.user_id});
  const json ids_a_keep = {{"ids", {a, keep}}, {"includeFuture", true}};
  PutPolicy(s, ws, PolicySubject::kBaseline, "", json{{"sources", {{"edit", ids_a_keep}}}});
  PutPolicy(s, ws, PolicySubject::kGroup, g,
            json{{"sources", {{"connect", ids_a_keep}, {"create_delete", true}}}});
  PutPolicy(s, ws, PolicySubject::kMember, member.user_id,
            json{{"sources", {{"edit", {{"ids", {a}}, {"includeFuture", false}}}}}});
  // A policy of another workspace is not touched.
  PutPolicy(s, ws2, PolicySubject::kBaseline, "", json{{"sources", {{"edit", true}}}});
  int64_t mark_before = 0;
  REQUIRE(StoredPolicy(s, ws, PolicySubject::kBaseline, "", &mark_before));

  // The member deletes it (create_delete through the group).
  Reply del = s.Call(member, "DELETE", WithWs("/v2/sources/" + a, ws));
  REQUIRE_MESSAGE(del.status == 204, del.text);

  CHECK(s.Call(t, "GET", "/v2/sources/" + a).status == 404);
  CHECK(s.Call(t, "GET", "/v2/connections/" + c1.body["connection"]["id"].get<std::string>())
            .status == 404);
  CHECK(s.Call(t, "GET", "/v2/connections/" + c2.body["connection"]["id"].get<std::string>())
            .status == 404);
  Reply list = s.Call(t, "GET", "/v2/connections");
  CHECK(list.body["paging"]["total"] == 1);
  CHECK(list.body["connections"][0]["sourceId"] == keep);

  int64_t mark_after = 0;
  auto baseline = StoredPolicy(s, ws, PolicySubject::kBaseline, "", &mark_after);
  REQUIRE(baseline);
  CHECK((*baseline)["sources"]["edit"] == json{{"ids", {keep}}, {"includeFuture", true}});
  CHECK(mark_after == mark_before);  // what counts as "future" did not move
  auto group = StoredPolicy(s, ws, PolicySubject::kGroup, g);
  REQUIRE(group);
  CHECK((*group)["sources"]["connect"] == json{{"ids", {keep}}, {"includeFuture", true}});
  CHECK((*group)["sources"]["create_delete"] == true);
  auto mine = StoredPolicy(s, ws, PolicySubject::kMember, member.user_id);
  REQUIRE(mine);
  CHECK((*mine)["sources"]["edit"] == json{{"ids", json::array()}, {"includeFuture", false}});
  CHECK(StoredPolicy(s, ws2, PolicySubject::kBaseline, "") ==
        json{{"sources", {{"edit", true}}},
             {"destinations", json::object()},
             {"transformations", json::object()},
             {"libraries", json::object()},
             {"tracking_plans", json::object()}});
  // The stored documents no longer name the deleted id anywhere.
  CHECK(baseline->dump().find(a) == std::string::npos);
  CHECK(group->dump().find(a) == std::string::npos);

  // Audit: the resource's row lists what went with it; each connection has its own row.
  auto rows = AuditRows(s, s.org_id());
  const AuditRow* row = FindRow(rows, "user", member.user_id, "source", a, "deleted", "success");
  REQUIRE(row);
  json details = json::parse(row->details_json);
  CHECK(details["connectionsRemoved"].size() == 2);
  CHECK(details["policiesUpdated"].size() == 3);
  CHECK(FindRow(rows, "user", member.user_id, "connection",
                c1.body["connection"]["id"].get<std::string>(), "deleted", "success"));
  CHECK(FindRow(rows, "user", member.user_id, "connection",
                c2.body["connection"]["id"].get<std::string>(), "deleted", "success"));

  // The member's permissions followed at once: edit on keep still works
  // (baseline), the group's create_delete still applies.
  CHECK(
      s.Call(member, "PATCH", WithWs("/v2/sources/" + keep, ws), json{{"enabled", false}}).status ==
      200);
}

TEST_CASE("resources render exactly what was stored, whatever the text") {
  // Lists and single reads are written as text by hand (not through a JSON
  // library), so every string must come back equal after a JSON parse.
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws, FullPolicy());
  Caller t = TestServer::Bearer(sat.secret);

  const std::vector<std::string> names = {
      "plain",
      "quote \" and backslash \\ and slash /",
      "<script>alert('x')</script>&amp;",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89",  // 2-, 3- and 4-byte UTF-8
      "\\\\\\\"",                                    // escapes only
      std::string(49, 'a') + "\"" + std::string(50, 'b'),  // 100 characters, the most
  };
  std::vector<json> made;
  for (size_t i = 0; i < names.size(); ++i) {
    // Every combination of the two optional flags.
    json body = {{"name", names[i]},
                 {"type", "javascript"},
                 {"config", {{"note", names[i]}, {"n", static_cast<int>(i)}}},
                 {"geoEnrichmentEnabled", (i & 1) != 0},
                 {"transient", (i & 2) != 0}};
    Reply r = s.Call(t, "POST", "/v2/sources", body);
    REQUIRE_MESSAGE(r.status == 201, r.text);
    json src = r.body["source"];
    CHECK(src["name"] == names[i]);
    CHECK(src["config"] == body["config"]);
    CHECK(src["geoEnrichmentEnabled"] == body["geoEnrichmentEnabled"]);
    CHECK(src["transient"] == body["transient"]);
    made.push_back(src);
  }
  Reply list = s.Call(t, "GET", "/v2/sources");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["sources"].size() == made.size());
  for (size_t i = 0; i < made.size(); ++i) {
    CHECK(list.body["sources"][i] == made[i]);
    CHECK(s.Call(t, "GET", "/v2/sources/" + made[i]["id"].get<std::string>()).body["source"] ==
          made[i]);
  }

  SUBCASE("rows not written by the service: other flag texts, invalid UTF-8") {
    const std::string id = made[0]["id"];
    Status st = s.app().db().Write([&](accessd::store::Conn& c) {
      auto r = accessd::store::FindResource(c, ws, accessd::auth::ResourceType::kSources, id);
      REQUIRE(r);
      r->name = "bad \xff byte, cut \xe2\x82 and \x7f";
      r->extra_json = R"({ "transient" : true, "later": {"geoEnrichmentEnabled": false} })";
      accessd::store::UpdateResource(c, *r);
      return Status::Ok();
    });
    REQUIRE(st.ok());
    Reply r = s.Call(t, "GET", "/v2/sources/" + id);
    REQUIRE(r.status == 200);
    CHECK(r.body["source"]["name"] == "bad \xef\xbf\xbd byte, cut \xef\xbf\xbd\xef\xbf\xbd and \x7f");
    CHECK(r.text.find("and \\u007f") != std::string::npos);
    CHECK(r.body["source"]["transient"] == true);
    CHECK(r.body["source"]["geoEnrichmentEnabled"] == false);
    CHECK(s.Call(t, "GET", "/v2/sources").body["sources"][0] == r.body["source"]);
  }
}

TEST_CASE("lists are kept between changes and never hide an answered change") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  std::string other_ws = s.CreateWorkspace(admin, "Other");
  auto sat = s.CreateSat(admin, "workspace", ws, FullPolicy());
  auto other_sat = s.CreateSat(admin, "workspace", other_ws, FullPolicy());
  Caller t = TestServer::Bearer(sat.secret);
  Caller other = TestServer::Bearer(other_sat.secret);
  const Kind& src = KindOf("sources");
  const std::string a = CreateId(s, t, src, "a");
  CreateId(s, other, src, "elsewhere");
  auto& resources = s.app().resources();
  auto names = [&](const Caller& who, const std::string& path) {
    Reply r = s.Call(who, "GET", path);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    const char* plural = path.rfind("/v2/destinations", 0) == 0 ? "destinations" : "sources";
    std::vector<std::string> out;
    for (const json& x : r.body.at(plural)) out.push_back(x["name"]);
    return out;
  };

  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"a"});
  uint64_t hits = resources.list_cache_hits();
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"a"});
  CHECK(resources.list_cache_hits() == hits + 1);
  // Other workspaces, types and pages are other entries.
  CHECK(names(other, "/v2/sources") == std::vector<std::string>{"elsewhere"});
  CHECK(names(t, "/v2/destinations").empty());
  CHECK(names(t, "/v2/sources?per_page=1&page=2").empty());
  CHECK(resources.list_cache_hits() == hits + 1);

  // Each answer from a kept page still writes its own audit row.
  {
    const int64_t mark = LastAuditId(s, s.org_id());
    hits = resources.list_cache_hits();
    for (int i = 0; i < 3; ++i) CHECK(names(t, "/v2/sources") == std::vector<std::string>{"a"});
    CHECK(resources.list_cache_hits() == hits + 3);
    auto rows = AuditRows(s, s.org_id(), mark);
    CHECK(rows.size() == 3);
    for (const auto& r : rows) {
      CHECK(r.action == "listed");
      CHECK(r.actor_id == sat.id);
    }
  }

  // The access ladder runs before a kept page is looked at: a PAT whose user
  // left the workspace is refused while the page is kept for others.
  {
    Caller m = s.CreateUser(admin, "lister@example.test", "member", {ws});
    auto pat = s.CreatePat(m, ws, "read_only");
    Caller p = TestServer::Bearer(pat.secret);
    CHECK(names(p, "/v2/sources") == std::vector<std::string>{"a"});
    REQUIRE(s.Call(admin, "PUT", "/api/members/" + m.user_id + "/workspaces",
                   json{{"workspaceIds", json::array()}})
                .status == 200);
    CHECK(names(t, "/v2/sources") == std::vector<std::string>{"a"});  // kept at the new generation
    hits = resources.list_cache_hits();
    const int64_t mark = LastAuditId(s, s.org_id());
    CHECK(s.Call(p, "GET", "/v2/sources").status == 403);
    CHECK(resources.list_cache_hits() == hits);
    CHECK(FindRow(AuditRows(s, s.org_id(), mark), "personal_access_token", pat.id, "source", ws,
                  "listed", "denied"));
  }

  // An audited read writes only its audit row: the kept page stays.
  REQUIRE(s.Call(t, "GET", "/v2/sources/" + a).status == 200);
  hits = resources.list_cache_hits();
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"a"});
  CHECK(resources.list_cache_hits() == hits + 1);

  // Changes through the API, and straight through the store, show at once.
  REQUIRE(s.Call(t, "PATCH", "/v2/sources/" + a, json{{"name", "renamed"}}).status == 200);
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"renamed"});
  const std::string b = CreateId(s, t, src, "b");
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"renamed", "b"});
  Status st = s.app().db().Write([&](accessd::store::Conn& c) {
    auto r = accessd::store::FindResource(c, ws, accessd::auth::ResourceType::kSources, b);
    REQUIRE(r);
    r->name = "by the store";
    accessd::store::UpdateResource(c, *r);
    return Status::Ok();
  });
  REQUIRE(st.ok());
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"renamed", "by the store"});
  REQUIRE(s.Call(t, "DELETE", "/v2/sources/" + a).status == 204);
  CHECK(names(t, "/v2/sources") == std::vector<std::string>{"by the store"});
  // A session sees the same list.
  CHECK(names(admin, "/v2/sources?workspace_id=" + ws) == std::vector<std::string>{"by the store"});

  SUBCASE("under concurrent lists, every answered rename is in the next list") {
    std::atomic<bool> stop{false};
    std::atomic<int> lists{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i) {
      readers.emplace_back([&] {
        while (!stop) {
          if (s.Call(t, "GET", "/v2/sources").status == 200) ++lists;
        }
      });
    }
    int stale = 0;
    for (int i = 0; i < 60; ++i) {
      const std::string name = "v" + std::to_string(i);
      REQUIRE(s.Call(t, "PATCH", "/v2/sources/" + b, json{{"name", name}}).status == 200);
      if (names(t, "/v2/sources") != std::vector<std::string>{name}) ++stale;
    }
    stop = true;
    for (auto& th : readers) th.join();
    CHECK(stale == 0);
    CHECK(lists > 0);
  }
}

TEST_CASE("lists page with per_page and page") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws, FullPolicy());
  Caller t = TestServer::Bearer(sat.secret);
  const Kind& src = KindOf("sources");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateId(s, t, src, "s" + std::to_string(i)));

  Reply all = s.Call(t, "GET", "/v2/sources");
  REQUIRE(all.status == 200);
  CHECK(all.body["paging"] == json{{"total", 5}});
  REQUIRE(all.body["sources"].size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(all.body["sources"][i]["id"] == ids[i]);

  // Follow paging.next to the end.
  std::vector<std::string> seen;
  std::string next = "/v2/sources?per_page=2";
  int pages = 0;
  while (!next.empty()) {
    Reply r = s.Call(t, "GET", next);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    CHECK(r.body["paging"]["total"] == 5);
    CHECK(r.body["sources"].size() <= 2);
    for (const auto& item : r.body["sources"]) seen.push_back(item["id"]);
    next = r.body["paging"].value("next", "");
    if (pages == 0) CHECK(next == "/v2/sources?per_page=2&page=2");
    ++pages;
  }
  CHECK(pages == 3);
  CHECK(seen == ids);

  // Past the end: empty, with the total.
  Reply past = s.Call(t, "GET", "/v2/sources?per_page=2&page=9");
  CHECK(past.status == 200);
  CHECK(past.body["sources"].empty());
  CHECK(past.body["paging"] == json{{"total", 5}});
  // Exactly filled last page: no next.
  CHECK(!s.Call(t, "GET", "/v2/sources?per_page=5").body["paging"].contains("next"));

  // Sessions keep workspace_id in the link.
  Reply sess = s.Call(admin, "GET", WithWs("/v2/sources?per_page=3", ws));
  CHECK(sess.body["paging"]["next"] == "/v2/sources?per_page=3&page=2&workspace_id=" + ws);
  CHECK(
      s.Call(admin, "GET", sess.body["paging"]["next"].get<std::string>()).body["sources"].size() ==
      2);

  // Bad paging: 400, audited as a failed list for tokens.
  for (const char* q : {"per_page=0", "per_page=1001", "per_page=abc", "per_page=-1",
                        "per_page=", "page=0", "page=x", "per_page=99999999999"}) {
    CAPTURE(q);
    Reply r = s.Call(t, "GET", std::string("/v2/sources?") + q);
    CHECK(r.status == 400);
    CHECK(r.body["code"] == "invalid_request");
  }
  CHECK(s.Call(t, "GET", "/v2/sources?per_page=1000").status == 200);
  CHECK(s.Call(t, "GET", "/v2/connections?per_page=0").status == 400);
  auto rows = AuditRows(s, s.org_id());
  CHECK(FindRow(rows, "service_access_token", sat.id, "source", ws, "listed", "failed"));
  CHECK(FindRow(rows, "service_access_token", sat.id, "source", ws, "listed", "success"));

  // Connections page the same way.
  std::string d = CreateId(s, t, KindOf("destinations"), "d");
  for (const auto& id : ids) {
    REQUIRE(
        s.Call(t, "POST", "/v2/connections", json{{"sourceId", id}, {"destinationId", d}}).status ==
        201);
  }
  Reply cp = s.Call(t, "GET", "/v2/connections?per_page=4&page=2");
  CHECK(cp.body["connections"].size() == 1);
  CHECK(cp.body["paging"] == json{{"total", 5}});
  CHECK(s.Call(t, "GET", "/v2/connections?per_page=4").body["paging"]["next"] ==
        "/v2/connections?per_page=4&page=2");
}

TEST_CASE("reads do not write besides the token's audit row") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto sat = s.CreateSat(admin, "workspace", ws);
  Caller t = TestServer::Bearer(sat.secret);
  std::string a = CreateId(s, admin, KindOf("sources"), "a", ws);
  REQUIRE(s.Call(t, "GET", "/v2/sources").status == 200);  // warm the token cache
  const int64_t mark = LastAuditId(s, s.org_id());
  const json before = s.Call(admin, "GET", WithWs("/v2/sources/" + a, ws)).body;
  REQUIRE(s.Call(t, "GET", "/v2/sources").status == 200);
  REQUIRE(s.Call(t, "GET", "/v2/sources/" + a).status == 200);
  REQUIRE(s.Call(t, "GET", "/v2/connections").status == 200);
  CHECK(s.Call(admin, "GET", WithWs("/v2/sources/" + a, ws)).body == before);
  auto rows = AuditRows(s, s.org_id(), mark);
  REQUIRE(rows.size() == 3);
  CHECK(FindRow(rows, "service_access_token", sat.id, "source", ws, "listed", "success"));
  CHECK(FindRow(rows, "service_access_token", sat.id, "source", a, "read", "success"));
  CHECK(FindRow(rows, "service_access_token", sat.id, "connection", ws, "listed", "success"));
  for (const auto& r : rows) CHECK(r.workspace_id == ws);
}
