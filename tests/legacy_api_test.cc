// legacy_api_test.cc — an organization on the legacy model (SPEC §7) through
// the real HTTP server: members, workspace SATs and PATs are decided by their
// legacy roles and the resources' edit allow-lists, admins by nothing; roles,
// memberships, invitations, groups, policies and tokens cannot be changed or
// added to (409 legacy_model) but can be used and deleted.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api_harness.h"
#include "auth/legacy.h"
#include "store/conn.h"
#include "store/legacy_store.h"

namespace {

using accessd::Status;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;
namespace auth = accessd::auth;
namespace store = accessd::store;

std::string WithWs(const std::string& path, const std::string& ws) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "workspace_id=" + ws;
}

// An organization with one workspace, built on the policy model through the
// API and then turned into a legacy one, as an import leaves it.
struct LegacyOrg {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  Caller editor = s.CreateUser(admin, "editor@example.test", "member", {ws});
  Caller viewer = s.CreateUser(admin, "viewer@example.test", "member", {ws});
  Caller builder = s.CreateUser(admin, "builder@example.test", "member", {ws});
  TestServer::Token sat = s.CreateSat(admin, "workspace", ws);
  TestServer::Token editor_rw = s.CreatePat(editor, ws, "read_write");
  TestServer::Token editor_ro = s.CreatePat(editor, ws, "read_only");
  std::string open_src = Create("/v2/sources", "source", "Open", "javascript");
  std::string listed_src = Create("/v2/sources", "source", "Listed", "javascript");
  std::string dst = Create("/v2/destinations", "destination", "Warehouse", "postgres");
  std::string tra = Create("/transformations", "transformation", "Enrich", "");

  LegacyOrg() {
    Status st = s.app().db().Write([&](store::Conn& c) {
      SQLite::Statement q(c.db(), "UPDATE organizations SET access_model = 'legacy' WHERE id = ?");
      q.bind(1, s.org_id());
      q.exec();
      auto put = [&](store::LegacySubject subject, const std::string& id, auth::ConnectionsRole r,
                     bool te) {
        store::PutLegacyRole(c, ws, subject, id, auth::LegacyRole{r, te});
      };
      put(store::LegacySubject::kMember, editor.user_id, auth::ConnectionsRole::kEditor, false);
      put(store::LegacySubject::kMember, viewer.user_id, auth::ConnectionsRole::kViewer, false);
      put(store::LegacySubject::kMember, builder.user_id, auth::ConnectionsRole::kAdmin, true);
      put(store::LegacySubject::kToken, sat.id, auth::ConnectionsRole::kEditor, false);
      // "Listed" may be edited by the SAT and the builder only (and admins).
      store::SetEditAllowList(c, listed_src, std::vector<std::string>{sat.id, builder.user_id});
      return Status::Ok();
    });
    REQUIRE(st.ok());
  }

  // Creates a resource as the admin; returns its id.
  std::string Create(const std::string& path, const std::string& singular,
                     const std::string& name, const std::string& type) {
    json body = {{"name", name}, {"config", json::object()}};
    if (!type.empty()) body["type"] = type;
    Reply r = s.Call(admin, "POST", WithWs(path, ws), body);
    REQUIRE_MESSAGE(r.status == 201, r.text);
    return r.body[singular]["id"].get<std::string>();
  }

  // A caller's answer to one action, sessions naming the workspace.
  int Patch(const Caller& who, const std::string& path, const std::string& id) {
    const std::string p = path + "/" + id;
    return s.Call(who, "PATCH", who.token.empty() ? WithWs(p, ws) : p, json{{"enabled", false}})
        .status;
  }
  int Connect(const Caller& who, const std::string& src) {
    const std::string p = "/v2/connections";
    return s.Call(who, "POST", who.token.empty() ? WithWs(p, ws) : p,
                  json{{"sourceId", src}, {"destinationId", dst}})
        .status;
  }
  int CreateSource(const Caller& who, const std::string& name) {
    const std::string p = "/v2/sources";
    return s.Call(who, "POST", who.token.empty() ? WithWs(p, ws) : p,
                  json{{"name", name}, {"type", "javascript"}, {"config", json::object()}})
        .status;
  }
};

}  // namespace

TEST_CASE("legacy org: connections roles, transformations_edit and allow-lists decide") {
  LegacyOrg o;
  // connections_editor: edits and connects, but not what an allow-list
  // leaves them out of; creates nothing; no transformations.
  CHECK(o.Patch(o.editor, "/v2/sources", o.open_src) == 200);
  CHECK(o.Patch(o.editor, "/v2/sources", o.listed_src) == 403);
  CHECK(o.Connect(o.editor, o.listed_src) == 403);
  CHECK(o.Connect(o.editor, o.open_src) == 201);
  CHECK(o.CreateSource(o.editor, "Mine") == 403);
  CHECK(o.Patch(o.editor, "/transformations", o.tra) == 403);
  CHECK(o.s.Call(o.editor, "DELETE", WithWs("/v2/sources/" + o.open_src, o.ws)).status == 403);

  // connections_viewer: view only.
  CHECK(o.s.Call(o.viewer, "GET", WithWs("/v2/sources", o.ws)).status == 200);
  CHECK(o.Patch(o.viewer, "/v2/sources", o.open_src) == 403);

  // connections_admin with transformations_edit, allow-listed on "Listed".
  CHECK(o.Patch(o.builder, "/v2/sources", o.listed_src) == 200);
  CHECK(o.Patch(o.builder, "/transformations", o.tra) == 200);
  CHECK(o.CreateSource(o.builder, "Builder's") == 201);

  // The workspace SAT (role editor) is on the allow-list.
  const Caller sat = TestServer::Bearer(o.sat.secret);
  CHECK(o.Patch(sat, "/v2/sources", o.listed_src) == 200);
  CHECK(o.CreateSource(sat, "Token's") == 403);

  // PATs: read_write acts as its user; read_only only reads.
  CHECK(o.Patch(TestServer::Bearer(o.editor_rw.secret), "/v2/sources", o.open_src) == 200);
  CHECK(o.Patch(TestServer::Bearer(o.editor_rw.secret), "/v2/sources", o.listed_src) == 403);
  CHECK(o.Patch(TestServer::Bearer(o.editor_ro.secret), "/v2/sources", o.open_src) == 403);

  // Admins are never narrowed by an allow-list.
  CHECK(o.Patch(o.admin, "/v2/sources", o.listed_src) == 200);

  // The member's own view explains the legacy rules as the equivalent policy.
  Reply me = o.s.Call(o.editor, "GET", "/api/me");
  REQUIRE(me.status == 200);
  CHECK(me.body["organization"]["accessModel"] == "legacy");
  const json& perms = me.body["workspaces"][0]["permissions"];
  const json& ids = perms["permissions"]["sources"]["edit"]["ids"];
  auto names = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), json(id)) != ids.end();
  };
  CHECK(names(o.open_src));
  CHECK_FALSE(names(o.listed_src));
  CHECK(perms["permissions"]["sources"]["edit"]["includeFuture"] == true);
  CHECK(perms["sources"]["sources"]["edit"] == json::array({"legacy"}));
}

TEST_CASE("legacy org: roles and tokens can be used and deleted, not changed or added (409)") {
  LegacyOrg o;
  struct Change {
    std::string method, path;
    json body;
  };
  const std::vector<Change> refused = {
      {"PATCH", "/api/members/" + o.viewer.user_id, json{{"role", "admin"}}},
      {"PUT", "/api/members/" + o.viewer.user_id + "/workspaces",
       json{{"workspaceIds", json::array()}}},
      {"POST", "/api/invitations",
       json{{"emails", {"new@example.test"}}, {"role", "member"}, {"workspaceIds", {o.ws}}}},
      {"POST", "/api/service-access-tokens", json{{"name", "New"}, {"level", "organization"}}},
  };
  for (const Change& c : refused) {
    Reply r = o.s.Call(o.admin, c.method, c.path, c.body);
    CHECK_MESSAGE(r.status == 409, c.method << " " << c.path << " " << r.text);
    CHECK(r.body["code"] == "legacy_model");
  }
  Reply pat = o.s.Call(o.editor, "POST", "/api/personal-access-tokens",
                       json{{"name", "Another"}, {"workspaceId", o.ws}, {"scope", "read_only"}});
  CHECK(pat.status == 409);
  CHECK(pat.body["code"] == "legacy_model");

  // Nothing was changed by the refusals: the viewer is still a member there.
  CHECK(o.s.Call(o.viewer, "GET", WithWs("/v2/sources", o.ws)).status == 200);

  // Deleting works, and takes the legacy role with it.
  auto legacy_rows = [&](const std::string& subject_id) {
    int n = 0;
    o.s.app().db().Read([&](store::Conn& c) {
      SQLite::Statement q(c.db(), "SELECT count(*) FROM legacy_roles WHERE subject_id = ?");
      q.bind(1, subject_id);
      q.executeStep();
      n = q.getColumn(0).getInt();
    });
    return n;
  };
  REQUIRE(legacy_rows(o.sat.id) == 1);
  CHECK(o.s.Call(o.admin, "DELETE", "/api/service-access-tokens/" + o.sat.id).status == 204);
  CHECK(legacy_rows(o.sat.id) == 0);
  CHECK(o.s.Call(TestServer::Bearer(o.sat.secret), "GET", "/v2/sources").status == 401);

  REQUIRE(legacy_rows(o.viewer.user_id) == 1);
  CHECK(o.s.Call(o.admin, "DELETE", "/api/members/" + o.viewer.user_id).status == 204);
  CHECK(legacy_rows(o.viewer.user_id) == 0);
}

TEST_CASE("legacy org: an edit allow-list can be deleted, by admins, and then the roles decide") {
  LegacyOrg o;
  const Caller sat = TestServer::Bearer(o.sat.secret);
  // Cached before the change: a token's principal holds the resources its
  // allow-lists leave out (the editor's PAT is left out of "Listed").
  const Caller editor_pat = TestServer::Bearer(o.editor_rw.secret);
  REQUIRE(o.Patch(editor_pat, "/v2/sources", o.listed_src) == 403);
  REQUIRE(o.Patch(o.editor, "/v2/sources", o.listed_src) == 403);

  const std::string path = "/api/edit-allow-lists/" + o.listed_src;
  CHECK(o.s.Call(o.editor, "DELETE", path).status == 403);  // members may not
  CHECK(o.s.Call(sat, "DELETE", path).status == 401);        // /api is for sessions
  Reply none = o.s.Call(o.admin, "DELETE", "/api/edit-allow-lists/" + o.open_src);
  CHECK(none.status == 404);  // a resource without an allow-list
  CHECK(none.body["code"] == "not_found");
  REQUIRE(o.s.Call(o.admin, "DELETE", path).status == 204);
  CHECK(o.s.Call(o.admin, "DELETE", path).status == 404);  // already gone

  // Now the connections roles alone decide, for sessions and cached tokens.
  CHECK(o.Patch(o.editor, "/v2/sources", o.listed_src) == 200);
  CHECK(o.Patch(editor_pat, "/v2/sources", o.listed_src) == 200);
  CHECK(o.Patch(sat, "/v2/sources", o.listed_src) == 200);
  CHECK(o.Patch(o.viewer, "/v2/sources", o.listed_src) == 403);

  // Audited as the source updated, with the list it had.
  bool found = false;
  o.s.app().db().Read([&](store::Conn& c) {
    SQLite::Statement q(c.db(),
                        "SELECT details FROM audit_log WHERE target_type = 'source' AND "
                        "target_id = ? AND action = 'updated' AND actor_type = 'user'");
    q.bind(1, o.listed_src);
    while (q.executeStep()) {
      json d = json::parse(q.getColumn(0).getString());
      if (d.contains("editAllowList")) {
        found = d["editAllowList"]["to"].is_null() &&
                d["editAllowList"]["from"] == json::array({o.sat.id, o.builder.user_id});
      }
    }
  });
  CHECK(found);
}
