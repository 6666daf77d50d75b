// migration_service.cc — staging, showing, resetting and deploying the move
// of a legacy organization to access policies (SPEC §7).
//
// The staging area is one row of migration_staging whose `plan` is this
// file's JSON:
//   {"workspaces": [{"id": "ws_…",
//                    "members": [{"userId": "usr_…", "policy": <document>, "seqMark": n}],
//                    "serviceAccessTokens": [{"id": "<key id>", "policy": <document>,
//                                             "seqMark": n}]}]}
// Documents are canonical (auth::PolicyToJson); the seq mark is the one the
// policy gets when deployed. Only what the deploy writes is stored: legacy
// roles, allow-lists, names and the changes are read fresh for every GET,
// since the legacy rules stay in force until the deploy and resources can be
// created and deleted meanwhile.
//
// The organization's access model is read inside each job, never taken from
// the request's principal: an import or a deploy racing another deploy must
// see the committed state.
#include "service/migration_service.h"

#include <nlohmann/json.hpp>

#include "service/audit.h"
#include "service/identity_service.h"
#include "service/resource_service.h"
#include "store/legacy_store.h"
#include "store/org_store.h"
#include "store/policy_store.h"
#include "store/resource_store.h"
#include "store/token_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

using nlohmann::json;

constexpr auth::ResourceType kTypes[] = {
    auth::ResourceType::kSources, auth::ResourceType::kDestinations,
    auth::ResourceType::kTransformations, auth::ResourceType::kLibraries,
    auth::ResourceType::kTrackingPlans};

constexpr char kNotLegacy[] = "this organization already uses access policies";

// One staged policy of the plan: a member's (id = user id) or a workspace
// SAT's (id = key id).
struct PlanEntry {
  std::string id;
  auth::Policy policy;
};
struct PlanWorkspace {
  std::string id;
  std::vector<PlanEntry> members;
  std::vector<PlanEntry> tokens;
};

json EntryJson(const char* id_key, const std::string& id, const auth::Policy& p) {
  return {{id_key, id}, {"policy", auth::PolicyToJson(p)}, {"seqMark", p.seq_mark}};
}

// Reads what EntryJson wrote. The plan is written only by Import, so a
// malformed entry means a damaged row: it is skipped (the policy it would
// have granted is simply not granted, which never widens access).
std::optional<PlanEntry> ReadEntry(const json& e, const char* id_key) {
  if (!e.is_object() || !e.contains(id_key) || !e[id_key].is_string()) return std::nullopt;
  if (!e.contains("policy") || !e.contains("seqMark") || !e["seqMark"].is_number_integer()) {
    return std::nullopt;
  }
  auto p = auth::ParsePolicy(e["policy"], {}, nullptr);
  if (!p) return std::nullopt;
  p->seq_mark = e["seqMark"].get<int64_t>();
  return PlanEntry{e[id_key].get<std::string>(), std::move(*p)};
}

std::vector<PlanWorkspace> ReadPlan(const std::string& text) {
  std::vector<PlanWorkspace> out;
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("workspaces") || !doc["workspaces"].is_array()) return out;
  for (const json& w : doc["workspaces"]) {
    if (!w.is_object() || !w.contains("id") || !w["id"].is_string()) continue;
    PlanWorkspace pw;
    pw.id = w["id"].get<std::string>();
    if (w.contains("members") && w["members"].is_array()) {
      for (const json& e : w["members"]) {
        if (auto entry = ReadEntry(e, "userId")) pw.members.push_back(std::move(*entry));
      }
    }
    if (w.contains("serviceAccessTokens") && w["serviceAccessTokens"].is_array()) {
      for (const json& e : w["serviceAccessTokens"]) {
        if (auto entry = ReadEntry(e, "id")) pw.tokens.push_back(std::move(*entry));
      }
    }
    out.push_back(std::move(pw));
  }
  return out;
}

// The plan of `strategy` for the organization as it is now.
json BuildPlan(store::Conn& c, const std::string& org_id, MigrationStrategy strategy,
               int64_t* members, int64_t* tokens) {
  const int64_t mark = store::CurrentResourceSeq(c);
  const std::vector<model::User> users = store::ListUsers(c, org_id);
  json workspaces = json::array();
  for (const model::Workspace& w : store::ListWorkspaces(c, org_id)) {
    const std::vector<auth::ResourceRef> resources = store::ResourceRefsOfWorkspace(c, w.id);
    json staged_members = json::array();
    for (const model::User& u : users) {
      // Admins keep everything under both models (SPEC §1): nothing to stage.
      if (u.role == model::Role::kAdmin) continue;
      if (!store::UserReachesWorkspace(c, u.id, w.id)) continue;
      auth::Policy p;
      p.seq_mark = mark;
      if (strategy == MigrationStrategy::kUseExistingPolicies) {
        p = auth::LegacyToPolicy(
            store::LegacyAccessIn(c, w.id, store::LegacySubject::kMember, u.id), resources, mark);
      }
      // start_fresh: the empty member policy, so only the baseline (view)
      // and the member's groups decide.
      staged_members.push_back(EntryJson("userId", u.id, p));
      ++*members;
    }
    // SPEC §7: SATs are always migrated with their current permissions,
    // whatever the strategy.
    json staged_tokens = json::array();
    for (const model::Token& t :
         store::ListTokens(c, org_id, model::TokenKind::kWorkspaceSat, w.id, std::nullopt)) {
      auth::Policy p = auth::LegacyToPolicy(
          store::LegacyAccessIn(c, w.id, store::LegacySubject::kToken, t.id), resources, mark);
      staged_tokens.push_back(EntryJson("id", t.id, p));
      ++*tokens;
    }
    workspaces.push_back(
        {{"id", w.id}, {"members", staged_members}, {"serviceAccessTokens", staged_tokens}});
  }
  return {{"workspaces", workspaces}};
}

// Every resource of a workspace, oldest first within each type.
std::vector<model::Resource> ResourcesOf(store::Conn& c, const std::string& workspace_id) {
  std::vector<model::Resource> out;
  for (auth::ResourceType t : kTypes) {
    int64_t offset = 0;
    for (;;) {
      store::ResourcePage page = store::ListResources(c, workspace_id, t, 1000, offset);
      offset += static_cast<int64_t>(page.items.size());
      for (auto& r : page.items) out.push_back(std::move(r));
      if (page.items.empty() || offset >= page.total) break;
    }
  }
  return out;
}

// Every decision of the legacy rules that `after` would make differently:
// edit, connect and delete of each resource, create of each type. Libraries
// are never connected (SPEC §1), so no connect decision exists for them.
std::vector<MigrationChange> Changes(const auth::LegacyAccess& legacy,
                                     const auth::Permissions& after,
                                     const std::vector<model::Resource>& resources) {
  std::vector<MigrationChange> out;
  auto compare = [&](const model::Resource* r, auth::ResourceType type, MigrationAction action,
                     bool before, bool now) {
    if (before == now) return;
    MigrationChange ch;
    ch.type = type;
    ch.action = action;
    ch.legacy = before;
    ch.migrated = now;
    if (r) {
      ch.resource_id = r->id;
      ch.resource_name = r->name;
    }
    out.push_back(std::move(ch));
  };
  for (auth::ResourceType t : kTypes) {
    for (const model::Resource& r : resources) {
      if (r.type != t) continue;
      const auth::ResourceRef ref{r.type, r.id, r.seq};
      compare(&r, t, MigrationAction::kEdit, auth::LegacyCanEdit(legacy, ref),
              auth::CanEdit(after, ref));
      if (t != auth::ResourceType::kLibraries) {
        compare(&r, t, MigrationAction::kConnect, auth::LegacyCanConnectEnd(legacy, ref),
                auth::CanConnectEnd(after, ref));
      }
      compare(&r, t, MigrationAction::kDelete, auth::LegacyCanDelete(legacy, ref),
              auth::CanDelete(after, ref));
    }
    compare(nullptr, t, MigrationAction::kCreate, auth::LegacyCanCreate(legacy, t),
            auth::CanCreate(after, t));
  }
  return out;
}

// The staging area as it stands, with everything recomputed from `c`.
StagedMigration LoadStaging(store::Conn& c, const std::string& org_id,
                            const store::MigrationStaging& row) {
  StagedMigration out;
  out.strategy = ParseMigrationStrategy(row.strategy).value_or(MigrationStrategy::kStartFresh);
  out.created_at = row.created_at;
  out.created_by = row.created_by;
  for (const PlanWorkspace& pw : ReadPlan(row.plan_json)) {
    auto w = store::FindWorkspace(c, org_id, pw.id);
    if (!w) continue;  // deleted since staging
    StagedWorkspace sw;
    sw.workspace = *w;
    const std::vector<model::Resource> resources = ResourcesOf(c, w->id);
    const auth::Policy baseline = store::BaselinePolicy(c, w->id);
    for (const PlanEntry& e : pw.members) {
      auto u = store::FindUser(c, org_id, e.id);
      if (!u || u->status == model::UserStatus::kRemoved) continue;
      // Promoted since staging: an admin keeps everything either way.
      if (u->role == model::Role::kAdmin) continue;
      if (!store::UserReachesWorkspace(c, u->id, w->id)) continue;
      StagedMember m;
      m.user = *u;
      m.legacy = store::LegacyAccessIn(c, w->id, store::LegacySubject::kMember, u->id);
      m.policy = e.policy;
      // After the deploy: baseline ∪ the member's groups ∪ the staged member
      // policy (it replaces any member policy stored before).
      auth::Permissions after;
      for (auto& sp : store::PoliciesForUser(c, w->id, u->id)) {
        if (sp.source != "member") after.policies.push_back(std::move(sp));
      }
      after.policies.push_back({"member", e.policy});
      m.changes = Changes(m.legacy, after, resources);
      out.change_count += static_cast<int64_t>(m.changes.size());
      sw.members.push_back(std::move(m));
    }
    for (const PlanEntry& e : pw.tokens) {
      auto t = store::FindToken(c, org_id, e.id);
      if (!t || t->kind != model::TokenKind::kWorkspaceSat || t->workspace_id != w->id) continue;
      StagedToken st;
      st.token = *t;
      st.legacy = store::LegacyAccessIn(c, w->id, store::LegacySubject::kToken, t->id);
      st.policy = e.policy;
      // A workspace SAT's permissions: the baseline ∪ its own policy (SPEC §2).
      auth::Permissions after;
      after.policies.push_back({"baseline", baseline});
      after.policies.push_back({"token", e.policy});
      st.changes = Changes(st.legacy, after, resources);
      out.change_count += static_cast<int64_t>(st.changes.size());
      sw.tokens.push_back(std::move(st));
    }
    out.workspaces.push_back(std::move(sw));
  }
  out.organization_tokens =
      store::ListTokens(c, org_id, model::TokenKind::kOrgSat, std::nullopt, std::nullopt);
  out.personal_tokens =
      store::ListTokens(c, org_id, model::TokenKind::kPat, std::nullopt, std::nullopt);
  return out;
}

}  // namespace

const char* MigrationStrategyName(MigrationStrategy s) {
  switch (s) {
    case MigrationStrategy::kStartFresh:
      return "start_fresh";
    case MigrationStrategy::kUseExistingPolicies:
      return "use_existing_policies";
  }
  return "";
}

std::optional<MigrationStrategy> ParseMigrationStrategy(const std::string& s) {
  for (MigrationStrategy m :
       {MigrationStrategy::kStartFresh, MigrationStrategy::kUseExistingPolicies}) {
    if (s == MigrationStrategyName(m)) return m;
  }
  return std::nullopt;
}

const char* MigrationActionName(MigrationAction a) {
  switch (a) {
    case MigrationAction::kEdit:
      return "edit";
    case MigrationAction::kConnect:
      return "connect";
    case MigrationAction::kDelete:
      return "delete";
    case MigrationAction::kCreate:
      return "create";
  }
  return "";
}

MigrationService::MigrationService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

StatusOr<MigrationState> MigrationService::GetMigration(const model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  MigrationState out;
  db_.Read([&](store::Conn& c) {
    auto org = store::FindOrganization(c, ctx.principal.org_id);
    if (!org) {
      s = Status::NotFound("organization not found");
      return;
    }
    out.access_model = org->access_model;
    if (auto row = store::GetMigrationStaging(c, org->id)) {
      out.staging = LoadStaging(c, org->id, *row);
    }
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<MigrationState> MigrationService::Import(model::RequestContext& ctx,
                                                  const std::string& strategy) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  auto parsed = ParseMigrationStrategy(strategy);
  if (!parsed) {
    return Status::Invalid("invalid migration",
                           {{"strategy", "must be start_fresh or use_existing_policies"}});
  }
  s = CommitChange(db_, clock_, ctx, 200, [&](store::Conn& c, Change& ch) {
    auto org = store::FindOrganization(c, ctx.principal.org_id);
    if (!org) return Status::NotFound("organization not found");
    if (org->access_model != "legacy") return Status::Conflict(kNotLegacy);
    auto previous = store::GetMigrationStaging(c, org->id);
    int64_t members = 0, tokens = 0;
    store::MigrationStaging row;
    row.strategy = MigrationStrategyName(*parsed);
    row.plan_json = BuildPlan(c, org->id, *parsed, &members, &tokens).dump();
    row.created_by = ctx.principal.user->id;
    row.created_at = clock_.NowMs();
    store::PutMigrationStaging(c, org->id, row);
    json details = {
        {"strategy", row.strategy}, {"members", members}, {"serviceAccessTokens", tokens}};
    if (previous) details["replacedStrategy"] = previous->strategy;
    ch = {"migration_staging", org->id, previous ? "updated" : "created", std::nullopt, details};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return GetMigration(ctx);
}

Status MigrationService::ResetStaging(model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  return CommitChange(db_, clock_, ctx, 204, [&](store::Conn& c, Change& ch) {
    auto row = store::GetMigrationStaging(c, ctx.principal.org_id);
    if (!row) return Status::NotFound("nothing is staged");
    store::DeleteMigrationStaging(c, ctx.principal.org_id);
    ch = {"migration_staging",
          ctx.principal.org_id,
          "deleted",
          std::nullopt,
          {{"strategy", row->strategy}}};
    return Status::Ok();
  });
}

Status MigrationService::DeleteEditAllowList(model::RequestContext& ctx,
                                             const std::string& resource_id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto list = store::FindEditAllowList(c, ctx.principal.org_id, resource_id);
        if (!list) return Status::NotFound("no edit allow-list on that resource");
        store::SetEditAllowList(c, resource_id, std::nullopt);
        ch = {AuditTargetOf(list->type),
              resource_id,
              "updated",
              list->workspace_id,
              {{"name", list->name}, {"editAllowList", {{"from", list->ids}, {"to", nullptr}}}}};
        return Status::Ok();
      },
      // Cached token principals hold the resources their allow-lists left out.
      [this] { auth_.InvalidateAccess(); });
}

StatusOr<MigrationDeployment> MigrationService::Deploy(model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  MigrationDeployment out;
  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        auto org = store::FindOrganization(c, ctx.principal.org_id);
        if (!org) return Status::NotFound("organization not found");
        if (org->access_model != "legacy") return Status::Conflict(kNotLegacy);
        auto row = store::GetMigrationStaging(c, org->id);
        if (!row) {
          return Status::Conflict("nothing is staged: import a migration strategy first");
        }
        const int64_t now = clock_.NowMs();
        out = MigrationDeployment{};
        out.deployed_at = now;
        for (const PlanWorkspace& pw : ReadPlan(row->plan_json)) {
          if (!store::FindWorkspace(c, org->id, pw.id)) continue;
          for (const PlanEntry& e : pw.members) {
            auto u = store::FindUser(c, org->id, e.id);
            if (!u || u->status == model::UserStatus::kRemoved) continue;
            // Admins reach every workspace; a member who left this one since
            // staging comes back under the new model with the baseline.
            if (u->role != model::Role::kAdmin && !store::UserReachesWorkspace(c, u->id, pw.id)) {
              continue;
            }
            // The staged mark, not today's: resources created since staging
            // are "future" for this policy, as the staging area showed.
            store::PutPolicy(c, pw.id, store::PolicySubject::kMember, u->id, e.policy, now);
            ++out.members;
          }
          for (const PlanEntry& e : pw.tokens) {
            auto t = store::FindToken(c, org->id, e.id);
            if (!t || t->workspace_id != pw.id) continue;
            if (store::SetWorkspaceSatPolicy(c, org->id, t->id, e.policy)) ++out.tokens;
          }
        }
        // From here on policies decide: the legacy roles and allow-lists go,
        // so nothing can fall back to them.
        store::DeleteLegacyStateOfOrg(c, org->id);
        org->access_model = "policies";
        org->updated_at = now;
        store::UpdateOrganization(c, *org);
        store::DeleteMigrationStaging(c, org->id);
        ch = {"organization",
              org->id,
              "updated",
              std::nullopt,
              {{"accessModel", {{"from", "legacy"}, {"to", "policies"}}},
               {"migration",
                {{"strategy", row->strategy},
                 {"members", out.members},
                 {"serviceAccessTokens", out.tokens}}}}};
        return Status::Ok();
      },
      // Every cached token principal was built under the legacy rules.
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return out;
}

}  // namespace accessd::service
