// migration_api_test.cc — the migration API (SPEC §7 "Migration", §6a
// /api/migration) over HTTP against a real server (tests/api_harness.h).
//
// A legacy organization is built through the API while it is still on
// policies (workspaces, members, resources, SATs, PATs), then switched to the
// legacy model in one write job that stores legacy roles, allow-lists and
// legacy-format tokens, as an import would leave them.
//
// The central property — after use_existing_policies and a deploy, every
// decision is the one the legacy rules made — is checked by real requests:
// PATCH, DELETE, POST of connections and creation, by member sessions, SATs
// and PATs. Those requests change what they are allowed to change, so a
// decision matrix cannot be taken twice on one organization; instead two
// servers build the very same organization, one stays on the legacy model
// (the reference, "before") and one is migrated ("after"), and the matrices
// are compared by resource name.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api_harness.h"
#include "auth/legacy.h"
#include "auth/policy.h"
#include "auth/secret_hash.h"
#include "auth/token_format.h"
#include "base/digest.h"
#include "store/audit_store.h"
#include "store/conn.h"
#include "store/legacy_store.h"
#include "store/token_store.h"

namespace {

using accessd::Status;
using accessd::model::AuditRow;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;
namespace auth = accessd::auth;
namespace model = accessd::model;
namespace store = accessd::store;

// One resource type as the public API names it.
struct Kind {
  const char* type;      // policy key
  const char* path;      // collection path
  const char* singular;  // response wrapper
  const char* end;       // connection end field
};
const Kind kKinds[] = {
    {"sources", "/v2/sources", "source", "sourceId"},
    {"destinations", "/v2/destinations", "destination", "destinationId"},
    {"transformations", "/transformations", "transformation", "transformationId"},
    {"libraries", "/libraries", "library", ""},
    {"tracking_plans", "/v2/catalog/tracking-plans", "trackingPlan", "trackingPlanId"},
};

const Kind& KindOf(const std::string& type) {
  for (const Kind& k : kKinds) {
    if (type == k.type) return k;
  }
  FAIL("no kind " << type);
  return kKinds[0];
}

json NewBody(const Kind& k, const std::string& name) {
  json b = {{"name", name}, {"config", {{"color", "blue"}}}};
  if (std::string(k.type) == "sources") b["type"] = "javascript";
  if (std::string(k.type) == "destinations") b["type"] = "postgres";
  return b;
}

std::vector<AuditRow> AuditOf(TestServer& s, const std::string& org_id,
                              const std::string& target_type, const std::string& action) {
  std::vector<AuditRow> out;
  s.app().db().Read([&](store::Conn& c) {
    store::AuditQuery q;
    q.org_id = org_id;
    for (;;) {
      auto page = store::QueryAudit(c, q);
      if (page.empty()) break;
      q.after_id = page.back().id;
      for (auto& r : page) {
        if (r.target_type == target_type && r.action == action) out.push_back(r);
      }
    }
  });
  return out;
}

std::vector<std::string> Fields(const Reply& r) {
  std::vector<std::string> out;
  if (r.body.is_object() && r.body.contains("details")) {
    for (const auto& d : r.body["details"]) out.push_back(d["field"].get<std::string>());
  }
  return out;
}

// A resource of the world before the legacy switch: its name, type, and
// which principals its edit allow-list names (none: no allow-list).
struct Spec {
  std::string name;
  std::string type;
  std::optional<std::vector<std::string>> allow;  // principal labels
};

// The base resources of Prod; each also gets one copy per probing principal
// ("<name>-del-<label>", same allow-list) for that principal's delete probe.
const std::vector<Spec> kProdResources = {
    {"src-open", "sources", std::nullopt},
    {"src-restricted", "sources", std::vector<std::string>{"editor", "sat"}},
    {"dst-open", "destinations", std::nullopt},
    {"dst-restricted", "destinations", std::vector<std::string>{"admin", "legacy-sat"}},
    {"tr-1", "transformations", std::nullopt},
    {"lib-1", "libraries", std::nullopt},
    {"tp-1", "tracking_plans", std::nullopt},
};
// Created after the staging (while the legacy rules still decide): "future"
// resources for every staged policy.
const std::vector<Spec> kLateResources = {
    {"src-late", "sources", std::nullopt},
    {"dst-late", "destinations", std::nullopt},
    {"tr-late", "transformations", std::nullopt},
};

// Whoever the matrix probes: a session (acts with ?workspace_id=) or a token.
struct Prober {
  std::string label;
  Caller who;
  bool session = false;
};

// A legacy organization in a fresh server's Default organization.
//   Prod: admin       = member, connections_admin + transformations_edit (also a PAT, read_write)
//         editor      = member, connections_editor (also a legacy admin-scope PAT)
//         viewer      = member, connections_viewer + transformations_edit (a read_only PAT)
//         sat         = workspace SAT, editor + transformations_edit
//         legacy-sat  = workspace SAT in the legacy token format, admin
//   Dev:  editor connections_admin, admin connections_viewer; sat-dev viewer,
//         generated with a policy granting sources edit (the legacy role decides now,
//         and the deploy must replace that policy).
//   Org:  one org SAT (acd_ format) and one in the legacy format.
// `extra` members join Prod before the switch, with no legacy role (viewer):
// a legacy organization takes no new members (SPEC §7).
struct LegacyWorld {
  TestServer s;
  Caller org_admin;
  std::string prod, dev;
  Caller admin, editor, viewer;
  TestServer::Token sat, sat_dev, org_sat, pat_admin, pat_viewer;
  std::string legacy_sat_id, legacy_sat_value;
  std::string legacy_pat_id, legacy_pat_value;
  std::string legacy_org_sat_value;
  std::map<std::string, std::string> ids;  // resource name → id (both workspaces)
  std::map<std::string, Caller> extra;     // by email

  explicit LegacyWorld(const std::vector<std::string>& extra_members = {}) {
    org_admin = s.Admin();
    prod = s.CreateWorkspace(org_admin, "Prod");
    dev = s.CreateWorkspace(org_admin, "Dev");
    admin = s.CreateUser(org_admin, "admin-role@example.test", "member", {prod, dev});
    editor = s.CreateUser(org_admin, "editor-role@example.test", "member", {prod, dev});
    viewer = s.CreateUser(org_admin, "viewer-role@example.test", "member", {prod});
    for (const auto& email : extra_members) {
      extra[email] = s.CreateUser(org_admin, email, "member", {prod});
    }
    sat = s.CreateSat(org_admin, "workspace", prod);
    sat_dev = s.CreateSat(org_admin, "workspace", dev, json{{"sources", {{"edit", true}}}});
    org_sat = s.CreateSat(org_admin, "organization", "");
    pat_admin = s.CreatePat(admin, prod, "read_write");
    pat_viewer = s.CreatePat(viewer, prod, "read_only");

    for (const Spec& r : kProdResources) {
      Create(prod, r.type, r.name);
      for (const auto& p : ProbeLabels()) Create(prod, r.type, r.name + "-del-" + p);
    }
    Create(dev, "sources", "dev-src");
    Create(dev, "destinations", "dev-dst");

    // Legacy-format tokens: opaque values found by their SHA-256 (SPEC §7).
    // Hashed before the write job so that Argon2 does not run on the writer.
    legacy_sat_value =
        "legacy-workspace-token-" + auth::GenerateToken(auth::TokenKind::kPat).full.substr(8, 20);
    legacy_pat_value =
        "legacy-personal-token-" + auth::GenerateToken(auth::TokenKind::kPat).full.substr(8, 20);
    legacy_org_sat_value =
        "legacy-org-token-" + auth::GenerateToken(auth::TokenKind::kPat).full.substr(8, 20);
    const std::string sat_hash = auth::HashSecret(legacy_sat_value);
    const std::string pat_hash = auth::HashSecret(legacy_pat_value);
    const std::string org_hash = auth::HashSecret(legacy_org_sat_value);
    legacy_sat_id = auth::GenerateToken(auth::TokenKind::kWorkspaceSat).parts.key_id;
    legacy_pat_id = auth::GenerateToken(auth::TokenKind::kPat).parts.key_id;
    const std::string legacy_org_id = auth::GenerateToken(auth::TokenKind::kOrgSat).parts.key_id;

    const std::map<std::string, std::string> subject = {{"admin", admin.user_id},
                                                        {"editor", editor.user_id},
                                                        {"viewer", viewer.user_id},
                                                        {"sat", sat.id},
                                                        {"legacy-sat", legacy_sat_id}};
    using R = auth::ConnectionsRole;
    Status st = s.app().db().Write([&](store::Conn& c) {
      SQLite::Statement q(c.db(), "UPDATE organizations SET access_model = 'legacy' WHERE id = ?");
      q.bind(1, s.org_id());
      q.exec();
      // Only the legacy roles decide: no member policies.
      SQLite::Statement del(c.db(), "DELETE FROM policies WHERE subject_type = 'member'");
      del.exec();
      const auto member = store::LegacySubject::kMember;
      const auto token = store::LegacySubject::kToken;
      store::PutLegacyRole(c, prod, member, admin.user_id, {R::kAdmin, true});
      store::PutLegacyRole(c, prod, member, editor.user_id, {R::kEditor, false});
      store::PutLegacyRole(c, prod, member, viewer.user_id, {R::kViewer, true});
      store::PutLegacyRole(c, prod, token, sat.id, {R::kEditor, true});
      store::PutLegacyRole(c, prod, token, legacy_sat_id, {R::kAdmin, false});
      store::PutLegacyRole(c, dev, member, editor.user_id, {R::kAdmin, false});
      store::PutLegacyRole(c, dev, member, admin.user_id, {R::kViewer, false});
      store::PutLegacyRole(c, dev, token, sat_dev.id, {R::kViewer, false});
      for (const Spec& r : kProdResources) {
        if (!r.allow) continue;
        std::vector<std::string> allowed;
        for (const auto& label : *r.allow) allowed.push_back(subject.at(label));
        store::SetEditAllowList(c, ids.at(r.name), allowed);
        for (const auto& p : ProbeLabels()) {
          store::SetEditAllowList(c, ids.at(r.name + "-del-" + p), allowed);
        }
      }
      model::Token t;
      t.org_id = s.org_id();
      t.legacy = true;
      t.created_at = 1;
      t.id = legacy_sat_id;
      t.kind = model::TokenKind::kWorkspaceSat;
      t.name = "legacy deploy bot";
      t.workspace_id = prod;
      store::InsertToken(c, t, sat_hash, accessd::Sha256Hex(legacy_sat_value));
      t.id = legacy_pat_id;
      t.kind = model::TokenKind::kPat;
      t.name = "legacy admin pat";
      t.user_id = editor.user_id;
      t.scope = model::PatScope::kAdmin;
      store::InsertToken(c, t, pat_hash, accessd::Sha256Hex(legacy_pat_value));
      t.id = legacy_org_id;
      t.kind = model::TokenKind::kOrgSat;
      t.name = "legacy org token";
      t.workspace_id.reset();
      t.user_id.reset();
      t.scope.reset();
      store::InsertToken(c, t, org_hash, accessd::Sha256Hex(legacy_org_sat_value));
      return Status::Ok();
    });
    REQUIRE(st.ok());
    // Principals cached while the organization was on policies.
    s.app().auth().InvalidateAccess();
  }

  static std::vector<std::string> ProbeLabels() {
    return {"admin", "editor", "viewer", "sat", "legacy-sat", "pat-admin", "legacy-pat"};
  }

  std::vector<Prober> Probers() const {
    return {{"admin", admin, true},
            {"editor", editor, true},
            {"viewer", viewer, true},
            {"sat", TestServer::Bearer(sat.secret), false},
            {"legacy-sat", TestServer::Bearer(legacy_sat_value), false},
            {"pat-admin", TestServer::Bearer(pat_admin.secret), false},
            {"legacy-pat", TestServer::Bearer(legacy_pat_value), false}};
  }

  std::string Create(const std::string& ws, const std::string& type, const std::string& name) {
    const Kind& k = KindOf(type);
    Reply r =
        s.Call(org_admin, "POST", std::string(k.path) + "?workspace_id=" + ws, NewBody(k, name));
    REQUIRE_MESSAGE(r.status == 201, r.text);
    ids[name] = r.body[k.singular]["id"].get<std::string>();
    return ids[name];
  }

  // The resources created after staging, with their delete copies.
  void CreateLate() {
    for (const Spec& r : kLateResources) {
      Create(prod, r.type, r.name);
      for (const auto& p : ProbeLabels()) Create(prod, r.type, r.name + "-del-" + p);
    }
  }

  Reply Get(const std::string& path) { return s.Call(org_admin, "GET", path); }
  Reply Post(const std::string& path, const json& body = json::object()) {
    return s.Call(org_admin, "POST", path, body);
  }
};

std::string In(const Prober& p, const std::string& path, const std::string& ws) {
  return p.session ? path + (path.find('?') == std::string::npos ? "?" : "&") + "workspace_id=" + ws
                   : path;
}

// Every decision of every prober in Prod, as the HTTP status each request
// got, keyed "<prober> <action> <resource name or type>". Changes what the
// probers may change (edits, connections, new resources, deletions).
std::map<std::string, int> Matrix(LegacyWorld& w) {
  std::map<std::string, int> m;
  std::vector<Spec> base = kProdResources;
  base.insert(base.end(), kLateResources.begin(), kLateResources.end());
  auto of = [&](const std::string& type) {
    std::vector<std::string> names;
    for (const Spec& r : base) {
      if (r.type == type) names.push_back(r.name);
    }
    return names;
  };
  // Every pair SPEC §1 connects: source→destination, transformation→destination,
  // source→tracking plan.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& from : of("sources")) {
    for (const auto& to : of("destinations")) pairs.push_back({from, to});
    for (const auto& to : of("tracking_plans")) pairs.push_back({from, to});
  }
  for (const auto& from : of("transformations")) {
    for (const auto& to : of("destinations")) pairs.push_back({from, to});
  }
  auto type_of = [&](const std::string& name) {
    for (const Spec& r : base) {
      if (r.name == name) return r.type;
    }
    return std::string();
  };

  for (const Prober& p : w.Probers()) {
    for (const Spec& r : base) {
      const Kind& k = KindOf(r.type);
      Reply rep =
          w.s.Call(p.who, "PATCH", In(p, std::string(k.path) + "/" + w.ids.at(r.name), w.prod),
                   json{{"config", {{"probe", p.label}}}});
      m[p.label + " edit " + r.name] = rep.status;
    }
    for (const auto& [from, to] : pairs) {
      const Kind& fk = KindOf(type_of(from));
      const Kind& tk = KindOf(type_of(to));
      Reply rep = w.s.Call(p.who, "POST", In(p, "/v2/connections", w.prod),
                           json{{fk.end, w.ids.at(from)}, {tk.end, w.ids.at(to)}});
      m[p.label + " connect " + from + "→" + to] = rep.status;
      if (rep.status != 201) continue;
      const std::string conn = rep.body["connection"]["id"].get<std::string>();
      Reply undo = w.s.Call(p.who, "DELETE", In(p, "/v2/connections/" + conn, w.prod));
      m[p.label + " disconnect " + from + "→" + to] = undo.status;
      if (undo.status != 204) {
        REQUIRE(
            w.s.Call(w.org_admin, "DELETE", "/v2/connections/" + conn + "?workspace_id=" + w.prod)
                .status == 204);
      }
    }
    for (const Kind& k : kKinds) {
      Reply rep = w.s.Call(p.who, "POST", In(p, k.path, w.prod),
                           NewBody(k, std::string(k.type) + "-made-by-" + p.label));
      m[p.label + " create " + k.type] = rep.status;
    }
    for (const Spec& r : base) {
      const std::string victim = r.name + "-del-" + p.label;
      const Kind& k = KindOf(r.type);
      Reply rep =
          w.s.Call(p.who, "DELETE", In(p, std::string(k.path) + "/" + w.ids.at(victim), w.prod));
      m[p.label + " delete " + victim] = rep.status;
    }
  }
  return m;
}

// The matrix entries of one prober.
std::map<std::string, int> Of(const std::map<std::string, int>& m, const std::string& label) {
  std::map<std::string, int> out;
  for (const auto& [k, v] : m) {
    if (k.rfind(label + " ", 0) == 0) out[k] = v;
  }
  return out;
}

const json* FindByKey(const json& list, const char* key, const std::string& value) {
  for (const auto& e : list) {
    if (e[key] == value) return &e;
  }
  return nullptr;
}

const json& Workspace(const json& staging, const std::string& id) {
  const json* w = FindByKey(staging["workspaces"], "id", id);
  REQUIRE(w != nullptr);
  return *w;
}

}  // namespace

TEST_CASE("migration use_existing_policies: staged policies, no changes, every decision kept") {
  LegacyWorld before;  // stays on the legacy rules: the reference
  LegacyWorld after;   // migrated
  before.CreateLate();

  Reply r = after.Post("/api/migration/import", json{{"strategy", "use_existing_policies"}});
  REQUIRE_MESSAGE(r.status == 200, r.text);
  after.CreateLate();  // after staging: "future" resources for the staged policies
  // GET recomputes from current data, and the import answered the same shape.
  CHECK(r.body["accessModel"] == "legacy");
  CHECK(r.body["staging"]["strategy"] == "use_existing_policies");
  r = after.Get("/api/migration");
  REQUIRE(r.status == 200);
  const json& staging = r.body["staging"];
  CHECK(staging["strategy"] == "use_existing_policies");
  CHECK(staging["createdBy"] == after.org_admin.user_id);
  CHECK(staging["createdAt"].get<std::string>().size() == 24);  // RFC 3339 with milliseconds
  CHECK(staging["changeCount"] == 0);

  const json& prod = Workspace(staging, after.prod);
  CHECK(prod["name"] == "Prod");
  // Members who reach the workspace; the organization's admin is not listed.
  REQUIRE(prod["members"].size() == 3);
  for (const auto& m : prod["members"]) {
    CHECK(m["userId"] != after.org_admin.user_id);
    CHECK(m["changes"].empty());
  }
  const json* editor = FindByKey(prod["members"], "userId", after.editor.user_id);
  REQUIRE(editor != nullptr);
  CHECK((*editor)["email"] == "editor-role@example.test");
  CHECK((*editor)["displayName"] == "editor-role@example.test");
  CHECK((*editor)["legacy"]["connections"] == "connections_editor");
  CHECK((*editor)["legacy"]["transformationsEdit"] == false);
  // dst-restricted names the admin member and the legacy SAT only.
  std::set<std::string> excluded = (*editor)["legacy"]["excludedBy"].get<std::set<std::string>>();
  CHECK(excluded.count(after.ids.at("dst-restricted")) == 1);
  CHECK(excluded.count(after.ids.at("src-restricted")) == 0);
  CHECK(excluded.size() == 1 + LegacyWorld::ProbeLabels().size());
  // connections_editor: edit and connect; the allow-list narrows destinations'
  // edit to every other one, now and later.
  const json& policy = (*editor)["policy"];
  CHECK(policy["sources"] == json{{"edit", true}, {"connect", true}});
  CHECK(policy["tracking_plans"] == json{{"edit", true}, {"connect", true}});
  CHECK(policy["destinations"]["connect"] == true);
  CHECK(policy["destinations"]["edit"]["includeFuture"] == true);
  auto ids = policy["destinations"]["edit"]["ids"].get<std::set<std::string>>();
  CHECK(ids.count(after.ids.at("dst-open")) == 1);
  CHECK(ids.count(after.ids.at("dst-restricted")) == 0);
  CHECK(ids.count(after.ids.at("dst-late")) == 0);  // created after staging: covered as future
  CHECK(policy["transformations"] == json::object());

  REQUIRE(prod["serviceAccessTokens"].size() == 2);
  const json* sat = FindByKey(prod["serviceAccessTokens"], "id", after.sat.id);
  REQUIRE(sat != nullptr);
  CHECK((*sat)["legacy"]["role"] == "editor");
  CHECK((*sat)["legacy"]["transformationsEdit"] == true);
  CHECK((*sat)["policy"]["transformations"] ==
        json{{"edit", true}, {"connect", true}, {"create_delete", true}});
  const json* legacy_sat = FindByKey(prod["serviceAccessTokens"], "id", after.legacy_sat_id);
  REQUIRE(legacy_sat != nullptr);
  CHECK((*legacy_sat)["name"] == "legacy deploy bot");
  CHECK((*legacy_sat)["legacy"]["role"] == "admin");

  const json& dev = Workspace(staging, after.dev);
  REQUIRE(dev["members"].size() == 2);  // the viewer member is not in Dev
  const json* dev_editor = FindByKey(dev["members"], "userId", after.editor.user_id);
  REQUIRE(dev_editor != nullptr);
  CHECK((*dev_editor)["legacy"]["connections"] == "connections_admin");
  CHECK((*dev_editor)["policy"]["sources"] ==
        json{{"edit", true}, {"connect", true}, {"create_delete", true}});
  REQUIRE(dev["serviceAccessTokens"].size() == 1);
  CHECK(dev["serviceAccessTokens"][0]["legacy"]["role"] == "viewer");
  CHECK(dev["serviceAccessTokens"][0]["policy"]["sources"] == json::object());

  // Tokens that a migration leaves as they are.
  CHECK(staging["organizationTokens"].size() == 2);
  REQUIRE(staging["personalAccessTokens"].size() == 3);
  const json* legacy_pat = FindByKey(staging["personalAccessTokens"], "id", after.legacy_pat_id);
  REQUIRE(legacy_pat != nullptr);
  CHECK((*legacy_pat)["scope"] == "admin");
  CHECK((*legacy_pat)["userId"] == after.editor.user_id);
  CHECK((*legacy_pat)["workspaceId"] == after.prod);

  // Cache every token's principal under the legacy rules, then deploy.
  for (const Prober& p : after.Probers()) {
    if (!p.session) CHECK(after.s.Call(p.who, "GET", "/v2/workspace").status == 200);
  }
  r = after.Post("/api/migration/deploy");
  REQUIRE_MESSAGE(r.status == 200, r.text);
  CHECK(r.body["accessModel"] == "policies");
  CHECK(r.body["members"] == 5);              // 3 in Prod, 2 in Dev
  CHECK(r.body["serviceAccessTokens"] == 3);  // 2 in Prod, 1 in Dev
  CHECK(r.body["deployedAt"].is_string());

  // Every decision of the legacy rules, kept: the same answer to the same
  // request, for members, workspace SATs and PATs, on resources that existed
  // at staging and on those created after it.
  const auto reference = Matrix(before);
  const auto migrated = Matrix(after);
  for (const auto& [key, status] : reference) {
    CAPTURE(key);
    CHECK(migrated.count(key) == 1);
    if (migrated.count(key)) CHECK(migrated.at(key) == status);
  }
  CHECK(reference.size() == migrated.size());
  // The matrix is not trivial: it holds both answers, and differs by role.
  std::set<int> answers;
  for (const auto& [key, status] : reference) answers.insert(status);
  CHECK(answers.count(403) == 1);
  CHECK(answers.count(200) == 1);
  CHECK(answers.count(201) == 1);
  CHECK(answers.count(204) == 1);
  CHECK(reference.at("admin create sources") == 201);
  CHECK(reference.at("editor create sources") == 403);
  CHECK(reference.at("editor edit dst-restricted") == 403);
  CHECK(reference.at("editor edit dst-open") == 200);
  CHECK(reference.at("admin edit dst-restricted") == 200);
  CHECK(reference.at("viewer edit tr-1") == 200);
  CHECK(reference.at("viewer connect tr-1→dst-open") == 403);
  CHECK(reference.at("sat connect tr-late→dst-late") == 201);
  CHECK(reference.at("legacy-sat delete src-restricted-del-legacy-sat") == 403);
  CHECK(reference.at("legacy-sat delete dst-restricted-del-legacy-sat") == 204);
  CHECK(reference.at("legacy-pat edit dst-restricted") == 403);  // the editor's own rights

  // Dev: the SAT's policy from before the legacy model is replaced by its legacy role.
  Reply dev_edit = after.s.Call(TestServer::Bearer(after.sat_dev.secret), "PATCH",
                                "/v2/sources/" + after.ids.at("dev-src"), json{{"enabled", false}});
  CHECK(dev_edit.status == 403);
  CHECK(before.s
            .Call(TestServer::Bearer(before.sat_dev.secret), "PATCH",
                  "/v2/sources/" + before.ids.at("dev-src"), json{{"enabled", false}})
            .status == 403);
  // Dev: the editor is connections_admin there, the admin member a viewer.
  CHECK(after.s
            .Call(after.editor, "DELETE",
                  "/v2/destinations/" + after.ids.at("dev-dst") + "?workspace_id=" + after.dev)
            .status == 204);
  CHECK(after.s
            .Call(after.admin, "PATCH",
                  "/v2/sources/" + after.ids.at("dev-src") + "?workspace_id=" + after.dev,
                  json{{"enabled", false}})
            .status == 403);
}

TEST_CASE("migration start_fresh: the changes are what members lose; after deploy they view only") {
  LegacyWorld before;
  LegacyWorld after;
  before.CreateLate();
  Reply r = after.Post("/api/migration/import", json{{"strategy", "start_fresh"}});
  REQUIRE_MESSAGE(r.status == 200, r.text);
  after.CreateLate();
  r = after.Get("/api/migration");
  REQUIRE(r.status == 200);
  const json& staging = r.body["staging"];
  CHECK(staging["strategy"] == "start_fresh");
  const auto reference = Matrix(before);

  const json& prod = Workspace(staging, after.prod);
  const std::map<std::string, std::string> member_label = {{after.admin.user_id, "admin"},
                                                           {after.editor.user_id, "editor"},
                                                           {after.viewer.user_id, "viewer"}};
  std::map<std::string, std::string> name_of;  // resource id → name
  for (const auto& [name, id] : after.ids) name_of[id] = name;
  int64_t counted = 0;
  REQUIRE(prod["members"].size() == 3);
  for (const auto& m : prod["members"]) {
    const std::string label = member_label.at(m["userId"].get<std::string>());
    CAPTURE(label);
    // The empty member policy: every type present, nothing granted.
    for (const Kind& k : kKinds) CHECK(m["policy"][k.type] == json::object());
    // Every change is a loss, named by id and name (create: by type only).
    std::set<std::string> lost;
    for (const auto& ch : m["changes"]) {
      CHECK(ch["legacy"] == true);
      CHECK(ch["migrated"] == false);
      if (ch["action"] == "create") {
        CHECK_FALSE(ch.contains("resourceId"));
        lost.insert("create " + ch["resourceType"].get<std::string>());
        continue;
      }
      const std::string name = name_of.at(ch["resourceId"].get<std::string>());
      CHECK(ch["resourceName"] == name);
      lost.insert(ch["action"].get<std::string>() + " " + name);
    }
    counted += static_cast<int64_t>(m["changes"].size());
    CHECK_FALSE(lost.empty());
    // Exactly what the legacy rules allowed this member, request by request.
    std::vector<Spec> base = kProdResources;
    base.insert(base.end(), kLateResources.begin(), kLateResources.end());
    for (const Spec& res : base) {
      CAPTURE(res.name);
      CHECK(lost.count("edit " + res.name) == (reference.at(label + " edit " + res.name) == 200));
      const std::string victim = res.name + "-del-" + label;
      CHECK(lost.count("delete " + victim) == (reference.at(label + " delete " + victim) == 204));
    }
    for (const Kind& k : kKinds) {
      CHECK(lost.count(std::string("create ") + k.type) ==
            (reference.at(label + " create " + k.type) == 201));
    }
    // A connection needs connect on both ends.
    for (const auto& [key, status] : Of(reference, label)) {
      const std::string prefix = label + " connect ";
      if (key.rfind(prefix, 0) != 0) continue;
      const std::string pair = key.substr(prefix.size());
      const size_t arrow = pair.find("→");
      const std::string from = pair.substr(0, arrow);
      const std::string to = pair.substr(arrow + std::string("→").size());
      CAPTURE(pair);
      CHECK((status == 201) == (lost.count("connect " + from) && lost.count("connect " + to)));
    }
  }
  // SATs keep their permissions whatever the strategy.
  for (const auto& t : prod["serviceAccessTokens"]) CHECK(t["changes"].empty());
  for (const auto& w : staging["workspaces"]) {
    if (w["id"] == after.dev) {
      for (const auto& m : w["members"]) counted += static_cast<int64_t>(m["changes"].size());
    }
  }
  CHECK(staging["changeCount"] == counted);

  // Cache every token's principal under the legacy rules: the deploy must
  // make them follow the new model on their very next request.
  for (const Prober& p : after.Probers()) {
    if (!p.session) CHECK(after.s.Call(p.who, "GET", "/v2/workspace").status == 200);
  }
  r = after.Post("/api/migration/deploy");
  REQUIRE_MESSAGE(r.status == 200, r.text);
  // The very next request of a cached token: the admin member's PAT could
  // create sources under the legacy rules, and may not now.
  CHECK(after.s
            .Call(TestServer::Bearer(after.pat_admin.secret), "POST", "/v2/sources",
                  NewBody(kKinds[0], "first after deploy"))
            .status == 403);
  const auto migrated = Matrix(after);
  for (const auto& [key, status] : reference) {
    CAPTURE(key);
    const std::string label = key.substr(0, key.find(' '));
    const bool disconnect = key.find(" disconnect ") != std::string::npos;
    if (label == "sat" || label == "legacy-sat") {
      REQUIRE(migrated.count(key) == 1);
      CHECK(migrated.at(key) == status);  // SATs: unchanged
    } else if (disconnect) {
      CHECK(migrated.count(key) == 0);  // nothing was connected to disconnect
    } else {
      // Members and their PATs: the baseline, view only.
      REQUIRE(migrated.count(key) == 1);
      CHECK(migrated.at(key) == 403);
    }
  }
  for (const auto& [key, status] : migrated) CHECK(reference.count(key) == 1);
  // Viewing still works for every member.
  CHECK(after.s.Call(after.editor, "GET", "/v2/sources?workspace_id=" + after.prod).status == 200);
  CHECK(after.s.Call(TestServer::Bearer(after.legacy_pat_value), "GET", "/v2/sources").status ==
        200);
}

TEST_CASE("migration endpoints: access ladder, validation, reset, conflicts, audit rows") {
  LegacyWorld w({"leaver@example.test"});
  TestServer& s = w.s;
  const Caller leaver = w.extra.at("leaver@example.test");
  auto other = s.app().identity().CreateOrganization("Other", "other-admin@example.test",
                                                     "other-password-123");
  REQUIRE(other.ok());
  const Caller other_admin = s.Login("other-admin@example.test", "other-password-123");

  struct Row {
    std::string method;
    std::string path;
    std::optional<json> body;
  };
  const std::vector<Row> rows = {
      {"GET", "/api/migration", std::nullopt},
      {"POST", "/api/migration/import", json{{"strategy", "start_fresh"}}},
      {"DELETE", "/api/migration/staging", std::nullopt},
      {"POST", "/api/migration/deploy", std::nullopt},
  };
  const std::vector<std::string> tokens = {w.sat.secret,       w.org_sat.secret,
                                           w.pat_admin.secret, w.legacy_sat_value,
                                           w.legacy_pat_value, w.legacy_org_sat_value};
  for (const auto& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    Reply r = s.Call(Caller{}, row.method, row.path, row.body);
    CHECK(r.status == 401);
    CHECK(r.body["code"] == "unauthenticated");
    // /api/* is for dashboard sessions only (SPEC §3), whatever the token.
    for (const auto& t : tokens) {
      CHECK(s.Call(TestServer::Bearer(t), row.method, row.path, row.body).status == 401);
    }
    // Members: not theirs to see or do.
    r = s.Call(w.editor, row.method, row.path, row.body);
    CHECK(r.status == 403);
    CHECK(r.body["code"] == "forbidden");
    // An organization on policies: nothing to migrate.
    r = s.Call(other_admin, row.method, row.path, row.body);
    if (row.method == "GET") {
      CHECK(r.status == 200);
      CHECK(r.body == json{{"accessModel", "policies"}, {"staging", nullptr}});
    } else if (row.method == "DELETE") {
      CHECK(r.status == 404);
      CHECK(r.body["code"] == "not_found");
    } else {
      CHECK(r.status == 409);
      CHECK(r.body["code"] == "conflict");
    }
  }
  Reply r = s.Call(other_admin, "POST", "/api/migration/import", json{{"strategy", "start_fresh"}});
  CHECK(r.body["error"] == "this organization already uses access policies");
  CHECK(AuditOf(s, other->org_id, "migration_staging", "created").empty());

  // Nothing staged yet.
  r = w.Get("/api/migration");
  CHECK(r.status == 200);
  CHECK(r.body == json{{"accessModel", "legacy"}, {"staging", nullptr}});
  r = w.Post("/api/migration/deploy");
  CHECK(r.status == 409);
  CHECK(r.body["code"] == "conflict");
  r = s.Call(w.org_admin, "DELETE", "/api/migration/staging");
  CHECK(r.status == 404);
  CHECK(r.body["code"] == "not_found");

  // Validation: 400 naming strategy; nothing staged, nothing audited.
  for (const std::string body :
       {R"({})", R"({"strategy": "keep_everything"})", R"({"strategy": 1})",
        R"({"strategy": null})", R"({"strategy": "START_FRESH"})"}) {
    CAPTURE(body);
    r = s.CallRaw(w.org_admin, "POST", "/api/migration/import", body);
    CHECK(r.status == 400);
    CHECK(r.body["code"] == "invalid_request");
    CHECK(Fields(r) == std::vector<std::string>{"strategy"});
  }
  r = s.CallRaw(w.org_admin, "POST", "/api/migration/import",
                R"({"strategy": "start_fresh", "dryRun": true})");
  CHECK(r.status == 400);
  CHECK(Fields(r) == std::vector<std::string>{"dryRun"});
  r = s.CallRaw(w.org_admin, "POST", "/api/migration/import", "not json");
  CHECK(r.status == 400);
  // CSRF, as for every cookie-authenticated change.
  Caller no_csrf = w.org_admin;
  no_csrf.csrf.clear();
  CHECK(
      s.Call(no_csrf, "POST", "/api/migration/import", json{{"strategy", "start_fresh"}}).status ==
      403);
  CHECK(s.Call(no_csrf, "POST", "/api/migration/deploy").status == 403);
  CHECK(w.Get("/api/migration").body["staging"].is_null());
  CHECK(AuditOf(s, s.org_id(), "migration_staging", "created").empty());

  // Import, replace, reset: each audited with its strategy.
  r = w.Post("/api/migration/import", json{{"strategy", "start_fresh"}});
  REQUIRE(r.status == 200);
  CHECK(r.body == w.Get("/api/migration").body);
  auto rows_created = AuditOf(s, s.org_id(), "migration_staging", "created");
  REQUIRE(rows_created.size() == 1);
  CHECK(rows_created[0].target_id == s.org_id());
  CHECK(rows_created[0].actor_id == w.org_admin.user_id);
  CHECK(rows_created[0].outcome == "success");
  json details = json::parse(rows_created[0].details_json);
  CHECK(details["strategy"] == "start_fresh");
  CHECK(details["members"] == 6);  // Prod: 4 with the leaver; Dev: 2
  CHECK(details["serviceAccessTokens"] == 3);

  r = w.Post("/api/migration/import", json{{"strategy", "use_existing_policies"}});
  REQUIRE(r.status == 200);
  CHECK(r.body["staging"]["strategy"] == "use_existing_policies");
  auto rows_updated = AuditOf(s, s.org_id(), "migration_staging", "updated");
  REQUIRE(rows_updated.size() == 1);
  details = json::parse(rows_updated[0].details_json);
  CHECK(details["strategy"] == "use_existing_policies");
  CHECK(details["replacedStrategy"] == "start_fresh");

  r = s.Call(w.org_admin, "DELETE", "/api/migration/staging");
  CHECK(r.status == 204);
  CHECK(r.text.empty());
  auto rows_deleted = AuditOf(s, s.org_id(), "migration_staging", "deleted");
  REQUIRE(rows_deleted.size() == 1);
  CHECK(json::parse(rows_deleted[0].details_json)["strategy"] == "use_existing_policies");
  CHECK(w.Get("/api/migration").body["staging"].is_null());
  CHECK(s.Call(w.org_admin, "DELETE", "/api/migration/staging").status == 404);
  // Resetting changed nothing: the legacy rules still decide.
  CHECK(w.Get("/api/organization").body["organization"]["accessModel"] == "legacy");
  CHECK(s.Call(w.editor, "POST", "/v2/sources?workspace_id=" + w.prod,
               NewBody(kKinds[0], "still legacy"))
            .status == 403);

  // A member removed after staging is neither shown nor deployed.
  REQUIRE(w.Post("/api/migration/import", json{{"strategy", "start_fresh"}}).status == 200);
  CHECK(FindByKey(Workspace(w.Get("/api/migration").body["staging"], w.prod)["members"], "userId",
                  leaver.user_id) != nullptr);
  REQUIRE(s.Call(w.org_admin, "DELETE", "/api/members/" + leaver.user_id).status == 204);
  CHECK(FindByKey(Workspace(w.Get("/api/migration").body["staging"], w.prod)["members"], "userId",
                  leaver.user_id) == nullptr);

  // Deploy: one audit row naming the change of access model.
  r = w.Post("/api/migration/deploy");
  REQUIRE_MESSAGE(r.status == 200, r.text);
  CHECK(r.body["members"] == 5);
  auto deployed = AuditOf(s, s.org_id(), "organization", "updated");
  REQUIRE(deployed.size() == 1);
  CHECK(deployed[0].target_id == s.org_id());
  CHECK(deployed[0].actor_id == w.org_admin.user_id);
  details = json::parse(deployed[0].details_json);
  CHECK(details["accessModel"] == json{{"from", "legacy"}, {"to", "policies"}});
  CHECK(details["migration"]["strategy"] == "start_fresh");
  CHECK(details["migration"]["members"] == 5);
  CHECK(details["migration"]["serviceAccessTokens"] == 3);
  CHECK(details["method"] == "POST");
  CHECK(details["status"] == 200);

  // The organization now uses policies, everywhere it is shown.
  CHECK(w.Get("/api/organization").body["organization"]["accessModel"] == "policies");
  CHECK(w.Get("/api/migration").body == json{{"accessModel", "policies"}, {"staging", nullptr}});
  CHECK(s.Call(w.editor, "GET", "/api/me").status == 200);
  // The legacy state is gone: roles and allow-lists.
  s.app().db().Read([&](store::Conn& c) {
    CHECK(store::LegacyRolesOfOrg(c, s.org_id()).empty());
    CHECK_FALSE(store::GetEditAllowList(c, w.ids.at("src-restricted")));
    CHECK_FALSE(store::GetMigrationStaging(c, s.org_id()));
  });
  // Irreversible: nothing more to import or deploy.
  r = w.Post("/api/migration/import", json{{"strategy", "use_existing_policies"}});
  CHECK(r.status == 409);
  CHECK(r.body["code"] == "conflict");
  CHECK(w.Post("/api/migration/deploy").status == 409);
  CHECK(s.Call(w.org_admin, "DELETE", "/api/migration/staging").status == 404);
  // Policies can be changed now (no more legacy_model refusals from policies).
  CHECK(s.Call(w.org_admin, "PUT",
               "/api/workspaces/" + w.prod + "/policies/members/" + w.editor.user_id,
               json{{"sources", {{"create_delete", true}}}})
            .status == 200);
  CHECK(s.Call(w.editor, "POST", "/v2/sources?workspace_id=" + w.prod,
               NewBody(kKinds[0], "now allowed"))
            .status == 201);

  // Every token still authenticates, legacy formats included, and does what
  // its kind allows.
  for (const auto& t : {w.sat.secret, w.sat_dev.secret, w.pat_admin.secret, w.pat_viewer.secret,
                        w.legacy_sat_value, w.legacy_pat_value}) {
    CHECK(s.Call(TestServer::Bearer(t), "GET", "/v2/workspace").status == 200);
  }
  for (const auto& t : {w.org_sat.secret, w.legacy_org_sat_value}) {
    CHECK(s.Call(TestServer::Bearer(t), "GET", "/v2/audit-logs?per_page=1").status == 200);
  }
}
