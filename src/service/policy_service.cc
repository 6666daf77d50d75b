// policy_service.cc — groups, policies and effective permissions.
//
// Authorization is each method's first statement; every lookup is scoped to
// the caller's organization. Every change is one CommitChange (change + audit
// row in one transaction) whose after_commit bumps the access epoch, because
// groups, their members and workspaces, and policy documents all decide what
// a token or session may do (SPEC §2: a PAT "follows every change to the
// user's role or policies on the next request"). Nothing here runs Argon2.
#include "service/policy_service.h"

#include <algorithm>
#include <set>

#include "base/random.h"
#include "service/audit.h"
#include "service/identity_service.h"
#include "service/validate.h"
#include "store/group_store.h"
#include "store/org_store.h"
#include "store/policy_store.h"
#include "store/resource_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

constexpr size_t kMaxDescription = 1000;

// SPEC §7: groups and policies are how roles are built in the new model.
Status RejectLegacy(const model::RequestContext& ctx) {
  return RequirePoliciesModel(ctx, "groups and policies");
}

std::string Indexed(const char* field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

// Field errors for ids listed twice; the order of the list is kept.
void CheckNoRepeats(const std::vector<std::string>& ids, const char* field,
                    std::vector<FieldError>* errors) {
  std::set<std::string> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!seen.insert(ids[i]).second) errors->push_back({Indexed(field, i), "listed twice"});
  }
}

// Elements of `a` that are not in `b`, in a's order.
std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::set<std::string> bs(b.begin(), b.end());
  std::vector<std::string> out;
  for (const auto& x : a) {
    if (!bs.count(x)) out.push_back(x);
  }
  return out;
}

// Unknown workspaces of the organization, as field errors.
void CheckWorkspaces(store::Conn& c, const std::string& org_id, const std::vector<std::string>& ids,
                     std::vector<FieldError>* errors) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!store::FindWorkspace(c, org_id, ids[i])) {
      errors->push_back({Indexed("workspaceIds", i), "unknown workspace"});
    }
  }
}

store::PolicySubject StoreSubject(PolicyKind k) {
  switch (k) {
    case PolicyKind::kBaseline:
      return store::PolicySubject::kBaseline;
    case PolicyKind::kGroup:
      return store::PolicySubject::kGroup;
    case PolicyKind::kMember:
      return store::PolicySubject::kMember;
  }
  return store::PolicySubject::kBaseline;
}

// The audit target id: "<ws>/baseline", "<ws>/groups/<id>", "<ws>/members/<id>"
// (the path of the policy under /api/workspaces/{ws}/policies).
std::string PolicyTargetId(const std::string& ws, const PolicySubjectRef& s) {
  switch (s.kind) {
    case PolicyKind::kBaseline:
      return ws + "/baseline";
    case PolicyKind::kGroup:
      return ws + "/groups/" + s.id;
    case PolicyKind::kMember:
      return ws + "/members/" + s.id;
  }
  return ws;
}

// The subject as the audit row names it, in the vocabulary of
// auth::ExplainPermissions ("baseline", "group:<id>"), plus the member's id.
std::string SubjectName(const PolicySubjectRef& s) {
  switch (s.kind) {
    case PolicyKind::kBaseline:
      return "baseline";
    case PolicyKind::kGroup:
      return "group:" + s.id;
    case PolicyKind::kMember:
      return "member:" + s.id;
  }
  return "";
}

// Checks that the workspace, and the group or member the policy is for,
// belong to the organization (kNotFound) and that the subject is part of the
// workspace (kConflict). Runs inside the read or write job so that the check
// and the use see the same state.
Status CheckPolicySubject(store::Conn& c, const std::string& org_id, const std::string& ws,
                          const PolicySubjectRef& s) {
  if (!store::FindWorkspace(c, org_id, ws)) return Status::NotFound("workspace not found");
  switch (s.kind) {
    case PolicyKind::kBaseline:
      return Status::Ok();
    case PolicyKind::kGroup: {
      auto g = store::FindGroup(c, org_id, s.id);
      if (!g) return Status::NotFound("group not found");
      if (std::find(g->workspace_ids.begin(), g->workspace_ids.end(), ws) ==
          g->workspace_ids.end()) {
        return Status::Conflict(
            "group is not part of this workspace: add the workspace to the group first");
      }
      return Status::Ok();
    }
    case PolicyKind::kMember: {
      auto u = store::FindUser(c, org_id, s.id);
      if (!u || u->status == model::UserStatus::kRemoved) {
        return Status::NotFound("member not found");
      }
      // Admins reach every workspace (SPEC §1); a stored member policy only
      // starts to matter for them if they are demoted, but it is allowed.
      if (u->role != model::Role::kAdmin && !store::UserReachesWorkspace(c, u->id, ws)) {
        return Status::Conflict("add the member to the workspace first");
      }
      return Status::Ok();
    }
  }
  return Status::NotFound();
}

}  // namespace

PolicyService::PolicyService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

// ---- Groups ----------------------------------------------------------------

StatusOr<std::vector<model::Group>> PolicyService::ListGroups(const model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<model::Group> out;
  db_.Read([&](store::Conn& c) { out = store::ListGroups(c, ctx.principal.org_id); });
  return out;
}

StatusOr<model::Group> PolicyService::GetGroup(const model::RequestContext& ctx,
                                               const std::string& id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::optional<model::Group> g;
  db_.Read([&](store::Conn& c) { g = store::FindGroup(c, ctx.principal.org_id, id); });
  if (!g) return Status::NotFound("group not found");
  return *g;
}

StatusOr<model::Group> PolicyService::CreateGroup(model::RequestContext& ctx,
                                                  const GroupInput& in) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RejectLegacy(ctx); !s.ok()) return s;
  std::vector<FieldError> errors;
  if (!in.name) {
    errors.push_back({"name", "is required"});
  } else if (auto e = CheckName(*in.name)) {
    errors.push_back({"name", *e});
  }
  if (in.description) {
    if (auto e = CheckText(*in.description, kMaxDescription)) errors.push_back({"description", *e});
  }
  const std::vector<std::string> workspaces = in.workspace_ids.value_or(std::vector<std::string>{});
  CheckNoRepeats(workspaces, "workspaceIds", &errors);
  if (!errors.empty()) return Status::Invalid("invalid group", errors);

  model::Group g;
  g.id = NewId("grp");
  g.org_id = ctx.principal.org_id;
  g.name = Trim(*in.name);
  g.description = in.description ? Trim(*in.description) : "";
  g.created_at = g.updated_at = clock_.NowMs();
  s = CommitChange(
      db_, clock_, ctx, 201,
      [&](store::Conn& c, Change& ch) {
        std::vector<FieldError> errs;
        CheckWorkspaces(c, g.org_id, workspaces, &errs);
        if (!errs.empty()) return Status::Invalid("invalid group", errs);
        if (store::FindGroupByName(c, g.org_id, g.name)) {
          return Status::Conflict("a group with that name already exists");
        }
        store::InsertGroup(c, g);
        store::SetGroupWorkspaces(c, g.id, workspaces);
        ch = {"group",
              g.id,
              "created",
              std::nullopt,
              {{"name", g.name}, {"description", g.description}, {"workspaceIds", workspaces}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return GetGroup(ctx, g.id);
}

StatusOr<model::Group> PolicyService::UpdateGroup(model::RequestContext& ctx, const std::string& id,
                                                  const GroupInput& in) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RejectLegacy(ctx); !s.ok()) return s;
  std::vector<FieldError> errors;
  if (in.name) {
    if (auto e = CheckName(*in.name)) errors.push_back({"name", *e});
  }
  if (in.description) {
    if (auto e = CheckText(*in.description, kMaxDescription)) errors.push_back({"description", *e});
  }
  if (in.workspace_ids) CheckNoRepeats(*in.workspace_ids, "workspaceIds", &errors);
  if (!errors.empty()) return Status::Invalid("invalid group", errors);

  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        auto g = store::FindGroup(c, ctx.principal.org_id, id);
        if (!g) return Status::NotFound("group not found");
        if (in.workspace_ids) {
          std::vector<FieldError> errs;
          CheckWorkspaces(c, g->org_id, *in.workspace_ids, &errs);
          if (!errs.empty()) return Status::Invalid("invalid group", errs);
        }
        nlohmann::json changed = nlohmann::json::object();
        if (in.name && Trim(*in.name) != g->name) {
          auto other = store::FindGroupByName(c, g->org_id, Trim(*in.name));
          if (other && other->id != g->id) {
            return Status::Conflict("a group with that name already exists");
          }
          changed["name"] = {{"from", g->name}, {"to", Trim(*in.name)}};
          g->name = Trim(*in.name);
        }
        if (in.description && Trim(*in.description) != g->description) {
          changed["description"] = {{"from", g->description}, {"to", Trim(*in.description)}};
          g->description = Trim(*in.description);
        }
        if (in.workspace_ids) {
          auto added = Minus(*in.workspace_ids, g->workspace_ids);
          auto removed = Minus(g->workspace_ids, *in.workspace_ids);
          if (!added.empty() || !removed.empty()) {
            // Also drops the group's policies of the removed workspaces.
            store::SetGroupWorkspaces(c, g->id, *in.workspace_ids);
            changed["workspaceIds"] = {{"added", added}, {"removed", removed}};
          }
        }
        g->updated_at = clock_.NowMs();
        store::UpdateGroup(c, *g);
        ch = {"group", g->id, "updated", std::nullopt, changed};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return GetGroup(ctx, id);
}

Status PolicyService::DeleteGroup(model::RequestContext& ctx, const std::string& id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RejectLegacy(ctx); !s.ok()) return s;
  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto g = store::FindGroup(c, ctx.principal.org_id, id);
        if (!g) return Status::NotFound("group not found");
        // Policies go explicitly; members and workspaces by ON DELETE CASCADE.
        store::DeleteGroup(c, g->org_id, g->id);
        ch = {
            "group",
            g->id,
            "deleted",
            std::nullopt,
            {{"name", g->name}, {"memberIds", g->member_ids}, {"workspaceIds", g->workspace_ids}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
}

StatusOr<model::Group> PolicyService::SetGroupMembers(model::RequestContext& ctx,
                                                      const std::string& id,
                                                      const std::vector<std::string>& user_ids) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RejectLegacy(ctx); !s.ok()) return s;
  std::vector<FieldError> errors;
  CheckNoRepeats(user_ids, "userIds", &errors);
  if (!errors.empty()) return Status::Invalid("invalid group members", errors);

  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        auto g = store::FindGroup(c, ctx.principal.org_id, id);
        if (!g) return Status::NotFound("group not found");
        std::vector<FieldError> errs;
        for (size_t i = 0; i < user_ids.size(); ++i) {
          auto u = store::FindUser(c, g->org_id, user_ids[i]);
          // Removed users stay in the table for the audit trail only.
          if (!u || u->status == model::UserStatus::kRemoved) {
            errs.push_back({Indexed("userIds", i), "unknown user"});
          }
        }
        if (!errs.empty()) return Status::Invalid("invalid group members", errs);
        auto added = Minus(user_ids, g->member_ids);
        auto removed = Minus(g->member_ids, user_ids);
        store::SetGroupMembers(c, g->id, user_ids);
        g->updated_at = clock_.NowMs();
        store::UpdateGroup(c, *g);
        ch = {"group", g->id, "updated", std::nullopt, {{"added", added}, {"removed", removed}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return GetGroup(ctx, id);
}

// ---- Policies --------------------------------------------------------------

StatusOr<auth::Policy> PolicyService::GetPolicy(const model::RequestContext& ctx,
                                                const std::string& workspace_id,
                                                const PolicySubjectRef& subject) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::optional<auth::Policy> p;
  db_.Read([&](store::Conn& c) {
    s = CheckPolicySubject(c, ctx.principal.org_id, workspace_id, subject);
    if (s.ok()) p = store::GetPolicy(c, workspace_id, StoreSubject(subject.kind), subject.id);
  });
  if (!s.ok()) return s;
  return p ? std::move(*p) : auth::Policy{};  // never saved: the empty policy (view only)
}

StatusOr<auth::Policy> PolicyService::PutPolicy(model::RequestContext& ctx,
                                                const std::string& workspace_id,
                                                const PolicySubjectRef& subject,
                                                const nlohmann::json& document) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RejectLegacy(ctx); !s.ok()) return s;
  auth::Policy stored;
  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        Status st = CheckPolicySubject(c, ctx.principal.org_id, workspace_id, subject);
        if (!st.ok()) return st;
        // Validated inside the write job: a resource deleted concurrently
        // cannot slip into the stored document.
        std::vector<auth::PolicyError> perrors;
        auto policy = auth::ParsePolicy(
            document,
            [&](auth::ResourceType type, const std::string& rid) {
              return store::ResourceExistsInWorkspace(c, workspace_id, type, rid);
            },
            &perrors);
        if (!policy) {
          std::vector<FieldError> errs;
          // The document is the whole body (SPEC §6a: no wrapper), so paths
          // are relative to it; "" (the document itself) is named "policy".
          for (const auto& e : perrors)
            errs.push_back({e.path.empty() ? "policy" : e.path, e.message});
          return Status::Invalid("invalid policy", errs);
        }
        auto before = store::GetPolicy(c, workspace_id, StoreSubject(subject.kind), subject.id);
        // "includeFuture" means "resources created after this save" (policy.h).
        policy->seq_mark = store::CurrentResourceSeq(c);
        store::PutPolicy(c, workspace_id, StoreSubject(subject.kind), subject.id, *policy,
                         clock_.NowMs());
        stored = *policy;
        ch = {"policy",
              PolicyTargetId(workspace_id, subject),
              "changed_permission",
              workspace_id,
              {{"subject", SubjectName(subject)},
               {"document", auth::PolicyToJson(stored)},
               {"previous", auth::PolicyToJson(before ? *before : auth::Policy{})}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return stored;
}

// ---- Effective permissions -------------------------------------------------

StatusOr<EffectiveAccess> PolicyService::GetEffectiveAccess(const model::RequestContext& ctx,
                                                            const std::string& workspace_id,
                                                            const std::string& user_id) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  const bool admin = ctx.principal.IsAdminUser();
  // Checked before any lookup, so a member learns nothing about other ids.
  if (!admin && user_id != ctx.principal.user->id) {
    return Status::Forbidden("members may only see their own permissions");
  }
  EffectiveAccess out;
  out.workspace_id = workspace_id;
  out.user_id = user_id;
  db_.Read([&](store::Conn& c) {
    if (!store::FindWorkspace(c, ctx.principal.org_id, workspace_id)) {
      s = Status::NotFound("workspace not found");
      return;
    }
    auto u = store::FindUser(c, ctx.principal.org_id, user_id);
    if (!u || u->status == model::UserStatus::kRemoved) {
      s = Status::NotFound("member not found");
      return;
    }
    UserAccess a = ComputeUserAccess(c, *u, workspace_id, ctx.principal.access_model);
    out.reaches = a.reaches;
    out.role = u->role;
    out.permissions = std::move(a.permissions);
  });
  if (!s.ok()) return s;
  // A member's view of a workspace they do not reach is "not found" (SPEC §3).
  if (!admin && !out.reaches) return Status::NotFound("workspace not found");
  return out;
}

}  // namespace accessd::service
