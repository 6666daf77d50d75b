// policy_api_test.cc — groups, policies and effective permissions (SPEC §1,
// §2, §3, §6a) over HTTP against a real server (tests/api_harness.h): the
// access ladder of every endpoint, validation tables that must change
// nothing, audit rows, and the key property that a change takes effect on the
// very next request of every affected token without re-running Argon2.
//
// Resources are inserted directly through the store's connection (a tiny
// test-only helper) so these tests do not depend on the resource API.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api_harness.h"
#include "auth/policy.h"
#include "auth/secret_hash.h"
#include "store/audit_store.h"
#include "store/conn.h"

namespace {

using accessd::Status;
using accessd::model::AuditRow;
using accessd::model::Principal;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;
namespace auth = accessd::auth;
namespace store = accessd::store;

constexpr const char* kOtherAdmin = "other-admin@example.test";
constexpr const char* kOtherPassword = "other-password-123";

// A resource row inserted like the resource service would (seq from
// AUTOINCREMENT), for policy validation and evaluation.
auth::ResourceRef InsertResource(TestServer& s, const std::string& ws, const std::string& type,
                                 const std::string& id) {
  int64_t seq = 0;
  Status st = s.app().db().Write([&](store::Conn& c) {
    SQLite::Statement q(c.db(),
                        "INSERT INTO resources (id, org_id, workspace_id, type, name, created_at, "
                        "updated_at) SELECT ?1, org_id, id, ?2, ?1, 0, 0 FROM workspaces "
                        "WHERE id = ?3");
    q.bind(1, id);
    q.bind(2, type);
    q.bind(3, ws);
    REQUIRE(q.exec() == 1);
    seq = c.db().getLastInsertRowid();
    return Status::Ok();
  });
  REQUIRE(st.ok());
  return {*auth::ParseResourceTypeKey(type), id, seq};
}

void SetAccessModel(TestServer& s, const std::string& org_id, const std::string& model) {
  Status st = s.app().db().Write([&](store::Conn& c) {
    SQLite::Statement q(c.db(), "UPDATE organizations SET access_model = ? WHERE id = ?");
    q.bind(1, model);
    q.bind(2, org_id);
    q.exec();
    return Status::Ok();
  });
  REQUIRE(st.ok());
}

std::vector<AuditRow> AuditRows(TestServer& s, const std::string& org_id) {
  std::vector<AuditRow> out;
  s.app().db().Read([&](store::Conn& c) {
    store::AuditQuery q;
    q.org_id = org_id;
    for (;;) {
      auto page = store::QueryAudit(c, q);
      if (page.empty()) break;
      q.after_id = page.back().id;
      out.insert(out.end(), page.begin(), page.end());
    }
  });
  return out;
}

// Rows naming this target and action.
std::vector<AuditRow> AuditOf(TestServer& s, const std::string& target_type,
                              const std::string& target_id, const std::string& action,
                              const std::string& org_id = "") {
  std::vector<AuditRow> out;
  for (auto& r : AuditRows(s, org_id.empty() ? s.org_id() : org_id)) {
    if (r.target_type == target_type && r.target_id == target_id && r.action == action) {
      out.push_back(r);
    }
  }
  return out;
}

Principal Authenticate(TestServer& s, const std::string& secret) {
  auto p = s.app().auth().AuthenticateToken(secret);
  REQUIRE(p.ok());
  return *p;
}

// The field names of an error answer's details.
std::vector<std::string> Fields(const Reply& r) {
  std::vector<std::string> out;
  if (r.body.is_object() && r.body.contains("details")) {
    for (const auto& d : r.body["details"]) out.push_back(d["field"].get<std::string>());
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string CreateGroup(TestServer& s, const Caller& admin, const std::string& name,
                        const std::vector<std::string>& workspaces) {
  Reply r =
      s.Call(admin, "POST", "/api/groups", json{{"name", name}, {"workspaceIds", workspaces}});
  REQUIRE_MESSAGE(r.status == 201, r.text);
  return r.body["group"]["id"].get<std::string>();
}

// A fresh server with an admin, a workspace, a member there, and a second
// organization with its own admin and workspace.
struct World {
  TestServer s;
  Caller admin;
  std::string ws;
  Caller member;
  Caller other_admin;
  std::string other_org;
  std::string other_ws;

  World() {
    admin = s.Admin();
    ws = s.CreateWorkspace(admin, "Prod");
    member = s.CreateUser(admin, "member@example.test", "member", {ws});
    auto org = s.app().identity().CreateOrganization("Other", kOtherAdmin, kOtherPassword);
    REQUIRE(org.ok());
    other_org = org->org_id;
    other_admin = s.Login(kOtherAdmin, kOtherPassword);
    other_ws = s.CreateWorkspace(other_admin, "Elsewhere");
  }
};

}  // namespace

TEST_CASE("every groups/policies endpoint walks the access ladder") {
  World w;
  TestServer& s = w.s;
  const std::string g = CreateGroup(s, w.admin, "Engineering", {w.ws});
  const std::string victim = CreateGroup(s, w.admin, "Victim", {w.ws});
  auto sat = s.CreateSat(w.admin, "workspace", w.ws);
  auto org_sat = s.CreateSat(w.admin, "organization", "");
  auto pat = s.CreatePat(w.member, w.ws, "read_write");
  auto admin_pat = s.CreatePat(w.admin, w.ws, "read_write");
  const std::string base = "/api/workspaces/" + w.ws;

  struct Row {
    std::string method;
    std::string path;
    std::optional<json> body;
    int admin_status;
    int member_status;
    int other_org_status;    // the other organization's admin with these ids
    std::string audit_type;  // empty: nothing to audit (reads)
    std::string audit_id;    // "*": the id of the created group
    std::string audit_action;
  };
  const json doc = {{"sources", {{"edit", true}}}};
  const std::vector<Row> rows = {
      {"GET", "/api/groups", std::nullopt, 200, 403, 200, "", "", ""},
      {"POST", "/api/groups", json{{"name", "Ladder"}, {"workspaceIds", {w.ws}}}, 201, 403, 400,
       "group", "*", "created"},
      {"GET", "/api/groups/" + g, std::nullopt, 200, 403, 404, "", "", ""},
      {"PATCH", "/api/groups/" + g, json{{"description", "builds things"}}, 200, 403, 404, "group",
       g, "updated"},
      {"PUT", "/api/groups/" + g + "/members", json{{"userIds", {w.member.user_id}}}, 200, 403, 404,
       "group", g, "updated"},
      {"GET", base + "/policies/baseline", std::nullopt, 200, 403, 404, "", "", ""},
      {"PUT", base + "/policies/baseline", doc, 200, 403, 404, "policy", w.ws + "/baseline",
       "changed_permission"},
      {"GET", base + "/policies/groups/" + g, std::nullopt, 200, 403, 404, "", "", ""},
      {"PUT", base + "/policies/groups/" + g, doc, 200, 403, 404, "policy", w.ws + "/groups/" + g,
       "changed_permission"},
      {"GET", base + "/policies/members/" + w.member.user_id, std::nullopt, 200, 403, 404, "", "",
       ""},
      {"PUT", base + "/policies/members/" + w.member.user_id, doc, 200, 403, 404, "policy",
       w.ws + "/members/" + w.member.user_id, "changed_permission"},
      // A member may see only their own effective permissions.
      {"GET", base + "/effective/" + w.admin.user_id, std::nullopt, 200, 403, 404, "", "", ""},
      {"DELETE", "/api/groups/" + victim, std::nullopt, 204, 403, 404, "group", victim, "deleted"},
  };
  const std::vector<std::string> tokens = {sat.secret, org_sat.secret, pat.secret,
                                           admin_pat.secret};
  for (const auto& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    const size_t audited_before =
        row.audit_type.empty() || row.audit_id == "*"
            ? 0
            : AuditOf(s, row.audit_type, row.audit_id, row.audit_action).size();
    Reply r = s.Call(Caller{}, row.method, row.path, row.body);
    CHECK(r.status == 401);
    CHECK(r.body["code"] == "unauthenticated");
    for (const auto& t : tokens) {
      // /api/* is for dashboard sessions only, whatever the token (SPEC §3).
      CHECK(s.Call(TestServer::Bearer(t), row.method, row.path, row.body).status == 401);
    }
    r = s.Call(w.member, row.method, row.path, row.body);
    CHECK(r.status == row.member_status);
    CHECK(r.body["code"] == "forbidden");
    r = s.Call(w.other_admin, row.method, row.path, row.body);
    CHECK(r.status == row.other_org_status);
    if (row.other_org_status == 404) CHECK(r.body["code"] == "not_found");
    if (row.method == "GET" && row.path == "/api/groups") {
      CHECK(r.body["groups"].empty());  // nothing crosses organizations
    }
    r = s.Call(w.admin, row.method, row.path, row.body);
    CHECK_MESSAGE(r.status == row.admin_status, r.text);
    if (!row.audit_type.empty()) {
      std::string id =
          row.audit_id == "*" ? r.body["group"]["id"].get<std::string>() : row.audit_id;
      auto audited = AuditOf(s, row.audit_type, id, row.audit_action);
      // Exactly one more: the refused attempts above recorded no success.
      REQUIRE(audited.size() == audited_before + 1);
      const AuditRow& last = audited.back();
      CHECK(last.actor_type == "user");
      CHECK(last.actor_id == w.admin.user_id);
      CHECK(last.outcome == "success");
      json details = json::parse(last.details_json);
      CHECK(details["method"] == row.method);
      CHECK(details["status"] == row.admin_status);
      if (row.audit_type == "policy") {
        CHECK(last.workspace_id == w.ws);
        CHECK(details["document"] == auth::PolicyToJson(*auth::ParsePolicy(doc, {}, nullptr)));
        CHECK(details.contains("subject"));
      }
    }
  }
  // The other organization's admin created nothing here.
  CHECK(AuditOf(s, "group", "", "created", w.other_org).empty());
}

TEST_CASE("group create and update validation: 400/409 with details, nothing changed") {
  World w;
  TestServer& s = w.s;
  const std::string ws2 = s.CreateWorkspace(w.admin, "Dev");
  const std::string g = CreateGroup(s, w.admin, "Engineering", {w.ws});
  CreateGroup(s, w.admin, "Support", {});

  struct Row {
    std::string method;  // POST /api/groups or PATCH /api/groups/{g}
    std::string body;    // raw text
    int status;
    std::vector<std::string> fields;
  };
  const std::string long_name(101, 'x');
  const std::vector<Row> rows = {
      {"POST", R"({})", 400, {"name"}},
      {"POST", R"({"name": ""})", 400, {"name"}},
      {"POST", R"({"name": "   "})", 400, {"name"}},
      {"POST", R"({"name": ")" + long_name + R"("})", 400, {"name"}},
      {"POST", R"({"name": 7})", 400, {"name"}},
      {"POST", R"({"name": "New", "colour": "red"})", 400, {"colour"}},
      {"POST", R"({"name": "New", "workspaceIds": "x"})", 400, {"workspaceIds"}},
      {"POST",
       R"({"name": "New", "workspaceIds": [")" + w.ws + R"(", "ws_nope"]})",
       400,
       {"workspaceIds[1]"}},
      {"POST",
       R"({"name": "New", "workspaceIds": [")" + w.other_ws + R"("]})",
       400,
       {"workspaceIds[0]"}},
      {"POST",
       R"({"name": "New", "workspaceIds": [")" + w.ws + R"(", ")" + w.ws + R"("]})",
       400,
       {"workspaceIds[1]"}},
      {"POST",
       R"({"name": "New", "description": ")" + std::string(1001, 'd') + R"("})",
       400,
       {"description"}},
      {"POST", R"({"name": "engineering"})", 409, {}},  // names are case-insensitive
      {"POST", R"({"name": " Support "})", 409, {}},
      {"POST", "not json", 400, {}},
      {"POST", "[]", 400, {}},
      {"PATCH", R"({"name": "SUPPORT"})", 409, {}},
      {"PATCH", R"({"name": ""})", 400, {"name"}},
      {"PATCH", R"({"workspaceIds": [")" + ws2 + R"(", "ws_nope"]})", 400, {"workspaceIds[1]"}},
      {"PATCH", R"({"workspaceIds": [")" + w.other_ws + R"("]})", 400, {"workspaceIds[0]"}},
      {"PATCH", R"({"memberIds": []})", 400, {"memberIds"}},
  };
  const Reply before_list = s.Call(w.admin, "GET", "/api/groups");
  const size_t audit_before = AuditRows(s, s.org_id()).size();
  for (const auto& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.body);
    std::string path = row.method == "POST" ? "/api/groups" : "/api/groups/" + g;
    Reply r = s.CallRaw(w.admin, row.method, path, row.body);
    CHECK(r.status == row.status);
    CHECK(r.body["code"] == (row.status == 409 ? "conflict" : "invalid_request"));
    auto fields = Fields(r);
    for (const auto& f : row.fields) CHECK_MESSAGE(Has(fields, f), r.text);
  }
  CHECK(s.Call(w.admin, "GET", "/api/groups").body == before_list.body);
  CHECK(AuditRows(s, s.org_id()).size() == audit_before);

  // Renaming a group to its own name in another case is not a conflict.
  Reply r = s.Call(w.admin, "PATCH", "/api/groups/" + g, json{{"name", "ENGINEERING"}});
  CHECK(r.status == 200);
  CHECK(r.body["group"]["name"] == "ENGINEERING");
  json details = json::parse(AuditOf(s, "group", g, "updated").at(0).details_json);
  CHECK(details["name"]["from"] == "Engineering");
  CHECK(details["name"]["to"] == "ENGINEERING");
}

TEST_CASE("group members: only live users of the organization; audit names added and removed") {
  World w;
  TestServer& s = w.s;
  const std::string g = CreateGroup(s, w.admin, "Engineering", {w.ws});
  Caller gone = s.CreateUser(w.admin, "gone@example.test", "member", {w.ws});
  REQUIRE(s.Call(w.admin, "DELETE", "/api/members/" + gone.user_id).status == 204);
  Caller second = s.CreateUser(w.admin, "second@example.test", "member", {w.ws});

  struct Row {
    std::string body;
    std::vector<std::string> fields;
  };
  const std::vector<Row> rows = {
      {R"({})", {"userIds"}},
      {R"({"userIds": "x"})", {"userIds"}},
      {R"({"userIds": [1]})", {"userIds[0]"}},
      {R"({"userIds": ["usr_nope"]})", {"userIds[0]"}},
      {R"({"userIds": [")" + w.member.user_id + R"(", ")" + w.other_admin.user_id + R"("]})",
       {"userIds[1]"}},
      {R"({"userIds": [")" + gone.user_id + R"("]})", {"userIds[0]"}},
      {R"({"userIds": [")" + w.member.user_id + R"(", ")" + w.member.user_id + R"("]})",
       {"userIds[1]"}},
      {R"({"userIds": [], "extra": 1})", {"extra"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.body);
    Reply r = s.CallRaw(w.admin, "PUT", "/api/groups/" + g + "/members", row.body);
    CHECK(r.status == 400);
    auto fields = Fields(r);
    for (const auto& f : row.fields) CHECK_MESSAGE(Has(fields, f), r.text);
  }
  CHECK(s.Call(w.admin, "GET", "/api/groups/" + g).body["group"]["memberIds"].empty());
  CHECK(AuditOf(s, "group", g, "updated").empty());

  // Admins are allowed (pointless: they bypass policies).
  Reply r = s.Call(w.admin, "PUT", "/api/groups/" + g + "/members",
                   json{{"userIds", {w.member.user_id, w.admin.user_id}}});
  REQUIRE(r.status == 200);
  CHECK(r.body["group"]["memberIds"].size() == 2);
  r = s.Call(w.admin, "PUT", "/api/groups/" + g + "/members",
             json{{"userIds", {second.user_id, w.member.user_id}}});
  REQUIRE(r.status == 200);
  auto rows_audited = AuditOf(s, "group", g, "updated");
  REQUIRE(rows_audited.size() == 2);
  json d = json::parse(rows_audited[1].details_json);
  CHECK(d["added"] == json::array({second.user_id}));
  CHECK(d["removed"] == json::array({w.admin.user_id}));

  // Deleting the group takes its policies with it.
  REQUIRE(s.Call(w.admin, "PUT", "/api/workspaces/" + w.ws + "/policies/groups/" + g,
                 json{{"sources", {{"edit", true}}}})
              .status == 200);
  REQUIRE(s.Call(w.admin, "DELETE", "/api/groups/" + g).status == 204);
  CHECK(s.Call(w.admin, "GET", "/api/groups/" + g).status == 404);
  int policies = -1;
  s.app().db().Read([&](store::Conn& c) {
    SQLite::Statement q(c.db(), "SELECT COUNT(*) FROM policies WHERE subject_id = ?");
    q.bind(1, g);
    q.executeStep();
    policies = q.getColumn(0).getInt();
  });
  CHECK(policies == 0);
  CHECK(AuditOf(s, "group", g, "deleted").size() == 1);
}

TEST_CASE("policy documents: validation table names each bad path and changes nothing") {
  World w;
  TestServer& s = w.s;
  const std::string ws2 = s.CreateWorkspace(w.admin, "Dev");
  auto src = InsertResource(s, w.ws, "sources", "src_one");
  auto dst = InsertResource(s, w.ws, "destinations", "dst_one");
  InsertResource(s, ws2, "sources", "src_dev");  // another workspace's resource
  const std::string g = CreateGroup(s, w.admin, "Engineering", {w.ws});
  const std::vector<std::string> paths = {
      "/api/workspaces/" + w.ws + "/policies/baseline",
      "/api/workspaces/" + w.ws + "/policies/groups/" + g,
      "/api/workspaces/" + w.ws + "/policies/members/" + w.member.user_id,
  };
  // A valid document first, so "nothing changed" is visible.
  const json good = {{"sources", {{"edit", {{"ids", {src.id}}, {"includeFuture", false}}}}},
                     {"destinations", {{"connect", true}}}};
  for (const auto& p : paths) {
    Reply r = s.Call(w.admin, "PUT", p, good);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    // The answer is the bare canonical document: every type key present.
    CHECK(r.body["sources"]["edit"]["ids"] == json::array({src.id}));
    CHECK(r.body["destinations"]["connect"] == true);
    CHECK(r.body.contains("tracking_plans"));
    CHECK(r.body["libraries"] == json::object());
  }

  struct Row {
    std::string body;
    std::vector<std::string> fields;
  };
  const std::vector<Row> rows = {
      {R"({"widgets": {}})", {"widgets"}},
      {R"({"sources": {"view": true}})", {"sources.view"}},
      {R"({"sources": {"edit": "yes"}})", {"sources.edit"}},
      {R"({"sources": {"edit": 1}})", {"sources.edit"}},
      {R"({"sources": true})", {"sources"}},
      {R"({"sources": {"edit": {"ids": ["src_missing"]}}})", {"sources.edit.ids[0]"}},
      {R"({"sources": {"edit": {"ids": ["src_dev"]}}})", {"sources.edit.ids[0]"}},
      {R"({"sources": {"edit": {"ids": ["dst_one"]}}})", {"sources.edit.ids[0]"}},
      {R"({"sources": {"edit": {"ids": ["src_one", "src_one"]}}})", {"sources.edit.ids[1]"}},
      {R"({"sources": {"edit": {"ids": [3]}}})", {"sources.edit.ids[0]"}},
      {R"({"sources": {"edit": {"ids": "src_one"}}})", {"sources.edit.ids"}},
      {R"({"sources": {"edit": {"ids": [], "includeFuture": "true"}}})",
       {"sources.edit.includeFuture"}},
      {R"({"sources": {"edit": {"ids": [], "all": true}}})", {"sources.edit.all"}},
      // Every error at once.
      {R"({"sources": {"edit": {"ids": ["nope"]}}, "destinations": {"delete": true}})",
       {"sources.edit.ids[0]", "destinations.delete"}},
      {R"([])", {"policy"}},
      {R"("sources")", {"policy"}},
      {"not json", {}},
      {"", {}},
  };
  const size_t audit_before = AuditRows(s, s.org_id()).size();
  for (const auto& p : paths) {
    for (const auto& row : rows) {
      CAPTURE(p);
      CAPTURE(row.body);
      Reply r = s.CallRaw(w.admin, "PUT", p, row.body);
      CHECK(r.status == 400);
      CHECK(r.body["code"] == "invalid_request");
      auto fields = Fields(r);
      for (const auto& f : row.fields) CHECK_MESSAGE(Has(fields, f), r.text);
    }
    Reply r = s.Call(w.admin, "GET", p);
    CHECK(r.status == 200);
    CHECK(r.body["sources"]["edit"]["ids"] == json::array({src.id}));
    CHECK(r.body["destinations"]["connect"] == true);
  }
  CHECK(AuditRows(s, s.org_id()).size() == audit_before);
  (void)dst;
}

TEST_CASE("policy subjects: unknown → 404, not part of the workspace → 409, legacy → 409") {
  World w;
  TestServer& s = w.s;
  const std::string ws2 = s.CreateWorkspace(w.admin, "Dev");
  const std::string in_ws = CreateGroup(s, w.admin, "In", {w.ws});
  const std::string elsewhere = CreateGroup(s, w.admin, "Elsewhere", {ws2});
  Caller outsider = s.CreateUser(w.admin, "outsider@example.test", "member", {ws2});
  Caller gone = s.CreateUser(w.admin, "gone@example.test", "member", {w.ws});
  REQUIRE(s.Call(w.admin, "DELETE", "/api/members/" + gone.user_id).status == 204);
  Reply og = s.Call(w.other_admin, "POST", "/api/groups",
                    json{{"name", "Theirs"}, {"workspaceIds", {w.other_ws}}});
  REQUIRE(og.status == 201);
  const std::string other_group = og.body["group"]["id"];

  struct Row {
    std::string path;
    int status;
  };
  const std::string p = "/api/workspaces/" + w.ws + "/policies/";
  const std::vector<Row> rows = {
      {"/api/workspaces/ws_nope/policies/baseline", 404},
      {"/api/workspaces/" + w.other_ws + "/policies/baseline", 404},
      {"/api/workspaces/" + w.other_ws + "/policies/groups/" + in_ws, 404},
      {p + "groups/grp_nope", 404},
      {p + "groups/" + other_group, 404},
      {p + "groups/" + elsewhere, 409},
      {p + "groups/" + in_ws, 200},
      {p + "members/usr_nope", 404},
      {p + "members/" + w.other_admin.user_id, 404},
      {p + "members/" + gone.user_id, 404},
      {p + "members/" + outsider.user_id, 409},
      {p + "members/" + w.member.user_id, 200},
      {p + "members/" + w.admin.user_id, 200},  // admins reach every workspace
  };
  const json doc = {{"tracking_plans", {{"edit", true}}}};
  for (const auto& row : rows) {
    CAPTURE(row.path);
    Reply g = s.Call(w.admin, "GET", row.path);
    CHECK(g.status == row.status);
    if (row.status == 200) CHECK(g.body == auth::PolicyToJson(auth::Policy{}));  // never set
    Reply put = s.Call(w.admin, "PUT", row.path, doc);
    CHECK(put.status == row.status);
    if (row.status == 409) CHECK(put.body["code"] == "conflict");
  }
  CHECK(s.Call(w.admin, "GET", p + "groups/" + elsewhere)
            .body["error"]
            .get<std::string>()
            .find("not part of this workspace") != std::string::npos);
  CHECK(s.Call(w.admin, "GET", p + "members/" + outsider.user_id)
            .body["error"]
            .get<std::string>()
            .find("add the member to the workspace first") != std::string::npos);

  // SPEC §7: on the legacy model roles cannot be changed — groups and
  // policies answer 409 legacy_model; reading still works.
  SetAccessModel(s, s.org_id(), "legacy");
  struct Change {
    std::string method;
    std::string path;
    json body;
  };
  const std::vector<Change> changes = {
      {"POST", "/api/groups", json{{"name", "New"}}},
      {"PATCH", "/api/groups/" + in_ws, json{{"name", "Renamed"}}},
      {"PUT", "/api/groups/" + in_ws + "/members", json{{"userIds", json::array()}}},
      {"DELETE", "/api/groups/" + in_ws, json()},
      {"PUT", p + "baseline", doc},
      {"PUT", p + "groups/" + in_ws, doc},
      {"PUT", p + "members/" + w.member.user_id, doc},
  };
  const size_t audit_before = AuditRows(s, s.org_id()).size();
  for (const auto& c : changes) {
    CAPTURE(c.path);
    Reply r = s.Call(w.admin, c.method, c.path,
                     c.body.is_null() ? std::nullopt : std::optional<json>(c.body));
    CHECK(r.status == 409);
    CHECK(r.body["code"] == "legacy_model");
  }
  CHECK(AuditRows(s, s.org_id()).size() == audit_before);
  CHECK(s.Call(w.admin, "GET", "/api/groups").body["groups"].size() == 2);
  CHECK(s.Call(w.admin, "GET", p + "baseline").status == 200);
}

TEST_CASE("every change reaches the very next token request without re-running Argon2") {
  World w;
  TestServer& s = w.s;
  auto src1 = InsertResource(s, w.ws, "sources", "src_one");
  auto src2 = InsertResource(s, w.ws, "sources", "src_two");
  auto dst = InsertResource(s, w.ws, "destinations", "dst_one");
  auto sat = s.CreateSat(w.admin, "workspace", w.ws);
  auto pat = s.CreatePat(w.member, w.ws, "read_write");
  auto ro_pat = s.CreatePat(w.member, w.ws, "read_only");
  const std::string p = "/api/workspaces/" + w.ws + "/policies/";
  const auto kSources = auth::ResourceType::kSources;

  // First use: Argon2 runs once per token; afterwards it must never run again.
  Principal sp = Authenticate(s, sat.secret);
  Principal pp = Authenticate(s, pat.secret);
  Authenticate(s, ro_pat.secret);
  CHECK_FALSE(auth::CanCreate(sp.token_permissions, kSources));
  CHECK_FALSE(auth::CanCreate(pp.token_permissions, kSources));
  const uint64_t argon = auth::Argon2Count();

  // Baseline: applies to members and workspace SATs alike.
  REQUIRE(
      s.Call(w.admin, "PUT", p + "baseline", json{{"sources", {{"create_delete", true}}}}).status ==
      200);
  CHECK(auth::CanCreate(Authenticate(s, sat.secret).token_permissions, kSources));
  CHECK(auth::CanCreate(Authenticate(s, pat.secret).token_permissions, kSources));
  CHECK_FALSE(auth::CanCreate(Authenticate(s, ro_pat.secret).token_permissions, kSources));
  REQUIRE(s.Call(w.admin, "PUT", p + "baseline", json::object()).status == 200);
  CHECK_FALSE(auth::CanCreate(Authenticate(s, sat.secret).token_permissions, kSources));
  CHECK_FALSE(auth::CanCreate(Authenticate(s, pat.secret).token_permissions, kSources));

  // Group policy, then membership.
  const std::string g = CreateGroup(s, w.admin, "Editors", {w.ws});
  REQUIRE(
      s.Call(w.admin, "PUT", p + "groups/" + g, json{{"destinations", {{"edit", true}}}}).status ==
      200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  REQUIRE(
      s.Call(w.admin, "PUT", "/api/groups/" + g + "/members", json{{"userIds", {w.member.user_id}}})
          .status == 200);
  CHECK(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  CHECK_FALSE(auth::CanEdit(Authenticate(s, sat.secret).token_permissions, dst));
  // Changing the group's policy.
  REQUIRE(s.Call(w.admin, "PUT", p + "groups/" + g, json{{"destinations", {{"connect", true}}}})
              .status == 200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  REQUIRE(
      s.Call(w.admin, "PUT", p + "groups/" + g, json{{"destinations", {{"edit", true}}}}).status ==
      200);
  CHECK(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));

  // Group workspaces: removing the workspace drops the group's policy there,
  // and adding it back does not restore it.
  REQUIRE(
      s.Call(w.admin, "PATCH", "/api/groups/" + g, json{{"workspaceIds", json::array()}}).status ==
      200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  CHECK(s.Call(w.admin, "GET", p + "groups/" + g).status == 409);
  REQUIRE(s.Call(w.admin, "PATCH", "/api/groups/" + g, json{{"workspaceIds", {w.ws}}}).status ==
          200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  CHECK(s.Call(w.admin, "GET", p + "groups/" + g).body == auth::PolicyToJson(auth::Policy{}));
  REQUIRE(
      s.Call(w.admin, "PUT", p + "groups/" + g, json{{"destinations", {{"edit", true}}}}).status ==
      200);
  CHECK(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  // Leaving the group.
  REQUIRE(s.Call(w.admin, "PUT", "/api/groups/" + g + "/members", json{{"userIds", json::array()}})
              .status == 200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  // Deleting the group.
  REQUIRE(
      s.Call(w.admin, "PUT", "/api/groups/" + g + "/members", json{{"userIds", {w.member.user_id}}})
          .status == 200);
  CHECK(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));
  REQUIRE(s.Call(w.admin, "DELETE", "/api/groups/" + g).status == 204);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, dst));

  // Member policy: listed ids only; includeFuture means created after the save.
  REQUIRE(s.Call(w.admin, "PUT", p + "members/" + w.member.user_id,
                 json{{"sources", {{"edit", {{"ids", {src1.id}}, {"includeFuture", true}}}}}})
              .status == 200);
  Principal now = Authenticate(s, pat.secret);
  CHECK(auth::CanEdit(now.token_permissions, src1));
  CHECK_FALSE(auth::CanEdit(now.token_permissions, src2));  // existed before the save
  auto src3 = InsertResource(s, w.ws, "sources", "src_three");
  CHECK(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, src3));
  CHECK_FALSE(auth::CanEdit(Authenticate(s, sat.secret).token_permissions, src1));
  REQUIRE(s.Call(w.admin, "PUT", p + "members/" + w.member.user_id, json::object()).status == 200);
  CHECK_FALSE(auth::CanEdit(Authenticate(s, pat.secret).token_permissions, src1));

  // Every rebuild so far came from the cache: not one more Argon2.
  CHECK(auth::Argon2Count() == argon);

  // A member who reaches a workspace only through a group loses it with the
  // group's workspace (the PAT stays valid but reaches nothing).
  const std::string ws2 = s.CreateWorkspace(w.admin, "Dev");
  const std::string via = CreateGroup(s, w.admin, "Via", {ws2});
  REQUIRE(s.Call(w.admin, "PUT", "/api/groups/" + via + "/members",
                 json{{"userIds", {w.member.user_id}}})
              .status == 200);
  auto pat2 = s.CreatePat(w.member, ws2, "read_write");
  CHECK(Authenticate(s, pat2.secret).reaches_workspace);
  const uint64_t argon2 = auth::Argon2Count();
  REQUIRE(s.Call(w.admin, "PATCH", "/api/groups/" + via, json{{"workspaceIds", json::array()}})
              .status == 200);
  CHECK_FALSE(Authenticate(s, pat2.secret).reaches_workspace);
  CHECK(s.Call(TestServer::Bearer(pat2.secret), "GET", "/v2/sources").status == 403);
  REQUIRE(s.Call(w.admin, "PATCH", "/api/groups/" + via, json{{"workspaceIds", {ws2}}}).status ==
          200);
  CHECK(Authenticate(s, pat2.secret).reaches_workspace);
  CHECK(s.Call(TestServer::Bearer(pat2.secret), "GET", "/v2/sources").status == 200);

  CHECK(auth::Argon2Count() == argon2);
}

TEST_CASE("effective permissions explain baseline, group and member sources") {
  World w;
  TestServer& s = w.s;
  const std::string ws2 = s.CreateWorkspace(w.admin, "Dev");
  auto src = InsertResource(s, w.ws, "sources", "src_one");
  const std::string g = CreateGroup(s, w.admin, "Editors", {w.ws});
  REQUIRE(
      s.Call(w.admin, "PUT", "/api/groups/" + g + "/members", json{{"userIds", {w.member.user_id}}})
          .status == 200);
  const std::string p = "/api/workspaces/" + w.ws + "/policies/";
  REQUIRE(s.Call(w.admin, "PUT", p + "baseline", json{{"sources", {{"edit", true}}}}).status ==
          200);
  REQUIRE(s.Call(w.admin, "PUT", p + "groups/" + g,
                 json{{"sources", {{"edit", true}, {"connect", true}}}})
              .status == 200);
  REQUIRE(s.Call(w.admin, "PUT", p + "members/" + w.member.user_id,
                 json{{"sources", {{"create_delete", {{"ids", {src.id}}}}}}})
              .status == 200);
  const std::string path = "/api/workspaces/" + w.ws + "/effective/" + w.member.user_id;

  for (const Caller* who : {&w.admin, &w.member}) {
    Reply r = s.Call(*who, "GET", path);
    REQUIRE_MESSAGE(r.status == 200, r.text);
    CHECK(r.body["workspaceId"] == w.ws);
    CHECK(r.body["userId"] == w.member.user_id);
    CHECK(r.body["reaches"] == true);
    CHECK(r.body["role"] == "member");
    const json& perms = r.body["permissions"];
    CHECK(perms["everything"] == false);
    CHECK(perms["viewOnly"] == false);
    CHECK(perms["permissions"]["sources"]["edit"] == true);
    CHECK(perms["permissions"]["sources"]["connect"] == true);
    CHECK(perms["permissions"]["sources"]["create_delete"]["ids"] == json::array({src.id}));
    CHECK(perms["sources"]["sources"]["edit"] == json::array({"baseline", "group:" + g}));
    CHECK(perms["sources"]["sources"]["connect"] == json::array({"group:" + g}));
    CHECK(perms["sources"]["sources"]["create_delete"] == json::array({"member"}));
    CHECK(perms["permissions"]["destinations"] == json::object());
  }

  // Admins: everything, bypassing policies.
  Reply r = s.Call(w.admin, "GET", "/api/workspaces/" + w.ws + "/effective/" + w.admin.user_id);
  REQUIRE(r.status == 200);
  CHECK(r.body["role"] == "admin");
  CHECK(r.body["reaches"] == true);
  CHECK(r.body["permissions"]["everything"] == true);
  CHECK(r.body["permissions"]["permissions"]["tracking_plans"]["create_delete"] == true);

  // A member who does not reach the workspace: the admin sees reaches=false;
  // the member themself gets 404 (outside what they can reach, SPEC §3).
  r = s.Call(w.admin, "GET", "/api/workspaces/" + ws2 + "/effective/" + w.member.user_id);
  REQUIRE(r.status == 200);
  CHECK(r.body["reaches"] == false);
  CHECK(r.body["permissions"]["permissions"]["sources"] == json::object());
  CHECK(
      s.Call(w.member, "GET", "/api/workspaces/" + ws2 + "/effective/" + w.member.user_id).status ==
      404);

  // Another organization's ids, unknown ids: 404. A member asking about
  // anyone else: 403, before any lookup.
  struct Row {
    const Caller* who;
    std::string ws;
    std::string user;
    int status;
  };
  const std::vector<Row> rows = {
      {&w.admin, w.other_ws, w.member.user_id, 404},
      {&w.admin, w.ws, w.other_admin.user_id, 404},
      {&w.admin, "ws_nope", w.member.user_id, 404},
      {&w.admin, w.ws, "usr_nope", 404},
      {&w.other_admin, w.ws, w.member.user_id, 404},
      {&w.other_admin, w.other_ws, w.member.user_id, 404},
      {&w.member, w.ws, w.admin.user_id, 403},
      {&w.member, w.ws, "usr_nope", 403},
      {&w.member, w.other_ws, w.other_admin.user_id, 403},
      {&w.member, w.other_ws, w.member.user_id, 404},
  };
  for (const auto& row : rows) {
    CAPTURE(row.ws);
    CAPTURE(row.user);
    CHECK(s.Call(*row.who, "GET", "/api/workspaces/" + row.ws + "/effective/" + row.user).status ==
          row.status);
  }
}

TEST_CASE("over HTTP: POST /v2/sources flips from 403 to 201 right after each policy change") {
  World w;
  TestServer& s = w.s;
  auto sat = s.CreateSat(w.admin, "workspace", w.ws);
  auto pat = s.CreatePat(w.member, w.ws, "read_write");
  const Caller sat_c = TestServer::Bearer(sat.secret);
  const Caller pat_c = TestServer::Bearer(pat.secret);
  Caller member_session = w.member;
  const std::string p = "/api/workspaces/" + w.ws + "/policies/";
  const std::string sources = "/v2/sources";
  const std::string sources_ws = sources + "?workspace_id=" + w.ws;
  int n = 0;
  auto body = [&n] {
    return json{
        {"name", "src " + std::to_string(++n)}, {"type", "javascript"}, {"config", json::object()}};
  };
  // Warm the token cache: the flips below must come from invalidation, not
  // from a first use.
  REQUIRE(s.Call(sat_c, "POST", sources, body()).status == 403);
  REQUIRE(s.Call(pat_c, "POST", sources, body()).status == 403);
  REQUIRE(s.Call(member_session, "POST", sources_ws, body()).status == 403);
  const uint64_t argon = auth::Argon2Count();

  // Baseline: every member and every workspace SAT.
  const json grant = {{"sources", {{"create_delete", true}}}};
  REQUIRE(s.Call(w.admin, "PUT", p + "baseline", grant).status == 200);
  CHECK(s.Call(sat_c, "POST", sources, body()).status == 201);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 201);
  CHECK(s.Call(member_session, "POST", sources_ws, body()).status == 201);
  REQUIRE(s.Call(w.admin, "PUT", p + "baseline", json::object()).status == 200);
  CHECK(s.Call(sat_c, "POST", sources, body()).status == 403);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 403);
  CHECK(s.Call(member_session, "POST", sources_ws, body()).status == 403);

  // Member policy: the member's PAT, not the SAT.
  REQUIRE(s.Call(w.admin, "PUT", p + "members/" + w.member.user_id, grant).status == 200);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 201);
  CHECK(s.Call(sat_c, "POST", sources, body()).status == 403);
  REQUIRE(s.Call(w.admin, "PUT", p + "members/" + w.member.user_id, json::object()).status == 200);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 403);

  // Group: policy first, then membership, then the group's workspaces.
  const std::string g = CreateGroup(s, w.admin, "Creators", {w.ws});
  REQUIRE(s.Call(w.admin, "PUT", p + "groups/" + g, grant).status == 200);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 403);
  REQUIRE(
      s.Call(w.admin, "PUT", "/api/groups/" + g + "/members", json{{"userIds", {w.member.user_id}}})
          .status == 200);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 201);
  REQUIRE(
      s.Call(w.admin, "PATCH", "/api/groups/" + g, json{{"workspaceIds", json::array()}}).status ==
      200);
  CHECK(s.Call(pat_c, "POST", sources, body()).status == 403);

  CHECK(auth::Argon2Count() == argon);
  // The token requests are audited with their outcome (SPEC §4).
  int created = 0, denied = 0;
  for (const auto& row : AuditRows(s, s.org_id())) {
    if (row.actor_id != pat.id) continue;
    if (row.outcome == "success" && row.action == "created") ++created;
    if (row.outcome == "denied") ++denied;
  }
  CHECK(created == 3);
  CHECK(denied == 5);
}
