// legacy_test.cc — the legacy rules (auth/legacy.h) against their mapping to
// a policy (SPEC §7): for every role, allow-list and resource, the mapped
// policy must decide every action exactly as the legacy rules do, for the
// resources that exist when it is made and for those created later.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "auth/legacy.h"
#include "auth/policy.h"

using namespace accessd::auth;

namespace {

constexpr ResourceType kAllTypes[] = {ResourceType::kSources, ResourceType::kDestinations,
                                      ResourceType::kTransformations, ResourceType::kLibraries,
                                      ResourceType::kTrackingPlans};

// Every decision of `legacy` and `policy` over `resources` and a resource of
// each type created after the mapping; returns how many decisions differed.
int Differences(const LegacyAccess& legacy, const Permissions& policy,
                const std::vector<ResourceRef>& resources, int64_t next_seq) {
  int diffs = 0;
  std::vector<ResourceRef> all = resources;
  for (ResourceType t : kAllTypes) all.push_back({t, "later_" + std::to_string(next_seq), next_seq++});
  for (const ResourceRef& r : all) {
    diffs += LegacyCanEdit(legacy, r) != CanEdit(policy, r);
    diffs += LegacyCanDelete(legacy, r) != CanDelete(policy, r);
    diffs += LegacyCanConnectEnd(legacy, r) != CanConnectEnd(policy, r);
  }
  for (ResourceType t : kAllTypes) diffs += LegacyCanCreate(legacy, t) != CanCreate(policy, t);
  return diffs;
}

Permissions Mapped(const LegacyAccess& a, const std::vector<ResourceRef>& resources,
                   int64_t mark) {
  Permissions p;
  p.policies.push_back({"member", LegacyToPolicy(a, resources, mark)});
  return p;
}

}  // namespace

TEST_CASE("legacy rules: the roles of SPEC §7, decided directly") {
  const ResourceRef src{ResourceType::kSources, "src_1", 1};
  const ResourceRef dst{ResourceType::kDestinations, "dst_1", 2};
  const ResourceRef tra{ResourceType::kTransformations, "tra_1", 3};
  const ResourceRef lib{ResourceType::kLibraries, "lib_1", 4};
  const ResourceRef plan{ResourceType::kTrackingPlans, "tp_1", 5};

  LegacyAccess viewer;  // connections_viewer, no transformations_edit
  for (const ResourceRef& r : {src, dst, tra, lib, plan}) {
    CHECK_FALSE(LegacyCanEdit(viewer, r));
    CHECK_FALSE(LegacyCanDelete(viewer, r));
    CHECK_FALSE(LegacyCanConnectEnd(viewer, r));
  }

  LegacyAccess editor;
  editor.role.connections = ConnectionsRole::kEditor;
  CHECK(LegacyCanEdit(editor, src));
  CHECK(LegacyCanConnectEnd(editor, dst));
  CHECK_FALSE(LegacyCanCreate(editor, ResourceType::kSources));
  CHECK_FALSE(LegacyCanDelete(editor, src));
  CHECK_FALSE(LegacyCanEdit(editor, tra));

  LegacyAccess admin;
  admin.role.connections = ConnectionsRole::kAdmin;
  CHECK(LegacyCanCreate(admin, ResourceType::kTrackingPlans));
  CHECK(LegacyCanDelete(admin, plan));
  CHECK_FALSE(LegacyCanCreate(admin, ResourceType::kTransformations));

  // transformations_edit alone: transformations and libraries, but a
  // transformation can be connected only with a role that allows connecting.
  LegacyAccess trans;
  trans.role.transformations_edit = true;
  CHECK(LegacyCanEdit(trans, tra));
  CHECK(LegacyCanCreate(trans, ResourceType::kLibraries));
  CHECK(LegacyCanDelete(trans, lib));
  CHECK_FALSE(LegacyCanConnectEnd(trans, tra));
  trans.role.connections = ConnectionsRole::kEditor;
  CHECK(LegacyCanConnectEnd(trans, tra));
  CHECK_FALSE(LegacyCanConnectEnd(trans, lib));  // libraries are never connected

  // An allow-list that leaves the principal out narrows edit, connect and
  // delete of that one resource, never creation or the others.
  admin.excluded = {"src_1"};
  CHECK_FALSE(LegacyCanEdit(admin, src));
  CHECK_FALSE(LegacyCanConnectEnd(admin, src));
  CHECK_FALSE(LegacyCanDelete(admin, src));
  CHECK(LegacyCanCreate(admin, ResourceType::kSources));
  CHECK(LegacyCanEdit(admin, dst));
}

TEST_CASE("legacy mapping: the policy decides exactly as the legacy rules, always") {
  std::mt19937 rng(20261128);
  int checked = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<ResourceRef> resources;
    const int n = static_cast<int>(rng() % 12);
    int64_t seq = 0;
    for (int i = 0; i < n; ++i) {
      const ResourceType t = kAllTypes[rng() % 5];
      resources.push_back({t, "r" + std::to_string(i), ++seq});
    }
    LegacyAccess a;
    a.role.connections = static_cast<ConnectionsRole>(rng() % 3);
    a.role.transformations_edit = rng() % 2 == 0;
    for (const ResourceRef& r : resources) {
      if (rng() % 3 == 0) a.excluded.insert(r.id);  // types without allow-lists ignore it
    }
    const Permissions mapped = Mapped(a, resources, seq);
    REQUIRE_MESSAGE(Differences(a, mapped, resources, seq + 1) == 0,
                    "role " << ConnectionsRoleName(a.role.connections) << " te "
                            << a.role.transformations_edit << " round " << round);
    // The mapped document survives its own canonical form (what is stored).
    std::vector<PolicyError> errors;
    auto reparsed = ParsePolicy(PolicyToJson(mapped.policies[0].policy), nullptr, &errors);
    REQUIRE(reparsed);
    reparsed->seq_mark = seq;
    Permissions stored;
    stored.policies.push_back({"member", *reparsed});
    REQUIRE(Differences(a, stored, resources, seq + 1) == 0);
    ++checked;
  }
  CHECK(checked == 3000);
}

TEST_CASE("legacy mapping: a wrong mapping is caught (the check can fail)") {
  LegacyAccess a;
  a.role.connections = ConnectionsRole::kEditor;
  a.excluded = {"src_1"};
  const std::vector<ResourceRef> resources = {{ResourceType::kSources, "src_1", 1},
                                              {ResourceType::kSources, "src_2", 2}};
  // Ignoring the allow-list (what a careless mapping would do) differs.
  LegacyAccess unnarrowed = a;
  unnarrowed.excluded.clear();
  CHECK(Differences(a, Mapped(unnarrowed, resources, 2), resources, 3) > 0);
  CHECK(Differences(a, Mapped(a, resources, 2), resources, 3) == 0);
}
