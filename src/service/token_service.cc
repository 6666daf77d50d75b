// token_service.cc — token lifecycle.
#include "service/token_service.h"

#include "auth/secret_hash.h"
#include "auth/token_format.h"
#include "service/audit.h"
#include "service/identity_service.h"
#include "service/validate.h"
#include "store/audit_store.h"
#include "store/org_store.h"
#include "store/policy_store.h"
#include "store/resource_store.h"
#include "store/token_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

const char* TargetTypeOf(model::TokenKind k) {
  return k == model::TokenKind::kPat ? "personal_access_token" : "service_access_token";
}

nlohmann::json TokenDetails(const model::Token& t) {
  nlohmann::json d = {{"name", t.name}, {"kind", auth::TokenKindName(t.kind)}};
  if (t.workspace_id) d["workspaceId"] = *t.workspace_id;
  if (t.scope) d["scope"] = model::PatScopeName(*t.scope);
  if (t.policy) d["policy"] = auth::PolicyToJson(*t.policy);
  return d;
}

// Turns policy validation errors into field errors under `prefix`.
std::vector<FieldError> PolicyFieldErrors(const std::vector<auth::PolicyError>& errors,
                                          const std::string& prefix) {
  std::vector<FieldError> out;
  for (const auto& e : errors) {
    out.push_back({e.path.empty() ? prefix : prefix + "." + e.path, e.message});
  }
  return out;
}

}  // namespace

TokenService::TokenService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth) {}

StatusOr<CreatedToken> TokenService::CreateSat(model::RequestContext& ctx, const SatInput& in) {
  // Only admins can see, create and delete service access tokens.
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  if (s = RequirePoliciesModel(ctx, "tokens"); !s.ok()) return s;
  std::vector<FieldError> errors;
  if (auto e = CheckName(in.name)) errors.push_back({"name", *e});
  model::TokenKind kind = model::TokenKind::kOrgSat;
  if (in.level == "organization") {
    if (in.workspace_id) errors.push_back({"workspaceId", "organization tokens have no workspace"});
    if (in.policy) errors.push_back({"policy", "organization tokens have no policy"});
  } else if (in.level == "workspace") {
    kind = model::TokenKind::kWorkspaceSat;
    if (!in.workspace_id) errors.push_back({"workspaceId", "is required for workspace tokens"});
  } else {
    errors.push_back({"level", "must be organization or workspace"});
  }
  if (!errors.empty()) return Status::Invalid("invalid token", errors);

  auto generated = auth::GenerateToken(kind);
  CreatedToken out;
  out.secret = generated.full;
  model::Token& t = out.token;
  t.id = generated.parts.key_id;
  t.org_id = ctx.principal.org_id;
  t.kind = kind;
  t.name = Trim(in.name);
  t.workspace_id = in.workspace_id;
  t.created_by = ctx.principal.user->id;
  t.created_at = clock_.NowMs();
  // Hash before entering the writer: Argon2 must never run inside a write batch.
  const std::string hash = auth::HashSecret(generated.parts.secret);
  if (hash.empty()) return Status::Internal("could not hash the token secret");

  s = CommitChange(db_, clock_, ctx, 201, [&](store::Conn& c, Change& ch) {
    if (kind == model::TokenKind::kWorkspaceSat) {
      if (!store::FindWorkspace(c, t.org_id, *t.workspace_id)) {
        return Status::Invalid("invalid token", {{"workspaceId", "unknown workspace"}});
      }
      std::vector<auth::PolicyError> perrors;
      const std::string ws = *t.workspace_id;
      auto policy = auth::ParsePolicy(
          in.policy.value_or(nlohmann::json::object()),
          [&](auth::ResourceType type, const std::string& id) {
            return store::ResourceExistsInWorkspace(c, ws, type, id);
          },
          &perrors);
      if (!policy) return Status::Invalid("invalid policy", PolicyFieldErrors(perrors, "policy"));
      // The policy is fixed now; "future" resources are those created after.
      policy->seq_mark = store::CurrentResourceSeq(c);
      t.policy = std::move(*policy);
    }
    store::InsertToken(c, t, hash, std::nullopt);
    ch = {"service_access_token", t.id, "created", t.workspace_id, TokenDetails(t)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<model::Token>> TokenService::ListSats(
    const model::RequestContext& ctx, const std::string& level,
    const std::optional<std::string>& workspace_id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  std::vector<model::Token> out;
  db_.Read([&](store::Conn& c) {
    auto add = [&](model::TokenKind k) {
      for (auto& t : store::ListTokens(c, ctx.principal.org_id, k, workspace_id, std::nullopt)) {
        out.push_back(std::move(t));
      }
    };
    if (level.empty() || level == "organization") {
      if (!workspace_id) add(model::TokenKind::kOrgSat);
    }
    if (level.empty() || level == "workspace") add(model::TokenKind::kWorkspaceSat);
  });
  return out;
}

Status TokenService::DeleteSat(model::RequestContext& ctx, const std::string& id) {
  Status s = RequireAdmin(ctx);
  if (!s.ok()) return s;
  return DeleteToken(ctx, id, true);
}

Status TokenService::DeleteToken(model::RequestContext& ctx, const std::string& id, bool sat) {
  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto t = store::FindToken(c, ctx.principal.org_id, id);
        if (!t) return Status::NotFound("token not found");
        if (sat && t->kind == model::TokenKind::kPat) return Status::NotFound("token not found");
        if (!sat) {
          // Users see and delete only their own PATs; anything else is "not found".
          if (t->kind != model::TokenKind::kPat || t->user_id != ctx.principal.user->id) {
            return Status::NotFound("token not found");
          }
        }
        store::DeleteToken(c, ctx.principal.org_id, id);
        ch = {TargetTypeOf(t->kind), t->id, "deleted", t->workspace_id, TokenDetails(*t)};
        return Status::Ok();
      },
      // Before the delete request returns, no later request may succeed with it.
      [this, id] { auth_.ForgetToken(id); });
}

StatusOr<CreatedToken> TokenService::CreatePat(model::RequestContext& ctx, const PatInput& in) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  if (s = RequirePoliciesModel(ctx, "tokens"); !s.ok()) return s;
  std::vector<FieldError> errors;
  if (auto e = CheckName(in.name)) errors.push_back({"name", *e});
  if (in.workspace_id.empty()) errors.push_back({"workspaceId", "is required"});
  auto scope = model::ParsePatScope(in.scope);
  // admin scope exists only on imported legacy tokens.
  if (!scope || *scope == model::PatScope::kAdmin) {
    errors.push_back({"scope", "must be read_only or read_write"});
  }
  if (!errors.empty()) return Status::Invalid("invalid token", errors);

  auto generated = auth::GenerateToken(model::TokenKind::kPat);
  CreatedToken out;
  out.secret = generated.full;
  model::Token& t = out.token;
  t.id = generated.parts.key_id;
  t.org_id = ctx.principal.org_id;
  t.kind = model::TokenKind::kPat;
  t.name = Trim(in.name);
  t.workspace_id = in.workspace_id;
  t.user_id = ctx.principal.user->id;
  t.scope = scope;
  t.created_by = ctx.principal.user->id;
  t.created_at = clock_.NowMs();
  const std::string hash = auth::HashSecret(generated.parts.secret);
  if (hash.empty()) return Status::Internal("could not hash the token secret");

  s = CommitChange(db_, clock_, ctx, 201, [&](store::Conn& c, Change& ch) {
    // A PAT is bound to a workspace its user reaches.
    auto ws = store::FindWorkspace(c, t.org_id, in.workspace_id);
    bool reaches = ws && (ctx.principal.IsAdminUser() ||
                          store::UserReachesWorkspace(c, *t.user_id, in.workspace_id));
    if (!reaches) return Status::Invalid("invalid token", {{"workspaceId", "unknown workspace"}});
    store::InsertToken(c, t, hash, std::nullopt);
    ch = {"personal_access_token", t.id, "created", t.workspace_id, TokenDetails(t)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<model::Token>> TokenService::ListPats(const model::RequestContext& ctx) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  std::vector<model::Token> out;
  db_.Read([&](store::Conn& c) {
    out = store::ListTokens(c, ctx.principal.org_id, model::TokenKind::kPat, std::nullopt,
                            ctx.principal.user->id);
  });
  return out;
}

Status TokenService::DeletePat(model::RequestContext& ctx, const std::string& id) {
  Status s = RequireSession(ctx);
  if (!s.ok()) return s;
  return DeleteToken(ctx, id, false);
}

int TokenService::RevokeLeaked(const std::vector<std::string>& tokens, const std::string& ip,
                               const std::string& user_agent) {
  int revoked = 0;
  for (const auto& presented : tokens) {
    auto key_id = auth_.VerifyTokenForRevocation(presented);
    if (!key_id) continue;
    const std::string id = *key_id;
    Status s = db_.Write(
        [&](store::Conn& c) {
          auto row = store::FindTokenByKeyId(c, id);
          if (!row) return Status::NotFound();
          store::DeleteToken(c, row->token.org_id, id);
          Change ch{TargetTypeOf(row->token.kind), id, "deleted", row->token.workspace_id,
                    {{"name", row->token.name}, {"reason", "revoked_as_leaked"}}};
          model::AuditRow r = MakeAuditRow(nullptr, row->token.org_id, ch, "success", 202,
                                           clock_.NowMs());
          r.ip = ip;
          r.user_agent = user_agent;
          store::InsertAudit(c, r);
          return Status::Ok();
        },
        [this, id] { auth_.ForgetToken(id); });
    if (s.ok()) ++revoked;
  }
  return revoked;
}

}  // namespace accessd::service
