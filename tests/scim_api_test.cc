// scim_api_test.cc — SCIM 2.0 provisioning (SPEC §5, RFC 7643/7644) over
// HTTP against a real server and a real SQLite file (tests/api_harness.h):
// the access ladder, discovery, Users and Groups with the request shapes that
// identity providers send (two styles, named provider A and provider B here),
// filters and paging, the effect of
// deactivation, deletion and group membership on the user's credentials,
// tenant isolation, and the audit row of every change.
//
// Must not: define main, mock anything, or sleep.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "api_harness.h"
#include "auth/secret_hash.h"
#include "store/audit_store.h"
#include "store/db.h"
#include "store/user_store.h"

namespace {

using accessd::Status;
using accessd::testing::Caller;
using accessd::testing::Reply;
using accessd::testing::TestServer;
using nlohmann::json;

constexpr char kUserUrn[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kGroupUrn[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
constexpr char kErrorUrn[] = "urn:ietf:params:scim:api:messages:2.0:Error";
constexpr char kPatchUrn[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
constexpr char kListUrn[] = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

// Percent-encodes a query parameter value.
std::string Enc(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

json PatchOp(json operations) {
  return {{"schemas", json::array({kPatchUrn})}, {"Operations", std::move(operations)}};
}

// A server whose organization has SCIM enabled, with an organization SAT.
struct Scim {
  TestServer s;
  Caller admin;
  TestServer::Token sat;
  Caller bearer;

  Scim() {
    admin = s.Admin();
    Reply r = s.Call(admin, "PATCH", "/api/organization", json{{"scimEnabled", true}});
    REQUIRE_MESSAGE(r.status == 200, r.text);
    sat = s.CreateSat(admin, "organization", "");
    bearer = TestServer::Bearer(sat.secret);
  }

  Reply Call(const std::string& method, const std::string& path,
             const std::optional<json>& body = std::nullopt) {
    return s.CallRaw(bearer, method, "/scim/v2" + path, body ? body->dump() : std::string(),
                     "application/scim+json");
  }
  Reply Raw(const std::string& method, const std::string& path, const std::string& text,
            const std::string& content_type) {
    return s.CallRaw(bearer, method, "/scim/v2" + path, text, content_type);
  }

  // POSTs a user; REQUIREs 201; returns the resource.
  json NewUser(const std::string& email, json extra = json::object()) {
    json body = {{"schemas", json::array({kUserUrn})}, {"userName", email}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    Reply r = Call("POST", "/Users", body);
    REQUIRE_MESSAGE(r.status == 201, r.text);
    return r.body;
  }

  std::vector<std::string> ListUserNames(const std::string& filter) {
    Reply r = Call("GET", "/Users?count=200&filter=" + Enc(filter));
    REQUIRE_MESSAGE(r.status == 200, filter << " → " << r.text);
    std::vector<std::string> out;
    for (const auto& u : r.body["Resources"]) {
      std::string n = u["userName"];
      std::transform(n.begin(), n.end(), n.begin(), ::tolower);
      out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

bool IsScimError(const Reply& r, int status, const std::string& scim_type = "") {
  if (r.status != status || !r.body.is_object()) return false;
  if (r.Header("Content-Type").rfind("application/scim+json", 0) != 0) return false;
  if (r.body["schemas"] != json::array({kErrorUrn})) return false;
  if (r.body["status"] != std::to_string(status)) return false;
  if (!r.body["detail"].is_string()) return false;
  if (!scim_type.empty() && r.body.value("scimType", "") != scim_type) return false;
  return true;
}

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

// How many rows name this change, made by the org SAT `sat_id`.
int CountChange(TestServer& s, const std::string& sat_id, const std::string& target_type,
                const std::string& target_id, const std::string& action,
                const std::string& outcome = "success") {
  int n = 0;
  for (const auto& r : AuditRows(s, s.org_id())) {
    if (r.actor_type == "service_access_token" && r.actor_id == sat_id &&
        r.target_type == target_type && r.target_id == target_id && r.action == action &&
        r.outcome == outcome) {
      ++n;
    }
  }
  return n;
}

std::optional<accessd::model::User> UserRow(TestServer& s, const std::string& id) {
  std::optional<accessd::model::User> u;
  s.app().db().Read([&](accessd::store::Conn& c) { u = accessd::store::FindUserAnyOrg(c, id); });
  return u;
}

void SetPassword(TestServer& s, const std::string& user_id) {
  Status st = s.app().db().Write([&](accessd::store::Conn& c) {
    accessd::store::SetPasswordHash(c, user_id,
                                    accessd::auth::HashSecret(TestServer::kUserPassword));
    return Status::Ok();
  });
  REQUIRE(st.ok());
}

int LoginStatus(TestServer& s, const std::string& email) {
  return s
      .Call(Caller{}, "POST", "/api/session",
            json{{"email", email}, {"password", TestServer::kUserPassword}})
      .status;
}

}  // namespace

TEST_CASE("scim: only organization SATs of a SCIM-enabled organization get in") {
  TestServer s;
  Caller admin = s.Admin();
  std::string ws = s.CreateWorkspace(admin, "Prod");
  auto org_sat = s.CreateSat(admin, "organization", "");
  Caller sat = TestServer::Bearer(org_sat.secret);
  auto get = [&](const Caller& who, const std::string& path) {
    return s.CallRaw(who, "GET", "/scim/v2" + path, "");
  };

  // SCIM off (the default): 403 on every endpoint, before the body or the
  // query is looked at.
  for (const char* path : {"/Users", "/Groups", "/ServiceProviderConfig", "/Schemas",
                           "/ResourceTypes", "/Users/usr_nobody", "/Users?startIndex=x"}) {
    CAPTURE(path);
    CHECK(IsScimError(get(sat, path), 403));
  }
  CHECK(IsScimError(s.CallRaw(sat, "POST", "/scim/v2/Users", "{not json", "application/scim+json"),
                    403));
  CHECK(IsScimError(
      s.CallRaw(sat, "DELETE",
                "/scim/v2/Users/" + s.CreateUser(admin, "m0@example.test", "member", {ws}).user_id,
                ""),
      403));

  REQUIRE(s.Call(admin, "PATCH", "/api/organization", json{{"scimEnabled", true}}).status == 200);
  Caller member = s.CreateUser(admin, "m@example.test", "member", {ws});
  Caller pat = TestServer::Bearer(s.CreatePat(member, ws, "read_write").secret);
  Caller wsat = TestServer::Bearer(s.CreateSat(admin, "workspace", ws).secret);
  Caller basic = sat;
  basic.basic = true;

  struct Case {
    const char* name;
    Caller who;
    int status;
  };
  const Case cases[] = {
      {"no credential", Caller{}, 401},
      {"malformed token", TestServer::Bearer("acd_sato_nope"), 401},
      {"workspace SAT", wsat, 403},
      {"personal access token", pat, 403},
      {"admin session", admin, 403},
      {"member session", member, 403},
      {"organization SAT", sat, 200},
      {"organization SAT with Basic", basic, 200},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Reply r = get(c.who, "/Users");
    if (c.status == 200) {
      CHECK(r.status == 200);
      CHECK(r.Header("Content-Type").rfind("application/scim+json", 0) == 0);
    } else {
      CHECK(IsScimError(r, c.status));
    }
  }
  // Even a change that would be valid is refused to the admin's session.
  CHECK(IsScimError(s.CallRaw(admin, "POST", "/scim/v2/Users",
                              json{{"userName", "x@idp.test"}}.dump(), "application/scim+json"),
                    403));

  // Turning SCIM off takes effect on the very next request.
  REQUIRE(s.Call(admin, "PATCH", "/api/organization", json{{"scimEnabled", false}}).status == 200);
  CHECK(IsScimError(get(sat, "/Users"), 403));
  REQUIRE(s.Call(admin, "PATCH", "/api/organization", json{{"scimEnabled", true}}).status == 200);
  CHECK(get(sat, "/Users").status == 200);

  // A deleted token is 401.
  REQUIRE(s.Call(admin, "DELETE", "/api/service-access-tokens/" + org_sat.id).status == 204);
  CHECK(IsScimError(get(sat, "/Users"), 401));

  // Denied token requests are audited as such, with the token as actor.
  int denied = 0, read = 0;
  for (const auto& r : AuditRows(s, s.org_id())) {
    if (r.actor_id == org_sat.id && r.outcome == "denied") ++denied;
    if (r.actor_id == org_sat.id && r.outcome == "success" && r.action == "listed") ++read;
  }
  CHECK(denied >= 9);
  CHECK(read >= 3);
}

TEST_CASE("scim: discovery describes what is supported") {
  Scim x;
  Reply spc = x.Call("GET", "/ServiceProviderConfig");
  REQUIRE(spc.status == 200);
  CHECK(spc.Header("Content-Type").rfind("application/scim+json", 0) == 0);
  CHECK(spc.body["schemas"][0] == "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
  CHECK(spc.body["patch"]["supported"] == true);
  CHECK(spc.body["bulk"]["supported"] == false);
  CHECK(spc.body["filter"]["supported"] == true);
  CHECK(spc.body["filter"]["maxResults"] == 200);
  CHECK(spc.body["changePassword"]["supported"] == false);
  CHECK(spc.body["sort"]["supported"] == false);
  CHECK(spc.body["etag"]["supported"] == false);
  CHECK(spc.body["authenticationSchemes"][0]["type"] == "oauthbearertoken");
  CHECK(spc.body["meta"]["resourceType"] == "ServiceProviderConfig");

  Reply types = x.Call("GET", "/ResourceTypes");
  REQUIRE(types.status == 200);
  CHECK(types.body["schemas"][0] == kListUrn);
  CHECK(types.body["totalResults"] == 2);
  std::set<std::string> names;
  for (const auto& t : types.body["Resources"]) names.insert(t["name"].get<std::string>());
  CHECK(names == std::set<std::string>{"User", "Group"});
  Reply user_type = x.Call("GET", "/ResourceTypes/User");
  REQUIRE(user_type.status == 200);
  CHECK(user_type.body["endpoint"] == "/Users");
  CHECK(user_type.body["schema"] == kUserUrn);
  CHECK(x.Call("GET", "/ResourceTypes/Group").body["schema"] == kGroupUrn);
  CHECK(IsScimError(x.Call("GET", "/ResourceTypes/Printer"), 404));

  Reply schemas = x.Call("GET", "/Schemas");
  REQUIRE(schemas.status == 200);
  CHECK(schemas.body["totalResults"] == 2);
  Reply user_schema = x.Call("GET", std::string("/Schemas/") + kUserUrn);
  REQUIRE(user_schema.status == 200);
  std::set<std::string> attrs;
  for (const auto& a : user_schema.body["attributes"]) attrs.insert(a["name"].get<std::string>());
  CHECK(attrs == std::set<std::string>{"userName", "name", "displayName", "active", "emails"});
  for (const auto& a : user_schema.body["attributes"]) {
    if (a["name"] == "userName") {
      CHECK(a["required"] == true);
      CHECK(a["caseExact"] == false);
      CHECK(a["mutability"] == "immutable");
      CHECK(a["uniqueness"] == "server");
    }
  }
  Reply group_schema = x.Call("GET", std::string("/Schemas/") + kGroupUrn);
  REQUIRE(group_schema.status == 200);
  CHECK(group_schema.body["attributes"][1]["name"] == "members");
  CHECK(IsScimError(x.Call("GET", "/Schemas/urn:example:nothing"), 404));
  // RFC 7644 §4: discovery refuses filters rather than ignore them.
  CHECK(IsScimError(x.Call("GET", "/Schemas?filter=" + Enc("id pr")), 403));
  // Discovery reads are audited as reads of the organization.
  int reads = 0;
  for (const auto& r : AuditRows(x.s, x.s.org_id())) {
    reads += r.actor_id == x.sat.id && r.target_type == "organization" && r.action == "read";
  }
  CHECK(reads >= 7);
}

TEST_CASE("scim: a created user is a member without a password in every workspace") {
  Scim x;
  std::string ws1 = x.s.CreateWorkspace(x.admin, "Prod");
  std::string ws2 = x.s.CreateWorkspace(x.admin, "Dev");
  // Provider A's create body, with the fields it sends that accessd does not keep.
  json body = {
      {"schemas", json::array({kUserUrn})},
      {"userName", "alice@idp.test"},
      {"name", {{"givenName", "Alice"}, {"familyName", "Adams"}}},
      {"emails", json::array({{{"primary", true}, {"value", "alice@idp.test"}, {"type", "work"}}})},
      {"displayName", "Alice Adams"},
      {"locale", "en-US"},
      {"externalId", "00u1abc"},
      {"groups", json::array()},
      {"password", "idp-sent-this-Secret-123"},
      {"active", true}};
  Reply r = x.Call("POST", "/Users", body);
  REQUIRE_MESSAGE(r.status == 201, r.text);
  CHECK(r.Header("Content-Type").rfind("application/scim+json", 0) == 0);
  const std::string id = r.body["id"];
  CHECK(r.body["schemas"] == json::array({kUserUrn}));
  CHECK(r.body["userName"] == "alice@idp.test");
  CHECK(r.body["name"]["givenName"] == "Alice");
  CHECK(r.body["name"]["familyName"] == "Adams");
  CHECK(r.body["name"]["formatted"] == "Alice Adams");
  CHECK(r.body["displayName"] == "Alice Adams");
  CHECK(r.body["active"] == true);
  CHECK(r.body["externalId"] == "00u1abc");
  CHECK(r.body["emails"] ==
        json::array({{{"value", "alice@idp.test"}, {"type", "work"}, {"primary", true}}}));
  CHECK(!r.body.contains("password"));
  const json& meta = r.body["meta"];
  CHECK(meta["resourceType"] == "User");
  const std::string location = meta["location"];
  CHECK(location == "http://127.0.0.1:" + std::to_string(x.s.port()) + "/scim/v2/Users/" + id);
  CHECK(r.Header("Location") == location);
  const std::string created = meta["created"];
  CHECK(created.size() == 24);  // 2026-01-02T03:04:05.678Z
  CHECK(created.back() == 'Z');
  CHECK(meta["lastModified"] == created);

  auto row = UserRow(x.s, id);
  REQUIRE(row);
  CHECK(row->role == accessd::model::Role::kMember);
  CHECK(row->scim_managed);
  CHECK(!row->has_password);
  std::vector<std::string> joined;
  x.s.app().db().Read(
      [&](accessd::store::Conn& c) { joined = accessd::store::DirectWorkspaceIds(c, id); });
  std::vector<std::string> expected = {ws1, ws2};
  std::sort(expected.begin(), expected.end());
  CHECK(joined == expected);
  // The admin sees the member in the dashboard.
  Reply members = x.s.Call(x.admin, "GET", "/api/members");
  bool listed = false;
  for (const auto& m : members.body["members"]) {
    if (m["id"] == id) {
      listed = true;
      CHECK(m["role"] == "member");
      CHECK(m["workspaceIds"].size() == 2);
    }
  }
  CHECK(listed);

  // Read back: the same resource.
  Reply got = x.Call("GET", "/Users/" + id);
  REQUIRE(got.status == 200);
  CHECK(got.body == r.body);
  CHECK(IsScimError(x.Call("GET", "/Users/usr_doesnotexist"), 404));

  // The password provider A sent is not kept anywhere, nor audited.
  const std::string files = accessd::testing::ReadDatabaseFiles(x.s.db_path());
  CHECK(files.find("idp-sent-this-Secret-123") == std::string::npos);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "added_to_organization") == 1);

  // Without a displayName or name, the local part stands in.
  json dave = x.NewUser("dave@idp.test");
  CHECK(dave["displayName"] == "dave");
  CHECK(!dave.contains("name"));
  CHECK(!dave.contains("externalId"));
  // Created inactive: deactivated from the start.
  json off = x.NewUser("off@idp.test", {{"active", "False"}});
  CHECK(off["active"] == false);
  CHECK(UserRow(x.s, off["id"])->status == accessd::model::UserStatus::kDeactivated);
}

TEST_CASE("scim: listing users with filters, paging and projection") {
  Scim x;
  const std::string alice =
      x.NewUser("alice@idp.test", {{"name", {{"givenName", "Alice"}, {"familyName", "Adams"}}},
                                   {"externalId", "ext-alice"}})["id"];
  x.NewUser("Bob@IdP.test",
            {{"name", {{"givenName", "Bob"}, {"familyName", "Brown"}}}, {"externalId", "ext-bob"}});
  x.NewUser("carol@idp.test",
            {{"name", {{"givenName", "Carol"}, {"familyName", "Clark"}}}, {"active", false}});
  x.NewUser("dave@idp.test");
  x.NewUser("erin@other.test", {{"name", {{"givenName", "Erin"}}}});
  using V = std::vector<std::string>;
  const std::string admin = TestServer::kAdminEmail;
  const std::string a = "alice@idp.test", b = "bob@idp.test", c = "carol@idp.test",
                    d = "dave@idp.test", e = "erin@other.test";

  struct Case {
    std::string filter;
    V expected;
  };
  const Case cases[] = {
      // userName eq is exact and case-insensitive (RFC 7643 §4.1.1).
      {R"(userName eq "ALICE@IDP.TEST")", {a}},
      {R"(userName eq "bob@idp.test")", {b}},
      {R"(userName eq "alice@idp")", {}},
      {R"(userName eq "lice@idp.test")", {}},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@idp.test")", {a}},
      {R"(USERNAME EQ "alice@idp.test")", {a}},
      {R"(userName ne "alice@idp.test")", {admin, b, c, d, e}},
      {R"(userName co "IDP")", {a, b, c, d}},
      {R"(userName sw "c")", {c}},
      {R"(userName ew "other.test")", {e}},
      {R"(externalId pr)", {a, b}},
      {R"(externalId eq "ext-alice")", {a}},
      {R"(externalId eq "EXT-ALICE")", {}},  // externalId is caseExact
      {R"(name.familyName gt "B")", {b, c}},
      {R"(name.givenName lt "B")", {a}},
      {R"(name.givenName ge "carol")", {c, e}},
      {R"(name.givenName le "Bob")", {a, b}},
      {R"(active eq false)", {c}},
      {R"(userName sw "a" and active eq true)", {admin, a}},
      {R"(userName eq "dave@idp.test" or name.givenName eq "erin")", {d, e}},
      {R"(not (userName co "idp"))", {admin, e}},
      {R"(emails[type eq "work" and value co "carol"])", {c}},
      {R"(emails.value ew "@OTHER.test")", {e}},
      {R"(displayName eq "dave")", {d}},
      {R"(meta.resourceType eq "User" and (userName sw "b" or userName sw "d"))", {b, d}},
      {"id eq \"" + alice + "\"", {a}},
      {R"(id eq "usr_nobody")", {}},
  };
  for (const auto& tc : cases) {
    CAPTURE(tc.filter);
    V expected = tc.expected;
    std::sort(expected.begin(), expected.end());
    CHECK(x.ListUserNames(tc.filter) == expected);
  }

  for (const char* bad :
       {"userName eq", R"(userName xx "a")", R"((userName eq "a")", R"(userName eq "a" and)",
        R"(emails[type eq "work")", R"(active gt true)", "userName eq alice"}) {
    CAPTURE(bad);
    CHECK(
        IsScimError(x.Call("GET", std::string("/Users?filter=") + Enc(bad)), 400, "invalidFilter"));
  }

  // Paging over a fixed filter: 1-based, capped, count=0 is a count.
  const std::string f = "&filter=" + Enc(R"(userName co "idp.test")");
  Reply all = x.Call("GET", "/Users?" + f.substr(1));
  REQUIRE(all.status == 200);
  CHECK(all.body["schemas"] == json::array({kListUrn}));
  CHECK(all.body["totalResults"] == 4);
  CHECK(all.body["startIndex"] == 1);
  CHECK(all.body["itemsPerPage"] == 4);
  std::vector<std::string> order;
  for (const auto& u : all.body["Resources"]) order.push_back(u["id"]);
  REQUIRE(order.size() == 4);

  struct Paging {
    std::string query;
    int start_index;
    std::vector<int> items;  // indexes into `order`
  };
  const Paging pages[] = {
      {"startIndex=2&count=2", 2, {1, 2}}, {"startIndex=1&count=1", 1, {0}},
      {"startIndex=0&count=1", 1, {0}},    {"startIndex=-5&count=2", 1, {0, 1}},
      {"startIndex=4&count=10", 4, {3}},   {"startIndex=9", 9, {}},
      {"count=1000", 1, {0, 1, 2, 3}},
  };
  for (const auto& p : pages) {
    CAPTURE(p.query);
    Reply r = x.Call("GET", "/Users?" + p.query + f);
    REQUIRE(r.status == 200);
    CHECK(r.body["totalResults"] == 4);
    CHECK(r.body["startIndex"] == p.start_index);
    CHECK(r.body["itemsPerPage"] == p.items.size());
    REQUIRE(r.body["Resources"].size() == p.items.size());
    for (size_t i = 0; i < p.items.size(); ++i)
      CHECK(r.body["Resources"][i]["id"] == order[p.items[i]]);
  }
  for (const char* zero : {"count=0", "count=-3"}) {
    CAPTURE(zero);
    Reply r = x.Call("GET", std::string("/Users?") + zero + f);
    REQUIRE(r.status == 200);
    CHECK(r.body["totalResults"] == 4);
    CHECK(r.body["itemsPerPage"] == 0);
    CHECK(!r.body.contains("Resources"));
  }
  // Provider B's probe for a user that does not exist: an empty list.
  Reply none = x.Call("GET", "/Users?filter=" + Enc(R"(userName eq "ghost@idp.test")"));
  CHECK(none.body["totalResults"] == 0);
  CHECK(none.body["Resources"] == json::array());
  for (const char* bad : {"startIndex=abc", "count=1.5", "count="}) {
    CAPTURE(bad);
    CHECK(IsScimError(x.Call("GET", std::string("/Users?") + bad), 400, "invalidValue"));
  }

  // attributes / excludedAttributes (RFC 7644 §3.9).
  Reply only = x.Call("GET", "/Users?attributes=userName,name.givenName" + f);
  REQUIRE(only.status == 200);
  for (const auto& u : only.body["Resources"]) {
    std::set<std::string> keys;
    for (const auto& [k, v] : u.items()) keys.insert(k);
    keys.erase("name");  // present only when a givenName is
    CHECK(keys == std::set<std::string>{"schemas", "id", "userName"});
    if (u.contains("name")) CHECK(u["name"].size() == 1);
  }
  Reply without = x.Call("GET", "/Users/" + alice + "?excludedAttributes=emails,meta");
  REQUIRE(without.status == 200);
  CHECK(!without.body.contains("emails"));
  CHECK(!without.body.contains("meta"));
  CHECK(without.body["userName"] == a);

  // POST /.search carries the same query in a body (RFC 7644 §3.4.3).
  Reply search = x.Call("POST", "/Users/.search",
                        json{{"schemas", {"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}},
                             {"filter", R"(userName sw "b")"},
                             {"attributes", {"userName"}},
                             {"startIndex", 1},
                             {"count", 10}});
  REQUIRE_MESSAGE(search.status == 200, search.text);
  CHECK(search.body["totalResults"] == 1);
  CHECK(search.body["Resources"][0]["userName"] == "Bob@IdP.test");
  CHECK(!search.body["Resources"][0].contains("meta"));

  // Lists are audited as reads of users.
  int listed = 0;
  for (const auto& r : AuditRows(x.s, x.s.org_id())) {
    listed += r.actor_id == x.sat.id && r.target_type == "user" && r.action == "listed";
  }
  CHECK(listed >= 40);
}

TEST_CASE("scim: userName is unique and immutable; bad input changes nothing") {
  Scim x;
  json alice = x.NewUser("alice@idp.test", {{"displayName", "Alice"}});
  const std::string id = alice["id"];

  // Taken, in any case, in this organization or another.
  CHECK(IsScimError(x.Call("POST", "/Users", json{{"userName", "ALICE@idp.test"}}), 409,
                    "uniqueness"));
  CHECK(IsScimError(x.Call("POST", "/Users", json{{"userName", TestServer::kAdminEmail}}), 409,
                    "uniqueness"));
  REQUIRE(
      x.s.app().identity().CreateOrganization("Other", "boss@other.test", "other-password-1").ok());
  CHECK(IsScimError(x.Call("POST", "/Users", json{{"userName", "boss@other.test"}}), 409,
                    "uniqueness"));

  // Replacing with the same userName in another case is fine; another one is not.
  Reply same = x.Call("PUT", "/Users/" + id,
                      json{{"userName", "Alice@IDP.test"}, {"displayName", "Alice A."}});
  REQUIRE_MESSAGE(same.status == 200, same.text);
  CHECK(same.body["userName"] == "alice@idp.test");
  CHECK(same.body["displayName"] == "Alice A.");
  alice = same.body;

  struct Bad {
    const char* name;
    std::string method;
    std::string text;
    std::string content_type;
    int status;
    const char* scim_type;
  };
  auto patch = [](json ops) { return PatchOp(std::move(ops)).dump(); };
  const std::string path = "/Users/" + id;
  const Bad bad[] = {
      {"PUT another userName", "PUT", json{{"userName", "alice2@idp.test"}}.dump(),
       "application/scim+json", 400, "mutability"},
      {"PATCH userName", "PATCH",
       patch({{{"op", "replace"}, {"path", "userName"}, {"value", "new@idp.test"}}}),
       "application/scim+json", 400, "mutability"},
      {"PATCH no-path userName", "PATCH",
       patch({{{"op", "replace"}, {"value", {{"userName", "new@idp.test"}}}}}),
       "application/scim+json", 400, "mutability"},
      {"PATCH work email", "PATCH",
       patch({{{"op", "Replace"},
               {"path", "emails[type eq \"work\"].value"},
               {"value", "new@idp.test"}}}),
       "application/scim+json", 400, "mutability"},
      {"PATCH remove userName", "PATCH", patch({{{"op", "remove"}, {"path", "userName"}}}),
       "application/scim+json", 400, "mutability"},
      {"PATCH id", "PATCH", patch({{{"op", "replace"}, {"value", {{"id", "usr_other"}}}}}),
       "application/scim+json", 400, "mutability"},
      {"PUT another primary email", "PUT",
       json{{"userName", "alice@idp.test"},
            {"emails", {{{"value", "a@elsewhere.test"}, {"primary", true}}}}}
           .dump(),
       "application/scim+json", 400, "mutability"},
      {"malformed JSON", "PUT", "{\"userName\": ", "application/scim+json", 400, "invalidSyntax"},
      {"not an object", "PATCH", "[1,2]", "application/json", 400, "invalidSyntax"},
      {"deeply nested", "PATCH", std::string(5000, '[') + std::string(5000, ']'),
       "application/scim+json", 400, "invalidSyntax"},
      {"wrong content type", "PUT", json{{"userName", "alice@idp.test"}}.dump(), "text/plain", 400,
       "invalidSyntax"},
      {"not a PatchOp", "PATCH",
       json{{"schemas", {kUserUrn}}, {"Operations", json::array()}}.dump(), "application/scim+json",
       400, "invalidSyntax"},
      {"no operations", "PATCH", patch(json::array()), "application/scim+json", 400,
       "invalidSyntax"},
      {"unknown op", "PATCH", patch({{{"op", "move"}, {"path", "displayName"}, {"value", "x"}}}),
       "application/scim+json", 400, "invalidSyntax"},
      {"remove without path", "PATCH", patch({{{"op", "remove"}}}), "application/scim+json", 400,
       "noTarget"},
      {"replace without value", "PATCH", patch({{{"op", "replace"}, {"path", "displayName"}}}),
       "application/scim+json", 400, "invalidValue"},
      {"unknown attribute", "PATCH",
       patch({{{"op", "replace"}, {"path", "favouriteColour"}, {"value", "blue"}}}),
       "application/scim+json", 400, "invalidPath"},
      {"unknown sub-attribute", "PATCH",
       patch({{{"op", "replace"}, {"path", "name.nickname"}, {"value", "Al"}}}),
       "application/scim+json", 400, "invalidPath"},
      {"unknown schema", "PATCH",
       patch({{{"op", "add"}, {"path", "urn:example:custom:2.0:User:badge"}, {"value", "1"}}}),
       "application/scim+json", 400, "invalidPath"},
      {"unreadable path", "PATCH",
       patch({{{"op", "replace"}, {"path", "emails[type eq"}, {"value", "x"}}}),
       "application/scim+json", 400, "invalidPath"},
      {"filter matching nothing", "PATCH",
       patch({{{"op", "replace"},
               {"path", "emails[type eq \"home\"].value"},
               {"value", "alice@idp.test"}}}),
       "application/scim+json", 400, "noTarget"},
      {"active not a boolean", "PATCH",
       patch({{{"op", "replace"}, {"path", "active"}, {"value", "maybe"}}}),
       "application/scim+json", 400, "invalidValue"},
      {"displayName not a string", "PUT",
       json{{"userName", "alice@idp.test"}, {"displayName", 5}}.dump(), "application/scim+json",
       400, "invalidValue"},
      {"name not an object", "PATCH",
       patch({{{"op", "add"}, {"path", "name"}, {"value", "Alice"}}}), "application/scim+json", 400,
       "invalidValue"},
      {"control characters", "PATCH",
       patch({{{"op", "replace"},
               {"path", "displayName"},
               {"value",
                "a\x01"
                "b"}}}),
       "application/scim+json", 400, "invalidValue"},
      {"too long", "PATCH",
       patch({{{"op", "replace"}, {"path", "externalId"}, {"value", std::string(300, 'x')}}}),
       "application/scim+json", 400, "invalidValue"},
      // Atomic: the valid first operation is not applied either.
      {"second operation fails", "PATCH",
       patch({{{"op", "replace"}, {"path", "displayName"}, {"value", "Changed"}},
              {{"op", "replace"}, {"path", "nope"}, {"value", 1}}}),
       "application/scim+json", 400, "invalidPath"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.name);
    Reply r = x.Raw(b.method, path, b.text, b.content_type);
    CHECK_MESSAGE(IsScimError(r, b.status, b.scim_type), r.text);
    CHECK(x.Call("GET", path).body == alice);
  }
  // Creating with bad input never creates anything.
  const std::pair<const char*, json> bad_creates[] = {
      {"no userName", json{{"displayName", "x"}}},
      {"userName not an email", json{{"userName", "not-an-email"}}},
      {"userName not a string", json{{"userName", 42}}},
      {"other primary email",
       json{{"userName", "z@idp.test"}, {"emails", {{{"value", "y@idp.test"}, {"type", "work"}}}}}},
      {"emails not objects", json{{"userName", "z@idp.test"}, {"emails", {"z@idp.test"}}}},
      {"wrong schemas", json{{"schemas", {kGroupUrn}}, {"userName", "z@idp.test"}}},
  };
  for (const auto& [name, body] : bad_creates) {
    CAPTURE(name);
    Reply r = x.Call("POST", "/Users", body);
    CHECK(r.status == 400);
    CHECK(r.body["schemas"][0] == kErrorUrn);
  }
  CHECK(x.ListUserNames(R"(userName sw "z")").empty());
  // A failed change leaves a "failed" audit row and no success row.
  CHECK(CountChange(x.s, x.sat.id, "user", id, "updated", "failed") >= 10);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "updated") == 1);  // the one good PUT
}

TEST_CASE("scim: PATCH bodies as both provider styles send them") {
  Scim x;
  json u = x.NewUser("pat@idp.test", {{"name", {{"givenName", "Pat"}, {"familyName", "Lee"}}},
                                      {"displayName", "Pat Lee"}});
  const std::string id = u["id"];

  struct Step {
    const char* name;
    json operations;
    const char* field;  // a JSON pointer into the answer
    json expected;
  };
  const Step steps[] = {
      {"Provider A deactivation: no path, value object",
       {{{"op", "replace"}, {"value", {{"active", false}}}}},
       "/active",
       false},
      {"Provider B reactivation: capitalised op, string boolean",
       {{{"op", "Replace"}, {"path", "active"}, {"value", "True"}}},
       "/active",
       true},
      {"Provider B deactivation: \"False\"",
       {{{"op", "Replace"}, {"path", "active"}, {"value", "False"}}},
       "/active",
       false},
      {"lower-case string boolean",
       {{{"op", "replace"}, {"path", "active"}, {"value", "true"}}},
       "/active",
       true},
      {"Provider B: displayName and name.givenName paths",
       {{{"op", "Replace"}, {"path", "displayName"}, {"value", "Patricia Lee"}},
        {{"op", "Add"}, {"path", "name.givenName"}, {"value", "Patricia"}}},
       "/name/givenName",
       "Patricia"},
      {"Provider B: no path, dotted keys",
       {{{"op", "Replace"}, {"value", {{"name.familyName", "Li"}, {"displayName", "P. Li"}}}}},
       "/name/familyName",
       "Li"},
      {"URN-qualified path",
       {{{"op", "replace"},
         {"path", std::string(kUserUrn) + ":name.familyName"},
         {"value", "Lee"}}},
       "/name/familyName",
       "Lee"},
      {"replace name keeps the sub-attributes not given",
       {{{"op", "replace"}, {"path", "name"}, {"value", {{"givenName", "Pat"}}}}},
       "/name/familyName",
       "Lee"},
      {"Provider B: the work email restated (same address, other case)",
       {{{"op", "Replace"}, {"path", "emails[type eq \"work\"].value"}, {"value", "PAT@idp.test"}}},
       "/emails/0/value",
       "pat@idp.test"},
      {"Provider B: externalId",
       {{{"op", "Add"}, {"path", "externalId"}, {"value", "e5a1"}}},
       "/externalId",
       "e5a1"},
      {"Provider B: attributes accessd does not keep are accepted",
       {{{"op", "Add"}, {"path", "title"}, {"value", "Engineer"}},
        {{"op", "Add"}, {"path", "preferredLanguage"}, {"value", "en"}},
        {{"op", "Replace"},
         {"path", "phoneNumbers[type eq \"work\"].value"},
         {"value", "+1 555 0100"}},
        {{"op", "Add"},
         {"path", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
         {"value", "R&D"}},
        {{"op", "Replace"}, {"path", "name.formatted"}, {"value", "Pat Lee"}}},
       "/displayName",
       "P. Li"},
      {"remove name.givenName",
       {{{"op", "remove"}, {"path", "name.givenName"}}},
       "/name/formatted",
       "Lee"},
      {"no path with the id repeated (provider A)",
       {{{"op", "replace"}, {"value", {{"id", id}, {"displayName", "Pat"}}}}},
       "/displayName",
       "Pat"},
      {"remove displayName falls back to the name",
       {{{"op", "remove"}, {"path", "displayName"}}},
       "/displayName",
       "Lee"},
      {"remove externalId", {{{"op", "remove"}, {"path", "externalId"}}}, "/externalId", nullptr},
  };
  for (const auto& st : steps) {
    CAPTURE(st.name);
    Reply r = x.Call("PATCH", "/Users/" + id, PatchOp(st.operations));
    REQUIRE_MESSAGE(r.status == 200, r.text);
    json::json_pointer ptr(st.field);
    if (st.expected.is_null()) {
      CHECK(!r.body.contains(ptr));
    } else {
      REQUIRE(r.body.contains(ptr));
      CHECK(r.body[ptr] == st.expected);
    }
    // The answer is what a later GET says.
    CHECK(x.Call("GET", "/Users/" + id).body == r.body);
  }
  // Every step is audited: three deactivations/reactivations, the rest updates.
  CHECK(CountChange(x.s, x.sat.id, "user", id, "deactivated") == 2);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "reactivated") == 2);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "updated") == 11);
}

TEST_CASE("scim: an identity provider's lifecycle of one user, end to end") {
  Scim x;
  const std::string ws = x.s.CreateWorkspace(x.admin, "Prod");
  Caller wsat = TestServer::Bearer(x.s.CreateSat(x.admin, "workspace", ws).secret);
  const std::string email = "jo@idp.test";

  // 1. The lookup before the create (both providers do it).
  Reply look = x.Call(
      "GET", "/Users?filter=" + Enc("userName eq \"" + email + "\"") + "&startIndex=1&count=100");
  REQUIRE(look.status == 200);
  CHECK(look.body["totalResults"] == 0);

  // 2. Create, 3. find by filter.
  const std::string id = x.NewUser(
      email, {{"name", {{"givenName", "Jo"}, {"familyName", "Ng"}}}, {"externalId", "jo-1"}})["id"];
  Reply found = x.Call("GET", "/Users?filter=" + Enc("userName eq \"JO@IDP.TEST\""));
  REQUIRE(found.body["totalResults"] == 1);
  CHECK(found.body["Resources"][0]["id"] == id);

  // The user joined the workspace; give them a password (as they would set
  // one themselves), sign in and make a PAT.
  SetPassword(x.s, id);
  Caller jo = x.s.Login(email, TestServer::kUserPassword);
  Caller pat = TestServer::Bearer(x.s.CreatePat(jo, ws, "read_write").secret);
  REQUIRE(x.s.Call(pat, "GET", "/v2/workspace").status == 200);
  REQUIRE(x.s.Call(jo, "GET", "/api/me").status == 200);

  // 4. Deactivate, as provider B does.
  Reply off = x.Call("PATCH", "/Users/" + id,
                     PatchOp({{{"op", "Replace"}, {"path", "active"}, {"value", "False"}}}));
  REQUIRE_MESSAGE(off.status == 200, off.text);
  CHECK(off.body["active"] == false);
  CHECK(x.s.Call(pat, "GET", "/v2/workspace").status == 401);
  CHECK(x.s.Call(jo, "GET", "/api/me").status == 401);  // the session is gone
  CHECK(LoginStatus(x.s, email) == 401);
  CHECK(x.s.Call(wsat, "GET", "/v2/workspace").status == 200);  // SATs are untouched
  CHECK(x.ListUserNames("active eq false") == std::vector<std::string>{email});
  CHECK(UserRow(x.s, id)->status == accessd::model::UserStatus::kDeactivated);

  // 5. Reactivate, as provider A does: the same PAT works again.
  Reply on = x.Call("PATCH", "/Users/" + id,
                    PatchOp({{{"op", "replace"}, {"value", {{"active", true}}}}}));
  REQUIRE(on.status == 200);
  CHECK(on.body["active"] == true);
  CHECK(x.s.Call(pat, "GET", "/v2/workspace").status == 200);
  CHECK(LoginStatus(x.s, email) == 200);

  // 6. Push a group with the user, 7. remove the member (provider A's shape).
  Reply group = x.Call(
      "POST", "/Groups",
      json{{"schemas", {kGroupUrn}}, {"displayName", "Engineers"}, {"members", {{{"value", id}}}}});
  REQUIRE_MESSAGE(group.status == 201, group.text);
  const std::string gid = group.body["id"];
  CHECK(group.body["members"][0]["value"] == id);
  CHECK(group.body["members"][0]["display"] == "Jo Ng");
  Reply removed =
      x.Call("PATCH", "/Groups/" + gid,
             PatchOp({{{"op", "remove"}, {"path", "members[value eq \"" + id + "\"]"}}}));
  REQUIRE_MESSAGE(removed.status == 200, removed.text);
  CHECK(removed.body["members"] == json::array());

  // 8. Delete: deprovisioned, hidden, credentials gone, row kept.
  Reply del = x.Call("DELETE", "/Users/" + id);
  CHECK(del.status == 204);
  CHECK(del.text.empty());
  CHECK(IsScimError(x.Call("GET", "/Users/" + id), 404));
  CHECK(IsScimError(x.Call("PATCH", "/Users/" + id,
                           PatchOp({{{"op", "replace"}, {"path", "active"}, {"value", true}}})),
                    404));
  CHECK(IsScimError(x.Call("PUT", "/Users/" + id, json{{"userName", email}}), 404));
  CHECK(IsScimError(x.Call("DELETE", "/Users/" + id), 404));
  CHECK(x.ListUserNames("userName eq \"" + email + "\"").empty());
  CHECK(x.ListUserNames("id eq \"" + id + "\"").empty());
  CHECK(x.s.Call(pat, "GET", "/v2/workspace").status == 401);
  CHECK(LoginStatus(x.s, email) == 401);
  auto row = UserRow(x.s, id);
  REQUIRE(row);
  CHECK(row->status == accessd::model::UserStatus::kRemoved);
  CHECK(IsScimError(
      x.Call("PATCH", "/Groups/" + gid,
             PatchOp({{{"op", "add"}, {"path", "members"}, {"value", {{{"value", id}}}}}})),
      400, "invalidValue"));

  // 9. The email can be provisioned again: a new user.
  const std::string again = x.NewUser(email)["id"];
  CHECK(again != id);

  // Every step is audited with the org SAT as actor.
  CHECK(CountChange(x.s, x.sat.id, "user", id, "added_to_organization") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "deactivated") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "reactivated") == 1);
  CHECK(CountChange(x.s, x.sat.id, "group", gid, "created") == 1);
  CHECK(CountChange(x.s, x.sat.id, "group", gid, "updated") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "removed_from_organization") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", again, "added_to_organization") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", id, "read", "denied") >= 1);  // the 404
}

TEST_CASE("scim: groups with both providers' membership changes") {
  Scim x;
  const std::string a = x.NewUser("a@idp.test", {{"displayName", "Ann"}})["id"];
  const std::string b = x.NewUser("b@idp.test")["id"];
  const std::string c = x.NewUser("c@idp.test")["id"];

  Reply created = x.Call("POST", "/Groups",
                         json{{"schemas", {kGroupUrn}},
                              {"displayName", "Sales"},
                              {"externalId", "idp-g1"},
                              {"members", {{{"value", a}}, {{"value", b}}}}});
  REQUIRE_MESSAGE(created.status == 201, created.text);
  const std::string gid = created.body["id"];
  CHECK(created.body["schemas"] == json::array({kGroupUrn}));
  CHECK(created.body["displayName"] == "Sales");
  CHECK(created.body["externalId"] == "idp-g1");
  CHECK(created.body["meta"]["resourceType"] == "Group");
  CHECK(created.Header("Location") == created.body["meta"]["location"]);
  REQUIRE(created.body["members"].size() == 2);
  for (const auto& m : created.body["members"]) {
    CHECK(m["$ref"].get<std::string>().find("/scim/v2/Users/" + m["value"].get<std::string>()) !=
          std::string::npos);
    if (m["value"] == a) CHECK(m["display"] == "Ann");
  }
  x.Call("POST", "/Groups", json{{"displayName", "Support"}});

  // The dashboard sees an ordinary group.
  Reply dash = x.s.Call(x.admin, "GET", "/api/groups");
  REQUIRE(dash.status == 200);
  CHECK(dash.text.find(gid) != std::string::npos);

  auto members = [&]() {
    std::set<std::string> out;
    Reply r = x.Call("GET", "/Groups/" + gid);
    for (const auto& m : r.body["members"]) out.insert(m["value"].get<std::string>());
    return out;
  };
  struct Step {
    const char* name;
    json operations;
    std::set<std::string> expected;
  };
  const Step steps[] = {
      {"Provider A: add with path members",
       {{{"op", "add"},
         {"path", "members"},
         {"value", {{{"value", c}, {"display", "c@idp.test"}}}}}},
       {a, b, c}},
      {"Provider A: remove with a filter",
       {{{"op", "remove"}, {"path", "members[value eq \"" + a + "\"]"}}},
       {b, c}},
      {"removing a non-member is not an error",
       {{{"op", "remove"}, {"path", "members[value eq \"" + a + "\"]"}}},
       {b, c}},
      {"Provider B: Remove with a value array",
       {{{"op", "Remove"}, {"path", "members"}, {"value", {{{"value", b}}}}}},
       {c}},
      {"Provider B: Add with a value array (and $ref null)",
       {{{"op", "Add"},
         {"path", "members"},
         {"value", {{{"$ref", nullptr}, {"value", a}}, {{"value", b}}}}}},
       {a, b, c}},
      {"adding a member twice keeps one",
       {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", a}}}}}},
       {a, b, c}},
      {"replace members",
       {{{"op", "replace"}, {"path", "members"}, {"value", {{{"value", b}}}}}},
       {b}},
      {"no path with members",
       {{{"op", "add"}, {"value", {{"members", {{{"value", c}}}}}}}},
       {b, c}},
      {"remove with an or filter",
       {{{"op", "remove"}, {"path", "members[value eq \"" + b + "\" or value eq \"" + c + "\"]"}}},
       {}},
      {"add back", {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", a}}}}}}, {a}},
  };
  for (const auto& st : steps) {
    CAPTURE(st.name);
    Reply r = x.Call("PATCH", "/Groups/" + gid, PatchOp(st.operations));
    REQUIRE_MESSAGE(r.status == 200, r.text);
    CHECK(members() == st.expected);
  }

  // Provider A renames with a path-less replace that repeats the id; provider B with a path.
  Reply renamed = x.Call(
      "PATCH", "/Groups/" + gid,
      PatchOp({{{"op", "replace"}, {"value", {{"id", gid}, {"displayName", "Sales EMEA"}}}}}));
  REQUIRE_MESSAGE(renamed.status == 200, renamed.text);
  CHECK(renamed.body["displayName"] == "Sales EMEA");
  Reply renamed2 =
      x.Call("PATCH", "/Groups/" + gid,
             PatchOp({{{"op", "Replace"}, {"path", "displayName"}, {"value", "Sales"}}}));
  CHECK(renamed2.body["displayName"] == "Sales");

  // Filters: displayName eq is case-insensitive; excludedAttributes=members.
  Reply by_name = x.Call(
      "GET", "/Groups?excludedAttributes=members&filter=" + Enc(R"(displayName eq "SALES")"));
  REQUIRE(by_name.status == 200);
  CHECK(by_name.body["totalResults"] == 1);
  CHECK(by_name.body["Resources"][0]["id"] == gid);
  CHECK(!by_name.body["Resources"][0].contains("members"));
  CHECK(x.Call("GET", "/Groups?filter=" + Enc(R"(displayName sw "s")")).body["totalResults"] == 2);
  CHECK(x.Call("GET", "/Groups?filter=" + Enc("members.value eq \"" + a + "\""))
            .body["totalResults"] == 1);
  CHECK(x.Call("GET", "/Groups?filter=" + Enc(R"(externalId eq "idp-g1")")).body["totalResults"] ==
        1);
  CHECK(x.Call("GET", "/Groups?count=1").body["Resources"].size() == 1);
  CHECK(
      IsScimError(x.Call("GET", "/Groups?filter=" + Enc("displayName eq")), 400, "invalidFilter"));
  Reply one = x.Call("GET", "/Groups/" + gid + "?excludedAttributes=members");
  CHECK(!one.body.contains("members"));
  CHECK(one.body["displayName"] == "Sales");

  // Refusals, none of which changes the group.
  const json before = x.Call("GET", "/Groups/" + gid).body;
  struct Bad {
    const char* name;
    std::string method;
    json body;
    int status;
    const char* scim_type;
  };
  const Bad bad[] = {
      {"unknown member", "PATCH",
       PatchOp({{{"op", "add"}, {"path", "members"}, {"value", {{{"value", "usr_nobody"}}}}}}), 400,
       "invalidValue"},
      {"member without value", "PATCH",
       PatchOp({{{"op", "add"}, {"path", "members"}, {"value", {{{"display", "x"}}}}}}), 400,
       "invalidValue"},
      {"members not objects", "PATCH",
       PatchOp({{{"op", "add"}, {"path", "members"}, {"value", {a}}}}), 400, "invalidValue"},
      {"duplicate name", "PATCH",
       PatchOp({{{"op", "replace"}, {"path", "displayName"}, {"value", "support"}}}), 409,
       "uniqueness"},
      {"blank name", "PATCH",
       PatchOp({{{"op", "replace"}, {"path", "displayName"}, {"value", "  "}}}), 400,
       "invalidValue"},
      {"remove displayName", "PATCH", PatchOp({{{"op", "remove"}, {"path", "displayName"}}}), 400,
       "mutability"},
      {"unknown attribute", "PATCH", PatchOp({{{"op", "add"}, {"path", "owners"}, {"value", "x"}}}),
       400, "invalidPath"},
      {"replace with a filter matching nothing", "PATCH",
       PatchOp({{{"op", "replace"},
                 {"path", "members[value eq \"usr_nobody\"]"},
                 {"value", {{{"value", b}}}}}}),
       400, "noTarget"},
      {"PUT without displayName", "PUT", json{{"members", json::array()}}, 400, "invalidValue"},
      {"PUT with the User schema", "PUT", json{{"schemas", {kUserUrn}}, {"displayName", "x"}}, 400,
       "invalidSyntax"},
  };
  for (const auto& bd : bad) {
    CAPTURE(bd.name);
    Reply r = x.Call(bd.method, "/Groups/" + gid, bd.body);
    CHECK_MESSAGE(IsScimError(r, bd.status, bd.scim_type), r.text);
    CHECK(x.Call("GET", "/Groups/" + gid).body == before);
  }
  CHECK(IsScimError(x.Call("POST", "/Groups", json{{"displayName", "SALES"}}), 409, "uniqueness"));
  CHECK(IsScimError(
      x.Call("POST", "/Groups", json{{"displayName", "New"}, {"members", {{{"value", "usr_x"}}}}}),
      400, "invalidValue"));

  // PUT replaces: omitted externalId and members are cleared.
  Reply put = x.Call(
      "PUT", "/Groups/" + gid,
      json{{"schemas", {kGroupUrn}}, {"displayName", "Sales"}, {"members", {{{"value", c}}}}});
  REQUIRE_MESSAGE(put.status == 200, put.text);
  CHECK(!put.body.contains("externalId"));
  CHECK(members() == std::set<std::string>{c});

  // DELETE, then it is gone.
  CHECK(x.Call("DELETE", "/Groups/" + gid).status == 204);
  CHECK(IsScimError(x.Call("GET", "/Groups/" + gid), 404));
  CHECK(IsScimError(
      x.Call("PATCH", "/Groups/" + gid, PatchOp({{{"op", "remove"}, {"path", "members"}}})), 404));
  CHECK(IsScimError(x.Call("DELETE", "/Groups/" + gid), 404));

  CHECK(CountChange(x.s, x.sat.id, "group", gid, "created") == 1);
  CHECK(CountChange(x.s, x.sat.id, "group", gid, "updated") == 13);
  CHECK(CountChange(x.s, x.sat.id, "group", gid, "deleted") == 1);
  CHECK(CountChange(x.s, x.sat.id, "group", gid, "updated", "failed") >= 8);
}

TEST_CASE("scim: a membership change takes effect on the member's next request") {
  Scim x;
  const std::string ws = x.s.CreateWorkspace(x.admin, "Prod");
  const std::string uid = x.NewUser("dev@idp.test")["id"];
  const std::string gid = x.Call("POST", "/Groups", json{{"displayName", "Builders"}}).body["id"];
  // The admin gives the group a workspace and a policy in the dashboard.
  REQUIRE(x.s.Call(x.admin, "PATCH", "/api/groups/" + gid, json{{"workspaceIds", {ws}}}).status ==
          200);
  Reply pol = x.s.Call(x.admin, "PUT", "/api/workspaces/" + ws + "/policies/groups/" + gid,
                       json{{"sources", {{"create_delete", true}}}});
  REQUIRE_MESSAGE(pol.status == 200, pol.text);

  SetPassword(x.s, uid);
  Caller dev = x.s.Login("dev@idp.test", TestServer::kUserPassword);
  Caller pat = TestServer::Bearer(x.s.CreatePat(dev, ws, "read_write").secret);
  auto create_source = [&](const std::string& name) {
    return x.s
        .Call(pat, "POST", "/v2/sources",
              json{{"name", name}, {"type", "javascript"}, {"config", json::object()}})
        .status;
  };
  CHECK(create_source("before") == 403);  // the baseline is view only

  REQUIRE(x.Call("PATCH", "/Groups/" + gid,
                 PatchOp({{{"op", "Add"}, {"path", "members"}, {"value", {{{"value", uid}}}}}}))
              .status == 200);
  CHECK(create_source("member") == 201);

  REQUIRE(x.Call("PATCH", "/Groups/" + gid,
                 PatchOp({{{"op", "remove"}, {"path", "members[value eq \"" + uid + "\"]"}}}))
              .status == 200);
  CHECK(create_source("removed") == 403);
}

TEST_CASE("scim: another organization's users and groups do not exist") {
  Scim x;
  const std::string mine = x.NewUser("mine@idp.test")["id"];
  // A second organization, SCIM on, provisioning its own user and group.
  auto other =
      x.s.app().identity().CreateOrganization("Other", "boss@other.test", "other-password-1");
  REQUIRE(other.ok());
  Caller boss = x.s.Login("boss@other.test", "other-password-1");
  REQUIRE(x.s.Call(boss, "PATCH", "/api/organization", json{{"scimEnabled", true}}).status == 200);
  Caller other_sat = TestServer::Bearer(x.s.CreateSat(boss, "organization", "").secret);
  Reply theirs = x.s.Call(other_sat, "POST", "/scim/v2/Users", json{{"userName", "t@other.test"}});
  REQUIRE(theirs.status == 201);
  const std::string their_user = theirs.body["id"];
  Reply tg = x.s.Call(other_sat, "POST", "/scim/v2/Groups",
                      json{{"displayName", "Theirs"}, {"members", {{{"value", their_user}}}}});
  REQUIRE(tg.status == 201);
  const std::string their_group = tg.body["id"];

  const json patch_user = PatchOp({{{"op", "replace"}, {"path", "active"}, {"value", false}}});
  const json patch_group = PatchOp({{{"op", "remove"}, {"path", "members"}}});
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::optional<json>>>{
           {"GET", "/Users/" + their_user, std::nullopt},
           {"PUT", "/Users/" + their_user, json{{"userName", "t@other.test"}}},
           {"PATCH", "/Users/" + their_user, patch_user},
           {"DELETE", "/Users/" + their_user, std::nullopt},
           {"GET", "/Groups/" + their_group, std::nullopt},
           {"PUT", "/Groups/" + their_group, json{{"displayName", "Mine now"}}},
           {"PATCH", "/Groups/" + their_group, patch_group},
           {"DELETE", "/Groups/" + their_group, std::nullopt},
       }) {
    CAPTURE(method);
    CAPTURE(path);
    CHECK(IsScimError(x.Call(method, path, body), 404));
  }
  // Not in lists, not by filter, not as a member.
  CHECK(x.ListUserNames("userName eq \"t@other.test\"").empty());
  CHECK(x.ListUserNames("id eq \"" + their_user + "\"").empty());
  CHECK(x.Call("GET", "/Groups").body["totalResults"] == 0);
  CHECK(x.Call("GET", "/Groups?filter=" + Enc(R"(displayName eq "Theirs")")).body["totalResults"] ==
        0);
  CHECK(IsScimError(
      x.Call("POST", "/Groups", json{{"displayName", "G"}, {"members", {{{"value", their_user}}}}}),
      400, "invalidValue"));
  // And they cannot reach ours.
  CHECK(x.s.Call(other_sat, "GET", "/scim/v2/Users/" + mine).status == 404);
  // Their objects are unchanged.
  Reply still = x.s.Call(other_sat, "GET", "/scim/v2/Groups/" + their_group);
  CHECK(still.body["members"].size() == 1);
  CHECK(x.s.Call(other_sat, "GET", "/scim/v2/Users/" + their_user).body["active"] == true);
}

TEST_CASE("scim: the last active admin stays; a reactivated admin is an admin again") {
  Scim x;
  const std::string admin_id = x.admin.user_id;
  CHECK(IsScimError(x.Call("PATCH", "/Users/" + admin_id,
                           PatchOp({{{"op", "replace"}, {"path", "active"}, {"value", false}}})),
                    409));
  CHECK(IsScimError(x.Call("DELETE", "/Users/" + admin_id), 409));
  CHECK(x.s.Call(x.admin, "GET", "/api/organization").status == 200);

  // With a second admin, the first can be deactivated and comes back as admin.
  Caller second = x.s.CreateUser(x.admin, "second@example.test", "admin", {});
  Reply off = x.Call("PATCH", "/Users/" + admin_id,
                     PatchOp({{{"op", "Replace"}, {"path", "active"}, {"value", "False"}}}));
  REQUIRE_MESSAGE(off.status == 200, off.text);
  CHECK(x.s.Call(x.admin, "GET", "/api/organization").status == 401);
  CHECK(LoginStatus(x.s, TestServer::kAdminEmail) == 401);
  // Now the second admin is the last one.
  CHECK(IsScimError(x.Call("DELETE", "/Users/" + second.user_id), 409));
  Reply on = x.Call("PATCH", "/Users/" + admin_id,
                    PatchOp({{{"op", "replace"}, {"path", "active"}, {"value", true}}}));
  REQUIRE(on.status == 200);
  Caller back = x.s.Admin();
  CHECK(x.s.Call(back, "GET", "/api/organization").status == 200);  // still an admin
  CHECK(CountChange(x.s, x.sat.id, "user", admin_id, "deactivated") == 1);
  CHECK(CountChange(x.s, x.sat.id, "user", admin_id, "reactivated") == 1);
  // The admin was touched by SCIM, so is now SCIM-managed, but kept its role.
  auto row = UserRow(x.s, admin_id);
  CHECK(row->role == accessd::model::Role::kAdmin);
  CHECK(row->scim_managed);
}
