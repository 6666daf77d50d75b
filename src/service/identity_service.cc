// identity_service.cc — organizations, workspaces, members, invitations and
// sessions. Authorization is each method's first statement.
#include "service/identity_service.h"

#include <algorithm>
#include <set>

#include "auth/secret_hash.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/random.h"
#include "service/audit.h"
#include "service/validate.h"
#include "store/org_store.h"
#include "store/token_store.h"
#include "store/user_store.h"
#include "store/audit_store.h"
#include "store/group_store.h"

namespace accessd::service {

namespace {

// A PHC string that no password matches, verified against when the email is
// unknown so that a failed login takes the same time either way.
const std::string& DummyHash() {
  static const std::string h = auth::HashSecret(RandomBase62(32));
  return h;
}

nlohmann::json UserDetails(const model::User& u) {
  return {{"email", u.email}, {"role", model::RoleName(u.role)},
          {"status", model::UserStatusName(u.status)}};
}

}  // namespace

Status RequireSession(const model::RequestContext& ctx) {
  if (ctx.principal.kind != model::Principal::Kind::kSession || !ctx.principal.user) {
    return Status::Unauthenticated();
  }
  return Status::Ok();
}

Status RequirePoliciesModel(const model::RequestContext& ctx, const std::string& what) {
  if (ctx.principal.access_model != "legacy") return Status::Ok();
  return Status::LegacyModel("this organization uses the legacy access model: " + what +
                             " cannot be changed or added until it is migrated");
}

Status RequireAdmin(const model::RequestContext& ctx) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  if (!ctx.principal.IsAdminUser()) return Status::Forbidden("only admins may do this");
  return Status::Ok();
}

IdentityService::IdentityService(store::Database& db, const Clock& clock, AuthService& auth,
                                 IdentityOptions options)
    : db_(db), clock_(clock), auth_(auth), options_(options), workspaces_(1u << 20, 4096) {}

StatusOr<BootstrapResult> IdentityService::Bootstrap(
    const std::string& admin_email, const std::optional<std::string>& admin_password) {
  int64_t orgs = 0;
  db_.Read([&](store::Conn& c) { orgs = store::CountOrganizations(c); });
  if (orgs > 0) return BootstrapResult{};
  std::optional<std::string> generated;
  std::string password;
  if (admin_password && !admin_password->empty()) {
    password = *admin_password;
  } else {
    password = RandomBase62(20);
    generated = password;
  }
  auto r = CreateOrganization("Default", admin_email, password);
  if (!r.ok()) return r.status();
  r->created = true;
  r->generated_password = generated;
  return r;
}

StatusOr<BootstrapResult> IdentityService::CreateOrganization(const std::string& name,
                                                              const std::string& email,
                                                              const std::string& password) {
  std::vector<FieldError> errors;
  if (auto e = CheckName(name)) errors.push_back({"name", *e});
  if (auto e = CheckEmail(email)) errors.push_back({"adminEmail", *e});
  if (auto e = CheckPassword(password)) errors.push_back({"adminPassword", *e});
  if (!errors.empty()) return Status::Invalid("invalid organization", errors);
  std::string hash = auth::HashSecret(password);
  int64_t now = clock_.NowMs();
  model::Organization org;
  org.id = NewId("org");
  org.name = Trim(name);
  org.created_at = org.updated_at = now;
  model::User admin;
  admin.id = NewId("usr");
  admin.org_id = org.id;
  admin.email = email;
  admin.display_name = email.substr(0, email.find('@'));
  admin.role = model::Role::kAdmin;
  admin.created_at = admin.updated_at = now;
  Status s = db_.Write([&](store::Conn& c) {
    if (store::EmailTaken(c, email, "")) return Status::Conflict("that email is already in use");
    store::InsertOrganization(c, org);
    store::InsertUser(c, admin, hash);
    Change ch{"organization", org.id, "created", std::nullopt, {{"name", org.name}}};
    store::InsertAudit(c, MakeAuditRow(nullptr, org.id, ch, "success", 0, now));
    Change uc{"user", admin.id, "added_to_organization", std::nullopt, UserDetails(admin)};
    store::InsertAudit(c, MakeAuditRow(nullptr, org.id, uc, "success", 0, now));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  BootstrapResult r;
  r.created = true;
  r.org_id = org.id;
  r.admin_id = admin.id;
  return r;
}

StatusOr<LoginResult> IdentityService::Login(const std::string& email, const std::string& password,
                                             const std::string& ip,
                                             const std::string& user_agent) {
  if (email.empty() || email.size() > 254 || password.size() > kMaxPasswordLength) {
    return Status::Unauthenticated();
  }
  std::optional<model::User> user;
  std::optional<std::string> hash;
  db_.Read([&](store::Conn& c) {
    user = store::FindLiveUserByEmail(c, email);
    if (user) hash = store::PasswordHashOf(c, user->id);
  });
  int64_t now = clock_.NowMs();
  if (!user) {
    auth::VerifySecret(password, DummyHash());  // same cost as a real attempt
    LogInfo("login failed for an unknown email from " + ip);
    return Status::Unauthenticated();
  }
  model::RequestContext ctx;
  ctx.principal.kind = model::Principal::Kind::kSession;
  ctx.principal.org_id = user->org_id;
  ctx.principal.user = user;
  ctx.ip = ip;
  ctx.user_agent = user_agent;
  ctx.method = "POST";
  ctx.path = "/api/session";
  bool ok = hash && auth::VerifySecret(password, *hash) &&
            user->status == model::UserStatus::kActive;
  if (!hash) auth::VerifySecret(password, DummyHash());
  if (!ok) {
    Change ch{"session", user->id, "login_failed", std::nullopt, nlohmann::json::object()};
    RecordRow(db_, MakeAuditRow(&ctx, user->org_id, ch, "failed", 401, now));
    return Status::Unauthenticated();
  }
  LoginResult r;
  // A new session id at every login (no fixation).
  r.session_id = RandomBase62(43);
  r.csrf_token = RandomBase62(43);
  r.user = *user;
  store::SessionRow row{Sha256Hex(r.session_id), user->id, Sha256Hex(r.csrf_token), now, now};
  Status s = CommitChange(db_, clock_, ctx, 200, [&](store::Conn& c, Change& ch) {
    store::InsertSession(c, row, ip, user_agent);
    ch = {"session", user->id, "login", std::nullopt, nlohmann::json::object()};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return r;
}

Status IdentityService::Logout(model::RequestContext& ctx) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  const std::string h = ctx.principal.session_hash;
  return CommitChange(db_, clock_, ctx, 204, [&](store::Conn& c, Change& ch) {
    store::DeleteSession(c, h);
    ch = {"session", ctx.principal.user->id, "logout", std::nullopt, nlohmann::json::object()};
    return Status::Ok();
  });
}

StatusOr<std::vector<WorkspaceAccess>> IdentityService::MyWorkspaces(
    const model::RequestContext& ctx) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  const model::User& u = *ctx.principal.user;
  std::vector<WorkspaceAccess> out;
  db_.Read([&](store::Conn& c) {
    auto list = u.role == model::Role::kAdmin ? store::ListWorkspaces(c, u.org_id)
                                              : store::ListWorkspacesOfUser(c, u.org_id, u.id);
    for (auto& w : list) {
      UserAccess a = ComputeUserAccess(c, u, w.id, ctx.principal.access_model);
      out.push_back({std::move(w), std::move(a.permissions)});
    }
  });
  return out;
}

StatusOr<model::Organization> IdentityService::GetOrganization(const model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::optional<model::Organization> org;
  db_.Read([&](store::Conn& c) { org = store::FindOrganization(c, ctx.principal.org_id); });
  if (!org) return Status::NotFound();
  return *org;
}

StatusOr<model::Organization> IdentityService::UpdateOrganization(model::RequestContext& ctx,
                                                                  const OrganizationPatch& patch) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<FieldError> errors;
  if (patch.name) {
    if (auto e = CheckName(*patch.name)) errors.push_back({"name", *e});
  }
  if (patch.audit_retention_days &&
      (*patch.audit_retention_days < 1 || *patch.audit_retention_days > 3650)) {
    errors.push_back({"auditRetentionDays", "must be between 1 and 3650"});
  }
  if (!errors.empty()) return Status::Invalid("invalid organization settings", errors);
  model::Organization out;
  s = CommitChange(db_, clock_, ctx, 200, [&](store::Conn& c, Change& ch) {
    auto org = store::FindOrganization(c, ctx.principal.org_id);
    if (!org) return Status::NotFound();
    nlohmann::json changed = nlohmann::json::object();
    if (patch.name && Trim(*patch.name) != org->name) {
      changed["name"] = {{"from", org->name}, {"to", Trim(*patch.name)}};
      org->name = Trim(*patch.name);
    }
    if (patch.scim_enabled && *patch.scim_enabled != org->scim_enabled) {
      changed["scimEnabled"] = {{"from", org->scim_enabled}, {"to", *patch.scim_enabled}};
      org->scim_enabled = *patch.scim_enabled;
    }
    if (patch.audit_retention_days && *patch.audit_retention_days != org->audit_retention_days) {
      changed["auditRetentionDays"] = {{"from", org->audit_retention_days},
                                       {"to", *patch.audit_retention_days}};
      org->audit_retention_days = *patch.audit_retention_days;
    }
    org->updated_at = clock_.NowMs();
    store::UpdateOrganization(c, *org);
    ch = {"organization", org->id, "updated", std::nullopt, changed};
    out = *org;
    return Status::Ok();
  }, [this] { auth_.InvalidateAccess(); });  // scimEnabled gates org SATs
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<model::Workspace>> IdentityService::ListWorkspaces(
    const model::RequestContext& ctx) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  std::vector<model::Workspace> out;
  const model::User& u = *ctx.principal.user;
  db_.Read([&](store::Conn& c) {
    out = u.role == model::Role::kAdmin ? store::ListWorkspaces(c, u.org_id)
                                        : store::ListWorkspacesOfUser(c, u.org_id, u.id);
  });
  return out;
}

StatusOr<model::Workspace> IdentityService::ReachableWorkspace(const model::RequestContext& ctx,
                                                               const std::string& id) {
  // A PAT whose user lost the workspace authenticates but may do nothing
  // there (the resource API answers the same).
  if (ctx.principal.IsToken() && ctx.principal.token_workspace_id == id &&
      !ctx.principal.reaches_workspace) {
    return Status::Forbidden("the token's user no longer has access to this workspace");
  }
  // GET /v2/workspace answers every workspace token's calls: between
  // changes, the row comes from memory (service/generation_cache.h). Whether
  // a member reaches it is read each time.
  const uint64_t gen = db_.change_generation();
  const std::string key = ctx.principal.org_id + '/' + id;
  std::shared_ptr<const model::Workspace> ws = workspaces_.Find(key, gen);
  const bool member = !ctx.principal.IsToken() && !ctx.principal.IsAdminUser();
  bool member_reaches = false;
  if (!ws || member) {
    db_.Read([&](store::Conn& c) {
      if (!ws) {
        auto found = store::FindWorkspace(c, ctx.principal.org_id, id);
        if (!found) return;
        ws = std::make_shared<const model::Workspace>(std::move(*found));
        workspaces_.Keep(key, gen, ws,
                         sizeof(*ws) + ws->id.size() + ws->org_id.size() + ws->name.size() +
                             ws->environment.size());
      }
      if (member && ctx.principal.user) {
        member_reaches = store::UserReachesWorkspace(c, ctx.principal.user->id, ws->id);
      }
    });
  }
  const bool reaches = ws && (ctx.principal.IsToken()
                                  ? ctx.principal.token_workspace_id == ws->id
                                  : ctx.principal.IsAdminUser() || member_reaches);
  if (!reaches) return Status::NotFound("workspace not found");
  return *ws;
}

StatusOr<model::Workspace> IdentityService::CreateWorkspace(model::RequestContext& ctx,
                                                            const WorkspaceInput& in) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<FieldError> errors;
  if (!in.name) {
    errors.push_back({"name", "is required"});
  } else if (auto e = CheckName(*in.name)) {
    errors.push_back({"name", *e});
  }
  if (in.environment) {
    if (auto e = CheckText(*in.environment, 100)) errors.push_back({"environment", *e});
  }
  if (!errors.empty()) return Status::Invalid("invalid workspace", errors);
  model::Workspace w;
  w.id = NewId("ws");
  w.org_id = ctx.principal.org_id;
  w.name = Trim(*in.name);
  w.environment = Trim(in.environment.value_or(""));
  w.created_at = w.updated_at = clock_.NowMs();
  s = CommitChange(db_, clock_, ctx, 201, [&](store::Conn& c, Change& ch) {
    if (store::WorkspaceNameTaken(c, w.org_id, w.name, "")) {
      return Status::Conflict("a workspace with that name already exists");
    }
    store::InsertWorkspace(c, w);
    ch = {"workspace", w.id, "created", w.id, {{"name", w.name}, {"environment", w.environment}}};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return w;
}

StatusOr<model::Workspace> IdentityService::UpdateWorkspace(model::RequestContext& ctx,
                                                            const std::string& id,
                                                            const WorkspaceInput& in) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<FieldError> errors;
  if (in.name) {
    if (auto e = CheckName(*in.name)) errors.push_back({"name", *e});
  }
  if (in.environment) {
    if (auto e = CheckText(*in.environment, 100)) errors.push_back({"environment", *e});
  }
  if (!errors.empty()) return Status::Invalid("invalid workspace", errors);
  model::Workspace out;
  s = CommitChange(db_, clock_, ctx, 200, [&](store::Conn& c, Change& ch) {
    auto w = store::FindWorkspace(c, ctx.principal.org_id, id);
    if (!w) return Status::NotFound("workspace not found");
    nlohmann::json changed = nlohmann::json::object();
    if (in.name && Trim(*in.name) != w->name) {
      if (store::WorkspaceNameTaken(c, w->org_id, Trim(*in.name), w->id)) {
        return Status::Conflict("a workspace with that name already exists");
      }
      changed["name"] = {{"from", w->name}, {"to", Trim(*in.name)}};
      w->name = Trim(*in.name);
    }
    if (in.environment && Trim(*in.environment) != w->environment) {
      changed["environment"] = {{"from", w->environment}, {"to", Trim(*in.environment)}};
      w->environment = Trim(*in.environment);
    }
    w->updated_at = clock_.NowMs();
    store::UpdateWorkspace(c, *w);
    ch = {"workspace", w->id, "updated", w->id, changed};
    out = *w;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status IdentityService::DeleteWorkspace(model::RequestContext& ctx, const std::string& id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<std::string> token_ids;
  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto w = store::FindWorkspace(c, ctx.principal.org_id, id);
        if (!w) return Status::NotFound("workspace not found");
        // Tokens bound to the workspace go with it (ON DELETE CASCADE); note
        // their ids first so the cache forgets them before we answer.
        token_ids = store::TokenIdsOfWorkspace(c, id);
        store::DeleteWorkspace(c, ctx.principal.org_id, id);
        ch = {"workspace", id, "deleted", id,
              {{"name", w->name}, {"deletedTokens", token_ids.size()}}};
        return Status::Ok();
      },
      [&] {
        for (const auto& t : token_ids) auth_.ForgetToken(t);
        auth_.InvalidateAccess();
      });
}

StatusOr<Member> IdentityService::LoadMember(const std::string& org_id,
                                             const std::string& user_id) {
  std::optional<Member> m;
  db_.Read([&](store::Conn& c) {
    auto u = store::FindUser(c, org_id, user_id);
    if (!u || u->status == model::UserStatus::kRemoved) return;
    m = Member{*u, store::DirectWorkspaceIds(c, u->id), store::GroupIdsOfUser(c, u->id)};
  });
  if (!m) return Status::NotFound("member not found");
  return *m;
}

StatusOr<std::vector<Member>> IdentityService::ListMembers(const model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<Member> out;
  db_.Read([&](store::Conn& c) {
    for (auto& u : store::ListUsers(c, ctx.principal.org_id)) {
      auto ws = store::DirectWorkspaceIds(c, u.id);
      auto gs = store::GroupIdsOfUser(c, u.id);
      out.push_back({std::move(u), std::move(ws), std::move(gs)});
    }
  });
  return out;
}

StatusOr<Member> IdentityService::SetMemberRole(model::RequestContext& ctx,
                                                const std::string& user_id,
                                                const std::string& role_s) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RequirePoliciesModel(ctx, "member roles"); !s.ok()) return s;
  auto role = model::ParseRole(role_s);
  if (!role) return Status::Invalid("invalid role", {{"role", "must be admin or member"}});
  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        auto u = store::FindUser(c, ctx.principal.org_id, user_id);
        if (!u || u->status == model::UserStatus::kRemoved) {
          return Status::NotFound("member not found");
        }
        if (u->role == *role) {
          ch = {"user", u->id, "changed_permission", std::nullopt, {{"role", role_s}}};
          return Status::Ok();
        }
        // An organization always keeps at least one active admin.
        if (u->role == model::Role::kAdmin && u->status == model::UserStatus::kActive &&
            store::CountActiveAdmins(c, u->org_id) <= 1) {
          return Status::Conflict("the organization must keep at least one active admin");
        }
        ch = {"user", u->id, "changed_permission", std::nullopt,
              {{"role", {{"from", model::RoleName(u->role)}, {"to", role_s}}}}};
        u->role = *role;
        u->updated_at = clock_.NowMs();
        store::UpdateUser(c, *u);
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return LoadMember(ctx.principal.org_id, user_id);
}

Status IdentityService::RemoveMember(model::RequestContext& ctx, const std::string& user_id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<std::string> pats;
  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto u = store::FindUser(c, ctx.principal.org_id, user_id);
        if (!u || u->status == model::UserStatus::kRemoved) {
          return Status::NotFound("member not found");
        }
        if (u->role == model::Role::kAdmin && u->status == model::UserStatus::kActive &&
            store::CountActiveAdmins(c, u->org_id) <= 1) {
          return Status::Conflict("the organization must keep at least one active admin");
        }
        // The row stays (status removed) so the audit log still names them.
        u->status = model::UserStatus::kRemoved;
        u->updated_at = clock_.NowMs();
        store::UpdateUser(c, *u);
        store::DeleteSessionsOfUser(c, u->id);
        pats = store::DeletePatsOfUser(c, u->id);
        store::RemoveUserMemberships(c, u->id);
        ch = {"user", u->id, "removed_from_organization", std::nullopt,
              {{"email", u->email}, {"deletedTokens", pats.size()}}};
        return Status::Ok();
      },
      [&] {
        for (const auto& t : pats) auth_.ForgetToken(t);
        auth_.InvalidateAccess();
      });
}

StatusOr<Member> IdentityService::SetMemberWorkspaces(
    model::RequestContext& ctx, const std::string& user_id,
    const std::vector<std::string>& workspace_ids) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RequirePoliciesModel(ctx, "workspace memberships"); !s.ok()) return s;
  std::set<std::string> unique(workspace_ids.begin(), workspace_ids.end());
  if (unique.size() != workspace_ids.size()) {
    return Status::Invalid("invalid workspaces", {{"workspaceIds", "must not repeat an id"}});
  }
  s = CommitChange(
      db_, clock_, ctx, 200,
      [&](store::Conn& c, Change& ch) {
        auto u = store::FindUser(c, ctx.principal.org_id, user_id);
        if (!u || u->status == model::UserStatus::kRemoved) {
          return Status::NotFound("member not found");
        }
        std::vector<FieldError> errors;
        for (size_t i = 0; i < workspace_ids.size(); ++i) {
          if (!store::FindWorkspace(c, ctx.principal.org_id, workspace_ids[i])) {
            errors.push_back({"workspaceIds[" + std::to_string(i) + "]", "unknown workspace"});
          }
        }
        if (!errors.empty()) return Status::Invalid("invalid workspaces", errors);
        auto before = store::DirectWorkspaceIds(c, u->id);
        store::SetDirectWorkspaces(c, u->id, workspace_ids);
        ch = {"user", u->id, "changed_permission", std::nullopt,
              {{"workspaceIds", {{"from", before}, {"to", workspace_ids}}}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return LoadMember(ctx.principal.org_id, user_id);
}

StatusOr<std::vector<CreatedInvitation>> IdentityService::CreateInvitations(
    model::RequestContext& ctx, const InvitationInput& in) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  // An invitation adds a member with a role (and memberships).
  if (s = RequirePoliciesModel(ctx, "members"); !s.ok()) return s;
  std::vector<FieldError> errors;
  auto role = model::ParseRole(in.role);
  if (!role) errors.push_back({"role", "must be admin or member"});
  if (in.emails.empty()) errors.push_back({"emails", "must list at least one email"});
  if (in.emails.size() > 100) errors.push_back({"emails", "at most 100 at once"});
  std::set<std::string> seen;
  for (size_t i = 0; i < in.emails.size(); ++i) {
    if (auto e = CheckEmail(in.emails[i])) {
      errors.push_back({"emails[" + std::to_string(i) + "]", *e});
    } else if (!seen.insert(Lower(in.emails[i])).second) {
      errors.push_back({"emails[" + std::to_string(i) + "]", "listed twice"});
    }
  }
  if (in.workspace_ids.empty() && in.group_ids.empty()) {
    errors.push_back({"workspaceIds", "give at least one workspace or group"});
  }
  if (!errors.empty()) return Status::Invalid("invalid invitation", errors);
  std::vector<CreatedInvitation> out;
  int64_t now = clock_.NowMs();
  for (const auto& email : in.emails) {
    CreatedInvitation ci;
    ci.token = RandomBase62(43);
    ci.invitation.id = NewId("inv");
    ci.invitation.org_id = ctx.principal.org_id;
    ci.invitation.email = email;
    ci.invitation.role = *role;
    ci.invitation.workspace_ids = in.workspace_ids;
    ci.invitation.group_ids = in.group_ids;
    ci.invitation.created_by = ctx.principal.user->id;
    ci.invitation.created_at = now;
    ci.invitation.expires_at = now + options_.invitation_ttl_ms;
    out.push_back(std::move(ci));
  }
  s = db_.Write([&](store::Conn& c) {
    std::vector<FieldError> errs;
    for (size_t i = 0; i < in.workspace_ids.size(); ++i) {
      if (!store::FindWorkspace(c, ctx.principal.org_id, in.workspace_ids[i])) {
        errs.push_back({"workspaceIds[" + std::to_string(i) + "]", "unknown workspace"});
      }
    }
    for (size_t i = 0; i < in.group_ids.size(); ++i) {
      if (!store::GroupExists(c, ctx.principal.org_id, in.group_ids[i])) {
        errs.push_back({"groupIds[" + std::to_string(i) + "]", "unknown group"});
      }
    }
    if (!errs.empty()) return Status::Invalid("invalid invitation", errs);
    for (const auto& ci : out) {
      if (store::EmailTaken(c, ci.invitation.email, "")) {
        return Status::Conflict(ci.invitation.email + " already belongs to a user");
      }
    }
    for (const auto& ci : out) {
      store::InsertInvitation(c, ci.invitation, Sha256Hex(ci.token));
      Change ch{"user_invitation", ci.invitation.id, "created", std::nullopt,
                {{"email", ci.invitation.email},
                 {"role", in.role},
                 {"workspaceIds", in.workspace_ids},
                 {"groupIds", in.group_ids}}};
      store::InsertAudit(c, MakeAuditRow(&ctx, ctx.principal.org_id, ch, "success", 201, now));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  ctx.audited = true;
  return out;
}

StatusOr<std::vector<model::Invitation>> IdentityService::ListInvitations(
    const model::RequestContext& ctx) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<model::Invitation> out;
  db_.Read([&](store::Conn& c) {
    out = store::ListInvitations(c, ctx.principal.org_id, clock_.NowMs());
  });
  return out;
}

Status IdentityService::DeleteInvitation(model::RequestContext& ctx, const std::string& id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  return CommitChange(db_, clock_, ctx, 204, [&](store::Conn& c, Change& ch) {
    auto inv = store::FindInvitation(c, ctx.principal.org_id, id);
    if (!inv) return Status::NotFound("invitation not found");
    store::DeleteInvitation(c, id);
    ch = {"user_invitation", id, "deleted", std::nullopt, {{"email", inv->email}}};
    return Status::Ok();
  });
}

StatusOr<model::User> IdentityService::AcceptInvitation(const std::string& token,
                                                        const std::string& display_name,
                                                        const std::string& password,
                                                        const std::string& ip,
                                                        const std::string& user_agent) {
  std::vector<FieldError> errors;
  if (token.empty() || token.size() > 128) errors.push_back({"token", "is required"});
  if (auto e = CheckName(display_name)) errors.push_back({"displayName", *e});
  if (auto e = CheckPassword(password)) errors.push_back({"password", *e});
  if (!errors.empty()) return Status::Invalid("invalid invitation acceptance", errors);
  const std::string token_hash = Sha256Hex(token);
  std::optional<model::Invitation> inv;
  db_.Read([&](store::Conn& c) { inv = store::FindInvitationByTokenHash(c, token_hash); });
  int64_t now = clock_.NowMs();
  if (!inv || inv->expires_at <= now) return Status::NotFound("invitation not found or expired");
  std::string hash = auth::HashSecret(password);
  model::User u;
  u.id = NewId("usr");
  u.org_id = inv->org_id;
  u.email = inv->email;
  u.display_name = Trim(display_name);
  u.role = inv->role;
  u.created_at = u.updated_at = now;
  model::RequestContext ctx;
  ctx.principal.kind = model::Principal::Kind::kSession;
  ctx.principal.org_id = u.org_id;
  ctx.principal.user = u;
  ctx.ip = ip;
  ctx.user_agent = user_agent;
  ctx.method = "POST";
  ctx.path = "/api/invitations/accept";
  Status s = CommitChange(
      db_, clock_, ctx, 201,
      [&](store::Conn& c, Change& ch) {
        // Re-read inside the transaction: the invitation may have been used
        // or deleted meanwhile.
        auto again = store::FindInvitationByTokenHash(c, token_hash);
        if (!again || again->id != inv->id) return Status::NotFound("invitation not found");
        if (store::EmailTaken(c, u.email, "")) {
          return Status::Conflict("that email already belongs to a user");
        }
        store::InsertUser(c, u, hash);
        for (const auto& w : inv->workspace_ids) {
          if (store::FindWorkspace(c, u.org_id, w)) store::AddDirectWorkspace(c, u.id, w);
        }
        for (const auto& g : inv->group_ids) {
          if (store::GroupExists(c, u.org_id, g)) store::AddGroupMember(c, g, u.id);
        }
        store::DeleteInvitation(c, inv->id);
        ch = {"user", u.id, "added_to_organization", std::nullopt,
              {{"email", u.email}, {"role", model::RoleName(u.role)}, {"invitationId", inv->id}}};
        return Status::Ok();
      },
      [this] { auth_.InvalidateAccess(); });
  if (!s.ok()) return s;
  return u;
}

}  // namespace accessd::service
