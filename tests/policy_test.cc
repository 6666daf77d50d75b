// policy_test.cc — tests for the policy document parser and the pure
// evaluator in src/auth/policy.{h,cc} (SPEC §1-§3).
//
// Three layers: table-driven parse/validation cases (every rejection with its
// exact error path), table-driven decision cases (action × grant shape ×
// credential kind, plus connection scenarios), and seeded randomized property
// tests of the union laws and the JSON round trip. These tests must not do
// I/O or depend on time or on unseeded randomness: a failure must reproduce.
#include "auth/policy.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace accessd::auth {
namespace {

using nlohmann::json;

// The resources that "exist" in the workspace the test policies are for.
const std::map<ResourceType, std::set<std::string>>& KnownIds() {
  static const auto* const kIds = new std::map<ResourceType, std::set<std::string>>{
      {ResourceType::kSources, {"src_1", "src_2", "src_3", "src_9"}},
      {ResourceType::kDestinations, {"dst_1", "dst_2"}},
      {ResourceType::kTransformations, {"trf_1"}},
      {ResourceType::kLibraries, {"lib_1"}},
      {ResourceType::kTrackingPlans, {"tp_1"}},
  };
  return *kIds;
}

bool Exists(ResourceType t, const std::string& id) {
  auto it = KnownIds().find(t);
  return it != KnownIds().end() && it->second.count(id) > 0;
}

constexpr ResourceType kAllTypes[] = {ResourceType::kSources, ResourceType::kDestinations,
                                      ResourceType::kTransformations, ResourceType::kLibraries,
                                      ResourceType::kTrackingPlans};
constexpr Action kGrantActions[] = {Action::kEdit, Action::kConnect, Action::kCreateDelete};

std::string Join(std::vector<std::string> v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

std::vector<std::string> Paths(const std::vector<PolicyError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.path);
  return out;
}

// The canonical rendering of a partial document: every type key present.
json Canon(const char* text) {
  json doc = json::parse(text);
  for (ResourceType t : kAllTypes) {
    if (!doc.contains(ResourceTypeKey(t))) doc[ResourceTypeKey(t)] = json::object();
  }
  return doc;
}

// Parses a document that the test expects to be valid.
Policy MustParse(const std::string& text, int64_t seq_mark = 0) {
  std::vector<PolicyError> errors;
  std::optional<Policy> p = ParsePolicy(json::parse(text), Exists, &errors);
  INFO("document: " << text << " errors: " << Join(Paths(errors)));
  REQUIRE(p.has_value());
  p->seq_mark = seq_mark;
  return *p;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

TEST_CASE("resource type and action keys match SPEC §1") {
  struct Case {
    ResourceType type;
    const char* key;
  };
  const Case cases[] = {
      {ResourceType::kSources, "sources"},
      {ResourceType::kDestinations, "destinations"},
      {ResourceType::kTransformations, "transformations"},
      {ResourceType::kLibraries, "libraries"},
      {ResourceType::kTrackingPlans, "tracking_plans"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.key);
    CHECK(std::string(ResourceTypeKey(c.type)) == c.key);
    REQUIRE(ParseResourceTypeKey(c.key).has_value());
    CHECK(*ParseResourceTypeKey(c.key) == c.type);
  }
  for (const char* bad : {"", "Sources", "source", "tracking-plans", "widgets"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseResourceTypeKey(bad).has_value());
  }
  CHECK(std::string(ActionKey(Action::kView)) == "view");
  CHECK(std::string(ActionKey(Action::kEdit)) == "edit");
  CHECK(std::string(ActionKey(Action::kConnect)) == "connect");
  CHECK(std::string(ActionKey(Action::kCreateDelete)) == "create_delete");
}

TEST_CASE("view is never a stored grant") {
  Policy p;
  CHECK_FALSE(p.Get(ResourceType::kSources, Action::kView).has_value());
  CHECK_THROWS_AS(p.Mutable(ResourceType::kSources, Action::kView), std::invalid_argument);
  p.Mutable(ResourceType::kSources, Action::kEdit) = Grant{true, {}, false};
  CHECK(p.Get(ResourceType::kSources, Action::kEdit).has_value());
  CHECK_FALSE(p.Get(ResourceType::kSources, Action::kConnect).has_value());
  CHECK_FALSE(p.Get(ResourceType::kDestinations, Action::kEdit).has_value());
}

// ---------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------

TEST_CASE("ParsePolicy accepts valid shapes and renders them canonically") {
  struct Case {
    const char* name;
    const char* doc;
    const char* canonical;  // partial; missing type keys are {}
    bool empty;             // Policy::Empty()
  };
  const Case cases[] = {
      {"empty document", R"({})", R"({})", true},
      {"empty type object", R"({"sources": {}})", R"({})", true},
      {"every type empty", R"({"sources": {}, "destinations": {}, "transformations": {},
                               "libraries": {}, "tracking_plans": {}})",
       R"({})", true},
      {"true", R"({"sources": {"edit": true}})", R"({"sources": {"edit": true}})", false},
      {"false is dropped", R"({"sources": {"edit": false, "connect": true}})",
       R"({"sources": {"connect": true}})", false},
      {"only false", R"({"sources": {"edit": false}})", R"({})", true},
      {"ids without includeFuture", R"({"sources": {"edit": {"ids": ["src_1"]}}})",
       R"({"sources": {"edit": {"ids": ["src_1"], "includeFuture": false}}})", false},
      {"ids with includeFuture", R"({"destinations": {"connect":
                                     {"ids": ["dst_2", "dst_1"], "includeFuture": true}}})",
       R"({"destinations": {"connect": {"ids": ["dst_1", "dst_2"], "includeFuture": true}}})",
       false},
      {"empty ids", R"({"sources": {"create_delete": {"ids": []}}})",
       R"({"sources": {"create_delete": {"ids": [], "includeFuture": false}}})", true},
      {"empty ids plus future",
       R"({"sources": {"create_delete": {"ids": [], "includeFuture": true}}})",
       R"({"sources": {"create_delete": {"ids": [], "includeFuture": true}}})", false},
      {"includeFuture false explicit",
       R"({"libraries": {"edit": {"ids": ["lib_1"], "includeFuture": false}}})",
       R"({"libraries": {"edit": {"ids": ["lib_1"], "includeFuture": false}}})", false},
      {"SPEC §1 example",
       R"({"sources": {"edit": true, "connect": true, "create_delete": true},
           "destinations": {"edit": {"ids": ["dst_1"], "includeFuture": false}, "connect": true},
           "transformations": {}, "tracking_plans": {"edit": true}})",
       R"({"sources": {"edit": true, "connect": true, "create_delete": true},
           "destinations": {"edit": {"ids": ["dst_1"], "includeFuture": false}, "connect": true},
           "tracking_plans": {"edit": true}})",
       false},
      {"every type and action",
       R"({"sources": {"edit": true, "connect": true, "create_delete": true},
           "destinations": {"edit": true, "connect": true, "create_delete": true},
           "transformations": {"edit": true, "connect": true, "create_delete": true},
           "libraries": {"edit": true, "connect": true, "create_delete": true},
           "tracking_plans": {"edit": true, "connect": true, "create_delete": true}})",
       R"({"sources": {"edit": true, "connect": true, "create_delete": true},
           "destinations": {"edit": true, "connect": true, "create_delete": true},
           "transformations": {"edit": true, "connect": true, "create_delete": true},
           "libraries": {"edit": true, "connect": true, "create_delete": true},
           "tracking_plans": {"edit": true, "connect": true, "create_delete": true}})",
       false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::vector<PolicyError> errors;
    std::optional<Policy> p = ParsePolicy(json::parse(c.doc), Exists, &errors);
    INFO("errors: " << Join(Paths(errors)));
    REQUIRE(p.has_value());
    CHECK(errors.empty());
    CHECK(p->seq_mark == 0);
    CHECK(p->Empty() == c.empty);
    CHECK(PolicyToJson(*p).dump() == Canon(c.canonical).dump());
  }
}

TEST_CASE("ParsePolicy rejects bad documents with the exact error paths") {
  struct Case {
    const char* name;
    const char* doc;
    std::vector<std::string> paths;  // compared as sorted lists
  };
  const Case cases[] = {
      {"array document", R"([])", {""}},
      {"string document", R"("sources")", {""}},
      {"null document", R"(null)", {""}},
      {"true document", R"(true)", {""}},
      {"unknown type", R"({"widgets": {}})", {"widgets"}},
      {"type key is case-sensitive", R"({"Sources": {"edit": true}})", {"Sources"}},
      {"type value true", R"({"sources": true})", {"sources"}},
      {"type value array", R"({"sources": []})", {"sources"}},
      {"type value null", R"({"sources": null})", {"sources"}},
      {"unknown permission", R"({"sources": {"delete": true}})", {"sources.delete"}},
      {"view is not grantable", R"({"sources": {"view": true}})", {"sources.view"}},
      {"grant is a number", R"({"sources": {"edit": 1}})", {"sources.edit"}},
      {"grant is a string", R"({"sources": {"edit": "true"}})", {"sources.edit"}},
      {"grant is null", R"({"sources": {"edit": null}})", {"sources.edit"}},
      {"grant is an array", R"({"sources": {"edit": ["src_1"]}})", {"sources.edit"}},
      {"ids missing", R"({"sources": {"edit": {}}})", {"sources.edit.ids"}},
      {"ids missing with includeFuture",
       R"({"sources": {"edit": {"includeFuture": true}}})",
       {"sources.edit.ids"}},
      {"ids not an array", R"({"sources": {"edit": {"ids": "src_1"}}})", {"sources.edit.ids"}},
      {"ids null", R"({"sources": {"edit": {"ids": null}}})", {"sources.edit.ids"}},
      {"id not a string",
       R"({"sources": {"edit": {"ids": ["src_1", 2]}}})",
       {"sources.edit.ids[1]"}},
      {"id is an object",
       R"({"sources": {"edit": {"ids": [{"id": "src_1"}]}}})",
       {"sources.edit.ids[0]"}},
      {"duplicate id",
       R"({"sources": {"edit": {"ids": ["src_1", "src_2", "src_1"]}}})",
       {"sources.edit.ids[2]"}},
      {"unknown id",
       R"({"sources": {"edit": {"ids": ["src_1", "src_404"]}}})",
       {"sources.edit.ids[1]"}},
      {"empty id", R"({"sources": {"edit": {"ids": [""]}}})", {"sources.edit.ids[0]"}},
      {"id of another type",
       R"({"sources": {"connect": {"ids": ["dst_1"]}}})",
       {"sources.connect.ids[0]"}},
      {"includeFuture not a boolean",
       R"({"sources": {"edit": {"ids": [], "includeFuture": "false"}}})",
       {"sources.edit.includeFuture"}},
      {"includeFuture null",
       R"({"sources": {"edit": {"ids": [], "includeFuture": null}}})",
       {"sources.edit.includeFuture"}},
      {"includeFuture number",
       R"({"sources": {"edit": {"ids": [], "includeFuture": 1}}})",
       {"sources.edit.includeFuture"}},
      {"unknown key in grant",
       R"({"sources": {"edit": {"ids": [], "idz": []}}})",
       {"sources.edit.idz"}},
      {"snake_case includeFuture",
       R"({"sources": {"edit": {"ids": [], "include_future": true}}})",
       {"sources.edit.include_future"}},
      {"errors after an unknown type are still reported",
       R"({"apps": {}, "sources": {"edit": 1}})",
       {"apps", "sources.edit"}},
      {"errors after a bad grant are still reported",
       R"({"sources": {"connect": [], "edit": {"ids": [1]}}})",
       {"sources.connect", "sources.edit.ids[0]"}},
      {"all errors collected",
       R"({"widgets": true,
           "sources": {"edit": {"ids": ["src_1", 7, "src_1", "nope"], "includeFuture": "x",
                                "extra": 1},
                       "delete": true,
                       "connect": true},
           "destinations": {"create_delete": {}},
           "libraries": 5,
           "tracking_plans": {"edit": "yes"}})",
       {"widgets", "sources.edit.ids[1]", "sources.edit.ids[2]", "sources.edit.ids[3]",
        "sources.edit.includeFuture", "sources.edit.extra", "sources.delete",
        "destinations.create_delete.ids", "libraries", "tracking_plans.edit"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::vector<PolicyError> errors;
    std::optional<Policy> p = ParsePolicy(json::parse(c.doc), Exists, &errors);
    CHECK_FALSE(p.has_value());
    std::vector<std::string> got = Paths(errors);
    std::vector<std::string> want = c.paths;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(Join(got) == Join(want));
    CHECK(got.size() == want.size());
    for (const PolicyError& e : errors) {
      CAPTURE(e.path);
      CHECK_FALSE(e.message.empty());
    }
  }
}

TEST_CASE("ParsePolicy error plumbing") {
  const json bad = json::parse(R"({"widgets": {}, "sources": {"edit": 3}})");

  SUBCASE("errors are appended, earlier entries kept") {
    std::vector<PolicyError> errors = {{"earlier", "kept"}};
    CHECK_FALSE(ParsePolicy(bad, Exists, &errors).has_value());
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].path == "earlier");
  }
  SUBCASE("a null error sink still rejects") {
    CHECK_FALSE(ParsePolicy(bad, Exists, nullptr).has_value());
    CHECK(ParsePolicy(json::object(), Exists, nullptr).has_value());
  }
  SUBCASE("exists is asked only about string, non-duplicate ids") {
    std::vector<std::pair<ResourceType, std::string>> asked;
    ResourceExists spy = [&](ResourceType t, const std::string& id) {
      asked.emplace_back(t, id);
      return true;
    };
    const json doc =
        json::parse(R"({"tracking_plans": {"edit": {"ids": ["tp_1", 3, "tp_1", "tp_2"]}}})");
    CHECK_FALSE(ParsePolicy(doc, spy, nullptr).has_value());
    REQUIRE(asked.size() == 2);
    CHECK(asked[0].first == ResourceType::kTrackingPlans);
    CHECK(asked[0].second == "tp_1");
    CHECK(asked[1].second == "tp_2");
  }
  SUBCASE("an empty exists callback skips the existence check only") {
    const json unknown = json::parse(R"({"sources": {"edit": {"ids": ["src_404"]}}})");
    CHECK_FALSE(ParsePolicy(unknown, Exists, nullptr).has_value());
    CHECK(ParsePolicy(unknown, ResourceExists(), nullptr).has_value());
    const json dup = json::parse(R"({"sources": {"edit": {"ids": ["a", "a"]}}})");
    CHECK_FALSE(ParsePolicy(dup, ResourceExists(), nullptr).has_value());
  }
}

TEST_CASE("PolicyToJson is canonical and always lists every type") {
  Policy p;
  p.Mutable(ResourceType::kDestinations, Action::kEdit) =
      Grant{false, {"dst_2", "dst_1", "dst_2"}, true};
  const json doc = PolicyToJson(p);
  for (ResourceType t : kAllTypes) {
    CAPTURE(ResourceTypeKey(t));
    REQUIRE(doc.contains(ResourceTypeKey(t)));
    CHECK(doc[ResourceTypeKey(t)].is_object());
  }
  // Sorted and de-duplicated, so the rendered document passes ParsePolicy.
  CHECK(doc["destinations"]["edit"].dump() == R"({"ids":["dst_1","dst_2"],"includeFuture":true})");
  CHECK(doc["sources"].dump() == "{}");
  CHECK(ParsePolicy(doc, Exists, nullptr).has_value());
}

TEST_CASE("RemoveResourceId") {
  struct Case {
    const char* name;
    const char* before;
    ResourceType type;
    const char* id;
    bool removed;
    const char* after;  // partial canonical document
  };
  const Case cases[] = {
      {"from every grant of the type",
       R"({"sources": {"edit": {"ids": ["src_1", "src_2"]}, "connect": {"ids": ["src_1"]},
                       "create_delete": true}})",
       ResourceType::kSources, "src_1", true,
       R"({"sources": {"edit": {"ids": ["src_2"], "includeFuture": false},
                       "connect": {"ids": [], "includeFuture": false}, "create_delete": true}})"},
      {"includeFuture survives an emptied list",
       R"({"sources": {"edit": {"ids": ["src_1"], "includeFuture": true}}})",
       ResourceType::kSources, "src_1", true,
       R"({"sources": {"edit": {"ids": [], "includeFuture": true}}})"},
      {"other types untouched",
       R"({"sources": {"edit": {"ids": ["src_1"]}}, "destinations": {"edit": {"ids": ["dst_1"]}}})",
       ResourceType::kDestinations, "src_1", false,
       R"({"sources": {"edit": {"ids": ["src_1"], "includeFuture": false}},
           "destinations": {"edit": {"ids": ["dst_1"], "includeFuture": false}}})"},
      {"id not listed", R"({"sources": {"edit": {"ids": ["src_2"]}}})", ResourceType::kSources,
       "src_1", false, R"({"sources": {"edit": {"ids": ["src_2"], "includeFuture": false}}})"},
      {"true grant stays true", R"({"sources": {"edit": true}})", ResourceType::kSources, "src_1",
       false, R"({"sources": {"edit": true}})"},
      {"empty policy", R"({})", ResourceType::kSources, "src_1", false, R"({})"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Policy p = MustParse(c.before, 7);
    CHECK(RemoveResourceId(&p, c.type, c.id) == c.removed);
    CHECK(p.seq_mark == 7);
    CHECK(PolicyToJson(p).dump() == Canon(c.after).dump());
  }
}

TEST_CASE("RemoveResourceId removes repeated occurrences in hand-built grants") {
  Policy p;
  p.Mutable(ResourceType::kSources, Action::kEdit) =
      Grant{false, {"src_1", "src_2", "src_1"}, false};
  CHECK(RemoveResourceId(&p, ResourceType::kSources, "src_1"));
  CHECK(p.Get(ResourceType::kSources, Action::kEdit)->ids == std::vector<std::string>{"src_2"});
  CHECK_FALSE(RemoveResourceId(&p, ResourceType::kSources, "src_1"));
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

TEST_CASE("GrantCovers / GrantCoversFuture / GrantsNothing") {
  struct Case {
    const char* name;
    Grant grant;
    int64_t seq;
    const char* id;
    bool covers;  // with seq_mark 10
    bool future;
    bool nothing;
  };
  const Case cases[] = {
      {"all, old", {true, {}, false}, 1, "src_1", true, true, false},
      {"all, new", {true, {}, false}, 99, "src_1", true, true, false},
      {"listed", {false, {"src_1"}, false}, 1, "src_1", true, false, false},
      {"not listed", {false, {"src_2"}, false}, 1, "src_1", false, false, false},
      {"not listed, new, no future", {false, {"src_2"}, false}, 11, "src_1", false, false, false},
      {"future, older", {false, {}, true}, 9, "src_1", false, true, false},
      {"future, at the mark", {false, {}, true}, 10, "src_1", false, true, false},
      {"future, newer", {false, {}, true}, 11, "src_1", true, true, false},
      {"future and listed, older", {false, {"src_1"}, true}, 3, "src_1", true, true, false},
      {"empty", {false, {}, false}, 11, "src_1", false, false, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(GrantCovers(c.grant, 10, ResourceRef{ResourceType::kSources, c.id, c.seq}) == c.covers);
    CHECK(GrantCoversFuture(c.grant) == c.future);
    CHECK(GrantsNothing(c.grant) == c.nothing);
  }
}

// The credential kinds of SPEC §2/§3, expressed as the Permissions value the
// service layer builds. `grant` is the policy carrying the grant under test;
// the other policies hold unrelated grants (other types) with other marks, so
// a leak between types or between policies' marks would show.
enum class Outcome { kAllowAll, kDenyAll, kPolicies };

struct Credential {
  const char* name;
  Outcome outcome;
  Permissions (*build)(const Policy& grant);
};

Policy Filler(const char* doc, int64_t mark) { return MustParse(doc, mark); }

Policy BaselineFiller() {
  return Filler(
      R"({"destinations": {"edit": true, "connect": {"ids": ["dst_1"], "includeFuture": true}}})",
      3);
}
Policy GroupFiller() {
  return Filler(R"({"libraries": {"create_delete": true},
                    "tracking_plans": {"edit": {"ids": [], "includeFuture": true}}})",
                50);
}
Policy MemberFiller() {
  return Filler(R"({"transformations": {"edit": true, "connect": true}})", 0);
}

const Credential kCredentials[] = {
    {"admin session", Outcome::kAllowAll,
     [](const Policy&) {
       Permissions p;
       p.everything = true;
       return p;
     }},
    {"read_only PAT of a member", Outcome::kDenyAll,
     [](const Policy& g) {
       Permissions p;
       p.view_only = true;
       p.policies = {{"baseline", g}, {"group:grp_1", GroupFiller()}, {"member", g}};
       return p;
     }},
    {"read_only PAT of an admin", Outcome::kDenyAll,
     [](const Policy& g) {
       Permissions p;
       p.everything = true;
       p.view_only = true;
       p.policies = {{"baseline", g}};
       return p;
     }},
    {"member, grant in baseline", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", g}, {"group:grp_1", GroupFiller()}, {"member", MemberFiller()}};
       return p;
     }},
    {"member, grant in a group", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", BaselineFiller()},
                     {"group:grp_1", GroupFiller()},
                     {"group:grp_2", g},
                     {"member", MemberFiller()}};
       return p;
     }},
    {"member, grant in member policy", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", BaselineFiller()}, {"group:grp_1", GroupFiller()}, {"member", g}};
       return p;
     }},
    {"read_write PAT (member's permissions)", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", BaselineFiller()}, {"member", g}};
       return p;
     }},
    {"workspace SAT, grant in baseline", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", g}, {"token", MemberFiller()}};
       return p;
     }},
    {"workspace SAT, grant in token policy", Outcome::kPolicies,
     [](const Policy& g) {
       Permissions p;
       p.policies = {{"baseline", BaselineFiller()}, {"token", g}};
       return p;
     }},
};

TEST_CASE("decisions: action × grant shape × credential") {
  // Every grant under test is on `sources` in a policy saved at seq_mark 10.
  constexpr int64_t kMark = 10;
  struct Shape {
    const char* name;
    const char* grant;  // JSON value of the permission, or nullptr for absent
    const char* id;     // the resource checked
    int64_t seq;
    bool covers;  // the grant covers the resource
    bool future;  // the grant covers resources created later
  };
  const Shape shapes[] = {
      {"absent", nullptr, "src_1", 5, false, false},
      {"absent, new resource", nullptr, "src_9", 11, false, false},
      {"true", "true", "src_2", 5, true, true},
      {"true, new resource", "true", "src_9", 11, true, true},
      {"ids containing r", R"({"ids": ["src_1", "src_3"]})", "src_1", 5, true, false},
      {"ids not containing r", R"({"ids": ["src_1", "src_3"]})", "src_2", 5, false, false},
      {"ids not containing a new r", R"({"ids": ["src_1"], "includeFuture": false})", "src_9", 11,
       false, false},
      {"empty ids", R"({"ids": []})", "src_1", 5, false, false},
      {"includeFuture, r older", R"({"ids": ["src_1"], "includeFuture": true})", "src_2", 5, false,
       true},
      {"includeFuture, r at the mark", R"({"ids": ["src_1"], "includeFuture": true})", "src_3",
       kMark, false, true},
      {"includeFuture, r newer", R"({"ids": ["src_1"], "includeFuture": true})", "src_9", 11, true,
       true},
      {"includeFuture with r listed and older", R"({"ids": ["src_2"], "includeFuture": true})",
       "src_2", 5, true, true},
  };

  for (Action action : kGrantActions) {
    for (const Shape& s : shapes) {
      std::string doc = "{}";
      if (s.grant != nullptr) {
        doc = std::string(R"({"sources": {")") + ActionKey(action) + R"(": )" + s.grant + "}}";
      }
      const Policy grant_policy = MustParse(doc, kMark);
      const ResourceRef r{ResourceType::kSources, s.id, s.seq};

      for (const Credential& cred : kCredentials) {
        INFO("action=" << ActionKey(action) << " shape=" << s.name << " credential=" << cred.name);
        Permissions p = cred.build(grant_policy);
        const bool admin = cred.outcome == Outcome::kAllowAll;
        const bool policies = cred.outcome == Outcome::kPolicies;

        // view: implicit for everyone who reaches the workspace.
        CHECK(CanView(p));

        switch (action) {
          case Action::kEdit:
            CHECK(CanEdit(p, r) == (admin || (policies && s.covers)));
            // edit alone neither deletes, creates, nor connects.
            CHECK(CanDelete(p, r) == admin);
            CHECK(CanCreate(p, ResourceType::kSources) == admin);
            CHECK(CanConnectEnd(p, r) == admin);
            break;
          case Action::kConnect: {
            // connect alone is not enough (SPEC §1: edit and connect).
            CHECK(CanConnectEnd(p, r) == admin);
            CHECK(CanEdit(p, r) == admin);
            // Edit from a separate policy (different source, mark 0) completes it.
            Permissions with_edit = p;
            with_edit.policies.push_back(
                {"group:grp_edit", MustParse(R"({"sources": {"edit": true}})", 0)});
            CHECK(CanConnectEnd(with_edit, r) == (admin || (policies && s.covers)));
            CHECK(CanEdit(with_edit, r) == (admin || policies));
            CHECK(CanDelete(with_edit, r) == admin);
            break;
          }
          case Action::kCreateDelete:
            CHECK(CanDelete(p, r) == (admin || (policies && s.covers)));
            CHECK(CanCreate(p, ResourceType::kSources) == (admin || (policies && s.future)));
            CHECK(CanEdit(p, r) == admin);
            CHECK(CanConnectEnd(p, r) == admin);
            break;
          case Action::kView:
            break;
        }
        // Grants on sources never reach a resource of another type with the same id.
        const ResourceRef other_type{ResourceType::kLibraries, s.id, s.seq};
        CHECK(CanEdit(p, other_type) == admin);
        CHECK(CanConnectEnd(p, other_type) == admin);
      }
    }
  }
}

TEST_CASE("each grant is judged against its own policy's seq_mark") {
  // Baseline saved at 20 with includeFuture; member policy saved at 5 with
  // includeFuture. A resource at seq 10 is new only for the member policy.
  const ResourceRef r10{ResourceType::kSources, "src_1", 10};
  const ResourceRef r25{ResourceType::kSources, "src_1", 25};
  struct Case {
    const char* name;
    int64_t baseline_mark;
    int64_t member_mark;
    const char* baseline_action;
    const char* member_action;
    const ResourceRef* r;
    bool edit;
  };
  const Case cases[] = {
      {"edit only from old-mark member policy", 20, 5, "connect", "edit", &r10, true},
      {"edit only from new-mark baseline", 20, 5, "edit", "connect", &r10, false},
      {"edit from baseline, r newer than both", 20, 5, "edit", "connect", &r25, true},
      {"both marks above r", 20, 15, "edit", "edit", &r10, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto doc = [](const char* action) {
      return std::string(R"({"sources": {")") + action +
             R"(": {"ids": [], "includeFuture": true}}})";
    };
    Permissions p;
    p.policies = {{"baseline", MustParse(doc(c.baseline_action), c.baseline_mark)},
                  {"member", MustParse(doc(c.member_action), c.member_mark)}};
    CHECK(CanEdit(p, *c.r) == c.edit);
  }
}

TEST_CASE("connections need edit and connect on both ends") {
  struct Source {
    const char* name;
    const char* doc;
    int64_t mark;
  };
  struct Case {
    const char* name;
    std::vector<Source> policies;
    bool everything;
    bool view_only;
    ResourceRef from;
    ResourceRef to;
    bool allowed;
  };
  const ResourceRef src1{ResourceType::kSources, "src_1", 1};
  const ResourceRef src2{ResourceType::kSources, "src_2", 2};
  const ResourceRef dst1{ResourceType::kDestinations, "dst_1", 3};
  const ResourceRef dst_new{ResourceType::kDestinations, "dst_2", 30};
  const ResourceRef trf1{ResourceType::kTransformations, "trf_1", 4};
  const ResourceRef tp1{ResourceType::kTrackingPlans, "tp_1", 5};
  const char* kEverythingDoc =
      R"({"sources": {"edit": true, "connect": true},
          "destinations": {"edit": true, "connect": true},
          "transformations": {"edit": true, "connect": true},
          "tracking_plans": {"edit": true, "connect": true}})";

  const Case cases[] = {
      {"one policy grants all four",
       {{"member", kEverythingDoc, 10}},
       false,
       false,
       src1,
       dst1,
       true},
      {"edit from baseline, connect from group",
       {{"baseline", R"({"sources": {"edit": true}, "destinations": {"edit": true}})", 10},
        {"group:grp_1", R"({"sources": {"connect": true}, "destinations": {"connect": true}})",
         10}},
       false,
       false,
       src1,
       dst1,
       true},
      {"source end from baseline, destination end from token",
       {{"baseline", R"({"sources": {"edit": true, "connect": true}})", 10},
        {"token", R"({"destinations": {"edit": true, "connect": true}})", 10}},
       false,
       false,
       src1,
       dst1,
       true},
      {"destination lacks connect",
       {{"baseline",
         R"({"sources": {"edit": true, "connect": true}, "destinations": {"edit": true}})", 10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"destination lacks edit",
       {{"baseline", R"({"sources": {"edit": true, "connect": true}})", 10},
        {"member", R"({"destinations": {"connect": true}})", 10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"source lacks connect",
       {{"baseline",
         R"({"sources": {"edit": true}, "destinations": {"edit": true, "connect": true}})", 10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"connect on the source lists another id",
       {{"member", R"({"sources": {"edit": true, "connect": {"ids": ["src_2"]}},
                       "destinations": {"edit": true, "connect": true}})",
         10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"connect on the source lists it",
       {{"member", R"({"sources": {"edit": true, "connect": {"ids": ["src_2"]}},
                       "destinations": {"edit": true, "connect": true}})",
         10}},
       false,
       false,
       src2,
       dst1,
       true},
      {"edit by id, connect by includeFuture on a new destination",
       {{"baseline", R"({"sources": {"edit": true, "connect": true},
                         "destinations": {"edit": {"ids": ["dst_2"]}}})",
         10},
        {"group:grp_1", R"({"destinations": {"connect": {"ids": [], "includeFuture": true}}})",
         10}},
       false,
       false,
       src1,
       dst_new,
       true},
      {"includeFuture does not reach an old destination",
       {{"baseline", R"({"sources": {"edit": true, "connect": true},
                         "destinations": {"edit": {"ids": [], "includeFuture": true},
                                          "connect": true}})",
         10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"transformation to destination",
       {{"member", kEverythingDoc, 10}},
       false,
       false,
       trf1,
       dst1,
       true},
      {"source to tracking plan, plan lacks connect",
       {{"member",
         R"({"sources": {"edit": true, "connect": true}, "tracking_plans": {"edit": true}})", 10}},
       false,
       false,
       src1,
       tp1,
       false},
      {"create_delete does not imply connect",
       {{"member", R"({"sources": {"create_delete": true, "edit": true},
                       "destinations": {"create_delete": true, "edit": true}})",
         10}},
       false,
       false,
       src1,
       dst1,
       false},
      {"admin", {}, true, false, src1, dst1, true},
      {"read_only PAT with every grant",
       {{"member", kEverythingDoc, 10}},
       false,
       true,
       src1,
       dst1,
       false},
      {"admin read_only PAT", {}, true, true, src1, dst1, false},
      {"no policies", {}, false, false, src1, dst1, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Permissions p;
    p.everything = c.everything;
    p.view_only = c.view_only;
    for (const Source& s : c.policies) p.policies.push_back({s.name, MustParse(s.doc, s.mark)});
    CHECK(CanConnect(p, c.from, c.to) == c.allowed);
    // Symmetric: the rule is about both ends, not the direction.
    CHECK(CanConnect(p, c.to, c.from) == c.allowed);
    CHECK(CanConnect(p, c.from, c.to) == (CanConnectEnd(p, c.from) && CanConnectEnd(p, c.to)));
  }
}

TEST_CASE("ExplainPermissions") {
  struct Source {
    const char* name;
    const char* doc;
  };
  struct Case {
    const char* name;
    std::vector<Source> policies;
    bool everything;
    bool view_only;
    const char* permissions;  // partial canonical document
    const char* sources;      // partial; missing type keys are {}
  };
  const char* kAllTrue =
      R"({"sources": {"edit": true, "connect": true, "create_delete": true},
          "destinations": {"edit": true, "connect": true, "create_delete": true},
          "transformations": {"edit": true, "connect": true, "create_delete": true},
          "libraries": {"edit": true, "connect": true, "create_delete": true},
          "tracking_plans": {"edit": true, "connect": true, "create_delete": true}})";
  const Case cases[] = {
      {"nothing", {}, false, false, "{}", "{}"},
      {"ids merged and sorted, sources in policy order",
       {{"baseline", R"({"sources": {"edit": {"ids": ["src_3", "src_1"]}}})"},
        {"group:grp_b",
         R"({"sources": {"edit": {"ids": ["src_2", "src_1"], "includeFuture": true}}})"},
        {"member", R"({"destinations": {"connect": true}})"}},
       false,
       false,
       R"({"sources": {"edit": {"ids": ["src_1", "src_2", "src_3"], "includeFuture": true}},
           "destinations": {"connect": true}})",
       R"({"sources": {"edit": ["baseline", "group:grp_b"]},
           "destinations": {"connect": ["member"]}})"},
      {"true absorbs ids",
       {{"group:grp_z", R"({"sources": {"edit": {"ids": ["src_1"]}}})"},
        {"group:grp_a", R"({"sources": {"edit": true}})"}},
       false,
       false,
       R"({"sources": {"edit": true}})",
       R"({"sources": {"edit": ["group:grp_z", "group:grp_a"]}})"},
      {"grants of nothing are left out",
       {{"baseline", R"({"sources": {"edit": {"ids": []}}})"},
        {"member", R"({"sources": {"connect": {"ids": ["src_1"]}}})"}},
       false,
       false,
       R"({"sources": {"connect": {"ids": ["src_1"], "includeFuture": false}}})",
       R"({"sources": {"connect": ["member"]}})"},
      {"a source named twice is listed once",
       {{"group:grp_1", R"({"libraries": {"edit": {"ids": ["lib_1"]}}})"},
        {"group:grp_1", R"({"libraries": {"edit": true}})"}},
       false,
       false,
       R"({"libraries": {"edit": true}})",
       R"({"libraries": {"edit": ["group:grp_1"]}})"},
      {"everything", {}, true, false, kAllTrue, "{}"},
      {"view only hides the policies",
       {{"member", R"({"sources": {"edit": true}})"}},
       false,
       true,
       "{}",
       "{}"},
      {"view only wins over everything", {}, true, true, "{}", "{}"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Permissions p;
    p.everything = c.everything;
    p.view_only = c.view_only;
    for (const Source& s : c.policies) p.policies.push_back({s.name, MustParse(s.doc)});
    const json got = ExplainPermissions(p);
    CHECK(got["permissions"].dump() == Canon(c.permissions).dump());
    CHECK(got["sources"].dump() == Canon(c.sources).dump());
    CHECK(got["everything"].dump() == (c.everything && !c.view_only ? "true" : "false"));
    CHECK(got["viewOnly"].dump() == (c.view_only ? "true" : "false"));
    // The explanation's document is itself a valid policy document.
    CHECK(ParsePolicy(got["permissions"], Exists, nullptr).has_value());
    // Deterministic: the same input explains the same way.
    CHECK(ExplainPermissions(p).dump() == got.dump());
  }
}

// ---------------------------------------------------------------------------
// Randomized properties (fixed seed)
// ---------------------------------------------------------------------------

// A small universe so that random grants often hit the checked resources.
// Resource i of every type has seq kSeqs[i]; marks range over [0, 14] so
// that every resource is sometimes older and sometimes newer than a mark.
constexpr int kPerType = 5;
constexpr int64_t kSeqs[kPerType] = {2, 5, 8, 11, 13};
constexpr int64_t kMaxMark = 14;

std::string UniverseId(ResourceType t, int i) {
  // The full type key as prefix keeps ids distinct across types.
  return std::string(ResourceTypeKey(t)) + "_" + std::to_string(i);
}

bool UniverseExists(ResourceType t, const std::string& id) {
  for (int i = 0; i < kPerType; ++i) {
    if (UniverseId(t, i) == id) return true;
  }
  return false;
}

std::vector<ResourceRef> Universe() {
  std::vector<ResourceRef> out;
  for (ResourceType t : kAllTypes) {
    for (int i = 0; i < kPerType; ++i) out.push_back({t, UniverseId(t, i), kSeqs[i]});
  }
  return out;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  std::mt19937& rng() { return rng_; }

  Grant RandomGrant(ResourceType t) {
    Grant g;
    if (Chance(20)) {
      g.all = true;
      return g;
    }
    for (int i = 0; i < kPerType; ++i) {
      if (Chance(35)) g.ids.push_back(UniverseId(t, i));
    }
    std::shuffle(g.ids.begin(), g.ids.end(), rng_);
    g.include_future = Chance(35);
    return g;
  }

  Policy RandomPolicy() {
    Policy p;
    p.seq_mark = Int(0, kMaxMark);
    for (ResourceType t : kAllTypes) {
      for (Action a : kGrantActions) {
        if (Chance(45)) p.Mutable(t, a) = RandomGrant(t);
      }
    }
    return p;
  }

  Permissions RandomPermissions() {
    Permissions p;
    const int n = Int(0, 4);
    for (int i = 0; i < n; ++i) p.policies.push_back({"p" + std::to_string(i), RandomPolicy()});
    return p;
  }

  // Makes one policy grant more: a new grant, or an existing one widened.
  void WidenOnce(Policy* p) {
    const ResourceType t = kAllTypes[Int(0, kResourceTypeCount - 1)];
    const Action a = kGrantActions[Int(0, kGrantActionCount - 1)];
    std::optional<Grant>& g = p->Mutable(t, a);
    if (!g) {
      g = RandomGrant(t);
      return;
    }
    switch (Int(0, 2)) {
      case 0:
        g->all = true;
        break;
      case 1:
        g->include_future = true;
        break;
      default: {
        const std::string id = UniverseId(t, Int(0, kPerType - 1));
        if (std::find(g->ids.begin(), g->ids.end(), id) == g->ids.end()) g->ids.push_back(id);
      }
    }
  }

 private:
  std::mt19937 rng_;
};

// Every decision the evaluator can make over the universe, as one bit vector.
std::vector<bool> Decisions(const Permissions& p) {
  static const std::vector<ResourceRef> universe = Universe();
  std::vector<bool> d;
  d.push_back(CanView(p));
  for (ResourceType t : kAllTypes) d.push_back(CanCreate(p, t));
  for (const ResourceRef& r : universe) {
    d.push_back(CanEdit(p, r));
    d.push_back(CanDelete(p, r));
    d.push_back(CanConnectEnd(p, r));
  }
  // Connections between every source and every destination.
  for (int i = 0; i < kPerType; ++i) {
    for (int j = 0; j < kPerType; ++j) {
      d.push_back(CanConnect(p, universe[i], universe[kPerType + j]));
    }
  }
  return d;
}

// a ⊆ b: everything allowed under a is allowed under b.
bool Subset(const std::vector<bool>& a, const std::vector<bool>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] && !b[i]) return false;
  }
  return true;
}

int CountAllowed(const std::vector<bool>& d) {
  return static_cast<int>(std::count(d.begin(), d.end(), true));
}

constexpr int kIterations = 3000;

TEST_CASE("property: union laws") {
  Gen gen(20240611u);
  int grew_by_policy = 0;  // how often a law was exercised non-trivially
  int grew_by_grant = 0;
  for (int iter = 0; iter < kIterations; ++iter) {
    CAPTURE(iter);
    const Permissions base = gen.RandomPermissions();
    const std::vector<bool> d = Decisions(base);

    // Adding a policy (anywhere in the list) never removes a decision.
    {
      Permissions more = base;
      const auto pos = more.policies.begin() + gen.Int(0, static_cast<int>(more.policies.size()));
      more.policies.insert(pos, {"extra", gen.RandomPolicy()});
      const std::vector<bool> d_more = Decisions(more);
      CHECK(Subset(d, d_more));
      if (CountAllowed(d_more) > CountAllowed(d)) ++grew_by_policy;
    }
    // Adding a grant to one policy never removes a decision.
    if (!base.policies.empty()) {
      Permissions wider = base;
      const int i = gen.Int(0, static_cast<int>(wider.policies.size()) - 1);
      gen.WidenOnce(&wider.policies[i].policy);
      const std::vector<bool> d_wider = Decisions(wider);
      CHECK(Subset(d, d_wider));
      if (CountAllowed(d_wider) > CountAllowed(d)) ++grew_by_grant;
    }
    // The union allows at least what each part allows alone.
    for (const SourcedPolicy& sp : base.policies) {
      Permissions single;
      single.policies = {sp};
      CHECK(Subset(Decisions(single), d));
    }
    // Order of policies does not matter.
    {
      Permissions shuffled = base;
      std::shuffle(shuffled.policies.begin(), shuffled.policies.end(), gen.rng());
      CHECK(Decisions(shuffled) == d);
    }
    // The modes override the policies, whatever they are.
    {
      Permissions admin = base;
      admin.everything = true;
      const std::vector<bool> d_admin = Decisions(admin);
      CHECK(CountAllowed(d_admin) == static_cast<int>(d_admin.size()));
      Permissions read_only = base;
      read_only.view_only = true;
      CHECK(CountAllowed(Decisions(read_only)) == 1);  // view only
      read_only.everything = true;
      CHECK(CountAllowed(Decisions(read_only)) == 1);
    }
  }
  // Guard against a generator that never exercises the laws.
  CHECK(grew_by_policy > kIterations / 4);
  CHECK(grew_by_grant > kIterations / 10);
}

TEST_CASE("property: PolicyToJson → ParsePolicy preserves every decision") {
  Gen gen(7u);
  for (int iter = 0; iter < kIterations; ++iter) {
    CAPTURE(iter);
    const Permissions base = gen.RandomPermissions();
    Permissions reparsed = base;
    for (SourcedPolicy& sp : reparsed.policies) {
      const json doc = PolicyToJson(sp.policy);
      std::vector<PolicyError> errors;
      std::optional<Policy> back = ParsePolicy(doc, UniverseExists, &errors);
      INFO("document: " << doc.dump() << " errors: " << Join(Paths(errors)));
      REQUIRE(back.has_value());
      CHECK(back->seq_mark == 0);
      back->seq_mark = sp.policy.seq_mark;  // the caller restores the mark
      CHECK(back->Empty() == sp.policy.Empty());
      // Canonical: rendering again gives the same document.
      CHECK(PolicyToJson(*back).dump() == doc.dump());
      Permissions single_before, single_after;
      single_before.policies = {sp};
      single_after.policies = {{sp.source, *back}};
      CHECK(Decisions(single_after) == Decisions(single_before));
      sp.policy = *back;
    }
    CHECK(Decisions(reparsed) == Decisions(base));
  }
}

TEST_CASE("property: RemoveResourceId only narrows, and only for that resource") {
  Gen gen(99u);
  const std::vector<ResourceRef> universe = Universe();
  for (int iter = 0; iter < kIterations; ++iter) {
    CAPTURE(iter);
    Permissions base = gen.RandomPermissions();
    if (base.policies.empty()) continue;
    const ResourceRef& gone = universe[gen.Int(0, static_cast<int>(universe.size()) - 1)];
    Permissions after = base;
    for (SourcedPolicy& sp : after.policies) RemoveResourceId(&sp.policy, gone.type, gone.id);
    CHECK(Subset(Decisions(after), Decisions(base)));
    for (const ResourceRef& r : universe) {
      if (r.type == gone.type && r.id == gone.id) {
        // Still covered only through `true` or includeFuture.
        continue;
      }
      CAPTURE(r.id);
      CHECK(CanEdit(after, r) == CanEdit(base, r));
      CHECK(CanDelete(after, r) == CanDelete(base, r));
      CHECK(CanConnectEnd(after, r) == CanConnectEnd(base, r));
    }
    for (ResourceType t : kAllTypes) CHECK(CanCreate(after, t) == CanCreate(base, t));
    for (const SourcedPolicy& sp : after.policies) {
      const json doc = PolicyToJson(sp.policy);
      CHECK(doc.dump().find('"' + gone.id + '"') == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace accessd::auth
