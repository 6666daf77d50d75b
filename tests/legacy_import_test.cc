// legacy_import_test.cc — `accessd legacy import` (SPEC §7, legacy-export.md)
// into the database of a real server (tests/api_harness.h), checked over
// HTTP: the format's example imports and its tokens keep working, Bearer and
// Basic; the legacy rules hold through the public API; every class of broken
// file is rejected naming the offending path, with every table unchanged; a
// token value imported before is refused; the file's secrets appear nowhere.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "api_harness.h"
#include "auth/secret_hash.h"
#include "service/legacy_import.h"
#include "store/audit_store.h"
#include "store/conn.h"

using accessd::Status;
using accessd::service::ImportLegacyExport;
using accessd::service::LegacyDocument;
using accessd::service::LegacyImportResult;
using accessd::service::ParseLegacyExport;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;

namespace {

// The token values of the format's example, and passwords for its users.
constexpr char kCiToken[] = "2QHVKQJeojt6Ae9e4iiOhycHrdG";
constexpr char kIdpToken[] = "2VhyC7yQumW09M6GF5Yqcp6HIiq";
constexpr char kLaptopToken[] = "2Xk9PpQ1mN3vB7cR5tY8wZ0aL4e";
constexpr char kAlicePassword[] = "correct horse battery staple";
constexpr char kBobPassword[] = "bob's own password 1";
// Added by Extended().
constexpr char kReadOnlyToken[] = "legacy-read-only-token-0001";
constexpr char kCarolPassword[] = "carol's own password 1";

// The example of legacy-export.md, but for the organization token's name and
// bob's passwordHash, which the format elides ("$argon2id$v=19$m=19456,t=2,
// p=1$..."): a real PHC string of kBobPassword here. Call after the server
// started (it sets Argon2's cost).
json Example() {
  json doc = json::parse(R"({
    "organization": {"name": "Acme"},
    "workspaces": [
      {"key": "prod", "name": "Prod", "environment": "production"}
    ],
    "users": [
      {"key": "alice", "email": "alice@acme.test", "displayName": "Alice", "role": "admin",
       "password": "correct horse battery staple"},
      {"key": "bob", "email": "bob@acme.test", "displayName": "Bob", "role": "member",
       "passwordHash": "",
       "workspaces": {
         "prod": {"connections": "connections_editor", "transformationsEdit": true}
       }}
    ],
    "resources": [
      {"key": "web", "workspace": "prod", "type": "sources", "name": "Web app",
       "sourceType": "javascript", "config": {}, "editAllowList": ["bob", "ci"]},
      {"key": "wh", "workspace": "prod", "type": "destinations", "name": "Warehouse",
       "destinationType": "postgres", "config": {}},
      {"key": "enrich", "workspace": "prod", "type": "transformations", "name": "Enrich",
       "config": {"language": "javascript", "code": "export function transformEvent(e) { return e; }"}},
      {"key": "plan", "workspace": "prod", "type": "tracking_plans", "name": "Main plan", "config": {}}
    ],
    "connections": [
      {"workspace": "prod", "from": "web", "to": "wh"}
    ],
    "serviceAccessTokens": [
      {"key": "ci", "name": "CI deploys", "level": "workspace", "workspace": "prod",
       "role": "editor", "transformationsEdit": false, "token": "2QHVKQJeojt6Ae9e4iiOhycHrdG"},
      {"key": "idp", "name": "Provisioning", "level": "organization",
       "token": "2VhyC7yQumW09M6GF5Yqcp6HIiq"}
    ],
    "personalAccessTokens": [
      {"user": "bob", "workspace": "prod", "name": "laptop", "scope": "read_write",
       "token": "2Xk9PpQ1mN3vB7cR5tY8wZ0aL4e"}
    ]
  })");
  doc["users"][1]["passwordHash"] = accessd::auth::HashSecret(kBobPassword);
  return doc;
}

// The example plus: carol, a member with connections_viewer; "mobile", a
// source whose allow-list names bob but not the ci token; a read_only PAT of
// bob's.
json Extended() {
  json doc = Example();
  doc["users"].push_back({{"key", "carol"},
                          {"email", "carol@acme.test"},
                          {"role", "member"},
                          {"password", kCarolPassword},
                          {"workspaces", {{"prod", {{"connections", "connections_viewer"}}}}}});
  doc["resources"].push_back({{"key", "mobile"},
                              {"workspace", "prod"},
                              {"type", "sources"},
                              {"name", "Mobile app"},
                              {"sourceType", "ios"},
                              {"editAllowList", {"bob"}}});
  doc["personalAccessTokens"].push_back({{"user", "bob"},
                                         {"workspace", "prod"},
                                         {"name", "read only"},
                                         {"scope", "read_only"},
                                         {"token", kReadOnlyToken}});
  return doc;
}

accessd::StatusOr<LegacyImportResult> Import(TestServer& s, const json& doc) {
  return ImportLegacyExport(s.app().db(), s.app().clock(), LegacyDocument{doc, {}});
}

// The row count of every table of the database.
std::map<std::string, int64_t> RowCounts(TestServer& s) {
  std::map<std::string, int64_t> out;
  s.app().db().Read([&](accessd::store::Conn& c) {
    std::vector<std::string> tables;
    SQLite::Statement q(c.db(), "SELECT name FROM sqlite_master WHERE type = 'table'");
    while (q.executeStep()) tables.push_back(q.getColumn(0).getString());
    for (const auto& t : tables) {
      SQLite::Statement n(c.db(), "SELECT count(*) FROM \"" + t + "\"");
      REQUIRE(n.executeStep());
      out[t] = n.getColumn(0).getInt64();
    }
  });
  return out;
}

// The paths of a rejected import's problems.
std::vector<std::string> Paths(const Status& s) {
  std::vector<std::string> out;
  for (const auto& d : s.details()) out.push_back(d.field);
  return out;
}

bool Names(const Status& s, const std::string& path) {
  for (const auto& d : s.details()) {
    if (d.field == path) return true;
  }
  return false;
}

// The id of the resource named `name` in a list answer.
std::string IdNamed(const Reply& list, const char* plural, const std::string& name) {
  for (const auto& r : list.body[plural]) {
    if (r["name"] == name) return r["id"].get<std::string>();
  }
  FAIL("no " << plural << " named " << name << " in " << list.text);
  return "";
}

// GET /v2/workspace with "Basic base64(user:token)", the user part as
// existing clients send it.
int BasicWithUser(TestServer& s, const std::string& user, const std::string& token) {
  httplib::Client cli("127.0.0.1", s.port());
  auto r = cli.Get("/v2/workspace",
                   {{"Authorization", "Basic " + accessd::testing::Base64(user + ":" + token)}});
  REQUIRE(r);
  return r->status;
}

}  // namespace

TEST_CASE("legacy import: the format's example imports, and its tokens work as Bearer and Basic") {
  TestServer s;
  auto r = Import(s, Example());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->org_id.rfind("org_", 0) == 0);
  CHECK(r->workspaces == 1);
  CHECK(r->users == 2);
  CHECK(r->resources == 4);
  CHECK(r->connections == 1);
  CHECK(r->service_access_tokens == 2);
  CHECK(r->personal_access_tokens == 1);

  // The workspace SAT and the PAT, Bearer and Basic (with and without a user).
  Caller ci = TestServer::Bearer(kCiToken), laptop = TestServer::Bearer(kLaptopToken);
  Reply ws = s.Call(ci, "GET", "/v2/workspace");
  REQUIRE(ws.status == 200);
  CHECK(ws.body["workspace"]["name"] == "Prod");
  CHECK(ws.body["workspace"]["environment"] == "production");
  Caller ci_basic = ci, laptop_basic = laptop;
  ci_basic.basic = laptop_basic.basic = true;
  CHECK(s.Call(ci_basic, "GET", "/v2/workspace").status == 200);
  CHECK(s.Call(laptop, "GET", "/v2/workspace").status == 200);
  CHECK(s.Call(laptop_basic, "GET", "/v2/workspace").status == 200);
  CHECK(BasicWithUser(s, "bob@acme.test", kLaptopToken) == 200);
  CHECK(s.Call(TestServer::Bearer(std::string(kCiToken) + "x"), "GET", "/v2/workspace").status ==
        401);

  // The organization SAT is an organization admin: the Audit Log API, not
  // the workspace API. Its first row is the import, by the system.
  Caller idp = TestServer::Bearer(kIdpToken);
  CHECK(s.Call(idp, "GET", "/v2/workspace").status == 403);
  Reply audit = s.Call(idp, "GET", "/v2/audit-logs");
  REQUIRE(audit.status == 200);
  REQUIRE(audit.body["data"].size() >= 1);
  const json& row = audit.body["data"][0];
  CHECK(row["actorType"] == "system");
  CHECK(row["targetType"] == "organization");
  CHECK(row["targetId"] == r->org_id);
  CHECK(row["action"] == "created");
  CHECK(row["details"]["accessModel"] == "legacy");
  CHECK(row["details"]["imported"] == json{{"workspaces", 1},
                                           {"users", 2},
                                           {"resources", 4},
                                           {"connections", 1},
                                           {"serviceAccessTokens", 2},
                                           {"personalAccessTokens", 1}});

  // The resources as the public API shows them: the source's type and a
  // generated writeKey; the connection between them.
  Reply sources = s.Call(ci, "GET", "/v2/sources");
  REQUIRE(sources.status == 200);
  REQUIRE(sources.body["sources"].size() == 1);
  CHECK(sources.body["sources"][0]["type"] == "javascript");
  CHECK(sources.body["sources"][0]["writeKey"].get<std::string>().size() == 32);
  Reply conns = s.Call(ci, "GET", "/v2/connections");
  REQUIRE(conns.status == 200);
  REQUIRE(conns.body["connections"].size() == 1);
  CHECK(conns.body["connections"][0]["sourceId"] == sources.body["sources"][0]["id"]);

  // The users log in: alice with her plain password (hashed on import), bob
  // with the password behind his imported hash.
  Caller alice = s.Login("alice@acme.test", kAlicePassword);
  Reply org = s.Call(alice, "GET", "/api/organization");
  REQUIRE(org.status == 200);
  CHECK(org.body["organization"]["id"] == r->org_id);
  CHECK(org.body["organization"]["name"] == "Acme");
  CHECK(org.body["organization"]["accessModel"] == "legacy");
  s.Login("bob@acme.test", kBobPassword);

  // Tokens made by nobody: createdBy is empty.
  Reply sats = s.Call(alice, "GET", "/api/service-access-tokens");
  REQUIRE(sats.status == 200);
  REQUIRE(sats.body["tokens"].size() == 2);
  for (const auto& t : sats.body["tokens"]) CHECK(t["createdBy"].is_null());

  // And they survive a restart (the lookup index is in the file).
  s.Restart();
  CHECK(s.Call(ci, "GET", "/v2/workspace").status == 200);
}

TEST_CASE("legacy import: the legacy rules hold through the public API") {
  TestServer s;
  auto r = Import(s, Extended());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  Caller ci = TestServer::Bearer(kCiToken);
  const std::string ws = s.Call(ci, "GET", "/v2/workspace").body["workspace"]["id"];
  Caller alice = s.Login("alice@acme.test", kAlicePassword);
  const std::string q = "?workspace_id=" + ws;
  Reply sources = s.Call(alice, "GET", "/v2/sources" + q);
  REQUIRE(sources.status == 200);
  const std::string web = IdNamed(sources, "sources", "Web app");
  const std::string mobile = IdNamed(sources, "sources", "Mobile app");
  const std::string wh =
      IdNamed(s.Call(alice, "GET", "/v2/destinations" + q), "destinations", "Warehouse");
  const std::string enrich =
      IdNamed(s.Call(alice, "GET", "/transformations" + q), "transformations", "Enrich");
  const json rename = {{"name", "Renamed"}};
  const json new_source = {{"name", "New"}, {"type", "javascript"}};

  SUBCASE("a workspace SAT with role editor edits what its allow-lists let it, creates nothing") {
    CHECK(s.Call(ci, "PATCH", "/v2/sources/" + web, rename).status == 200);      // listed
    CHECK(s.Call(ci, "PATCH", "/v2/sources/" + mobile, rename).status == 403);   // not listed
    CHECK(s.Call(ci, "PATCH", "/v2/destinations/" + wh, rename).status == 200);  // no list
    CHECK(s.Call(ci, "POST", "/v2/sources", new_source).status == 403);
    CHECK(s.Call(ci, "PATCH", "/transformations/" + enrich, rename).status == 403);
  }
  SUBCASE("a member with connections_viewer reads and changes nothing") {
    Caller carol = s.Login("carol@acme.test", kCarolPassword);
    CHECK(s.Call(carol, "GET", "/v2/sources" + q).status == 200);
    CHECK(s.Call(carol, "GET", "/v2/sources/" + web + q).status == 200);
    CHECK(s.Call(carol, "PATCH", "/v2/sources/" + web + q, rename).status == 403);
  }
  SUBCASE("a read_write PAT acts as its user: connections_editor with transformations_edit") {
    Caller laptop = TestServer::Bearer(kLaptopToken);
    CHECK(s.Call(laptop, "PATCH", "/v2/sources/" + mobile, rename).status == 200);
    CHECK(s.Call(laptop, "PATCH", "/transformations/" + enrich, rename).status == 200);
    CHECK(s.Call(laptop, "POST", "/v2/sources", new_source).status == 403);
  }
  SUBCASE("a read_only PAT only reads") {
    Caller ro = TestServer::Bearer(kReadOnlyToken);
    CHECK(s.Call(ro, "GET", "/v2/sources/" + web).status == 200);
    CHECK(s.Call(ro, "PATCH", "/v2/sources/" + web, rename).status == 403);
  }
  SUBCASE("an organization admin does everything, allow-lists or not") {
    CHECK(s.Call(alice, "PATCH", "/v2/sources/" + mobile + q, rename).status == 200);
    Reply created = s.Call(alice, "POST", "/v2/sources" + q, new_source);
    REQUIRE(created.status == 201);
    const std::string id = created.body["source"]["id"];
    CHECK(s.Call(alice, "DELETE", "/v2/sources/" + id + q).status == 204);
    CHECK(s.Call(alice, "DELETE", "/v2/sources/" + mobile + q).status == 204);
  }
}

TEST_CASE(
    "legacy import: every class of broken file is rejected at its path, and nothing is written") {
  TestServer s;
  const std::string good_hash = accessd::auth::HashSecret(kBobPassword);
  auto add_dev = [](json& d) { d["workspaces"].push_back({{"key", "dev"}, {"name", "Dev"}}); };
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    const char* path;
  };
  const std::vector<Case> cases = {
      // The document and its top level.
      {"not an object", [](json& d) { d = json::array(); }, ""},
      {"a collection of the wrong type", [](json& d) { d["users"] = json::object(); }, "users"},
      {"an unknown top-level field", [](json& d) { d["groups"] = json::array(); }, "groups"},
      {"no organization", [](json& d) { d.erase("organization"); }, "organization"},
      {"a blank organization name", [](json& d) { d["organization"]["name"] = "  "; },
       "organization.name"},
      {"an element that is not an object", [](json& d) { d["resources"].push_back("web"); },
       "resources[4]"},
      // Workspaces.
      {"a workspace without a key", [](json& d) { d["workspaces"][0].erase("key"); },
       "workspaces[0].key"},
      {"a repeated workspace key",
       [](json& d) {
         d["workspaces"].push_back({{"key", "prod"}, {"name", "Other"}});
       },
       "workspaces[1].key"},
      {"workspace names equal ignoring case",
       [](json& d) {
         d["workspaces"].push_back({{"key", "p2"}, {"name", "PROD"}});
       },
       "workspaces[1].name"},
      // Users.
      {"an unknown field", [](json& d) { d["users"][0]["nickname"] = "Al"; }, "users[0].nickname"},
      {"an empty key", [](json& d) { d["users"][1]["key"] = ""; }, "users[1].key"},
      {"a repeated user key", [](json& d) { d["users"][1]["key"] = "alice"; }, "users[1].key"},
      {"a null required field", [](json& d) { d["users"][1]["email"] = nullptr; },
       "users[1].email"},
      {"an invalid email", [](json& d) { d["users"][1]["email"] = "bob"; }, "users[1].email"},
      {"emails equal ignoring case", [](json& d) { d["users"][1]["email"] = "ALICE@acme.test"; },
       "users[1].email"},
      {"the email of a live user of another organization",
       [](json& d) { d["users"][1]["email"] = "Admin@Example.test"; }, "users[1].email"},
      {"an unknown role", [](json& d) { d["users"][1]["role"] = "owner"; }, "users[1].role"},
      {"no admin", [](json& d) { d["users"][0]["role"] = "member"; }, "users"},
      {"a short password", [](json& d) { d["users"][0]["password"] = "short"; },
       "users[0].password"},
      {"both password and passwordHash",
       [](json& d) { d["users"][1]["password"] = "a long enough password"; },
       "users[1].passwordHash"},
      {"the format's elided passwordHash",
       [](json& d) { d["users"][1]["passwordHash"] = "$argon2id$v=19$m=19456,t=2,p=1$..."; },
       "users[1].passwordHash"},
      {"a passwordHash of another algorithm",
       [&](json& d) { d["users"][1]["passwordHash"] = "$argon2i$" + good_hash.substr(10); },
       "users[1].passwordHash"},
      {"a passwordHash with a 4 GiB memory cost",
       [&](json& d) {
         std::string h = good_hash;
         h.replace(h.find("m="), h.find(',') - h.find("m="), "m=4194304");
         d["users"][1]["passwordHash"] = h;
       },
       "users[1].passwordHash"},
      {"a passwordHash with a cut salt",
       [&](json& d) {
         d["users"][1]["passwordHash"] =
             "$argon2id$v=19$m=256,t=1,p=1$c2FsdA$" + good_hash.substr(good_hash.rfind('$') + 1);
       },
       "users[1].passwordHash"},
      {"an unknown connections role",
       [](json& d) { d["users"][1]["workspaces"]["prod"]["connections"] = "editor"; },
       "users[1].workspaces.prod.connections"},
      {"a membership of an unknown workspace",
       [](json& d) {
         d["users"][1]["workspaces"]["staging"] = {{"connections", "connections_viewer"}};
       },
       "users[1].workspaces.staging"},
      {"an admin that lists workspaces",
       [](json& d) {
         d["users"][0]["workspaces"] = {{"prod", {{"connections", "connections_admin"}}}};
       },
       "users[0].workspaces"},
      // Resources.
      {"an unknown resource type", [](json& d) { d["resources"][0]["type"] = "pipelines"; },
       "resources[0].type"},
      {"a resource in an unknown workspace",
       [](json& d) { d["resources"][1]["workspace"] = "dev"; }, "resources[1].workspace"},
      {"a source without sourceType", [](json& d) { d["resources"][0].erase("sourceType"); },
       "resources[0].sourceType"},
      {"a destination with a sourceType", [](json& d) { d["resources"][1]["sourceType"] = "x"; },
       "resources[1].sourceType"},
      {"a config that is not an object",
       [](json& d) { d["resources"][3]["config"] = json::array(); }, "resources[3].config"},
      {"a repeated resource key", [](json& d) { d["resources"][1]["key"] = "web"; },
       "resources[1].key"},
      {"a repeated name in one workspace and type",
       [](json& d) {
         d["resources"].push_back({{"key", "web2"},
                                   {"workspace", "prod"},
                                   {"type", "sources"},
                                   {"name", "Web app"},
                                   {"sourceType", "javascript"}});
       },
       "resources[4].name"},
      {"an allow-list on a transformation",
       [](json& d) { d["resources"][2]["editAllowList"] = {"bob"}; }, "resources[2].editAllowList"},
      {"an allow-list with an unknown key",
       [](json& d) { d["resources"][0]["editAllowList"][1] = "carol"; },
       "resources[0].editAllowList[1]"},
      {"an allow-list key carried by a user and a token",
       [](json& d) { d["serviceAccessTokens"][1]["key"] = "bob"; },
       "resources[0].editAllowList[0]"},
      // Connections.
      {"a connection from a destination", [](json& d) { d["connections"][0]["from"] = "wh"; },
       "connections[0].from"},
      {"a connection to a source", [](json& d) { d["connections"][0]["to"] = "web"; },
       "connections[0].to"},
      {"a connection from an unknown resource",
       [](json& d) { d["connections"][0]["from"] = "app"; }, "connections[0].from"},
      {"a transformation connected to a tracking plan",
       [](json& d) {
         d["connections"].push_back({{"workspace", "prod"}, {"from", "enrich"}, {"to", "plan"}});
       },
       "connections[1].to"},
      {"a repeated connection", [](json& d) { d["connections"].push_back(d["connections"][0]); },
       "connections[1]"},
      {"a connection to a resource of another workspace",
       [&](json& d) {
         add_dev(d);
         d["resources"][1]["workspace"] = "dev";
       },
       "connections[0].to"},
      // Service access tokens.
      {"an unknown level", [](json& d) { d["serviceAccessTokens"][0]["level"] = "project"; },
       "serviceAccessTokens[0].level"},
      {"a workspace SAT without a role", [](json& d) { d["serviceAccessTokens"][0].erase("role"); },
       "serviceAccessTokens[0].role"},
      {"a workspace SAT with a member's role",
       [](json& d) { d["serviceAccessTokens"][0]["role"] = "connections_editor"; },
       "serviceAccessTokens[0].role"},
      {"a workspace SAT without a workspace",
       [](json& d) { d["serviceAccessTokens"][0].erase("workspace"); },
       "serviceAccessTokens[0].workspace"},
      {"an organization SAT with a workspace",
       [](json& d) { d["serviceAccessTokens"][1]["workspace"] = "prod"; },
       "serviceAccessTokens[1].workspace"},
      {"an organization SAT with a role",
       [](json& d) { d["serviceAccessTokens"][1]["role"] = "admin"; },
       "serviceAccessTokens[1].role"},
      {"a token that is not a string",
       [](json& d) { d["serviceAccessTokens"][0]["token"] = 12345; },
       "serviceAccessTokens[0].token"},
      {"a token shorter than 20 characters",
       [](json& d) { d["serviceAccessTokens"][0]["token"] = "2QHVKQJeojt6Ae9e4ii"; },
       "serviceAccessTokens[0].token"},
      {"a token longer than 128 characters",
       [](json& d) { d["serviceAccessTokens"][0]["token"] = std::string(129, 'x'); },
       "serviceAccessTokens[0].token"},
      {"a token with a space",
       [](json& d) { d["serviceAccessTokens"][0]["token"] = "2QHVKQJeojt6 Ae9e4iiOhycHrdG"; },
       "serviceAccessTokens[0].token"},
      {"a token in this server's own format",
       [](json& d) {
         d["serviceAccessTokens"][0]["token"] = "acd_satw_2QHVKQJeojt6Ae9e4iiOhycHrdG";
       },
       "serviceAccessTokens[0].token"},
      // Personal access tokens.
      {"a token value used twice",
       [](json& d) { d["personalAccessTokens"][0]["token"] = kCiToken; },
       "personalAccessTokens[0].token"},
      {"a PAT of an unknown user", [](json& d) { d["personalAccessTokens"][0]["user"] = "carol"; },
       "personalAccessTokens[0].user"},
      {"an unknown scope", [](json& d) { d["personalAccessTokens"][0]["scope"] = "write"; },
       "personalAccessTokens[0].scope"},
      {"a PAT in a workspace its member does not reach",
       [&](json& d) {
         add_dev(d);
         d["personalAccessTokens"][0]["workspace"] = "dev";
       },
       "personalAccessTokens[0].workspace"},
  };

  const auto before = RowCounts(s);
  for (const Case& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    json doc = Example();
    c.change(doc);
    auto r = Import(s, doc);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalid);
    CAPTURE(Paths(r.status()));
    CHECK(Names(r.status(), c.path));
    CHECK(RowCounts(s) == before);
  }
  // The same file, unbroken, imports: the cases failed for their own reason.
  REQUIRE(Import(s, Example()).ok());
  CHECK(RowCounts(s) != before);
}

TEST_CASE("legacy import: every problem of a file is reported at once") {
  TestServer s;
  json doc = Example();
  doc["users"][1]["workspaces"]["prod"]["connections"] = "connections_owner";
  doc["resources"][0]["editAllowList"][1] = "nobody";
  doc["serviceAccessTokens"][0]["token"] = "short";
  doc["personalAccessTokens"][0]["scope"] = "root";
  doc["users"][0]["email"] = TestServer::kAdminEmail;  // taken in the database
  auto r = Import(s, doc);
  REQUIRE_FALSE(r.ok());
  CAPTURE(Paths(r.status()));
  CHECK(r.status().details().size() == 5);
  for (const char* path :
       {"users[1].workspaces.prod.connections", "resources[0].editAllowList[1]",
        "serviceAccessTokens[0].token", "personalAccessTokens[0].scope", "users[0].email"}) {
    CHECK(Names(r.status(), path));
  }
}

TEST_CASE("legacy import: the text must be JSON, with each member once per object") {
  auto bad = ParseLegacyExport("{\n  \"users\": [1,\n}");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.status().details().size() == 1);
  CHECK(bad.status().details()[0].field == "");
  CHECK(bad.status().details()[0].message.find("line 3") != std::string::npos);
  CHECK_FALSE(ParseLegacyExport("").ok());
  // A number beyond every JSON number type is refused too, not thrown.
  auto huge = ParseLegacyExport("{\"organization\": {\"name\": \"A\"}, \"x\": 1e999}");
  REQUIRE_FALSE(huge.ok());
  REQUIRE(huge.status().details().size() == 1);
  CHECK(huge.status().details()[0].field == "");

  // A member given twice: the parsed value would keep only the last one.
  TestServer s;
  json example = Example();
  std::string text = example.dump();
  const std::string role = "\"role\":\"member\"";
  REQUIRE(text.find(role) != std::string::npos);
  text.replace(text.find(role), role.size(), role + ",\"role\":\"admin\"");
  auto doc = ParseLegacyExport(text);
  REQUIRE(doc.ok());
  REQUIRE(doc->duplicates.size() == 1);
  CHECK(doc->duplicates[0].field == "users[1].role");
  const auto before = RowCounts(s);
  auto r = ImportLegacyExport(s.app().db(), s.app().clock(), *doc);
  REQUIRE_FALSE(r.ok());
  CHECK(Names(r.status(), "users[1].role"));
  CHECK(RowCounts(s) == before);

  // Nesting is bounded while parsing, so nothing later recurses deeply; a
  // config deeper than resources may be (32 levels) is refused at its path.
  const std::string deep = "{\"resources\": [{\"config\": " + std::string(100000, '[') +
                           std::string(100000, ']') + "}]}";
  auto too_deep = ParseLegacyExport(deep);
  REQUIRE_FALSE(too_deep.ok());
  REQUIRE(too_deep.status().details().size() == 1);
  CHECK(too_deep.status().details()[0].field.rfind("resources[0].config[0][0]", 0) == 0);
  json nested = json::object();
  for (int i = 0; i < 40; ++i) nested = json{{"level", nested}};
  json deep_config = Example();
  deep_config["resources"][3]["config"] = nested;
  auto parsed = ParseLegacyExport(deep_config.dump());
  REQUIRE(parsed.ok());
  auto refused = ImportLegacyExport(s.app().db(), s.app().clock(), *parsed);
  REQUIRE_FALSE(refused.ok());
  CHECK(Paths(refused.status()) == std::vector<std::string>{"resources[3].config"});
  CHECK(RowCounts(s) == before);
}

TEST_CASE("legacy import: a token value imported before is refused, and nothing is written") {
  TestServer s;
  REQUIRE(Import(s, Example()).ok());
  json second = Example();
  second["organization"]["name"] = "Acme again";
  second["users"][0]["email"] = "alice@second.test";
  second["users"][1]["email"] = "bob@second.test";
  second["serviceAccessTokens"][1]["token"] = "another-legacy-token-0001";
  second["personalAccessTokens"][0]["token"] = "another-legacy-token-0002";
  const auto before = RowCounts(s);
  auto r = Import(s, second);
  REQUIRE_FALSE(r.ok());
  CHECK(Paths(r.status()) == std::vector<std::string>{"serviceAccessTokens[0].token"});
  CHECK(RowCounts(s) == before);
  // With a new value the same file imports.
  second["serviceAccessTokens"][0]["token"] = "another-legacy-token-0003";
  CHECK(Import(s, second).ok());
}

TEST_CASE("legacy import: token values and passwords appear nowhere but in the file") {
  TestServer s;
  const std::vector<std::string> secrets = {kCiToken,       kIdpToken,      kLaptopToken,
                                            kReadOnlyToken, kAlicePassword, kBobPassword,
                                            kCarolPassword};
  // A rejected file: its messages name paths, never values.
  json broken = Extended();
  broken["personalAccessTokens"][1]["token"] = kCiToken;  // a repeat
  broken["users"][2]["password"] = "tiny";
  auto rejected = Import(s, broken);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().details().size() == 2);

  auto r = Import(s, Extended());
  REQUIRE(r.ok());
  for (const char* t : {kCiToken, kLaptopToken}) {
    CHECK(s.Call(TestServer::Bearer(t), "GET", "/v2/workspace").status == 200);
  }
  s.Login("carol@acme.test", kCarolPassword);
  std::string audit;
  s.app().db().Read([&](accessd::store::Conn& c) {
    accessd::store::AuditQuery q;
    q.org_id = r->org_id;
    q.limit = 100000;
    for (const auto& row : accessd::store::QueryAudit(c, q)) audit += row.details_json + "\n";
  });
  s.Stop();  // the WAL as the process left it, and then the database file
  const std::string files = accessd::testing::ReadDatabaseFiles(s.db_path());
  for (const std::string& secret : secrets) {
    CAPTURE(secret);
    CHECK(files.find(secret) == std::string::npos);
    CHECK(audit.find(secret) == std::string::npos);
    CHECK(rejected.status().message().find(secret) == std::string::npos);
    for (const auto& d : rejected.status().details()) {
      CHECK(d.message.find(secret) == std::string::npos);
      CHECK(d.field.find(secret) == std::string::npos);
    }
  }
}
